#!/bin/bash
# retention.sh -- retention_days prunes the raw samples of old runs at
# start; summaries, run_stats and intervals stay.
. "${top_srcdir:-.}/tests/integration/lib.sh"

start_target
printf 'retention_days = 2\n' >"$T/loadd.conf"
start_daemon -c "$T/loadd.conf" || { ok 1 "daemon starts"; done_testing; }
scen="{\"name\":\"ret\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"r\",\"path\":\"/\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":2,\"iterations\":30000}}"
old=$(submit "$scen")
wait_run "$old" 60
new=$(submit "$scen")
wait_run "$new" 60
stop_daemon
sq "UPDATE runs SET ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-3 days') WHERE id = $old"
is "$(sq "SELECT count(*) FROM samples WHERE run_id = $old")" 30000 "the old run has its samples"
start_daemon -c "$T/loadd.conf" || ok 1 "daemon restarts"
for i in $(seq 1 50); do
	[ "$(sq "SELECT count(*) FROM samples WHERE run_id = $old")" = 0 ] && break
	sleep 0.1
done
is "$(sq "SELECT count(*) FROM samples WHERE run_id = $old")" 0 \
    "its samples are pruned at start (in batches)"
is "$(sq "SELECT count(*) FROM samples WHERE run_id = $new")" 30000 \
    "a recent run keeps its samples"
is "$(sq "SELECT total_requests FROM run_stats WHERE run_id = $old AND request = '*'")" \
    30000 "run_stats stay"
ok $(( $(sq "SELECT count(*) FROM intervals WHERE run_id = $old") > 0 ? 0 : 1 )) \
    "intervals stay"
is "$(api GET "/v1/runs/$old/report?format=json"; jbody .overall.total_requests)" \
    20030000 "the report is whole"
like "$(grep 'retention: deleted' "$T/loadd.log")" '30000 samples' "and it is logged"
done_testing
