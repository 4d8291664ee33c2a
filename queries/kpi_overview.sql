-- name: kpi_overview
-- description: Every call KPI per campaign: attempts, connect, talk time, AHT, intent accuracy, effective, transfer, reject, early hang-up, ban, conversion, callback conversion, abandon, CSAT, NPS and repeat dialling.
-- columns: campaign_id, attempts, connect_rate, avg_talk_s, aht_s, intent_accuracy, effective_rate, transfer_rate, reject_rate, early_hangup_rate, ban_rate, conversion_rate, callback_conversion_rate, abandon_rate_tsr, abandon_rate_ofcom, csat, nps, repeat_rate
-- param since DATE = NULL: Only calls on or after this day (NULL: from the start).
-- param until DATE = NULL: Only calls on or before this day (NULL: to the end).
-- param early_hangup_s DOUBLE = 10: A callee hang-up with less talk than this is an early hang-up.
--
-- Each column is one catalogue function (`\df connect_rate` and so on gives its exact
-- numerator, denominator and NULL handling). Rates are fractions; NULL means the
-- campaign had no row in that rate's denominator. repeat_rate is the share of the
-- campaign's customers dialled more than once.
SELECT
    campaign_id,
    count(*) AS attempts,
    connect_rate(disposition) AS connect_rate,
    avg_talk_time(talk_s, disposition) AS avg_talk_s,
    aht(talk_s, hold_s, acw_s) AS aht_s,
    intent_accuracy(predicted_intent, labeled_intent) AS intent_accuracy,
    effective_rate(disposition, is_effective) AS effective_rate,
    transfer_rate(disposition, transferred) AS transfer_rate,
    reject_rate(disposition) AS reject_rate,
    early_hangup_rate(disposition, hangup_by, talk_s, $early_hangup_s) AS early_hangup_rate,
    ban_rate(caller_number, disposition) AS ban_rate,
    conversion_rate(disposition, outcome) AS conversion_rate,
    callback_conversion_rate(is_callback, disposition, outcome) AS callback_conversion_rate,
    abandon_rate(disposition, 'tsr') AS abandon_rate_tsr,
    abandon_rate(disposition, 'ofcom') AS abandon_rate_ofcom,
    csat(csat) AS csat,
    nps(nps) AS nps,
    repeat_rate(customer_id) AS repeat_rate
FROM calls
WHERE ($since IS NULL OR dt >= $since) AND ($until IS NULL OR dt <= $until)
GROUP BY campaign_id
ORDER BY campaign_id;
