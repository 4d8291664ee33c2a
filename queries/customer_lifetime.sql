-- name: customer_lifetime
-- description: Per customer with orders: BG/NBD P(alive) and churn risk, expected purchases and value over a horizon, and CLV, with the fitted parameters.
-- columns: customer_id, frequency, recency, age, mean_value, total_value, p_alive, churn_risk, expected_purchases, expected_value, clv, r, alpha, a, b, p, q, v
-- param as_of DATE = NULL: End of the calibration period; later orders are left out (NULL: the day of the latest order).
-- param unit VARCHAR = week: Time unit of recency, age, the horizon and the discount rate: day or week (any interval unit works; a month is 30 days).
-- param horizon DOUBLE = 52: How far ahead purchases and value are predicted, in units.
-- param discount DOUBLE = 0: Discount rate per unit (0.002 a week is about 11 % a year).
-- param periods BIGINT = 13: Steps the horizon is split into for discounting.
--
-- Purchases are counted per distinct day (the papers' and the lifetimes package's
-- convention): frequency = purchase days after the first, recency = first to last
-- purchase day, age = first purchase day to as_of, all in units; mean_value = mean
-- amount of the repeat purchase days; total_value = all the customer's amounts up to
-- as_of. bgnbd_fit and gamma_gamma_fit fit the models over all customers; a customer
-- without repeat purchases gets the population's expected value.
-- CLV = E[M] · Σ_{k=1..periods} (E[Y(k·h)] − E[Y((k−1)·h)]) / (1 + discount)^(k·h),
-- h = horizon / periods: expected purchases in each step, valued and discounted at its
-- end. With discount 0 it is E[M] · E[Y(horizon)].
WITH settings AS (
    SELECT
        coalesce($as_of, (SELECT CAST(max(ordered_at) AS DATE) AS last_order_day FROM orders)) AS as_of,
        -- An unknown unit fails at planning: `Invalid input syntax for type interval`.
        date_part('epoch', CAST('1 ' || $unit AS INTERVAL)) / 86400.0 AS unit_days
),
purchase_days AS (
    -- Amounts summed as decimals (exact: the same result however rows are split).
    SELECT customer_id, CAST(ordered_at AS DATE) AS day, sum(CAST(amount AS DECIMAL(18, 2))) AS amount
    FROM orders
    WHERE CAST(ordered_at AS DATE) <= (SELECT as_of FROM settings)
    GROUP BY customer_id, CAST(ordered_at AS DATE)
),
summary AS (
    SELECT
        customer_id,
        CAST(count(*) - 1 AS DOUBLE) AS frequency,
        (max(day) - min(day)) / (SELECT unit_days FROM settings) AS recency,
        ((SELECT as_of FROM settings) - min(day)) / (SELECT unit_days FROM settings) AS age,
        -- The mean of the repeat purchase days: all days but the first.
        CAST(sum(amount) - first_value(amount ORDER BY day) AS DOUBLE) / nullif(count(*) - 1, 0) AS mean_value,
        CAST(sum(amount) AS DOUBLE) AS total_value
    FROM purchase_days
    GROUP BY customer_id
),
-- The fits as aggregates over the whole summary in a window, so that the summary is
-- computed once for both the fits and the scores.
fitted AS (
    SELECT
        *,
        bgnbd_fit(frequency, recency, age) OVER () AS f,
        gamma_gamma_fit(frequency, mean_value) OVER () AS g
    FROM summary
),
scored AS (
    SELECT
        customer_id, frequency, recency, age, mean_value, total_value,
        bgnbd_p_alive(frequency, recency, age, f['r'], f['alpha'], f['a'], f['b']) AS p_alive,
        bgnbd_expected_purchases(
            $horizon, frequency, recency, age, f['r'], f['alpha'], f['a'], f['b']
        ) AS expected_purchases,
        gamma_gamma_expected_value(
            frequency, coalesce(mean_value, 0), g['p'], g['q'], g['v']
        ) AS expected_value,
        f['r'] AS r, f['alpha'] AS alpha, f['a'] AS a, f['b'] AS b,
        g['p'] AS p, g['q'] AS q, g['v'] AS v
    FROM fitted
),
steps AS (
    SELECT
        c.customer_id,
        sum(
            (
                bgnbd_expected_purchases(k.value * $horizon / $periods, c.frequency, c.recency, c.age, c.r, c.alpha, c.a, c.b)
                - bgnbd_expected_purchases((k.value - 1) * $horizon / $periods, c.frequency, c.recency, c.age, c.r, c.alpha, c.a, c.b)
            ) / power(1 + $discount, k.value * $horizon / $periods)
        ) AS discounted_purchases
    FROM scored c CROSS JOIN (SELECT unnest(range(1, $periods + 1)) AS value) k
    -- Without a discount the sum telescopes to E[Y(horizon)]: no steps are computed.
    WHERE $discount <> 0
    GROUP BY c.customer_id
)
SELECT
    c.customer_id,
    c.frequency,
    c.recency,
    c.age,
    c.mean_value,
    c.total_value,
    c.p_alive,
    1 - c.p_alive AS churn_risk,
    c.expected_purchases,
    c.expected_value,
    c.expected_value
        * CASE WHEN $discount = 0 THEN c.expected_purchases ELSE d.discounted_purchases END
        AS clv,
    c.r, c.alpha, c.a, c.b, c.p, c.q, c.v
FROM scored c LEFT JOIN steps d ON d.customer_id = c.customer_id
ORDER BY c.customer_id;
