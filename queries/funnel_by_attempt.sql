-- name: funnel_by_attempt
-- description: The calling funnel by attempt number: attempts, live, effective and successful calls, each stage's rate, and how much each further attempt still adds.
-- columns: attempt_no, attempts, live, effective, successes, live_rate, effective_rate, success_rate, cumulative_success_share
-- param max_attempt BIGINT = 10: Attempts beyond this are counted in its row.
-- param campaign VARCHAR = NULL: Only this campaign (NULL: all campaigns).
-- param since DATE = NULL: First day (NULL: from the start).
-- param until DATE = NULL: Last day (NULL: to the end).
--
-- Stages: attempt (any disposition) → live (answered or abandoned) → effective (answered
-- and judged effective) → success (outcome `success` on a live call). live_rate is live /
-- attempts, effective_rate effective / answered, success_rate successes / attempts. A
-- stage the source never records (effectiveness, outcome: a switch log) is NULL, as is
-- its rate, rather than 0; its denominator counts only the rows where it is known.
-- cumulative_success_share is the share of all successes reached by this attempt: where
-- it flattens, further attempts cost more than they bring.
WITH per_attempt AS (
    SELECT
        least(attempt_no, $max_attempt) AS attempt_no,
        count(disposition) AS attempts,
        count(*) FILTER (WHERE disposition IN ('answered', 'abandoned')) AS live,
        count(*) FILTER (WHERE disposition = 'answered' AND is_effective IS NOT NULL) AS judged,
        count(*) FILTER (WHERE disposition = 'answered' AND is_effective) AS effective,
        count(outcome) FILTER (WHERE disposition IS NOT NULL) AS known_outcomes,
        count(*) FILTER (WHERE outcome = 'success' AND disposition IN ('answered', 'abandoned')) AS successes
    FROM calls
    WHERE attempt_no IS NOT NULL
      AND ($campaign IS NULL OR campaign_id = $campaign)
      AND ($since IS NULL OR dt >= $since)
      AND ($until IS NULL OR dt <= $until)
    GROUP BY 1
)
SELECT
    attempt_no,
    attempts,
    live,
    CASE WHEN judged > 0 THEN effective END AS effective,
    CASE WHEN known_outcomes > 0 THEN successes END AS successes,
    CAST(live AS DOUBLE) / nullif(attempts, 0) AS live_rate,
    CAST(effective AS DOUBLE) / nullif(judged, 0) AS effective_rate,
    CAST(successes AS DOUBLE) / nullif(known_outcomes, 0) AS success_rate,
    CAST(sum(successes) OVER (ORDER BY attempt_no) AS DOUBLE)
        / nullif(sum(successes) OVER (), 0) AS cumulative_success_share
FROM per_attempt
ORDER BY attempt_no;
