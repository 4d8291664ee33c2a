-- name: retention_cohorts
-- description: Monthly customer cohorts over `orders` (留存率 / 复购率): customers by the month of their first order, and the share of each cohort ordering again in month k = 1…12 after it.
-- columns: cohort, customers, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12
-- param utc_offset_hours DOUBLE = 8: Hours local time is ahead of UTC, for the calendar months (8 for China; a fixed offset).
-- param since DATE = NULL: First cohort month (NULL: from the first order).
-- param until DATE = NULL: Last cohort month (NULL: to the last order).
--
-- A customer's cohort is the local calendar month (UTC + utc_offset_hours) of their first order; m_k is the share
-- of the cohort with at least one order in the k-th calendar month after it (any number
-- of orders counts once). m_k is NULL where month k lies after the last month with any
-- order, which is not observed yet; the last observed month may be partial.
WITH months AS (
    SELECT
        customer_id,
        date_trunc('month', arrow_cast(
            CAST(ordered_at AS BIGINT) + CAST($utc_offset_hours * 3600000 AS BIGINT),
            'Timestamp(Millisecond, None)')) AS month
    FROM orders
),
cohorts AS (
    SELECT customer_id, min(month) AS cohort FROM months GROUP BY customer_id
),
-- A customer's (cohort, k) pairs are their distinct order months, each in one cohort, so
-- the months are made distinct before the join rather than the joined rows after it:
-- two key columns instead of three, and a third less memory on 5M orders.
activity AS (
    SELECT
        c.cohort,
        CAST((date_part('year', m.month) - date_part('year', c.cohort)) * 12
            + date_part('month', m.month) - date_part('month', c.cohort) AS BIGINT) AS k
    FROM (SELECT DISTINCT customer_id, month FROM months) m
    JOIN cohorts c ON c.customer_id = m.customer_id
),
counts AS (
    SELECT
        cohort,
        count(*) FILTER (WHERE k = 0) AS customers,
        count(*) FILTER (WHERE k = 1) AS ordered_1,
        count(*) FILTER (WHERE k = 2) AS ordered_2,
        count(*) FILTER (WHERE k = 3) AS ordered_3,
        count(*) FILTER (WHERE k = 4) AS ordered_4,
        count(*) FILTER (WHERE k = 5) AS ordered_5,
        count(*) FILTER (WHERE k = 6) AS ordered_6,
        count(*) FILTER (WHERE k = 7) AS ordered_7,
        count(*) FILTER (WHERE k = 8) AS ordered_8,
        count(*) FILTER (WHERE k = 9) AS ordered_9,
        count(*) FILTER (WHERE k = 10) AS ordered_10,
        count(*) FILTER (WHERE k = 11) AS ordered_11,
        count(*) FILTER (WHERE k = 12) AS ordered_12
    FROM activity
    GROUP BY cohort
),
last_order AS (
    SELECT max(month) AS last_month FROM months
),
observed AS (
    SELECT
        counts.*,
        CAST((date_part('year', last_month) - date_part('year', cohort)) * 12
            + date_part('month', last_month) - date_part('month', cohort) AS BIGINT) AS seen
    FROM counts CROSS JOIN last_order
    WHERE ($since IS NULL OR cohort >= date_trunc('month', CAST($since AS TIMESTAMP)))
      AND ($until IS NULL OR cohort <= date_trunc('month', CAST($until AS TIMESTAMP)))
)
SELECT
    CAST(cohort AS DATE) AS cohort,
    customers,
    CASE WHEN seen >= 1 THEN CAST(ordered_1 AS DOUBLE) / customers END AS m1,
    CASE WHEN seen >= 2 THEN CAST(ordered_2 AS DOUBLE) / customers END AS m2,
    CASE WHEN seen >= 3 THEN CAST(ordered_3 AS DOUBLE) / customers END AS m3,
    CASE WHEN seen >= 4 THEN CAST(ordered_4 AS DOUBLE) / customers END AS m4,
    CASE WHEN seen >= 5 THEN CAST(ordered_5 AS DOUBLE) / customers END AS m5,
    CASE WHEN seen >= 6 THEN CAST(ordered_6 AS DOUBLE) / customers END AS m6,
    CASE WHEN seen >= 7 THEN CAST(ordered_7 AS DOUBLE) / customers END AS m7,
    CASE WHEN seen >= 8 THEN CAST(ordered_8 AS DOUBLE) / customers END AS m8,
    CASE WHEN seen >= 9 THEN CAST(ordered_9 AS DOUBLE) / customers END AS m9,
    CASE WHEN seen >= 10 THEN CAST(ordered_10 AS DOUBLE) / customers END AS m10,
    CASE WHEN seen >= 11 THEN CAST(ordered_11 AS DOUBLE) / customers END AS m11,
    CASE WHEN seen >= 12 THEN CAST(ordered_12 AS DOUBLE) / customers END AS m12
FROM observed
ORDER BY cohort;
