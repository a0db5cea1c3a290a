#!/bin/bash
# limits.sh -- a run that would need more file descriptors than loadd may
# open is refused up front, with what to do about it; max_samples caps the
# raw samples a run stores while its statistics go on.
. "${top_srcdir:-.}/tests/integration/lib.sh"

ulimit -n 1024 || { echo "1..0 # SKIP cannot set the fd limit"; exit 0; }
start_target
start_daemon || { ok 1 "daemon starts"; done_testing; }
is "$(api POST /v1/runs "{\"name\":\"many\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"r\",\"path\":\"/\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":2000,\"duration\":\"1s\"}}")" \
    400 "2000 VUs with 1024 descriptors is refused"
is "$(jbody .error.code)" limit_exceeded "as limit_exceeded"
like "$(jbody .error.message)" 'LimitNOFILE' "saying what to raise"
is "$(api POST /v1/runs "{\"name\":\"grp\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"g\",\"group\":\"parallel\",\"requests\":[{\"name\":\"a\",\"path\":\"/\"},{\"name\":\"b\",\"path\":\"/\"},{\"name\":\"c\",\"path\":\"/\"}]}],\"load\":{\"executor\":\"ramping-vus\",\"stages\":[{\"duration\":\"1s\",\"target\":400}]}}")" \
    400 "a group's VU needs a connection per member"
is "$(api POST /v1/runs "{\"name\":\"few\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"r\",\"path\":\"/\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":300,\"iterations\":300}}")" \
    201 "300 VUs fit"
wait_run "$(jbody .id)" 20
is "$(jbody .summary.overall.failed_requests)" 0 "and run without errors"
# Raising the VUs of a running run meets the same check.
id=$(submit "{\"name\":\"grow\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"r\",\"path\":\"/?delay=10ms\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":2,\"duration\":\"20s\"}}")
sleep 0.5
is "$(api PATCH "/v1/runs/$id" '{"vus":2000}')" 400 "PATCH to 2000 VUs is refused too"
like "$(jbody .error.message)" 'LimitNOFILE' "saying what to raise"
is "$(api PATCH "/v1/runs/$id" '{"vus":20}')" 200 "20 VUs fit"
api POST "/v1/runs/$id/stop" >/dev/null
wait_run "$id" 10
stop_daemon

# max_queue 0: a run starts when nothing runs, and nothing waits.
printf 'max_samples = 1000\nmax_queue = 0\n' >"$T/cap.conf"
start_daemon -c "$T/cap.conf" --threads 2 || { ok 1 "daemon starts"; done_testing; }
# 2 ms a request: the run lasts about 1.5 s, long enough for the second
# submit below to find it running (without a delay it could end first).
id=$(submit "{\"name\":\"cap\",\"target\":\"$TURL\",\"samples\":\"all\",\"requests\":[{\"name\":\"r\",\"path\":\"/?delay=2ms\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":4,\"iterations\":3000}}")
ok $(( id > 0 ? 0 : 1 )) "max_queue 0 takes a run on an idle daemon"
is "$(api POST /v1/runs "{\"name\":\"q\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"r\",\"path\":\"/\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":1,\"iterations\":1}}")" \
    429 "and refuses one that would wait"
wait_run "$id" 30
is "$(jbody .status)" completed "a run past max_samples completes"
is "$(jbody .summary.overall.total_requests)" 3000 "its statistics count every request"
is "$(jbody .summary.samples_stored)" 1000 "it stored max_samples raw samples"
is "$(jbody .summary.samples_capped)" 2000 "and says how many it left out"
is "$(jbody .summary.samples_shed)" 0 "none of them counted as shed"
is "$(sq "SELECT count(*) FROM samples WHERE run_id = $id")" 1000 \
    "the samples table holds exactly 1000 rows"
is "$(sq "SELECT total_requests FROM run_stats WHERE run_id = $id AND request = '*'")" \
    3000 "run_stats has them all"
api GET "/v1/runs/$id/report?format=md" >/dev/null
like "$(cat "$T/body")" 'reached max\\?_samples' "the report says so"
like "$(cat "$T/loadd.log")" "run $id: max_samples \(1000\) reached" "and the log"
done_testing
