#!/usr/bin/env python3
"""The benchmark: canned queries in callsql against the same definitions in DuckDB and
against the bare scan of the columns they read.

For each canned query it runs, interleaved, `\\run NAME` at callsql's prompt (release
build, timed by `\\timing`), the DuckDB version in bench/duckdb/NAME.sql where there is one
(timed inside the process: execution and fetch) and the bare scan in callsql; it reports medians with
min–max, peak memory, and whether both engines returned the same rows. It writes the table
to bench/results.md with the machine and the versions. Timings are never test assertions.

    pip install -r bench/requirements.txt
    python3 bench/run.py --data /tmp/g20            # generates 20M calls there if missing
"""

import argparse
import csv
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# Each case: the canned query, the table and columns it reads (for the bare scan), and the
# columns DuckDB cannot compute, which the equality check leaves out.
CALLS = "calls"
CASES = {
    "kpi_overview": (CALLS, [
        "campaign_id", "customer_id", "caller_number", "disposition", "talk_s", "hold_s", "acw_s",
        "predicted_intent", "labeled_intent", "is_effective", "transferred", "hangup_by",
        "outcome", "is_callback", "csat", "nps",
    ], ()),
    "kpi_daily": (CALLS, [
        "dt", "disposition", "outcome", "talk_s", "hold_s", "acw_s", "is_effective",
        "transferred", "predicted_intent", "labeled_intent", "caller_number", "complaint",
        "csat", "nps", "order_amount",
    ], ()),
    "kpi_change_drivers": (CALLS, [
        "dt", "campaign_id", "caller_number", "dialed_at", "script_id", "agent_id",
        "disposition", "outcome", "transferred",
    ], ()),
    "hourly_connect": (CALLS, ["dialed_at", "disposition", "outcome"], ()),
    "connect_heatmap": (CALLS, ["dt", "dialed_at", "disposition"], ()),
    "top_intents": (CALLS, ["predicted_intent", "disposition", "outcome"], ()),
    "agent_performance": (CALLS, [
        "agent_id", "disposition", "outcome", "talk_s", "hold_s", "acw_s", "transferred",
        "order_amount", "csat", "complaint",
    ], ()),
    "funnel_by_attempt": (CALLS, ["attempt_no", "disposition", "is_effective", "outcome"], ()),
    "intent_confusion": (CALLS, ["labeled_intent", "predicted_intent"], ()),
    "abandon_compliance": (CALLS, ["campaign_id", "dt", "disposition"], ()),
    "script_ranking": (CALLS, ["campaign_id", "script_id", "dt", "disposition", "outcome", "talk_s"],
                       ("rank", "p_best")),
    "rfm_customers": ("orders", ["customer_id", "ordered_at", "amount"], ()),
    "rfm_segments": ("orders", ["customer_id", "ordered_at", "amount"], ()),
    "number_health": (CALLS, [
        "caller_number", "campaign_id", "dt", "disposition", "complaint", "dnc_requested", "dialed_at",
    ], ()),
    "script_elimination": (CALLS, ["campaign_id", "script_id", "dt", "disposition", "outcome"],
                           ("p_best", "eliminate", "reason")),
    "staffing_plan": (CALLS, ["dt", "dialed_at", "agent_id", "disposition", "talk_s", "hold_s", "acw_s"], ()),
    "compliance_audit": (CALLS, [
        "call_id", "campaign_id", "dt", "dialed_at", "callee_number", "caller_number", "disposition",
        "transcript",
    ], ()),
    "routing_queue": (CALLS, ["customer_id", "disposition", "dnc_requested"], ()),
    "customer_lifetime": ("orders", ["customer_id", "ordered_at", "amount"], ()),
    "churn_watchlist": ("orders", ["customer_id", "ordered_at", "amount"], ()),
    "service_overview": ("sessions", [
        "channel", "dt", "started_at", "first_response_at", "resolved_at", "bot_only", "transferred",
        "resolved", "reopened", "stage", "order_amount", "csat", "nps",
    ], ("frt_p50_s", "frt_p90_s", "ttr_p90_s")),
    "service_agents": ("sessions", [
        "agent_id", "dt", "started_at", "resolved_at", "transferred", "resolved", "reopened", "stage",
        "order_amount", "csat", "nps",
    ], ("ttr_p90_s",)),
    "retention_cohorts": ("orders", ["customer_id", "ordered_at"], ()),
}

# Why a case has no DuckDB counterpart (bench/duckdb/NAME.sql); it is timed against its scan.
NO_COUNTERPART = {
    "customer_lifetime": "none: DuckDB SQL cannot maximise a likelihood (bench/lifetime compares the fits with `lifetimes`)",
    "churn_watchlist": "none: reads customer_lifetime's fit",
}

# A line `-- include: NAME` in a DuckDB counterpart stands for NAME's counterpart (without
# its final semicolon), as canned queries read one another.
INCLUDE = "-- include: "


def duckdb_sql(name):
    """The DuckDB counterpart of a canned query, with its includes; None where there is none."""
    path = HERE / "duckdb" / f"{name}.sql"
    if not path.exists():
        return None
    lines = []
    for line in path.read_text().splitlines():
        if line.startswith(INCLUDE):
            line = duckdb_sql(line[len(INCLUDE):].strip()).rstrip().rstrip(";")
        lines.append(line)
    return "\n".join(lines)


def duckdb_script(name):
    """The counterpart after the macros it may use; None where there is none."""
    sql = duckdb_sql(name)
    return sql and (HERE / "duckdb" / "macros.sql").read_text() + "\n" + sql


def scan_sql(table, columns):
    """Decodes every column and drops the batches: EXPLAIN ANALYZE runs the scan to its end
    with no operator above it. (Counting the columns instead would time the counting, or
    let Parquet statistics answer without reading the data.)"""
    return f"EXPLAIN ANALYZE SELECT {', '.join(columns)} FROM {table}"


def timed(command, stdout, stdin_text=None):
    """Wall seconds, peak RSS in MiB and stderr of one process. The peak comes from GNU
    time, not from wait4: a child forked from this process starts with its memory counted,
    and this process holds the results it compared."""
    started = time.perf_counter()
    process = subprocess.Popen(["/usr/bin/time", "-f", "%M", *command], stdout=stdout,
                               stderr=subprocess.PIPE, stdin=subprocess.PIPE if stdin_text else None)
    _, errors = process.communicate(stdin_text.encode() if stdin_text else None)
    elapsed = time.perf_counter() - started
    *errors, peak_kib = errors.decode().rstrip("\n").split("\n")
    errors = "\n".join(errors)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command[:6])} … failed: {errors}")
    return elapsed, int(peak_kib) / 1024, errors


def callsql(binary, data, script, out_path, extra=()):
    """Runs `script` at callsql's prompt with \\timing on: the statement's own seconds (as
    DuckDB's are measured), the process's wall seconds and its peak RSS. `extra` are more
    arguments (`--cluster URL`)."""
    with open(out_path, "w") as out:
        wall, peak, errors = timed([binary, "--data", data, "--format", "csv", *extra], out,
                                   "\\timing on\n" + script + "\n")
    lines = Path(out_path).read_text().splitlines(keepends=True)
    Path(out_path).write_text("".join(line for line in lines if line != "timing is on\n"))
    own = [float(line.split()[1]) for line in errors.splitlines() if line.startswith("Time: ")]
    if len(own) != 1:
        raise SystemExit(f"expected one timing line from callsql, got: {errors}")
    return own[0], wall, peak


def duckdb_run(data, threads, sql, out_path):
    command = [sys.executable, str(HERE / "duck_run.py"), "--data", data,
               "--threads", str(threads), "--sql", sql, "--csv", out_path]
    with tempfile.TemporaryFile() as printed:
        _, peak, _ = timed(command, printed)
        printed.seek(0)
        return float(printed.read().decode()), peak


def read_rows(path, unchecked):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    kept = [i for i, column in enumerate(rows[0]) if column not in unchecked]
    return [rows[0][i] for i in kept], sorted([row[i] for i in kept] for row in rows[1:])


def same_value(a, b):
    if a == b:
        return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        try:  # timestamps: Arrow's RFC 3339 against Python's str(datetime)
            return datetime.fromisoformat(a) == datetime.fromisoformat(b)
        except ValueError:
            return a.lower() == b.lower()  # true / True
    return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)


def compare(ours, theirs, unchecked):
    """None when both CSV files hold the same rows (but for the unchecked columns), else
    what differs."""
    header_a, rows_a = read_rows(ours, unchecked)
    header_b, rows_b = read_rows(theirs, unchecked)
    if header_a != header_b:
        return f"columns differ: {header_a} vs {header_b}"
    if len(rows_a) != len(rows_b):
        return f"{len(rows_a)} rows vs {len(rows_b)}"
    for row_a, row_b in zip(rows_a, rows_b):
        if not all(same_value(a, b) for a, b in zip(row_a, row_b)):
            return f"row differs: {row_a} vs {row_b}"
    return None


def same(difference, unchecked):
    if difference is not None:
        return "NO: " + difference
    return f"yes ({', '.join(unchecked)} unchecked)" if unchecked else "yes"


def summary(values):
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def machine():
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.system()} {platform.release()}"


def versions(binary):
    import duckdb

    callsql_version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    return f"{callsql_version} (commit {commit}, DataFusion 55.2, {rustc}); DuckDB {duckdb.__version__} (PyPI)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="/tmp/callsql-bench-20m")
    parser.add_argument("--rows", type=int, default=20_000_000, help="calls to generate when --data is empty")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="DuckDB threads; callsql uses one partition per core")
    parser.add_argument("--binary", default=str(ROOT / "target/release/callsql"))
    parser.add_argument("--cases", nargs="*", default=list(CASES))
    parser.add_argument("--results", default=str(HERE / "results.md"))
    parser.add_argument("--memory-limit", default="1G",
                        help="callsql's --memory-limit for the memory-limited run of each query")
    args = parser.parse_args()

    import duckdb

    pinned = (HERE / "requirements.txt").read_text().split("duckdb==")[1].split()[0]
    if duckdb.__version__ != pinned:
        raise SystemExit(f"DuckDB {duckdb.__version__} found, the benchmark pins {pinned}: pip install -r bench/requirements.txt")
    if not Path(args.binary).exists():
        subprocess.run(["cargo", "build", "--release", "--bin", "callsql"], cwd=ROOT, check=True)
    if not (Path(args.data) / "calls").is_dir():
        subprocess.run([args.binary, "gen", "--out", args.data, "--rows", str(args.rows)], check=True)

    work = Path(tempfile.mkdtemp(prefix="callsql-bench-"))
    lines = []
    ratios = []
    for name in args.cases:
        duck_sql = duckdb_script(name)
        table, columns, unchecked = CASES[name]
        scan = scan_sql(table, columns)
        times = {"callsql": [], "wall": [], "duckdb": [], "scan": [], "limited": []}
        limit_failure = None
        peaks = {"callsql": 0.0, "duckdb": 0.0, "limited": 0.0}
        for run in range(args.runs + 1):  # the first round warms the page cache and is dropped
            ours, theirs = work / f"{name}.callsql.csv", work / f"{name}.duckdb.csv"
            t_ours, wall, m_ours = callsql(args.binary, args.data, f"\\run {name}", ours)
            t_duck, m_duck = (duckdb_run(args.data, args.threads, duck_sql, str(theirs))
                              if duck_sql else (math.nan, math.nan))
            t_scan, _, _ = callsql(args.binary, args.data, scan + ";", work / "scan.csv")
            limited = work / f"{name}.limited.csv"
            try:
                t_limited, _, m_limited = callsql(args.binary, args.data, f"\\run {name}", limited,
                                                  ("--memory-limit", args.memory_limit))
            except SystemExit as failure:  # reported in the table, not fatal to the run
                limit_failure = str(failure).splitlines()[0].split(" failed: ")[-1]
                t_limited, m_limited = math.nan, math.nan
            if run == 0:
                continue
            times["callsql"].append(t_ours)
            times["wall"].append(wall)
            times["duckdb"].append(t_duck)
            times["scan"].append(t_scan)
            times["limited"].append(t_limited)
            peaks["callsql"] = max(peaks["callsql"], m_ours)
            peaks["limited"] = max(peaks["limited"], m_limited) if not limit_failure else math.nan
            peaks["duckdb"] = max(peaks["duckdb"], m_duck)
        median = {k: statistics.median(v) for k, v in times.items()}
        if duck_sql:
            ratios.append(median["callsql"] / median["duckdb"])
            duck = (f"{summary(times['duckdb'])} | {median['callsql'] / median['duckdb']:.2f}×", f"{peaks['duckdb']:.0f}",
                    same(compare(ours, theirs, unchecked), unchecked))
        else:
            duck = ("— | —", "—", NO_COUNTERPART[name])
        line = (f"| {name} | {summary(times['callsql'])} | {summary(times['wall'])} | {duck[0]} | "
                f"{summary(times['scan'])} | {median['callsql'] / median['scan']:.2f}× | {peaks['callsql']:.0f} | "
                f"{duck[1]} | {duck[2]} | ")
        if limit_failure:
            line += f"FAILED: {limit_failure[:160]} | — | — | — |"
        else:
            line += (f"{summary(times['limited'])} | {median['limited'] / median['callsql']:.2f}× | "
                     f"{peaks['limited']:.0f} | {'same' if compare(ours, limited, ()) is None else 'DIFFERENT'} |")
        print(line, flush=True)
        lines.append(line)

    calls = sum(1 for _ in Path(args.data, "calls").rglob("*.parquet"))
    header = f"""# Benchmark results

Written by `python3 bench/run.py` on {time.strftime('%Y-%m-%d')}. Machine: {machine()}.
Versions: {versions(args.binary)}.
Data: `{args.data}`, {calls} Parquet files of calls (`callsql gen`, default layout).

Seconds as median (min–max) of {args.runs} interleaved warm runs, after one dropped warm-up
round. Both engines are timed inside their process from planning to the last row written
(callsql's `\\timing` at its prompt, DuckDB's execute and fetch), DuckDB with threads =
{args.threads} and callsql with one partition per core; "callsql wall" is the whole callsql
process, start-up and table registration included. The scan is callsql reading and decoding
the columns the query uses and nothing else (`EXPLAIN ANALYZE SELECT columns FROM table`);
the ratios use the in-process times. Peak memory is the
process's maximum RSS in MiB. "Same rows" compares both engines' results cell by cell
(floats to 1e-9 relative). The last four columns are callsql again with
`--memory-limit {args.memory_limit}` (sorts, joins and aggregations spill past it): its
seconds, its time over the unlimited one, its peak RSS, and whether its rows equal the
unlimited run's.

| query | callsql s | callsql wall s | DuckDB s | callsql / DuckDB | scan s | callsql / scan | callsql MiB | DuckDB MiB | same rows | {args.memory_limit} s | {args.memory_limit} / unlimited | {args.memory_limit} MiB | {args.memory_limit} rows |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
"""
    footer = (f"\nMedian callsql / DuckDB over the {len(ratios)} queries with a counterpart: "
              f"{statistics.median(ratios):.2f}×.\n" if ratios else "")
    Path(args.results).write_text(header + "\n".join(lines) + "\n" + footer)
    print(f"wrote {args.results}")


if __name__ == "__main__":
    main()
