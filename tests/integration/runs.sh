#!/bin/bash
# runs.sh -- every executor through the real daemon against loadd-target,
# with counts that must reconcile: what the target saw, what loadd counted,
# and the rows in SQLite.
. "${top_srcdir:-.}/tests/integration/lib.sh"

start_target
start_daemon --threads 2 || { ok 1 "daemon starts"; done_testing; }

req='"requests":[{"name":"a","path":"/a"},{"name":"b","path":"/b?bytes=100","weight":3}]'

# constant-vus by duration: reconcile target, summary, samples, intervals.
id=$(submit "{\"name\":\"cv\",\"target\":\"$TURL\",$req,\"load\":{\"executor\":\"constant-vus\",\"vus\":4,\"duration\":\"2s\"}}")
wait_run "$id" 20
is "$(jbody .status)" completed "constant-vus completes"
is "$(jbody .passed)" true "with no thresholds it passed"
total=$(jbody .summary.overall.total_requests)
seen=$(target_stat requests)
ok $(( total > 100 ? 0 : 1 )) "it sent requests ($total)"
# Requests in flight at the end are cancelled: the target may have seen
# up to one per VU more than loadd counted.
ok $(( seen >= total && seen - total <= 4 ? 0 : 1 )) \
    "target saw $seen, loadd counted $total"
is "$(sq "SELECT count(*) FROM samples WHERE run_id = $id")" "$total" \
    "one samples row per request"
is "$(sq "SELECT sum(requests) FROM intervals WHERE run_id = $id AND request = '*'")" \
    "$total" "intervals add up to the total"
is "$(sq "SELECT total_requests FROM run_summary WHERE run_id = $id")" \
    "$total" "run_summary has the total"
a=$(jbody '.summary.requests[] | select(.name == "a") | .total_requests')
b=$(jbody '.summary.requests[] | select(.name == "b") | .total_requests')
is $((a + b)) "$total" "per-request totals add up"
ok $(( b > 2 * a ? 0 : 1 )) "weights hold: a=$a b=$b (1:3)"
ok $(( 1 - $(sq "SELECT (SELECT min(bytes) FROM samples WHERE run_id = $id AND
    request = 'b') - (SELECT max(bytes) FROM samples WHERE run_id = $id AND
    request = 'a') >= 98") )) "samples carry the bytes received"
like "$(jbody .summary.overall.throughput_rps)" '^[0-9.]+$' "throughput_rps"
like "$(jbody .env.cores)" '^[0-9]+$' "env recorded"
is "$(jbody .summary.samples_shed)" 0 "no samples shed"

# constant-vus by iterations: exactly that many.
curl -s -X POST "$TURL/stats/reset" >/dev/null
id=$(submit "{\"name\":\"it\",\"target\":\"$TURL\",$req,\"load\":{\"executor\":\"constant-vus\",\"vus\":3,\"iterations\":101}}")
wait_run "$id" 20
is "$(jbody .status)" completed "iterations run completes"
is "$(jbody .summary.overall.total_requests)" 101 "exactly 101 iterations"
is "$(target_stat requests)" 101 "the target saw 101"

# warmup: flagged samples, left out of the statistics.
id=$(submit "{\"name\":\"wu\",\"target\":\"$TURL\",$req,\"load\":{\"executor\":\"constant-vus\",\"vus\":2,\"duration\":\"1s\",\"warmup\":\"1s\"}}")
wait_run "$id" 20
w=$(jbody .summary.warmup_requests)
total=$(jbody .summary.overall.total_requests)
ok $(( w > 0 ? 0 : 1 )) "warmup requests ran ($w)"
is "$(sq "SELECT count(*) FROM samples WHERE run_id = $id AND warmup = 1")" \
    "$w" "warmup samples are flagged"
is "$(sq "SELECT count(*) FROM samples WHERE run_id = $id AND warmup = 0")" \
    "$total" "and left out of the totals"

# constant-rate: the open model keeps its schedule.
curl -s -X POST "$TURL/stats/reset" >/dev/null
id=$(submit "{\"name\":\"cr\",\"target\":\"$TURL\",$req,\"load\":{\"executor\":\"constant-rate\",\"rate\":200,\"duration\":\"2s\"}}")
wait_run "$id" 20
total=$(jbody .summary.overall.total_requests)
ok $(( total >= 360 && total <= 410 ? 0 : 1 )) \
    "constant-rate 200/s for 2s sent $total (~400)"
like "$(jbody .summary.open.service_time.p50_ms)" '^[0-9.]+$' \
    "service time reported beside latency"
is "$(jbody .summary.open.late_iterations)" 0 "nothing started late"

# ramping-rate from 0 to 200/s over 2s: about half of constant.
id=$(submit "{\"name\":\"rr\",\"target\":\"$TURL\",$req,\"load\":{\"executor\":\"ramping-rate\",\"start_rate\":0,\"stages\":[{\"duration\":\"2s\",\"target\":200}]}}")
wait_run "$id" 20
total=$(jbody .summary.overall.total_requests)
ok $(( total >= 170 && total <= 230 ? 0 : 1 )) "ramping-rate 0->200/s over 2s sent $total (~200)"

# ramping-vus: 0 -> 4 -> 0.
id=$(submit "{\"name\":\"rv\",\"target\":\"$TURL\",$req,\"load\":{\"executor\":\"ramping-vus\",\"stages\":[{\"duration\":\"1s\",\"target\":4},{\"duration\":\"1s\",\"target\":0}]}}")
wait_run "$id" 20
is "$(jbody .status)" completed "ramping-vus completes"
ok $(( $(jbody .summary.overall.total_requests) > 10 ? 0 : 1 )) "ramping-vus sent requests"
# The shape, from the VUs active at the end of each second (the whole run's
# intervals rows): up to near 4 after the first stage, back down at the end.
vus=$(sq "SELECT group_concat(vus, ',') FROM (SELECT vus FROM intervals WHERE run_id = $id AND request = '*' ORDER BY second)")
vmax=$(sq "SELECT max(vus) FROM intervals WHERE run_id = $id AND request = '*'")
vlast=$(sq "SELECT vus FROM intervals WHERE run_id = $id AND request = '*' ORDER BY second DESC LIMIT 1")
ok $(( ${vmax:-0} >= 2 ? 0 : 1 )) "ramping-vus ramps up (VUs per second: $vus)"
ok $(( ${vlast:--1} >= 0 && ${vlast:--1} < ${vmax:-0} ? 0 : 1 )) \
    "and back down (last second $vlast < max $vmax)"

# sweep: one row per level.
id=$(submit "{\"name\":\"sw\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"d\",\"path\":\"/?delay=2ms\"}],\"load\":{\"executor\":\"sweep\",\"levels\":[1,4],\"level_duration\":\"1s\"}}")
wait_run "$id" 20
is "$(jbody '.summary.levels | length')" 2 "sweep reports each level"
is "$(jbody '[.summary.levels[].vus] | join(",")')" "1,4" "with its VUs"
l1=$(jbody '.summary.levels[0].throughput_rps')
l4=$(jbody '.summary.levels[1].throughput_rps')
ok $(awk -v a="$l1" -v b="$l4" 'BEGIN { exit !(b > 2 * a) }'; echo $?) \
    "more VUs, more throughput ($l1 -> $l4 rps)"

# keepalive off: one connection per request.
curl -s -X POST "$TURL/stats/reset" >/dev/null
id=$(submit "{\"name\":\"nk\",\"target\":\"$TURL\",$req,\"load\":{\"executor\":\"constant-vus\",\"vus\":2,\"iterations\":40,\"keepalive\":false}}")
wait_run "$id" 20
is "$(jbody .summary.overall.failed_requests)" 0 "keepalive off: no failures"
# /stats itself comes on one more connection.
is "$(target_stat connections)" 41 "keepalive off: a connection per request"
curl -s -X POST "$TURL/stats/reset" >/dev/null
id=$(submit "{\"name\":\"ka\",\"target\":\"$TURL\",$req,\"load\":{\"executor\":\"constant-vus\",\"vus\":2,\"iterations\":40}}")
wait_run "$id" 20
is "$(target_stat connections)" 3 "keepalive on: a connection per VU"

# Groups: each kind, measured under its own name and its members'.
grp() {
	echo "{\"name\":\"g$1\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"grp\",\"group\":\"$1\",\"requests\":[{\"name\":\"m1\",\"path\":\"$2\"},{\"name\":\"m2\",\"path\":\"$3\"}]}],\"load\":{\"executor\":\"constant-vus\",\"vus\":1,\"iterations\":10}}"
}
id=$(submit "$(grp parallel '/?delay=20ms' '/?delay=40ms')")
wait_run "$id" 20
is "$(jbody '.summary.requests[] | select(.name=="grp") | .total_requests')" 10 "parallel group counted 10 times"
is "$(jbody .summary.overall.total_requests)" 20 "both members counted"
p50=$(jbody '.summary.requests[] | select(.name=="grp") | .median_latency_ms')
ok $(awk -v v="$p50" 'BEGIN { exit !(v >= 38 && v < 80) }'; echo $?) \
    "parallel latency is the slowest member's ($p50 ms)"
id=$(submit "$(grp race '/?delay=10ms' '/?delay=300ms')")
wait_run "$id" 20
is "$(jbody '.summary.requests[] | select(.name=="m1") | .total_requests')" 10 "race: the fast one wins every time"
is "$(jbody '.summary.requests[] | select(.name=="m2") | .total_requests')" 0 "race: losers are cancelled, not counted"
p50=$(jbody '.summary.requests[] | select(.name=="grp") | .median_latency_ms')
ok $(awk -v v="$p50" 'BEGIN { exit !(v < 100) }'; echo $?) "race latency is the winner's ($p50 ms)"
id=$(submit "$(grp sequential '/?status=500' '/')")
wait_run "$id" 20
is "$(jbody '.summary.requests[] | select(.name=="grp") | .failed_requests')" 10 "sequential stops at the first failure"
is "$(jbody '.summary.requests[] | select(.name=="m2") | .total_requests')" 0 "so the second never runs"
id=$(submit "$(grp fallback '/?status=503' '/')")
wait_run "$id" 20
is "$(jbody '.summary.requests[] | select(.name=="grp") | .successful_requests')" 10 "fallback succeeds on the second"
is "$(jbody '.summary.requests[] | select(.name=="m1") | .failed_requests')" 10 "after the first fails"
# A group that failed for want of a response adds no latency, as a request
# does not; one that failed on a status does.
id=$(submit "{\"name\":\"gt\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"grp\",\"group\":\"parallel\",\"requests\":[{\"name\":\"m1\",\"path\":\"/?delay=2s\",\"timeout\":\"100ms\"},{\"name\":\"m2\",\"path\":\"/\"}]}],\"load\":{\"executor\":\"constant-vus\",\"vus\":1,\"iterations\":3}}")
wait_run "$id" 20
is "$(jbody '.summary.requests[] | select(.name=="grp") | "\(.failed_requests) \(.max_latency_ms)"')" \
    "3 null" "a group whose member timed out: failed, no latency (null)"
id=$(submit "$(grp parallel '/?status=500' '/')")
wait_run "$id" 20
ok $(jbody '.summary.requests[] | select(.name=="grp") | if .failed_requests == 10 and .max_latency_ms > 0 then 0 else 1 end') \
    "a group failed on a status keeps its latency"

# samples: "errors" keeps only failures, "none" keeps nothing.
mix='"requests":[{"name":"good","path":"/"},{"name":"bad","path":"/?status=500"}]'
id=$(submit "{\"name\":\"se\",\"target\":\"$TURL\",\"samples\":\"errors\",$mix,\"load\":{\"executor\":\"constant-vus\",\"vus\":2,\"iterations\":50}}")
wait_run "$id" 20
is "$(sq "SELECT count(*) FROM samples WHERE run_id = $id")" \
    "$(jbody .summary.overall.failed_requests)" 'samples "errors" stores the failures'
is "$(sq "SELECT count(*) FROM samples WHERE run_id = $id AND error IS NULL")" 0 \
    "and nothing else"
id=$(submit "{\"name\":\"sn\",\"target\":\"$TURL\",\"samples\":\"none\",$mix,\"load\":{\"executor\":\"constant-vus\",\"vus\":2,\"iterations\":50}}")
wait_run "$id" 20
is "$(sq "SELECT count(*) FROM samples WHERE run_id = $id")" 0 'samples "none" stores none'
is "$(jbody .summary.overall.total_requests)" 50 "while the statistics are whole"

# think_time paces a closed-model VU: fixed, then uniform.
id=$(submit "{\"name\":\"tt\",\"target\":\"$TURL\",$req,\"load\":{\"executor\":\"constant-vus\",\"vus\":1,\"duration\":\"2s\",\"think_time\":\"200ms\"}}")
wait_run "$id" 20
n=$(jbody .summary.overall.total_requests)
ok $(( n >= 8 && n <= 11 ? 0 : 1 )) "think_time 200ms: $n iterations in 2 s (~10)"
id=$(submit "{\"name\":\"tu\",\"target\":\"$TURL\",$req,\"load\":{\"executor\":\"constant-vus\",\"vus\":1,\"duration\":\"2s\",\"think_time\":{\"min\":\"50ms\",\"max\":\"150ms\"}}}")
wait_run "$id" 20
n=$(jbody .summary.overall.total_requests)
ok $(( n >= 14 && n <= 27 ? 0 : 1 )) "think_time 50-150ms: $n iterations in 2 s (~20)"

# A body_bytes upload reaches the target whole.
curl -s -X POST "$TURL/stats/reset" >/dev/null
id=$(submit "{\"name\":\"up\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"up\",\"method\":\"POST\",\"path\":\"/up\",\"body_bytes\":1048576,\"headers\":{\"Authorization\":\"Bearer x\"}}],\"load\":{\"executor\":\"constant-vus\",\"vus\":2,\"iterations\":6}}")
wait_run "$id" 20
is "$(jbody .summary.overall.successful_requests)" 6 "1 MiB uploads succeed"
is "$(target_stat body_bytes_in)" $((6 * 1048576)) "the target read every byte"
ok $(( $(jbody .summary.overall.bytes_sent) > 6 * 1048576 ? 0 : 1 )) "bytes_sent counts them"
done_testing
