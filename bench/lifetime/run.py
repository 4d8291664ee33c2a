#!/usr/bin/env python3
"""Time of fitting BG/NBD and Gamma-Gamma on a data set's orders: callsql's bgnbd_fit and
gamma_gamma_fit against Python's `lifetimes` (0.11.3) on the same per-customer summary.

callsql's fit time is the summary-and-fit query's time minus the summary-only query's
(both in a new `callsql run` process, medians of --runs); the peak RSS is the fit query
process's. The summary is then written to CSV by callsql and fitted by `lifetimes` in
this process (its time excludes reading the CSV). Prints the parameters of both, so they
can be compared, and writes them to bench/lifetime/results.md. Timings are never test
assertions.

    pip install lifetimes==0.11.3
    python3 bench/lifetime/run.py --data /tmp/g20 --callsql target/release/callsql
"""

import argparse
import json
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
summary AS (
    SELECT customer_id, CAST(count(*) - 1 AS DOUBLE) AS frequency,
        (max(day) - min(day)) / 7.0 AS recency,
        ((SELECT as_of FROM settings) - min(day)) / 7.0 AS age,
        (sum(amount) - first_value(amount ORDER BY day)) / nullif(count(*) - 1, 0) AS mean_value
    FROM purchase_days GROUP BY customer_id
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
    parser.add_argument("--results", default=str(Path(__file__).parent / "results.md"))
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
                fitted = json.loads(done.stdout.splitlines()[0])
                print(json.dumps(fitted))
        fit = timings["summary_and_fit"][0] - timings["summary_only"][0]
        print(f"callsql fit (difference of medians): {fit:.2f} s")

        path = query_file(work, "summary_rows")
        csv, parquet = Path(work) / "summary.csv", Path(work) / "summary.parquet"
        for out in (csv, parquet):
            done = subprocess.run([args.callsql, "--data", args.data, "run", str(path), "--out", str(out)],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"summary_rows: {done.stderr.strip()}")

        # The fits alone: one process over the summary written out, start-up and scan included.
        fit_only = ("SELECT bgnbd_fit(frequency, recency, age), gamma_gamma_fit(frequency, mean_value) "
                    f"FROM '{parquet}'")
        samples = []
        for _ in range(args.runs):
            started = time.perf_counter()
            done = subprocess.run([args.callsql, "-c", fit_only, "--format", "json"], capture_output=True, text=True)
            samples.append(time.perf_counter() - started)
            if done.returncode != 0:
                raise SystemExit(f"fit_only: {done.stderr.strip()}")
        timings["fits_over_the_summary_file"] = (statistics.median(samples), min(samples), max(samples), 0)
        print(f"fits over the summary file: median {timings['fits_over_the_summary_file'][0]:.2f} s")

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
        ratio = (bgnbd_seconds + gamma_gamma_seconds) / fit
        print(f"ratio lifetimes / callsql (both fits): {ratio:.1f}x")
        write_results(args, timings, fit, fitted, len(summary), len(repeat),
                      (bgnbd_seconds, bgnbd.params_.to_dict()),
                      (gamma_gamma_seconds, gamma_gamma.params_.to_dict()), ratio)


def write_results(args, timings, fit, fitted, customers, repeat_customers, bgnbd, gamma_gamma, ratio):
    def row(name):
        median, low, high, peak = timings[name]
        return f"| {name} | {median:.2f} ({low:.2f}–{high:.2f}) | {peak} |"

    def parameters(names, ours, theirs):
        return "\n".join(f"| {name} | {ours[name]:.6g} | {theirs[name]:.6g} |" for name in names)

    Path(args.results).write_text(f"""# Lifetime fits: {customers:,} customers ({repeat_customers:,} with repeat purchases)

Data: `{args.data}`; {args.runs} runs of each callsql query, median (min–max); 2 cores.
callsql's fit time is the summary-and-fit query minus the summary alone, and the two fits
in one process over the summary written to Parquet; `lifetimes` 0.11.3
fits the same summary (exported by callsql) in one Python process, once.

| callsql query | seconds | peak memory (MiB) |
|---|---|---|
{row("summary_only")}
{row("summary_and_fit")}

| fit | seconds |
|---|---|
| callsql bgnbd_fit + gamma_gamma_fit (difference of medians) | {fit:.2f} |
| callsql bgnbd_fit + gamma_gamma_fit over the summary as Parquet, whole process | {timings["fits_over_the_summary_file"][0]:.2f} ({timings["fits_over_the_summary_file"][1]:.2f}–{timings["fits_over_the_summary_file"][2]:.2f}) |
| lifetimes BetaGeoFitter | {bgnbd[0]:.2f} |
| lifetimes GammaGammaFitter | {gamma_gamma[0]:.2f} |

lifetimes / callsql (both fits): **{ratio:.1f}×**

| BG/NBD | callsql | lifetimes |
|---|---|---|
{parameters(["r", "alpha", "a", "b"], fitted["bgnbd"], bgnbd[1])}

| Gamma-Gamma | callsql | lifetimes |
|---|---|---|
{parameters(["p", "q", "v"], fitted["gamma_gamma"], gamma_gamma[1])}
""")


if __name__ == "__main__":
    main()
