-- retention_cohorts written out in DuckDB SQL: local calendar months in Asia/Shanghai.
WITH months AS (
    SELECT customer_id, date_trunc('month', timezone('Asia/Shanghai', ordered_at)) AS month
    FROM orders
),
cohorts AS (
    SELECT customer_id, min(month) AS cohort FROM months GROUP BY customer_id
),
activity AS (
    SELECT DISTINCT c.cohort, m.customer_id, datediff('month', c.cohort, m.month) AS k
    FROM months m JOIN cohorts c USING (customer_id)
),
counts AS (
    SELECT cohort, count(*) FILTER (WHERE k = 0) AS customers,
        count(*) FILTER (WHERE k = 1) AS o1, count(*) FILTER (WHERE k = 2) AS o2,
        count(*) FILTER (WHERE k = 3) AS o3, count(*) FILTER (WHERE k = 4) AS o4,
        count(*) FILTER (WHERE k = 5) AS o5, count(*) FILTER (WHERE k = 6) AS o6,
        count(*) FILTER (WHERE k = 7) AS o7, count(*) FILTER (WHERE k = 8) AS o8,
        count(*) FILTER (WHERE k = 9) AS o9, count(*) FILTER (WHERE k = 10) AS o10,
        count(*) FILTER (WHERE k = 11) AS o11, count(*) FILTER (WHERE k = 12) AS o12
    FROM activity GROUP BY cohort
),
observed AS (
    SELECT counts.*, datediff('month', cohort, (SELECT max(month) FROM months)) AS seen FROM counts
)
SELECT cohort::DATE AS cohort, customers,
    CASE WHEN seen >= 1 THEN o1 / customers END AS m1, CASE WHEN seen >= 2 THEN o2 / customers END AS m2,
    CASE WHEN seen >= 3 THEN o3 / customers END AS m3, CASE WHEN seen >= 4 THEN o4 / customers END AS m4,
    CASE WHEN seen >= 5 THEN o5 / customers END AS m5, CASE WHEN seen >= 6 THEN o6 / customers END AS m6,
    CASE WHEN seen >= 7 THEN o7 / customers END AS m7, CASE WHEN seen >= 8 THEN o8 / customers END AS m8,
    CASE WHEN seen >= 9 THEN o9 / customers END AS m9, CASE WHEN seen >= 10 THEN o10 / customers END AS m10,
    CASE WHEN seen >= 11 THEN o11 / customers END AS m11, CASE WHEN seen >= 12 THEN o12 / customers END AS m12
FROM observed
ORDER BY cohort;
