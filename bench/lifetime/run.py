#!/usr/bin/env python3
"""Time of fitting BG/NBD and Gamma-Gamma on a data set's orders: callsql's bgnbd_fit and
gamma_gamma_fit against Python's `lifetimes` (0.11.3) on the same per-customer summary.

callsql's fit time is the summary-and-fit query's time minus the summary-only query's
(both in a new `callsql run` process, medians of --runs); the peak RSS is the fit query
process's. The summary is then written to CSV by callsql and fitted by `lifetimes` in
this process (its time excludes reading the CSV). Prints the parameters of both, so they
can be compared. Timings are never test assertions.

    pip install lifetimes==0.11.3
    python3 bench/lifetime/run.py --data /tmp/g20 --callsql target/release/callsql
"""

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

# customer_lifetime's summary in weeks (queries/customer_lifetime.sql, `summary`), as of
# the day of the latest order.
SUMMARY = """
WITH settings AS (SELECT (SELECT CAST(max(ordered_at) AS DATE) FROM orders) AS as_of),
purchase_days AS (
    SELECT customer_id, CAST(ordered_at AS DATE) AS day, sum(amount) AS amount
    FROM orders GROUP BY customer_id, CAST(ordered_at AS DATE)
),
ranked AS (
    SELECT customer_id, day, amount, min(day) OVER (PARTITION BY customer_id) AS first_day
    FROM purchase_days
),
summary AS (
    SELECT r.customer_id, CAST(count(*) - 1 AS DOUBLE) AS frequency,
        (max(r.day) - min(r.day)) / 7.0 AS recency,
        (min(s.as_of) - min(r.day)) / 7.0 AS age,
        avg(CASE WHEN r.day > r.first_day THEN r.amount END) AS mean_value
    FROM ranked r CROSS JOIN settings s GROUP BY r.customer_id
)
"""

QUERIES = {
    "summary_only": (
        "n, total",
        "SELECT count(*) AS n, sum(frequency + recency + age + coalesce(mean_value, 0)) AS total FROM summary",
    ),
    "summary_and_fit": (
        "bgnbd, gamma_gamma",
        "SELECT bgnbd_fit(frequency, recency, age) AS bgnbd, "
        "gamma_gamma_fit(frequency, mean_value) AS gamma_gamma FROM summary",
    ),
    "summary_rows": (
        "customer_id, frequency, recency, age, mean_value",
        "SELECT * FROM summary",
    ),
}


def query_file(directory, name):
    columns, select = QUERIES[name]
    path = Path(directory) / f"{name}.sql"
    path.write_text(
        f"-- name: {name}\n-- description: lifetime fit benchmark\n-- columns: {columns}\n"
        f"{SUMMARY}{select};\n"
    )
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--callsql", default="target/release/callsql")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as work:
        timings = {}
        for name in ("summary_only", "summary_and_fit"):
            path = query_file(work, name)
            command = ["/usr/bin/time", "-f", "%M", args.callsql, "--data", args.data,
                       "run", str(path), "--format", "json"]
            samples = []
            for _ in range(args.runs):
                started = time.perf_counter()
                done = subprocess.run(command, capture_output=True, text=True)
                samples.append(time.perf_counter() - started)
                if done.returncode != 0:
                    raise SystemExit(f"{name}: {done.stderr.strip()}")
                peak_mib = int(done.stderr.strip().splitlines()[-1]) // 1024
            timings[name] = (statistics.median(samples), min(samples), max(samples), peak_mib)
            print(f"{name}: median {timings[name][0]:.2f} s (min {min(samples):.2f}, max {max(samples):.2f}), peak {peak_mib} MiB")
            if name == "summary_and_fit":
                print(done.stdout.strip())
        fit = timings["summary_and_fit"][0] - timings["summary_only"][0]
        print(f"callsql fit (difference of medians): {fit:.2f} s")

        csv = Path(work) / "summary.csv"
        path = query_file(work, "summary_rows")
        done = subprocess.run([args.callsql, "--data", args.data, "run", str(path), "--out", str(csv)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"summary_rows: {done.stderr.strip()}")

        import pandas as pd
        from lifetimes import BetaGeoFitter, GammaGammaFitter

        summary = pd.read_csv(csv)
        started = time.perf_counter()
        bgnbd = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["age"])
        bgnbd_seconds = time.perf_counter() - started
        repeat = summary[summary["frequency"] > 0]
        started = time.perf_counter()
        gamma_gamma = GammaGammaFitter().fit(repeat["frequency"], repeat["mean_value"])
        gamma_gamma_seconds = time.perf_counter() - started
        print(f"lifetimes on {len(summary)} customers: BetaGeoFitter {bgnbd_seconds:.2f} s "
              f"{bgnbd.params_.to_dict()}; GammaGammaFitter {gamma_gamma_seconds:.2f} s "
              f"{gamma_gamma.params_.to_dict()}")
        print(f"ratio lifetimes / callsql (both fits): {(bgnbd_seconds + gamma_gamma_seconds) / fit:.1f}x")


if __name__ == "__main__":
    main()
