#!/bin/bash
# events.sh -- GET /v1/runs/{id}/events (SPEC 17): server-sent events from
# the real daemon. Ids are seconds, each progress event has the run's
# progress and per-request figures, Last-Event-ID replays from SQLite, the
# stream ends after "end"; streams have their own cap; a daemon stops
# cleanly with streams open; and 50 idle streams cost the load nothing.
. "${top_srcdir:-.}/tests/integration/lib.sh"

start_target
echo "api_max_streams = 60" >"$T/loadd.conf"
start_daemon -c "$T/loadd.conf" --threads 1 || { ok 1 "daemon starts"; done_testing; }
HOSTPORT=${URL#http://}

scenario() {	# NAME DURATION
	echo "{\"name\":\"$1\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"home\",\"path\":\"/\"},{\"name\":\"other\",\"path\":\"/x\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":4,\"duration\":\"$2\"}}"
}

# raw GET PATH [HEADER]: the whole response of a plain socket, headers and
# (chunked) body, until the server closes it or 20 s pass.
raw() {
	timeout 20 bash -c 'exec 3<>/dev/tcp/${0%:*}/${0#*:}
	    printf "GET %s HTTP/1.1\r\nHost: loadd\r\nConnection: close\r\n%s\r\n" \
	    "$1" "$2" >&3
	    cat <&3' "$HOSTPORT" "$1" "${2:+$2$'\r\n'}"
}

is "$(api GET /v1/runs/999/events)" 404 "no such run: 404"
id=$(submit "$(scenario ev 3s)")
code=$(curl -s -o "$T/bad" -w '%{http_code}' -H 'Last-Event-ID: x' "$URL/v1/runs/$id/events")
is "$code/$(jq -r .error.code "$T/bad")" 400/invalid_header "a Last-Event-ID that is no second: 400"

# Live, from the start: the stream ends by itself after "end".
start=$(date +%s.%N)
timeout 30 curl -sN -D "$T/ev.head" "$URL/v1/runs/$id/events" >"$T/ev.live"
ok $? "the stream closes after the run ends"
like "$(grep -i '^content-type' "$T/ev.head")" 'text/event-stream' "content type text/event-stream"
ids=$(sed -n 's/^id: //p' "$T/ev.live" | tr '\n' ' ')
last=$(sed -n 's/^id: //p' "$T/ev.live" | tail -n 1)
seq_ids="$(seq 0 "$last" | tr '\n' ' ')$last "
is "$ids" "$seq_ids" "ids are the seconds 0..$last, once each, and end repeats the last"
is "$(grep -c '^event: progress' "$T/ev.live")" "$((last + 1))" "a progress event a second"
is "$(tail -n 3 "$T/ev.live" | sed -n 's/^event: //p')" end "the last event is end"
grep '^data: ' "$T/ev.live" | sed 's/^data: //' >"$T/ev.data"
is "$(head -n 1 "$T/ev.data" | jq -c '[.second, (.requests | map(.name)),
    (.progress | has("elapsed_s") and has("requests") and has("errors") and has("rps")
    and has("vus") and has("p95_ms")), (.requests[0] | keys)]')" \
    '[0,["home","other"],true,["errors","name","p50_ms","p95_ms","p99_ms","requests"]]' \
    "progress: the second, the run's progress, per request its figures"
api GET "/v1/runs/$id" >/dev/null
is "$(tail -n 1 "$T/ev.data" | jq -r '.status + " " + (.summary.overall.total_requests | tostring)')" \
    "$(jbody '.status + " " + (.summary.overall.total_requests | tostring)')" \
    "end has the final status and summary"
is "$(grep '"progress"' "$T/ev.data" | tail -n 1 | jq .progress.requests)" \
    "$(sq "SELECT sum(requests) FROM intervals WHERE run_id = $id AND request = '*'")" \
    "the last progress counts every request the intervals have"
is "$(grep '"progress"' "$T/ev.data" | jq -s 'map(.requests | map(.requests) | add) | add')" \
    "$(sq "SELECT sum(requests) FROM intervals WHERE run_id = $id AND request <> '*'")" \
    "per-request figures add up to the intervals"

# Replay after the end, on a raw socket: from Last-Event-ID on, then end.
raw "/v1/runs/$id/events" "Last-Event-ID: 1" >"$T/ev.raw"
ok $? "a replay on a raw socket ends: the server closes it"
like "$(tail -c 5 "$T/ev.raw" | od -An -c | tr -d ' ')" '^0\\r\\n\\r\\n$' \
    "raw: the chunked body is finished"
like "$(head -n 1 "$T/ev.raw")" '^HTTP/1.1 200' "raw: 200"
is "$(sed -n 's/^id: \([0-9]*\).*/\1/p' "$T/ev.raw" | head -n 1)" 2 \
    "Last-Event-ID: 1 replays from second 2"
is "$(grep -c '^event: progress' "$T/ev.raw")" "$((last - 1))" "every second after it, once"
like "$(grep -a '^event:' "$T/ev.raw" | tail -n 1)" 'end' "then end"
raw "/v1/runs/$id/events" "Last-Event-ID: $last" >"$T/ev.raw2"
is "$(grep -c '^event: progress' "$T/ev.raw2")/$(grep -c '^event: end' "$T/ev.raw2")" 0/1 \
    "caught up: only end"

# The cap: a queued run's streams wait; past api_max_streams, 503.
busy=$(submit "$(scenario busy 4s)")
queued=$(submit "$(scenario queued 1s)")
pids=
for i in $(seq 1 60); do
	curl -sN "$URL/v1/runs/$queued/events" >/dev/null 2>&1 &
	pids="$pids $!"
done
sleep 1
code=$(curl -s -o "$T/cap" -w '%{http_code}' --max-time 5 "$URL/v1/runs/$queued/events")
is "$code/$(jq -r .error.code "$T/cap")" 503/too_many_streams "past api_max_streams: 503 too_many_streams"
t=$(curl -s -o /dev/null -w '%{time_total}' --max-time 5 "$URL/v1/health")
awk -v t="$t" 'BEGIN { exit !(t < 0.5) }'
ok $? "the API answers with 60 streams open (health in ${t}s)"
wait_run "$busy" 30
wait_run "$queued" 30
sleep 1
n=0
for p in $pids; do kill -0 "$p" 2>/dev/null && n=$((n + 1)); done
is "$n" 0 "every stream of the queued run ended with it"
wait $pids 2>/dev/null

# 50 streams watching a run cost the load nothing: CPU per request and
# health latency of the same run with and without them (generous bounds:
# the machines are shared).
cpu() { awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat"; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
measure() {	# NAME STREAMS: "cpu_ticks_per_100k max_health_s"
	local id c0 c1 reqs h hmax=0 pids=
	c0=$(cpu)
	id=$(submit "$(scenario "$1" 3s)")
	for i in $(seq 1 "$2"); do
		curl -sN "$URL/v1/runs/$id/events" >/dev/null 2>&1 &
		pids="$pids $!"
	done
	for i in $(seq 1 10); do
		h=$(curl -s -o /dev/null -w '%{time_total}' --max-time 5 "$URL/v1/health")
		lt "$hmax" "$h" && hmax=$h
		sleep 0.25
	done
	wait_run "$id" 30
	c1=$(cpu)
	reqs=$(jbody .summary.overall.total_requests)
	for p in $pids; do wait "$p" 2>/dev/null; done
	awk -v c="$((c1 - c0))" -v r="$reqs" -v h="$hmax" \
	    'BEGIN { printf "%.1f %s\n", c * 100000 / r, h }'
}
set -- $(measure quiet 0)
quiet_cpu=$1 quiet_h=$2
set -- $(measure watched 50)
watched_cpu=$1 watched_h=$2
echo "# CPU ticks per 100k requests: $quiet_cpu alone, $watched_cpu with 50 streams; health max ${quiet_h}s / ${watched_h}s"
lt "$watched_cpu" "$(awk -v q="$quiet_cpu" 'BEGIN { print q * 1.5 + 5 }')"
ok $? "50 streams: CPU per request within 1.5x ($quiet_cpu -> $watched_cpu ticks/100k)"
lt "$watched_h" 0.5
ok $? "50 streams: health still answers in under 0.5 s (${watched_h}s)"

# A daemon stops cleanly with streams open on a queued run.
long=$(submit "$(scenario long 30s)")
later=$(submit "$(scenario later 1s)")
pids=
for i in 1 2 3; do
	curl -sN "$URL/v1/runs/$later/events" >/dev/null 2>&1 &
	pids="$pids $!"
done
sleep 0.5
stop_daemon
ok $? "loadd stops cleanly (exit 0) with streams open"
for p in $pids; do wait "$p" 2>/dev/null; done
done_testing
