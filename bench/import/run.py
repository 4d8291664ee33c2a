#!/usr/bin/env python3
"""The import benchmark: `callsql import` (release build) against the same mapping written
as DuckDB SQL (read_csv, then COPY … TO … (FORMAT parquet, PARTITION_BY dt)), on the same
input. Two cases: `asterisk` (`--from asterisk` on a Master.csv, bench/import/asterisk.sql)
and `mapped` (`--from mapped` with bench/import/mapped.toml's three expression columns on
a vendor export, bench/import/mapped.sql). Runs interleaved, reports the median wall time
with min–max and the peak memory of each process, and checks that both wrote the same
number of rows. Timings are never test assertions.

    pip install -r bench/requirements.txt
    python3 bench/import/run.py --lines 5000000                  # results.md
    python3 bench/import/run.py --lines 5000000 --case mapped    # results-mapped.md
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

DUCK = """
import sys, time, duckdb
con = duckdb.connect()
con.execute(f"SET threads = {sys.argv[3]}")
sql = open(sys.argv[1]).read().replace('{input}', sys.argv[2]).replace('{out}', sys.argv[4])
started = time.perf_counter()
con.execute(sql)
print(f"{time.perf_counter() - started:.6f}")
n = con.execute(f"SELECT count(*) FROM read_parquet('{sys.argv[4]}/*/*.parquet')").fetchone()[0]
print(n)
"""


def peak_of(command):
    """Peak RSS (MiB) of one run, measured by GNU time in a child of its own."""
    done = subprocess.run(["/usr/bin/time", "-f", "%M"] + command, capture_output=True, text=True)
    return int(done.stderr.strip().splitlines()[-1]) / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=5_000_000)
    parser.add_argument("--case", choices=["asterisk", "mapped"], default="asterisk")
    parser.add_argument("--work", default="/tmp/callsql-bench")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--binary", default=str(Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release" / "callsql"))
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    if args.case == "asterisk":
        master = work / f"Master-{args.lines}.csv"
        generator, sql, results = "gen_master.py", HERE / "asterisk.sql", HERE / "results.md"
        what = "Asterisk Master.csv lines"
        importing = ["--from", "asterisk", "--tz", "Asia/Shanghai"]
    else:
        master = work / f"export-{args.lines}.csv"
        generator, sql, results = "gen_mapped.py", HERE / "mapped.sql", HERE / "results-mapped.md"
        what = "rows of a vendor export (three expression columns)"
        importing = ["--from", "mapped", "--mapping", str(HERE / "mapped.toml")]
    if not master.exists():
        subprocess.run([sys.executable, str(HERE / generator), "--lines", str(args.lines), "--out", str(master)], check=True)
    size = master.stat().st_size / 2**20
    ours, theirs = [], []
    rows = {}
    for run in range(args.runs):
        out = work / "callsql-out"
        shutil.rmtree(out, ignore_errors=True)
        command = [args.binary, "import", *importing, "--out", str(out), str(master)]
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        ours.append(time.perf_counter() - started)
        if done.returncode not in (0, 3):
            sys.exit(f"callsql failed: {done.stderr}")
        rows["callsql"] = done.stderr.strip().splitlines()[-1]
        duck_out = work / "duckdb-out"
        shutil.rmtree(duck_out, ignore_errors=True)
        script = work / "duck_import.py"
        script.write_text(DUCK)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, str(script), str(sql), str(master), str(args.threads), str(duck_out)],
                              capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"duckdb failed: {done.stderr}")
        theirs.append(float(done.stdout.split()[0]))
        rows["duckdb"] = done.stdout.split()[1]
    shutil.rmtree(work / "callsql-out", ignore_errors=True)
    callsql_peak = peak_of([args.binary, "import", *importing, "--out", str(work / "callsql-out"), str(master)])
    shutil.rmtree(work / "duckdb-out", ignore_errors=True)
    duck_peak = peak_of([sys.executable, str(script), str(sql), str(master), str(args.threads), str(work / "duckdb-out")])
    med = lambda v: statistics.median(v)
    lines = [
        f"# Import benchmark: {args.lines:,} {what} ({size:.0f} MiB)",
        "",
        f"{os.cpu_count()} cores; DuckDB threads = {args.threads}; {args.runs} interleaved runs, median (min–max).",
        "DuckDB's time is its COPY statement inside the process; callsql's is the whole process.",
        "",
        "| engine | seconds | MiB/s | peak memory (MiB) |",
        "|---|---|---|---|",
        f"| callsql import | {med(ours):.2f} ({min(ours):.2f}–{max(ours):.2f}) | {size / med(ours):.0f} | {callsql_peak:.0f} |",
        f"| DuckDB COPY | {med(theirs):.2f} ({min(theirs):.2f}–{max(theirs):.2f}) | {size / med(theirs):.0f} | {duck_peak:.0f} |",
        "",
        f"callsql / DuckDB: **{med(ours) / med(theirs):.2f}×**",
        "",
        f"callsql: {rows['callsql']}",
        f"DuckDB rows written: {rows['duckdb']}",
    ]
    text = "\n".join(lines) + "\n"
    results.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
