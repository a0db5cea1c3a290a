#!/bin/bash
# shards.sh [ROUNDS=3] [SECS=10] -- one run on one loadd against two shards
# of it merged by a collector, on this machine, against nginx (one worker):
#   one:    one loadd --threads 1, constant-vus 50
#   shards: two loadd --threads 1, shard 0/2 and 1/2 of the same run (25 VUs
#           each, a common start_at), pushing to a third loadd, the collector
# Requests are counted at nginx (stub_status) and in the merged summary; CPU
# is utime+stime from /proc/PID/stat of every loadd involved. What the push
# costs: the shards' "loadd-push" threads and the collector process, in CPU
# ms per shard per second of run, and the bytes each push carried (from the
# collector's access log sizes is not available: the rows it stored).
# Rounds alternate the order of the two setups.

ROUNDS=${1:-3}
SECS=${2:-10}
. "$(dirname "$0")/lib.sh"

RUNS=1

# start_node NAME: a loadd (--threads 1) with its own db; NAME_PID, NAME_URL.
start_node() {
	local save_url=$URL save_pid=$DPID
	LOADD_DB=$B/$1.db start_loadd --threads 1
	mv "$B/loadd.log" "$B/$1.log"
	eval "${1}_PID=$DPID ${1}_URL=$URL"
	URL=$save_url DPID=$save_pid
}

start_nginx
NWPID=$(nginx_worker_pid)
start_node one
start_node col
start_node s0
start_node s1
machine
echo "nginx $NURL; one loadd, two shards and a collector, each --threads 1"
echo "rounds $ROUNDS x ${SECS}s, 50 VUs in all"
echo

SCN=$(scenario sh "$NURL" none \
    "{\"executor\":\"constant-vus\",\"vus\":50,\"duration\":\"${SECS}s\"}")

one_run() {
	local n0 n1 c0 c1 id
	URL=$one_URL
	n0=$(nginx_requests)
	c0=$(cpu_ticks "$one_PID")
	id=$(submit "$SCN")
	wait_run "$id" $((SECS + 60)) "$SECS"
	c1=$(cpu_ticks "$one_PID")
	n1=$(nginx_requests)
	echo "$((n1 - n0)) $(rj .summary.duration_s) $(calc "($c1 - $c0) / $CLK_TCK") $(rj .summary.overall.total_requests) 0 0"
}

shard_run() {
	local n0 n1 a0 a1 b0 b1 k0 k1 p0 p1 q0 q1 at ex i id
	ex="bench-$RANDOM$RANDOM"
	at=$(date -u -d "@$(( $(date +%s) + 2 ))" +%Y-%m-%dT%H:%M:%SZ)
	n0=$(nginx_requests)
	a0=$(cpu_ticks "$s0_PID"); b0=$(cpu_ticks "$s1_PID")
	k0=$(cpu_ticks "$col_PID")
	for i in 0 1; do
		eval "URL=\$s${i}_URL"
		submit "$(jq -cn --argjson s "$SCN" --arg sh "$i/2" --arg at "$at" \
		    --arg ex "$ex" --arg col "$col_URL" '{scenario: $s, shard: $sh,
		    start_at: $at, execution: $ex, collector: $col}')" >/dev/null
	done
	sleep $((SECS + 2))
	URL=$col_URL
	for i in $(seq 1 300); do
		api GET "/v1/runs?execution=$ex" >/dev/null
		id=$(jq -r '.runs[0].id // empty' "$B/body")
		[ -n "$id" ] && [ "$(jq -r '.runs[0].status' "$B/body")" != running ] && break
		sleep 0.1
	done
	wait_run "$id" 30
	# Each pusher logs its CPU and bytes when the final record is in.
	for i in $(seq 1 50); do
		[ "$(grep -c "run .*pushes to" "$B/s0.log" "$B/s1.log" |
		    awk -F: '{ s += $2 } END { print s }')" -ge $((2 * RUNS)) ] &&
		    break
		sleep 0.1
	done
	RUNS=$((RUNS + 1))
	p1=$(grep -h "pushes to" "$B/s0.log" "$B/s1.log" | tail -n 2 |
	    sed 's/.*bytes, \([0-9.]*\) ms CPU/\1/' | awk '{ s += $1 } END { print s / 1000 }')
	q1=$(grep -h "pushes to" "$B/s0.log" "$B/s1.log" | tail -n 2 |
	    sed 's/.* \([0-9]*\) pushes to .*, \([0-9]*\) bytes.*/\1 \2/' |
	    awk '{ n += $1; b += $2 } END { printf "%d/%d", n, b }')
	a1=$(cpu_ticks "$s0_PID"); b1=$(cpu_ticks "$s1_PID")
	k1=$(cpu_ticks "$col_PID")
	n1=$(nginx_requests)
	echo "$((n1 - n0)) $(rj .summary.duration_s) $(calc "($a1 - $a0 + $b1 - $b0) / $CLK_TCK") $(rj .summary.overall.total_requests) $(calc "($k1 - $k0) / $CLK_TCK") $p1 $q1"
}

# warm-up, not counted
URL=$one_URL
wait_run "$(submit "$(scenario warm "$NURL" none '{"executor":"constant-vus","vus":50,"duration":"2s"}')")" 60

printf '%-5s %-7s %9s %6s %9s %8s %9s %11s %9s %10s %s\n' round setup \
    nginx_req secs rps gen_cpu cpu/100k merged_req col_cpu push_cpu \
    pushes/bytes
declare -A RPS CPU
for r in $(seq 1 "$ROUNDS"); do
	for k in 0 1; do
		if [ $(( (k + r) % 2 )) -eq 0 ]; then s=one; else s=shards; fi
		if [ $s = one ]; then line=$(one_run); else line=$(shard_run); fi
		set -- $line
		rps=$(calc "$1 / $2" 0)
		c100k=$(calc "($3 + $5) / $1 * 100000" 3)
		RPS[$s]="${RPS[$s]:-} $rps"
		CPU[$s]="${CPU[$s]:-} $c100k"
		if [ $s = shards ]; then
			COL="${COL:-} $(calc "$5 * 1000 / $2 / 2" 2)"
			PUSH="${PUSH:-} $(calc "$6 * 1000 / $2 / 2" 2)"
			BYTES="${BYTES:-} $(calc "${7#*/} / ${7%/*}" 0)"
		fi
		printf '%-5s %-7s %9s %6s %9s %8s %9s %11s %9s %10s %s\n' "$r" \
		    "$s" "$1" "$2" "$rps" "$3" "$c100k" "$4" "$5" "$6" "${7:-}"
	done
done
echo
echo "medians (min..max) over $ROUNDS rounds:"
for s in one shards; do
	set -- $(stats ${RPS[$s]}); rm=$1 rl=$2 rh=$3
	set -- $(stats ${CPU[$s]})
	printf '  %-7s %8s rps (%s..%s)   CPU per 100k requests %s s (%s..%s)\n' \
	    "$s" "$rm" "$rl" "$rh" "$1" "$2" "$3"
done
set -- $(stats $COL)
printf '  collector CPU per shard per second: %s ms (%s..%s)\n' "$1" "$2" "$3"
set -- $(stats $PUSH)
printf '  pusher thread CPU per shard per second: %s ms (%s..%s)\n' "$1" "$2" "$3"
set -- $(stats $BYTES)
printf '  bytes per push: %s (%s..%s)\n' "$1" "$2" "$3"
echo "  (shards' CPU per 100k includes the collector's; the rows pushed per"
echo "  second: one intervals row per request and '*', one system row)"
