-- name: number_health
-- description: Per outbound caller number: attempts, blocked share, reject, complaint and DNC-request rates, first blocked time, and a status to act on.
-- columns: caller_number, attempts, campaigns, connect_rate, blocked_share, reject_rate, complaint_rate, dnc_request_rate, first_blocked_at, last_used_at, status
-- param since DATE = NULL: First day counted (NULL: from the start).
-- param until DATE = NULL: Last day counted (NULL: to the end).
-- param complaint_alert DOUBLE = 0.03: Complaint rate (per live call) from which a number is at risk.
-- param dnc_alert DOUBLE = 0.04: DNC-request rate (per live call) from which a number is at risk.
--
-- Carriers block a display number (外显号码) that collects complaints and rejections;
-- after that every attempt from it is wasted. status: 'blocked' once any attempt was
-- blocked, 'at risk' when its complaint or DNC-request rate reaches the alert level (the
-- warning before a block), else 'ok'. Complaint and DNC-request rates are per live call
-- (only a person who picked up can complain) whose flag is known, as `\df complaint_rate`
-- says: NULL where the source records none. The blocked share is per attempt.
WITH per_number AS (
    SELECT
        caller_number,
        count(*) AS attempts,
        count(DISTINCT campaign_id) AS campaigns,
        connect_rate(disposition) AS connect_rate,
        reject_rate(disposition) AS reject_rate,
        count(*) FILTER (WHERE disposition = 'blocked') AS blocked,
        count(*) FILTER (WHERE complaint AND disposition IN ('answered', 'abandoned')) AS complaints,
        count(*) FILTER (WHERE dnc_requested AND disposition IN ('answered', 'abandoned')) AS dnc_requests,
        complaint_rate(disposition, complaint) AS complaint_rate,
        dnc_request_rate(disposition, dnc_requested) AS dnc_request_rate,
        min(dialed_at) FILTER (WHERE disposition = 'blocked') AS first_blocked_at,
        max(dialed_at) AS last_used_at
    FROM calls
    WHERE caller_number IS NOT NULL
      AND ($since IS NULL OR dt >= $since) AND ($until IS NULL OR dt <= $until)
    GROUP BY caller_number
),
rated AS (
    SELECT
        *,
        CAST(blocked AS DOUBLE) / attempts AS blocked_share
    FROM per_number
)
SELECT
    caller_number,
    attempts,
    campaigns,
    connect_rate,
    blocked_share,
    reject_rate,
    complaint_rate,
    dnc_request_rate,
    first_blocked_at,
    last_used_at,
    CASE
        WHEN blocked > 0 THEN 'blocked'
        WHEN complaints > 0 AND complaint_rate >= $complaint_alert THEN 'at risk'
        WHEN dnc_requests > 0 AND dnc_request_rate >= $dnc_alert THEN 'at risk'
        ELSE 'ok'
    END AS status
FROM rated
ORDER BY
    CASE status WHEN 'blocked' THEN 0 WHEN 'at risk' THEN 1 ELSE 2 END,
    blocked_share DESC, complaint_rate DESC NULLS LAST, caller_number;
