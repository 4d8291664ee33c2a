-- name: service_overview
-- description: The service desk (智能客服) per channel and day: sessions, first response and resolution times with p50/p90, answered-within share, automation, intervention, resolution, first-contact resolution, the conversion ladder, CSAT and NPS.
-- columns: channel, day, sessions, answered, frt_s, frt_p50_s, frt_p90_s, ttr_s, ttr_p90_s, answered_within, automation_rate, intervention_rate, resolution_rate, fcr_rate, visitor_conversion, consult_conversion, deal_conversion, orders, revenue, csat, nps
-- param channel VARCHAR = NULL: Only this channel (NULL: every channel).
-- param since DATE = NULL: First day (NULL: from the start).
-- param until DATE = NULL: Last day (NULL: to the end).
-- param target_s DOUBLE = 20: The answered_within target in seconds (the 80/20 standard's 20 s).
--
-- A day is the `dt` partition of the session (the local calendar day it started). Every
-- column is a catalogue function (`\df frt`, `\df answered_within_rate`, …): the
-- quantiles are within 1 % of the exact value; answered_within counts unanswered
-- sessions against the rate; the ladder is visitor → consult (访客转化率), consult → lead
-- (咨询转化率), lead → order (成交转化率).
SELECT
    channel,
    dt AS day,
    count(*) AS sessions,
    count(first_response_at) AS answered,
    frt(started_at, first_response_at) AS frt_s,
    frt_quantile(started_at, first_response_at, 0.5) AS frt_p50_s,
    frt_quantile(started_at, first_response_at, 0.9) AS frt_p90_s,
    ttr(started_at, resolved_at) AS ttr_s,
    ttr_quantile(started_at, resolved_at, 0.9) AS ttr_p90_s,
    answered_within_rate(started_at, first_response_at, $target_s) AS answered_within,
    automation_rate(bot_only, resolved) AS automation_rate,
    intervention_rate(transferred) AS intervention_rate,
    resolution_rate(resolved) AS resolution_rate,
    fcr_rate(resolved, reopened) AS fcr_rate,
    stage_rate(stage, 'visit', 'consult') AS visitor_conversion,
    stage_rate(stage, 'consult', 'lead') AS consult_conversion,
    stage_rate(stage, 'lead', 'order') AS deal_conversion,
    count(*) FILTER (WHERE stage = 'order') AS orders,
    coalesce(CAST(sum(CAST(order_amount AS DECIMAL(18, 2))) FILTER (WHERE stage = 'order') AS DOUBLE), 0) AS revenue,
    csat(csat) AS csat,
    nps(nps) AS nps
FROM sessions
WHERE ($channel IS NULL OR channel = $channel)
  AND ($since IS NULL OR dt >= $since)
  AND ($until IS NULL OR dt <= $until)
GROUP BY channel, dt
ORDER BY channel, dt;
