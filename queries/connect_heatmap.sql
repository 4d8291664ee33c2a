-- name: connect_heatmap
-- description: When dialling reaches people: attempts and connect rate per weekday of the call's day and local hour of dialling.
-- columns: weekday, hour, attempts, live, connect_rate
-- param tz VARCHAR = Asia/Shanghai: Time zone of the hours (IANA name or offset).
-- param campaign VARCHAR = NULL: Only this campaign (NULL: all campaigns).
-- param since DATE = NULL: First day (NULL: from the start).
-- param until DATE = NULL: Last day (NULL: to the end).
--
-- weekday is the ISO day of the week of the call's `dt` (1 = Monday … 7 = Sunday), the
-- dialler's calendar day; hour is the local hour of dialed_at in `tz`. connect_rate is the
-- catalogue's connect_rate (live calls over attempts), as in hourly_connect, which has the
-- same rates per hour over all days.
SELECT
    CAST(date_part('isodow', dt) AS BIGINT) AS weekday,
    local_hour(dialed_at, $tz) AS hour,
    count(disposition) AS attempts,
    count(*) FILTER (WHERE disposition IN ('answered', 'abandoned')) AS live,
    connect_rate(disposition) AS connect_rate
FROM calls
WHERE ($campaign IS NULL OR campaign_id = $campaign)
  AND ($since IS NULL OR dt >= $since)
  AND ($until IS NULL OR dt <= $until)
GROUP BY 1, 2
ORDER BY 1, 2;
