-- Macros every DuckDB counterpart may use (bench/run.py runs this file first).
--
-- quintile_score written out, from a value's rank() among n non-NULL values in the
-- direction scored: a run of equal values takes the NTILE(5) bucket of its first row,
-- and with n values the first n % 5 buckets hold n // 5 + 1 rows and the others n // 5.
CREATE MACRO quintile_of_rank(position, n) AS
    CASE WHEN position <= (n % 5) * (n // 5 + 1) THEN (position - 1) // (n // 5 + 1) + 1
         ELSE n % 5 + (position - 1 - (n % 5) * (n // 5 + 1)) // (n // 5) + 1 END;
