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
# CPU is utime+stime of the generator, as in throughput.sh; segs_per_req is
# the host's TCP segments sent (both ends, /proc/net/snmp OutSegs) per
# request, so run it on an otherwise quiet host. With LOADD_OLD set to
# another loadd binary, each round also runs it in the close case
# ("loadd-old"), beside the new one.
ROUNDS=${1:-3}
SECS=${2:-10}
. "$(dirname "$0")/lib.sh"
command -v wrk >/dev/null || die "wrk is required (apt-get install -y wrk)"
make_cert
NGINX_LISTEN=ssl NGINX_SCHEME=https \
    NGINX_EXTRA="ssl_certificate $B/cert.pem; ssl_certificate_key $B/key.pem;" \
    start_nginx
if [ -n "${LOADD_OLD:-}" ]; then
	[ -x "$LOADD_OLD" ] || die "LOADD_OLD: $LOADD_OLD is not executable"
	NEWLOADD=$LOADD
	LOADD=$LOADD_OLD LOADD_DB=$B/old.db start_loadd --threads 1
	OLD="$DPID $URL"
	LOADD=$NEWLOADD LOADD_DB=$B/new.db start_loadd --threads 1
else
	start_loadd --threads 1
fi
NEW="$DPID $URL"
machine
echo "nginx $NURL, loadd $URL (--threads 1), wrk -t1; ${SECS}s runs"

# out_segs: TCP segments the host has sent.
out_segs() {
	awk '$1 == "Tcp:" && $12 ~ /^[0-9]+$/ { print $12 }' /proc/net/snmp
}

# wrk CONNS [HEADER]: "requests secs cpu segments"
one_wrk_tls() {
	local n0 n1 cpu s0
	n0=$(nginx_requests)
	s0=$(out_segs)
	sh -c 'wrk -t1 -c"$1" -d"$2"s ${3:+-H "$3"} "$4/" >"$5" 2>&1;
	    cat /proc/$$/stat >"$6"' sh "$1" "$SECS" "${2:-}" "$NURL" \
	    "$B/wrk.out" "$B/wrk.stat"
	s1=$(out_segs)
	n1=$(nginx_requests)
	cpu=$(sed 's/.*) //' "$B/wrk.stat" | awk -v hz="$CLK_TCK" \
	    '{ print ($14 + $15) / hz }')
	echo "$((n1 - n0)) $SECS $cpu $((s1 - s0))"
}

# loadd VUS KEEPALIVE RESUME ["PID URL"]: "requests secs cpu segments"
one_loadd_tls() {
	local n0 n1 c0 c1 id s0 s1
	set -- "$1" "$2" "$3" ${4:-$NEW}
	DPID=$4 URL=$5
	n0=$(nginx_requests)
	s0=$(out_segs)
	c0=$(cpu_ticks "$DPID")
	id=$(submit "$(jq -nc --arg t "$NURL" --argjson v "$1" \
	    --argjson k "$2" --argjson r "$3" --argjson d "\"${SECS}s\"" \
	    '{name: "tls", target: $t, insecure: true, tls_resume: $r,
	      samples: "none", requests: [{name: "a", path: "/"}],
	      load: {executor: "constant-vus", vus: $v, duration: $d,
	      keepalive: $k}}')")
	wait_run "$id" $((SECS + 60)) "$SECS"
	c1=$(cpu_ticks "$DPID")
	s1=$(out_segs)
	n1=$(nginx_requests)
	[ "$(rj .summary.overall.failed_requests)" = 0 ] ||
	    log "loadd: $(rj .summary.overall.failed_requests) failed"
	echo "$((n1 - n0)) $(rj .summary.duration_s) $(calc "($c1 - $c0) / $CLK_TCK") $((s1 - s0))"
}

# row ROUND CASE TOOL "requests secs cpu segments"
row() {
	set -- "$1" "$2" "$3" $4
	printf '%s %s %s %s %s %s\n' "$1" "$2" "$3" "$(calc "$4 / $5" 0)" \
	    "$(calc "$6 / $4 * 100000" 3)" "$(calc "$7 / $4" 2)"
}

echo
echo "round case tool rps cpu_s_per_100k segs_per_req"
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
	if [ -n "${OLD:-}" ]; then
		row "$r" close loadd-old \
		    "$(one_loadd_tls 10 false true "$OLD")"
	fi
	row "$r" close loadd-full "$(one_loadd_tls 10 false false)"
done
