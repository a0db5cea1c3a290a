#!/bin/bash
# control.sh -- live control and the queue: PATCH, stop, 429, 403, DELETE,
# and loadctl's run/ls/status/wait/stop/rm with their exit codes.
. "${top_srcdir:-.}/tests/integration/lib.sh"

start_target
printf 'max_queue = 2\n' >"$T/loadd.conf"
start_daemon --threads 2 -c "$T/loadd.conf" || { ok 1 "daemon starts"; done_testing; }

long() {	# NAME LOAD: a run of the slow path
	echo "{\"name\":\"$1\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"r\",\"path\":\"/?delay=10ms\"}],\"load\":$2}"
}
progress() {
	api GET "/v1/runs/$1" >/dev/null
	jbody ".progress.$2"
}

# Live VUs.
id=$(submit "$(long pv '{"executor":"constant-vus","vus":2,"duration":"30s"}')")
sleep 1.5
is "$(api GET /v1/health; jbody .active_run)" 200"$id" "health shows the active run"
is "$(progress "$id" vus)" 2 "2 VUs at first"
is "$(api PATCH "/v1/runs/$id" '{"vus":6}')" 200 "PATCH vus"
sleep 1.5
is "$(progress "$id" vus)" 6 "6 VUs after the PATCH"
is "$(api PATCH "/v1/runs/$id" '{"rate":5}')" 400 "rate on a closed model is 400"
is "$(jbody .error.path)" /rate "pointing at /rate"
is "$(api PATCH "/v1/runs/$id" '{"vus":-1}')" 400 "negative vus is 400"
is "$(api PATCH "/v1/runs/$id" '{"bogus":1}')" 400 "unknown field is 400"

# Pause and resume.
is "$(api PATCH "/v1/runs/$id" '{"paused":true}')" 200 "pause"
is "$(jbody .progress.paused)" true "the run's progress says paused"
sleep 2.2
a=$(progress "$id" requests)
sleep 1.5
b=$(progress "$id" requests)
is "$b" "$a" "no requests while paused"
is "$(api PATCH "/v1/runs/$id" '{"paused":false}')" 200 "resume"
is "$(jbody .progress.paused)" false "and no longer after resume"
sleep 1.5
c=$(progress "$id" requests)
ok $(( c > b ? 0 : 1 )) "requests flow again after resume ($b -> $c)"

# The queue: in order, limited, and stoppable while queued.
q1=$(submit "$(long q1 '{"executor":"constant-vus","vus":1,"duration":"1s"}')")
q2=$(submit "$(long q2 '{"executor":"constant-vus","vus":1,"duration":"1s"}')")
is "$(api POST /v1/runs "$(long q3 '{"executor":"constant-vus","vus":1,"duration":"1s"}')")" \
    429 "a full queue answers 429"
is "$(jbody .error.code)" queue_full "code queue_full"
is "$(api GET "/v1/runs/$q1"; jbody .status)" 200queued "the next run waits"
is "$(api POST "/v1/runs/$q2/stop")" 202 "a queued run can be stopped"
is "$(api GET "/v1/runs/$q2"; jbody .status)" 200stopped "and never runs"

# Stop the active run: it ends as stopped with its results.
is "$(api POST "/v1/runs/$id/stop")" 202 "stop the active run"
wait_run "$id" 10
is "$(jbody .status)" stopped "it ends as stopped"
is "$(jbody .passed)" false "a stopped run did not pass"
ok $(( $(jbody .summary.overall.total_requests) > 0 ? 0 : 1 )) "its results are kept"
wait_run "$q1" 20
is "$(jbody .status)" completed "then the queued run ran"
is "$(api POST "/v1/runs/$q1/stop")" 409 "stopping an ended run is 409"

# Live rate on an open model.
id=$(submit "$(long pr '{"executor":"constant-rate","rate":20,"duration":"30s"}')")
sleep 2.2
r1=$(progress "$id" rps)
is "$(api PATCH "/v1/runs/$id" '{"rate":100}')" 200 "PATCH rate"
sleep 3.2
r2=$(progress "$id" rps)
ok $(( r1 >= 15 && r1 <= 25 && r2 >= 85 && r2 <= 115 ? 0 : 1 )) \
    "rate follows the PATCH ($r1 -> $r2 per second)"
is "$(api PATCH "/v1/runs/$id" '{"vus":3}')" 400 "vus on an open model is 400"
is "$(api DELETE "/v1/runs/$id")" 409 "DELETE of a running run is 409"
api POST "/v1/runs/$id/stop" >/dev/null
wait_run "$id" 10
is "$(api PATCH "/v1/runs/$id" '{"rate":1}')" 409 "PATCH of an ended run is 409"
is "$(api PATCH /v1/runs/999999 '{"rate":1}')" 404 "PATCH of an unknown run is 404"
is "$(jbody .error.code)" run_not_found "code run_not_found"

# Pause and resume while VUs think: a thinking VU is not started twice, so
# an iterations run ends on its count, and the target saw exactly that.
seen0=$(target_stat requests)
id=$(submit "{\"name\":\"think\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"r\",\"path\":\"/?delay=100ms\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":4,\"iterations\":40,\"think_time\":\"300ms\"}}")
sleep 0.7
for i in 1 2 3 4 5; do
	api PATCH "/v1/runs/$id" '{"paused":true}' >/dev/null
	api PATCH "/v1/runs/$id" '{"paused":false}' >/dev/null
	sleep 0.15
done
wait_run "$id" 30
is "$(jbody .status)" completed "pause/resume during think time: completes"
is "$(jbody .summary.overall.total_requests)" 40 "with its 40 iterations"
is "$(( $(target_stat requests) - seen0 ))" 40 "and the target saw 40"

# Progress during the warmup: its requests apart, none counted yet.
id=$(submit "$(long wu '{"executor":"constant-vus","vus":2,"duration":"1s","warmup":"2s"}' | sed 's/delay=10ms/status=500/')")
sleep 1.6
is "$(progress "$id" requests)/$(progress "$id" errors)" 0/0 \
    "warmup: no requests or errors counted yet"
ok $(( $(progress "$id" warmup_requests) > 0 ? 0 : 1 )) "warmup requests shown apart"
is "$(progress "$id" warmup)" true "progress says warmup"
wait_run "$id" 10
is "$(jbody .summary.overall.total_requests)" "$(jbody .summary.overall.failed_requests)" \
    "then every counted request failed (status 500)"

# Open model past max_vus: what waits at the end is counted as dropped.
id=$(submit "$(long ov '{"executor":"constant-rate","rate":100,"duration":"2s","max_vus":2}' | sed 's/delay=10ms/delay=100ms/')")
wait_run "$id" 20
tot=$(jbody .summary.overall.total_requests)
late=$(jbody .summary.open.late_iterations)
drop=$(jbody .summary.open.dropped_iterations)
ok $(( late > 0 && tot < 80 ? 0 : 1 )) "overloaded open model: $tot done, $late late"
ok $(( tot + drop >= 190 && tot + drop <= 200 ? 0 : 1 )) \
    "every scheduled iteration is done or dropped ($tot + $drop of 200)"
lat=$(jbody .summary.overall.median_latency_ms)
svc=$(jbody .summary.open.service_time.p50_ms)
ok $(awk -v l="$lat" -v s="$svc" 'BEGIN { exit !(l > 3 * s && s >= 100) }'; echo $?) \
    "latency from the schedule ($lat ms) counts the wait, service time ($svc ms) does not"

# Targets outside allow_targets: 403 before anything is stored or sent.
n=$(sq "SELECT count(*) FROM runs")
is "$(api POST /v1/runs '{"name":"out","target":"http://192.0.2.1:80","requests":[{"name":"r","path":"/"}],"load":{"executor":"constant-vus","vus":1,"duration":"1s"}}')" \
    403 "a target outside allow_targets is 403"
is "$(jbody .error.code)" forbidden_target "code forbidden_target"
is "$(api POST /v1/runs "{\"name\":\"out2\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"r\",\"path\":\"/\"},{\"name\":\"grp\",\"group\":\"race\",\"requests\":[{\"name\":\"a\",\"path\":\"/\"},{\"name\":\"b\",\"url\":\"http://198.51.100.7/\"}]}],\"load\":{\"executor\":\"constant-vus\",\"vus\":1,\"duration\":\"1s\"}}")" \
    403 "a url inside a group is checked too"
is "$(sq "SELECT count(*) FROM runs")" "$n" "nothing was stored"
is "$(api POST /v1/runs "{\"name\":\"v6\",\"target\":\"http://[::1]:$TPORT\",\"requests\":[{\"name\":\"r\",\"path\":\"/\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":1,\"iterations\":1}}")" \
    201 "::1 is allowed"
wait_run "$(jbody .id)" 10
is "$(api POST /v1/runs "{\"name\":\"lh\",\"target\":\"http://localhost:$TPORT\",\"requests\":[{\"name\":\"r\",\"path\":\"/\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":1,\"iterations\":1}}")" \
    201 "localhost is allowed"
wait_run "$(jbody .id)" 10

# A stored scenario by name, with labels merged.
api PUT /v1/scenarios/stored "$(long stored '{"executor":"constant-vus","vus":1,"iterations":5}')" >/dev/null
is "$(api POST /v1/runs '{"scenario":"stored","labels":{"git":"abc123"}}')" 201 \
    "run a stored scenario by name"
sid=$(jbody .id)
wait_run "$sid" 10
is "$(jbody .labels.git)" abc123 "labels are stored with the run"
is "$(sq "SELECT labels->>'git' FROM runs WHERE id = $sid")" abc123 "and queryable in SQL"
is "$(api POST /v1/runs '{"scenario":"nope"}')" 404 "an unknown stored scenario is 404"
is "$(api GET '/v1/runs?scenario=stored')" 200 "list by scenario"
is "$(jbody '.runs | length')" 1 "finds it"
is "$(api GET '/v1/runs?status=stopped&limit=1')" 200 "list by status, limited"
is "$(jbody '.runs | length')" 1 "one"
is "$(api GET "/v1/runs")" 200 "list all"
is "$(jbody '.runs[0].id')" "$sid" "newest first"

# DELETE: gone with its rows; a baseline's run is protected.
is "$(api DELETE "/v1/runs/$q1")" 204 "DELETE an ended run"
is "$(sq "SELECT count(*) FROM samples WHERE run_id = $q1") $(sq "SELECT count(*) FROM intervals WHERE run_id = $q1")" \
    "0 0" "its samples and intervals are gone"
sq "INSERT INTO baselines VALUES ('base', $sid, '2026-01-01T00:00:00Z')"
is "$(api DELETE "/v1/runs/$sid")" 409 "a run a baseline names cannot be deleted"
is "$(jbody .error.code)" run_is_baseline "code run_is_baseline"
is "$(api GET /v1/runs/999999)" 404 "unknown run is 404"
is "$(api GET /v1/runs/abc)" 400 "a non-numeric id is 400 (the input is wrong, SPEC 13)"

# loadctl end to end, with its exit codes.
long lc '{"executor":"constant-vus","vus":2,"duration":"1s"}' >"$T/lc.json"
"$LOADCTL" run "$T/lc.json" --wait >"$T/out" 2>&1
is $? 0 "loadctl run --wait exits 0 on success"
like "$(cat "$T/out")" 'overall' "and prints the summary table"
sed 's/"load"/"thresholds":["p99 < 1ms"],"load"/' "$T/lc.json" >"$T/th.json"
"$LOADCTL" run "$T/th.json" --wait >"$T/out" 2>&1
is $? 1 "a failed threshold exits 1"
like "$(cat "$T/out")" 'p99 < 1ms' "and names the rule"
long lw '{"executor":"constant-vus","vus":1,"duration":"20s"}' >"$T/lw.json"
out=$("$LOADCTL" run "$T/lw.json")
wid=$(echo "$out" | grep -o '[0-9]\+' | head -n 1)
like "$out" 'queued' "loadctl run without --wait returns at once"
sleep 1
"$LOADCTL" stop "$wid" >/dev/null 2>&1
is $? 0 "loadctl stop"
"$LOADCTL" wait "$wid" >/dev/null 2>&1
is $? 4 "loadctl wait exits 4 for a stopped run"
"$LOADCTL" status "$wid" >"$T/out" 2>&1
like "$(cat "$T/out")" 'stopped' "loadctl status"
"$LOADCTL" ls >"$T/out" 2>&1
like "$(cat "$T/out")" "$wid" "loadctl ls lists it"
"$LOADCTL" rm "$wid" >/dev/null 2>&1
is $? 0 "loadctl rm"
"$LOADCTL" status "$wid" >/dev/null 2>&1
is $? 3 "status of a removed run exits 3"
done_testing
