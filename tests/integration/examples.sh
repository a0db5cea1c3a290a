#!/bin/bash
# examples.sh -- what is shipped for users is valid: every example scenario
# is accepted by PUT /v1/scenarios/NAME, and the default config file, with
# every key uncommented at its documented default, is accepted by loadd.

. "$top_srcdir/tests/integration/lib.sh"

start_daemon
ok $? "loadd starts"

# The data-driven example draws from a stored dataset.
code=$(api PUT /v1/data/users "$(cat "$top_srcdir/examples/users.csv")" text/csv)
is "$code" 201 "examples/users.csv is a valid dataset"

for f in "$top_srcdir"/examples/*.json; do
	name=$(basename "$f" .json)
	code=$(api PUT "/v1/scenarios/$name" "$(cat "$f")")
	is "$code" 201 "examples/$name.json is a valid scenario"
	[ "$code" = 201 ] || echo "#   $(cat "$T/body")"
	is "$(jq -r .name "$f")" "$name" "examples/$name.json is named $name"
done

# The login flow and the data-driven test run against loadd-target's
# /app/ endpoints, as shipped but shorter, and pass.
start_target --log "$T/app.log"
for name in login data-driven; do
	s=$(jq -c --arg t "$TURL" '.target = $t | .load.duration = "1s"' \
	    "$top_srcdir/examples/$name.json")
	id=$(submit "{\"scenario\": $s}")
	wait_run "$id" 30
	is "$(jbody .status)/$(jbody .passed)" completed/true \
	    "examples/$name.json runs and passes against loadd-target"
	is "$(jbody '.summary.overall.failed_requests')" 0 \
	    "examples/$name.json: no request failed"
	[ "$(jbody '.summary.overall.failed_requests')" = 0 ] ||
	    jbody '.summary.errors' | sed 's/^/#   /'
	like "$(jbody '.summary.overall.successful_requests')" '^[1-9][0-9]+$' \
	    "examples/$name.json made requests"
done
# Each VU logged in once, as its own user, and each lookup asked for the
# order number the echo before it returned.
is "$(grep -c '^POST /app/login' "$T/app.log")" 10 \
    "login: one login per VU (setup runs once per VU)"
is "$(grep '^POST /app/login' "$T/app.log" | sort -u | wc -l)" 10 \
    "login: each VU logs in as its own user ({{vu}})"
# (The run may end between an order and its lookup: at most one per VU.)
grep -o '"order": [0-9]*' "$T/app.log" | grep -o '[0-9]*$' | sort >"$T/orders"
grep -o '^GET /app/echo?order=[0-9]*' "$T/app.log" | grep -o '[0-9]*$' |
    sort >"$T/lookups"
is "$(comm -13 "$T/orders" "$T/lookups" | wc -l)" 0 \
    "data-driven: every lookup carries an order number captured before it"
n=$(comm -23 "$T/orders" "$T/lookups" | wc -l)
ok "$([ -s "$T/lookups" ] && [ "$n" -le 4 ]; echo $?)" \
    "data-driven: every order but the last of each VU was looked up ($n not)"
stop_daemon

# Every key, uncommented: known names and values loadd accepts (the token
# file is made, the database and address overridden by start_daemon).
conf=$top_srcdir/systemd/loadd.conf
for k in listen db token_file threads allow_targets max_vus max_rate \
    max_duration max_queue retention_days log_level max_data_bytes; do
	n=$(grep -Ec "^#?$k = " "$conf")
	is "$n" 1 "loadd.conf has $k"
done
echo secret >"$T/token"
sed -E -e 's/^#([a-z_]+ = )/\1/' -e "s|^token_file = .*|token_file = $T/token|" \
    "$conf" >"$T/all.conf"
start_daemon -c "$T/all.conf"
ok $? "loadd accepts loadd.conf with every key set"
like "$(cat "$T/loadd.log")" 'token required' "the uncommented token_file is read"
stop_daemon
# The keys are what loadd knows: a misspelt one is refused.
echo 'max_vu = 1' >>"$T/all.conf"
"$LOADD" -c "$T/all.conf" --db "$T/x.db" --listen 127.0.0.1:0 \
    >"$T/bad.log" 2>&1
is "$?" 2 "loadd refuses an unknown key (so the test above can fail)"

done_testing
