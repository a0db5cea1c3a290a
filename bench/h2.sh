#!/bin/bash
# h2.sh [ROUNDS=3] [SECS=10] -- HTTP/2 against nginx ("return 200"), h2c
# and over TLS: loadd --threads 1 against h2load -t1, paired in each round,
# the order alternating:
#   c50m1   50 connections, one stream each: h2load -c50 -m1; loadd 50 VUs
#           (one connection per VU, the default)
#   c10m10  10 connections, 10 streams each: h2load -c10 -m10; loadd 100
#           VUs sharing "connections": 10
# Requests are counted at nginx (stub_status); CPU is utime+stime of the
# generator (loadd's from /proc/PID/stat around the run, h2load's as the
# cutime+cstime of the shell that waited for it). Prints requests/s, CPU
# seconds per 100k requests, and the mean latency each tool reports (plus
# loadd's p50). MODES="h2c tls" (the default) picks the modes.
ROUNDS=${1:-3}
SECS=${2:-10}
. "$(dirname "$0")/lib.sh"
command -v h2load >/dev/null || die "h2load is required (apt-get install -y nghttp2-client)"
make_cert
start_loadd --threads 1
machine
echo "loadd $URL (--threads 1), h2load -t1; ${SECS}s runs, $ROUNDS rounds"

# h2 CONN STREAMS: h2load against nginx; "requests secs cpu mean_ms"
one_h2load() {
	local n0 n1 cpu mean
	n0=$(nginx_requests)
	sh -c 'h2load -t1 -c"$1" -m"$2" -D"$3" "$4/" >"$5" 2>&1;
	    cat /proc/$$/stat >"$6"' sh "$1" "$2" "$SECS" "$NURL" \
	    "$B/h2load.out" "$B/h2load.stat"
	n1=$(nginx_requests)
	cpu=$(sed 's/.*) //' "$B/h2load.stat" | awk -v hz="$CLK_TCK" \
	    '{ print ($14 + $15) / hz }')
	grep -q "succeeded" "$B/h2load.out" || die "h2load: $(tail -3 "$B/h2load.out")"
	mean=$(awk '/^time for request:/ { print $6 }' "$B/h2load.out")
	echo "$((n1 - n0)) $SECS $cpu $(to_ms "$mean")"
}

# loadd VUS CONNECTIONS: one run; "requests secs cpu mean_ms p50_ms"
one_loadd_h2() {
	local n0 n1 c0 c1 id conns=
	[ "$2" -gt 0 ] && conns=", connections: $2"
	n0=$(nginx_requests)
	c0=$(cpu_ticks "$DPID")
	id=$(submit "$(jq -nc --arg t "$NURL" --argjson v "$1" \
	    --argjson d "\"${SECS}s\"" \
	    "{name: \"h2\", target: \$t, protocol: \"h2\", insecure: true,
	      samples: \"none\" $conns,
	      requests: [{name: \"a\", path: \"/\"}],
	      load: {executor: \"constant-vus\", vus: \$v, duration: \$d}}")")
	wait_run "$id" $((SECS + 60)) "$SECS"
	c1=$(cpu_ticks "$DPID")
	n1=$(nginx_requests)
	[ "$(rj .summary.overall.failed_requests)" = 0 ] ||
	    log "loadd: $(rj .summary.overall.failed_requests) failed: $(jq -c .summary.errors "$B/run.json")"
	echo "$((n1 - n0)) $(rj .summary.duration_s) $(calc "($c1 - $c0) / $CLK_TCK") $(rj .summary.overall.avg_latency_ms) $(rj .summary.overall.median_latency_ms)"
}

# row ROUND MODE CASE TOOL "requests secs cpu mean [p50]"
row() {
	set -- "$1" "$2" "$3" "$4" $5
	printf '%s %s %s %s %s %s %s %s\n' "$1" "$2" "$3" "$4" \
	    "$(calc "$5 / $6" 0)" "$(calc "$7 / $5 * 100000" 3)" "$8" "${9:--}"
}

for mode in ${MODES:-h2c tls}; do
	if [ "$mode" = h2c ]; then
		NGINX_LISTEN=http2 NGINX_SCHEME=http \
		    NGINX_CURL=--http2-prior-knowledge start_nginx
		NGINX_CURL=--http2-prior-knowledge
	else
		NGINX_LISTEN="ssl http2" NGINX_SCHEME=https NGINX_CURL= \
		    NGINX_EXTRA="ssl_certificate $B/cert.pem; ssl_certificate_key $B/key.pem;" \
		    start_nginx
		NGINX_CURL=
	fi
	echo
	echo "$mode: nginx $NURL"
	echo "round mode case tool rps cpu_s_per_100k mean_ms p50_ms"
	for r in $(seq 1 "$ROUNDS"); do
		for c in c50m1 c10m10; do
			if [ "$c" = c50m1 ]; then set -- 50 1 50 0; else set -- 10 10 100 10; fi
			if [ $((r % 2)) = 1 ]; then
				row "$r" "$mode" "$c" h2load "$(one_h2load "$1" "$2")"
				row "$r" "$mode" "$c" loadd "$(one_loadd_h2 "$3" "$4")"
			else
				row "$r" "$mode" "$c" loadd "$(one_loadd_h2 "$3" "$4")"
				row "$r" "$mode" "$c" h2load "$(one_h2load "$1" "$2")"
			fi
		done
	done
	stop_pid "$NPID"
done
