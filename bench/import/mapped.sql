-- bench/import/mapped.toml written as DuckDB SQL for the benchmark: the same columns, the
-- dial time read in Asia/Shanghai, talk time from N分M秒, the ¥ amount, the same value
-- maps and defaults, dt = the local day. {input} and {out} are filled in by run.py.
COPY (
    WITH export AS (
        SELECT * FROM read_csv('{input}', header = true, all_varchar = true)
    ),
    mapped AS (
        SELECT
            "通话ID" AS call_id,
            "任务名称" AS campaign_id,
            "客户号码" AS callee_number,
            CAST("呼叫日期" || ' ' || "呼叫时间" AS TIMESTAMP) AS start_ts,
            CAST(regexp_extract("通话时长", '^(\d+)分', 1) AS DOUBLE) * 60
                + CAST(regexp_extract("通话时长", '(\d+)秒$', 1) AS DOUBLE) AS talk_s,
            CAST(nullif(replace(replace("成交金额", '¥', ''), ',', ''), '') AS DOUBLE) AS order_amount,
            CASE "呼叫结果" WHEN '已接通' THEN 'answered' WHEN '未接通' THEN 'no_answer'
                WHEN '占线' THEN 'busy' WHEN '拒接' THEN 'rejected' END AS disposition,
            "是否转人工" = '是' AS transferred,
            "呼叫结果" AS source_status
        FROM export
    )
    SELECT
        call_id, campaign_id, callee_number AS customer_id,
        CAST(row_number() OVER (PARTITION BY campaign_id, callee_number ORDER BY start_ts) AS INTEGER) AS attempt_no,
        false AS is_callback, CAST(NULL AS VARCHAR) AS script_id, CAST(NULL AS VARCHAR) AS agent_id,
        CAST(NULL AS VARCHAR) AS caller_number, callee_number,
        timezone('Asia/Shanghai', start_ts) AS dialed_at,
        CAST(NULL AS TIMESTAMPTZ) AS answered_at,
        timezone('Asia/Shanghai', start_ts + to_seconds(CAST(talk_s AS BIGINT))) AS ended_at,
        0.0 AS ring_s, talk_s, 0.0 AS hold_s, 0.0 AS acw_s,
        disposition, CAST(NULL AS VARCHAR) AS hangup_by, transferred,
        CAST(NULL AS VARCHAR) AS predicted_intent, CAST(NULL AS VARCHAR) AS labeled_intent,
        CAST(NULL AS VARCHAR) AS intent_level, CAST(NULL AS BOOLEAN) AS is_effective, 'none' AS outcome,
        order_amount, false AS dnc_requested, false AS complaint,
        CAST(NULL AS DOUBLE) AS sentiment, CAST(NULL AS INTEGER) AS csat, CAST(NULL AS INTEGER) AS nps,
        CAST(NULL AS VARCHAR) AS transcript,
        source_status, CAST(NULL AS VARCHAR) AS source_cause,
        CAST(start_ts AS DATE) AS dt
    FROM mapped
) TO '{out}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY dt);
