#!/bin/bash
# sqlext.sh -- loadd_sqlite.so in the sqlite3 CLI on a real run's database
# (SPEC 15): the percentiles it merges from intervals.hist are those the
# daemon stored in run_stats; a window, a GROUP BY by label and
# hist_buckets run; a malformed blob is an error, not a crash.
. "${top_srcdir:-.}/tests/integration/lib.sh"

EXT=$(dirname "$LOADD")/loadd_sqlite
command -v sqlite3 >/dev/null || { ok 0 "# SKIP no sqlite3 CLI"; done_testing; }
[ -f "$EXT.so" ] || { ok 1 "loadd_sqlite.so is built"; done_testing; }

start_target
start_daemon || { ok 1 "daemon starts"; done_testing; }
s="{\"name\":\"checkout\",\"target\":\"$TURL\",\"labels\":{\"git\":\"abc\"},
 \"requests\":[{\"name\":\"fast\",\"path\":\"/\"},{\"name\":\"slow\",\"path\":\"/?delay=2ms\"},
  {\"name\":\"checkout\",\"path\":\"/?delay=1ms\"}],
 \"load\":{\"executor\":\"constant-vus\",\"vus\":4,\"duration\":\"3s\"}}"
id=$(submit "$s")
wait_run "$id" 60
is "$(jbody .status)" completed "a run to query"
stop_daemon

x() { sqlite3 -bail "$T/loadd.db" ".load $EXT" "$@" 2>&1; }
for r in '*' fast slow; do
	is "$(x "SELECT round(hist_quantile(hist_merge(i.hist), 0.99), 3) = s.p99_ms,
	    round(hist_quantile(hist_merge(i.hist), 0.5), 3) = s.p50_ms,
	    hist_count(hist_merge(i.hist)) = s.successful_requests
	    FROM intervals i JOIN run_stats s USING (run_id, request)
	    WHERE run_id = $id AND request = '$r'")" "1|1|1" \
	    "request $r: p99, p50 and count merged in SQL are the daemon's"
done
is "$(x "SELECT count(*) FROM (SELECT hist_quantile(hist_merge(hist) OVER
    (ORDER BY second ROWS BETWEEN 1 PRECEDING AND CURRENT ROW), 0.99) AS p
    FROM intervals WHERE run_id = $id AND request = 'slow') WHERE p >= 2")" \
    "$(x "SELECT count(*) FROM intervals WHERE run_id = $id AND request = 'slow' AND hist IS NOT NULL")" \
    "a rolling p99 of the slow request: every second at least its 2 ms"
is "$(x "SELECT r.labels->>'git', hist_count(hist_merge(i.hist)) > 0
    FROM intervals i JOIN runs r ON r.id = i.run_id
    WHERE i.request = '*' GROUP BY r.labels->>'git'")" "abc|1" \
    "p95 by label: a GROUP BY labels->>'git'"
is "$(x "SELECT sum(count) = (SELECT successful_requests FROM run_stats
    WHERE run_id = $id AND request = '*'), max(cum_pct)
    FROM hist_buckets((SELECT hist_merge(hist) FROM intervals
    WHERE run_id = $id AND request = '*'))")" "1|100.0" \
    "hist_buckets: the latency spectrum of the run adds up"
# The README's queries, as written there.
awk '/^### Percentiles over time/ { f = 1 } f && /^```sql/ { q = 1; next }
    q && /^```/ { exit } q && !/^\.load/ { print }' \
    "$top_srcdir/README.md" >"$T/readme.sql"
is "$(grep -c '^SELECT' "$T/readme.sql")" 4 "the README has its four queries"
x ".mode list" ".read $T/readme.sql" >"$T/readme.out"
is "$(grep -c '^Error' "$T/readme.out")" 0 "the README's queries run"
[ -s "$T/readme.out" ] && grep -m 3 . "$T/readme.out" | sed 's/^/#   /'
like "$(sed -n 1p "$T/readme.out")" "^$(date -u +%Y-%m-%d)\\|[0-9.]+$" \
    "p99 per day: today's row"
like "$(grep -c '^abc|' "$T/readme.out")" '^1$' "p95 by git sha: one row for abc"
like "$(tail -n 1 "$T/readme.out")" '\|100\.0$' \
    "the spectrum ends at 100 %"
like "$(x "SELECT hist_quantile(x'0102', 0.5)")" \
    'hist_quantile: malformed histogram: truncated min' \
    "a malformed blob is an SQL error in the CLI"
done_testing
