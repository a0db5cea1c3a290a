#!/bin/bash
# slowloris.sh -- the API's connection limits come from the config: slow
# clients that hold connections below api_max_connections leave the health
# route fast; past the limit a client waits in the listen backlog until
# api_timeout closes an idle connection, and is then served; the active run
# keeps its schedule throughout.
. "${top_srcdir:-.}/tests/integration/lib.sh"

cat >"$T/api.conf" <<CONF
api_max_connections = 16
api_timeout = 2s
api_connection_memory = 16k
CONF
start_target
start_daemon -c "$T/api.conf" --threads 1 || { ok 1 "daemon starts"; done_testing; }
hostport=${URL#http://}
host=${hostport%:*} port=${hostport##*:}

# drip N: one connection that sends a request line, then a header line
# every 0.3 s for N rounds, never ending its headers.
drip() {
	exec 3<>"/dev/tcp/$host/$port" || exit 1
	printf 'GET /v1/health HTTP/1.1\r\nHost: x\r\n' >&3
	for _ in $(seq 1 "$1"); do
		sleep 0.3
		printf 'X-Slow: %s\r\n' "$_" >&3 2>/dev/null || exit 0
	done
}
# silent: a connection that sends nothing and waits (bounded).
silent() {
	exec 3<>"/dev/tcp/$host/$port" || exit 1
	sleep 8
}
# health_ms: the time of one health request in ms, or "000" if it failed.
health_ms() {
	curl -s -o /dev/null --max-time 3 -w '%{http_code} %{time_total}\n' \
	    "$URL/v1/health" | awk '{ if ($1 == 200) printf "%d\n", $2 * 1000; else print "000" }'
}

id=$(submit "{\"name\":\"steady\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"r\",\"path\":\"/\"}],\"load\":{\"executor\":\"constant-rate\",\"rate\":100,\"duration\":\"10s\"}}")
sleep 0.5
before=$(rss_kb)

pids=
for i in $(seq 1 13); do
	drip 40 &
	pids="$pids $!"
done
sleep 1
slow=0
for i in $(seq 1 10); do
	ms=$(health_ms)
	[ "$ms" != 000 ] && [ "$ms" -lt 100 ] && slow=$((slow + 1))
done
is "$slow" 10 "13 slow clients held: health answers within 100 ms (10 of 10)"

# Fill the rest and go past the limit: a client then waits until
# api_timeout (2 s) closes the silent ones, and is served.
spids=
for i in $(seq 1 6); do
	silent &
	spids="$spids $!"
done
sleep 0.5
start=$(date +%s%N)
code=$(curl -s -o /dev/null --max-time 8 -w '%{http_code}' "$URL/v1/health")
ms=$(( ($(date +%s%N) - start) / 1000000 ))
is "$code" 200 "past api_max_connections a client is served once a slot frees"
ok $(( ms >= 1000 && ms < 7000 ? 0 : 1 )) "after the idle ones time out ($ms ms; api_timeout 2 s)"
is "$(health_ms | sed 's/^[0-9][0-9]*$/ok/')" ok "health answers at once again"

for p in $pids $spids; do kill "$p" 2>/dev/null; done
wait $pids $spids 2>/dev/null
is "$(api GET /v1/health)" 200 "the slow clients gone, the API answers"
wait_run "$id" 30
is "$(jbody .status)" completed "the run completed"
n=$(jbody .summary.overall.total_requests)
ok $(( n >= 960 && n <= 1010 ? 0 : 1 )) "and kept its schedule: $n requests of 1000"
is "$(jbody .summary.overall.failed_requests)" 0 "without errors"
is "$(grep -cE 'api: [A-Z]+ [^ ]+ 5[0-9][0-9] ' "$T/loadd.log")" 0 "no 5xx"
memory_back "$before" 4096
done_testing
