#!/bin/bash
# latency.sh [ROUNDS=3] [SECS=10] -- latency accuracy. loadd-target answers
# every request after a 5 ms delay and measures its own service time
# (GET /stats service_us, reset before each run). 10 connections for SECS:
# loadd (constant-vus 10) and wrk --latency -t1 -c10, interleaved. Prints
# each generator's p50/p99 beside the target's own for the same run, and
# the differences (what the generator adds: loopback, parsing, scheduling).

ROUNDS=${1:-3}
SECS=${2:-10}
. "$(dirname "$0")/lib.sh"
command -v wrk >/dev/null || die "wrk is required (apt-get install -y wrk)"

start_target -t 1 -d 5ms
start_loadd --threads 1
machine
echo "loadd-target $TURL (-d 5ms -t 1), loadd $URL (--threads 1); 10 connections, ${SECS}s, $ROUNDS rounds"
echo

reset_target() { curl -s --max-time 5 -X POST "$TURL/stats/reset" >/dev/null; }
target_us() { curl -s --max-time 5 "$TURL/stats" >"$B/tstats.json"; }
tq() { jq -r "$1" "$B/tstats.json"; }

printf '%-5s %-6s %9s %9s %9s %9s %9s %9s %9s %9s\n' round tool requests \
    gen_p50 gen_p99 tgt_p50 tgt_p99 d_p50 d_p99 gen_max
declare -A D50 D99 G50 G99 T50 T99
for r in $(seq 1 "$ROUNDS"); do
	for tool in loadd wrk; do
		[ $((r % 2)) = 0 ] && tool=$([ $tool = loadd ] && echo wrk || echo loadd)
		reset_target
		if [ $tool = loadd ]; then
			id=$(submit "$(scenario lat "$TURL" none \
			    "{\"executor\":\"constant-vus\",\"vus\":10,\"duration\":\"${SECS}s\"}")")
			wait_run "$id" $((SECS + 60)) "$SECS"
			target_us
			n=$(rj .summary.overall.total_requests)
			g50=$(rj .summary.overall.median_latency_ms)
			g99=$(rj .summary.overall.p99_latency_ms)
			gmax=$(rj .summary.overall.max_latency_ms)
		else
			wrk --latency -t1 -c10 -d"${SECS}s" "$TURL/" >"$B/wrk.out" 2>&1
			target_us
			n=$(wrk_total "$B/wrk.out")
			g50=$(wrk_pct "$B/wrk.out" 50)
			g99=$(wrk_pct "$B/wrk.out" 99)
			gmax=$(to_ms "$(awk '$1 == "Latency" { print $4; exit }' "$B/wrk.out")")
		fi
		t50=$(calc "$(tq .service_us.p50) / 1000")
		t99=$(calc "$(tq .service_us.p99) / 1000")
		d50=$(calc "$g50 - $t50")
		d99=$(calc "$g99 - $t99")
		G50[$tool]="${G50[$tool]:-} $g50"; G99[$tool]="${G99[$tool]:-} $g99"
		T50[$tool]="${T50[$tool]:-} $t50"; T99[$tool]="${T99[$tool]:-} $t99"
		D50[$tool]="${D50[$tool]:-} $d50"; D99[$tool]="${D99[$tool]:-} $d99"
		printf '%-5s %-6s %9s %9s %9s %9s %9s %9s %9s %9s\n' "$r" "$tool" \
		    "$n" "$g50" "$g99" "$t50" "$t99" "$d50" "$d99" "$gmax"
	done
done

echo
echo "summary (ms; median [min..max] over $ROUNDS rounds; d = generator - target)"
printf '%-6s %-24s %-24s %-24s %-24s\n' tool "p50 (gen)" "p99 (gen)" "d_p50" "d_p99"
for tool in loadd wrk; do
	f() { set -- $(stats $1); echo "$1 [$2..$3]"; }
	printf '%-6s %-24s %-24s %-24s %-24s\n' "$tool" "$(f "${G50[$tool]}")" \
	    "$(f "${G99[$tool]}")" "$(f "${D50[$tool]}")" "$(f "${D99[$tool]}")"
done
echo "target's own service time: p50 $(stats ${T50[loadd]} ${T50[wrk]} | cut -d' ' -f1) ms, p99 $(stats ${T99[loadd]} ${T99[wrk]} | cut -d' ' -f1) ms (median over all runs)"
