#!/bin/bash
# h2.sh -- HTTP/2 (SPEC 18) against real servers on 127.0.0.1: nghttpd (h2c
# and TLS by ALPN, a stream limit, a tiny flow-control window) and nginx
# (templates, captures, checks and cookies over h2; GOAWAY after N requests;
# TLS session resumption counted by nginx itself), and loadd-target's h2
# mode for the faults neither makes. The daemon stays responsive.
. "${top_srcdir:-.}/tests/integration/lib.sh"

for cmd in nghttpd nginx openssl curl; do
	command -v "$cmd" >/dev/null ||
	    { echo "1..0 # SKIP $cmd not installed"; exit 0; }
done
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" \
    -out "$T/cert.pem" -days 1 -subj /CN=localhost >/dev/null 2>&1
mkdir -p "$T/htdocs"
printf 'ok\n' >"$T/htdocs/ok"

# nghttpd PORT ARGS...: an nghttpd on 127.0.0.1, waited for.
nghttpd_start() {
	local port=$1 i url
	shift
	# nghttpd itself in the background, so that $! is its PID.
	if [ "$1" = --no-tls ]; then
		nghttpd -a 127.0.0.1 -d "$T/htdocs" "$@" "$port" \
		    >>"$T/nghttpd.log" 2>&1 &
	else
		nghttpd -a 127.0.0.1 -d "$T/htdocs" "$port" "$@" \
		    >>"$T/nghttpd.log" 2>&1 &
	fi
	TARGET_PIDS="$TARGET_PIDS $!"
	case " $* " in
	*" --no-tls "*)	url="--http2-prior-knowledge http://127.0.0.1:$port/ok" ;;
	*)		url="-k --http2 https://127.0.0.1:$port/ok" ;;
	esac
	for i in $(seq 1 50); do
		# shellcheck disable=SC2086
		curl -s --max-time 1 -o /dev/null $url && return 0
		sleep 0.1
	done
	echo "# nghttpd on $port did not answer"
}

# run JSON [SECONDS]: submit, wait; the run's document in $T/body.
run() {
	local id
	id=$(submit "$1")
	wait_run "$id" "${2:-30}"
}

# kinds: the error kinds of the last run, sorted, space separated.
kinds() {
	jbody '[.summary.errors[].kind] | unique | join(" ")'
}

start_daemon || { ok 1 "daemon starts"; done_testing; }
P1=$(free_port)
nghttpd_start "$P1" --no-tls

# h2c with prior knowledge, 12 VUs multiplexed on 2 connections.
run "{\"name\":\"h2c\",\"target\":\"http://127.0.0.1:$P1\",\"protocol\":\"h2\",
    \"connections\":2,\"requests\":[{\"name\":\"ok\",\"path\":\"/ok\",
    \"checks\":[{\"body_contains\":\"ok\"}]}],
    \"load\":{\"executor\":\"constant-vus\",\"vus\":12,\"duration\":\"2s\"}}"
is "$(jbody .status)" completed "h2c: completed"
is "$(jbody .summary.overall.failed_requests)" 0 "h2c: no failure"
ok $(( $(jbody .summary.overall.total_requests) > 200 ? 0 : 1 )) \
    "h2c: $(jbody .summary.overall.total_requests) requests"
is "$(jbody .summary.protocol)" h2 "h2c: the run names its protocol"
is "$(jbody '.summary.requests[0].protocol')" h2 "h2c: and each request's"
is "$(jbody .summary.stream_waits)" 0 "h2c: no stream waits under the limit"
code=$(api GET "/v1/runs/$(jbody .id)/report?format=md")
like "$(cat "$T/body")" ' · h2 \(0 stream waits\)' "h2c: the report says h2"

# A stream limit of 1: 6 VUs on one connection wait for it, and say so.
P2=$(free_port)
nghttpd_start "$P2" --no-tls -m 1
run "{\"name\":\"h2lim\",\"target\":\"http://127.0.0.1:$P2\",\"protocol\":\"h2\",
    \"connections\":1,\"requests\":[{\"name\":\"ok\",\"path\":\"/ok\"}],
    \"load\":{\"executor\":\"constant-vus\",\"vus\":6,\"duration\":\"2s\"}}"
is "$(jbody .summary.overall.failed_requests)" 0 "stream limit 1: no failure"
ok $(( $(jbody .summary.stream_waits) > 100 ? 0 : 1 )) \
    "stream limit 1: $(jbody .summary.stream_waits) stream waits counted"

# 10 MB uploads through a 1 KiB flow-control window.
P3=$(free_port)
nghttpd_start "$P3" --no-tls -w 10 -W 10
run "{\"name\":\"h2up\",\"target\":\"http://127.0.0.1:$P3\",\"protocol\":\"h2\",
    \"requests\":[{\"name\":\"up\",\"method\":\"POST\",\"path\":\"/ok\",
    \"body_bytes\":10000000,\"timeout\":\"20s\"}],
    \"load\":{\"executor\":\"constant-vus\",\"vus\":1,\"iterations\":2}}" 60
is "$(jbody .summary.overall.successful_requests)" 2 \
    "10 MB uploads through a 1 KiB window: both answered"
ok $(( $(jbody .summary.overall.bytes_sent) >= 20000000 ? 0 : 1 )) \
    "10 MB uploads: $(jbody .summary.overall.bytes_sent) bytes sent"

# h2 over TLS, by ALPN; "auto" picks h2 there and HTTP/1.1 in the clear.
P4=$(free_port)
nghttpd_start "$P4" "$T/key.pem" "$T/cert.pem"
for proto in h2 auto; do
	run "{\"name\":\"tls-$proto\",\"target\":\"https://127.0.0.1:$P4\",
	    \"insecure\":true,\"protocol\":\"$proto\",
	    \"requests\":[{\"name\":\"ok\",\"path\":\"/ok\"}],
	    \"load\":{\"executor\":\"constant-vus\",\"vus\":4,\"duration\":\"1s\"}}"
	is "$(jbody .summary.overall.failed_requests)/$(jbody .summary.protocol)" \
	    0/h2 "https, protocol $proto: h2 by ALPN, no failure"
done
start_target
run "{\"name\":\"auto-h1\",\"target\":\"$TURL\",\"protocol\":\"auto\",
    \"requests\":[{\"name\":\"ok\",\"path\":\"/ok\"}],
    \"load\":{\"executor\":\"constant-vus\",\"vus\":2,\"duration\":\"1s\"}}"
is "$(jbody .summary.overall.failed_requests)/$(jbody .summary.protocol)" \
    0/http/1.1 "http, protocol auto: HTTP/1.1"
is "$(jbody .summary.stream_waits)" null "no h2, no stream waits (null)"

# Validation names the field.
code=$(api POST /v1/runs "{\"name\":\"bad\",\"target\":\"$TURL\",\"protocol\":\"h3\",
    \"requests\":[{\"name\":\"ok\",\"path\":\"/ok\"}],
    \"load\":{\"executor\":\"constant-vus\",\"vus\":1,\"duration\":\"1s\"}}")
is "$code/$(jbody .error.path)" 400//protocol "an unknown protocol: 400 at /protocol"
code=$(api POST /v1/runs "{\"name\":\"bad\",\"target\":\"$TURL\",\"connections\":2,
    \"requests\":[{\"name\":\"ok\",\"path\":\"/ok\"}],
    \"load\":{\"executor\":\"constant-vus\",\"vus\":1,\"duration\":\"1s\"}}")
is "$code/$(jbody .error.path)" 400//connections \
    "connections without h2: 400 at /connections"

# nginx: h2c, h2 over TLS, and HTTP/1.1 over TLS, logging what it got.
NP=$(free_port)
NPT=$(free_port)
NPG=$(free_port)
ND=$T/nginx
mkdir -p "$ND/logs" "$ND/tmp"
cat >"$ND/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $ND/nginx.pid;
error_log $ND/logs/error.log warn;
events { worker_connections 1024; }
http {
    log_format t '\$server_port \$connection \$server_protocol '
        '\$ssl_session_reused \$uri id=\$http_x_id sid=\$cookie_sid '
        'auth=\$http_authorization';
    access_log $ND/logs/access.log t;
    client_body_temp_path $ND/tmp/body;
    proxy_temp_path $ND/tmp/proxy;
    fastcgi_temp_path $ND/tmp/fastcgi;
    uwsgi_temp_path $ND/tmp/uwsgi;
    scgi_temp_path $ND/tmp/scgi;
    server {
        listen 127.0.0.1:$NP http2;
        default_type text/plain;
        location = /login {
            add_header Set-Cookie "sid=s\$request_id; Path=/";
            return 200 '{"token":"t\$request_id"}';
        }
        location = /echo { return 200 "id=\$http_x_id;"; }
        location / { return 200 "ok"; }
    }
    server {
        listen 127.0.0.1:$NPG http2;
        keepalive_requests 25;
        location / { return 200 "ok"; }
    }
    server {
        listen 127.0.0.1:$NPT ssl http2;
        ssl_certificate $T/cert.pem;
        ssl_certificate_key $T/key.pem;
        keepalive_requests 100000;
        location / { return 200 "ok"; }
    }
}
EOF
nginx -c "$ND/nginx.conf" -p "$ND" >"$ND/logs/stdout.log" 2>&1 &
TARGET_PIDS="$TARGET_PIDS $!"
for i in $(seq 1 50); do
	curl -s --max-time 1 -o /dev/null --http2-prior-knowledge \
	    "http://127.0.0.1:$NP/" && break
	sleep 0.1
done

# Templates, a capture from setup, cookies and checks, all over h2c.
run "{\"name\":\"h2dyn\",\"target\":\"http://127.0.0.1:$NP\",\"protocol\":\"h2\",
    \"connections\":2,\"cookies\":true,
    \"setup\":[{\"name\":\"login\",\"path\":\"/login\",
        \"capture\":{\"token\":{\"json\":\"/token\"}}}],
    \"requests\":[
      {\"name\":\"echo\",\"path\":\"/echo\",\"headers\":{\"X-Id\":\"{{vu}}-{{seq}}\"},
       \"checks\":[{\"body_contains\":\"id=\"}]},
      {\"name\":\"me\",\"path\":\"/me\",
       \"headers\":{\"Authorization\":\"Bearer {{token}}\"}},
      {\"name\":\"bad\",\"path\":\"/echo\",\"weight\":0.2,
       \"checks\":[{\"body_contains\":\"never there\"}]}],
    \"load\":{\"executor\":\"constant-vus\",\"vus\":4,\"duration\":\"2s\"}}"
is "$(jbody .status)" completed "templates over h2: completed"
is "$(kinds)" check "templates over h2: the one failing check is a check error"
is "$(jbody '[.summary.requests[] | select(.name != "bad") | .failed_requests] | add')" 0 \
    "templates over h2: the other requests pass their checks"
L=$ND/logs/access.log
ids=$(awk -v p="$NP" '$1 == p && $5 == "/echo" && $6 != "id=-" { print $6 }' "$L")
is "$(echo "$ids" | sort | uniq -d | wc -l)" 0 \
    "templates over h2: every X-Id nginx saw is unique ($(echo "$ids" | wc -l))"
is "$(awk -v p="$NP" '$1 == p && $5 == "/me" && ($7 !~ /^sid=s[0-9a-f]+$/ || $8 != "auth=Bearer" || $9 !~ /^t[0-9a-f]+$/)' "$L" | wc -l)" 0 \
    "cookies and the captured token reach nginx over h2"
is "$(awk -v p="$NP" '$1 == p && $5 == "/me" { print $3 }' "$L" | sort -u)" HTTP/2.0 \
    "nginx saw HTTP/2"

# nginx closes an h2 connection with GOAWAY every 25 requests.
run "{\"name\":\"goaway\",\"target\":\"http://127.0.0.1:$NPG\",\"protocol\":\"h2\",
    \"connections\":1,\"requests\":[{\"name\":\"ok\",\"path\":\"/\"}],
    \"load\":{\"executor\":\"constant-vus\",\"vus\":4,\"duration\":\"2s\"}}"
is "$(jbody .status)" completed "GOAWAY: the run completes"
ok $(( $(jbody .summary.overall.successful_requests) > 250 ? 0 : 1 )) \
    "GOAWAY: $(jbody .summary.overall.successful_requests) answered on new connections"
nconn=$(awk -v p="$NPG" '$1 == p { print $2 }' "$L" | sort -u | wc -l)
ok $(( nconn > 10 ? 0 : 1 )) "GOAWAY: $nconn connections"
k=$(kinds)
ok $([ -z "$k" ] || [ "$k" = reset ]; echo $?) "GOAWAY: any failure is a reset ('$k')"

# TLS session resumption, counted by nginx: a new connection per request.
for resume in true false; do
	: >"$L.$resume"
	before=$(wc -l <"$L")
	run "{\"name\":\"resume-$resume\",\"target\":\"https://127.0.0.1:$NPT\",
	    \"insecure\":true,\"tls_resume\":$resume,
	    \"requests\":[{\"name\":\"ok\",\"path\":\"/\"}],
	    \"load\":{\"executor\":\"constant-vus\",\"vus\":2,\"iterations\":100,
	    \"keepalive\":false}}"
	tail -n +"$((before + 1))" "$L" | awk -v p="$NPT" '$1 == p' >"$L.$resume"
	is "$(jbody .summary.overall.successful_requests)" 100 \
	    "tls_resume $resume: 100 requests"
	r=$(awk '$4 == "r"' "$L.$resume" | wc -l)
	n=$(wc -l <"$L.$resume")
	if [ "$resume" = true ]; then
		ok $(( r >= n - 4 && n == 100 ? 0 : 1 )) \
		    "tls_resume true: $r of $n handshakes resumed"
	else
		is "$r/$n" 0/100 "tls_resume false: every handshake full"
	fi
done
run "{\"name\":\"tls-h2-nginx\",\"target\":\"https://127.0.0.1:$NPT\",
    \"insecure\":true,\"protocol\":\"h2\",\"connections\":2,
    \"requests\":[{\"name\":\"ok\",\"path\":\"/\"}],
    \"load\":{\"executor\":\"constant-vus\",\"vus\":8,\"duration\":\"1s\"}}"
is "$(jbody .summary.overall.failed_requests)/$(jbody .summary.protocol)" 0/h2 \
    "nginx, h2 over TLS: no failure"

# The fault matrix: loadd-target's h2 mode misbehaving on purpose. Each
# run ends on time with the right error kind, and the daemon answers.
# fault VUS SECONDS [BODY_BYTES [TIMEOUT [ITERATIONS]]]: a run against a
# fresh target with --h2-fault=$F; its document in $T/body, its wall time
# in $WALL.
fault() {
	local body=${3:-0} tmo=${4:-2s} it=${5:+,\"iterations\":$5} t0
	start_target --h2 --h2-fault="$F"
	t0=$(date +%s%N)
	run "{\"name\":\"fault\",\"target\":\"$TURL\",\"protocol\":\"h2\",
	    \"connections\":1,\"requests\":[{\"name\":\"r\",
	    \"method\":\"$([ "$body" -gt 0 ] && echo POST || echo GET)\",
	    \"path\":\"/\",\"body_bytes\":$body,\"timeout\":\"$tmo\"}],
	    \"load\":{\"executor\":\"constant-vus\",\"vus\":$1,
	    \"duration\":\"$2s\"$it}}" 60
	WALL=$(( ($(date +%s%N) - t0) / 1000000 ))
	cp "$T/body" "$T/run.json"
	is "$(api GET /v1/health)" 200 "$F: the daemon answers"
	mv "$T/run.json" "$T/body"
}
F=rst-every=2
fault 4 2
is "$(kinds)" reset "$F: failures are resets"
n=$(jbody .summary.overall.total_requests)
f=$(jbody .summary.overall.failed_requests)
ok $(( f * 10 >= n * 4 && f * 10 <= n * 6 ? 0 : 1 )) \
    "$F: half fail ($f of $n)"
F=goaway-after=20
fault 4 2
ok $(( $(jbody .summary.overall.successful_requests) > 200 ? 0 : 1 )) \
    "$F: $(jbody .summary.overall.successful_requests) answered over new connections"
k=$(kinds)
ok $([ -z "$k" ] || [ "$k" = reset ]; echo $?) "$F: any failure is a reset ('$k')"
F=max-streams=1
fault 6 2
is "$(jbody .summary.overall.failed_requests)" 0 "$F: no failure"
ok $(( $(jbody .summary.stream_waits) * 2 > $(jbody .summary.overall.total_requests) ? 0 : 1 )) \
    "$F: most requests waited for the stream ($(jbody .summary.stream_waits))"
F=window=4096
fault 1 30 10000000 20s 1
is "$(jbody .summary.overall.successful_requests)" 1 \
    "$F: a 10 MB upload completes (in $WALL ms)"
is "$(jbody .summary.overall.failed_requests)" 0 "$F: none fails"
F=no-settings
fault 2 2 0 500ms
is "$(kinds)" timeout "$F: requests time out"
ok $(( WALL < 8000 ? 0 : 1 )) "$F: the run ends on time (${WALL} ms)"
F=garbage
fault 2 2
is "$(kinds)" protocol "$F: a protocol error"
is "$(jbody .summary.overall.successful_requests)" 0 "$F: nothing succeeds"
F=endless
fault 2 2 0 300ms
is "$(kinds)" timeout "$F: an endless body times out"
ok $(( $(jbody .summary.overall.bytes_received) > 1000000 ? 0 : 1 )) \
    "$F: its DATA was read ($(jbody .summary.overall.bytes_received) bytes)"
ok $(( WALL < 8000 ? 0 : 1 )) "$F: the run ends on time (${WALL} ms)"

is "$(api GET /v1/health)" 200 "the daemon answers throughout"
done_testing
