-- 0008-sample-chunks.sql: raw samples stored a chunk at a time.
--
-- A row per sample cost the sample writer most of its CPU: SQLite's work
-- per row, not the bytes. sample_chunks holds up to 1024 samples of one
-- request, written in one drain, as fixed-width records of 37 bytes:
--
--   bytes  1-12  t_us        zero-padded decimal
--   bytes 13-22  latency_us  right-aligned decimal, all spaces for NULL
--   bytes 23-25  status      3 digits, spaces for NULL
--   bytes 26-35  bytes       zero-padded decimal
--   byte  36     error       code in sample_error_kinds, 0 for none
--   byte  37     warmup      0 or 1
--
-- The view samples gives the old table back, row by row and column by
-- column, to plain SQL: no extension is needed to read it.

CREATE TABLE sample_chunks (
	run_id		INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	request		TEXT NOT NULL,
	n		INTEGER NOT NULL CHECK (n BETWEEN 1 AND 1024),
	data		BLOB NOT NULL CHECK (length(data) = 37 * n)
);
CREATE INDEX sample_chunks_run ON sample_chunks (run_id);

-- The record numbers of a chunk, 0 to 1023.
CREATE TABLE sample_slots (k INTEGER PRIMARY KEY);
WITH RECURSIVE s (k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM s
    WHERE k < 1023)
INSERT INTO sample_slots (k) SELECT k FROM s;

-- Error kinds by code, as the daemon writes them (SPEC section 7).
CREATE TABLE sample_error_kinds (
	code		INTEGER PRIMARY KEY,
	kind		TEXT NOT NULL UNIQUE
);
INSERT INTO sample_error_kinds (code, kind) VALUES (1, 'connect'),
    (2, 'timeout'), (3, 'reset'), (4, 'status'), (5, 'protocol'),
    (6, 'tls'), (7, 'dns'), (8, 'check');

-- The samples of the old table, in chunks of 1024 per run and request;
-- a value wider than its field is clamped to the largest it holds, as the
-- writer does.
INSERT INTO sample_chunks (run_id, request, n, data)
SELECT run_id, request, count(*), CAST(group_concat(rec, '') AS BLOB)
  FROM (SELECT run_id, request,
	       (row_number() OVER (PARTITION BY run_id, request
		    ORDER BY rowid) - 1) / 1024 AS part,
	       printf('%012d%10s%3s%010d%d%d',
		    min(max(t_us, 0), 999999999999),
		    CASE WHEN latency_us IS NOT NULL THEN
			min(max(latency_us, 0), 9999999999) END,
		    CASE WHEN status BETWEEN 0 AND 999 THEN status END,
		    min(max(bytes, 0), 9999999999),
		    coalesce((SELECT code FROM sample_error_kinds
		    WHERE kind = error), 0), warmup != 0) AS rec
	  FROM samples ORDER BY run_id, request, rowid)
 GROUP BY run_id, request, part;
DROP TABLE samples;

CREATE VIEW samples AS
SELECT c.run_id AS run_id,
       CAST(substr(c.data, 37 * q.k + 1, 12) AS INTEGER) AS t_us,
       c.request AS request,
       CAST(nullif(trim(substr(c.data, 37 * q.k + 13, 10)), '')
	   AS INTEGER) AS latency_us,
       CAST(nullif(trim(substr(c.data, 37 * q.k + 23, 3)), '')
	   AS INTEGER) AS status,
       CAST(substr(c.data, 37 * q.k + 26, 10) AS INTEGER) AS bytes,
       e.kind AS error,
       CAST(substr(c.data, 37 * q.k + 37, 1) AS INTEGER) AS warmup
  FROM sample_chunks c
  JOIN sample_slots q ON q.k < c.n
  LEFT JOIN sample_error_kinds e
    ON e.code = CAST(substr(c.data, 37 * q.k + 36, 1) AS INTEGER);

-- An INSERT into samples still works (one chunk a row): for imports.
CREATE TRIGGER samples_insert INSTEAD OF INSERT ON samples
BEGIN
	SELECT RAISE(ABORT, 'samples: unknown error kind') WHERE
	    NEW.error IS NOT NULL AND NEW.error NOT IN
	    (SELECT kind FROM sample_error_kinds);
	INSERT INTO sample_chunks (run_id, request, n, data)
	VALUES (NEW.run_id, NEW.request, 1, CAST(printf('%012d%10s%3s%010d%d%d',
	    NEW.t_us, NEW.latency_us, NEW.status, coalesce(NEW.bytes, 0),
	    coalesce((SELECT code FROM sample_error_kinds
	    WHERE kind = NEW.error), 0), coalesce(NEW.warmup, 0) != 0) AS BLOB));
END;
