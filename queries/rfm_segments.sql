-- name: rfm_segments
-- description: RFM segment summary: customers, share, average recency/frequency/monetary and revenue share per segment.
-- columns: segment, customers, customer_share, avg_recency_days, avg_frequency, avg_monetary, revenue_share
-- param as_of DATE = NULL: Recency is counted in days up to this date (NULL: the day of the latest order).
--
-- Over the customers and segments of the `rfm_customers` query.
SELECT
    segment,
    count(*) AS customers,
    CAST(count(*) AS DOUBLE) / sum(count(*)) OVER () AS customer_share,
    avg(recency_days) AS avg_recency_days,
    avg(frequency) AS avg_frequency,
    avg(monetary) AS avg_monetary,
    CAST(sum(monetary) AS DOUBLE) / CAST(sum(sum(monetary)) OVER () AS DOUBLE) AS revenue_share
FROM rfm_customers($as_of)
GROUP BY segment
ORDER BY sum(monetary) DESC, segment;
