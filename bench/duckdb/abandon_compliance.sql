-- abandon_compliance in DuckDB: abandon_rate's two regimes written out from the functions' documentation over
-- the same calendar-day windows of per-campaign daily counts (TSR: abandoned / (answered +
-- abandoned) over the 30 days ending on each day; Ofcom: D = A - A*AM/(AM + L), D / (D + L)
-- over the day).
WITH daily AS (
    SELECT
        campaign_id,
        dt,
        count(*) FILTER (WHERE disposition = 'abandoned') AS a,
        count(*) FILTER (WHERE disposition = 'answered') AS l,
        count(*) FILTER (WHERE disposition = 'voicemail') AS am
    FROM calls
    GROUP BY campaign_id, dt
),
rolling AS (
    SELECT
        campaign_id,
        dt,
        CAST(sum(a) OVER last_30_days AS DOUBLE) / nullif(sum(a + l) OVER last_30_days, 0) AS tsr_rate_30d,
        a - a * CASE WHEN am + l = 0 THEN 0 ELSE CAST(am AS DOUBLE) / (am + l) END AS d,
        l
    FROM daily
    WINDOW last_30_days AS (PARTITION BY campaign_id ORDER BY dt
                            RANGE BETWEEN INTERVAL 29 DAYS PRECEDING AND CURRENT ROW)
)
SELECT
    campaign_id,
    dt,
    tsr_rate_30d,
    tsr_rate_30d > 0.03 AS tsr_over_limit,
    d / nullif(d + l, 0) AS ofcom_rate_24h,
    d / nullif(d + l, 0) > 0.03 AS ofcom_over_limit
FROM rolling
ORDER BY campaign_id, dt;
