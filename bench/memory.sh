#!/bin/bash
# memory.sh [MAXSECS=200] [CONNS=10000] -- resident memory of the loadd daemon.
#
# Part 1, growth with request count: one run, constant-vus 50 against
# loadd-target -t 1, samples "none" (nothing piles up on disk), at most
# 10,000,000 iterations and at most MAXSECS seconds. VmRSS (/proc/PID/status)
# is read each time the run's progress is polled (every 0.5 s); reported: at
# idle, at the first poll past 1M requests, at the last poll while running
# (the count it reached is printed), the peak, and after the run.
# Part 2, cost per connection: a fresh daemon, CONNS VUs (constant-vus, 15 s)
# against loadd-target answering after 1 s (/?delay=1s), so every VU holds
# its connection. (RSS during - RSS idle) / CONNS. The fd limit is raised
# first (ulimit -n 65536, or the hard limit when that is refused).
# Part 3, cost of a VU's dynamic state (SPEC 14): two fresh daemons, CONNS
# VUs each as in part 2; one sends the static request, the other the same
# request with cookies on and two captured values in its headers, taken by
# a setup login (a JSON capture and a between capture; the login's session
# cookie stays in the VU's jar), capture_max CAPMAX (default 128; rerun
# with 1024, the default, to see what each captured byte costs). Reported:
# (RSS at most connections, dynamic - static) / CONNS.
# PARTS (default 123) picks the parts to run.

MAXSECS=${1:-200}
CONNS=${2:-10000}
PARTS=${PARTS:-123}
CAPMAX=${CAPMAX:-128}
. "$(dirname "$0")/lib.sh"

machine
echo "loadd threads: default ($(nproc), one per core)"
echo

# ---- part 1
if [[ $PARTS == *1* ]]; then
start_target -t 1
start_loadd
rss_idle=$(rss_kb "$DPID")
id=$(submit "$(scenario mem "$TURL" none \
    "{\"executor\":\"constant-vus\",\"vus\":50,\"iterations\":10000000,\"duration\":\"${MAXSECS}s\"}")")
: >"$B/trace"
rss_1m= n_1m= peak=0 last_n=0 last_rss=0
for i in $(seq 1 $(((MAXSECS + 60) * 2))); do
	api GET "/v1/runs/$id" >/dev/null
	s=$(jq -r .status "$B/body")
	rss=$(rss_kb "$DPID")
	[ "$s" = running ] || break
	n=$(jq -r '.progress.requests // 0' "$B/body")
	echo "$n $rss" >>"$B/trace"
	[ "$rss" -gt "$peak" ] && peak=$rss
	if [ -z "$rss_1m" ] && [ "$n" -ge 1000000 ]; then rss_1m=$rss n_1m=$n; fi
	last_n=$n last_rss=$rss
	sleep 0.5
done
wait_run "$id" 60
rss_after=$(rss_kb "$DPID")
total=$(rj .summary.overall.total_requests)
echo "part 1: constant-vus 50, samples none, limit 10M iterations or ${MAXSECS}s"
echo "run ended: $(rj .status), $total requests in $(rj .summary.duration_s) s ($(rj .summary.overall.throughput_rps) rps), errors $(rj .summary.overall.failed_requests)"
printf '%-34s %12s %10s\n' point requests VmRSS_kB
printf '%-34s %12s %10s\n' "idle, before the run" 0 "$rss_idle"
printf '%-34s %12s %10s\n' "first poll past 1M" "${n_1m:--}" "${rss_1m:--}"
printf '%-34s %12s %10s\n' "last poll while running" "$last_n" "$last_rss"
printf '%-34s %12s %10s\n' "peak during the run" - "$peak"
printf '%-34s %12s %10s\n' "after the run" "$total" "$rss_after"
[ -n "$rss_1m" ] && echo "growth from 1M to $last_n requests: $((last_rss - rss_1m)) kB"
stop_pid "$DPID"
stop_pid "$TPID"
echo

fi

# ---- part 2
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -gt $((CONNS + 100)) ] || die "fd limit $(ulimit -n) too low for $CONNS connections"

# held SCENARIO DB: "rss_idle rss_at_most_connections peak connections"
# of a fresh daemon running SCENARIO (CONNS VUs holding connections).
held() {
	local id rss peak=0 best_active=0 rss_at=0 rss_idle act s
	LOADD_DB=$B/$2 start_loadd
	sleep 1
	rss_idle=$(rss_kb "$DPID")
	id=$(submit "$1")
	for i in $(seq 1 150); do
		api GET "/v1/runs/$id" >/dev/null
		s=$(jq -r .status "$B/body")
		[ "$s" = running ] || [ "$s" = queued ] || break
		rss=$(rss_kb "$DPID")
		[ "$rss" -gt "$peak" ] && peak=$rss
		act=$(curl -s --max-time 2 "$TURL/stats" | jq -r '.active_connections // 0')
		if [ "$act" -ge "$best_active" ]; then best_active=$act rss_at=$rss; fi
		sleep 0.5
	done
	wait_run "$id" 60
	log "run $id: $(rj .status), $(rj .summary.overall.total_requests) requests, $(rj .summary.overall.failed_requests) failed; errors $(jq -c .summary.errors "$B/run.json" | head -c 200)"
	stop_pid "$DPID"
	echo "$rss_idle $rss_at $peak $best_active"
}

if [[ $PARTS == *2* ]]; then
echo "part 2: $CONNS connections, fd limit $(ulimit -n)"
start_target -t 1
read -r rss_idle rss_at peak best_active <<<"$(held "$(scenario conns "$TURL" none \
    "{\"executor\":\"constant-vus\",\"vus\":$CONNS,\"duration\":\"15s\"}" "/?delay=1s")" loadd2.db)"
echo "run ended: $(rj .status), $(rj .summary.overall.total_requests) requests, $(rj .summary.overall.failed_requests) failed, p50 $(rj .summary.overall.median_latency_ms) ms"
echo "errors: $(jq -c .summary.errors "$B/run.json" | head -c 300)"
printf '%-40s %10s\n' point VmRSS_kB
printf '%-40s %10s\n' "idle (fresh daemon)" "$rss_idle"
printf '%-40s %10s\n' "at most target connections ($best_active)" "$rss_at"
printf '%-40s %10s\n' "peak during the run" "$peak"
echo "per connection: (peak - idle) / $CONNS = $(calc "($peak - $rss_idle) * 1024 / $CONNS" 0) bytes;" \
    "at max connections: $(calc "($rss_at - $rss_idle) * 1024 / ($best_active > 0 ? $best_active : 1)" 0) bytes per open connection"
stop_pid "$TPID"
echo
fi

# ---- part 3
if [[ $PARTS == *3* ]]; then
echo "part 3: $CONNS VUs holding connections, static vs cookies and two captures (capture_max $CAPMAX)"
start_target -t 1
load="{\"executor\":\"constant-vus\",\"vus\":$CONNS,\"duration\":\"15s\"}"
STATIC=$(jq -nc --arg t "$TURL" --argjson l "$load" \
    '{name: "static", target: $t, samples: "none",
      requests: [{name: "a", path: "/?delay=1s",
        headers: {"Authorization": "Bearer tok-u1-0123456789abcdef",
          "X-User": "u1"}}], load: $l}')
DYNAMIC=$(jq -nc --arg t "$TURL" --argjson l "$load" --argjson cm "$CAPMAX" \
    '{name: "dynamic", target: $t, samples: "none", cookies: true,
      capture_max: $cm,
      setup: [{name: "login", method: "POST", path: "/app/login",
        body: "{\"user\": \"u{{vu}}\"}",
        capture: {token: {json: "/token"},
          who: {between: ["\"user\":\"", "\""]}}}],
      requests: [{name: "a", path: "/?delay=1s",
        headers: {"Authorization": "Bearer {{token}}", "X-User": "{{who}}"}}],
      load: $l}')
read -r s_idle s_at s_peak s_act <<<"$(held "$STATIC" loadd3s.db)"
read -r d_idle d_at d_peak d_act <<<"$(held "$DYNAMIC" loadd3d.db)"
printf '%-10s %10s %14s %10s %12s\n' run idle_kB at_most_conns peak_kB connections
printf '%-10s %10s %14s %10s %12s\n' static "$s_idle" "$s_at" "$s_peak" "$s_act"
printf '%-10s %10s %14s %10s %12s\n' dynamic "$d_idle" "$d_at" "$d_peak" "$d_act"
echo "per VU beyond the static case: ((dynamic - idle) - (static - idle)) / $CONNS =" \
    "$(calc "(($d_at - $d_idle) - ($s_at - $s_idle)) * 1024 / $CONNS" 0) bytes at most connections," \
    "$(calc "(($d_peak - $d_idle) - ($s_peak - $s_idle)) * 1024 / $CONNS" 0) bytes at the peaks"
stop_pid "$TPID"
fi
