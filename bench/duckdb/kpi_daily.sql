-- kpi_daily written out in DuckDB SQL.
SELECT
    dt AS day,
    count(*) AS attempts,
    count(*) FILTER (WHERE disposition IN ('answered', 'abandoned'))::DOUBLE / nullif(count(disposition), 0) AS connect_rate,
    count(*) FILTER (WHERE disposition IN ('answered', 'abandoned') AND outcome = 'success')::DOUBLE
        / nullif(count(*) FILTER (WHERE disposition IN ('answered', 'abandoned')), 0) AS conversion_rate,
    count(*) FILTER (WHERE disposition = 'abandoned')::DOUBLE
        / nullif(count(*) FILTER (WHERE disposition IN ('answered', 'abandoned')), 0) AS abandon_rate,
    avg(talk_s) FILTER (WHERE disposition = 'answered') AS avg_talk_s,
    avg(coalesce(talk_s, 0) + coalesce(hold_s, 0) + coalesce(acw_s, 0)) FILTER (WHERE talk_s > 0) AS aht_s,
    count(*) FILTER (WHERE disposition = 'answered' AND is_effective)::DOUBLE
        / nullif(count(*) FILTER (WHERE disposition = 'answered'), 0) AS effective_rate,
    count(*) FILTER (WHERE disposition = 'answered' AND transferred)::DOUBLE
        / nullif(count(*) FILTER (WHERE disposition = 'answered'), 0) AS transfer_rate,
    count(*) FILTER (WHERE labeled_intent IS NOT NULL AND predicted_intent = labeled_intent)::DOUBLE
        / nullif(count(labeled_intent), 0) AS intent_accuracy,
    count(DISTINCT caller_number) FILTER (WHERE disposition = 'blocked')::DOUBLE
        / nullif(count(DISTINCT caller_number), 0) AS ban_rate,
    count(*) FILTER (WHERE disposition IN ('answered', 'abandoned') AND complaint)::DOUBLE
        / nullif(count(*) FILTER (WHERE disposition IN ('answered', 'abandoned')), 0) AS complaint_rate,
    count(*) FILTER (WHERE csat BETWEEN 4 AND 5)::DOUBLE / nullif(count(*) FILTER (WHERE csat BETWEEN 1 AND 5), 0) AS csat,
    100.0 * (count(*) FILTER (WHERE nps BETWEEN 9 AND 10) - count(*) FILTER (WHERE nps BETWEEN 0 AND 6))
        / nullif(count(*) FILTER (WHERE nps BETWEEN 0 AND 10), 0) AS nps,
    count(*) FILTER (WHERE outcome = 'success') AS successes,
    coalesce(sum(order_amount) FILTER (WHERE outcome = 'success'), 0) AS revenue
FROM calls
GROUP BY dt
ORDER BY dt;
