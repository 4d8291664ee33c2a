-- routing_queue in DuckDB with its default parameters (the top 100, weights 0.4 / 0.3 /
-- 0.3, recency up to the day of the latest order); quintile_score as quintile_of_rank
-- (macros.sql), connect_rate = (answered + abandoned) / non-NULL dispositions.
WITH orders_per_customer AS (
    SELECT
        customer_id,
        (SELECT CAST(max(ordered_at) AS DATE) FROM orders) - CAST(max(ordered_at) AS DATE) AS recency_days,
        sum(CAST(amount AS DECIMAL(18, 2))) AS monetary
    FROM orders
    GROUP BY customer_id
),
order_scores AS (
    SELECT
        customer_id,
        quintile_of_rank(rank() OVER (ORDER BY monetary), count(*) OVER ()) / 5.0 AS value,
        quintile_of_rank(rank() OVER (ORDER BY recency_days DESC), count(*) OVER ()) / 5.0 AS timeliness
    FROM orders_per_customer
),
calls_per_customer AS (
    SELECT
        customer_id,
        count(*) AS attempts,
        count(*) FILTER (WHERE disposition IN ('answered', 'abandoned'))::DOUBLE
            / nullif(count(disposition), 0) AS engagement,
        bool_or(dnc_requested) AS asked_not_to_call
    FROM calls
    GROUP BY customer_id
),
candidates AS (
    SELECT
        customers.customer_id,
        coalesce(order_scores.value, 0) AS value,
        coalesce(calls_per_customer.engagement, 0) AS engagement,
        coalesce(order_scores.timeliness, 0) AS timeliness,
        coalesce(calls_per_customer.attempts, 0) AS attempts
    FROM customers
    LEFT JOIN order_scores ON order_scores.customer_id = customers.customer_id
    LEFT JOIN calls_per_customer ON calls_per_customer.customer_id = customers.customer_id
    WHERE NOT coalesce(calls_per_customer.asked_not_to_call, false)
      AND customers.phone NOT IN (SELECT phone FROM dnc)
),
scored AS (
    SELECT *, 0.4 * value + 0.3 * engagement + 0.3 * timeliness AS routing_score FROM candidates
)
SELECT
    row_number() OVER (ORDER BY routing_score DESC, customer_id) AS queue_position,
    customer_id, routing_score, value, engagement, timeliness, attempts
FROM scored
ORDER BY routing_score DESC, customer_id
LIMIT 100;
