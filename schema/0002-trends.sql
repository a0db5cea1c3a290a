-- 0002-trends.sql: live VUs per second in intervals (for the time series),
-- and request_trend, one row per run and request with the key statistics,
-- for trend queries across runs.

ALTER TABLE intervals ADD COLUMN vus INTEGER;

CREATE VIEW request_trend AS
SELECT	r.id AS run_id, r.scenario, r.status, r.passed, r.started_at,
	r.labels, s.request, s.total_requests, s.failed_requests,
	CASE WHEN s.total_requests > 0
	    THEN 100.0 * s.failed_requests / s.total_requests END
	    AS error_rate_pct,
	s.throughput_rps, s.avg_ms, s.p50_ms, s.p95_ms, s.p99_ms, s.max_ms
FROM runs r JOIN run_stats s ON s.run_id = r.id;

CREATE INDEX runs_started ON runs (started_at);
