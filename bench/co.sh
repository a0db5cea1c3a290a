#!/bin/bash
# co.sh [ROUNDS=3] [RATE=1000] [SECS=20] -- coordinated omission.
#
# loadd-target --stall 500/2000 answers nothing during the last 500 ms of
# every 2 s (counted from its start), and quickly otherwise. An open-model
# run at RATE/s for SECS (a whole number of 2 s cycles) is started just after
# a stall ends, so it covers exactly SECS/2 stalls. Measured from the
# scheduled start, a request scheduled at phase t of a cycle waits
# max(0, 2000 ms - t) when t falls in the stall, then the service time: 25 %
# of requests have a latency uniform in (0, 500 ms]. The p99 of the whole is
# the 1 - 0.01/0.25 = 96th percentile of U(0, 500 ms) = 480 ms, plus the
# (small) service time. The goal: loadd's p99 within 5 % of that.
# Beside it: loadd's service-time p99 (measured from the actual send, the
# uncorrected view), the p99 recomputed from the raw samples in SQLite, and
# wrk's closed-loop p99 (wrk --latency -t1 -c10 -dSECS), which hides the
# stall because its 10 connections simply stop sending while it lasts
# (but wrk 4 applies its own coarse correction, stats_correct()).
# "loadd-v10" is the same open model with max_vus 10: iterations queue
# while the 10 VUs are stuck, so its service-time p99 is the uncorrected
# view that a 10-connection closed loop would see, while its p99 from the
# scheduled start should still match the analytic figure.

ROUNDS=${1:-3}
RATE=${2:-1000}
SECS=${3:-20}
STALL_MS=500
EVERY_MS=2000
. "$(dirname "$0")/lib.sh"
command -v wrk >/dev/null || die "wrk is required (apt-get install -y wrk)"
command -v sqlite3 >/dev/null || die "sqlite3 is required"

start_target -t 1 --stall ${STALL_MS}/${EVERY_MS}
start_loadd --threads 1
machine
echo "loadd-target $TURL (--stall ${STALL_MS}/${EVERY_MS}), loadd $URL (--threads 1)"
echo "constant-rate $RATE/s, max_vus 2000 (loadd) or 10 (loadd-v10), ${SECS}s; wrk -t1 -c10 -d${SECS}s; $ROUNDS rounds"
echo

# align: sleep until PHASE seconds after the end of a stall
align() {
	local up w
	up=$(curl -s --max-time 5 "$TURL/stats" | jq -r .uptime_s)
	w=$(awk -v u="$up" -v e="$EVERY_MS" -v p="$1" 'BEGIN {
		e /= 1000; ph = u - int(u / e) * e; w = e - ph + p
		if (w > e) w -= e
		printf "%.3f", w }')
	sleep "$w"
}

printf '%-5s %-10s %9s %10s %10s %10s %10s %7s %7s %6s\n' round tool requests \
    p99_ms svc_p99_ms sql_p99_ms analytic err% late slow%
declare -A P99 ERR SVC
TOOLS=(loadd loadd-v10 wrk)
for r in $(seq 1 "$ROUNDS"); do
	for k in 0 1 2; do
		tool=${TOOLS[$(((k + r - 1) % 3))]}
		case $tool in
		loadd)		mv=2000 ;;
		loadd-v10)	mv=10 ;;
		esac
		if [ $tool != wrk ]; then
			align 0.05
			id=$(submit "$(scenario co "$TURL" all \
			    "{\"executor\":\"constant-rate\",\"rate\":$RATE,\"duration\":\"${SECS}s\",\"max_vus\":$mv}")")
			wait_run "$id" $((SECS + 60)) "$SECS"
			n=$(rj .summary.overall.total_requests)
			p99=$(rj .summary.overall.p99_latency_ms)
			svc50=$(rj .summary.open.service_time.p50_ms)
			svc99=$(rj .summary.open.service_time.p99_ms)
			late=$(rj .summary.open.late_iterations)
			an=$(calc "$STALL_MS * (1 - 0.01 / ($STALL_MS / $EVERY_MS)) + $svc50")
			err=$(calc "($p99 - $an) / $an * 100" 1)
			# exact p99 from the raw samples (nearest rank), and the share
			# of requests slower than 10 ms (expected: 25 %)
			w="run_id = $id AND warmup = 0 AND latency_us IS NOT NULL"
			cnt=$(sqlite3 -cmd '.timeout 5000' "$B/loadd.db" "SELECT COUNT(*) FROM samples WHERE $w")
			sqlp99=$(sqlite3 -cmd '.timeout 5000' "$B/loadd.db" \
			    "SELECT latency_us / 1000.0 FROM samples WHERE $w ORDER BY latency_us LIMIT 1 OFFSET $(( (cnt * 99 + 99) / 100 - 1 ))")
			slow=$(sqlite3 -cmd '.timeout 5000' "$B/loadd.db" \
			    "SELECT ROUND(100.0 * SUM(latency_us > 10000) / COUNT(*), 1) FROM samples WHERE $w")
			ERR[$tool]="${ERR[$tool]:-} $err"
			SVC[$tool]="${SVC[$tool]:-} $svc99"
			printf '%-5s %-10s %9s %10s %10s %10s %10s %7s %7s %6s\n' "$r" $tool \
			    "$n" "$p99" "$svc99" "$(calc "$sqlp99")" "$an" "$err" "$late" "$slow"
		else
			wrk --latency -t1 -c10 -d"${SECS}s" "$TURL/" >"$B/wrk.out" 2>&1
			n=$(wrk_total "$B/wrk.out")
			p99=$(wrk_pct "$B/wrk.out" 99)
			printf '%-5s %-10s %9s %10s %10s %10s %10s %7s %7s %6s\n' "$r" wrk \
			    "$n" "$p99" - - - - - -
		fi
		P99[$tool]="${P99[$tool]:-} $p99"
	done
done

echo
echo "summary (median [min..max] over $ROUNDS rounds)"
f() { set -- $(stats $1); echo "$1 [$2..$3]"; }
echo "analytic p99 from scheduled start: $(calc "$STALL_MS * (1 - 0.01 / ($STALL_MS / $EVERY_MS))") ms + service time"
for t in loadd loadd-v10; do
	echo "$t: p99 from scheduled start $(f "${P99[$t]}") ms, error vs analytic $(f "${ERR[$t]}") %;" \
	    "service-time p99 (uncorrected) $(f "${SVC[$t]}") ms"
done
echo "wrk closed-loop p99 (-c10): $(f "${P99[wrk]}") ms (wrk 4 back-fills the latency histogram"
echo "  with stats_correct(), using the mean per-connection interval; see BENCHMARKS.md)"
