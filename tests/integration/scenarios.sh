#!/bin/bash
# scenarios.sh -- /v1/scenarios through the real daemon: every invalid case
# of invalid-scenarios.tsv gets its status, code and JSON pointer; valid
# ones are stored normalised; loadctl drives the same routes; a restart
# keeps what was stored.
. "${top_srcdir:-.}/tests/integration/lib.sh"

start_daemon || { ok 1 "daemon starts"; done_testing; }
dir="$top_srcdir/tests/integration"
# The datasets the cases draw from ("users" and "items").
is "$(api PUT /v1/data/users "$(printf 'name,email\nann,a@x\n')" text/csv)" \
    201 "dataset users for the cases"
is "$(api PUT /v1/data/items "$(printf 'id\n1\n')" text/csv)" 201 \
    "dataset items for the cases"

# Each invalid case, PUT under its own name. A case without a valid name
# string is left to the unit test: the API takes the name from the path.
ran=0
while IFS=$'\t' read -r status code pointer doc; do
	case "$status" in ''|'#'*) continue ;; esac
	name=$(printf '%s' "$doc" | jq -r 'if (.name | type) == "string"
	    then .name else "" end' 2>/dev/null)
	printf '%s' "$name" | grep -Eq '^[A-Za-z0-9._-]{1,64}$' || continue
	[ "$pointer" = '""' ] && pointer=
	got=$(api PUT "/v1/scenarios/$name" "$doc")
	gcode=$(jbody '.error.code')
	gpath=$(jbody '.error.path')
	if [ "$got" = "$status" ] && [ "$gcode" = "$code" ] &&
	    [ "$gpath" = "$pointer" ]; then
		ok 0 "$status $code $pointer"
	else
		ok 1 "$status $code $pointer"
		echo "#   got $got $gcode '$gpath': $(jbody '.error.message')"
		echo "#   doc: $doc"
	fi
	ran=$((ran + 1))
done <"$dir/invalid-scenarios.tsv"
ok $((ran >= 40 ? 0 : 1)) "ran $ran invalid-scenario cases through the API"

is "$(api GET /v1/scenarios)" 200 "nothing invalid was stored"
is "$(jbody '.scenarios | length')" 0 "the list is still empty"

valid=0
while IFS= read -r doc; do
	case "$doc" in ''|'#'*) continue ;; esac
	name=$(printf '%s' "$doc" | jq -r .name)
	is "$(api PUT "/v1/scenarios/$name" "$doc")" 201 "valid $name stored"
	valid=$((valid + 1))
done <"$dir/valid-scenarios.tsv"
is "$(api GET /v1/scenarios)" 200 "list"
is "$(jbody '.scenarios | length')" "$valid" "every valid scenario listed"

doc='{"name":"mini","target":"http://127.0.0.1:9","requests":[{"name":"home","path":"/"}],"load":{"executor":"constant-vus","vus":2,"duration":"5s"}}'
is "$(api PUT /v1/scenarios/mini "$doc")" 201 "PUT creates: 201"
loc=$(curl -s -o /dev/null -D - -X PUT -H 'Content-Type: application/json' \
    --data-binary "${doc/\"mini\"/\"mini2\"}" "$URL/v1/scenarios/mini2" | tr -d '\r' |
    sed -n 's/^Location: //Ip')
is "$loc" /v1/scenarios/mini2 "201 carries Location"
is "$(api PUT /v1/scenarios/mini "$doc")" 200 "PUT again replaces: 200"
is "$(api GET /v1/scenarios/mini)" 200 "GET it"
is "$(jbody '.spec.timeout')" 10s "normalised: default timeout"
is "$(jbody '.spec.samples')" all "normalised: default samples"
is "$(jbody '.spec.requests[0].method')" GET "normalised: default method"
is "$(jbody '.spec.requests[0].weight')" 1 "normalised: default weight"
is "$(jbody '.spec.load.keepalive')" true "normalised: default keepalive"
is "$(jbody '.spec.load.warmup')" 0s "normalised: default warmup"
is "$(jbody '.spec.labels | length')" 0 "normalised: empty labels"
like "$(jbody '.updated_at')" '^20[0-9-]+T[0-9:.]+Z$' "updated_at is ISO-8601 UTC"

# The stored form is what runs, and validates again unchanged.
jbody '.spec' >"$T/spec.json"
is "$(api PUT /v1/scenarios/mini "$(cat "$T/spec.json")")" 200 \
    "the normalised form is itself valid"
is "$(api GET /v1/scenarios/mini)" 200 "GET again"
is "$(jq -c .spec "$T/body")" "$(jq -c . "$T/spec.json")" \
    "normalising is idempotent"

nameless='{"target":"http://127.0.0.1:9","requests":[{"name":"a","path":"/"}],"load":{"executor":"constant-vus","vus":1,"duration":"1s"}}'
is "$(api PUT /v1/scenarios/fromurl "$nameless")" 201 \
    "a body without a name takes the path's"
is "$(jbody '.spec.name')" fromurl "and it is stored under that name"
is "$(api PUT /v1/scenarios/other "$doc")" 400 "a body naming another is 400"
is "$(jbody '.error.path')" /name "pointing at /name"

is "$(api GET /v1/scenarios/nope)" 404 "GET of a missing scenario is 404"
is "$(jbody '.error.code')" scenario_not_found "404 code"
is "$(api DELETE /v1/scenarios/mini2)" 204 "DELETE is 204"
is "$(api DELETE /v1/scenarios/mini2)" 404 "DELETE again is 404"

# loadctl, on the same routes.
printf '%s\n' "$doc" | sed 's/"mini"/"viactl"/' >"$T/viactl.json"
out=$("$LOADCTL" scenario put "$T/viactl.json" 2>&1)
is $? 0 "loadctl scenario put"
like "$out" 'viactl' "loadctl names what it stored"
out=$("$LOADCTL" scenario ls 2>&1)
is $? 0 "loadctl scenario ls"
like "$out" 'viactl +constant-vus' "ls shows name and executor"
"$LOADCTL" --json scenario ls | jq -e '.scenarios | length > 1' >/dev/null
ok $? "loadctl --json scenario ls is JSON"
out=$("$LOADCTL" scenario show viactl 2>&1)
is $? 0 "loadctl scenario show"
is "$(printf '%s' "$out" | jq -r .timeout)" 10s "show prints the normalised spec"
printf '{"name":"broken","requests":[],"load":{}}' >"$T/broken.json"
out=$("$LOADCTL" scenario put "$T/broken.json" 2>&1)
is $? 2 "loadctl put of an invalid scenario exits 2 (input refused, SPEC 13)"
like "$out" 'invalid_scenario.*/' "and prints code and pointer on one line"
is "$(printf '%s\n' "$out" | wc -l)" 1 "as one line"
printf '{"name": ' >"$T/trunc.json"
"$LOADCTL" scenario put "$T/trunc.json" >/dev/null 2>&1
is $? 2 "loadctl put of a file that is not JSON exits 2"
"$LOADCTL" scenario rm viactl
is $? 0 "loadctl scenario rm"
"$LOADCTL" scenario show viactl >/dev/null 2>&1
is $? 3 "show after rm exits 3"
"$LOADCTL" scenario frob >/dev/null 2>&1
is $? 2 "an unknown subcommand exits 2"

# A restart keeps what was stored.
before=$(api GET /v1/scenarios >/dev/null; jq -c '[.scenarios[].name]' "$T/body")
stop_daemon
start_daemon || ok 1 "daemon restarts"
after=$(api GET /v1/scenarios >/dev/null; jq -c '[.scenarios[].name]' "$T/body")
is "$after" "$before" "a restart keeps the stored scenarios"
done_testing
