-- rfm_customers in DuckDB, quintile_score as the macro quintile_of_rank (macros.sql).
WITH per_customer AS (
    SELECT
        customer_id,
        (SELECT CAST(max(ordered_at) AS DATE) FROM orders) - CAST(max(ordered_at) AS DATE) AS recency_days,
        count(*) AS frequency,
        sum(CAST(amount AS DECIMAL(18, 2))) AS monetary
    FROM orders
    GROUP BY customer_id
),
ranked AS (
    SELECT
        *,
        count(recency_days) OVER () AS n_r,
        count(frequency) OVER () AS n_f,
        count(monetary) OVER () AS n_m,
        rank() OVER (ORDER BY recency_days DESC NULLS LAST) AS rank_r,
        rank() OVER (ORDER BY frequency NULLS LAST) AS rank_f,
        rank() OVER (ORDER BY monetary NULLS LAST) AS rank_m
    FROM per_customer
),
scored AS (
    SELECT
        customer_id, recency_days, frequency, monetary,
        CASE WHEN recency_days IS NOT NULL THEN quintile_of_rank(rank_r, n_r) END AS r,
        CASE WHEN frequency IS NOT NULL THEN quintile_of_rank(rank_f, n_f) END AS f,
        CASE WHEN monetary IS NOT NULL THEN quintile_of_rank(rank_m, n_m) END AS m
    FROM ranked
)
SELECT
    customer_id, recency_days, frequency, monetary, r, f, m,
    100 * r + 10 * f + m AS rfm,
    CASE
        WHEN r >= 4 AND (f + m) // 2 >= 4 THEN 'Champions'
        WHEN r = 3 AND (f + m) // 2 >= 4 THEN 'Loyal Customers'
        WHEN r = 4 AND (f + m) // 2 = 3 THEN 'Loyal Customers'
        WHEN r = 5 AND (f + m) // 2 IN (2, 3) THEN 'Potential Loyalist'
        WHEN r = 4 AND (f + m) // 2 = 2 THEN 'Potential Loyalist'
        WHEN r = 5 AND (f + m) // 2 = 1 THEN 'New Customers'
        WHEN r = 4 AND (f + m) // 2 = 1 THEN 'Promising'
        WHEN r = 3 AND (f + m) // 2 IN (2, 3) THEN 'Need Attention'
        WHEN r = 3 AND (f + m) // 2 = 1 THEN 'About To Sleep'
        WHEN r = 2 AND (f + m) // 2 = 2 THEN 'About To Sleep'
        WHEN r = 2 AND (f + m) // 2 IN (3, 4) THEN 'At Risk'
        WHEN r = 1 AND (f + m) // 2 = 3 THEN 'At Risk'
        WHEN r = 2 AND (f + m) // 2 = 5 THEN 'Can''t Lose Them'
        WHEN r = 1 AND (f + m) // 2 >= 4 THEN 'Can''t Lose Them'
        WHEN r = 2 AND (f + m) // 2 = 1 THEN 'Hibernating'
        WHEN r = 1 AND (f + m) // 2 = 2 THEN 'Hibernating'
        WHEN r = 1 AND (f + m) // 2 = 1 THEN 'Lost'
    END AS segment
FROM scored
ORDER BY customer_id;
