#!/bin/bash
# dynamic.sh -- templates through the real daemon and a real target (SPEC
# section 14): built-ins, variables (constant, int, pick), a templated body
# with its Content-Length, a literal "{{", random values that repeat with
# random_seed, run-time vars. The target logs each request's line and body
# (loadd-target --log).
. "${top_srcdir:-.}/tests/integration/lib.sh"

start_target --log "$T/req.log"
start_daemon --threads 2 || { ok 1 "daemon starts"; done_testing; }

scen() {	# NAME VUS ITERATIONS [SEED]
	echo "{\"name\":\"$1\",\"target\":\"$TURL\",${4:+\"random_seed\":$4,}\"vars\":{\"id\":{\"int\":[10,20]},\"color\":{\"pick\":[\"red\",\"green\",\"blue\"]},\"env\":\"prod\"},\"headers\":{\"X-Env\":\"{{env}}\"},\"requests\":[{\"name\":\"get\",\"path\":\"/items/{{id}}?c={{ color }}&vu={{vu}}&it={{iter}}&e={{env}}&s={{seq}}\",\"weight\":2},{\"name\":\"post\",\"method\":\"POST\",\"path\":\"/orders\",\"body\":\"{\\\"id\\\": \\\"{{uuid}}\\\", \\\"seq\\\": {{seq}}, \\\"run\\\": {{run_id}}, \\\"lit\\\": \\\"{{{{x}}\\\"}\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":$2,\"iterations\":$3}}"
}

: >"$T/req.log"
id=$(submit "$(scen dyn 4 200)")
wait_run "$id" 60
is "$(jbody .status)" completed "a templated run completes"
is "$(jbody .summary.overall.failed_requests)" 0 "the target took every request"
sleep 0.5
gets=$(grep -c '^GET /items/' "$T/req.log")
posts=$(grep -c '^POST /orders ' "$T/req.log")
is "$((gets + posts))" 200 "200 requests reached the target"
ok $(grep '^GET' "$T/req.log" | grep -Evq '^GET /items/(1[0-9]|20)\?c=(red|green|blue)&vu=[1-4]&it=[0-9]+&e=prod&s=[0-9]+ $'; echo $(( ! $? ))) \
    "every path rendered: int in [10, 20], a pick, vu 1..4, iter, a constant"
is "$(grep -o 'vu=[0-9]*' "$T/req.log" | sort -u | tr '\n' ' ')" "vu=1 vu=2 vu=3 vu=4 " \
    "{{vu}} is 1..VUs across both workers"
is "$(grep -o '/items/[0-9]*' "$T/req.log" | sort -u | wc -l)" 11 \
    "every value of int [10, 20] was drawn"
ok $(grep '^POST' "$T/req.log" | grep -Evq '^POST /orders \{"id": "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", "seq": [0-9]+, "run": '"$id"', "lit": "\{\{x\}\}"\}$'; echo $(( ! $? ))) \
    "every body rendered: a UUID v4, seq, run_id, and a literal {{"
seqs=$(sed -n 's/.*&s=\([0-9]*\) $/\1/p; s/.*"seq": \([0-9]*\),.*/\1/p' "$T/req.log" | sort -n)
is "$(echo "$seqs" | uniq -d | wc -l)" 0 "{{seq}} never repeats across the run"
is "$(echo "$seqs" | wc -l)" 200 "one seq per request"
is "$(grep -o '"id": "[^"]*"' "$T/req.log" | sort -u | wc -l)" "$posts" \
    "every {{uuid}} is new"
is "$(target_stat body_bytes_in)" "$(grep '^POST' "$T/req.log" | sed 's/^POST \/orders //' | tr -d '\n' | wc -c)" \
    "the target read each body whole (Content-Length right per request)"

# random_seed: the same seed draws the same values.
draw() {	# SEED: the ids one VU draws in 30 iterations
	: >"$T/req.log"
	id=$(submit "$(scen seeded 1 30 "$1")")
	wait_run "$id" 60
	sleep 0.3
	grep -o '/items/[0-9]*?c=[a-z]*' "$T/req.log" | tr '\n' ' '
}
a=$(draw 7)
b=$(draw 7)
c=$(draw 8)
is "$a" "$b" "random_seed 7 twice draws the same values"
ok $([ "$a" != "$c" ]; echo $?) "another seed draws others"

# Run-time vars replace constants, and the run stores what it used.
: >"$T/req.log"
scen rt 1 3 >"$T/rt.json"
"$LOADCTL" --server "$URL" run "$T/rt.json" --var env=staging --label k=v \
    --wait >"$T/out" 2>&1
is $? 0 "loadctl run FILE --var env=staging"
is "$(grep -c 'e=staging' "$T/req.log")" "$(grep -c '^GET' "$T/req.log")" \
    "every request used the run's value"
rid=$("$LOADCTL" --server "$URL" ls --json | jq -r '.runs[0].id')
is "$(sq "SELECT spec->>'\$.vars.env' || ' ' || (labels->>'k') FROM runs WHERE id = $rid")" \
    "staging v" "the run stores the value it used, and its labels"
api PUT /v1/scenarios/rt "$(cat "$T/rt.json")" >/dev/null
is "$(api POST /v1/runs '{"scenario":"rt","vars":{"env":"qa"}}')" 201 \
    "POST /v1/runs {scenario: NAME, vars} takes them too"
wait_run "$(jbody .id)" 30
is "$(api POST /v1/runs '{"scenario":"rt","vars":{"id":"3"}}')" 400 \
    "a var that is not a constant is refused"
is "$(jbody .error.path)" /vars/id "at /vars/NAME"
is "$(api POST /v1/runs '{"scenario":"rt","vars":{"nope":"3"}}')" 400 \
    "an unknown var is refused"
like "$(jbody .error.message)" 'no such variable' "saying so"

# Data variables: a row per iteration (per-vu, sequential, unique), the
# same row for every slot of the iteration, and a unique dataset that runs
# out ends the run completed, saying so.
printf 'user,pass\nalice,a1\nbob,b2\ncarol,c3\ndave,d4\neve,e5\n' >"$T/users.csv"
curl -s -o /dev/null -X PUT -H 'Content-Type: text/csv' \
    --data-binary "@$T/users.csv" "$URL/v1/data/users"
: >"$T/req.log"
id=$(submit "{\"name\":\"dv\",\"target\":\"$TURL\",\"vars\":{\"u\":{\"data\":\"users\",\"order\":\"unique\"},\"me\":{\"data\":\"users\",\"order\":\"per-vu\"}},\"requests\":[{\"name\":\"login\",\"path\":\"/login?user={{u.user}}&pass={{u.pass}}&vu={{vu}}&me={{me.user}}\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":2,\"duration\":\"20s\"}}")
wait_run "$id" 30
is "$(jbody .status)" completed "a unique dataset that runs out: completed"
is "$(jbody .reason)" "data exhausted: users" "with the reason"
sleep 0.3
is "$(grep -c '^GET /login' "$T/req.log")" 5 "each row once (5 rows)"
is "$(sed -n 's/.*user=\([a-z]*\)&pass=.*/\1/p' "$T/req.log" | sort | tr '\n' ' ')" \
    "alice bob carol dave eve " "every row, none twice"
ok $(grep -Evq 'user=(alice&pass=a1|bob&pass=b2|carol&pass=c3|dave&pass=d4|eve&pass=e5)&' "$T/req.log"; echo $(( ! $? ))) \
    "the columns of a row agree within the iteration"
ok $(grep -Evq '(vu=1&me=alice|vu=2&me=bob) $' "$T/req.log"; echo $(( ! $? ))) \
    "per-vu: VU k takes row k"
is "$(api POST /v1/runs "{\"name\":\"dv\",\"target\":\"$TURL\",\"vars\":{\"u\":{\"data\":\"user\"}},\"requests\":[{\"name\":\"a\",\"path\":\"/{{u.user}}\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":1,\"iterations\":1}}")" \
    400 "a dataset that does not exist is refused"
is "$(jbody .error.path)" /vars/u/data "at /vars/NAME/data"
like "$(jbody .error.message)" 'did you mean "users"' "with a did-you-mean"
is "$(api POST /v1/runs "{\"name\":\"dv\",\"target\":\"$TURL\",\"vars\":{\"u\":{\"data\":\"users\"}},\"requests\":[{\"name\":\"a\",\"path\":\"/{{u.usr}}\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":1,\"iterations\":1}}")" \
    400 "a column the dataset lacks is refused"
is "$(jbody .error.path)" /requests/0/path "at the string that uses it"
# The run reads its snapshot when it starts: a dataset removed while the
# run waited in the queue fails it; one removed before is refused at once.
api PUT /v1/scenarios/dv2 "{\"name\":\"dv2\",\"target\":\"$TURL\",\"vars\":{\"u\":{\"data\":\"users\"}},\"requests\":[{\"name\":\"a\",\"path\":\"/{{u.user}}\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":1,\"iterations\":3}}" >/dev/null
busy=$(submit "{\"name\":\"busy\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"a\",\"path\":\"/\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":1,\"duration\":\"2s\"}}")
id=$(submit '{"scenario":"dv2"}')
is "$(api DELETE /v1/data/users)" 204 "the dataset is removed while the run waits"
wait_run "$busy" 30
wait_run "$id" 30
is "$(jbody .status)" failed "the queued run fails at start"
like "$(jbody .reason)" 'dataset users: no such dataset' "saying which"
is "$(api POST /v1/runs '{"scenario":"dv2"}')" 400 \
    "a run of it now is refused at once"
is "$(jbody .error.path)" /vars/u/data "at /vars/NAME/data"

# The validator refuses what cannot render.
is "$(api POST /v1/runs "{\"name\":\"bad\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"a\",\"path\":\"/{{usr}}\"}],\"vars\":{\"user\":\"x\"},\"load\":{\"executor\":\"constant-vus\",\"vus\":1,\"iterations\":1}}")" \
    400 "an unknown variable is refused"
like "$(jbody .error.message)" 'unknown template variable "usr" \(did you mean "user"\?\)' \
    "with a did-you-mean"
is "$(jbody .error.path)" /requests/0/path "at the string that uses it"

done_testing
