"""The Python clients BI tools are built on, against `callsql serve`; run by tests/it/bi.rs.

Usage: bi_clients.py PORT CHECK; prints one JSON object with what the client saw.
Each check uses the library as its tool does: SQLAlchemy 2's PostgreSQL dialect (Superset,
pandas) with psycopg2 and with psycopg 3, pgcli's own executor (its start-up and the
completion queries it runs in the background), and the SQL Grafana's PostgreSQL data source
sends.
"""

import json
import sys

PORT = int(sys.argv[1])
CHECK = sys.argv[2]


def sqlalchemy_check(driver):
    """Connect, every inspector call Superset's database browser makes, then pandas."""
    import pandas
    import sqlalchemy

    url = f"postgresql+{driver}://callsql@127.0.0.1:{PORT}/callsql"
    engine = sqlalchemy.create_engine(url)
    inspector = sqlalchemy.inspect(engine)
    columns = inspector.get_columns("calls", schema="public")
    seen = {
        "server_version": list(engine.dialect.server_version_info),
        "schemas": inspector.get_schema_names(),
        "tables": inspector.get_table_names(schema="public"),
        "views": inspector.get_view_names(schema="public"),
        "columns": {c["name"]: str(c["type"]) for c in columns},
        "nullable": {c["name"]: c["nullable"] for c in columns},
        "pk": inspector.get_pk_constraint("calls", schema="public"),
        "foreign_keys": inspector.get_foreign_keys("calls", schema="public"),
        "indexes": inspector.get_indexes("calls", schema="public"),
        "unique": inspector.get_unique_constraints("calls", schema="public"),
        "checks": inspector.get_check_constraints("calls", schema="public"),
        "comment": inspector.get_table_comment("calls", schema="public"),
        "has_calls": inspector.has_table("calls", schema="public"),
        "has_nothing": inspector.has_table("no_such_table", schema="public"),
    }
    # Superset runs every chart's query inside a connection with a transaction open.
    with engine.connect() as connection:
        frame = pandas.read_sql(
            sqlalchemy.text(
                "SELECT campaign_id, count(*) AS attempts, "
                "connect_rate(disposition) AS connect_rate "
                "FROM calls WHERE campaign_id = :campaign GROUP BY campaign_id"
            ),
            connection,
            params={"campaign": "cmp003"},
        )
        seen["frame"] = frame.to_dict(orient="records")
        canned = pandas.read_sql(
            sqlalchemy.text("SELECT day, attempts FROM kpi_daily(:campaign) ORDER BY day"),
            connection,
            params={"campaign": "cmp003"},
        )
        seen["canned_rows"] = len(canned)
        connection.rollback()
    engine.dispose()
    return seen


def pgcli_check():
    """pgcli's connection set-up and the metadata its completer loads at start (the
    casing file, off by default, is not among them)."""
    from pgcli.pgexecute import PGExecute

    executor = PGExecute(
        database="callsql", user="callsql", password=None, host="127.0.0.1", port=PORT, dsn=None
    )
    seen = {
        "server_version": executor.server_version,
        "search_path": executor.search_path(),
        "schemata": executor.schemata(),
        "databases": executor.databases(),
        "tables": [list(t) for t in executor.tables()],
        "views": [list(v) for v in executor.views()],
        "columns": [list(c)[:3] for c in executor.table_columns() if c[1] == "calls"],
        "functions": sorted({f.func_name for f in executor.functions()}),
        "datatypes": [list(t) for t in executor.datatypes()],
        "foreignkeys": [list(k) for k in executor.foreignkeys()],
    }
    rows = []
    # run() yields (title, rows, headers, status, …) per statement.
    for result in executor.run("SELECT count(*) AS n FROM calls"):
        rows.extend(list(row) for row in result[1])
    seen["rows"] = rows
    executor.conn.close()
    return seen


# Grafana's PostgreSQL data source (grafana/grafana, grafana-postgresql-datasource): its
# version probe, the schema, table and column browser of its query builder, and a panel's
# SQL with the time macros expanded for a 6-hour range (macros.go).
SEARCH_PATH_SCHEMAS = """
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
"""
GRAFANA = {
    "ping": "-- ping",
    "version": "SELECT current_setting('server_version_num')::int/100 as version",
    "timescaledb": "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'",
    "schemas": """SELECT schema_name AS "name"
        FROM information_schema.schemata
        WHERE schema_name NOT IN ('information_schema', 'pg_catalog', 'pg_toast',
            '_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_internal',
            '_timescaledb_config', 'timescaledb_information', 'timescaledb_experimental')
        ORDER BY schema_name""",
    "tables_of_schema": """SELECT quote_ident(table_name) AS "table"
        FROM information_schema.tables
        WHERE quote_ident(table_schema) = 'public'
        ORDER BY 1""",
    "tables": f"""SELECT
        CASE WHEN quote_ident(table_schema) IN ({SEARCH_PATH_SCHEMAS})
          THEN quote_ident(table_name)
          ELSE quote_ident(table_schema) || '.' || quote_ident(table_name)
        END AS "table"
        FROM information_schema.tables
        WHERE quote_ident(table_schema) NOT IN ('information_schema', 'pg_catalog',
            '_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_internal',
            '_timescaledb_config', 'timescaledb_information', 'timescaledb_experimental')
        ORDER BY CASE WHEN quote_ident(table_schema) IN ({SEARCH_PATH_SCHEMAS})
          THEN 0 ELSE 1 END, 1""",
    "columns": f"""SELECT quote_ident(column_name) AS "column", data_type AS "type"
        FROM information_schema.columns
        WHERE
          CASE WHEN array_length(parse_ident('calls'),1) = 2
            THEN quote_ident(table_schema) = (parse_ident('calls'))[1]
              AND quote_ident(table_name) = (parse_ident('calls'))[2]
            ELSE quote_ident(table_name) = 'calls'
              AND quote_ident(table_schema) IN ({SEARCH_PATH_SCHEMAS})
          END""",
    "panel": """SELECT floor(extract(epoch from dialed_at)/300)*300 AS "time",
          campaign_id AS metric, count(*) AS attempts
        FROM calls
        WHERE dialed_at BETWEEN '2025-06-02T00:00:00Z' AND '2025-06-02T06:00:00Z'
        GROUP BY 1, 2 ORDER BY 1, 2""",
    "panel_connect_rate": """SELECT dialed_at AS "time", connect_rate(disposition)
            OVER (ORDER BY dialed_at ROWS BETWEEN 99 PRECEDING AND CURRENT ROW) AS connect_rate
        FROM calls
        WHERE dialed_at BETWEEN '2025-06-02T00:00:00Z' AND '2025-06-02T06:00:00Z'
          AND campaign_id = 'cmp003'
        ORDER BY 1""",
}


def grafana_check():
    """Grafana sends its queries over the simple protocol (pgx's simple mode, lib/pq)."""
    import psycopg

    seen = {}
    with psycopg.connect(
        f"host=127.0.0.1 port={PORT} user=callsql dbname=callsql",
        autocommit=True,
        cursor_factory=psycopg.ClientCursor,
    ) as conn:
        for name, sql in GRAFANA.items():
            try:
                cursor = conn.execute(sql)
                rows = cursor.fetchall() if cursor.description else []
                seen[name] = {
                    "columns": [c.name for c in cursor.description or []],
                    "types": [c.type_code for c in cursor.description or []],
                    "rows": [list(row) for row in rows],
                }
            except psycopg.Error as error:
                seen[name] = {"error": str(error).splitlines()[0]}
    return seen


CHECKS = {
    "sqlalchemy-psycopg2": lambda: sqlalchemy_check("psycopg2"),
    "sqlalchemy-psycopg": lambda: sqlalchemy_check("psycopg"),
    "pgcli": pgcli_check,
    "grafana": grafana_check,
}

print(json.dumps(CHECKS[CHECK](), default=str))
