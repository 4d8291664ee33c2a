-- service_agents written out in DuckDB SQL (exact p90, so the check leaves it out).
WITH per_agent AS (
    SELECT
        agent_id,
        count(*) AS sessions,
        count(*) FILTER (WHERE transferred) AS transferred_in,
        count(*) FILTER (WHERE resolved)::DOUBLE / nullif(count(resolved), 0) AS resolution_rate,
        count(*) FILTER (WHERE resolved AND NOT reopened)::DOUBLE / nullif(count(*) FILTER (WHERE resolved IS NOT NULL AND reopened IS NOT NULL), 0) AS fcr_rate,
        avg(epoch_ms(resolved_at) - epoch_ms(started_at)) FILTER (WHERE resolved_at >= started_at) / 1000.0 AS ttr_s,
        quantile_disc((epoch_ms(resolved_at) - epoch_ms(started_at)) / 1000.0, 0.9) FILTER (WHERE resolved_at >= started_at) AS ttr_p90_s,
        count(*) FILTER (WHERE csat BETWEEN 4 AND 5)::DOUBLE / nullif(count(*) FILTER (WHERE csat BETWEEN 1 AND 5), 0) AS csat,
        100.0 * (count(*) FILTER (WHERE nps BETWEEN 9 AND 10) - count(*) FILTER (WHERE nps BETWEEN 0 AND 6))
            / nullif(count(*) FILTER (WHERE nps BETWEEN 0 AND 10), 0) AS nps,
        count(*) FILTER (WHERE stage = 'order')::DOUBLE / nullif(count(*) FILTER (WHERE stage IN ('lead', 'order')), 0) AS deal_conversion,
        count(*) FILTER (WHERE stage = 'order') AS orders,
        coalesce(sum(order_amount) FILTER (WHERE stage = 'order'), 0) AS revenue
    FROM sessions
    WHERE agent_id IS NOT NULL
    GROUP BY agent_id
)
SELECT
    p.agent_id, a.team, p.sessions, p.transferred_in, p.resolution_rate, p.fcr_rate,
    p.ttr_s, p.ttr_p90_s, p.csat, p.nps, p.deal_conversion, p.orders, p.revenue
FROM per_agent p
LEFT JOIN agents a ON a.agent_id = p.agent_id
WHERE p.sessions >= 1
ORDER BY p.sessions DESC, p.agent_id;
