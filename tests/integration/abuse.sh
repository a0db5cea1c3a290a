#!/bin/bash
# abuse.sh -- the control plane under a flood of bad requests while a run is
# active: every answer is a 4xx, the daemon stays up, the run keeps its
# schedule, and memory comes back down afterwards.
. "${top_srcdir:-.}/tests/integration/lib.sh"

command -v ab >/dev/null || { echo "1..0 # SKIP ab (apache2-utils) not installed"; exit 0; }
start_target
start_daemon --threads 1 || { ok 1 "daemon starts"; done_testing; }

id=$(submit "{\"name\":\"steady\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"r\",\"path\":\"/\"}],\"load\":{\"executor\":\"constant-rate\",\"rate\":200,\"duration\":\"12s\"}}")
sleep 1
before=$(rss_kb)

printf '{"name": "x", "load": ' >"$T/truncated.json"
awk 'BEGIN { for (i = 0; i < 5000; i++) printf "["; for (i = 0; i < 5000; i++) printf "]" }' >"$T/deep.json"
printf '{"name":"x","target":"http://127.0.0.1:1","requests":[{"name":"a","path":"/"}],"load":{"executor":"constant-vus","vus":1e999,"duration":"1s"}}' >"$T/huge.json"
printf '{"name":"x\xff\xfe"}' >"$T/utf8.json"
printf '{"name":"x","requests":[' >"$T/open.json"
head -c 2000000 /dev/zero | tr '\0' ' ' >"$T/big.json"
total=0
for f in truncated deep huge utf8 open; do
	ab -q -n 2000 -c 10 -l -u "$T/$f.json" -T application/json \
	    "$URL/v1/scenarios/x" >"$T/ab.$f" 2>&1
	n=$(sed -n 's/^Non-2xx responses: *//p' "$T/ab.$f")
	is "$n" 2000 "2000 PUTs of $f JSON: every answer is an error"
	total=$((total + ${n:-0}))
done
ab -q -n 1000 -c 10 -l -p "$T/deep.json" -T application/json \
    "$URL/v1/runs" >"$T/ab.post" 2>&1
is "$(sed -n 's/^Non-2xx responses: *//p' "$T/ab.post")" 1000 "1000 POSTs of deep nesting"
# Oversized bodies are refused before they are read, and the connection
# closed: ab cannot count that, curl can.
big=0
for i in $(seq 1 50); do
	code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT --max-time 5 \
	    -H 'Content-Type: application/json' --data-binary @"$T/big.json" \
	    "$URL/v1/scenarios/x")
	[ "$code" = 413 ] && big=$((big + 1))
done
is "$big" 50 "50 bodies of 2 MB: 413 each"
ab -q -n 1000 -c 10 -l "$URL/v1/scenarios/..%2F..%2Fetc%2Fpasswd" >"$T/ab.trav" 2>&1
is "$(sed -n 's/^Non-2xx responses: *//p' "$T/ab.trav")" 1000 "1000 path traversals"
ab -q -n 1000 -c 10 -l -u "$T/huge.json" -T text/plain \
    "$URL/v1/scenarios/x" >"$T/ab.ct" 2>&1
is "$(sed -n 's/^Non-2xx responses: *//p' "$T/ab.ct")" 1000 "1000 wrong content types"
head -c 1000000 /dev/zero | tr '\0' a | sed 's/^/X-Big: /' >"$T/bighdr"
code=$(curl -s -o /dev/null -w '%{http_code}' -H @"$T/bighdr" "$URL/v1/health")
like "$code" '^(4[0-9][0-9]|000)$' "a 1 MB header is refused ($code)"

is "$(grep -cE 'api: [A-Z]+ [^ ]+ 5[0-9][0-9] ' "$T/loadd.log")" 0 \
    "no 5xx among $((total + 3500)) bad requests"
is "$(api GET /v1/health)" 200 "the daemon still answers"
wait_run "$id" 30
is "$(jbody .status)" completed "the run completed"
n=$(jbody .summary.overall.total_requests)
ok $(( n >= 2300 && n <= 2450 ? 0 : 1 )) "and kept its schedule: $n requests of 2400"
sleep 1
memory_back "$before" 20480
done_testing
