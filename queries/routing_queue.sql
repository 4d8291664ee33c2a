-- name: routing_queue
-- description: Customers to call next, ordered by the seed's routing score (value, engagement, timeliness), excluding anyone on the DNC list or who asked not to be called.
-- columns: queue_position, customer_id, routing_score, value, engagement, timeliness, attempts
-- param top BIGINT = 100: How many customers to return.
-- param as_of DATE = NULL: Recency is counted up to this date (NULL: the day of the latest order).
-- param wv DOUBLE = 0.4: Weight of value.
-- param we DOUBLE = 0.3: Weight of engagement.
-- param wt DOUBLE = 0.3: Weight of timeliness.
--
-- value = monetary quintile / 5 (0 without orders); engagement = the customer's connect
-- rate over all dial attempts (0 when never dialled); timeliness = recency quintile / 5
-- (0 without orders). All three are on a 0–1 scale, as the weighted sum needs.
WITH orders_per_customer AS (
    SELECT
        customer_id,
        coalesce($as_of, (SELECT CAST(max(ordered_at) AS DATE) AS last_order_day FROM orders))
            - CAST(max(ordered_at) AS DATE) AS recency_days,
        -- Exact decimal money: a float sum would depend on row order, and so would ties.
        sum(CAST(amount AS DECIMAL(18, 2))) AS monetary
    FROM orders
    GROUP BY customer_id
),
order_scores AS (
    SELECT
        customer_id,
        quintile_score(monetary) OVER () / 5.0 AS value,
        quintile_score(recency_days, 'desc') OVER () / 5.0 AS timeliness
    FROM orders_per_customer
),
calls_per_customer AS (
    SELECT
        customer_id,
        count(*) AS attempts,
        connect_rate(disposition) AS engagement,
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
    SELECT
        *,
        routing_score(value, engagement, timeliness, $wv, $we, $wt) AS routing_score
    FROM candidates
),
-- The limit before the numbering: a top-k sort keeps $top rows in memory, where numbering
-- every candidate first would sort them all. The order is total, so the positions agree.
queue AS (
    SELECT *
    FROM scored
    ORDER BY routing_score DESC, customer_id
    LIMIT $top
)
SELECT
    row_number() OVER (ORDER BY routing_score DESC, customer_id) AS queue_position,
    customer_id,
    routing_score,
    value,
    engagement,
    timeliness,
    attempts
FROM queue
ORDER BY routing_score DESC, customer_id;
