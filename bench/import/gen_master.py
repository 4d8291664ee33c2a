#!/usr/bin/env python3
"""Writes an Asterisk cdr_csv Master.csv for the import benchmark: 18 columns
(loguniqueid=yes, loguserfield=yes), local times, in time order as the switch appends
them. Deterministic for a given --lines and --seed.

    python3 bench/import/gen_master.py --lines 5000000 --out /tmp/Master.csv
"""

import argparse
import random
from datetime import datetime, timedelta

DISPOSITIONS = [("ANSWERED", 35), ("NO ANSWER", 40), ("BUSY", 10), ("FAILED", 10), ("CONGESTION", 3), ("CANCEL", 2)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    names = [d for d, _ in DISPOSITIONS]
    weights = [w for _, w in DISPOSITIONS]
    start = datetime(2025, 6, 1, 0, 0, 0)
    step = timedelta(days=args.days) / args.lines
    fmt = "%Y-%m-%d %H:%M:%S"
    with open(args.out, "w", newline="\n", buffering=1 << 20) as out:
        for i in range(args.lines):
            t = start + step * i
            disposition = rng.choices(names, weights)[0]
            number = "1%d%08d" % (rng.randint(30, 99), rng.randint(0, 99_999_999))
            ring = rng.randint(2, 30)
            answered = disposition == "ANSWERED"
            billsec = rng.randint(5, 600) if answered else 0
            duration = ring + billsec
            answer = '"%s"' % (t + timedelta(seconds=ring)).strftime(fmt) if answered else ""
            end = (t + timedelta(seconds=duration)).strftime(fmt)
            campaign = "camp-%02d" % (i % 40)
            if i % 3:
                src, dst, app, data, clid = "", "s", "AppDial", "PJSIP/%s@trunk,30" % number, ""
            else:
                src, dst, app, data = "8%03d" % (i % 500), number, "Dial", "PJSIP/%s@trunk,30,tT" % number
                clid = '"""Agent %d"" <%s>"' % (i % 500, src)
                clid = clid[1:-1]
            userfield = "MACHINE" if answered and rng.random() < 0.1 else ""
            out.write(
                f'"{campaign}","{src}","{dst}","outbound","{clid}","PJSIP/trunk-{i:08x}",'
                f'"{"PJSIP/agent-%08x" % i if answered else ""}","{app}","{data}","{t.strftime(fmt)}",{answer},'
                f'"{end}",{duration},{billsec},"{disposition}","DOCUMENTATION","{1748736000 + i // 1000}.{i % 1000}","{userfield}"\n'
            )


if __name__ == "__main__":
    main()
