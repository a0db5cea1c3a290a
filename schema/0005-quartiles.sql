-- 0005-quartiles.sql: p25 and p75 in run_stats and the views (SPEC 13), and
-- "no data" as NULL in the rows written before it was: a scope or a second
-- without a single response had latency statistics of 0. A real response
-- is never timed at 0.000 ms (times are rounded to the microsecond), so a
-- max of 0 marks such a row.

ALTER TABLE run_stats ADD COLUMN p25_ms REAL;
ALTER TABLE run_stats ADD COLUMN p75_ms REAL;

UPDATE run_stats SET avg_ms = NULL, p50_ms = NULL, p90_ms = NULL,
	p95_ms = NULL, p99_ms = NULL, p999_ms = NULL, min_ms = NULL,
	max_ms = NULL, stddev_ms = NULL
WHERE max_ms = 0;
UPDATE intervals SET p50_ms = NULL, p95_ms = NULL, p99_ms = NULL,
	max_ms = NULL
WHERE max_ms = 0;

DROP VIEW run_summary;
CREATE VIEW run_summary AS
SELECT	r.id AS run_id, r.scenario, r.status, r.passed, r.created_at,
	r.started_at, r.ended_at, r.labels,
	s.total_requests, s.successful_requests, s.failed_requests,
	s.throughput_rps, s.avg_ms, s.p25_ms, s.p50_ms, s.p75_ms, s.p90_ms,
	s.p95_ms, s.p99_ms, s.p999_ms, s.min_ms, s.max_ms, s.stddev_ms
FROM runs r LEFT JOIN run_stats s ON s.run_id = r.id AND s.request = '*';

DROP VIEW request_trend;
CREATE VIEW request_trend AS
SELECT	r.id AS run_id, r.scenario, r.status, r.passed, r.started_at,
	r.labels, s.request, s.total_requests, s.failed_requests,
	CASE WHEN s.total_requests > 0
	    THEN 100.0 * s.failed_requests / s.total_requests END
	    AS error_rate_pct,
	s.throughput_rps, s.avg_ms, s.p25_ms, s.p50_ms, s.p75_ms, s.p95_ms,
	s.p99_ms, s.max_ms
FROM runs r JOIN run_stats s ON s.run_id = r.id;
