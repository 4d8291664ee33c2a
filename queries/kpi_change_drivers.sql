-- name: kpi_change_drivers
-- description: Why a rate moved: the change of the connect, conversion, abandon or transfer rate between two periods, split per segment (campaign, caller number, local hour, script or agent) into a mix effect and a rate effect that add up exactly to the total change.
-- columns: segment, base_denominator, base_rate, denominator, rate, base_share, share, mix_effect, rate_effect, effect, base_total_rate, total_rate, total_change, driver_rank
-- param kpi CHOICE(connect|conversion|abandon|transfer) = connect: The rate explained: connect_rate, conversion_rate, abandon_rate (TSR) or transfer_rate.
-- param dimension CHOICE(campaign|caller_number|hour|script|agent) = campaign: What a segment is: a campaign, an outbound display number, a local hour of day (00 … 23), a script or an agent (NULL: calls no agent handled).
-- param day DATE = NULL: Last day of the period explained (NULL: the latest day with calls).
-- param days BIGINT = 1: Days in each period (7: a week against the week before).
-- param base_day DATE = NULL: Last day of the period compared with (NULL: the day before the explained period starts).
-- param campaign VARCHAR = NULL: Only this campaign (NULL: all campaigns).
-- param tz VARCHAR = Asia/Shanghai: Time zone of the hours (dimension hour).
--
-- A day is the `dt` partition of the call, as in kpi_daily. Periods are the `days` days
-- ending on `day` and on `base_day`. The rates are those of the catalogue functions
-- (numerator / denominator):
--   connect     live (answered, abandoned) / attempts (non-NULL disposition)
--   conversion  live with outcome `success` / live with a known outcome
--   abandon     abandoned / live (the TSR rate)
--   transfer    answered and transferred / answered with a known transferred
-- so total_rate equals connect_rate(disposition) (and so on) over the period.
--
-- Shift-share decomposition. Segment i has share w = d_i / D of the period's denominator
-- and rate r = n_i / d_i; the total rate is R = Σ w·r. With 0 for the base period, 1 for
-- the explained one, r̄ = (r0 + r1) / 2 and R̄ = (R0 + R1) / 2:
--   mix_effect  = (w1 − w0) · (r̄ − R̄)     the segment's share moved
--   rate_effect = (r1 − r0) · (w0 + w1) / 2  its own rate moved
-- and Σ (mix_effect + rate_effect) = R1 − R0 exactly: Σ (w1 − w0) = 0, so centring on R̄
-- changes no sum, and makes a low-rate segment that grows count against the total. A
-- segment with no denominator in one period takes its other period's rate there (its
-- change is all mix: its arrival or departure). Effects are fractions of 1, like the
-- rates (−0.019 is −1.9 percentage points); they are NULL when a period has no
-- denominator at all. Rows are ordered by the size of the effect, largest first.
WITH scoped AS (
    SELECT
        dt,
        -- Searched CASEs on the parameters: the planner folds them to the one branch chosen,
        -- so the scan reads only that branch's columns (a simple `CASE $kpi WHEN …` it
        -- keeps, reading every branch's columns).
        CASE
            WHEN $dimension = 'campaign' THEN campaign_id
            WHEN $dimension = 'caller_number' THEN caller_number
            WHEN $dimension = 'hour' THEN lpad(CAST(local_hour(dialed_at, $tz) AS VARCHAR), 2, '0')
            WHEN $dimension = 'script' THEN script_id
            WHEN $dimension = 'agent' THEN agent_id
        END AS segment,
        CASE
            WHEN $kpi = 'connect' THEN disposition IS NOT NULL
            WHEN $kpi = 'transfer' THEN disposition = 'answered' AND transferred IS NOT NULL
            WHEN $kpi = 'conversion' THEN disposition IN ('answered', 'abandoned') AND outcome IS NOT NULL
            ELSE disposition IN ('answered', 'abandoned')
        END AS in_denominator,
        CASE
            WHEN $kpi = 'connect' THEN disposition IN ('answered', 'abandoned')
            WHEN $kpi = 'conversion' THEN disposition IN ('answered', 'abandoned') AND outcome = 'success'
            WHEN $kpi = 'abandon' THEN disposition = 'abandoned'
            WHEN $kpi = 'transfer' THEN disposition = 'answered' AND transferred
        END AS in_numerator
    FROM calls
    WHERE ($campaign IS NULL OR campaign_id = $campaign)
),
period AS (
    SELECT last_day - ($days - 1) AS first_day, last_day
    FROM (SELECT coalesce($day, max(dt)) AS last_day FROM scoped)
),
base AS (
    SELECT last_day - ($days - 1) AS first_day, last_day
    FROM (
        SELECT coalesce($base_day, first_day - 1) AS last_day FROM period
    )
),
-- The days of both periods, once each. Joined to the calls with the days on the build
-- side, their values reach the scan as a filter on `dt`, which skips the other days'
-- partitions (a filter on subquery values does not).
days AS (
    SELECT unnest(range(first_day, last_day + 1, INTERVAL '1 day')) AS day FROM period
    UNION
    SELECT unnest(range(first_day, last_day + 1, INTERVAL '1 day')) AS day FROM base
),
counted AS (
    SELECT
        segment,
        count(*) FILTER (WHERE in_base AND in_denominator) AS base_denominator,
        count(*) FILTER (WHERE in_base AND in_numerator) AS base_numerator,
        count(*) FILTER (WHERE in_period AND in_denominator) AS denominator,
        count(*) FILTER (WHERE in_period AND in_numerator) AS numerator
    FROM (
        SELECT
            segment,
            in_denominator,
            in_numerator,
            dt BETWEEN (SELECT first_day FROM base) AND (SELECT last_day FROM base) AS in_base,
            dt BETWEEN (SELECT first_day FROM period) AND (SELECT last_day FROM period) AS in_period
        FROM days
        JOIN scoped ON scoped.dt = days.day
    )
    GROUP BY segment
),
rated AS (
    SELECT
        segment,
        base_denominator,
        denominator,
        CAST(base_numerator AS DOUBLE) / nullif(base_denominator, 0) AS base_rate,
        CAST(numerator AS DOUBLE) / nullif(denominator, 0) AS rate,
        CAST(base_denominator AS DOUBLE) / nullif(sum(base_denominator) OVER (), 0) AS base_share,
        CAST(denominator AS DOUBLE) / nullif(sum(denominator) OVER (), 0) AS share,
        CAST(sum(base_numerator) OVER () AS DOUBLE) / nullif(sum(base_denominator) OVER (), 0)
            AS base_total_rate,
        CAST(sum(numerator) OVER () AS DOUBLE) / nullif(sum(denominator) OVER (), 0)
            AS total_rate
    FROM counted
),
effects AS (
    -- `+ 0.0` prints an effect of −0 (a zero times a negative) as 0.
    SELECT
        *,
        (share - base_share)
            * ((coalesce(base_rate, rate) + coalesce(rate, base_rate)) / 2
               - (base_total_rate + total_rate) / 2)
            + 0.0 AS mix_effect,
        (coalesce(rate, base_rate) - coalesce(base_rate, rate)) * (base_share + share) / 2
            + 0.0 AS rate_effect
    FROM rated
    WHERE base_denominator > 0 OR denominator > 0
)
SELECT
    segment,
    base_denominator,
    base_rate,
    denominator,
    rate,
    base_share,
    share,
    mix_effect,
    rate_effect,
    mix_effect + rate_effect AS effect,
    base_total_rate,
    total_rate,
    total_rate - base_total_rate AS total_change,
    row_number() OVER (ORDER BY abs(mix_effect + rate_effect) DESC NULLS LAST, segment) AS driver_rank
FROM effects
ORDER BY driver_rank;
