-- The count and mean KPIs per customer (millions of groups) with callsql's aggregates.
SELECT count(*), sum(connect_rate), sum(aht), sum(conversion_rate), sum(abandon_ofcom) FROM (
SELECT customer_id,
  connect_rate(disposition) AS connect_rate, reject_rate(disposition) AS reject_rate,
  avg_talk_time(talk_s, disposition) AS avg_talk_time, aht(talk_s, hold_s, acw_s) AS aht,
  intent_accuracy(predicted_intent, labeled_intent) AS intent_accuracy,
  effective_rate(disposition, is_effective) AS effective_rate,
  transfer_rate(disposition, transferred) AS transfer_rate,
  early_hangup_rate(disposition, hangup_by, talk_s) AS early_hangup_rate,
  conversion_rate(disposition, outcome) AS conversion_rate,
  callback_conversion_rate(is_callback, disposition, outcome) AS callback_conversion_rate,
  abandon_rate(disposition) AS abandon_tsr, abandon_rate(disposition, 'ofcom') AS abandon_ofcom,
  csat(csat) AS csat, nps(nps) AS nps
FROM calls GROUP BY customer_id)
