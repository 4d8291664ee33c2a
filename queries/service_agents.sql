-- name: service_agents
-- description: Per service agent (人工坐席): sessions handled, hand-offs from the bot, resolution, first-contact resolution, time to resolution, CSAT, NPS and the deals closed, with the agent's team.
-- columns: agent_id, team, sessions, transferred_in, resolution_rate, fcr_rate, ttr_s, ttr_p90_s, csat, nps, deal_conversion, orders, revenue
-- param since DATE = NULL: First day (NULL: from the start).
-- param until DATE = NULL: Last day (NULL: to the end).
-- param min_sessions BIGINT = 1: Agents with fewer sessions are left out.
--
-- An agent's sessions are the rows carrying their agent_id (a human joined);
-- transferred_in counts those the bot handed over. The team comes from `agents` when the
-- table is there (NULL for an agent it does not list).
WITH per_agent AS (
    SELECT
        agent_id,
        count(*) AS sessions,
        count(*) FILTER (WHERE transferred) AS transferred_in,
        resolution_rate(resolved) AS resolution_rate,
        fcr_rate(resolved, reopened) AS fcr_rate,
        ttr(started_at, resolved_at) AS ttr_s,
        ttr_quantile(started_at, resolved_at, 0.9) AS ttr_p90_s,
        csat(csat) AS csat,
        nps(nps) AS nps,
        stage_rate(stage, 'lead', 'order') AS deal_conversion,
        count(*) FILTER (WHERE stage = 'order') AS orders,
        coalesce(CAST(sum(CAST(order_amount AS DECIMAL(18, 2))) FILTER (WHERE stage = 'order') AS DOUBLE), 0) AS revenue
    FROM sessions
    WHERE agent_id IS NOT NULL
      AND ($since IS NULL OR dt >= $since)
      AND ($until IS NULL OR dt <= $until)
    GROUP BY agent_id
)
SELECT
    p.agent_id, a.team, p.sessions, p.transferred_in, p.resolution_rate, p.fcr_rate,
    p.ttr_s, p.ttr_p90_s, p.csat, p.nps, p.deal_conversion, p.orders, p.revenue
FROM per_agent p
LEFT JOIN agents a ON a.agent_id = p.agent_id
WHERE p.sessions >= $min_sessions
ORDER BY p.sessions DESC, p.agent_id;
