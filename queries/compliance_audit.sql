-- name: compliance_audit
-- description: One row per compliance rule broken: calls outside the calling window, calls to DNC-listed numbers or after a DNC request, transcripts with lexicon hits, campaigns over the abandon limit, invalid numbers dialled, blocked caller numbers.
-- columns: rule, campaign_id, subject, occurred_at, detail
-- param tz VARCHAR = Asia/Shanghai: Callees' time zone for the calling window (IANA name or offset).
-- param start_hour DOUBLE = 8: First permitted local hour.
-- param end_hour DOUBLE = 21: End of the permitted hours (exclusive).
-- param regime VARCHAR = tsr: Abandoned-call regime: 'tsr' (whole period per campaign) or 'ofcom' (each day per campaign).
-- param abandon_limit DOUBLE = 0.03: Highest permitted abandoned-call rate.
-- param since DATE = NULL: First day audited (NULL: from the start).
-- param until DATE = NULL: Last day audited (NULL: to the end).
--
-- Rules (column `rule`), each row naming what broke it (`subject`) and when:
--   outside_calling_window   a call placed outside [start_hour, end_hour) callee time
--   dnc_listed_number        a call to a number on the dnc table (not from the callee)
--   after_dnc_request        a call to a number after its owner asked not to be called
--   sensitive_transcript     a transcript containing lexicon terms (see `\df sensitive_hits`)
--   abandon_rate_over_limit  a campaign whose abandon_rate exceeds abandon_limit: over the
--                            audited period (US TSR: run it per 30 days) or on a calendar
--                            day (Ofcom: per 24 hours)
--   invalid_number_dialled   a number no numbering plan allows (normalize_phone is NULL)
--   caller_number_blocked    an outbound display number the network blocked: from its
--                            first blocked attempt it marks the number as reported spam
-- Numbers are compared in E.164 (normalize_phone), so `+86 138…` matches `138…`.
WITH audited AS (
    SELECT *
    FROM calls
    WHERE ($since IS NULL OR dt >= $since) AND ($until IS NULL OR dt <= $until)
),
dnc_numbers AS (
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
        abandon_rate(disposition, $regime) AS rate
    FROM audited
    GROUP BY campaign_id, CASE WHEN lower($regime) = 'ofcom' THEN dt END
),
findings AS (
    SELECT
        'outside_calling_window' AS rule,
        campaign_id,
        call_id AS subject,
        dialed_at AS occurred_at,
        concat('dialled at local hour ', local_hour(dialed_at, $tz), ' (', $tz, '), outside ',
               $start_hour, '–', $end_hour) AS detail
    FROM audited
    WHERE NOT in_calling_window(dialed_at, $tz, $start_hour, $end_hour)

    UNION ALL
    SELECT
        CASE WHEN dnc_numbers.source = 'callee_request' THEN 'after_dnc_request' ELSE 'dnc_listed_number' END,
        audited.campaign_id,
        audited.call_id,
        audited.dialed_at,
        concat(mask_phone(audited.callee_number), ' on the DNC list (', dnc_numbers.source,
               ') since ', CAST(dnc_numbers.added_at AS VARCHAR))
    FROM audited
    JOIN dnc_numbers ON normalize_phone(audited.callee_number) = dnc_numbers.number
    WHERE audited.dialed_at > dnc_numbers.added_at

    UNION ALL
    SELECT
        'sensitive_transcript',
        campaign_id,
        call_id,
        dialed_at,
        concat('transcript contains: ', array_to_string(sensitive_hits(transcript), ', '))
    FROM audited
    WHERE NOT is_compliant(transcript)

    UNION ALL
    SELECT
        'abandon_rate_over_limit',
        campaign_id,
        campaign_id AS subject,
        first_call,
        concat('abandon rate ', round(rate * 100, 2), '% (', lower($regime), ', ',
               CAST(first_day AS VARCHAR), ' to ', CAST(last_day AS VARCHAR), ') above ',
               $abandon_limit * 100, '%')
    FROM abandon_periods
    WHERE rate > $abandon_limit

    UNION ALL
    SELECT
        'invalid_number_dialled',
        campaign_id,
        callee_number,
        min(dialed_at),
        concat('dialled ', count(*), ' times; no numbering plan allows this number')
    FROM audited
    WHERE normalize_phone(callee_number) IS NULL
    GROUP BY campaign_id, callee_number

    UNION ALL
    SELECT
        'caller_number_blocked',
        campaign_id,
        caller_number,
        min(dialed_at) FILTER (WHERE disposition = 'blocked'),
        concat(count(*) FILTER (WHERE disposition = 'blocked'), ' of ', count(*),
               ' attempts blocked by the network')
    FROM audited
    GROUP BY campaign_id, caller_number
    HAVING count(*) FILTER (WHERE disposition = 'blocked') > 0
)
SELECT rule, campaign_id, subject, occurred_at, detail
FROM findings
ORDER BY rule, campaign_id, occurred_at, subject;
