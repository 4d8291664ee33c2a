-- intent_confusion written out in DuckDB SQL.
WITH cells AS (
    SELECT labeled_intent, coalesce(predicted_intent, '(none)') AS predicted_intent, count(*) AS calls
    FROM calls
    WHERE labeled_intent IS NOT NULL
    GROUP BY ALL
),
margins AS (
    SELECT
        *,
        sum(calls) OVER (PARTITION BY labeled_intent) AS label_total,
        sum(calls) OVER (PARTITION BY predicted_intent) AS predicted_total,
        sum(CASE WHEN labeled_intent = predicted_intent THEN calls END) OVER (PARTITION BY labeled_intent) AS label_correct,
        sum(CASE WHEN labeled_intent = predicted_intent THEN calls END) OVER (PARTITION BY predicted_intent) AS predicted_correct,
        sum(calls) OVER () AS all_labelled,
        sum(CASE WHEN labeled_intent = predicted_intent THEN calls END) OVER () AS all_correct
    FROM cells
)
SELECT
    labeled_intent, predicted_intent, calls,
    calls::DOUBLE / label_total AS share_of_label,
    coalesce(label_correct, 0)::DOUBLE / label_total AS label_recall,
    coalesce(predicted_correct, 0)::DOUBLE / predicted_total AS predicted_precision,
    coalesce(all_correct, 0)::DOUBLE / all_labelled AS accuracy
FROM margins
ORDER BY labeled_intent, calls DESC, predicted_intent;
