#!/bin/bash
# inspect.sh -- captures, checks, cookies and setup through the real daemon
# against loadd-target's /app/ endpoints (SPEC section 14): the session
# cookie is what lets /app/me answer; a setup that fails is retried a
# second later; a value nobody captured keeps its request from being sent;
# failed captures and checks are errors of kind check everywhere kinds are
# listed (the API, errors.kind, samples.error, the reports).
. "${top_srcdir:-.}/tests/integration/lib.sh"

start_target --log "$T/req.log"
start_daemon --threads 2 || { ok 1 "daemon starts"; done_testing; }

login() {	# COOKIES VUS ITERATIONS
	echo "{\"name\":\"login\",\"target\":\"$TURL\",\"cookies\":$1,\"setup\":[{\"name\":\"login\",\"method\":\"POST\",\"path\":\"/app/login\",\"body\":\"{\\\"user\\\": \\\"u{{vu}}\\\"}\",\"capture\":{\"token\":{\"json\":\"/token\"},\"who\":{\"between\":[\"\\\"user\\\":\\\"\",\"\\\"\"]}},\"checks\":[{\"json\":\"/status\",\"equals\":\"ok\"},{\"header\":\"Set-Cookie\",\"contains\":\"session=\"}]}],\"requests\":[{\"name\":\"me\",\"path\":\"/app/me?who={{who}}\",\"headers\":{\"Authorization\":\"Bearer {{token}}\"},\"checks\":[{\"json\":\"/user\",\"exists\":true},{\"body_contains\":\"\\\"ok\\\"\"}]}],\"load\":{\"executor\":\"constant-vus\",\"vus\":$2,\"iterations\":$3}}"
}

# With the jar: the session cookie goes back, /app/me answers 200.
: >"$T/req.log"
id=$(submit "$(login true 4 200)")
wait_run "$id" 60
is "$(jbody .status)/$(jbody .passed)" completed/true "a login flow with cookies passes"
is "$(jbody '.summary.overall.failed_requests')" 0 "no request failed"
is "$(jbody '[.summary.requests[] | select(.name == "me")][0].successful_requests')" 200 \
    "200 iterations of /app/me, each with its token and cookie"
is "$(jbody '[.summary.requests[] | select(.name == "login")][0].total_requests')" 4 \
    "setup ran once per VU, measured under its own name"
sleep 0.3
is "$(grep -c '^GET /app/me?who=u[1-4] ' "$T/req.log")" 200 \
    "a between capture: each VU sends its own user back"
is "$(grep '^GET /app/me' "$T/req.log" | sort -u | wc -l)" 4 "four users, one per VU"

# Without it /app/me refuses: the cookie was what made it pass.
id=$(submit "$(login false 2 20)")
wait_run "$id" 60
is "$(jbody '.summary.errors[0].kind')/$(jbody '.summary.errors[0].status')" status/401 \
    "without cookies the session is missing: 401"

# A setup that fails is retried one second later; no iteration runs.
: >"$T/req.log"
s=$(login true 1 5 | jq -c '.setup[0].body = "{}" | .load = {"executor":"constant-vus","vus":1,"duration":"2500ms"}')
id=$(submit "$s")
wait_run "$id" 30
n=$(grep -c '^POST /app/login' "$T/req.log")
ok "$([ "$n" -ge 2 ] && [ "$n" -le 4 ]; echo $?)" \
    "a failing setup is retried about once a second ($n tries in 2.5 s)"
is "$(grep -c '^GET /app/me' "$T/req.log")" 0 "no iteration before the setup succeeds"
is "$(jbody '.summary.errors[0].kind')/$(jbody '.summary.errors[0].status')" status/400 \
    "the failed logins are counted"

# A setup and the first iteration share the VU's row of a sequential
# dataset. (VU 1 is worker 0's; of two workers it takes rows 1, 3, 1, ...)
printf 'name\nann\nbob\ncid\ndan\n' >"$T/people.csv"
api PUT /v1/data/people "$(cat "$T/people.csv")" text/csv >/dev/null
: >"$T/req.log"
s="{\"name\":\"rows\",\"target\":\"$TURL\",\"vars\":{\"p\":{\"data\":\"people\"}},
 \"setup\":[{\"name\":\"hello\",\"path\":\"/app/echo?setup={{p.name}}\"}],
 \"requests\":[{\"name\":\"it\",\"path\":\"/app/echo?it={{p.name}}\"}],
 \"load\":{\"executor\":\"constant-vus\",\"vus\":1,\"iterations\":3}}"
id=$(submit "$s")
wait_run "$id" 30
sleep 0.3
is "$(grep -o '?[a-z]*=[a-z]*' "$T/req.log" | tr '\n' ' ')" "?setup=ann ?it=ann ?it=cid ?it=ann " \
    "setup draws the row of the VU's first iteration; the next ones draw on"

# A value nobody captured: its request is not sent, kind check; a capture
# that finds nothing and a failed check are kind check too, with examples.
: >"$T/req.log"
s="{\"name\":\"uncaptured\",\"target\":\"$TURL\",\"samples\":\"all\",\"requests\":[
 {\"name\":\"use\",\"path\":\"/app/me\",\"headers\":{\"Authorization\":\"Bearer {{token}}\"}},
 {\"name\":\"find\",\"method\":\"POST\",\"path\":\"/app/echo\",\"body\":\"{\\\"a\\\": 1}\",\"capture\":{\"token\":{\"json\":\"/json/b\"}}},
 {\"name\":\"verify\",\"method\":\"POST\",\"path\":\"/app/echo\",\"body\":\"{\\\"a\\\": 1}\",\"checks\":[{\"json\":\"/json/a\",\"equals\":2}]},
 {\"name\":\"big\",\"path\":\"/app/echo?pad=$(printf 'x%.0s' $(seq 1 200))\",\"checks\":[{\"body_contains\":\"\\\"body\\\"\"}]}],
 \"inspect_bytes\": 100,
 \"load\":{\"executor\":\"constant-vus\",\"vus\":2,\"iterations\":200}}"
id=$(submit "$s")
wait_run "$id" 60
is "$(jbody .summary.overall.successful_requests)" 0 "every request of it fails"
ex() { jbody "[.summary.errors[] | select(.request == \"$1\")][0] | \"\(.kind): \(.example)\""; }
is "$(ex use)" "check: {{token}} is not captured yet: no response has set it for this VU" \
    "a request using a value nobody captured fails with kind check"
is "$(grep -c '^GET /app/me' "$T/req.log")" 0 "... and is not sent"
is "$(ex find)" "check: capture token: json /json/b not found" \
    "a capture that finds nothing: kind check, with an example"
is "$(ex verify)" "check: check json /json/a equals 2: found 1" \
    "a failed check: kind check, says what was found"
like "$(ex big)" '^check: check body_contains "\\"body\\"": not in the body \(first inspect_bytes\)' \
    "a body over inspect_bytes: only its start is kept"
is "$(jbody '[.summary.requests[] | select(.name == "verify")][0].avg_latency_ms | . > 0')" true \
    "a failed check keeps its latency"
is "$(jbody '[.summary.requests[] | select(.name == "use")][0].avg_latency_ms')" null \
    "a request not sent has no latency"
is "$(sq "SELECT group_concat(DISTINCT kind) FROM errors WHERE run_id = $id")" check \
    "errors.kind is check"
is "$(sq "SELECT count(*) FROM samples WHERE run_id = $id AND error = 'check'")" 200 \
    "samples.error is check"
is "$(sq "SELECT count(*) FROM samples WHERE run_id = $id AND error = 'check' AND latency_us IS NULL")" \
    "$(jbody '[.summary.requests[] | select(.name == "use")][0].total_requests')" \
    "only the requests not sent have no latency in samples"
$LOADCTL report "$id" --format md >"$T/report.md" 2>&1
like "$(cat "$T/report.md")" 'check' "the markdown report lists kind check"
$LOADCTL report "$id" --format html >"$T/report.html" 2>&1
like "$(cat "$T/report.html")" 'check' "the HTML report lists kind check"

stop_daemon
done_testing
