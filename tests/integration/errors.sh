#!/bin/bash
# errors.sh -- each error kind counted exactly, against targets that fail in
# known ways; timeouts cancel the request; the daemon stays responsive.
. "${top_srcdir:-.}/tests/integration/lib.sh"

start_target
start_daemon --threads 2 || { ok 1 "daemon starts"; done_testing; }

# one NAME PATH [EXTRA-REQUEST-FIELDS]: 20 iterations of one request.
one() {
	echo "{\"name\":\"$1\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"r\",\"path\":\"$2\"${3:-}}],\"load\":{\"executor\":\"constant-vus\",\"vus\":2,\"iterations\":20}}"
}
# errs KIND: the count of that kind in the last run's summary.
errs() {
	jbody "[.summary.errors[] | select(.kind == \"$1\") | .count] | add // 0"
}

id=$(submit "$(one st '/?status=503')")
wait_run "$id" 30
is "$(jbody .summary.overall.failed_requests)" 20 "503s are failures"
is "$(errs status)" 20 "counted as kind status"
is "$(jbody '.summary.errors[0].status')" 503 "with the status"
is "$(jbody .summary.overall.total_requests)" 20 "and they have latency"
like "$(jbody .summary.overall.median_latency_ms)" "^[0-9.]+$" \
    "latency covers every complete response"
is "$(sq "SELECT count(*) FROM errors WHERE run_id = $id AND kind = 'status' AND status = 503")" \
    1 "errors table row"
is "$(sq "SELECT count(*) FROM samples WHERE run_id = $id AND error = 'status' AND status = 503 AND latency_us IS NOT NULL")" \
    20 "samples are flagged"

id=$(submit "$(one ex '/?status=404' ',"expect":[404]')")
wait_run "$id" 30
is "$(jbody .summary.overall.failed_requests)" 0 "expect [404] makes 404 a success"
id=$(submit "$(one ex2 '/?status=302' ',"expect":"2xx"')")
wait_run "$id" 30
is "$(errs status)" 20 "expect 2xx makes a 302 a failure (redirects not followed)"

id=$(submit "$(one to '/?delay=5s' ',"timeout":"200ms"')")
start=$(date +%s%N)
wait_run "$id" 30
is "$(errs timeout)" 20 "timeouts counted"
is "$(sq "SELECT count(*) FROM samples WHERE run_id = $id AND latency_us IS NULL")" \
    20 "a timeout adds no latency sample"
el=$(( ($(date +%s%N) - start) / 1000000 ))
ok $(( el < 5000 ? 0 : 1 )) "10 rounds of 200 ms timeouts took ${el} ms, not 10 x 5 s"

id=$(submit "$(one rs '/?reset=body&bytes=10000')")
wait_run "$id" 30
is "$(errs reset)" 20 "reset mid-body counted as reset"
id=$(submit "$(one rh '/?reset=headers')")
wait_run "$id" 30
is "$(errs reset)" 20 "reset mid-headers counted as reset"
id=$(submit "$(one gb '/?garbage=1')")
wait_run "$id" 30
is "$(errs protocol)" 20 "garbage counted as protocol"
id=$(submit "$(one hh '/?hugeheader=100000')")
wait_run "$id" 30
is "$(errs protocol)" 20 "a 100 KB header counted as protocol"
id=$(submit "$(one nl '/?nolength=1&bytes=500')")
wait_run "$id" 30
is "$(jbody .summary.overall.successful_requests)" 20 "a body ended by close is complete"
id=$(submit "$(one ch '/?chunked=1&bytes=100000&chunk=333')")
wait_run "$id" 30
is "$(jbody .summary.overall.successful_requests)" 20 "chunked bodies"
id=$(submit "$(one cl '/?close=1')")
wait_run "$id" 30
is "$(jbody .summary.overall.successful_requests)" 20 "Connection: close responses, reconnecting"
id=$(submit "$(one hd '/?bytes=5000' ',"method":"HEAD"')")
wait_run "$id" 30
is "$(jbody .summary.overall.successful_requests)" 20 "HEAD: headers only"
id=$(submit "$(one nc '/?status=204')")
wait_run "$id" 30
is "$(jbody .summary.overall.successful_requests)" 20 "204 without a body"
id=$(submit "$(one nm '/?status=304')")
wait_run "$id" 30
is "$(jbody .summary.overall.failed_requests)" 0 "304 without a body (expected below 400)"

# Bodies that never end or trickle: the request times out and is cancelled.
id=$(submit "$(one en '/?endless=1' ',"timeout":"300ms"')")
wait_run "$id" 30
is "$(errs timeout)" 20 "an endless chunked body times out"
id=$(submit "$(one dr '/?drip=1&drip_ms=200&bytes=100' ',"timeout":"300ms"')")
wait_run "$id" 30
is "$(errs timeout)" 20 "a slow drip times out"
id=$(submit "$(one big '/?bytes=20000000')")
wait_run "$id" 60
is "$(jbody .summary.overall.successful_requests)" 20 "20 MB responses are read and discarded"
ok $(( $(jbody .summary.overall.bytes_received) > 400000000 ? 0 : 1 )) \
    "and counted as bytes received"

# Connection refused: a port nobody listens on.
port=$(free_port)
id=$(submit "{\"name\":\"cn\",\"target\":\"http://127.0.0.1:$port\",\"requests\":[{\"name\":\"r\",\"path\":\"/\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":2,\"iterations\":20}}")
wait_run "$id" 30
is "$(errs connect)" 20 "refused connections counted as connect"
like "$(jbody '.summary.errors[0].example')" 'refused' "with an example"

# A name that does not resolve fails the run with kind dns.
id=$(submit "{\"name\":\"dn\",\"target\":\"http://no-such-host.invalid:80\",\"requests\":[{\"name\":\"r\",\"path\":\"/\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":1,\"duration\":\"1s\"}}")
wait_run "$id" 30
is "$(jbody .status)" failed "an unresolvable name fails the run"
is "$(errs dns)" 1 "with kind dns"
like "$(jbody .reason)" 'no-such-host.invalid' "naming the host"

# The daemon answers while a run hammers a misbehaving target.
id=$(submit "{\"name\":\"busy\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"r\",\"path\":\"/?drop=1\",\"timeout\":\"300ms\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":50,\"duration\":\"2s\"}}")
sleep 0.5
slow=0
for i in $(seq 1 10); do
	t=$(curl -s -o /dev/null -w '%{time_total}' "$URL/v1/health")
	awk -v t="$t" 'BEGIN { exit !(t < 0.1) }' || slow=$((slow + 1))
	sleep 0.1
done
is "$slow" 0 "health answers within 100 ms during a run"
wait_run "$id" 30
is "$(jbody .status)" completed "a target that never answers still ends on time"
ok $(( $(errs timeout) > 0 ? 0 : 1 )) "its requests time out"
done_testing
