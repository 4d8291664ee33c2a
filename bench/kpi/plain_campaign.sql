-- The same definitions as udf_campaign.sql in plain DataFusion SQL; the distinct-key
-- KPIs need their own GROUP BY subqueries.
WITH kpis AS (
SELECT campaign_id,
  count(*) FILTER (WHERE disposition IN ('answered', 'abandoned'))::DOUBLE / NULLIF(count(disposition), 0) AS connect_rate,
  count(*) FILTER (WHERE disposition = 'rejected')::DOUBLE / NULLIF(count(disposition), 0) AS reject_rate,
  avg(talk_s) FILTER (WHERE disposition = 'answered') AS avg_talk_time,
  avg(talk_s + coalesce(hold_s, 0) + coalesce(acw_s, 0)) FILTER (WHERE talk_s > 0) AS aht,
  count(*) FILTER (WHERE labeled_intent IS NOT NULL AND predicted_intent = labeled_intent)::DOUBLE / NULLIF(count(labeled_intent), 0) AS intent_accuracy,
  count(*) FILTER (WHERE disposition = 'answered' AND is_effective)::DOUBLE / NULLIF(count(*) FILTER (WHERE disposition = 'answered'), 0) AS effective_rate,
  count(*) FILTER (WHERE disposition = 'answered' AND transferred)::DOUBLE / NULLIF(count(*) FILTER (WHERE disposition = 'answered'), 0) AS transfer_rate,
  count(*) FILTER (WHERE disposition = 'answered' AND hangup_by = 'callee' AND talk_s < 10)::DOUBLE / NULLIF(count(*) FILTER (WHERE disposition = 'answered'), 0) AS early_hangup_rate,
  count(*) FILTER (WHERE disposition IN ('answered', 'abandoned') AND outcome = 'success')::DOUBLE / NULLIF(count(*) FILTER (WHERE disposition IN ('answered', 'abandoned')), 0) AS conversion_rate,
  count(*) FILTER (WHERE is_callback AND disposition IN ('answered', 'abandoned') AND outcome = 'success')::DOUBLE / NULLIF(count(*) FILTER (WHERE is_callback AND disposition IN ('answered', 'abandoned')), 0) AS callback_conversion_rate,
  count(*) FILTER (WHERE disposition = 'abandoned')::DOUBLE / NULLIF(count(*) FILTER (WHERE disposition IN ('answered', 'abandoned')), 0) AS abandon_tsr,
  count(*) FILTER (WHERE disposition = 'abandoned')::DOUBLE AS a,
  count(*) FILTER (WHERE disposition = 'voicemail')::DOUBLE AS am,
  count(*) FILTER (WHERE disposition = 'answered')::DOUBLE AS l,
  count(*) FILTER (WHERE csat BETWEEN 4 AND 5)::DOUBLE / NULLIF(count(*) FILTER (WHERE csat BETWEEN 1 AND 5), 0) AS csat,
  100.0 * (count(*) FILTER (WHERE nps BETWEEN 9 AND 10) - count(*) FILTER (WHERE nps BETWEEN 0 AND 6)) / NULLIF(count(*) FILTER (WHERE nps BETWEEN 0 AND 10), 0) AS nps
FROM calls GROUP BY campaign_id),
bans AS (
  SELECT campaign_id, count(*) FILTER (WHERE blocked)::DOUBLE / count(*) AS ban_rate
  FROM (SELECT campaign_id, caller_number, bool_or(disposition = 'blocked') AS blocked
        FROM calls WHERE caller_number IS NOT NULL GROUP BY campaign_id, caller_number)
  GROUP BY campaign_id),
repeats AS (
  SELECT campaign_id, count(*) FILTER (WHERE n >= 2)::DOUBLE / count(*) AS repeat_rate
  FROM (SELECT campaign_id, customer_id, count(*) AS n FROM calls WHERE customer_id IS NOT NULL GROUP BY 1, 2)
  GROUP BY campaign_id)
SELECT k.campaign_id, connect_rate, reject_rate, avg_talk_time, aht, intent_accuracy, effective_rate,
  transfer_rate, early_hangup_rate, conversion_rate, callback_conversion_rate, abandon_tsr,
  (a - CASE WHEN am + l = 0 THEN 0 ELSE a * am / (am + l) END)
    / NULLIF(a - CASE WHEN am + l = 0 THEN 0 ELSE a * am / (am + l) END + l, 0) AS abandon_ofcom,
  csat, nps, ban_rate, repeat_rate
FROM kpis k LEFT JOIN bans USING (campaign_id) LEFT JOIN repeats USING (campaign_id)
ORDER BY k.campaign_id
