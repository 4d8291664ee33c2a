-- name: script_elimination
-- description: The seed's hourly cut of weak scripts done safely: flags a script only when the evidence says it is worse, never on a small sample's raw rate.
-- columns: campaign_id, script_id, trials, successes, success_rate, rate_lower, rate_upper, p_best, leader_lower, eliminate, reason
-- param min_trials BIGINT = 200: A script needs at least this many answered calls before its P(best) can retire it.
-- param max_p_best DOUBLE = 0.05: Retire a script whose probability of being the campaign's best is below this.
-- param confidence DOUBLE = 0.95: Confidence level of the Wilson intervals compared.
-- param since DATE = NULL: Only calls on or after this day (NULL: all days).
--
-- A script is flagged when (a) it has at least min_trials answered calls and its P(best) is
-- below max_p_best, or (b) its Wilson upper bound is below the campaign leader's Wilson
-- lower bound (the leader being the script with the highest lower bound): it is worse at
-- the chosen confidence whatever its sample size. The campaign's leader is never flagged.
-- Trials, successes, intervals and P(best) are those of the `script_ranking` query.
WITH with_leader AS (
    SELECT
        campaign_id,
        script_id,
        trials,
        successes,
        success_rate,
        rate_lower,
        rate_upper,
        p_best,
        max(rate_lower) OVER (PARTITION BY campaign_id) AS leader_lower
    FROM script_ranking($confidence, $since)
)
SELECT
    campaign_id,
    script_id,
    trials,
    successes,
    success_rate,
    rate_lower,
    rate_upper,
    p_best,
    leader_lower,
    (trials >= $min_trials AND p_best < $max_p_best) OR rate_upper < leader_lower AS eliminate,
    CASE
        WHEN rate_upper < leader_lower THEN 'upper bound below the leader''s lower bound'
        WHEN trials >= $min_trials AND p_best < $max_p_best THEN 'P(best) below max_p_best'
        WHEN trials < $min_trials THEN 'too few trials to judge'
        ELSE 'keep'
    END AS reason
FROM with_leader
ORDER BY campaign_id, p_best DESC, script_id;
