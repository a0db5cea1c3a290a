#!/bin/bash
# results.sh -- what users act on: reports in five formats, thresholds
# (with abort), time series, streamed samples, Prometheus, and the SQL
# trend queries of the README against a database made by real runs.
. "${top_srcdir:-.}/tests/integration/lib.sh"

start_target
start_daemon --threads 2 || { ok 1 "daemon starts"; done_testing; }

scen="{\"name\":\"shop\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"home\",\"path\":\"/?delay=2ms\",\"weight\":3},{\"name\":\"cart\",\"path\":\"/?delay=5ms\",\"thresholds\":[\"p99 < 1s\"]},{\"name\":\"oops\",\"path\":\"/?status=500\",\"weight\":0.1}],\"thresholds\":[\"p95 < 500ms\",\"rps > 10\",\"error_rate < 50%\"],\"load\":{\"executor\":\"constant-vus\",\"vus\":4,\"duration\":\"3s\"}}"
id=$(submit "$scen")
is "$(api GET "/v1/runs/$id/report")" 409 "no report while the run is active"
wait_run "$id" 20
is "$(jbody .passed)" true "thresholds hold: passed"

is "$(api GET "/v1/runs/$id/report?format=json")" 200 "json report"
for k in run passed overall requests thresholds errors system env; do
	is "$(jbody "has(\"$k\")")" true "json report has $k"
done
for k in total_requests successful_requests failed_requests success_rate_pct \
    throughput_rps avg_latency_ms median_latency_ms p90_latency_ms \
    p95_latency_ms p99_latency_ms p999_latency_ms min_latency_ms \
    max_latency_ms std_dev_ms bytes_sent bytes_received; do
	is "$(jbody ".overall | has(\"$k\")")" true "STATS has $k"
done
is "$(jbody '.thresholds | length')" 4 "every threshold with its actual value"
is "$(jbody '[.thresholds[] | select(.request == "cart")] | length')" 1 \
    "a request's own threshold names it"
is "$(jbody '.errors[0].kind')" status "errors by kind"
like "$(jbody '.system.cpu_pct_avg')" '^[0-9.]+$' "system metrics in the report"
is "$(sq "SELECT count(*) >= 2 FROM system_metrics WHERE run_id = $id")" 1 \
    "system_metrics rows each second"

is "$(api GET "/v1/runs/$id/report?format=md")" 200 "md report"
like "$(head -n 1 "$T/body")" 'passed' "md starts with the verdict"
like "$(cat "$T/body")" '\| cart \|' "md has a row per request"
is "$(api GET "/v1/runs/$id/report?format=csv")" 200 "csv report"
is "$(wc -l <"$T/body")" 5 "csv: header, overall and three requests"
is "$(head -n 1 "$T/body" | tr "," "\n" | wc -l)" 19 "csv: every STATS column (p25 and p75 too)"
is "$(api GET "/v1/runs/$id/report?format=junit")" 200 "junit report"
is "$(grep -c '<testcase' "$T/body")" 4 "junit: a test case per threshold"
is "$(api GET "/v1/runs/$id/report?format=html")" 200 "html report"
like "$(head -c 15 "$T/body")" '<!DOCTYPE html>' "html is a page"
is "$(grep -c '<svg' "$T/body" | awk '$1 >= 3 {print "ok"}')" ok "with charts"
is "$(grep -Ec 'https?://' "$T/body")" 0 "and no network fetches"
is "$(api GET "/v1/runs/$id/report?format=pdf")" 400 "an unknown format is 400"
"$LOADCTL" report "$id" --format md -o "$T/r.md" >/dev/null 2>&1
is $? 0 "loadctl report -o FILE"
like "$(cat "$T/r.md")" 'passed' "writes the report"

# Time series: one row a second; samples: streamed CSV, one line each.
is "$(api GET "/v1/runs/$id/timeseries")" 200 "timeseries"
n=$(jbody '.series | length')
ok $(( n >= 3 && n <= 5 ? 0 : 1 )) "one row a second ($n for 3 s)"
is "$(jbody '.series[0] | [has("t"), has("requests"), has("errors"), has("rps"), has("p50_ms"), has("p95_ms"), has("p99_ms"), has("max_ms"), has("vus")] | all')" \
    true "with requests, errors, rps, percentiles and vus"
is "$(jbody '.series[1].vus')" 4 "vus per second"
is "$(api GET "/v1/runs/$id/timeseries?request=cart")" 200 "timeseries of one request"
is "$(jbody .request)" cart "names it"
total=$(sq "SELECT total_requests FROM run_summary WHERE run_id = $id")
curl -s "$URL/v1/runs/$id/samples" -o "$T/samples.csv"
is "$(($(wc -l <"$T/samples.csv") - 1))" "$total" "samples CSV: one line per request"
is "$(head -n 1 "$T/samples.csv")" "t_us,request,latency_us,status,bytes,error,warmup" \
    "with a header"

# Prometheus, during a run.
id2=$(submit "{\"name\":\"prom\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"r\",\"path\":\"/\"},{\"name\":\"s\",\"path\":\"/s\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":2,\"duration\":\"3s\"}}")
sleep 1.5
curl -s "$URL/metrics" >"$T/metrics"
like "$(grep '^loadd_active_run ' "$T/metrics")" "loadd_active_run $id2" "metrics: the active run"
like "$(grep '^loadd_run_requests_total ' "$T/metrics")" '[1-9]' "metrics: its requests"
like "$(grep '^loadd_runs{status="completed"}' "$T/metrics")" ' 1$' "metrics: runs by status"
is "$(grep -c '^loadd_run_request_requests_total{request="[rs]"} [1-9]' "$T/metrics")" 2 \
    "metrics: requests by request"
like "$(grep '^loadd_run_request_p95_seconds{request="r"}' "$T/metrics")" ' [0-9.]+(e-[0-9]+)?$' \
    "metrics: p95 by request, in seconds"
r=$(sq "SELECT sum(requests) FROM intervals WHERE run_id = $id2 AND request = 'r'")
n=$(sed -n 's/^loadd_run_request_requests_total{request="r"} //p' "$T/metrics")
ok $(( n > 0 && n <= r ? 0 : 1 )) "metrics: a request's count is what the database has so far ($n <= $r)"
if command -v promtool >/dev/null; then
	promtool check metrics <"$T/metrics" >"$T/promtool.out" 2>&1
	ok $? "promtool check metrics accepts it"
	sed 's/^/#   /' "$T/promtool.out"
fi
wait_run "$id2" 20

# abort_on_fail: stopped as soon as the rule fails.
id3=$(submit "{\"name\":\"abort\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"r\",\"path\":\"/?status=500\"}],\"thresholds\":[{\"rule\":\"error_rate < 10%\",\"abort_on_fail\":true}],\"load\":{\"executor\":\"constant-vus\",\"vus\":2,\"duration\":\"30s\"}}")
wait_run "$id3" 15
is "$(jbody .status)" aborted "a failing abort_on_fail threshold aborts the run"
like "$(jbody .reason)" 'error_rate < 10%' "the reason names the rule"
is "$(jbody .passed)" false "an aborted run did not pass"
"$LOADCTL" wait "$id3" >/dev/null 2>&1
is $? 4 "loadctl wait exits 4 for an aborted run"

# The README's trend queries, on this database.
# (The first sql block; the histogram queries after it need the extension
# and have their own test, sqlext.sh.)
awk '/^```sql$/ { q = 1; next } q && /^```$/ { exit } q { print }' \
    "$top_srcdir/README.md" >"$T/trend.sql"
is "$(grep -c ';$' "$T/trend.sql")" 5 "the README has five trend queries"
sqlite3 -bail "$T/loadd.db" <"$T/trend.sql" >"$T/trend.out" 2>&1
ok $? "they all run"
like "$(cat "$T/trend.out")" 'shop' "and find the runs"
done_testing
