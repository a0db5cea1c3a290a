-- 0004-samples-index.sql: index samples by run alone. Rows of a run arrive
-- in rowid order, so this index only ever grows at its end, while
-- (run_id, t_us) took an out-of-order insert for every sample.

DROP INDEX samples_run;
CREATE INDEX samples_run_id ON samples (run_id);
