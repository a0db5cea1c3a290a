#!/bin/bash
# data.sh -- datasets through the real daemon (SPEC section 14): PUT as CSV
# or JSON lines, GET as CSV, list, replace, delete, the line a malformed
# dataset is refused at, the size limit, persistence across a restart, and
# loadctl data with its exit codes.
. "${top_srcdir:-.}/tests/integration/lib.sh"

printf 'max_data_bytes = 2k\n' >"$T/loadd.conf"
start_daemon -c "$T/loadd.conf" || { ok 1 "daemon starts"; done_testing; }
L() { "$LOADCTL" --server "$URL" "$@"; }

printf '\xef\xbb\xbfuser,pass,note\r\nalice,s3cret,"hello, world"\r\nbob,pw2,"two\nlines ""quoted"""\r\n' >"$T/users.csv"
# put_file NAME FILE TYPE: PUT the file's bytes as they are.
put_file() {
	curl -s -o "$T/body" -w '%{http_code}' -X PUT --max-time 10 \
	    -H "Content-Type: $3" --data-binary "@$2" "$URL/v1/data/$1"
}
is "$(put_file users "$T/users.csv" text/csv)" 201 "PUT a CSV dataset: 201"
is "$(jbody '.columns | join(",")')" "user,pass,note" "its columns"
is "$(jbody .rows)" 2 "its rows"
is "$(put_file users "$T/users.csv" text/csv)" 200 \
    "PUT again replaces: 200"
is "$(api GET /v1/data/users)" 200 "GET it"
is "$(head -c 16 "$T/body" | od -An -c | tr -s ' ')" \
    " u s e r , p a s s , n o t e \r \n" "served as CSV with CRLF, the BOM gone"
is "$(sq "SELECT name || ' ' || rows || ' ' || columns FROM datasets")" \
    'users 2 ["user","pass","note"]' "the datasets table"
printf '{"id":1,"name":"x"}\n{"name":"y","id":2}\n' >"$T/rows.ndjson"
is "$(put_file rows "$T/rows.ndjson" application/x-ndjson)" 201 \
    "PUT JSON lines"
api GET /v1/data/rows >/dev/null
is "$(tr -d '\r' <"$T/body" | tr '\n' ' ')" "id,name 1,x 2,y " \
    "JSON lines come back as CSV"
is "$(api GET /v1/data)" 200 "GET /v1/data"
is "$(jbody '[.data[].name] | join(",")')" "rows,users" "lists both, by name"
size=$(curl -s "$URL/v1/data/users" | wc -c)
is "$(api GET /v1/data >/dev/null; jbody '.data[1] | "\(.rows) \(.bytes) \(.columns | length)"')" \
    "2 $size 3" "with rows, bytes (as served) and columns"

# Malformed input: 400 invalid_data naming the line, nothing stored.
is "$(api PUT /v1/data/bad "$(printf 'a,b\n1,2\n3\n')" text/csv)" 400 \
    "a ragged CSV row: 400"
is "$(jbody .error.code)" invalid_data "code invalid_data"
like "$(jbody .error.message)" '^line 3: ' "naming the line"
is "$(api PUT /v1/data/bad "$(printf '{"a":1}\n{"a":[2]}\n')" application/x-ndjson)" \
    400 "a nested JSON value: 400"
like "$(jbody .error.message)" '^line 2: "a" is an array' "naming the line"
is "$(api GET /v1/data/bad)" 404 "nothing was stored"
is "$(jbody .error.code)" data_not_found "code data_not_found"
is "$(api PUT /v1/data/x 'a,b' application/json)" 415 \
    "another Content-Type: 415"
is "$(api PUT /v1/data/bad%20name 'a' text/csv)" 400 "a bad name: 400"
big=$(awk 'BEGIN { print "k"; for (i = 0; i < 600; i++) print "value" i }')
is "$(api PUT /v1/data/big "$big" text/csv)" 413 \
    "over max_data_bytes (2k here): 413"
like "$(jbody .error.message)" 'max_data_bytes' "naming the limit"

# loadctl data.
L data put people "$T/users.csv" >"$T/out" 2>&1
is $? 0 "loadctl data put"
like "$(cat "$T/out")" 'stored dataset people: 2 rows, 3 columns' "says what"
L data put rows2 "$T/rows.ndjson" >/dev/null 2>&1
is $? 0 "loadctl data put FILE.ndjson sends JSON lines"
L data ls >"$T/out" 2>&1
like "$(cat "$T/out")" "people +2 +$size +user,pass,note" "loadctl data ls"
L data show people >"$T/out" 2>&1
cmp -s "$T/out" <(api GET /v1/data/people >/dev/null; cat "$T/body")
is $? 0 "loadctl data show prints the CSV as served"
printf 'a,b\n"x\n' >"$T/bad.csv"
L data put bad "$T/bad.csv" >"$T/out" 2>&1
is $? 2 "a malformed file: exit 2"
like "$(cat "$T/out")" 'invalid_data: line 2: a quoted field is not closed' \
    "with the line"
L data put nope "$T/missing.csv" >/dev/null 2>&1
is $? 2 "a missing file: exit 2"
L data rm people >/dev/null 2>&1
is $? 0 "loadctl data rm"
L data rm people >/dev/null 2>&1
is $? 3 "removing it again: exit 3 (404)"

# Datasets survive a restart.
stop_daemon
start_daemon -c "$T/loadd.conf" || { ok 1 "daemon restarts"; done_testing; }
is "$(api GET /v1/data/users)" 200 "a dataset survives a restart"
is "$(api DELETE /v1/data/users)" 204 "DELETE: 204"
is "$(api DELETE /v1/data/users)" 404 "and then 404"

done_testing
