-- top_intents written out in DuckDB SQL (the top 10).
WITH per_intent AS (
    SELECT predicted_intent AS intent, count(*) AS calls, count(*) FILTER (WHERE outcome = 'success') AS successes
    FROM calls
    WHERE disposition = 'answered' AND predicted_intent IS NOT NULL
    GROUP BY 1
),
ranked AS (
    SELECT intent, calls, calls::DOUBLE / sum(calls) OVER () AS share, successes,
        successes::DOUBLE / calls AS success_rate,
        row_number() OVER (ORDER BY calls DESC, intent) AS intent_rank
    FROM per_intent
)
SELECT * FROM ranked WHERE intent_rank <= 10 ORDER BY intent_rank;
