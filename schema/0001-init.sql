-- 0001-init.sql: the public schema of SPEC section 11. Names here are a
-- contract: users write SQL against them. Change them only in a new migration.

CREATE TABLE scenarios (
	name		TEXT PRIMARY KEY,
	spec		TEXT NOT NULL,			-- normalised JSON
	created_at	TEXT NOT NULL,
	updated_at	TEXT NOT NULL
);

CREATE TABLE runs (
	id		INTEGER PRIMARY KEY,
	scenario	TEXT NOT NULL,
	spec		TEXT NOT NULL,			-- the scenario as run
	status		TEXT NOT NULL DEFAULT 'queued' CHECK (status IN
			    ('queued', 'running', 'completed', 'stopped',
			     'aborted', 'failed', 'interrupted')),
	passed		INTEGER,			-- 1, 0, NULL until ended
	created_at	TEXT NOT NULL,
	started_at	TEXT,
	ended_at	TEXT,
	labels		TEXT NOT NULL DEFAULT '{}',	-- JSON object
	summary		TEXT,				-- JSON, once ended
	reason		TEXT,				-- why failed/aborted
	env		TEXT				-- JSON: host, cores, ...
);
CREATE INDEX runs_scenario ON runs (scenario, id);
CREATE INDEX runs_status ON runs (status);

CREATE TABLE run_stats (
	run_id		INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	request		TEXT NOT NULL,			-- '*' is the whole run
	total_requests	INTEGER NOT NULL,
	successful_requests INTEGER NOT NULL,
	failed_requests	INTEGER NOT NULL,
	throughput_rps	REAL,
	avg_ms		REAL,
	p50_ms		REAL,
	p90_ms		REAL,
	p95_ms		REAL,
	p99_ms		REAL,
	p999_ms		REAL,
	min_ms		REAL,
	max_ms		REAL,
	stddev_ms	REAL,
	bytes_sent	INTEGER NOT NULL DEFAULT 0,
	bytes_received	INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (run_id, request)
);

CREATE TABLE samples (
	run_id		INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	t_us		INTEGER NOT NULL,		-- since run start
	request		TEXT NOT NULL,
	latency_us	INTEGER,			-- NULL: no response
	status		INTEGER,			-- HTTP status, NULL: none
	bytes		INTEGER NOT NULL DEFAULT 0,
	error		TEXT,				-- kind, NULL: success
	warmup		INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX samples_run ON samples (run_id, t_us);

CREATE TABLE intervals (
	run_id		INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	second		INTEGER NOT NULL,		-- since run start
	request		TEXT NOT NULL,			-- '*' is the whole run
	requests	INTEGER NOT NULL,
	errors		INTEGER NOT NULL,
	p50_ms		REAL,
	p95_ms		REAL,
	p99_ms		REAL,
	max_ms		REAL,
	hist		BLOB,				-- encoded histogram
	PRIMARY KEY (run_id, request, second)
);

CREATE TABLE errors (
	run_id		INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	request		TEXT NOT NULL,
	kind		TEXT NOT NULL CHECK (kind IN ('connect', 'timeout',
			    'reset', 'status', 'protocol', 'tls', 'dns')),
	status		INTEGER,
	count		INTEGER NOT NULL,
	example		TEXT
);
CREATE INDEX errors_run ON errors (run_id);

CREATE TABLE baselines (
	name		TEXT PRIMARY KEY,
	run_id		INTEGER NOT NULL REFERENCES runs (id),
	created_at	TEXT NOT NULL
);

CREATE TABLE system_metrics (
	run_id		INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	second		INTEGER NOT NULL,
	cpu_pct		REAL,
	rss_bytes	INTEGER,
	target_cpu_pct	REAL,
	target_rss_bytes INTEGER,
	PRIMARY KEY (run_id, second)
);

CREATE VIEW run_summary AS
SELECT	r.id AS run_id, r.scenario, r.status, r.passed, r.created_at,
	r.started_at, r.ended_at, r.labels,
	s.total_requests, s.successful_requests, s.failed_requests,
	s.throughput_rps, s.avg_ms, s.p50_ms, s.p90_ms, s.p95_ms, s.p99_ms,
	s.p999_ms, s.min_ms, s.max_ms, s.stddev_ms
FROM runs r LEFT JOIN run_stats s ON s.run_id = r.id AND s.request = '*';
