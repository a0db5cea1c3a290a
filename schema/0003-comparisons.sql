-- 0003-comparisons.sql: the latest comparison of each run with a baseline
-- or another run, so its report can show the baseline beside it.

CREATE TABLE comparisons (
	run_id		INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
	baseline	TEXT,				-- its name, NULL for a run
	baseline_run_id	INTEGER NOT NULL,
	created_at	TEXT NOT NULL,
	passed		INTEGER NOT NULL,
	result		TEXT NOT NULL			-- JSON, SPEC section 8
);
