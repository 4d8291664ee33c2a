#!/usr/bin/env python3
"""KPI aggregates against the same definitions in plain DataFusion SQL.

Runs each pair of queries in this folder (udf_X.sql vs plain_X.sql) interleaved, several
times, with a release build of callsql, and prints the median wall time, the peak memory
and the ratio udf / plain. Also times the bare scan of the columns the queries read.

    cargo build --release
    cargo run --release -- gen --out /tmp/g20 --rows 20000000 --days 30 --campaigns 50 --seed 1
    python3 bench/kpi/compare.py --data /tmp/g20 --runs 5
"""

import argparse
import os
import statistics
import subprocess
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAIRS = ["campaign", "customer"]
# Grouped, so Parquet statistics cannot answer it: every column is read and decoded.
SCAN = (
    "SELECT campaign_id, count(disposition), count(talk_s), count(hold_s), count(acw_s), count(is_effective), "
    "count(transferred), count(hangup_by), count(outcome), count(is_callback), count(csat), "
    "count(nps), count(predicted_intent), count(labeled_intent), count(caller_number), "
    "count(customer_id) FROM calls GROUP BY campaign_id"
)


def run(binary, data, sql):
    """Wall seconds and peak RSS (MiB) of one run."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [binary, "--data", data, "--format", "csv", "-c", sql],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"query failed: {process.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--binary", default=str(HERE.parents[1] / "target/release/callsql"))
    args = parser.parse_args()
    queries = {"scan": SCAN}
    for pair in PAIRS:
        for side in ("udf", "plain"):
            queries[f"{side}_{pair}"] = (HERE / f"{side}_{pair}.sql").read_text()
    times = {name: [] for name in queries}
    memory = {name: 0.0 for name in queries}
    for _ in range(args.runs):
        for name, sql in queries.items():
            elapsed, peak = run(args.binary, args.data, sql)
            times[name].append(elapsed)
            memory[name] = max(memory[name], peak)
    median = {name: statistics.median(values) for name, values in times.items()}
    for name in queries:
        print(f"{name:16} median {median[name]:7.3f} s   peak {memory[name]:7.0f} MiB   runs {' '.join(f'{t:.2f}' for t in times[name])}")
    for pair in PAIRS:
        udf, plain = median[f"udf_{pair}"], median[f"plain_{pair}"]
        print(f"{pair}: udf / plain = {udf / plain:.3f}, udf / scan = {udf / median['scan']:.2f}")


if __name__ == "__main__":
    main()
