-- The same definitions as udf_customer.sql in plain DataFusion SQL.
SELECT count(*), sum(connect_rate), sum(aht), sum(conversion_rate),
  sum((a - CASE WHEN am + l = 0 THEN 0 ELSE a * am / (am + l) END)
    / NULLIF(a - CASE WHEN am + l = 0 THEN 0 ELSE a * am / (am + l) END + l, 0)) FROM (
SELECT customer_id,
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
FROM calls GROUP BY customer_id)
