#!/usr/bin/env python3
"""The whole pipeline on imported data only, checked against DuckDB reading the same
exports (tests/it/import_tables.rs runs this).

Writes a team's exports as a CRM and an outbound platform would (calls with the date and
time in two columns and talk time as 2分15秒 or 00:02:15, orders with ¥ amounts, customers,
a DNC list with numbers in several spellings, agents, scripts), imports each with
`callsql import --table … --from mapped`, then builds the same tables in DuckDB straight
from the CSV files with its own SQL and compares, cell by cell: rfm_customers,
customer_lifetime's summary columns, compliance_audit's DNC rules and agent_performance
(the DuckDB counterparts are bench/duckdb/*.sql). Exits non-zero naming the first
difference.

    python3 tests/it/import_duckdb.py CALLSQL_BINARY WORK_DIR
"""

import csv
import random
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from run import same_value  # noqa: E402  (the benchmark's cell comparison)

MAPPINGS = {
    "calls": """
[source]
format = "csv"
timezone = "Asia/Shanghai"
[columns]
call_id = "通话ID"
campaign_id = "任务"
agent_id = "坐席工号"
customer_id = "客户编号"
callee_number = "客户号码"
dialed_at = { sql = "\\"呼叫日期\\" || ' ' || \\"呼叫时间\\"" }
talk_s = { sql = "duration_s(\\"通话时长\\")" }
disposition = "呼叫结果"
outcome = "结果"
order_amount = { sql = "CAST(replace(replace(\\"成交金额\\", '¥', ''), ',', '') AS DOUBLE)" }
transferred = "转人工"
complaint = "投诉"
csat = "满意度"
[values.disposition]
"已接通" = "answered"
"未接通" = "no_answer"
"占线" = "busy"
[values.outcome]
"成交" = "success"
"拒绝" = "refused"
"无" = "none"
[values.transferred]
"是" = true
"否" = false
[values.complaint]
"是" = true
"否" = false
""",
    "orders": """
[source]
format = "csv"
timezone = "Asia/Shanghai"
[columns]
order_id = "订单号"
customer_id = "客户编号"
ordered_at = "下单时间"
amount = { sql = "CAST(replace(replace(\\"实付金额\\", '¥', ''), ',', '') AS DOUBLE)" }
""",
    "customers": """
[source]
format = "csv"
timezone = "Asia/Shanghai"
[columns]
customer_id = "客户编号"
phone = "手机号"
region = "省份"
""",
    "dnc": """
[source]
format = "csv"
timezone = "Asia/Shanghai"
[columns]
phone = "号码"
added_at = "加入时间"
source = "来源"
[values.source]
"监管" = "regulator"
"客户要求" = "callee_request"
""",
    "agents": """
[source]
format = "csv"
[columns]
agent_id = "工号"
team = "班组"
""",
    "scripts": """
[source]
format = "csv"
[columns]
script_id = "话术ID"
campaign_id = "任务"
name = "名称"
""",
}

def spelled(number, rng):
    """A mobile number as exports write it."""
    return rng.choice([number, f"{number[:3]} {number[3:7]} {number[7:]}", f"+86-{number}", f"0086 {number}"])


def money(value):
    return f"¥{value:,.2f}"


def write(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def exports(folder):
    rng = random.Random(7)
    folder.mkdir(parents=True, exist_ok=True)
    agents = [f"A{i:02d}" for i in range(12)]
    write(folder / "agents.csv", ["工号", "班组"], [[a, f"{i % 3 + 1}组"] for i, a in enumerate(agents)])
    customers = [(f"C{i:04d}", f"13{rng.randint(5, 9)}{rng.randint(0, 99999999):08d}") for i in range(400)]
    write(folder / "customers.csv", ["客户编号", "手机号", "省份"],
          [[c, spelled(n, rng), rng.choice(["广东", "浙江", "北京", ""])] for c, n in customers])
    campaigns = ["618大促", "会员召回", "新品推荐"]
    write(folder / "scripts.csv", ["话术ID", "任务", "名称"],
          [[f"S{i}", campaigns[i % 3], f"话术{i}"] for i in range(6)])
    base = datetime(2025, 5, 1, 9, 0, 0)
    dnc = rng.sample(customers, 40)
    write(folder / "dnc.csv", ["号码", "加入时间", "来源"],
          [[spelled(n, rng), (base + timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 10))).strftime("%Y-%m-%d %H:%M:%S"),
            rng.choice(["监管", "客户要求"])] for _, n in dnc])
    calls = []
    for i in range(3000):
        customer, number = rng.choice(customers)
        at = base + timedelta(days=rng.randint(0, 60), seconds=rng.randint(0, 12 * 3600))
        result = rng.choices(["已接通", "未接通", "占线"], [5, 4, 1])[0]
        talk = rng.randint(5, 900) if result == "已接通" else 0
        talk_text = rng.choice([f"{talk // 60}分{talk % 60}秒", f"00:{talk // 60:02d}:{talk % 60:02d}", str(talk)])
        outcome = rng.choices(["成交", "拒绝", "无"], [1, 3, 4])[0] if result == "已接通" else "无"
        amount = money(rng.randint(100, 500000) / 100) if outcome == "成交" else ""
        calls.append([f"CALL{i:05d}", rng.choice(campaigns), rng.choice(agents + [""]), customer, spelled(number, rng),
                      at.strftime("%Y-%m-%d"), at.strftime("%H:%M:%S"), talk_text, result, outcome, amount,
                      rng.choice(["是", "否"]), rng.choice(["是", "否", "否", "否", "否"]),
                      rng.choice(["", "", "1", "3", "4", "5"])])
    write(folder / "calls.csv", ["通话ID", "任务", "坐席工号", "客户编号", "客户号码", "呼叫日期", "呼叫时间", "通话时长",
                                 "呼叫结果", "结果", "成交金额", "转人工", "投诉", "满意度"], calls)
    orders = []
    for i in range(1500):
        customer, _ = rng.choice(customers[:250])
        at = base + timedelta(days=rng.randint(0, 200), seconds=rng.randint(0, 86399))
        orders.append([f"DD{i:05d}", customer, at.strftime("%Y-%m-%d %H:%M:%S"), money(rng.randint(990, 300000) / 100)])
    write(folder / "orders.csv", ["订单号", "客户编号", "下单时间", "实付金额"], orders)


# The same tables in DuckDB, straight from the exports.
DUCK_TABLES = {
    "calls": """
        SELECT "通话ID" AS call_id, "任务" AS campaign_id, nullif("坐席工号", '') AS agent_id,
            "客户编号" AS customer_id, "客户号码" AS callee_number,
            timezone('Asia/Shanghai', CAST("呼叫日期" || ' ' || "呼叫时间" AS TIMESTAMP)) AS dialed_at,
            CASE WHEN "通话时长" LIKE '%分%' THEN
                    CAST(regexp_extract("通话时长", '^(\\d+)分', 1) AS DOUBLE) * 60 + CAST(regexp_extract("通话时长", '(\\d+)秒$', 1) AS DOUBLE)
                 WHEN "通话时长" LIKE '%:%' THEN
                    CAST(split_part("通话时长", ':', 1) AS DOUBLE) * 3600 + CAST(split_part("通话时长", ':', 2) AS DOUBLE) * 60
                    + CAST(split_part("通话时长", ':', 3) AS DOUBLE)
                 ELSE CAST("通话时长" AS DOUBLE) END AS talk_s,
            0.0 AS hold_s, 0.0 AS acw_s,
            CASE "呼叫结果" WHEN '已接通' THEN 'answered' WHEN '未接通' THEN 'no_answer' WHEN '占线' THEN 'busy' END AS disposition,
            CASE "结果" WHEN '成交' THEN 'success' WHEN '拒绝' THEN 'refused' ELSE 'none' END AS outcome,
            CAST(nullif(replace(replace("成交金额", '¥', ''), ',', ''), '') AS DOUBLE) AS order_amount,
            "转人工" = '是' AS transferred, "投诉" = '是' AS complaint,
            CAST(nullif("满意度", '') AS INTEGER) AS csat,
            CAST(NULL AS VARCHAR) AS caller_number, CAST(NULL AS VARCHAR) AS transcript,
            CAST("呼叫日期" AS DATE) AS dt
        FROM read_csv('{dir}/calls.csv', all_varchar = true, header = true)""",
    "orders": """
        SELECT "订单号" AS order_id, "客户编号" AS customer_id,
            timezone('Asia/Shanghai', CAST("下单时间" AS TIMESTAMP)) AS ordered_at,
            CAST(replace(replace("实付金额", '¥', ''), ',', '') AS DOUBLE) AS amount
        FROM read_csv('{dir}/orders.csv', all_varchar = true, header = true)""",
    "customers": """
        SELECT "客户编号" AS customer_id, "手机号" AS phone, nullif("省份", '') AS region
        FROM read_csv('{dir}/customers.csv', all_varchar = true, header = true)""",
    "dnc": """
        SELECT "号码" AS phone, timezone('Asia/Shanghai', CAST("加入时间" AS TIMESTAMP)) AS added_at,
            CASE "来源" WHEN '监管' THEN 'regulator' ELSE 'callee_request' END AS source
        FROM read_csv('{dir}/dnc.csv', all_varchar = true, header = true)""",
    "agents": """
        SELECT "工号" AS agent_id, "班组" AS team FROM read_csv('{dir}/agents.csv', all_varchar = true, header = true)""",
    "scripts": """
        SELECT "话术ID" AS script_id, "任务" AS campaign_id, "名称" AS name
        FROM read_csv('{dir}/scripts.csv', all_varchar = true, header = true)""",
}

# customer_lifetime's summary columns, by the definition in its header (unit = day).
LIFETIME_SUMMARY = """
WITH days AS (
    SELECT customer_id, CAST(ordered_at AS DATE) AS day, sum(amount) AS amount FROM orders GROUP BY 1, 2
),
as_of AS (SELECT max(day) AS as_of FROM days),
per_customer AS (
    SELECT customer_id, count(*) - 1 AS frequency, max(day) - min(day) AS recency,
        (SELECT as_of FROM as_of) - min(day) AS age, sum(amount) AS total_value
    FROM days GROUP BY customer_id
)
SELECT customer_id, CAST(frequency AS DOUBLE) AS frequency, CAST(recency AS DOUBLE) AS recency,
    CAST(age AS DOUBLE) AS age, total_value
FROM per_customer ORDER BY customer_id
"""

DNC_RULES = "rule IN ('dnc_listed_number', 'after_dnc_request')"


def counterpart(name, where="", order=""):
    """A query of bench/duckdb/NAME.sql's rows."""
    sql = (ROOT / "bench" / "duckdb" / f"{name}.sql").read_text().strip().rstrip(";")
    return f"SELECT * FROM ({sql}) AS q {where} ORDER BY {order}"


# (name, callsql's query, DuckDB's query): both ordered alike.
CHECKS = [
    ("rfm_customers", "SELECT * FROM rfm_customers() ORDER BY customer_id",
     counterpart("rfm_customers", order="customer_id")),
    ("agent_performance", "SELECT * FROM agent_performance() ORDER BY agent_id",
     counterpart("agent_performance", order="agent_id")),
    ("compliance_audit DNC rules",
     f"SELECT * FROM compliance_audit() WHERE {DNC_RULES} ORDER BY rule, subject, occurred_at",
     counterpart("compliance_audit", where=f"WHERE {DNC_RULES}", order="rule, subject, occurred_at")),
    ("customer_lifetime summary",
     "SELECT customer_id, frequency, recency, age, total_value FROM customer_lifetime(NULL, 'day') ORDER BY customer_id",
     LIFETIME_SUMMARY),
]


def main():
    binary, work = sys.argv[1], Path(sys.argv[2])
    folder = work / "exports"
    exports(folder)
    out = work / "imported"
    for table, mapping in MAPPINGS.items():
        path = work / f"{table}.toml"
        path.write_text(mapping, encoding="utf-8")
        done = subprocess.run([binary, "import", "--table", table, "--from", "mapped", "--mapping", str(path),
                               "--out", str(out), str(folder / f"{table}.csv")], capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"import {table} failed ({done.returncode}): {done.stderr}")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for table, sql in DUCK_TABLES.items():
        con.execute(f"CREATE TABLE {table} AS {sql.format(dir=folder)}")
    con.execute((ROOT / "bench" / "duckdb" / "macros.sql").read_text())
    for name, ours_sql, theirs in CHECKS:
        done = subprocess.run([binary, "--data", str(out), "--format", "csv", "-c", ours_sql],
                              capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"{name} failed: {done.stderr}")
        ours = list(csv.reader(done.stdout.splitlines()))
        cursor = con.execute(theirs)
        rows = [["" if v is None else str(v) for v in row] for row in cursor.fetchall()]
        header = [c[0] for c in cursor.description]
        if ours[0] != header:
            sys.exit(f"{name}: columns differ: {ours[0]} vs {header}")
        if len(ours) - 1 != len(rows) or not rows:
            sys.exit(f"{name}: {len(ours) - 1} rows vs DuckDB's {len(rows)}")
        for a, b in zip(ours[1:], rows):
            if not all(same_value(x, y) for x, y in zip(a, b)):
                sys.exit(f"{name}: row differs:\n  callsql {a}\n  DuckDB  {b}")
        print(f"{name}: {len(rows)} rows equal")


if __name__ == "__main__":
    main()
