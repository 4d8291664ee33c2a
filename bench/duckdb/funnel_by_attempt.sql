-- funnel_by_attempt written out in DuckDB SQL (max_attempt 10).
WITH per_attempt AS (
    SELECT
        least(attempt_no, 10) AS attempt_no,
        count(disposition) AS attempts,
        count(*) FILTER (WHERE disposition IN ('answered', 'abandoned')) AS live,
        count(*) FILTER (WHERE disposition = 'answered') AS answered,
        count(*) FILTER (WHERE disposition = 'answered' AND is_effective) AS effective,
        count(*) FILTER (WHERE outcome = 'success' AND disposition IN ('answered', 'abandoned')) AS successes
    FROM calls
    WHERE attempt_no IS NOT NULL
    GROUP BY 1
)
SELECT
    attempt_no, attempts, live, effective, successes,
    live::DOUBLE / nullif(attempts, 0) AS live_rate,
    effective::DOUBLE / nullif(answered, 0) AS effective_rate,
    successes::DOUBLE / nullif(attempts, 0) AS success_rate,
    (sum(successes) OVER (ORDER BY attempt_no))::DOUBLE / nullif(sum(successes) OVER (), 0) AS cumulative_success_share
FROM per_attempt
ORDER BY attempt_no;
