#!/usr/bin/env python3
"""Writes a vendor call export for the mapped import benchmark: the shape of
mappings/waihu-split.toml's export (date and time of day in two columns, talk time as
2分15秒, amounts as ¥1,280.00), UTF-8. Deterministic for a given --lines and --seed.

    python3 bench/import/gen_mapped.py --lines 5000000 --out /tmp/export.csv
"""

import argparse
import random
from datetime import datetime, timedelta

RESULTS = [("已接通", 45), ("未接通", 40), ("占线", 10), ("拒接", 5)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    names = [r for r, _ in RESULTS]
    weights = [w for _, w in RESULTS]
    start = datetime(2025, 6, 1, 8, 0, 0)
    step = timedelta(days=args.days) / args.lines
    with open(args.out, "w", newline="\n", encoding="utf-8", buffering=1 << 20) as out:
        out.write("通话ID,任务名称,客户号码,呼叫日期,呼叫时间,通话时长,呼叫结果,是否转人工,成交金额\n")
        for i in range(args.lines):
            at = start + step * i
            result = rng.choices(names, weights)[0]
            talk = rng.randint(3, 600) if result == "已接通" else 0
            amount = f"\"¥{rng.randint(100, 900000) / 100:,.2f}\"" if result == "已接通" and rng.random() < 0.1 else ""
            out.write(
                f"W{i:09d},任务{i % 50},138 {rng.randint(0, 9999):04d} {rng.randint(0, 9999):04d},"
                f"{at:%Y-%m-%d},{at:%H:%M:%S},{talk // 60}分{talk % 60}秒,{result},"
                f"{'是' if rng.random() < 0.2 else '否'},{amount}\n"
            )


if __name__ == "__main__":
    main()
