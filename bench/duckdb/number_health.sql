-- number_health in DuckDB, with its default parameters (all days, complaint alert 0.03,
-- DNC-request alert 0.04); connect_rate = (answered + abandoned) / non-NULL dispositions,
-- reject_rate = rejected / non-NULL dispositions, as documented (`callsql functions reject_rate`).
WITH per_number AS (
    SELECT
        caller_number,
        count(*) AS attempts,
        count(DISTINCT campaign_id) AS campaigns,
        count(*) FILTER (WHERE disposition IN ('answered', 'abandoned'))::DOUBLE
            / nullif(count(disposition), 0) AS connect_rate,
        count(*) FILTER (WHERE disposition = 'rejected')::DOUBLE
            / nullif(count(disposition), 0) AS reject_rate,
        count(*) FILTER (WHERE disposition = 'blocked') AS blocked,
        count(*) FILTER (WHERE disposition IN ('answered', 'abandoned')) AS live,
        count(*) FILTER (WHERE complaint AND disposition IN ('answered', 'abandoned')) AS complaints,
        count(*) FILTER (WHERE dnc_requested AND disposition IN ('answered', 'abandoned')) AS dnc_requests,
        min(dialed_at) FILTER (WHERE disposition = 'blocked') AS first_blocked_at,
        max(dialed_at) AS last_used_at
    FROM calls
    WHERE caller_number IS NOT NULL
    GROUP BY caller_number
),
rated AS (
    SELECT
        *,
        blocked::DOUBLE / attempts AS blocked_share,
        complaints::DOUBLE / nullif(live, 0) AS complaint_rate,
        dnc_requests::DOUBLE / nullif(live, 0) AS dnc_request_rate
    FROM per_number
)
SELECT
    caller_number, attempts, campaigns, connect_rate, blocked_share, reject_rate,
    complaint_rate, dnc_request_rate, first_blocked_at, last_used_at,
    CASE
        WHEN blocked > 0 THEN 'blocked'
        WHEN complaints > 0 AND complaint_rate >= 0.03 THEN 'at risk'
        WHEN dnc_requests > 0 AND dnc_request_rate >= 0.04 THEN 'at risk'
        ELSE 'ok'
    END AS status
FROM rated
ORDER BY caller_number;
