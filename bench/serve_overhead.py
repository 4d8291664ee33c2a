#!/usr/bin/env python3
"""What `callsql serve` adds to a query: a canned query through psql against a running
server, against the same query from `callsql run` (a new process per run, as a batch job
starts it). Runs are interleaved; each is timed from the client's start to its exit, so
the served time includes psql's connect and the server's per-connection session and the
CLI's time includes its start-up. Prints medians with min–max and the ratio. Timings are
never test assertions.

    python3 bench/serve_overhead.py --data /tmp/g20 --query kpi_overview
"""

import argparse
import os
import socket
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(command, env=None):
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)}: {done.stderr.decode().strip()}")
    return elapsed, done.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--query", default="kpi_overview")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--binary", default=str(ROOT / "target/release/callsql"))
    args = parser.parse_args()

    port = free_port()
    server = subprocess.Popen(
        [args.binary, "--data", args.data, "serve", "--listen", f"127.0.0.1:{port}"],
        stderr=subprocess.PIPE,
    )
    try:
        while b"listening" not in server.stderr.readline():
            if server.poll() is not None:
                raise SystemExit("the server did not start")
        env = dict(os.environ, PGHOST="127.0.0.1", PGPORT=str(port), PGUSER="callsql",
                   PGDATABASE="callsql")
        psql = ["psql", "-X", "-A", "-t", "-F", ",", "-c", f"SELECT * FROM {args.query}()"]
        cli = [args.binary, "--data", args.data, "--format", "csv", "run", args.query]
        # One untimed run each warms the page cache and the server.
        timed(psql, env)
        timed(cli)
        served, direct = [], []
        for _ in range(args.runs):
            served.append(timed(psql, env)[0])
            direct.append(timed(cli)[0])
    finally:
        server.terminate()
        server.wait()

    def summary(times):
        return f"{statistics.median(times):.3f} s ({min(times):.3f}–{max(times):.3f})"

    print(f"{args.query} on {args.data}, {args.runs} interleaved runs")
    print(f"  callsql run:      {summary(direct)}")
    print(f"  serve via psql:   {summary(served)}")
    print(f"  ratio:            {statistics.median(served) / statistics.median(direct):.3f}×")


if __name__ == "__main__":
    main()
