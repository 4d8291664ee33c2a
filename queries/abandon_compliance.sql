-- name: abandon_compliance
-- description: Abandoned-call rate per campaign and day, over the 30 calendar days ending that day (US TSR) and over the day itself (Ofcom), flagged above the 3% limit.
-- columns: campaign_id, dt, tsr_rate_30d, tsr_over_limit, ofcom_rate_24h, ofcom_over_limit
--
-- US Telemarketing Sales Rule, 16 CFR 310.4(b)(4): abandoned calls may not exceed 3% of
-- live calls per campaign over a 30-day period. Ofcom (UK) persistent-misuse policy:
-- at most 3% per campaign over 24 hours, with answer-machine detections netted out (see
-- `\df abandon_rate`). Both are evaluated over calendar days (`dt`, the local day of the
-- campaign's calls), as the rules are applied in practice: TSR over the 30 days ending on
-- each day (that day and the 29 before it), Ofcom over each single day. The windows run
-- over per-campaign daily counts, so the query is linear in the number of calls.
WITH daily AS (
    SELECT
        campaign_id,
        dt,
        count(*) FILTER (WHERE disposition = 'abandoned') AS abandoned,
        count(*) FILTER (WHERE disposition IN ('answered', 'abandoned')) AS live,
        abandon_rate(disposition, 'ofcom') AS ofcom_rate_24h
    FROM calls
    GROUP BY campaign_id, dt
),
rolling AS (
    SELECT
        campaign_id,
        dt,
        CAST(sum(abandoned) OVER last_30_days AS DOUBLE)
            / nullif(sum(live) OVER last_30_days, 0) AS tsr_rate_30d,
        ofcom_rate_24h
    FROM daily
    WINDOW last_30_days AS (
        PARTITION BY campaign_id ORDER BY dt
        RANGE BETWEEN INTERVAL '29 days' PRECEDING AND CURRENT ROW
    )
)
SELECT
    campaign_id,
    dt,
    tsr_rate_30d,
    tsr_rate_30d > 0.03 AS tsr_over_limit,
    ofcom_rate_24h,
    ofcom_rate_24h > 0.03 AS ofcom_over_limit
FROM rolling
ORDER BY campaign_id, dt;
