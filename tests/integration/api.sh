#!/bin/bash
# api.sh -- the REST surface of the foundation: health, the error shape, 404,
# 405 with Allow, 413, 415, malformed JSON, and empty lists.
. "${top_srcdir:-.}/tests/integration/lib.sh"

start_daemon || { ok 1 "daemon starts"; done_testing; }

is "$(api GET /v1/health)" 200 "health answers 200"
is "$(jbody '.status')" ok "health status is ok"
like "$(jbody '.version')" '^[0-9]+\.[0-9]+' "health has a version"
like "$(jbody '.uptime_s')" '^[0-9]+$' "health has uptime_s"
is "$(jbody '.active_run')" null "no active run"

is "$(api GET /v1/nope)" 404 "unknown route is 404"
is "$(jbody '.error.code')" not_found "404 code"
is "$(jbody '.error | has("message") and has("path")')" true \
    "error has message and path"
is "$(api GET /v1/scenarios/)" 404 "trailing slash is not a route"
is "$(api GET '/v1/sc%C6narios')" 404 "a URL that is not UTF-8 is a 404 (found by fuzzing)"
is "$(api GET '/v1/scenarios/%FF%FE')" 400 "and a name that is not UTF-8 a 400"
is "$(api GET /v1/health)" 200 "the daemon is still there"

is "$(api PUT /v1/health '{}')" 405 "PUT on health is 405"
is "$(jbody '.error.code')" method_not_allowed "405 code"
allow=$(curl -s -o /dev/null -D - -X POST "$URL/v1/scenarios" \
    -H 'Content-Type: application/json' -d '{}' | tr -d '\r' |
    sed -n 's/^Allow: //Ip')
is "$allow" "GET, HEAD" "405 carries Allow"
allow=$(curl -s -o /dev/null -D - -X POST "$URL/v1/scenarios/x" \
    -H 'Content-Type: application/json' -d '{}' | tr -d '\r' |
    sed -n 's/^Allow: //Ip')
is "$allow" "GET, HEAD, PUT, DELETE" "Allow lists the route's methods"

head -c 1100000 /dev/zero | tr '\0' ' ' >"$T/big.json"
is "$(api PUT /v1/scenarios/big @"$T/big.json")" 413 "body over 1 MiB is 413"
is "$(jbody '.error.code')" too_large "413 code"
# Chunked, so the size is only known while reading.
code=$(curl -s -o "$T/body" -w '%{http_code}' -X PUT \
    -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/json' \
    --data-binary @"$T/big.json" "$URL/v1/scenarios/big")
is "$code" 413 "chunked body over 1 MiB is 413"

is "$(api PUT /v1/scenarios/x 'name=x' text/plain)" 415 "text/plain is 415"
is "$(jbody '.error.code')" unsupported_media_type "415 code"
is "$(api PUT /v1/scenarios/x '{"name":"x"}' \
    'application/json; charset=utf-8')" 400 \
    "application/json with a charset is accepted (then validated)"

is "$(api PUT /v1/scenarios/x $'{\n  "name": "x",\n  "target": }')" 400 \
    "malformed JSON is 400"
is "$(jbody '.error.code')" invalid_json "malformed JSON code"
like "$(jbody '.error.message')" 'line 3, column' \
    "malformed JSON message has line and column"
is "$(api PUT /v1/scenarios/x '{"name":"x","name":"y"}')" 400 \
    "duplicate keys are refused"
is "$(api PUT /v1/scenarios/x '[1,2]')" 400 "a JSON array is not a scenario"
is "$(api PUT /v1/scenarios/x)" 400 "PUT without a body is 400"
is "$(jbody '.error.code')" missing_body "missing body code"
is "$(api PUT '/v1/scenarios/bad%20name' '{}')" 400 "invalid name in path"
is "$(jbody '.error.code')" invalid_name "invalid name code"

is "$(api GET /v1/runs)" 200 "runs list"
is "$(jq -c . "$T/body")" '{"runs":[]}' "runs list is empty"
is "$(api GET '/v1/runs?status=running&scenario=x&limit=5')" 200 \
    "runs list with filters"
is "$(api GET '/v1/runs?status=bogus')" 400 "bad status filter is 400"
is "$(api GET '/v1/runs?limit=0')" 400 "bad limit is 400"
is "$(api GET /v1/baselines)" 200 "baselines list"
is "$(jq -c . "$T/body")" '{"baselines":[]}' "baselines list is empty"
is "$(api GET /v1/scenarios)" 200 "scenarios list"
is "$(jq -c . "$T/body")" '{"scenarios":[]}' "scenarios list is empty"

like "$(grep -c 'api: GET /v1/health 200' "$T/loadd.log")" '^[1-9]' \
    "requests are logged one line each"
done_testing
