-- 0005-quartiles.sql: "no data" is NULL, never 0 (SPEC 13), and p25/p75.
--
-- run_stats is rebuilt (SQLite cannot drop a NOT NULL): p25_ms and p75_ms
-- join the percentiles, and the byte counts may be NULL (a run rebuilt
-- after a crash does not know them). Rows written before this migration
-- gave a scope or a second without a single response latency statistics
-- of 0; a real response is never timed at 0.000 ms (times are rounded to
-- the microsecond), so a max of 0 marks them, and they become NULL here,
-- in run_stats, intervals and the stored summaries alike.

DROP VIEW run_summary;
DROP VIEW request_trend;

CREATE TABLE run_stats_new (
	run_id		INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	request		TEXT NOT NULL,			-- '*' is the whole run
	total_requests	INTEGER NOT NULL,
	successful_requests INTEGER NOT NULL,
	failed_requests	INTEGER NOT NULL,
	throughput_rps	REAL,				-- NULL: no data
	avg_ms		REAL,
	p25_ms		REAL,
	p50_ms		REAL,
	p75_ms		REAL,
	p90_ms		REAL,
	p95_ms		REAL,
	p99_ms		REAL,
	p999_ms		REAL,
	min_ms		REAL,
	max_ms		REAL,
	stddev_ms	REAL,
	bytes_sent	INTEGER,
	bytes_received	INTEGER,
	PRIMARY KEY (run_id, request)
);
INSERT INTO run_stats_new (run_id, request, total_requests,
	successful_requests, failed_requests, throughput_rps, avg_ms, p50_ms,
	p90_ms, p95_ms, p99_ms, p999_ms, min_ms, max_ms, stddev_ms,
	bytes_sent, bytes_received)
SELECT	run_id, request, total_requests, successful_requests,
	failed_requests, throughput_rps,
	CASE WHEN max_ms <> 0 THEN avg_ms END,
	CASE WHEN max_ms <> 0 THEN p50_ms END,
	CASE WHEN max_ms <> 0 THEN p90_ms END,
	CASE WHEN max_ms <> 0 THEN p95_ms END,
	CASE WHEN max_ms <> 0 THEN p99_ms END,
	CASE WHEN max_ms <> 0 THEN p999_ms END,
	CASE WHEN max_ms <> 0 THEN min_ms END,
	CASE WHEN max_ms <> 0 THEN max_ms END,
	CASE WHEN max_ms <> 0 THEN stddev_ms END,
	bytes_sent, bytes_received
FROM run_stats;
DROP TABLE run_stats;
ALTER TABLE run_stats_new RENAME TO run_stats;

UPDATE intervals SET p50_ms = NULL, p95_ms = NULL, p99_ms = NULL,
	max_ms = NULL
WHERE max_ms = 0;

-- The same in the stored summaries, which reports and comparisons read.
UPDATE runs SET summary = json_set(summary, '$.overall',
	json_set(summary->'$.overall', '$.avg_latency_ms', NULL,
	    '$.median_latency_ms', NULL, '$.p90_latency_ms', NULL,
	    '$.p95_latency_ms', NULL, '$.p99_latency_ms', NULL,
	    '$.p999_latency_ms', NULL, '$.min_latency_ms', NULL,
	    '$.max_latency_ms', NULL, '$.std_dev_ms', NULL))
WHERE json_valid(summary) AND summary->>'$.overall.max_latency_ms' = 0;
UPDATE runs SET summary = json_set(summary, '$.requests', (
	SELECT json_group_array(CASE WHEN value->>'$.max_latency_ms' = 0
	    THEN json_set(value, '$.avg_latency_ms', NULL,
		'$.median_latency_ms', NULL, '$.p90_latency_ms', NULL,
		'$.p95_latency_ms', NULL, '$.p99_latency_ms', NULL,
		'$.p999_latency_ms', NULL, '$.min_latency_ms', NULL,
		'$.max_latency_ms', NULL, '$.std_dev_ms', NULL)
	    ELSE json(value) END)
	FROM json_each(summary, '$.requests')))
WHERE json_valid(summary) AND EXISTS (SELECT 1 FROM
	json_each(summary, '$.requests') WHERE value->>'$.max_latency_ms' = 0);

-- A completed run without a single successful request never passed.
UPDATE runs SET passed = 0, reason = coalesce(reason, 'no successful request')
WHERE status = 'completed' AND passed = 1 AND id IN (SELECT run_id FROM
	run_stats WHERE request = '*' AND successful_requests = 0);

CREATE VIEW run_summary AS
SELECT	r.id AS run_id, r.scenario, r.status, r.passed, r.created_at,
	r.started_at, r.ended_at, r.labels,
	s.total_requests, s.successful_requests, s.failed_requests,
	s.throughput_rps, s.avg_ms, s.p25_ms, s.p50_ms, s.p75_ms, s.p90_ms,
	s.p95_ms, s.p99_ms, s.p999_ms, s.min_ms, s.max_ms, s.stddev_ms
FROM runs r LEFT JOIN run_stats s ON s.run_id = r.id AND s.request = '*';

CREATE VIEW request_trend AS
SELECT	r.id AS run_id, r.scenario, r.status, r.passed, r.started_at,
	r.labels, s.request, s.total_requests, s.failed_requests,
	CASE WHEN s.total_requests > 0
	    THEN 100.0 * s.failed_requests / s.total_requests END
	    AS error_rate_pct,
	s.throughput_rps, s.avg_ms, s.p25_ms, s.p50_ms, s.p75_ms, s.p95_ms,
	s.p99_ms, s.max_ms
FROM runs r JOIN run_stats s ON s.run_id = r.id;
