-- name: script_ranking
-- description: Scripts (话术) ranked per campaign by their probability of being the best, with success rate, Wilson interval, talk time and the seed's efficiency score.
-- columns: campaign_id, rank, script_id, trials, successes, success_rate, rate_lower, rate_upper, p_best, avg_talk_s, efficiency_score
-- param confidence DOUBLE = 0.95: Two-sided confidence level of the Wilson interval.
-- param since DATE = NULL: Only calls on or after this day (NULL: all days).
-- param until DATE = NULL: Only calls on or before this day (NULL: all days).
--
-- A trial is an answered call that used the script and whose outcome is known (a call
-- with a NULL outcome says nothing about the script); a success is one whose outcome is
-- `success` (seed 001 counts successes over all of a script's calls; calls that were never
-- answered say nothing about the script). p_best is each script's posterior probability of
-- having the highest success rate in its campaign (uniform priors), which is also its
-- Thompson-sampling share of the next traffic. Raw rates and efficiency scores alone rank
-- small samples and short failed calls too high; read them with the interval and p_best.
WITH per_script AS (
    SELECT
        campaign_id,
        script_id,
        count(*) AS trials,
        count(*) FILTER (WHERE outcome = 'success') AS successes,
        avg_talk_time(talk_s, disposition) AS avg_talk_s
    FROM calls
    WHERE disposition = 'answered'
      AND script_id IS NOT NULL
      AND outcome IS NOT NULL
      AND ($since IS NULL OR dt >= $since)
      AND ($until IS NULL OR dt <= $until)
    GROUP BY campaign_id, script_id
),
scored AS (
    SELECT
        campaign_id,
        script_id,
        trials,
        successes,
        CAST(successes AS DOUBLE) / trials AS success_rate,
        wilson_lower(successes, trials, $confidence) AS rate_lower,
        wilson_upper(successes, trials, $confidence) AS rate_upper,
        prob_best(successes, trials) OVER (PARTITION BY campaign_id) AS p_best,
        avg_talk_s,
        efficiency_score(avg_talk_s) AS efficiency_score
    FROM per_script
)
SELECT
    campaign_id,
    row_number() OVER (PARTITION BY campaign_id ORDER BY p_best DESC, script_id) AS rank,
    script_id,
    trials,
    successes,
    success_rate,
    rate_lower,
    rate_upper,
    p_best,
    avg_talk_s,
    efficiency_score
FROM scored
ORDER BY campaign_id, rank;
