-- name: churn_watchlist
-- description: Customers of high past value whose P(alive) is falling, most value at risk first, with a callable number and not on the DNC list: a re-contact campaign's call list.
-- columns: customer_id, phone, total_value, value_score, frequency, recency, age, idle, p_alive_before, p_alive, p_alive_drop, value_at_risk, expected_purchases, clv
-- param as_of DATE = NULL: End of the calibration period (NULL: the day of the latest order).
-- param unit VARCHAR = week: Time unit of recency, age, idle, lookback and horizon: day or week.
-- param lookback DOUBLE = 13: P(alive) is compared with its value this many units before as_of.
-- param min_value_score BIGINT = 4: Lowest score of total past value, 1–5 by quintile over all customers (ties share a score).
-- param min_drop DOUBLE = 0.05: Smallest fall of P(alive) over the lookback that puts a customer on the list.
-- param horizon DOUBLE = 52: Horizon of expected_purchases and CLV, in units.
--
-- The model and the scores are those of customer_lifetime(as_of, unit, horizon). A
-- customer's P(alive) falls only while they do not buy, so the list holds customers idle
-- (as_of minus their last purchase day) for at least the lookback; for them the summary
-- lookback units earlier is the same frequency and recency at age − lookback, scored with
-- the same fitted model: p_alive_before. value_at_risk = total_value · p_alive_drop.
-- Numbers are compared in E.164 (normalize_phone); customers without a valid number are
-- left out, as nobody can call them.
WITH lifetime AS (
    SELECT *, quintile_score(total_value) OVER () AS value_score
    FROM customer_lifetime($as_of, $unit, $horizon)
),
dnc_numbers AS (
    SELECT DISTINCT normalize_phone(phone) AS number
    FROM dnc
    WHERE normalize_phone(phone) IS NOT NULL
),
idle AS (
    SELECT
        l.*,
        l.age - l.recency AS idle,
        -- greatest: at idle = lookback, age − lookback may round to just below recency.
        bgnbd_p_alive(
            l.frequency, l.recency, greatest(l.age - $lookback, l.recency), l.r, l.alpha, l.a, l.b
        ) AS p_alive_before
    FROM lifetime l
    WHERE l.value_score >= $min_value_score AND l.age - l.recency >= $lookback
),
listed AS (
    SELECT i.*, normalize_phone(c.phone) AS phone, i.p_alive_before - i.p_alive AS p_alive_drop
    FROM idle i JOIN customers c ON c.customer_id = i.customer_id
    WHERE normalize_phone(c.phone) IS NOT NULL
)
SELECT
    customer_id,
    phone,
    total_value,
    value_score,
    frequency,
    recency,
    age,
    idle,
    p_alive_before,
    p_alive,
    p_alive_drop,
    total_value * p_alive_drop AS value_at_risk,
    expected_purchases,
    clv
FROM listed
WHERE p_alive_drop >= $min_drop
    AND phone NOT IN (SELECT number FROM dnc_numbers)
ORDER BY value_at_risk DESC, customer_id;
