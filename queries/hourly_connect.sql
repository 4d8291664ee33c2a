-- name: hourly_connect
-- description: Best time to call: connect and success rates by local hour of day, with Wilson intervals, ranked by the interval's lower bound.
-- columns: hour, attempts, live, connect_rate, connect_lower, connect_upper, successes, success_rate, success_lower, success_upper, best_rank
-- param tz VARCHAR = Asia/Shanghai: Time zone of the hours (IANA name or offset).
-- param confidence DOUBLE = 0.95: Two-sided confidence level of the Wilson intervals.
-- param campaign VARCHAR = NULL: Only this campaign (NULL: all campaigns).
-- param since DATE = NULL: First day (NULL: from the start).
-- param until DATE = NULL: Last day (NULL: to the end).
--
-- The hour is the local hour of dialled_at. connect_rate counts live calls (answered or
-- abandoned) over attempts; success_rate counts `success` outcomes over the attempts whose
-- outcome is known, so it measures what an hour's dialling yields (NULL where no outcome
-- is known, as in a switch log). best_rank orders hours by connect_lower, the
-- rate the hour beats with the given confidence: an hour with few calls cannot rank first
-- on luck.
WITH per_hour AS (
    SELECT
        local_hour(dialed_at, $tz) AS hour,
        count(disposition) AS attempts,
        count(*) FILTER (WHERE disposition IN ('answered', 'abandoned')) AS live,
        count(*) FILTER (WHERE outcome = 'success') AS successes,
        count(outcome) AS known_outcomes
    FROM calls
    WHERE ($campaign IS NULL OR campaign_id = $campaign)
      AND ($since IS NULL OR dt >= $since)
      AND ($until IS NULL OR dt <= $until)
    GROUP BY 1
)
SELECT
    hour,
    attempts,
    live,
    CAST(live AS DOUBLE) / attempts AS connect_rate,
    wilson_lower(live, attempts, $confidence) AS connect_lower,
    wilson_upper(live, attempts, $confidence) AS connect_upper,
    CASE WHEN known_outcomes > 0 THEN successes END AS successes,
    CAST(successes AS DOUBLE) / nullif(known_outcomes, 0) AS success_rate,
    wilson_lower(successes, known_outcomes, $confidence) AS success_lower,
    wilson_upper(successes, known_outcomes, $confidence) AS success_upper,
    rank() OVER (ORDER BY wilson_lower(live, attempts, $confidence) DESC) AS best_rank
FROM per_hour
WHERE attempts > 0
ORDER BY hour;
