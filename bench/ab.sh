#!/bin/bash
# ab.sh [ROUNDS=5] [SECS=10] -- two loadd builds side by side against nginx:
# LOADD_OLD (a loadd binary, required) and $LOADD_BUILD/loadd, each with
# samples "all" and "none", and wrk -t1 -c50, interleaved in every round.
# Prints per run: requests/s counted at nginx and the generator's CPU
# seconds per 100k requests (utime+stime from /proc, as throughput.sh).
ROUNDS=${1:-5}; SECS=${2:-10}
. "$(dirname "$0")/lib.sh"
[ -x "${LOADD_OLD:-}" ] || die "set LOADD_OLD to the loadd binary to compare with"
command -v wrk >/dev/null || die "wrk is required (apt-get install -y wrk)"
start_nginx
NWPID=$(nginx_worker_pid)
NEWLOADD=$LOADD; LOADD=$LOADD_OLD; LOADD_DB=$B/a.db start_loadd --threads 1; APID=$DPID; AURL=$URL
LOADD=$NEWLOADD; LOADD_DB=$B/b.db start_loadd --threads 1; BPID=$DPID; BURL=$URL
# one PID URL SAMPLES: prints "rps cpu_s_per_100k"
one() {
	DPID=$1; URL=$2
	local n0 n1 c0 c1 id
	n0=$(nginx_requests); c0=$(cpu_ticks "$DPID")
	id=$(submit "$(scenario tp "$NURL" "$3" "{\"executor\":\"constant-vus\",\"vus\":50,\"duration\":\"${SECS}s\"}")")
	wait_run "$id" $((SECS + 60)) "$SECS"
	c1=$(cpu_ticks "$DPID"); n1=$(nginx_requests)
	echo "$(( (n1-n0)/SECS )) $(calc "($c1 - $c0) / $CLK_TCK / ($n1 - $n0) * 100000")"
}
# onewrk: the same for wrk
onewrk() {
	local n0 n1
	n0=$(nginx_requests)
	sh -c 'wrk -t1 -c50 -d"$1"s "$2/" >/dev/null 2>&1; cat /proc/$$/stat >"$3"' sh "$SECS" "$NURL" "$B/wrk.stat"
	n1=$(nginx_requests)
	echo "$(( (n1-n0)/SECS )) $(sed 's/.*) //' "$B/wrk.stat" | awk -v hz="$CLK_TCK" -v n=$((n1-n0)) '{ printf "%.3f", ($14 + $15) / hz / n * 100000 }')"
}
machine
echo "round tool rps cpu_s_per_100k"
# warm-up, not counted
one $APID $AURL none >/dev/null; one $BPID $BURL none >/dev/null
for r in $(seq 1 $ROUNDS); do
	echo "$r wrk $(onewrk)"
	echo "$r old-all $(one $APID $AURL all)"
	echo "$r new-all $(one $BPID $BURL all)"
	echo "$r old-none $(one $APID $AURL none)"
	echo "$r new-none $(one $BPID $BURL none)"
done
