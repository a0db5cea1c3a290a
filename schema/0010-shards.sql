-- 0010-shards.sql: shards of one run on several loadd daemons (SPEC 16).
-- A shard's run records its part; the collector keeps one merged run per
-- execution, the state of each part, and the per-second rows each pushed,
-- which the merged run's intervals and system_metrics are built from.

ALTER TABLE runs ADD COLUMN execution TEXT;	-- shard and merged runs
ALTER TABLE runs ADD COLUMN shard TEXT;		-- a shard's run: 'I/N'
ALTER TABLE runs ADD COLUMN start_at TEXT;	-- RFC 3339 UTC, or NULL
ALTER TABLE runs ADD COLUMN collector TEXT;	-- a shard's run: its URL
CREATE INDEX runs_execution ON runs (execution) WHERE execution IS NOT NULL;

-- On a collector: the merged run of each execution.
CREATE TABLE executions (
	run_id		INTEGER PRIMARY KEY REFERENCES runs (id)
			    ON DELETE CASCADE,
	name		TEXT NOT NULL UNIQUE,
	shards		INTEGER NOT NULL,
	merged_second	INTEGER NOT NULL DEFAULT -1, -- intervals hold up to it
	stop_status	TEXT,			-- the shards are told to stop
	stop_reason	TEXT
);

CREATE TABLE run_parts (
	run_id		INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	shard		INTEGER NOT NULL,
	host		TEXT,
	status		TEXT NOT NULL,		-- running, its end, or lost
	requests	INTEGER NOT NULL DEFAULT 0,
	last_second	INTEGER,		-- newest second pushed
	pushed_at	REAL NOT NULL,		-- unix time of its last push
	env		TEXT,			-- JSON, its clock's state too
	progress	TEXT,			-- JSON, its live progress
	final		TEXT,			-- JSON summary, once ended
	reason		TEXT,
	PRIMARY KEY (run_id, shard)
);

CREATE TABLE part_intervals (
	run_id		INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	shard		INTEGER NOT NULL,
	second		INTEGER NOT NULL,
	request		TEXT NOT NULL,
	requests	INTEGER NOT NULL,
	errors		INTEGER NOT NULL,
	vus		INTEGER,
	hist		BLOB,
	PRIMARY KEY (run_id, second, request, shard)
) WITHOUT ROWID;

CREATE TABLE part_system (
	run_id		INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	shard		INTEGER NOT NULL,
	second		INTEGER NOT NULL,
	cpu_pct		REAL,
	rss_bytes	INTEGER,
	target_cpu_pct	REAL,
	target_rss_bytes INTEGER,
	PRIMARY KEY (run_id, second, shard)
) WITHOUT ROWID;
