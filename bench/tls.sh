#!/bin/bash
# tls.sh [ROUNDS=3] [SECS=10] -- HTTPS/1.1 against nginx (TLS defaults,
# "return 200"): wrk -t1 and loadd --threads 1, paired in each round, the
# order alternating:
#   keepalive  50 connections kept open: CPU per request
#   close      a new connection per request (wrk: "Connection: close";
#              loadd: "keepalive": false), 10 at a time: handshakes/s and
#              CPU per handshake; loadd with TLS resumption (the default)
#              and with "tls_resume": false
# Requests (= handshakes, for close) are counted at nginx (stub_status);
# CPU is utime+stime of the generator, as in throughput.sh.
ROUNDS=${1:-3}
SECS=${2:-10}
. "$(dirname "$0")/lib.sh"
command -v wrk >/dev/null || die "wrk is required (apt-get install -y wrk)"
make_cert
NGINX_LISTEN=ssl NGINX_SCHEME=https \
    NGINX_EXTRA="ssl_certificate $B/cert.pem; ssl_certificate_key $B/key.pem;" \
    start_nginx
start_loadd --threads 1
machine
echo "nginx $NURL, loadd $URL (--threads 1), wrk -t1; ${SECS}s runs"

# wrk CONNS [HEADER]: "requests secs cpu"
one_wrk_tls() {
	local n0 n1 cpu
	n0=$(nginx_requests)
	sh -c 'wrk -t1 -c"$1" -d"$2"s ${3:+-H "$3"} "$4/" >"$5" 2>&1;
	    cat /proc/$$/stat >"$6"' sh "$1" "$SECS" "${2:-}" "$NURL" \
	    "$B/wrk.out" "$B/wrk.stat"
	n1=$(nginx_requests)
	cpu=$(sed 's/.*) //' "$B/wrk.stat" | awk -v hz="$CLK_TCK" \
	    '{ print ($14 + $15) / hz }')
	echo "$((n1 - n0)) $SECS $cpu"
}

# loadd VUS KEEPALIVE RESUME: "requests secs cpu"
one_loadd_tls() {
	local n0 n1 c0 c1 id
	n0=$(nginx_requests)
	c0=$(cpu_ticks "$DPID")
	id=$(submit "$(jq -nc --arg t "$NURL" --argjson v "$1" \
	    --argjson k "$2" --argjson r "$3" --argjson d "\"${SECS}s\"" \
	    '{name: "tls", target: $t, insecure: true, tls_resume: $r,
	      samples: "none", requests: [{name: "a", path: "/"}],
	      load: {executor: "constant-vus", vus: $v, duration: $d,
	      keepalive: $k}}')")
	wait_run "$id" $((SECS + 60)) "$SECS"
	c1=$(cpu_ticks "$DPID")
	n1=$(nginx_requests)
	[ "$(rj .summary.overall.failed_requests)" = 0 ] ||
	    log "loadd: $(rj .summary.overall.failed_requests) failed"
	echo "$((n1 - n0)) $(rj .summary.duration_s) $(calc "($c1 - $c0) / $CLK_TCK")"
}

# row ROUND CASE TOOL "requests secs cpu"
row() {
	set -- "$1" "$2" "$3" $4
	printf '%s %s %s %s %s\n' "$1" "$2" "$3" "$(calc "$4 / $5" 0)" \
	    "$(calc "$6 / $4 * 100000" 3)"
}

echo
echo "round case tool rps cpu_s_per_100k"
for r in $(seq 1 "$ROUNDS"); do
	if [ $((r % 2)) = 1 ]; then
		row "$r" keepalive wrk "$(one_wrk_tls 50)"
		row "$r" keepalive loadd "$(one_loadd_tls 50 true true)"
	else
		row "$r" keepalive loadd "$(one_loadd_tls 50 true true)"
		row "$r" keepalive wrk "$(one_wrk_tls 50)"
	fi
	row "$r" close wrk "$(one_wrk_tls 10 'Connection: close')"
	row "$r" close loadd "$(one_loadd_tls 10 false true)"
	row "$r" close loadd-full "$(one_loadd_tls 10 false false)"
done
