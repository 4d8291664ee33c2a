-- name: rfm_segments
-- description: RFM segment summary: customers, share, average recency/frequency/monetary and revenue share per segment.
-- columns: segment, customers, customer_share, avg_recency_days, avg_frequency, avg_monetary, revenue_share
-- param as_of DATE = NULL: Recency is counted in days up to this date (NULL: the day of the latest order).
--
-- The per-customer scores are those of the `rfm_customers` query (same definitions).
WITH per_customer AS (
    SELECT
        customer_id,
        coalesce($as_of, (SELECT CAST(max(ordered_at) AS DATE) AS last_order_day FROM orders))
            - CAST(max(ordered_at) AS DATE) AS recency_days,
        count(*) AS frequency,
        -- Exact decimal money: a float sum would depend on row order, and so would ties.
        sum(CAST(amount AS DECIMAL(18, 2))) AS monetary
    FROM orders
    GROUP BY customer_id
),
scored AS (
    SELECT
        *,
        rfm_segment(
            quintile_score(recency_days, 'desc') OVER (),
            quintile_score(frequency) OVER (),
            quintile_score(monetary) OVER ()
        ) AS segment
    FROM per_customer
)
SELECT
    segment,
    count(*) AS customers,
    CAST(count(*) AS DOUBLE) / sum(count(*)) OVER () AS customer_share,
    avg(recency_days) AS avg_recency_days,
    avg(frequency) AS avg_frequency,
    avg(monetary) AS avg_monetary,
    CAST(sum(monetary) AS DOUBLE) / CAST(sum(sum(monetary)) OVER () AS DOUBLE) AS revenue_share
FROM scored
GROUP BY segment
ORDER BY sum(monetary) DESC, segment;
