#!/bin/bash
# events.sh [ROUNDS=5] [SECS=10] [CLIENTS=50] -- what watching a run costs
# (SPEC 17). The same closed-loop run against a private nginx (loadd
# --threads 1, 50 VUs, every sample stored), interleaved in each round:
#   alone    nobody follows it
#   watched  CLIENTS event streams follow it (curl -N on /v1/runs/ID/events)
# Prints per run: requests/s counted at nginx, loadd's CPU seconds per 100k
# requests (its own accounting: the hub thread, libmicrohttpd's and the
# load's), and the slowest of the GET /v1/health answers polled every
# 0.5 s during the run; then the medians and the median of each round's
# ratio.
ROUNDS=${1:-5}; SECS=${2:-10}; CLIENTS=${3:-50}
. "$(dirname "$0")/lib.sh"
start_nginx
start_loadd --threads 1
SPEC=$(scenario events "$NURL" all \
    "{\"executor\":\"constant-vus\",\"vus\":50,\"duration\":\"${SECS}s\"}")

# run N: "rps cpu_s_per_100k health_max_ms streams_that_saw_end"
run() {
	local n0 n1 c0 c1 id i pids= h hmax=0 ends=0
	n0=$(nginx_requests)
	c0=$(cpu_ticks "$DPID")
	id=$(submit "$SPEC")
	for i in $(seq 1 "$1"); do
		curl -sN --max-time $((SECS + 30)) "$URL/v1/runs/$id/events" \
		    >"$B/ev.$i" 2>/dev/null &
		pids="$pids $!"
	done
	for i in $(seq 1 $((SECS * 2))); do
		h=$(curl -s -o /dev/null -w '%{time_total}' --max-time 5 "$URL/v1/health")
		hmax=$(awk -v a="$hmax" -v b="$h" 'BEGIN { print (b > a ? b : a) }')
		sleep 0.5
	done
	wait_run "$id" 60
	c1=$(cpu_ticks "$DPID")
	n1=$(nginx_requests)
	for p in $pids; do wait "$p" 2>/dev/null; done
	for i in $(seq 1 "$1"); do
		grep -q '^event: end' "$B/ev.$i" && ends=$((ends + 1))
	done
	echo "$(calc "($n1 - $n0) / $(rj .summary.duration_s)" 0)" \
	    "$(calc "($c1 - $c0) / $CLK_TCK / ($n1 - $n0) * 100000" 3)" \
	    "$(calc "$hmax * 1000" 2) $ends"
}
machine
echo "round what rps cpu_s_per_100k health_max_ms streams_ended"
run 0 >/dev/null	# warm-up, not counted
: >"$B/results"
for r in $(seq 1 "$ROUNDS"); do
	if [ $((r % 2)) = 1 ]; then order="0 $CLIENTS"; else order="$CLIENTS 0"; fi
	for n in $order; do
		w=alone; [ "$n" = 0 ] || w=watched
		echo "$r $w $(run "$n")" | tee -a "$B/results"
	done
done
med() { awk -v w="$1" -v c="$2" '$2 == w { print $c }' "$B/results" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
a=$(med alone 4); w=$(med watched 4)
echo "median cpu_s_per_100k: alone $a, watched by $CLIENTS $w, ratio $(calc "$w / $a" 3)"
echo "median of the slowest health answer (ms): alone $(med alone 5), watched $(med watched 5)"
pairs=$(awk '$2 == "alone" { a[$1] = $4 } $2 == "watched" { w[$1] = $4 }
    END { for (r in a) print w[r] / a[r] }' "$B/results" | sort -n |
    awk '{ x[NR] = $1 } END { printf "%.3f (min %.3f, max %.3f)", x[int((NR + 1) / 2)], x[1], x[NR] }')
echo "each round's watched/alone CPU per request: median $pairs"
