-- 0007-check-errors.sql: the error kind "check" (SPEC 14: a capture that
-- found nothing, a check that failed). SQLite cannot alter a CHECK
-- constraint, so errors is rebuilt with its rows.

CREATE TABLE errors_new (
	run_id		INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	request		TEXT NOT NULL,
	kind		TEXT NOT NULL CHECK (kind IN ('connect', 'timeout',
			    'reset', 'status', 'protocol', 'tls', 'dns',
			    'check')),
	status		INTEGER,
	count		INTEGER NOT NULL,
	example		TEXT
);
INSERT INTO errors_new (run_id, request, kind, status, count, example)
SELECT run_id, request, kind, status, count, example FROM errors;
DROP TABLE errors;
ALTER TABLE errors_new RENAME TO errors;
CREATE INDEX errors_run ON errors (run_id);
