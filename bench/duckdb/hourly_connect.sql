-- hourly_connect written out in DuckDB SQL; the Wilson bounds at 95 % (z = 1.959963984540054).
WITH per_hour AS (
    SELECT
        hour(timezone('Asia/Shanghai', dialed_at)) AS hour,
        count(disposition) AS attempts,
        count(*) FILTER (WHERE disposition IN ('answered', 'abandoned')) AS live,
        count(*) FILTER (WHERE outcome = 'success') AS successes
    FROM calls
    GROUP BY 1
),
wilson AS (
    SELECT *, 1.959963984540054 AS z, live::DOUBLE / attempts AS p, successes::DOUBLE / attempts AS q
    FROM per_hour WHERE attempts > 0
)
SELECT
    hour, attempts, live, p AS connect_rate,
    (p + z * z / (2 * attempts) - z * sqrt(p * (1 - p) / attempts + z * z / (4 * attempts * attempts))) / (1 + z * z / attempts) AS connect_lower,
    (p + z * z / (2 * attempts) + z * sqrt(p * (1 - p) / attempts + z * z / (4 * attempts * attempts))) / (1 + z * z / attempts) AS connect_upper,
    successes, q AS success_rate,
    (q + z * z / (2 * attempts) - z * sqrt(q * (1 - q) / attempts + z * z / (4 * attempts * attempts))) / (1 + z * z / attempts) AS success_lower,
    (q + z * z / (2 * attempts) + z * sqrt(q * (1 - q) / attempts + z * z / (4 * attempts * attempts))) / (1 + z * z / attempts) AS success_upper,
    rank() OVER (ORDER BY (p + z * z / (2 * attempts) - z * sqrt(p * (1 - p) / attempts + z * z / (4 * attempts * attempts))) / (1 + z * z / attempts) DESC) AS best_rank
FROM wilson
ORDER BY hour;
