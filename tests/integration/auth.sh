#!/bin/bash
# auth.sh -- token auth: every route but health needs the bearer token, and
# the token never reaches the log.
. "${top_srcdir:-.}/tests/integration/lib.sh"

secret="s3cret-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$secret" >"$T/token"
start_daemon --token-file "$T/token" || { ok 1 "daemon starts"; done_testing; }

is "$(api GET /v1/health)" 200 "health needs no token"
is "$(api GET /v1/scenarios)" 401 "no token is 401"
is "$(jbody '.error.code')" unauthorized "401 code"
hdr=$(curl -s -o /dev/null -D - "$URL/v1/scenarios" | tr -d '\r' |
    sed -n 's/^WWW-Authenticate: //Ip')
like "$hdr" '^Bearer' "401 carries WWW-Authenticate: Bearer"
TOKEN=wrong
is "$(api GET /v1/scenarios)" 401 "wrong token is 401"
TOKEN=${secret}x
is "$(api GET /v1/scenarios)" 401 "token with a suffix is 401"
TOKEN=${secret%?}
is "$(api GET /v1/scenarios)" 401 "token prefix is 401"
TOKEN=$secret
is "$(api GET /v1/scenarios)" 200 "right token is 200"
is "$(api GET /v1/nope)" 404 "with the token, unknown routes are 404"
TOKEN=
is "$(api GET /v1/nope)" 401 "without it, unknown routes are 401 too"

"$LOADCTL" scenario ls >/dev/null 2>"$T/err"
is $? 3 "loadctl without a token exits 3"
"$LOADCTL" --token "$secret" scenario ls >/dev/null 2>"$T/err"
is $? 0 "loadctl --token works"
LOADD_TOKEN=$secret "$LOADCTL" scenario ls >/dev/null 2>"$T/err"
is $? 0 "LOADD_TOKEN works"

stop_daemon
is "$(grep -c -- "$secret" "$T/loadd.log")" 0 "the token never appears in the log"

printf '' >"$T/empty"
"$LOADD" --listen 127.0.0.1:0 --db "$T/x.db" --token-file "$T/empty" \
    2>"$T/err" >/dev/null
is $? 2 "an empty token file is refused"
like "$(cat "$T/err")" 'empty' "and the message says so"
"$LOADD" --listen 127.0.0.1:0 --db "$T/x.db" --token-file "$T/missing" \
    2>"$T/err" >/dev/null
is $? 2 "a missing token file is refused"
done_testing
