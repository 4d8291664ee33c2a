-- callsql import --from asterisk --tz Asia/Shanghai, written as DuckDB SQL for the
-- benchmark: the same columns, the same disposition map, local times read in the zone,
-- dt = the local day. {input} and {out} are filled in by bench/import/run.py.
COPY (
    WITH cdr AS (
        SELECT * FROM read_csv('{input}', header = false, quote = '"', escape = '"',
            delim = ',', all_varchar = true, columns = {
                'accountcode': 'VARCHAR', 'src': 'VARCHAR', 'dst': 'VARCHAR', 'dcontext': 'VARCHAR',
                'clid': 'VARCHAR', 'channel': 'VARCHAR', 'dstchannel': 'VARCHAR', 'lastapp': 'VARCHAR',
                'lastdata': 'VARCHAR', 'start_local': 'VARCHAR', 'answer_local': 'VARCHAR',
                'end_local': 'VARCHAR', 'duration': 'VARCHAR', 'billsec': 'VARCHAR',
                'status': 'VARCHAR', 'amaflags': 'VARCHAR', 'uniqueid': 'VARCHAR', 'userfield': 'VARCHAR'})
    ),
    mapped AS (
        SELECT
            uniqueid AS call_id,
            coalesce(nullif(accountcode, ''), 'import') AS campaign_id,
            CASE WHEN regexp_full_match(dst, '[0-9+() -]{3,}') THEN dst
                 ELSE regexp_extract(lastdata, '/([0-9+]+)@', 1) END AS callee_number,
            nullif(src, '') AS caller_number,
            CASE status
                WHEN 'ANSWERED' THEN CASE WHEN userfield = 'MACHINE' THEN 'voicemail' ELSE 'answered' END
                WHEN 'NO ANSWER' THEN 'no_answer' WHEN 'CANCEL' THEN 'no_answer'
                WHEN 'BUSY' THEN 'busy'
                WHEN 'FAILED' THEN 'failed' WHEN 'CONGESTION' THEN 'failed' WHEN 'UNKNOWN' THEN 'failed'
            END AS disposition,
            CAST(start_local AS TIMESTAMP) AS start_ts,
            CAST(nullif(answer_local, '') AS TIMESTAMP) AS answer_ts,
            CAST(nullif(end_local, '') AS TIMESTAMP) AS end_ts,
            CAST(duration AS DOUBLE) AS duration_s,
            CAST(billsec AS DOUBLE) AS billsec_s,
            status AS source_status,
            nullif(userfield, '') AS source_cause
        FROM cdr
    )
    SELECT
        call_id, campaign_id, callee_number AS customer_id,
        CAST(row_number() OVER (PARTITION BY campaign_id, callee_number ORDER BY start_ts) AS INTEGER) AS attempt_no,
        false AS is_callback, CAST(NULL AS VARCHAR) AS script_id, CAST(NULL AS VARCHAR) AS agent_id,
        caller_number, callee_number,
        timezone('Asia/Shanghai', start_ts) AS dialed_at,
        CASE WHEN disposition IN ('answered', 'voicemail') THEN timezone('Asia/Shanghai', answer_ts) END AS answered_at,
        timezone('Asia/Shanghai', end_ts) AS ended_at,
        greatest(duration_s - CASE WHEN disposition IN ('answered', 'voicemail') THEN billsec_s ELSE 0 END, 0) AS ring_s,
        CASE WHEN disposition IN ('answered', 'voicemail') THEN billsec_s ELSE 0 END AS talk_s,
        0.0 AS hold_s, 0.0 AS acw_s,
        disposition, CAST(NULL AS VARCHAR) AS hangup_by, false AS transferred,
        CAST(NULL AS VARCHAR) AS predicted_intent, CAST(NULL AS VARCHAR) AS labeled_intent,
        CAST(NULL AS VARCHAR) AS intent_level, CAST(NULL AS BOOLEAN) AS is_effective, 'none' AS outcome,
        CAST(NULL AS DOUBLE) AS order_amount, false AS dnc_requested, false AS complaint,
        CAST(NULL AS DOUBLE) AS sentiment, CAST(NULL AS INTEGER) AS csat, CAST(NULL AS INTEGER) AS nps,
        CAST(NULL AS VARCHAR) AS transcript,
        source_status, source_cause,
        CAST(start_ts AS DATE) AS dt
    FROM mapped
) TO '{out}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY dt);
