-- name: intent_confusion
-- description: Predicted vs QA-labelled intent: one row per (label, prediction) cell with its count, the label's recall, the prediction's precision and the overall accuracy.
-- columns: labeled_intent, predicted_intent, calls, share_of_label, label_recall, predicted_precision, accuracy
-- param campaign VARCHAR = NULL: Only this campaign (NULL: all campaigns).
-- param since DATE = NULL: First day (NULL: from the start).
-- param until DATE = NULL: Last day (NULL: to the end).
--
-- Only labelled calls count, as in `\df intent_accuracy`; a labelled call the bot gave no
-- prediction is the cell predicted = '(none)' and counts as wrong. share_of_label is the
-- cell over its label's row total (the diagonal cell's share is the label's recall);
-- precision is the diagonal over the prediction's column total. accuracy is
-- intent_accuracy over all the labelled calls, the same on every row.
WITH labelled AS (
    SELECT labeled_intent, coalesce(predicted_intent, '(none)') AS predicted_intent
    FROM calls
    WHERE labeled_intent IS NOT NULL
      AND ($campaign IS NULL OR campaign_id = $campaign)
      AND ($since IS NULL OR dt >= $since)
      AND ($until IS NULL OR dt <= $until)
),
cells AS (
    SELECT labeled_intent, predicted_intent, count(*) AS calls
    FROM labelled
    GROUP BY labeled_intent, predicted_intent
),
margins AS (
    SELECT
        *,
        sum(calls) OVER (PARTITION BY labeled_intent) AS label_total,
        sum(calls) OVER (PARTITION BY predicted_intent) AS predicted_total,
        sum(CASE WHEN labeled_intent = predicted_intent THEN calls END)
            OVER (PARTITION BY labeled_intent) AS label_correct,
        sum(CASE WHEN labeled_intent = predicted_intent THEN calls END)
            OVER (PARTITION BY predicted_intent) AS predicted_correct,
        sum(calls) OVER () AS all_labelled,
        sum(CASE WHEN labeled_intent = predicted_intent THEN calls END) OVER () AS all_correct
    FROM cells
)
SELECT
    labeled_intent,
    predicted_intent,
    calls,
    CAST(calls AS DOUBLE) / label_total AS share_of_label,
    CAST(coalesce(label_correct, 0) AS DOUBLE) / label_total AS label_recall,
    CAST(coalesce(predicted_correct, 0) AS DOUBLE) / predicted_total AS predicted_precision,
    CAST(coalesce(all_correct, 0) AS DOUBLE) / all_labelled AS accuracy
FROM margins
ORDER BY labeled_intent, calls DESC, predicted_intent;
