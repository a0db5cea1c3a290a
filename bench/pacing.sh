#!/bin/bash
# pacing.sh [SECS=5] [RATES="1000 5000 10000 20000"] -- what open-model
# pacing costs: constant-rate against nginx (one worker) with one loadd
# worker thread, samples "none". Per rate: the daemon's CPU per request, the
# latency from the scheduled start and the service time from the send.

SECS=${1:-5}
RATES=${2:-1000 5000 10000 20000}
. "$(dirname "$0")/lib.sh"

start_nginx
start_loadd --threads 1
machine
echo "nginx $NURL, loadd $URL (--threads 1); constant-rate for ${SECS}s per rate"
echo
printf '%8s %10s %12s %12s %12s %12s %12s\n' rate rps cpu_us/req p50_ms p99_ms svc_p50_ms svc_p99_ms
for r in $RATES; do
	c0=$(cpu_ticks "$DPID")
	id=$(submit "$(scenario pace "$NURL" none \
	    "{\"executor\":\"constant-rate\",\"rate\":$r,\"duration\":\"${SECS}s\",\"max_vus\":1000}")")
	wait_run "$id" $((SECS + 60)) "$SECS"
	c1=$(cpu_ticks "$DPID")
	n=$(rj .summary.overall.total_requests)
	printf '%8s %10s %12s %12s %12s %12s %12s\n' "$r" \
	    "$(rj .summary.overall.throughput_rps)" \
	    "$(calc "($c1 - $c0) / $CLK_TCK / $n * 1000000" 1)" \
	    "$(rj .summary.overall.median_latency_ms)" \
	    "$(rj .summary.overall.p99_latency_ms)" \
	    "$(rj .summary.open.service_time.p50_ms)" \
	    "$(rj .summary.open.service_time.p99_ms)"
done
