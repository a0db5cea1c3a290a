#!/bin/bash
# store.sh -- the SQLite file: migrations on a fresh and an existing
# database, WAL mode, the public schema, and data kept across restarts.
. "${top_srcdir:-.}/tests/integration/lib.sh"

db="$T/loadd.db"
start_daemon || { ok 1 "daemon starts"; done_testing; }
stop_daemon

latest=$(ls "$top_srcdir"/schema/[0-9][0-9][0-9][0-9]-*.sql | wc -l)
is "$(sqlite3 "$db" 'PRAGMA user_version')" "$latest" \
    "a fresh database is migrated to the latest version"
is "$(sqlite3 "$db" 'PRAGMA journal_mode')" wal "WAL mode"
for t in scenarios runs run_stats sample_chunks intervals errors baselines \
    system_metrics; do
	is "$(sqlite3 "$db" "SELECT count(*) FROM sqlite_master WHERE
	    type = 'table' AND name = '$t'")" 1 "table $t exists"
done
for v in run_summary samples; do
	is "$(sqlite3 "$db" "SELECT count(*) FROM sqlite_master WHERE
	    type = 'view' AND name = '$v'")" 1 "view $v exists"
done
sqlite3 "$db" "SELECT run_id, request, total_requests, successful_requests,
    failed_requests, throughput_rps, avg_ms, p50_ms, p90_ms, p95_ms, p99_ms,
    p999_ms, min_ms, max_ms, stddev_ms, bytes_sent, bytes_received
    FROM run_stats; SELECT run_id, t_us, request, latency_us, status, bytes,
    error, warmup FROM samples; SELECT run_id, second, request, requests,
    errors, p50_ms, p95_ms, p99_ms, max_ms, hist FROM intervals;
    SELECT run_id, request, kind, status, count, example FROM errors;
    SELECT name, run_id, created_at FROM baselines; SELECT run_id, second,
    cpu_pct, rss_bytes, target_cpu_pct, target_rss_bytes FROM system_metrics;
    SELECT id, scenario, spec, status, passed, created_at, started_at,
    ended_at, labels, summary FROM runs; SELECT name, spec, created_at,
    updated_at FROM scenarios; SELECT scenario, status, passed, started_at,
    p95_ms FROM run_summary" >/dev/null 2>"$T/err"
ok $? "every public column of SPEC section 11 exists"

# An existing database: data kept, nothing applied twice.
sqlite3 "$db" "INSERT INTO scenarios VALUES ('kept', '{}',
    '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
start_daemon || ok 1 "daemon restarts on an existing database"
is "$(api GET /v1/scenarios)" 200 "scenarios list after restart"
is "$(jbody '.scenarios[0].name')" kept "existing rows are kept"
stop_daemon
is "$(grep -c 'applied migration' "$T/loadd.log")" 0 \
    "no migration is applied twice"

# A database from a newer loadd is refused, untouched.
sqlite3 "$db" "PRAGMA user_version = 999"
"$LOADD" --listen 127.0.0.1:0 --db "$db" >/dev/null 2>"$T/err"
is $? 1 "a database from a newer loadd is refused"
like "$(cat "$T/err")" 'schema version 999 is newer' "with a clear message"
is "$(sqlite3 "$db" 'PRAGMA user_version')" 999 "and left untouched"

# A database that is not SQLite at all.
echo "not a database" >"$T/junk.db"
"$LOADD" --listen 127.0.0.1:0 --db "$T/junk.db" >/dev/null 2>"$T/err"
is $? 1 "a file that is not a database is refused"
like "$(cat "$T/err")" 'junk.db' "naming the file"
"$LOADD" --listen 127.0.0.1:0 --db "$T/no/such/dir/x.db" >/dev/null \
    2>"$T/err"
is $? 1 "an unreachable database path is refused"
done_testing
