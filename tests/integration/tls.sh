#!/bin/bash
# tls.sh -- https:// targets: certificate verification on by default (a
# self-signed server fails with kind tls), "insecure": true to skip it.
. "${top_srcdir:-.}/tests/integration/lib.sh"

command -v openssl >/dev/null || { echo "1..0 # SKIP openssl not installed"; exit 0; }
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" \
    -out "$T/cert.pem" -days 1 -subj /CN=localhost >/dev/null 2>&1
port=$(free_port)
openssl s_server -accept "127.0.0.1:$port" -cert "$T/cert.pem" \
    -key "$T/key.pem" -www -quiet >/dev/null 2>&1 </dev/null &
TARGET_PIDS="$TARGET_PIDS $!"
for i in $(seq 1 50); do
	curl -sk -o /dev/null "https://127.0.0.1:$port/" && break
	sleep 0.1
done
start_daemon || { ok 1 "daemon starts"; done_testing; }

scen() {	# INSECURE
	echo "{\"name\":\"tls\",\"target\":\"https://localhost:$port\",\"insecure\":$1,\"requests\":[{\"name\":\"r\",\"path\":\"/\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":1,\"iterations\":5,\"keepalive\":false}}"
}
id=$(submit "$(scen true)")
wait_run "$id" 30
is "$(jbody .summary.overall.successful_requests)" 5 "https with insecure: true"
ok $(( $(jbody .summary.overall.bytes_received) > 0 ? 0 : 1 )) "bytes received over TLS"
id=$(submit "$(scen false)")
wait_run "$id" 30
is "$(jbody '[.summary.errors[] | select(.kind == "tls") | .count] | add')" 5 \
    "a self-signed certificate fails verification, kind tls"
like "$(jbody '.summary.errors[0].example')" '.' "with an example"
done_testing
