"""A psycopg 3 client of `callsql serve`, run by tests/it/serve.rs.

Usage: serve_client.py PORT CHECK; prints one JSON object with what it saw.
"""

import json
import socket
import sys
import threading
import time

import psycopg

PORT = int(sys.argv[1])
CHECK = sys.argv[2]
DSN = f"host=127.0.0.1 port={PORT} user=callsql dbname=callsql"


def connect(**kwargs):
    return psycopg.connect(DSN, autocommit=True, **kwargs)


def prepared():
    """Server-side bound parameters, typed; an injection attempt is only a value."""
    with connect() as conn:
        rows = conn.execute(
            "SELECT campaign_id, count(*) AS n FROM calls WHERE campaign_id = %s "
            "AND attempt_no >= %s GROUP BY campaign_id",
            ("cmp003", 1),
            prepare=True,
        ).fetchall()
        injected = conn.execute(
            "SELECT count(*) FROM calls WHERE campaign_id = %s",
            ("cmp003' OR '1'='1",),
        ).fetchone()[0]
        canned = conn.execute(
            "SELECT day, attempts FROM kpi_daily(%s) ORDER BY day LIMIT 1", ("cmp003",)
        ).fetchall()
        total = conn.execute("SELECT count(*) FROM calls").fetchone()[0]
        return {
            "rows": [[r[0], r[1]] for r in rows],
            "injected": injected,
            "total": total,
            "canned": [[str(r[0]), r[1]] for r in canned],
        }


def cancel():
    """A cancel request stops a long statement within seconds."""
    with connect() as conn:
        timer = threading.Timer(1.0, conn.cancel)
        timer.start()
        started = time.monotonic()
        try:
            conn.execute("SELECT sum(value) FROM range(100000000000)").fetchall()
            outcome = "finished"
        except psycopg.errors.QueryCanceled as error:
            outcome = f"canceled: {error}"
        elapsed = time.monotonic() - started
        after = conn.execute("SELECT 41 + 1").fetchone()[0]
        return {"outcome": outcome, "elapsed": elapsed, "after": after}


def timeout():
    """A client's statement_timeout bounds its statements."""
    with connect() as conn:
        conn.execute("SET statement_timeout = '500ms'")
        try:
            conn.execute("SELECT sum(value) FROM range(100000000000)").fetchall()
            return {"outcome": "finished"}
        except psycopg.errors.QueryCanceled as error:
            return {"outcome": f"canceled: {error}"}


def neighbours():
    """A client that vanishes mid-result and one sending garbage leave others alone."""
    steady = connect()
    expected = steady.execute("SELECT count(*) FROM calls").fetchone()[0]
    # Garbage in place of a startup message.
    with socket.create_connection(("127.0.0.1", PORT)) as raw:
        raw.sendall(b"\x00\x00\x00\x08GARBAGE!" * 64)
        raw.settimeout(5)
        try:
            raw.recv(100)
        except OSError:
            pass
    # A client that asks for a large result and closes its socket without reading it.
    leaving = connect()
    leaving.pgconn.send_query(b"SELECT * FROM calls CROSS JOIN range(50)")
    time.sleep(0.5)
    leaving.pgconn.finish()
    answers = [steady.execute("SELECT count(*) FROM calls").fetchone()[0] for _ in range(5)]
    steady.close()
    return {"expected": expected, "answers": answers}


def password(secret):
    try:
        with psycopg.connect(DSN + f" password={secret}") as conn:
            return {"value": conn.execute("SELECT 7").fetchone()[0]}
    except psycopg.OperationalError as error:
        return {"refused": str(error)}


CHECKS = {
    "prepared": prepared,
    "cancel": cancel,
    "timeout": timeout,
    "neighbours": neighbours,
    "right-password": lambda: password("s3cret-Pa55"),
    "wrong-password": lambda: password("guess"),
}

print(json.dumps(CHECKS[CHECK]()))
