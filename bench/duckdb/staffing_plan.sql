-- staffing_plan in DuckDB with its default parameters (Asia/Shanghai, 80 % within 20 s,
-- occupancy at most 0.85, all days). Erlang C is written out: the Erlang B blocking
-- probability by its recursion B(k) = A B(k−1) / (k + A B(k−1)) from B(0) = 1, C = N B /
-- (N − A (1 − B)), service level 1 − C e^{−(N − A) t / AHT}, ASA = C AHT / (N − A); the
-- agents are the fewest N > A with A / N ≤ 0.85 that reach the target, searched up to
-- A / 0.85 + 200 (enough for every load this data has).
WITH days AS (
    SELECT count(DISTINCT dt) AS days FROM calls
),
per_hour AS (
    SELECT
        hour(dialed_at AT TIME ZONE 'Asia/Shanghai') AS hour,
        count(*) AS handled,
        avg(coalesce(talk_s, 0) + coalesce(hold_s, 0) + coalesce(acw_s, 0)) FILTER (WHERE talk_s > 0) AS aht_s
    FROM calls
    WHERE agent_id IS NOT NULL AND disposition = 'answered'
    GROUP BY 1
),
offered AS (
    SELECT hour, handled::DOUBLE / days AS calls_per_day, aht_s FROM per_hour CROSS JOIN days
),
loads AS (
    SELECT *, calls_per_day * aht_s / 3600 AS a FROM offered
),
candidates AS (
    SELECT hour, calls_per_day, aht_s, a, n,
        list_reduce(range(1, n + 1), lambda b, k: a * b / (k + a * b), 1.0::DOUBLE) AS blocking
    FROM loads, LATERAL (SELECT unnest(range(floor(a)::BIGINT + 1, ceil(a / 0.85)::BIGINT + 201)) AS n)
    WHERE a / n <= 0.85
),
queued AS (
    SELECT *, n * blocking / (n - a * (1 - blocking)) AS waiting FROM candidates
),
graded AS (
    SELECT *, 1 - waiting * exp(-(n - a) * 20 / aht_s) AS service_level FROM queued
),
chosen AS (
    SELECT hour, arg_min(graded, n) AS plan FROM graded WHERE service_level >= 0.8 GROUP BY hour
)
SELECT
    hour,
    plan.calls_per_day,
    plan.aht_s,
    plan.calls_per_day * plan.aht_s / 3600 AS erlangs,
    plan.n AS agents,
    plan.service_level,
    plan.waiting * plan.aht_s / (plan.n - plan.a) AS asa_s,
    plan.calls_per_day * plan.aht_s / 3600 / plan.n AS occupancy
FROM chosen
ORDER BY hour;
