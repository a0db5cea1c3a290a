-- 0009-intervals-second.sql: intervals by run and second. The event
-- stream reads the seconds of a run from one on, every request at once;
-- the primary key (run_id, request, second) made that a scan of the run.

CREATE INDEX intervals_second ON intervals (run_id, second);
