#!/bin/bash
# reload.sh -- SIGHUP re-reads the config (token, allowlist, limits) while
# the active run goes on; a bad file keeps the old configuration.
. "${top_srcdir:-.}/tests/integration/lib.sh"

start_target
printf 'one\n' >"$T/token"
printf 'token_file = %s\nmax_vus = 100\n' "$T/token" >"$T/loadd.conf"
start_daemon -c "$T/loadd.conf" || { ok 1 "daemon starts"; done_testing; }
TOKEN=one
id=$(submit "{\"name\":\"rl\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"r\",\"path\":\"/?delay=5ms\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":2,\"duration\":\"4s\"}}")
sleep 1
printf 'two\n' >"$T/token"
printf 'token_file = %s\nmax_vus = 5\n' "$T/token" >"$T/loadd.conf"
kill -HUP "$DAEMON_PID"
sleep 0.3
like "$(grep 'configuration reloaded' "$T/loadd.log")" 'reloaded' "SIGHUP reloads"
is "$(api GET /v1/scenarios)" 401 "the old token no longer works"
TOKEN=two
is "$(api GET /v1/scenarios)" 200 "the new one does"
is "$(api POST /v1/runs "{\"name\":\"big\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"r\",\"path\":\"/\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":50,\"duration\":\"1s\"}}")" \
    400 "the new max_vus applies"
is "$(jbody .error.code)" limit_exceeded "as limit_exceeded"
wait_run "$id" 20
is "$(jbody .status)" completed "the active run went on and completed"
ok $(( $(jbody .summary.overall.total_requests) > 100 ? 0 : 1 )) "with its requests"

printf 'max_vus = many\n' >"$T/loadd.conf"
kill -HUP "$DAEMON_PID"
sleep 0.3
like "$(grep 'reload failed' "$T/loadd.log")" 'loadd.conf:1: max_vus' \
    "a bad file is refused, naming file, line and key"
is "$(api GET /v1/health)" 200 "the daemon keeps running"
is "$(api GET /v1/scenarios)" 200 "with the configuration it had"
done_testing
