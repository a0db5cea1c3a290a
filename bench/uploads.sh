#!/bin/bash
# uploads.sh [ROUNDS=5] [SECS=10] [SIZES="1048576 10485760"] -- uploads
# against loadd-target (one thread), which reads each body whole before it
# answers: wrk -t1 -c10 with a Lua script that POSTs a body of SIZE bytes,
# and loadd --threads 1 with 10 VUs POSTing a generated body of SIZE bytes
# (body_bytes), interleaved in every round, the order alternating.
# Requests are counted at the target (/stats); CPU is utime+stime of the
# generator (loadd's from /proc/PID/stat around the run, wrk's as the
# cutime+cstime of the shell that waited for it). Prints CPU seconds per GB.
#
# Not nginx: its "return 200" answers before it has read the body, and wrk
# then stalls on a connection whose body it has not finished writing (11
# requests of 10 MB in 10 s, 2026-12-07), which measures wrk, not uploads.

ROUNDS=${1:-5}
SECS=${2:-10}
SIZES=${3:-"1048576 10485760"}
. "$(dirname "$0")/lib.sh"
command -v wrk >/dev/null || die "wrk is required (apt-get install -y wrk)"

start_target
start_loadd --threads 1
machine
echo "loadd-target $TURL, loadd $URL (--threads 1), 10 connections, ${SECS}s runs"
echo

target_requests() {
	curl -s --max-time 5 "$TURL/stats" | jq -r .requests
}

up_wrk() {	# SIZE
	local n0 n1 cpu
	printf 'wrk.method = "POST"\nwrk.body = string.rep("u", %d)\n' \
	    "$1" >"$B/post.lua"
	n0=$(target_requests)
	sh -c 'wrk -t1 -c10 -d"$1"s -s "$2" "$3/" >"$4" 2>&1;
	    cat /proc/$$/stat >"$5"' sh "$SECS" "$B/post.lua" "$TURL" \
	    "$B/wrk.out" "$B/wrk.stat"
	n1=$(target_requests)
	cpu=$(sed 's/.*) //' "$B/wrk.stat" | awk -v hz="$CLK_TCK" \
	    '{ print ($14 + $15) / hz }')
	echo "$((n1 - n0)) $SECS $cpu"
}

up_loadd() {	# SIZE
	local n0 n1 c0 c1 id
	n0=$(target_requests)
	c0=$(cpu_ticks "$DPID")
	id=$(submit "$(jq -nc --arg t "$TURL" --argjson n "$1" \
	    --arg d "${SECS}s" '{name: "up", target: $t, samples: "none",
	    requests: [{name: "up", method: "POST", path: "/",
	    body_bytes: $n}], load: {executor: "constant-vus", vus: 10,
	    duration: $d}}')")
	wait_run "$id" $((SECS + 60)) "$SECS"
	c1=$(cpu_ticks "$DPID")
	n1=$(target_requests)
	echo "$((n1 - n0)) $(rj .summary.duration_s) $(calc "($c1 - $c0) / $CLK_TCK")"
}

printf '%-5s %-9s %-6s %8s %6s %7s %9s %12s\n' round size tool requests \
    secs cpu_s MB/s cpu_s/GB
for size in $SIZES; do
	unset PER
	declare -A PER
	RATIO=
	for r in $(seq 1 "$ROUNDS"); do
		for k in 0 1; do
			if [ $(( (k + r) % 2 )) -eq 0 ]; then t=wrk; else t=loadd; fi
			if [ $t = wrk ]; then line=$(up_wrk "$size")
			else line=$(up_loadd "$size"); fi
			set -- $line
			mb=$(calc "$1 * $size / 1048576" 1)
			perg=$(calc "$3 / ($1 * $size / 1073741824)" 3)
			PER[$t]="${PER[$t]:-} $perg"
			eval "G_$t=$perg"
			printf '%-5s %-9s %-6s %8s %6s %7s %9s %12s\n' "$r" \
			    "$size" "$t" "$1" "$2" "$3" "$(calc "$mb / $2" 1)" \
			    "$perg"
		done
		RATIO="$RATIO $(calc "$G_loadd / $G_wrk")"
	done
	set -- $(stats $RATIO)
	printf 'size %s: loadd/wrk CPU per GB, median %s (%s..%s)\n\n' \
	    "$size" "$1" "$2" "$3"
done
