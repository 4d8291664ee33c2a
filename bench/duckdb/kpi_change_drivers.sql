-- kpi_change_drivers written out in DuckDB SQL with the canned query's defaults: the connect
-- rate (live / attempts) of the latest day against the day before, by campaign, split into
-- mix and rate effects centred on the mean of the two total rates.
WITH bounds AS (SELECT max(dt) AS last_day, max(dt) - 1 AS base_day FROM calls),
counted AS (
    SELECT
        campaign_id AS segment,
        count(*) FILTER (WHERE dt = (SELECT base_day FROM bounds) AND disposition IS NOT NULL) AS base_denominator,
        count(*) FILTER (WHERE dt = (SELECT base_day FROM bounds) AND disposition IN ('answered', 'abandoned')) AS base_numerator,
        count(*) FILTER (WHERE dt = (SELECT last_day FROM bounds) AND disposition IS NOT NULL) AS denominator,
        count(*) FILTER (WHERE dt = (SELECT last_day FROM bounds) AND disposition IN ('answered', 'abandoned')) AS numerator
    FROM calls
    WHERE dt BETWEEN (SELECT base_day FROM bounds) AND (SELECT last_day FROM bounds)
    GROUP BY campaign_id
),
rated AS (
    SELECT
        segment,
        base_denominator,
        denominator,
        base_numerator::DOUBLE / nullif(base_denominator, 0) AS base_rate,
        numerator::DOUBLE / nullif(denominator, 0) AS rate,
        base_denominator::DOUBLE / nullif(sum(base_denominator) OVER (), 0) AS base_share,
        denominator::DOUBLE / nullif(sum(denominator) OVER (), 0) AS share,
        sum(base_numerator) OVER ()::DOUBLE / nullif(sum(base_denominator) OVER (), 0) AS base_total_rate,
        sum(numerator) OVER ()::DOUBLE / nullif(sum(denominator) OVER (), 0) AS total_rate
    FROM counted
),
effects AS (
    SELECT
        *,
        (share - base_share) * ((coalesce(base_rate, rate) + coalesce(rate, base_rate)) / 2
            - (base_total_rate + total_rate) / 2) + 0.0 AS mix_effect,
        (coalesce(rate, base_rate) - coalesce(base_rate, rate)) * (base_share + share) / 2 + 0.0 AS rate_effect
    FROM rated
    WHERE base_denominator > 0 OR denominator > 0
)
SELECT
    segment, base_denominator, base_rate, denominator, rate, base_share, share,
    mix_effect, rate_effect, mix_effect + rate_effect AS effect,
    base_total_rate, total_rate, total_rate - base_total_rate AS total_change,
    row_number() OVER (ORDER BY abs(mix_effect + rate_effect) DESC NULLS LAST, segment) AS driver_rank
FROM effects
ORDER BY driver_rank;
