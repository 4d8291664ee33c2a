-- Every seed KPI per campaign with callsql's aggregates.
SELECT campaign_id,
  connect_rate(disposition), reject_rate(disposition),
  avg_talk_time(talk_s, disposition), aht(talk_s, hold_s, acw_s),
  intent_accuracy(predicted_intent, labeled_intent),
  effective_rate(disposition, is_effective), transfer_rate(disposition, transferred),
  early_hangup_rate(disposition, hangup_by, talk_s),
  conversion_rate(disposition, outcome),
  callback_conversion_rate(is_callback, disposition, outcome),
  abandon_rate(disposition), abandon_rate(disposition, 'ofcom'),
  csat(csat), nps(nps),
  ban_rate(caller_number, disposition), repeat_rate(customer_id)
FROM calls GROUP BY campaign_id ORDER BY campaign_id
