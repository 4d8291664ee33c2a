-- script_elimination in DuckDB with its default parameters (min_trials 200, max_p_best
-- 0.05, 95 % Wilson intervals, z = 1.959963984540054, all days), except p_best (an integral
-- over Beta posteriors that SQL has no function for): it comes out NULL here, and so do
-- eliminate and reason, which depend on it; the benchmark leaves those three unchecked.
WITH per_script AS (
    SELECT
        campaign_id,
        script_id,
        count(*) AS trials,
        count(*) FILTER (WHERE outcome = 'success') AS successes
    FROM calls
    WHERE disposition = 'answered' AND script_id IS NOT NULL
    GROUP BY campaign_id, script_id
),
rates AS (
    SELECT *, 1.959963984540054 AS z, successes::DOUBLE / trials AS p FROM per_script
),
scored AS (
    SELECT
        campaign_id, script_id, trials, successes,
        p AS success_rate,
        (p + z * z / (2 * trials) - z * sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))) / (1 + z * z / trials) AS rate_lower,
        (p + z * z / (2 * trials) + z * sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))) / (1 + z * z / trials) AS rate_upper
    FROM rates
)
SELECT
    campaign_id, script_id, trials, successes, success_rate, rate_lower, rate_upper,
    CAST(NULL AS DOUBLE) AS p_best,
    max(rate_lower) OVER (PARTITION BY campaign_id) AS leader_lower,
    CAST(NULL AS BOOLEAN) AS eliminate,
    CAST(NULL AS VARCHAR) AS reason
FROM scored
ORDER BY campaign_id, script_id;
