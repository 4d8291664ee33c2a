-- compliance_audit in DuckDB with its default parameters (callee zone Asia/Shanghai,
-- window 8–21, TSR regime over the whole period, abandon limit 0.03, all days). The phone
-- and lexicon functions are the approximations in macros.sql: normalize_phone is a regex
-- that knows mainland mobiles and the 010/02x landlines only, without libphonenumber's
-- per-block validity, so it accepts numbers callsql refuses on other data; the lexicon is
-- callsql's default one.
WITH dnc_numbers AS (
    SELECT normalize_phone(phone) AS number, source, min(added_at) AS added_at
    FROM dnc
    WHERE normalize_phone(phone) IS NOT NULL
    GROUP BY 1, 2
),
abandon_periods AS (
    SELECT
        campaign_id,
        min(dt) AS first_day,
        max(dt) AS last_day,
        min(dialed_at) AS first_call,
        count(*) FILTER (WHERE disposition = 'abandoned')::DOUBLE
            / nullif(count(*) FILTER (WHERE disposition IN ('answered', 'abandoned')), 0) AS rate
    FROM calls
    GROUP BY campaign_id
),
local_calls AS (
    SELECT
        *,
        timezone('Asia/Shanghai', dialed_at) AS local_at
    FROM calls
),
findings AS (
    SELECT
        'outside_calling_window' AS rule,
        campaign_id,
        call_id AS subject,
        dialed_at AS occurred_at,
        'dialled at local hour ' || hour(local_at) || ' (Asia/Shanghai), outside 8.0–21.0' AS detail
    FROM local_calls
    WHERE NOT (hour(local_at) + minute(local_at) / 60 + microsecond(local_at) / 3.6e9 >= 8
               AND hour(local_at) + minute(local_at) / 60 + microsecond(local_at) / 3.6e9 < 21)

    UNION ALL
    SELECT
        CASE WHEN d.source = 'callee_request' THEN 'after_dnc_request' ELSE 'dnc_listed_number' END,
        c.campaign_id,
        c.call_id,
        c.dialed_at,
        mask_cn_mobile(d.number) || ' on the DNC list (' || d.source || ') since ' || arrow_text(d.added_at)
    FROM calls c
    JOIN dnc_numbers d ON normalize_phone(c.callee_number) = d.number
    WHERE c.dialed_at > d.added_at

    UNION ALL
    SELECT
        'sensitive_transcript',
        campaign_id,
        call_id,
        dialed_at,
        'transcript contains: ' || array_to_string(sensitive_hits(transcript), ', ')
    FROM calls
    WHERE NOT is_compliant(transcript)

    UNION ALL
    SELECT
        'abandon_rate_over_limit',
        campaign_id,
        campaign_id,
        first_call,
        'abandon rate ' || round(rate * 100, 2) || '% (tsr, ' || first_day || ' to ' || last_day
            || ') above 3.0%'
    FROM abandon_periods
    WHERE rate > 0.03

    UNION ALL
    SELECT
        'invalid_number_dialled',
        campaign_id,
        callee_number,
        min(dialed_at),
        'dialled ' || count(*) || ' times; no numbering plan allows this number'
    FROM calls
    WHERE normalize_phone(callee_number) IS NULL
    GROUP BY campaign_id, callee_number

    UNION ALL
    SELECT
        'caller_number_blocked',
        campaign_id,
        caller_number,
        min(dialed_at) FILTER (WHERE disposition = 'blocked'),
        count(*) FILTER (WHERE disposition = 'blocked') || ' of ' || count(*) || ' attempts blocked by the network'
    FROM calls
    GROUP BY campaign_id, caller_number
    HAVING count(*) FILTER (WHERE disposition = 'blocked') > 0
)
SELECT rule, campaign_id, subject, occurred_at, detail
FROM findings
ORDER BY rule, campaign_id, occurred_at, subject;
