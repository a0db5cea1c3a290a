#!/bin/bash
# honest.sh -- SPEC section 13: a run that got no response never passes and
# its numbers say "no data" (null, NULL, "–") in every layer, as a CI job
# reads them: a dead port, a target that never answers, one that answers
# only 500s. Also: a dead target is cheap, JUnit validates, a monitor
# reports on a short run, and the loadctl exit codes for refused input.
. "${top_srcdir:-.}/tests/integration/lib.sh"

start_target
start_daemon --threads 2 || { ok 1 "daemon starts"; done_testing; }
dead=$(free_port)
L() { "$LOADCTL" --server "$URL" "$@"; }
XSD="$top_srcdir/tests/data/junit.xsd"

# scen NAME PATH DURATION [EXTRA]: one request, two VUs, p95 < 100ms.
scen() {
	echo "{\"name\":\"$1\",\"target\":\"$2\",\"timeout\":\"200ms\",\"requests\":[{\"name\":\"home\",\"path\":\"$3\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":2,\"duration\":\"$4\"},\"thresholds\":[\"p95 < 100ms\"]${5:-}}"
}

# junit_valid ID: the run's junit report validates against the schema.
junit_valid() {
	api GET "/v1/runs/$1/report?format=junit" >/dev/null
	xmllint --noout --schema "$XSD" "$T/body" >>"$T/xmllint.log" 2>&1
}

# --- A dead port: every request refused. ---
scen dead "http://127.0.0.1:$dead" / 3s >"$T/dead.json"
t0=$(awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat")
L run "$T/dead.json" --wait >"$T/dead.out" 2>&1
rc=$?
t1=$(awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat")
is "$rc" 1 "dead port: loadctl run --wait exits 1"
like "$(cat "$T/dead.out")" 'actual -, no data' "it prints the no-data verdict"
like "$(cat "$T/dead.out")" 'FAILED' "and FAILED"
id=$(L ls --json | jq -r '.runs[0].id')
api GET "/v1/runs/$id" >/dev/null
is "$(jbody .status)" completed "the run completed"
is "$(jbody .passed)" false "it did not pass"
is "$(jbody .summary.overall.successful_requests)" 0 "no successful request"
is "$(jbody .summary.overall.p95_latency_ms)" null "p95 is null, not 0"
is "$(jbody .summary.overall.avg_latency_ms)" null "avg is null"
is "$(jbody .summary.overall.min_latency_ms)" null "min is null"
is "$(jbody '.summary.requests[0].median_latency_ms')" null "per request too"
is "$(jbody '.summary.thresholds[0].actual')" null "threshold actual: null"
is "$(jbody '.summary.thresholds[0].note')" "no data" "note: no data"
is "$(jbody '.summary.thresholds[0].passed')" false "the threshold failed"
reqs=$(jbody .summary.overall.total_requests)
is "$(sq "SELECT count(*) FROM run_stats WHERE run_id = $id AND p95_ms IS NULL AND avg_ms IS NULL AND max_ms IS NULL")" \
    2 "run_stats: NULL latency for the run and the request"
is "$(sq "SELECT typeof(p95_ms) FROM run_summary WHERE run_id = $id")" null \
    "run_summary.p95_ms is NULL"
is "$(sq "SELECT count(*) FROM request_trend WHERE run_id = $id AND p50_ms IS NULL")" \
    2 "request_trend: NULL"
is "$(sq "SELECT count(*) FROM intervals WHERE run_id = $id AND (p50_ms IS NOT NULL OR max_ms IS NOT NULL)")" \
    0 "intervals: no second has a latency"
api GET "/v1/runs/$id/timeseries" >/dev/null
is "$(jbody '[.series[] | .p95_ms] | map(select(. != null)) | length')" 0 \
    "timeseries: p95 null in every second"
# A dead target is cheap: each VU backs off, 10 ms doubling to 1 s.
ok $(( reqs > 0 && reqs < 200 ? 0 : 1 )) \
    "dead target: $reqs connection attempts in 3 s by 2 VUs (backoff)"
ticks=$((t1 - t0))
hz=$(getconf CLK_TCK)
ok $(( ticks * 100 < hz * 3 * 25 ? 0 : 1 )) \
    "dead target: loadd used $ticks ticks of CPU in 3 s (under a quarter core)"
api GET "/v1/runs/$id/report?format=md" >/dev/null
like "$(cat "$T/body")" 'no successful request' "md: the reason"
like "$(cat "$T/body")" '\| \*\*all\*\* \| [0-9]+ \| [0-9]+ \(100%\) \| [0-9.]+ \| – \| – \| – \| – \| – \|' \
    "md: – for every latency"
like "$(cat "$T/body")" 'actual – \(no data\)' "md: the threshold says no data"
check "junit (dead port) validates against the JUnit schema" junit_valid "$id"
like "$(cat "$T/body")" 'failure message="p95 &lt; 100ms: actual – \(no data\)"' \
    "junit: the threshold fails with no data"

# The same run without thresholds: still not passed.
scen nothr "http://127.0.0.1:$dead" / 1s >"$T/nothr.json"
sed -i 's/,"thresholds":\["p95 < 100ms"\]//' "$T/nothr.json"
L run "$T/nothr.json" --wait >"$T/nothr.out" 2>&1
is $? 1 "no thresholds, no success: loadctl exits 1"
like "$(cat "$T/nothr.out")" 'FAILED.*: no successful request' \
    "and prints the reason"
nid=$(L ls --json | jq -r '.runs[0].id')
L status "$nid" >"$T/status.out" 2>&1
like "$(cat "$T/status.out")" 'reason: +no successful request' \
    "loadctl status prints the reason"
api GET "/v1/runs/$nid/report?format=junit" >/dev/null
like "$(cat "$T/body")" 'failure message="run completed: no successful request"' \
    "junit: a failing case with the reason"
check "junit (no thresholds) validates" junit_valid "$nid"

# --- A target that accepts and never answers: timeouts. ---
scen silent "$TURL" '/?delay=10s' 2s >"$T/silent.json"
L run "$T/silent.json" --wait >/dev/null 2>&1
is $? 1 "timeouts: loadctl exits 1"
id=$(L ls --json | jq -r '.runs[0].id')
api GET "/v1/runs/$id" >/dev/null
is "$(jbody '[.summary.errors[] | select(.kind == "timeout") | .count] | add')" \
    "$(jbody .summary.overall.failed_requests)" "every failure is a timeout"
is "$(jbody .summary.overall.p99_latency_ms)" null "p99 is null"
is "$(jbody .reason)" "no successful request" "reason: no successful request"
check "junit (timeouts) validates" junit_valid "$id"

# --- A target that answers only 500s: latency exists, the run fails. ---
scen five "$TURL" '/?status=500' 1s >"$T/five.json"
L run "$T/five.json" --wait >/dev/null 2>&1
is $? 1 "500s: loadctl exits 1"
id=$(L ls --json | jq -r '.runs[0].id')
api GET "/v1/runs/$id" >/dev/null
like "$(jbody .summary.overall.p95_latency_ms)" '^[0-9.]+$' \
    "500s have a latency (a complete response)"
is "$(jbody .passed)" false "but the run does not pass"
is "$(jbody .reason)" "no successful request" "for want of a success"
check "junit (500s) validates" junit_valid "$id"

# --- Comparisons: data in the baseline, none in the run, regresses. ---
scen ok "$TURL" / 1s >"$T/ok.json"
L run "$T/ok.json" --wait >/dev/null 2>&1
is $? 0 "a healthy run passes"
okid=$(L ls --json | jq -r '.runs[0].id')
check "junit (passed) validates" junit_valid "$okid"
api GET "/v1/runs/$okid/report?format=junit" >/dev/null
like "$(cat "$T/body")" 'timestamp="[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}"' \
    "junit: timestamp without fraction or zone"
deadid=$(L ls --json --scenario dead | jq -r '.runs[0].id')
api GET "/v1/runs/$deadid/compare?run=$okid" >/dev/null
is "$(jbody '.metrics[] | select(.request == "*" and .metric == "p95") | .verdict')" \
    regressed "p95 with no data in the run: regressed"
is "$(jbody '.metrics[] | select(.request == "*" and .metric == "p95") | .note')" \
    "no data" "with the note no data"
is "$(jbody '.metrics[] | select(.request == "*" and .metric == "p95") | .current')" \
    null "current: null"
is "$(jbody .passed)" false "the comparison fails"
L compare "$deadid" --run "$okid" >"$T/cmp.out" 2>&1
is $? 1 "loadctl compare exits 1"
like "$(cat "$T/cmp.out")" 'regressed +no data' "and prints the note beside the verdict"
api GET "/v1/runs/$okid/compare?run=$okid&tolerance=p95:10%25,home:p95:1%25,home:mean:5%25" >/dev/null
is "$(jbody '[.metrics[] | select(.request == "home")] | map(.metric) | join(",")')" \
    "p95,mean" "a tolerance naming a request replaces the bare one for it"
is "$(jbody '.tolerance["home:p95"]')" 1 "and is listed as request:metric"

# --- loadctl: refused input exits 2, a dead server 3. ---
printf '{"name":"bad","requests":[],"load":{}}' >"$T/bad.json"
L run "$T/bad.json" >/dev/null 2>&1
is $? 2 "an invalid scenario: exit 2"
L compare "$okid" --run "$okid" --tolerance 'p98:5%' >/dev/null 2>&1
is $? 2 "an invalid tolerance: exit 2"
L status abc >/dev/null 2>&1
is $? 2 "a run id that is not a number: exit 2"
L status 99999 >/dev/null 2>&1
is $? 3 "an unknown run: exit 3"
"$LOADCTL" --server "http://127.0.0.1:$dead" health >/dev/null 2>&1
is $? 3 "an unreachable server: exit 3"
L report "$okid" -o "$T/report.txt" >"$T/out" 2>&1
is $? 2 "report -o with an unknown extension is an error"
like "$(cat "$T/out")" 'give --format' "saying how to fix it"
ok $([ ! -e "$T/report.txt" ]; echo $?) "and writes no file"
L report "$okid" -o "$T/report.xml" >/dev/null 2>&1
check "report -o FILE.xml writes valid JUnit" xmllint --noout --schema "$XSD" "$T/report.xml"

# A file whose name is a stored scenario's, with another spec: say so.
L scenario put "$T/ok.json" >/dev/null 2>&1
sed 's/"vus":2/"vus":1/' "$T/ok.json" >"$T/ok2.json"
L run "$T/ok2.json" >"$T/out" 2>&1
like "$(cat "$T/out")" 'not the stored scenario "ok"' \
    "run FILE differing from the stored scenario of its name warns"
L wait "$(L ls --json | jq -r '.runs[0].id')" >/dev/null 2>&1
L run "$T/ok.json" --label git=abc >"$T/out" 2>&1
ok $(grep -q 'not the stored' "$T/out"; echo $(( ! $? ))) \
    "the same spec does not warn, labels or not"
L wait "$(L ls --json | jq -r '.runs[0].id')" >/dev/null 2>&1

# --- A sweep stopped in its second level: the third has no rate. ---
echo "{\"name\":\"sw\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"home\",\"path\":\"/\"}],\"load\":{\"executor\":\"sweep\",\"levels\":[1,2,3],\"level_duration\":\"2s\"}}" >"$T/sw.json"
sid=$(L run "$T/sw.json" --json | jq -r .id)
api GET "/v1/runs/$sid" >/dev/null
is "$(jbody .progress.p95_ms)" null "progress before the first second: p95 null, not 0"
sleep 3
L stop "$sid" >/dev/null 2>&1
L wait "$sid" >/dev/null 2>&1
api GET "/v1/runs/$sid" >/dev/null
is "$(jbody '.summary.levels[2].throughput_rps')" null \
    "a level the run never reached has no rate"
is "$(jbody '.summary.levels[2].total_requests')" 0 "and no request"
lvl0=$(jbody '.summary.levels[0] | (.total_requests / .throughput_rps)')
ok $(awk -v s="$lvl0" 'BEGIN { exit !(s > 1.9 && s < 2.1) }'; echo $?) \
    "a whole level's rate is over its 2 s ($lvl0 s)"
lvl1=$(jbody '.summary.levels[1] | (.total_requests / .throughput_rps)')
ok $(awk -v s="$lvl1" 'BEGIN { exit !(s > 0.5 && s < 1.9) }'; echo $?) \
    "a level cut short is measured over its part ($lvl1 s)"
L status "$sid" >"$T/out" 2>&1
like "$(cat "$T/out")" 'sweep levels:' "loadctl status shows the levels"
api GET "/v1/runs/$sid/report?format=csv" >/dev/null
like "$(cat "$T/body")" 'level:3,0,0,0,,' "csv: a level per row, no data empty"

# --- Timeseries of an unknown request is a 404. ---
is "$(api GET "/v1/runs/$okid/timeseries?request=nosuch")" 404 \
    "timeseries?request=nosuch is 404"
is "$(api GET "/v1/runs/$okid/timeseries?request=home")" 200 \
    "timeseries?request=home is 200"
like "$(jbody '.series[0].p50_ms')" '^[0-9]+(\.[0-9]{1,3})?$' \
    "latency rounded to 3 decimals"

# --- A monitor on a 300 ms run still has CPU and RSS; a target threshold. ---
tpid=${TARGET_PIDS##* }
echo "{\"name\":\"mon\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"home\",\"path\":\"/\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":1,\"duration\":\"300ms\"},\"monitor\":{\"pid\":$tpid},\"thresholds\":[\"target_rss_max < 1g\",\"target_rss_growth < 100m\"]}" >"$T/mon.json"
L run "$T/mon.json" --wait >"$T/mon.out" 2>&1
is $? 0 "a monitored 300 ms run passes its target thresholds"
id=$(L ls --json | jq -r '.runs[0].id')
api GET "/v1/runs/$id/report" >/dev/null
like "$(jbody .system.target.rss_max_bytes)" '^[0-9]+$' "target RSS on a 300 ms run"
like "$(jbody .system.target.cpu_pct_avg)" '^[0-9.]+$' "target CPU on a 300 ms run"
like "$(jbody '.warnings | join(" ")')" 'rest on [12] samples' \
    "the report says how few samples there were"
like "$(jbody '.thresholds[0].actual')" '^[0-9]+$' "target_rss_max has a value (bytes)"
# abort_on_fail on a target metric aborts the run.
sed 's/"thresholds":\[[^]]*\]/"thresholds":[{"rule":"target_rss_max < 1k","abort_on_fail":true}]/; s/"300ms"/"10s"/' \
    "$T/mon.json" >"$T/abort.json"
L run "$T/abort.json" --wait >"$T/abort.out" 2>&1
is $? 4 "abort_on_fail on target_rss_max stops the run (exit 4)"
like "$(cat "$T/abort.out")" 'aborted' "as aborted"
is "$(api POST /v1/runs "$(sed 's/,"monitor":{"pid":[0-9]*}//' "$T/mon.json")")" \
    400 "target thresholds without a monitor are refused"
like "$(jbody .error.message)" 'needs a "monitor"' "saying why"

# --- Prometheus: a series without data is absent. ---
scen pdead "http://127.0.0.1:$dead" / 3s >"$T/pdead.json"
sed -i 's/,"thresholds":\["p95 < 100ms"\]//' "$T/pdead.json"
pid=$(L run "$T/pdead.json" --json | jq -r .id)
sleep 1.5
curl -s "$URL/metrics" >"$T/metrics"
like "$(cat "$T/metrics")" 'loadd_run_requests_total' "metrics of the active run"
ok $(grep -q '^loadd_run_p95_seconds' "$T/metrics"; echo $(( ! $? ))) \
    "loadd_run_p95_seconds is absent without a response"
ok $(grep -E '^[a-z_]+(\{[^}]*\})? ' "$T/metrics" | awk '{ print $2 }' | \
    grep -Eq '\.[0-9]{10,}'; echo $(( ! $? ))) "no value has more than 9 decimals"
L wait "$pid" >/dev/null 2>&1

stop_daemon
# The config file: an unknown key gets a did-you-mean.
printf 'listn = 127.0.0.1:0\n' >"$T/typo.conf"
"$LOADD" -c "$T/typo.conf" --db "$T/typo.db" >"$T/typo.out" 2>&1
ok $(( $? != 0 ? 0 : 1 )) "a config file with an unknown key is refused"
like "$(cat "$T/typo.out")" 'did you mean "listen"' "with a did-you-mean"
# A busy listen address is refused before the database is touched.
"$LOADD" --listen "127.0.0.1:$TPORT" --db "$T/never.db" >"$T/listen.out" 2>&1
ok $([ $? -ne 0 ] && [ ! -e "$T/never.db" ]; echo $?) \
    "a busy listen address creates no database"

done_testing
