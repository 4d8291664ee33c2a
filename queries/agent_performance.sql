-- name: agent_performance
-- description: Per human agent: calls handled, talk hours, AHT, conversion, transfer share, CSAT and complaints, with the agent's team.
-- columns: agent_id, team, calls, answered, talk_hours, aht_s, avg_talk_s, successes, conversion_rate, conversion_lower, transfer_share, revenue, csat, complaint_rate
-- param since DATE = NULL: First day (NULL: from the start).
-- param until DATE = NULL: Last day (NULL: to the end).
-- param min_calls BIGINT = 1: Agents with fewer handled calls are left out.
--
-- An agent's calls are the rows carrying their agent_id. transfer_share is the share of
-- the agent's answered calls that reached them as a hand-off from the bot (transferred),
-- the rest being their own dialling. conversion_rate is `success` over live calls, as
-- `\df conversion_rate` defines it; its Wilson lower bound (95 %) keeps agents with few
-- calls from topping the table on luck. complaint_rate is complaints over the agent's calls
-- whose complaint flag is known. Where the source records no outcome (or no complaint),
-- successes, revenue and the rates over them are NULL, not 0. Talk time and revenue are
-- summed as decimals (to the millisecond and the cent): exact, so the same every run.
WITH per_agent AS (
    SELECT
        agent_id,
        count(*) AS calls,
        count(*) FILTER (WHERE disposition = 'answered') AS answered,
        count(*) FILTER (WHERE disposition IN ('answered', 'abandoned')) AS live,
        count(*) FILTER (WHERE disposition IN ('answered', 'abandoned') AND outcome IS NOT NULL) AS live_known,
        CASE WHEN count(outcome) > 0 THEN
            count(*) FILTER (WHERE outcome = 'success' AND disposition IN ('answered', 'abandoned')) END AS successes,
        CAST(sum(CAST(talk_s AS DECIMAL(18, 3))) AS DOUBLE) / 3600.0 AS talk_hours,
        aht(talk_s, hold_s, acw_s) AS aht_s,
        avg_talk_time(talk_s, disposition) AS avg_talk_s,
        conversion_rate(disposition, outcome) AS conversion_rate,
        transfer_rate(disposition, transferred) AS transfer_share,
        CASE WHEN count(outcome) > 0
            THEN coalesce(CAST(sum(CAST(order_amount AS DECIMAL(18, 2))) FILTER (WHERE outcome = 'success') AS DOUBLE), 0) END AS revenue,
        csat(csat) AS csat,
        CAST(count(*) FILTER (WHERE complaint) AS DOUBLE) / nullif(count(complaint), 0) AS complaint_rate
    FROM calls
    WHERE agent_id IS NOT NULL
      AND ($since IS NULL OR dt >= $since)
      AND ($until IS NULL OR dt <= $until)
    GROUP BY agent_id
)
SELECT
    p.agent_id,
    a.team,
    p.calls,
    p.answered,
    p.talk_hours,
    p.aht_s,
    p.avg_talk_s,
    p.successes,
    p.conversion_rate,
    wilson_lower(p.successes, p.live_known) AS conversion_lower,
    p.transfer_share,
    p.revenue,
    p.csat,
    p.complaint_rate
FROM per_agent p
LEFT JOIN agents a ON a.agent_id = p.agent_id
WHERE p.calls >= $min_calls
ORDER BY p.revenue DESC NULLS LAST, p.agent_id;
