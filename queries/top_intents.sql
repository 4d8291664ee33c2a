-- name: top_intents
-- description: Hot topics (热点问题): the intents the bot recognised on answered calls, most frequent first, with their share and success rate.
-- columns: intent, calls, share, successes, success_rate, intent_rank
-- param top BIGINT = 10: How many intents to list.
-- param campaign VARCHAR = NULL: Only this campaign (NULL: all campaigns).
-- param since DATE = NULL: First day (NULL: from the start).
-- param until DATE = NULL: Last day (NULL: to the end).
--
-- Over `answered` calls with a predicted_intent: calls per intent, its share of those
-- calls, and the share of them with outcome `success` among those whose outcome is known
-- (NULL where none is). Ties keep the intent's name order.
WITH per_intent AS (
    SELECT
        predicted_intent AS intent,
        count(*) AS calls,
        count(*) FILTER (WHERE outcome = 'success') AS successes,
        count(outcome) AS known_outcomes
    FROM calls
    WHERE disposition = 'answered'
      AND predicted_intent IS NOT NULL
      AND ($campaign IS NULL OR campaign_id = $campaign)
      AND ($since IS NULL OR dt >= $since)
      AND ($until IS NULL OR dt <= $until)
    GROUP BY 1
),
ranked AS (
    SELECT
        intent,
        calls,
        CAST(calls AS DOUBLE) / sum(calls) OVER () AS share,
        CASE WHEN known_outcomes > 0 THEN successes END AS successes,
        CAST(successes AS DOUBLE) / nullif(known_outcomes, 0) AS success_rate,
        row_number() OVER (ORDER BY calls DESC, intent) AS intent_rank
    FROM per_intent
)
SELECT * FROM ranked WHERE intent_rank <= $top ORDER BY intent_rank;
