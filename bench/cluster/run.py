#!/usr/bin/env python3
"""The cost of distribution on one machine: every canned query run locally and on a
Ballista cluster of one scheduler and two executors on this machine (`callsql cluster
--executors 2`), interleaved, each timed by `\\timing` at callsql's prompt; medians of
warm runs, the ratio cluster / local, the client's peak memory, and whether both gave the
same rows.

    python3 bench/cluster/run.py --data /tmp/g20 --runs 3
"""

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from run import CASES, ROOT, callsql, compare, machine, same, summary  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_cluster(binary):
    port = free_port()
    process = subprocess.Popen([binary, "cluster", "--executors", "2", "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    ready = process.stdout.readline()
    if not ready.startswith("cluster ready"):
        process.terminate()
        raise SystemExit(f"the cluster did not start: {ready!r}")
    url = f"df://127.0.0.1:{port}"
    for _ in range(100):  # executors register a moment after they listen
        if subprocess.run([binary, "--cluster", url, "-c", "SELECT 1"], capture_output=True).returncode == 0:
            return process, url
        time.sleep(0.2)
    process.terminate()
    raise SystemExit("the cluster never answered")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--binary", default=str(ROOT / "target/release/callsql"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cases", nargs="*", default=list(CASES))
    parser.add_argument("--results", default=str(HERE / "results.md"))
    args = parser.parse_args()

    cluster, url = start_cluster(args.binary)
    work = Path(tempfile.mkdtemp(prefix="callsql-cluster-bench-"))
    lines = []
    try:
        for name in args.cases:
            if not (Path(args.data) / CASES[name][0]).is_dir():
                continue
            times = {"local": [], "cluster": []}
            peaks = {"local": 0.0, "cluster": 0.0}
            local_out, cluster_out = work / f"{name}.local.csv", work / f"{name}.cluster.csv"
            for run in range(args.runs + 1):  # the first round warms the page cache and is dropped
                t_local, _, m_local = callsql(args.binary, args.data, f"\\run {name}", local_out)
                t_cluster, _, m_cluster = callsql(args.binary, args.data, f"\\run {name}", cluster_out,
                                                  ("--cluster", url))
                if run == 0:
                    continue
                times["local"].append(t_local)
                times["cluster"].append(t_cluster)
                peaks["local"] = max(peaks["local"], m_local)
                peaks["cluster"] = max(peaks["cluster"], m_cluster)
            median = {k: statistics.median(v) for k, v in times.items()}
            unchecked = CASES[name][2]
            line = (f"| {name} | {summary(times['local'])} | {summary(times['cluster'])} | "
                    f"{median['cluster'] / median['local']:.2f}× | {peaks['local']:.0f} | {peaks['cluster']:.0f} | "
                    f"{same(compare(local_out, cluster_out, unchecked), unchecked)} |")
            print(line, flush=True)
            lines.append(line)
    finally:
        cluster.terminate()
        cluster.wait()

    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    header = f"""# Cluster mode against local

Written by `python3 bench/cluster/run.py` on {time.strftime('%Y-%m-%d')} at commit {commit}.
Machine: {machine()}. Data: `{args.data}`.

Each canned query with its default parameters, locally (one process, one partition per
core) and through `--cluster` on `callsql cluster --executors 2` on the same machine (a
scheduler and two executors, each with a task per core): seconds as median (min–max) of
{args.runs} interleaved warm runs after a dropped warm-up round, timed by `\\timing` at the
client's prompt from planning to the last row written. The cluster's executors compete for
the same two cores, so the ratio is the overhead of distribution (planning on the
scheduler, stage scheduling, shuffle files and Arrow Flight), not a speed-up. MiB is the
client process's peak RSS.

| query | local s | cluster s | cluster / local | local MiB | client MiB | same rows |
|---|---|---|---|---|---|---|
"""
    Path(args.results).write_text(header + "\n".join(lines) + "\n")
    print(f"wrote {args.results}")


if __name__ == "__main__":
    main()
