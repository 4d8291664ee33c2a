-- agent_performance written out in DuckDB SQL; conversion_lower is the 95 % Wilson bound.
-- Unknown (NULL) outcomes, transfers and complaints are in no denominator.
WITH per_agent AS (
    SELECT
        agent_id,
        count(*) AS calls,
        count(*) FILTER (WHERE disposition = 'answered') AS answered,
        count(*) FILTER (WHERE disposition IN ('answered', 'abandoned') AND outcome IS NOT NULL) AS live,
        CASE WHEN count(outcome) > 0
            THEN count(*) FILTER (WHERE outcome = 'success' AND disposition IN ('answered', 'abandoned')) END AS successes,
        sum(talk_s) / 3600.0 AS talk_hours,
        avg(coalesce(talk_s, 0) + coalesce(hold_s, 0) + coalesce(acw_s, 0)) FILTER (WHERE talk_s > 0) AS aht_s,
        avg(talk_s) FILTER (WHERE disposition = 'answered') AS avg_talk_s,
        count(*) FILTER (WHERE disposition IN ('answered', 'abandoned') AND outcome = 'success')::DOUBLE
            / nullif(count(*) FILTER (WHERE disposition IN ('answered', 'abandoned') AND outcome IS NOT NULL), 0) AS conversion_rate,
        count(*) FILTER (WHERE disposition = 'answered' AND transferred)::DOUBLE
            / nullif(count(*) FILTER (WHERE disposition = 'answered' AND transferred IS NOT NULL), 0) AS transfer_share,
        CASE WHEN count(outcome) > 0 THEN coalesce(sum(order_amount) FILTER (WHERE outcome = 'success'), 0) END AS revenue,
        count(*) FILTER (WHERE csat BETWEEN 4 AND 5)::DOUBLE / nullif(count(*) FILTER (WHERE csat BETWEEN 1 AND 5), 0) AS csat,
        count(*) FILTER (WHERE complaint)::DOUBLE / nullif(count(complaint), 0) AS complaint_rate
    FROM calls
    WHERE agent_id IS NOT NULL
    GROUP BY agent_id
),
wilson AS (SELECT *, 1.959963984540054 AS z, successes::DOUBLE / nullif(live, 0) AS p FROM per_agent)
SELECT
    w.agent_id, a.team, calls, answered, talk_hours, aht_s, avg_talk_s, successes, conversion_rate,
    (p + z * z / (2 * live) - z * sqrt(p * (1 - p) / live + z * z / (4 * live * live))) / (1 + z * z / live) AS conversion_lower,
    transfer_share, revenue, csat, complaint_rate
FROM wilson w LEFT JOIN agents a ON a.agent_id = w.agent_id
ORDER BY revenue DESC NULLS LAST, w.agent_id;
