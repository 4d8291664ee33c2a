-- connect_heatmap written out in DuckDB SQL (Asia/Shanghai hours).
SELECT
    isodow(dt) AS weekday,
    hour(timezone('Asia/Shanghai', dialed_at)) AS hour,
    count(disposition) AS attempts,
    count(*) FILTER (WHERE disposition IN ('answered', 'abandoned')) AS live,
    count(*) FILTER (WHERE disposition IN ('answered', 'abandoned'))::DOUBLE / nullif(count(disposition), 0) AS connect_rate
FROM calls
GROUP BY 1, 2
ORDER BY 1, 2;
