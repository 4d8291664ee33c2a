#!/usr/bin/env python3
"""One DuckDB run for bench/run.py: registers the canonical tables of a data root as views,
runs one query, writes its rows as CSV and prints the seconds the query took (execution
and fetch, without Python's start-up or the import of duckdb)."""

import argparse
import csv
import sys
import time
from pathlib import Path

import duckdb

TABLES = ["calls", "orders", "customers", "scripts", "agents", "dnc", "sessions"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--sql", required=True, help="the query text")
    parser.add_argument("--csv", required=True, help="where to write the rows")
    args = parser.parse_args()
    con = duckdb.connect()
    con.execute(f"SET threads = {args.threads}")
    for table in TABLES:
        root = Path(args.data) / table
        if not root.is_dir():
            continue
        partitioned = any(p.is_dir() for p in root.iterdir())
        pattern = root / ("*/*.parquet" if partitioned else "*.parquet")
        con.execute(
            f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{pattern}', hive_partitioning = {str(partitioned).lower()})"
        )
    started = time.perf_counter()
    cursor = con.execute(args.sql)
    rows = cursor.fetchall()
    elapsed = time.perf_counter() - started
    with open(args.csv, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([column[0] for column in cursor.description])
        writer.writerows(["" if v is None else v for v in row] for row in rows)
    print(f"{elapsed:.6f}")


if __name__ == "__main__":
    sys.exit(main())
