-- name: rfm_customers
-- description: RFM scores (1–5, ties scored alike), code and segment per customer with orders.
-- columns: customer_id, recency_days, frequency, monetary, r, f, m, rfm, segment
-- param as_of DATE = NULL: Recency is counted in days up to this date (NULL: the day of the latest order).
--
-- recency_days = as_of − date of the customer's last order; frequency = orders;
-- monetary = total amount. Scores are quintiles over all customers with orders
-- (`quintile_score`: recency inverted, most recent = 5; equal values, equal scores), so
-- the result is the same on every run and at any parallelism.
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
        quintile_score(recency_days, 'desc') OVER () AS r,
        quintile_score(frequency) OVER () AS f,
        quintile_score(monetary) OVER () AS m
    FROM per_customer
)
SELECT
    customer_id,
    recency_days,
    frequency,
    monetary,
    r,
    f,
    m,
    rfm_score(r, f, m) AS rfm,
    rfm_segment(r, f, m) AS segment
FROM scored
ORDER BY customer_id;
