-- kpi_overview written out in DuckDB SQL from the functions' documented definitions.
WITH per_campaign AS (
    SELECT
        campaign_id,
        count(*) AS attempts,
        count(*) FILTER (WHERE disposition IN ('answered', 'abandoned'))::DOUBLE
            / nullif(count(disposition), 0) AS connect_rate,
        avg(talk_s) FILTER (WHERE disposition = 'answered') AS avg_talk_s,
        avg(coalesce(talk_s, 0) + coalesce(hold_s, 0) + coalesce(acw_s, 0)) FILTER (WHERE talk_s > 0) AS aht_s,
        count(*) FILTER (WHERE labeled_intent IS NOT NULL AND predicted_intent = labeled_intent)::DOUBLE
            / nullif(count(labeled_intent), 0) AS intent_accuracy,
        count(*) FILTER (WHERE disposition = 'answered' AND is_effective)::DOUBLE
            / nullif(count(*) FILTER (WHERE disposition = 'answered'), 0) AS effective_rate,
        count(*) FILTER (WHERE disposition = 'answered' AND transferred)::DOUBLE
            / nullif(count(*) FILTER (WHERE disposition = 'answered'), 0) AS transfer_rate,
        count(*) FILTER (WHERE disposition = 'rejected')::DOUBLE / nullif(count(disposition), 0) AS reject_rate,
        count(*) FILTER (WHERE disposition = 'answered' AND hangup_by = 'callee' AND talk_s < 10)::DOUBLE
            / nullif(count(*) FILTER (WHERE disposition = 'answered'), 0) AS early_hangup_rate,
        count(DISTINCT caller_number) FILTER (WHERE disposition = 'blocked')::DOUBLE
            / nullif(count(DISTINCT caller_number), 0) AS ban_rate,
        count(*) FILTER (WHERE disposition IN ('answered', 'abandoned') AND outcome = 'success')::DOUBLE
            / nullif(count(*) FILTER (WHERE disposition IN ('answered', 'abandoned')), 0) AS conversion_rate,
        count(*) FILTER (WHERE is_callback AND disposition IN ('answered', 'abandoned') AND outcome = 'success')::DOUBLE
            / nullif(count(*) FILTER (WHERE is_callback AND disposition IN ('answered', 'abandoned')), 0)
            AS callback_conversion_rate,
        count(*) FILTER (WHERE disposition = 'abandoned')::DOUBLE
            / nullif(count(*) FILTER (WHERE disposition IN ('answered', 'abandoned')), 0) AS abandon_rate_tsr,
        count(*) FILTER (WHERE disposition = 'abandoned')::DOUBLE AS a,
        count(*) FILTER (WHERE disposition = 'voicemail')::DOUBLE AS am,
        count(*) FILTER (WHERE disposition = 'answered')::DOUBLE AS l,
        count(*) FILTER (WHERE csat BETWEEN 4 AND 5)::DOUBLE
            / nullif(count(*) FILTER (WHERE csat BETWEEN 1 AND 5), 0) AS csat,
        100.0 * (count(*) FILTER (WHERE nps BETWEEN 9 AND 10) - count(*) FILTER (WHERE nps BETWEEN 0 AND 6))
            / nullif(count(*) FILTER (WHERE nps BETWEEN 0 AND 10), 0) AS nps
    FROM calls
    GROUP BY campaign_id
),
repeats AS (
    SELECT campaign_id, count(*) FILTER (WHERE n >= 2)::DOUBLE / count(*) AS repeat_rate
    FROM (SELECT campaign_id, customer_id, count(*) AS n FROM calls WHERE customer_id IS NOT NULL GROUP BY ALL)
    GROUP BY campaign_id
),
ofcom AS (
    SELECT *, a - CASE WHEN am + l = 0 THEN 0 ELSE a * am / (am + l) END AS d FROM per_campaign
)
SELECT
    o.campaign_id, attempts, connect_rate, avg_talk_s, aht_s, intent_accuracy, effective_rate,
    transfer_rate, reject_rate, early_hangup_rate, ban_rate, conversion_rate,
    callback_conversion_rate, abandon_rate_tsr, d / nullif(d + l, 0) AS abandon_rate_ofcom,
    csat, nps, repeat_rate
FROM ofcom o LEFT JOIN repeats r ON r.campaign_id = o.campaign_id
ORDER BY o.campaign_id;
