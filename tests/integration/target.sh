#!/bin/bash
# target.sh -- loadd-target itself: every behaviour of the flags and query
# parameters through curl, /stats, keep-alive, limits, loopback-only binding
# and a clean exit on SIGTERM. Timing checks use generous bounds.
. "${top_srcdir:-.}/tests/integration/lib.sh"

# fge A B: A >= B, as decimal numbers.
fge() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'
}

# req QUERY [CURL ARGS...]: GET /?QUERY; prints "code size time exit".
req() {
	local q=$1 out rc
	shift
	out=$(curl -s -o "$T/resp" --max-time 5 \
	    -w '%{http_code} %{size_download} %{time_total}' "$@" "$TURL/?$q")
	rc=$?
	echo "$out $rc"
}

# field N WORDS: the Nth word.
field() {
	local n=$1
	shift
	set -- $*
	eval "echo \${$n}"
}

# header NAME: a header's value from $T/headers.
header() {
	tr -d '\r' <"$T/headers" | sed -n "s/^$1: //Ip" | head -n 1
}

start_target
like "$(cat "$T/target.port."* 2>/dev/null | head -n 1)" '^[0-9]+$' \
    "port 0 picks a port, written to the portfile"
"$TARGET" -l 127.0.0.1:0 -q >"$T/banner" 2>&1 &
bpid=$!
for i in $(seq 1 50); do [ -s "$T/banner" ] && break; sleep 0.1; done
like "$(head -n 1 "$T/banner")" '^listening on 127\.0\.0\.1:[0-9]+$' \
    "prints 'listening on 127.0.0.1:PORT'"
kill -TERM "$bpid"
wait "$bpid"
is "$?" 0 "exits 0 on SIGTERM"

r=$(req "")
is "$(field 1 $r) $(cat "$T/resp")" "200 ok" "plain GET: 200 ok"
is "$(field 1 $(req status=503))" 503 "status=503"
is "$(field 2 $(req bytes=100000))" 100000 "bytes=100000"
is "$(field 2 $(req bytes=3m))" 3145728 "bytes=3m (a body by reference)"

r=$(req 'chunked=1&bytes=10000&chunk=1000' -D "$T/headers")
is "$(header Transfer-Encoding) $(field 2 $r)" "chunked 10000" \
    "chunked=1: Transfer-Encoding: chunked, body intact"
first=$(curl -s --raw --max-time 5 "$TURL/?chunked=1&bytes=2500&chunk=1000" |
    head -n 1 | tr -d '\r')
is "$first" 3e8 "chunk=1000: chunks of 0x3e8 bytes"

r=$(req delay=300ms)
fge "$(field 3 $r)" 0.25 && ! fge "$(field 3 $r)" 5
ok $? "delay=300ms takes about 300ms ($(field 3 $r)s)"
max=0
for i in 1 2 3 4 5; do
	t=$(field 3 $(req 'jitter=300ms'))
	fge "$t" "$max" && max=$t
done
fge "$max" 0.01 && ! fge "$max" 3
ok $? "jitter=300ms adds a random delay (max $max s over 5)"

is "$(field 1 $(req fail=100))" 500 "fail=100 gives 500"
is "$(field 1 $(req fail=0))" 200 "fail=0 gives 200"

req close=1 -D "$T/headers" >/dev/null
is "$(header Connection)" close "close=1 sends Connection: close"

r=$(req reset=headers)
[ "$(field 4 $r)" -ne 0 ]
ok $? "reset=headers: curl fails (exit $(field 4 $r))"
r=$(req 'reset=body&bytes=1000000')
[ "$(field 4 $r)" -ne 0 ] && [ "$(field 2 $r)" -lt 1000000 ]
ok $? "reset=body: curl fails mid-body ($(field 2 $r) bytes)"
r=$(req reset=now)
[ "$(field 4 $r)" -ne 0 ]
ok $? "reset=now: curl fails (exit $(field 4 $r))"
r=$(req garbage=1)
[ "$(field 4 $r)" -ne 0 ]
ok $? "garbage=1: curl fails (exit $(field 4 $r))"

r=$(req drop=1 --max-time 1)
is "$(field 4 $r)" 28 "drop=1: no answer, curl times out"
r=$(req 'drip=1&drip_ms=20')
fge "$(field 3 $r)" 0.5 && [ "$(cat "$T/resp")" = ok ]
ok $? "drip=1&drip_ms=20: ~40 bytes take over 0.5s ($(field 3 $r)s)"
r=$(req endless=1 --max-time 1)
[ "$(field 4 $r)" -eq 28 ] && [ "$(field 2 $r)" -gt 100000 ]
ok $? "endless=1: the body never ends ($(field 2 $r) bytes in 1s)"

r=$(req 'nolength=1&bytes=5000' -D "$T/headers")
got="$(header Content-Length)|$(header Transfer-Encoding)"
is "$got|$(field 2 $r)|$(field 4 $r)" "||5000|0" \
    "nolength=1: no length, body ends at close"
req hugeheader=10000 -D "$T/headers" >/dev/null
is "$(header X-Huge | wc -c)" 10001 "hugeheader=10000: a 10000-byte header"

head=$(curl -s -I --max-time 5 "$TURL/?bytes=100" | tr -d '\r')
like "$head" 'Content-Length: 100' "HEAD: Content-Length as for GET"
two=$(curl -s -I --max-time 5 "$TURL/?bytes=100" "$TURL/?bytes=7" |
    tr -d '\r' | grep -c '^HTTP/1.1 200 OK$')
is "$two" 2 "HEAD: no body (a second HEAD on the connection parses)"
r=$(req status=204 -D "$T/headers")
is "$(field 1 $r) $(field 2 $r) $(header Content-Length)" "204 0 " \
    "status=204: no body, no Content-Length"

is "$(field 1 $(req delay=bogus))" 400 "a bad parameter value is a 400"
is "$(field 1 $(req 'unknown=1&id=7'))" 200 "unknown parameters are ignored"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
    -H "X-Big: $(head -c 70000 /dev/zero | tr '\0' a)" "$TURL/")
is "$code" 431 "70 KB of request headers: 431"

# Counters: reset, then a known load.
curl -s --max-time 5 -X POST "$TURL/stats/reset" >/dev/null
is "$(target_stat requests)" 0 "POST /stats/reset zeroes requests"
n=$(curl -s --max-time 5 -o /dev/null -o /dev/null -o /dev/null \
    -w '%{num_connects}\n' \
    "$TURL/a" "$TURL/b" "$TURL/c" | paste -sd' ')
is "$n" "1 0 0" "keep-alive: three requests on one connection"
head -c 12345 /dev/zero >"$T/upload"
is "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
    --data-binary @"$T/upload" "$TURL/")" 200 "POST with a body: 200"
is "$(target_stat requests)" 4 "/stats counts requests, not itself"
is "$(target_stat body_bytes_in)" 12345 "/stats counts request body bytes"
like "$(target_stat bytes_in)" '^[1-9][0-9]{4,}$' "/stats counts bytes_in"
is "$(target_stat service_us.count)" 4 "/stats service_us.count"

curl -s --max-time 5 -X POST "$TURL/stats/reset" >/dev/null
for i in 1 2 3; do req delay=50ms >/dev/null; done
p50=$(target_stat service_us.p50)
fge "$p50" 45000 && ! fge "$p50" 2000000
ok $? "service_us.p50 reflects delay=50ms ($p50 us)"

# A client that leaves during a delay: its connection is freed.
req delay=3s --max-time 0.3 >/dev/null
sleep 0.3
is "$(target_stat active_connections)" 1 \
    "a client gone mid-delay is freed (only /stats is left)"

# --stall 400/800: unanswered during [400,800) ms of every 800 ms.
start_target --stall 400/800
max=0
for i in $(seq 1 20); do
	t=$(field 3 $(req ""))
	fge "$t" "$max" && max=$t
	sleep 0.05
done
fge "$max" 0.1 && ! fge "$max" 2
ok $? "--stall 400/800 holds some answers back (max $max s)"

# -d and -s give defaults; the query overrides them.
start_target -d 200ms -s 202
r=$(req "")
[ "$(field 1 $r)" = 202 ] && fge "$(field 3 $r)" 0.15
ok $? "-d 200ms -s 202 are defaults ($(field 1 $r) in $(field 3 $r)s)"
r=$(req 'delay=0&status=200')
[ "$(field 1 $r)" = 200 ] && ! fge "$(field 3 $r)" 0.15
ok $? "query parameters override the flags"

start_target -t 2
is "$(field 1 $(req ""))" 200 "-t 2: two workers on one port"
is "$(target_stat threads)" 2 "/stats reports 2 threads"

"$TARGET" -l 10.1.2.3:0 -q >/dev/null 2>"$T/refuse"
is "$?" 2 "a non-loopback address is refused (exit 2)"
like "$(cat "$T/refuse")" loopback "and says why"

done_testing
