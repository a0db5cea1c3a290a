#!/bin/bash
# examples.sh -- what is shipped for users is valid: every example scenario
# is accepted by PUT /v1/scenarios/NAME, and the default config file, with
# every key uncommented at its documented default, is accepted by loadd.

. "$top_srcdir/tests/integration/lib.sh"

start_daemon
ok $? "loadd starts"

for f in "$top_srcdir"/examples/*.json; do
	name=$(basename "$f" .json)
	code=$(api PUT "/v1/scenarios/$name" "$(cat "$f")")
	is "$code" 201 "examples/$name.json is a valid scenario"
	[ "$code" = 201 ] || echo "#   $(cat "$T/body")"
	is "$(jq -r .name "$f")" "$name" "examples/$name.json is named $name"
done
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
