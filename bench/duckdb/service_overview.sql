-- service_overview written out in DuckDB SQL. The quantiles are exact here
-- (quantile_disc) and approximate (within 1 %) in callsql, so the check leaves them out.
SELECT
    channel,
    dt AS day,
    count(*) AS sessions,
    count(first_response_at) AS answered,
    avg(epoch_ms(first_response_at) - epoch_ms(started_at)) FILTER (WHERE first_response_at >= started_at) / 1000.0 AS frt_s,
    quantile_disc((epoch_ms(first_response_at) - epoch_ms(started_at)) / 1000.0, 0.5) FILTER (WHERE first_response_at >= started_at) AS frt_p50_s,
    quantile_disc((epoch_ms(first_response_at) - epoch_ms(started_at)) / 1000.0, 0.9) FILTER (WHERE first_response_at >= started_at) AS frt_p90_s,
    avg(epoch_ms(resolved_at) - epoch_ms(started_at)) FILTER (WHERE resolved_at >= started_at) / 1000.0 AS ttr_s,
    quantile_disc((epoch_ms(resolved_at) - epoch_ms(started_at)) / 1000.0, 0.9) FILTER (WHERE resolved_at >= started_at) AS ttr_p90_s,
    count(*) FILTER (WHERE first_response_at >= started_at AND epoch_ms(first_response_at) - epoch_ms(started_at) <= 20000)::DOUBLE
        / nullif(count(*) FILTER (WHERE started_at IS NOT NULL AND NOT coalesce(first_response_at < started_at, false)), 0) AS answered_within,
    count(*) FILTER (WHERE bot_only AND resolved)::DOUBLE / nullif(count(*) FILTER (WHERE bot_only IS NOT NULL AND resolved IS NOT NULL), 0) AS automation_rate,
    count(*) FILTER (WHERE transferred)::DOUBLE / nullif(count(transferred), 0) AS intervention_rate,
    count(*) FILTER (WHERE resolved)::DOUBLE / nullif(count(resolved), 0) AS resolution_rate,
    count(*) FILTER (WHERE resolved AND NOT reopened)::DOUBLE / nullif(count(*) FILTER (WHERE resolved IS NOT NULL AND reopened IS NOT NULL), 0) AS fcr_rate,
    count(*) FILTER (WHERE stage IN ('consult', 'lead', 'order'))::DOUBLE / nullif(count(*) FILTER (WHERE stage IN ('visit', 'consult', 'lead', 'order')), 0) AS visitor_conversion,
    count(*) FILTER (WHERE stage IN ('lead', 'order'))::DOUBLE / nullif(count(*) FILTER (WHERE stage IN ('consult', 'lead', 'order')), 0) AS consult_conversion,
    count(*) FILTER (WHERE stage = 'order')::DOUBLE / nullif(count(*) FILTER (WHERE stage IN ('lead', 'order')), 0) AS deal_conversion,
    count(*) FILTER (WHERE stage = 'order') AS orders,
    coalesce(sum(order_amount) FILTER (WHERE stage = 'order'), 0) AS revenue,
    count(*) FILTER (WHERE csat BETWEEN 4 AND 5)::DOUBLE / nullif(count(*) FILTER (WHERE csat BETWEEN 1 AND 5), 0) AS csat,
    100.0 * (count(*) FILTER (WHERE nps BETWEEN 9 AND 10) - count(*) FILTER (WHERE nps BETWEEN 0 AND 6))
        / nullif(count(*) FILTER (WHERE nps BETWEEN 0 AND 10), 0) AS nps
FROM sessions
GROUP BY channel, dt
ORDER BY channel, dt;
