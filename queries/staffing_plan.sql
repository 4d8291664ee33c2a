-- name: staffing_plan
-- description: Agents needed per local hour of day (Erlang C) to answer agent-handled calls within a service-level target, from the observed calls per day and handling time.
-- columns: hour, calls_per_day, aht_s, erlangs, agents, service_level, asa_s, occupancy
-- param tz VARCHAR = Asia/Shanghai: Time zone of the hours (IANA name or offset).
-- param target_sl DOUBLE = 0.8: Share of calls to answer within target_s (a fraction).
-- param target_s DOUBLE = 20: Answer-time target, seconds.
-- param max_occupancy DOUBLE = 0.85: Highest acceptable agent occupancy.
-- param since DATE = NULL: First day observed (NULL: from the start).
-- param until DATE = NULL: Last day observed (NULL: to the end).
--
-- Agent-handled calls are answered calls with an agent (bot hand-offs and agent calls).
-- calls_per_day is the hour's average over the days observed; AHT is talk + hold +
-- after-call work (see `\df aht`). Erlang C treats the hour as one interval with random
-- arrivals. Agents are seats on the phone: divide by (1 − shrinkage) for heads on the rota.
WITH observed AS (
    SELECT *
    FROM calls
    WHERE ($since IS NULL OR dt >= $since) AND ($until IS NULL OR dt <= $until)
),
days AS (
    SELECT count(DISTINCT dt) AS days FROM observed
),
per_hour AS (
    SELECT
        local_hour(dialed_at, $tz) AS hour,
        count(*) AS handled,
        aht(talk_s, hold_s, acw_s) AS aht_s
    FROM observed
    WHERE agent_id IS NOT NULL AND disposition = 'answered'
    GROUP BY 1
),
planned AS (
    SELECT
        hour,
        CAST(handled AS DOUBLE) / days AS calls_per_day,
        aht_s,
        agents_required(CAST(handled AS DOUBLE) / days, 3600, aht_s, $target_sl, $target_s, $max_occupancy) AS agents
    FROM per_hour CROSS JOIN days
)
SELECT
    hour,
    calls_per_day,
    aht_s,
    calls_per_day * aht_s / 3600 AS erlangs,
    agents,
    service_level(calls_per_day, 3600, aht_s, agents, $target_s) AS service_level,
    asa(calls_per_day, 3600, aht_s, agents) AS asa_s,
    calls_per_day * aht_s / 3600 / nullif(agents, 0) AS occupancy
FROM planned
ORDER BY hour;
