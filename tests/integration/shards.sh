#!/bin/bash
# shards.sh -- one run split over several loadd daemons on 127.0.0.1 and
# merged by a collector (SPEC 16): the run options are checked; merged
# totals equal the target's count and the sum of the parts; the merged
# histograms are exactly the union of the shards'; the shards start
# together; a shard killed with SIGKILL fails the run naming it; a
# collector restarted mid-run still completes it; abort_on_fail on the
# merged stats stops every shard; the push needs the collector's token.
. "${top_srcdir}/tests/integration/lib.sh"
TEST_TIMEOUT=300

# Each node: its own port, database and log, in NODE_URL / NODE_PID.
declare -A NODE_URL NODE_PID
start_node() {
	local name=$1 i addr
	shift
	: >"$T/$name.log"
	"$LOADD" --listen 127.0.0.1:${NODE_PORT:-0} --db "$T/$name.db" \
	    --threads 1 "$@" >>"$T/$name.log" 2>&1 &
	NODE_PID[$name]=$!
	for i in $(seq 1 100); do
		addr=$(sed -n 's/.* listening on \([^ ]*\).*/\1/p' \
		    "$T/$name.log" | tail -n 1)
		if [ -n "$addr" ]; then
			NODE_URL[$name]="http://$addr"
			return 0
		fi
		sleep 0.1
	done
	echo "# $name did not start"
	return 1
}
stop_node() {
	kill -"${2:-TERM}" "${NODE_PID[$1]}" 2>/dev/null
	wait "${NODE_PID[$1]}" 2>/dev/null
	NODE_PID[$1]=
}
trap 'for n in "${!NODE_PID[@]}"; do [ -n "${NODE_PID[$n]}" ] && kill -KILL "${NODE_PID[$n]}" 2>/dev/null; done; kill "$WATCHDOG_PID" 2>/dev/null; for p in $TARGET_PIDS; do kill "$p" 2>/dev/null; done' EXIT

# on NODE METHOD PATH [BODY]: api against a node (TOKEN from NODE_TOKEN).
on() {
	local save=$URL code
	URL=${NODE_URL[$1]}
	shift
	code=$(api "$@")
	URL=$save
	echo "$code"
}

# shard_body SCENARIO_JSON I N START EXECUTION: a shard's POST body.
shard_body() {
	jq -cn --argjson s "$1" --arg shard "$2/$3" --arg at "$4" \
	    --arg ex "$5" --arg col "${NODE_URL[col]}" \
	    '{scenario: $s, shard: $shard, start_at: $at, execution: $ex,
	    collector: $col}'
}

# run_shards SCENARIO N EXECUTION [SECONDS_AHEAD]: post shard i to s$i.
run_shards() {
	local at i code
	at=$(date -u -d "@$(( $(date +%s) + ${4:-2} ))" +%Y-%m-%dT%H:%M:%SZ)
	for i in $(seq 0 $(( $2 - 1 ))); do
		code=$(on "s$i" POST /v1/runs "$(shard_body "$1" "$i" "$2" \
		    "$at" "$3")")
		[ "$code" = 201 ] || { echo "# shard $i: $code $(cat "$T/body")"; \
		    return 1; }
	done
}

# merged EXECUTION [SECONDS]: wait for the merged run to end; doc in body.
merged() {
	local i s id=
	for i in $(seq 1 $(( ${2:-60} * 5 ))); do
		on col GET "/v1/runs?execution=$1" >/dev/null
		id=$(jbody '.runs[0].id // empty')
		if [ -n "$id" ]; then
			on col GET "/v1/runs/$id" >/dev/null
			s=$(jbody .status)
			case "$s" in
			completed|stopped|aborted|failed|interrupted)
				return 0 ;;
			esac
		fi
		sleep 0.2
	done
	echo "# execution $1 did not end: $(cat "$T/body" | head -c 300)"
	return 1
}

EXT=$(dirname "$LOADD")/loadd_sqlite
start_target -d 1ms
start_node col
for i in 0 1 2; do start_node "s$i"; done
# 127.0.0.1 is the default allow_collectors.

# --- the run options are checked, naming the field ---------------------
SCN=$(jq -cn --arg t "$TURL" '{name: "sharded", target: $t,
    load: {executor: "constant-rate", rate: 300, duration: "4s",
    max_vus: 20}, requests: [{name: "ok", method: "GET", url: ($t + "/ok")}],
    thresholds: [{rule: "p95 < 500ms"}]}')
at=$(date -u -d "@$(( $(date +%s) + 5 ))" +%Y-%m-%dT%H:%M:%SZ)
past=$(date -u -d "@$(( $(date +%s) - 30 ))" +%Y-%m-%dT%H:%M:%SZ)
bad() {
	local code
	code=$(on s0 POST /v1/runs "$1")
	is "$code $(jbody .error.path)" "$2" "$3"
}
bad "$(shard_body "$SCN" 2 2 "$at" v1)" "400 /shard" \
    "a shard index out of range is a 400 at /shard"
bad "$(shard_body "$SCN" 0 2 "$past" v1)" "400 /start_at" \
    "a start_at 30 s in the past is a 400 at /start_at"
bad "$(shard_body "$SCN" 0 2 "$at" v1 | jq -c '.collector =
    "http://192.0.2.1:7878"')" "403 /collector" \
    "a collector outside allow_collectors is a 403 at /collector"
bad "$(shard_body "$SCN" 0 2 "$at" v1 | jq -c 'del(.execution)')" \
    "400 /execution" "a shard without an execution is refused"
bad "$(shard_body "$SCN" 0 2 "$at" v1 | jq -c '.collector = "ftp://x"')" \
    "400 /collector" "a collector that is not http://HOST:PORT is refused"
like "$(jbody .error.message)" "http://HOST" "and the message says what is wanted"
code=$(on col POST /v1/executions/v1/push '{"shard": 0, "shards": 2,
    "host": "h", "status": "running", "intervals": [[0, "*", 5, 9, null,
    null]]}')
is "$code $(jbody .error.path)" "400 /intervals/0" \
    "a push with more errors than requests is a 400 naming its row"

# --- constant rate over 2 shards: totals, exact merge, start ------------
before=$(target_stat requests)
check "two shards of a constant-rate run are accepted" run_shards "$SCN" 2 r2
check "the merged run ends" merged r2 30
is "$(jbody .status) $(jbody .passed)" "completed true" \
    "the merged run completed and passed its thresholds"
seen=$(( $(target_stat requests) - before ))
total=$(jbody .summary.overall.total_requests)
dropped=$(jbody .summary.open.dropped_iterations)
# Exact on a quiet host (nothing dropped, nothing cut off at the end); on a
# busy one an iteration the workers woke too late to start is dropped, and
# a request in flight at the end is cancelled uncounted (the target saw it).
is "$((seen + dropped))" 1200 \
    "the target saw ($seen) or the shards dropped ($dropped) the single-machine schedule: 300/s for 4 s"
check "merged requests ($total) = what the target saw, less the ($((seen - total))) cut off in flight at the end" \
    test "$total" -le "$seen" -a "$((seen - total))" -le 40
parts=$(jbody '[.parts[].requests] | add')
is "$parts" "$total" "= the sum of the parts"
is "$(jbody '.parts | length') $(jbody '[.parts[].status] | unique | join(",")')" \
    "2 completed" "the document lists both parts, completed"
spread=$(jbody .start_spread_ms)
check "the shards started within 100 ms of each other ($spread ms)" \
    test "$spread" -lt 100
MID=$(jbody .id)
# The merged histogram is exactly the union of the shards' own.
union=$(sqlite3 -cmd ".load $EXT" "$T/s0.db" \
    "ATTACH '$T/s1.db' AS s1;
    SELECT round(hist_quantile(hist_merge(h), 0.5), 3) || ' ' ||
    round(hist_quantile(hist_merge(h), 0.99), 3) FROM (SELECT hist AS h
    FROM main.intervals WHERE request = '*' UNION ALL SELECT hist FROM
    s1.intervals WHERE request = '*')" 2>&1)
mine=$(sqlite3 -cmd ".load $EXT" "$T/col.db" \
    "SELECT round(hist_quantile(hist_merge(hist), 0.5), 3) || ' ' ||
    round(hist_quantile(hist_merge(hist), 0.99), 3) FROM intervals WHERE
    run_id = $MID AND request = '*'" 2>&1)
is "$mine" "$union" "the merged p50 and p99 are those of the shards' union"
is "$(jbody .summary.overall.median_latency_ms) $(jbody \
    .summary.overall.p99_latency_ms)" "$(echo "$union" | awk '{printf "%g %g",
    $1, $2}')" "and the summary's are the same"
# Reports, baselines and comparisons work on the merged run.
is "$(on col GET "/v1/runs/$MID/report?format=json")" 200 \
    "the merged run has a report"
is "$(jq -r '.summary.overall.total_requests // .overall.total_requests' \
    "$T/body")" "$total" "which counts its $total requests"
LOADD_URL=${NODE_URL[col]} "$LOADCTL" baseline set sharded "$MID" \
    >"$T/bl.out" 2>&1
is "$?" 0 "the merged run becomes a baseline"
check "a second execution of it is accepted" run_shards "$SCN" 2 r2b
LOADD_URL=${NODE_URL[col]} timeout 60 "$LOADCTL" wait --execution r2b \
    --baseline sharded --tolerance mean:300%,p95:300%,p99:500%,rps:50%,error_rate:1% \
    >"$T/r2b.out" 2>&1
is "$?" 0 "and compares with it through loadctl wait --execution --baseline"
like "$(cat "$T/r2b.out")" "unchanged|improved" "showing the verdicts"
# One daemon, the same load: the same latency within noise.
code=$(on s2 POST /v1/runs "$SCN")
sid=$(jbody .id)
for i in $(seq 1 100); do
	on s2 GET "/v1/runs/$sid" >/dev/null
	[ "$(jbody .status)" = completed ] && break
	sleep 0.2
done
p50one=$(jbody .summary.overall.median_latency_ms)
p50two=$(echo "$union" | awk '{print $1}')
check "merged p50 ($p50two ms) is within 50% or 0.5 ms of one daemon's" \
    awk -v a="$p50two" -v b="$p50one" 'BEGIN { d = a - b; if (d < 0) d = -d;
    exit !(d <= 0.5 || d <= 0.5 * b) }'

# --- constant VUs, 3 shards, shared iterations --------------------------
VUS=$(jq -cn --arg t "$TURL" '{name: "vus", target: $t,
    load: {executor: "constant-vus", vus: 4, iterations: 301,
    duration: "20s"}, requests: [{name: "ok", method: "GET",
    url: ($t + "/ok")}]}')
before=$(target_stat requests)
check "three shards of a constant-VU run are accepted" run_shards "$VUS" 3 v3
check "the merged run ends" merged v3 30
seen=$(( $(target_stat requests) - before ))
is "$(jbody .summary.overall.total_requests) $seen" "301 301" \
    "4 VUs and 301 iterations over 3 shards: 301 requests, as one machine"
is "$(jbody '[.parts[].requests] | add')" 301 "the parts add up to 301"

SHORTV=$(printf '%s' "$VUS" | jq -c '.load.iterations = 10')

# --- a sweep over 2 shards: each level's VUs split, the levels merged ----
SWEEP=$(jq -cn --arg t "$TURL" '{name: "sweep", target: $t,
    load: {executor: "sweep", levels: [1, 3], level_duration: "2s"},
    requests: [{name: "ok", method: "GET", url: ($t + "/ok")}]}')
before=$(target_stat requests)
check "a sweep on two shards is accepted" run_shards "$SWEEP" 2 w2
check "the merged sweep ends" merged w2 30
seen=$(( $(target_stat requests) - before ))
is "$(jbody '[.summary.levels[].vus] | join(",")')" "1,3" \
    "the merged summary has both levels, at 1 and 3 VUs"
total=$(jbody .summary.overall.total_requests)
# The levels hold their seconds (0-3); a response in the second after the
# end counts in the total only, as on one machine.
inlevels=$(sqlite3 -cmd '.timeout 5000' "$T/col.db" "SELECT sum(requests)
    FROM intervals WHERE run_id = $(jbody .id) AND request = '*' AND
    second < 4")
is "$(jbody '[.summary.levels[].total_requests] | add')" "$inlevels" \
    "the levels' requests add up to the merged seconds 0-3"
is "$(jbody '[.parts[].requests] | add')" "$total" "as do the parts'"
# A closed run's last requests, in flight at its end, reach the target but
# are not counted (on one machine too): at most one per VU at the end.
check "the target saw $seen, $(( seen - total )) in flight at the end (<= 3)" \
    test $(( seen - total )) -ge 0 -a $(( seen - total )) -le 3

# --- a shard that cannot start on time says so -------------------------
BUSY=$(jq -cn --arg t "$TURL" '{name: "busy", target: $t,
    load: {executor: "constant-vus", vus: 1, duration: "4s"},
    requests: [{name: "ok", method: "GET", url: ($t + "/ok")}]}')
on s0 POST /v1/runs "$BUSY" >/dev/null
check "a shard run queued behind a 4 s run is accepted" \
    run_shards "$SHORTV" 2 q2 1
t0=$(date +%s)
check "the merged run ends" merged q2 30
is "$(jbody .status)" failed "it failed"
like "$(jbody .reason)" "shard 0/2 .*ended failed: start_at .* passed" \
    "naming the shard and why: its start_at passed while it was queued"
check "at once, not 15 s later ($(( $(date +%s) - t0 )) s)" \
    test $(( $(date +%s) - t0 )) -lt 12

# --- a shard posted 16 s after the first, before start_at, is not lost ---
at=$(date -u -d "@$(( $(date +%s) + 19 ))" +%Y-%m-%dT%H:%M:%SZ)
code=$(on s0 POST /v1/runs "$(shard_body "$SHORTV" 0 2 "$at" late2)")
sleep 16
code="$code $(on s1 POST /v1/runs "$(shard_body "$SHORTV" 1 2 "$at" late2)")"
is "$code" "201 201" "both shards of a run 19 s ahead are accepted, 16 s apart"
check "the merged run ends" merged late2 40
is "$(jbody .status)" completed "and completes: a part waits for start_at"

# --- loadctl: flags and the Indexed Job's environment -------------------
printf '%s' "$VUS" | jq '.load.iterations = 40' >"$T/vus.json"
for i in 0 1; do
	JOB_COMPLETION_INDEX=$i LOADD_SHARDS=2 LOADD_URL=${NODE_URL[s$i]} \
	    "$LOADCTL" run "$T/vus.json" --start-at +2 --execution lc \
	    --collector "${NODE_URL[col]}" >"$T/lc$i.out" 2>&1 &
	eval "lc$i=\$!"
done
wait "$lc0"; r0=$?
wait "$lc1"; r1=$?
is "$r0 $r1" "0 0" "loadctl run with JOB_COMPLETION_INDEX and LOADD_SHARDS"
LOADD_URL=${NODE_URL[col]} timeout 60 "$LOADCTL" wait --execution lc \
    >"$T/lcw.out" 2>&1
is "$?" 0 "loadctl wait --execution follows the merged run to its end"
on col GET "/v1/runs?execution=lc" >/dev/null
is "$(jbody '.runs[0].total_requests')" 40 "and it made 40 requests in all"
on s1 GET "/v1/runs?execution=lc" >/dev/null
is "$(jbody '.runs[0].shard')" "1/2" "the shard's own run says which it was"

# --- a shard killed mid-run: the merged run fails naming it --------------
LONG=$(jq -cn --arg t "$TURL" '{name: "long", target: $t,
    load: {executor: "constant-rate", rate: 50, duration: "60s",
    max_vus: 10}, requests: [{name: "ok", method: "GET",
    url: ($t + "/ok")}]}')
check "a long run on two shards is accepted" run_shards "$LONG" 2 k2 1
sleep 4
t0=$(date +%s)
stop_node s1 KILL
check "the merged run ends after shard 1 is killed" merged k2 40
took=$(( $(date +%s) - t0 ))
is "$(jbody .status)" failed "the run failed"
like "$(jbody .reason)" "shard 1/2 .*lost" "its reason names shard 1/2, lost"
check "within 30 s ($took s)" test "$took" -le 30
check "what was merged is kept" test "$(jbody \
    .summary.overall.total_requests)" -gt 100
is "$(jbody '[.parts[] | select(.shard == 1) | .status][0]')" lost \
    "part 1 is lost"
# The live shard hears it and stops.
for i in $(seq 1 50); do
	on s0 GET "/v1/runs?execution=k2" >/dev/null
	[ "$(jbody '.runs[0].status')" != running ] && break
	sleep 0.2
done
like "$(jbody '.runs[0].status') $(jbody '.runs[0].reason')" \
    "^stopped .*collector" "the other shard was stopped by the collector"
start_node s1

# --- the collector stopped and started mid-run -------------------------
MIDR=$(jq -cn --arg t "$TURL" '{name: "restart", target: $t,
    load: {executor: "constant-rate", rate: 100, duration: "10s",
    max_vus: 10}, requests: [{name: "ok", method: "GET",
    url: ($t + "/ok")}]}')
before=$(target_stat requests)
check "a run on two shards is accepted" run_shards "$MIDR" 2 c2 1
# Live, the merged seconds are whole: both shards' halves of 100/s, never
# one shard's alone. Looked at once two are merged (3 s in, or up to 5 s
# later on a loaded machine: distcheck runs this beside its build).
sleep 3
for i in $(seq 1 25); do
	half=$(sqlite3 -cmd '.timeout 5000' "$T/col.db" "SELECT count(*) FROM
	    intervals i JOIN runs r ON r.id = i.run_id WHERE
	    r.execution = 'c2' AND i.request = '*' AND i.second >= 1 AND
	    i.requests NOT BETWEEN 97 AND 103")
	whole=$(sqlite3 -cmd '.timeout 5000' "$T/col.db" "SELECT count(*) FROM
	    intervals i JOIN runs r ON r.id = i.run_id WHERE
	    r.execution = 'c2' AND i.request = '*' AND i.second >= 1")
	[ "$whole" -ge 2 ] && break
	sleep 0.2
done
check "mid-run, the $whole merged seconds are whole ($half are not)" \
    test "$half" = 0 -a "$whole" -ge 1
cport=${NODE_URL[col]##*:}
stop_node col
sleep 3
NODE_PORT=$cport start_node col
check "the collector came back on its port" test -n "${NODE_URL[col]}"
check "the merged run ends after the collector's restart" merged c2 40
seen=$(( $(target_stat requests) - before ))
is "$(jbody .status)" completed "it completed"
is "$(jbody .summary.overall.total_requests)" "$seen" \
    "and its total is still what the target saw ($seen)"

# --- abort_on_fail on the merged stats stops every shard ---------------
start_target -e 50
ABORT=$(jq -cn --arg t "$TURL" '{name: "abort", target: $t,
    load: {executor: "constant-rate", rate: 100, duration: "30s",
    max_vus: 10}, requests: [{name: "ok", method: "GET",
    url: ($t + "/ok")}], thresholds: [{rule: "error_rate < 5%",
    abort_on_fail: true}]}')
t0=$(date +%s)
check "an erroring run on two shards is accepted" run_shards "$ABORT" 2 a2 1
check "the merged run ends" merged a2 40
is "$(jbody .status) $(jbody .passed)" "aborted false" \
    "the collector aborted it on the merged error rate"
like "$(jbody .reason)" "error_rate < 5%" "naming the threshold"
check "long before its 30 s ($(( $(date +%s) - t0 )) s)" \
    test $(( $(date +%s) - t0 )) -lt 20
for i in 0 1; do
	on "s$i" GET "/v1/runs?execution=a2" >/dev/null
	is "$(jbody '.runs[0].status')" aborted "shard $i aborted too"
done

# --- a collector with a token ------------------------------------------
stop_node col
printf 'sekrit\n' >"$T/token"
NODE_PORT=$cport start_node col --token-file "$T/token"
code=$(on col POST /v1/executions/t1/push '{"shard": 0, "shards": 1,
    "host": "h", "status": "running"}')
is "$code" 401 "a push without the collector's token is a 401"
stop_node s0
cat >"$T/s0.conf" <<EOF
collector_token_file = $T/token
EOF
stop_node s0
start_node s0 --config "$T/s0.conf"
SHORT=$SHORTV
check "a shard whose collector_token_file holds the token is accepted" \
    run_shards "$SHORT" 1 t1 1
TOKEN=sekrit check "and the merged run completes" merged t1 30
is "$(TOKEN=sekrit; jbody .status)" completed "completed, with 10 requests"

for n in col s0 s1 s2; do
	[ -n "${NODE_PID[$n]}" ] && stop_node "$n"
done
for n in col s0 s1 s2; do
	if grep -q 'Sanitizer' "$T/$n.log" 2>/dev/null; then
		ok 1 "$n ran clean under the sanitizers"
		grep -A 12 'Sanitizer' "$T/$n.log" | head -n 30 | sed 's/^/#   /'
	fi
done
done_testing
