-- rfm_segments in DuckDB over the rfm_customers counterpart (included by bench/run.py where
-- it says so), with its default as_of (the day of the latest order). callsql's avg of a
-- DECIMAL(18, 2) is a DECIMAL(22, 6), truncated; DuckDB's is a DOUBLE, so it is cut to match.
WITH scored AS (
-- include: rfm_customers
)
SELECT
    segment,
    count(*) AS customers,
    count(*)::DOUBLE / sum(count(*)) OVER () AS customer_share,
    avg(recency_days) AS avg_recency_days,
    avg(frequency) AS avg_frequency,
    trunc(avg(monetary) * 1000000) / 1000000 AS avg_monetary,
    sum(monetary)::DOUBLE / sum(sum(monetary)) OVER ()::DOUBLE AS revenue_share
FROM scored
GROUP BY segment
ORDER BY sum(monetary) DESC, segment;
