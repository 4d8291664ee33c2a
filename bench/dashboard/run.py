#!/usr/bin/env python3
"""The dashboard against its canned queries: `callsql dashboard --out` on a data root, and
the same canned queries with the same parameters run one after another in one callsql
process (its prompt, output to CSV), medians of interleaved runs. Also the page's size and
the time headless Chromium takes to render it. The list of queries mirrors
src/dashboard/mod.rs (Board::collect).

    python3 bench/dashboard/run.py --data /tmp/bench20m --runs 3
"""

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def board_queries(last_day):
    """The \\run lines the board's panels amount to (default parameters elsewhere)."""
    lines = ["\\run kpi_daily", "\\run kpi_overview"]
    for kpi in ["connect", "conversion", "abandon", "transfer"]:
        for dimension in ["campaign", "caller_number", "hour"]:
            lines.append(f"\\run kpi_change_drivers kpi={kpi} dimension={dimension} day={last_day}")
    lines += [
        "\\run abandon_compliance", "\\run number_health", "\\run connect_heatmap",
        "\\run top_intents", "\\run script_ranking", "\\run script_elimination",
        "\\run funnel_by_attempt", "\\run agent_performance", "\\run staffing_plan",
        "\\run compliance_audit",
    ]
    return "\n".join(lines) + "\n"


def wall(command, stdin_text=None):
    started = time.perf_counter()
    subprocess.run(command, input=stdin_text, text=True, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--binary", default=str(ROOT / "target/release/callsql"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--results", default=str(HERE / "results.md"))
    args = parser.parse_args()
    last_day = subprocess.run(
        [args.binary, "--data", args.data, "--format", "csv", "-c", "SELECT max(dt) FROM calls"],
        check=True, capture_output=True, text=True).stdout.splitlines()[1]
    script = board_queries(last_day)
    work = Path(tempfile.mkdtemp(prefix="callsql-dashboard-"))
    page = work / "board.html"
    board, queries = [], []
    for _ in range(args.runs + 1):  # the first round warms the page cache and is dropped
        board.append(wall([args.binary, "--data", args.data, "dashboard", "--out", str(page)]))
        queries.append(wall([args.binary, "--data", args.data, "--format", "csv"], script))
    board, queries = board[1:], queries[1:]
    size = page.stat().st_size
    render = None
    chromium = shutil.which("chromium")
    if chromium:
        render = wall([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                       f"--user-data-dir={work / 'profile'}", f"--screenshot={work / 'board.png'}",
                       "--window-size=1280,4000", f"file://{page}"])
    rows = subprocess.run(
        [args.binary, "--data", args.data, "--format", "csv", "-c", "SELECT count(*) FROM calls"],
        check=True, capture_output=True, text=True).stdout.splitlines()[1]
    text = (
        f"# Dashboard against its canned queries\n\n"
        f"{int(rows):,} calls, last day {last_day}; {args.runs} interleaved runs after a warm-up, medians (min–max).\n\n"
        f"| what | seconds |\n|---|---|\n"
        f"| `callsql dashboard --out` (whole process) | {statistics.median(board):.2f} ({min(board):.2f}–{max(board):.2f}) |\n"
        f"| its {script.count(chr(10))} canned queries one after another in one process | {statistics.median(queries):.2f} ({min(queries):.2f}–{max(queries):.2f}) |\n"
        f"| ratio | {statistics.median(board) / statistics.median(queries):.2f}× |\n\n"
        f"Page: {size:,} bytes. Chromium (headless, screenshot of 1280×4000, whole process): "
        + (f"{render:.2f} s.\n" if render is not None else "not installed.\n"))
    Path(args.results).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
