#!/bin/bash
# deadtarget.sh [SECS=10] [VUS=50] -- what a dead target costs the generator:
# a closed-model run at a port where nothing listens, every connection
# refused. Prints connection attempts and loadd's CPU (from /proc, all
# threads) for $LOADD_BUILD/loadd and, when LOADD_OLD is set, that binary
# too, so a change in the backoff shows as a pair.
SECS=${1:-10}; VUS=${2:-50}
. "$(dirname "$0")/lib.sh"
dead=$(free_port) || die "no free port"
# one LOADD_BINARY NAME: one run; prints "NAME attempts cpu_pct".
one() {
	local c0 c1 id
	LOADD=$1 LOADD_DB=$B/$2.db start_loadd --threads 2
	c0=$(cpu_ticks "$DPID")
	id=$(submit "$(scenario dead "http://127.0.0.1:$dead" none \
	    "{\"executor\":\"constant-vus\",\"vus\":$VUS,\"duration\":\"${SECS}s\"}")")
	wait_run "$id" $((SECS + 60)) "$SECS"
	c1=$(cpu_ticks "$DPID")
	echo "$2 $(rj .summary.overall.total_requests) $(calc "100 * ($c1 - $c0) / $CLK_TCK / $SECS" 1)"
	stop_pid "$DPID"
}
machine
echo "build attempts cpu_pct (of one core, over ${SECS}s, $VUS VUs)"
[ -x "${LOADD_OLD:-}" ] && one "$LOADD_OLD" old
one "$LOADD" new
