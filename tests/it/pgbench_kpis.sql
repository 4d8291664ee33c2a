-- pgbench's script for the serve load test (tests/it/bi.rs): a KPI query with a bound
-- value and a canned query as a table function, as a BI dashboard refresh sends them.
\set attempt random(1, 3)
SELECT campaign_id, count(*) AS attempts, connect_rate(disposition) AS connect_rate, conversion_rate(disposition, outcome) AS conversion_rate FROM calls WHERE attempt_no >= :attempt GROUP BY campaign_id;
SELECT * FROM kpi_daily('cmp003');
