#!/bin/bash
# baselines.sh -- name a run, compare later runs with it, fail on a real
# regression: 5 ms baseline, 5 ms again (passes), 8 ms (latency regressed,
# exit 1), 2% errors (error_rate regressed); tolerance errors; bootstrap.
. "${top_srcdir:-.}/tests/integration/lib.sh"

start_target
start_daemon --threads 2 || { ok 1 "daemon starts"; done_testing; }
scen() {	# PATH
	echo "{\"name\":\"api\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"get\",\"path\":\"$1\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":10,\"duration\":\"6s\"}}"
}
scen '/?delay=5ms' >"$T/5ms.json"
scen '/?delay=8ms' >"$T/8ms.json"
scen '/?delay=5ms&fail=2' >"$T/err.json"

# The first run with --baseline creates the baseline.
out=$("$LOADCTL" run "$T/5ms.json" --wait --baseline api 2>&1)
is $? 0 "first run with --baseline exits 0"
like "$out" 'baseline api created' "and says it created the baseline"
is "$(api GET /v1/baselines/api; jbody .run_id)" 2001 "baseline api names run 1"
is "$(api GET /v1/baselines; jbody '.baselines[0].name')" 200api "listed"
"$LOADCTL" baseline ls >"$T/out" 2>&1
like "$(cat "$T/out")" 'api' "loadctl baseline ls"

out=$("$LOADCTL" run "$T/5ms.json" --wait --baseline api 2>&1)
is $? 0 "the same load again passes the comparison"
like "$out" 'unchanged|improved' "verdicts are shown"

out=$("$LOADCTL" run "$T/8ms.json" --wait --baseline api 2>&1)
is $? 1 "5 ms -> 8 ms exits 1"
like "$out" 'regressed' "and says regressed"
id8=$(sq "SELECT max(id) FROM runs")
is "$(api GET "/v1/runs/$id8/compare?baseline=api"; jbody .passed)" \
    200false "the comparison did not pass"
is "$(jbody '[.metrics[] | select(.request == "*" and .metric == "p95") | .verdict] | .[0]')" \
    regressed "p95 regressed"
is "$(jbody '[.metrics[] | select(.request == "*" and .metric == "rps") | .verdict] | .[0]')" \
    regressed "rps fell (closed model, slower target)"
like "$(jbody '.metrics[0].change_pct')" '^[0-9.]+$' "with the change in percent"
is "$(jbody '.baseline.name')" api "names the baseline"
is "$(jbody '.metrics[] | select(.request == "get") | .request' | head -n 1)" get \
    "each request present in both is compared"
is "$(api GET "/v1/runs/$id8/compare?baseline=api&tolerance=p95:100%,rps:100%"; jbody .passed)" \
    200true "a loose tolerance lets it pass"
is "$(api GET "/v1/runs/$id8/compare?baseline=api&format=md")" 200 "md comparison"
like "$(head -n 1 "$T/body")" 'regression' "opens with the verdict"
"$LOADCTL" compare "$id8" --baseline api >"$T/out" 2>&1
is $? 1 "loadctl compare exits 1 on a regression"
"$LOADCTL" compare "$id8" --run 2 --tolerance 'mean:1000%,p95:1000%,p99:1000%,rps:1000%' >"$T/out" 2>&1
is $? 0 "loadctl compare --run with a tolerance"

out=$("$LOADCTL" run "$T/err.json" --wait --baseline api 2>&1)
is $? 1 "2% errors exits 1"
iderr=$(sq "SELECT max(id) FROM runs")
api GET "/v1/runs/$iderr/compare?baseline=api" >/dev/null
is "$(jbody '[.metrics[] | select(.request == "*" and .metric == "error_rate") | .verdict] | .[0]')" \
    regressed "error_rate regressed (percentage points)"

# The report of a compared run shows its baseline.
is "$(api GET "/v1/runs/$id8/report?format=html")" 200 "html of a compared run"
like "$(cat "$T/body")" 'aseline' "shows the baseline beside it"

# Tolerance and baseline errors.
for bad in 'p98:10%' 'p95:10' 'p95' 'rps:-1%' 'p95:5%,p95:6%'; do
	code=$(api GET "/v1/runs/$id8/compare?baseline=api&tolerance=$bad")
	is "$code $(jbody .error.code)" "400 invalid_tolerance" "tolerance '$bad' is 400"
done
like "$(api GET "/v1/runs/$id8/compare?baseline=api&tolerance=p98:10%"; jbody .error.message)" \
    'p98' "the message names the bad metric"
is "$(api GET "/v1/runs/$id8/compare?baseline=nope")" 404 "an unknown baseline is 404"
is "$(jbody .error.code)" baseline_not_found "code baseline_not_found"
is "$(api GET "/v1/runs/$id8/compare")" 400 "baseline or run is required"

# Baselines: only completed runs; a named run cannot be deleted.
sid=$(submit "$(scen '/?delay=5ms' | sed 's/"duration":"6s"/"duration":"30s"/')")
sleep 0.5
is "$(api PUT /v1/baselines/x "{\"run_id\":$sid}")" 409 "a running run cannot be a baseline"
api POST "/v1/runs/$sid/stop" >/dev/null
wait_run "$sid" 10
is "$(api PUT /v1/baselines/x "{\"run_id\":$sid}")" 409 "nor a stopped one"
is "$(api PUT /v1/baselines/x '{"run_id":99999}')" 404 "an unknown run is 404"
is "$(api PUT /v1/baselines/x '{"run":1}')" 400 "a bad body is 400"
is "$(api PUT /v1/baselines/api2 '{"run_id":1}')" 201 "a second baseline"
is "$(api PUT /v1/baselines/api2 '{"run_id":1}')" 200 "set again: 200"
is "$(api DELETE /v1/runs/1)" 409 "a baseline's run cannot be deleted"
"$LOADCTL" baseline rm api2 >/dev/null 2>&1
is $? 0 "loadctl baseline rm"
is "$(api GET /v1/baselines/api2)" 404 "gone"
"$LOADCTL" baseline set api2 1 >/dev/null 2>&1
is $? 0 "loadctl baseline set"
"$LOADCTL" baseline show api2 >"$T/out" 2>&1
like "$(cat "$T/out")" 'run_id' "loadctl baseline show"
done_testing
