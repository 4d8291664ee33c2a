-- name: abandon_compliance
-- description: Abandoned-call rate per campaign at the end of each day, over the rolling 30 days the US TSR uses and the 24 hours Ofcom uses, flagged above the 3% limit.
-- columns: campaign_id, dt, tsr_rate_30d, tsr_over_limit, ofcom_rate_24h, ofcom_over_limit
--
-- US Telemarketing Sales Rule, 16 CFR 310.4(b)(4): abandoned calls may not exceed 3% of
-- live calls per campaign over a 30-day period. Ofcom (UK) persistent-misuse policy:
-- at most 3% per campaign over 24 hours, with answer-machine detections netted out (see
-- `\df abandon_rate`). Both are evaluated at each day's last call of the campaign, over
-- the calls of the preceding window (inclusive), as sliding window aggregates: one pass
-- per campaign, no self-join.
WITH per_call AS (
    SELECT
        campaign_id,
        dt,
        abandon_rate(disposition, 'tsr') OVER (
            PARTITION BY campaign_id ORDER BY dialed_at
            RANGE BETWEEN INTERVAL '30 days' PRECEDING AND CURRENT ROW
        ) AS tsr_rate_30d,
        abandon_rate(disposition, 'ofcom') OVER (
            PARTITION BY campaign_id ORDER BY dialed_at
            RANGE BETWEEN INTERVAL '24 hours' PRECEDING AND CURRENT ROW
        ) AS ofcom_rate_24h,
        row_number() OVER (PARTITION BY campaign_id, dt ORDER BY dialed_at DESC, call_id DESC) AS from_day_end
    FROM calls
)
SELECT
    campaign_id,
    dt,
    tsr_rate_30d,
    tsr_rate_30d > 0.03 AS tsr_over_limit,
    ofcom_rate_24h,
    ofcom_rate_24h > 0.03 AS ofcom_over_limit
FROM per_call
WHERE from_day_end = 1
ORDER BY campaign_id, dt;
