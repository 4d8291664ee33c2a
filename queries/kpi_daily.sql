-- name: kpi_daily
-- description: The daily trend of the headline KPIs: attempts, connect, conversion, abandon, talk time, AHT, effective, transfer, intent accuracy, ban and complaint rates, CSAT, NPS and revenue, per calendar day.
-- columns: day, attempts, connect_rate, conversion_rate, abandon_rate, avg_talk_s, aht_s, effective_rate, transfer_rate, intent_accuracy, ban_rate, complaint_rate, csat, nps, successes, revenue
-- param campaign VARCHAR = NULL: Only this campaign (NULL: all campaigns together).
-- param since DATE = NULL: First day (NULL: from the start).
-- param until DATE = NULL: Last day (NULL: to the end).
--
-- A day is the `dt` partition of the call (the dialler's calendar day). The rates are the
-- catalogue functions, so each day's numbers equal kpi_overview's over that day alone.
-- successes and revenue are NULL on a day whose calls have no known outcome (a switch log
-- that records none), not 0. Revenue is summed in cents as a decimal: exact, so the same
-- every run.
SELECT
    dt AS day,
    count(*) AS attempts,
    connect_rate(disposition) AS connect_rate,
    conversion_rate(disposition, outcome) AS conversion_rate,
    abandon_rate(disposition) AS abandon_rate,
    avg_talk_time(talk_s, disposition) AS avg_talk_s,
    aht(talk_s, hold_s, acw_s) AS aht_s,
    effective_rate(disposition, is_effective) AS effective_rate,
    transfer_rate(disposition, transferred) AS transfer_rate,
    intent_accuracy(predicted_intent, labeled_intent) AS intent_accuracy,
    ban_rate(caller_number, disposition) AS ban_rate,
    complaint_rate(disposition, complaint) AS complaint_rate,
    csat(csat) AS csat,
    nps(nps) AS nps,
    CASE WHEN count(outcome) > 0 THEN count(*) FILTER (WHERE outcome = 'success') END AS successes,
    CASE WHEN count(outcome) > 0
        THEN coalesce(CAST(sum(CAST(order_amount AS DECIMAL(18, 2))) FILTER (WHERE outcome = 'success') AS DOUBLE), 0) END AS revenue
FROM calls
WHERE ($campaign IS NULL OR campaign_id = $campaign)
  AND ($since IS NULL OR dt >= $since)
  AND ($until IS NULL OR dt <= $until)
GROUP BY dt
ORDER BY dt;
