-- abandon_compliance in DuckDB: abandon_rate's two regimes written out from DESIGN.md
-- over the same sliding windows (TSR: abandoned / (answered + abandoned) over 30 days;
-- Ofcom: D = A - A*AM/(AM + L), D / (D + L) over 24 hours).
WITH per_call AS (
    SELECT
        campaign_id,
        dt,
        sum(CASE WHEN disposition = 'abandoned' THEN 1 ELSE 0 END) OVER month_window AS a30,
        sum(CASE WHEN disposition = 'answered' THEN 1 ELSE 0 END) OVER month_window AS l30,
        sum(CASE WHEN disposition = 'abandoned' THEN 1 ELSE 0 END) OVER day_window AS a24,
        sum(CASE WHEN disposition = 'voicemail' THEN 1 ELSE 0 END) OVER day_window AS am24,
        sum(CASE WHEN disposition = 'answered' THEN 1 ELSE 0 END) OVER day_window AS l24,
        row_number() OVER (PARTITION BY campaign_id, dt ORDER BY dialed_at DESC, call_id DESC) AS from_day_end
    FROM calls
    WINDOW
        month_window AS (PARTITION BY campaign_id ORDER BY dialed_at
                         RANGE BETWEEN INTERVAL 30 DAYS PRECEDING AND CURRENT ROW),
        day_window AS (PARTITION BY campaign_id ORDER BY dialed_at
                       RANGE BETWEEN INTERVAL 24 HOURS PRECEDING AND CURRENT ROW)
),
rates AS (
    SELECT
        campaign_id,
        dt,
        CAST(a30 AS DOUBLE) / nullif(a30 + l30, 0) AS tsr_rate_30d,
        a24 - a24 * CASE WHEN am24 + l24 = 0 THEN 0 ELSE CAST(am24 AS DOUBLE) / (am24 + l24) END AS d24,
        l24
    FROM per_call
    WHERE from_day_end = 1
)
SELECT
    campaign_id,
    dt,
    tsr_rate_30d,
    tsr_rate_30d > 0.03 AS tsr_over_limit,
    d24 / nullif(d24 + l24, 0) AS ofcom_rate_24h,
    d24 / nullif(d24 + l24, 0) > 0.03 AS ofcom_over_limit
FROM rates
ORDER BY campaign_id, dt;
