#!/bin/bash
# config.sh -- flags over file over defaults, config errors that name file,
# line and key, the one-daemon lock, unix sockets, logging and shutdown.
. "${top_srcdir:-.}/tests/integration/lib.sh"

"$LOADD" --help >"$T/out" 2>&1
is $? 0 "--help exits 0"
like "$(cat "$T/out")" 'usage: loadd' "--help prints usage"
"$LOADD" --bogus >/dev/null 2>"$T/err"
is $? 2 "an unknown flag exits 2"
like "$(cat "$T/err")" 'unknown option --bogus' "and names the flag"

cat >"$T/bad.conf" <<CONF
# a comment
listen = 127.0.0.1:0

max_vus = lots
CONF
"$LOADD" -c "$T/bad.conf" --db "$T/x.db" >/dev/null 2>"$T/err"
is $? 2 "a bad value exits non-zero"
like "$(cat "$T/err")" "bad.conf:4: max_vus: expected an integer" \
    "the error names file, line and key"
printf 'listen = 127.0.0.1:0\nmax_vsu = 5\n' >"$T/bad.conf"
"$LOADD" -c "$T/bad.conf" --db "$T/x.db" >/dev/null 2>"$T/err"
like "$(cat "$T/err")" "bad.conf:2: max_vsu: unknown key" "unknown keys are errors"
printf 'no equals sign\n' >"$T/bad.conf"
"$LOADD" -c "$T/bad.conf" --db "$T/x.db" >/dev/null 2>"$T/err"
like "$(cat "$T/err")" 'bad.conf:1: expected "key = value"' "lines need key = value"
"$LOADD" -c "$T/missing.conf" >/dev/null 2>"$T/err"
is $? 2 "a missing config file exits non-zero"
"$LOADD" --listen nonsense --db "$T/x.db" >/dev/null 2>"$T/err"
like "$(cat "$T/err")" '\-\-listen: expected HOST:PORT' "a bad --listen is refused"
"$LOADD" --threads 0 --db "$T/x.db" >/dev/null 2>"$T/err"
like "$(cat "$T/err")" '\-\-threads: expected an integer' "a bad --threads is refused"
[ ! -e "$T/x.db" ]
ok $? "nothing is created before the config is valid"

# The file sets db and listen; the flag overrides listen only.
printf 'listen = 127.0.0.1:1\ndb = %s\nmax_queue = 3\n' "$T/fromfile.db" \
    >"$T/good.conf"
"$LOADD" -c "$T/good.conf" --listen 127.0.0.1:0 >"$T/loadd.log" 2>&1 &
DAEMON_PID=$!
for i in $(seq 1 50); do
	grep -q 'listening on' "$T/loadd.log" && break
	sleep 0.1
done
like "$(cat "$T/loadd.log")" 'listening on 127\.0\.0\.1:[0-9]+' \
    "the --listen flag overrides the file"
[ -f "$T/fromfile.db" ]
ok $? "db comes from the file"
stop_daemon

# One daemon per database.
start_daemon || ok 1 "first daemon starts"
"$LOADD" --listen 127.0.0.1:0 --db "$T/loadd.db" >/dev/null 2>"$T/err"
is $? 1 "a second daemon on the same database refuses to start"
like "$(cat "$T/err")" 'in use by another loadd' "with a clear message"
is "$(api GET /v1/health)" 200 "the first one is unharmed"

# Clean shutdown on SIGTERM, well within 2 s.
start=$(date +%s%N)
stop_daemon
rc=$?
end=$(date +%s%N)
is "$rc" 0 "SIGTERM exits 0"
ok $(( (end - start) / 1000000 < 2000 ? 0 : 1 )) \
    "shutdown took $(( (end - start) / 1000000 )) ms (< 2000)"
like "$(tail -n 1 "$T/loadd.log")" 'stopped' "the last line says stopped"

# Under systemd, lines carry sd-daemon priority prefixes.
JOURNAL_STREAM=8:1 start_daemon || ok 1 "daemon starts"
api GET /v1/health >/dev/null
stop_daemon
like "$(head -n 1 "$T/loadd.log")" '^<6>info: ' "sd-daemon prefix under systemd"
like "$(grep -c '^<[0-7]>' "$T/loadd.log")" '^[1-9]' "every line prefixed"

# A unix socket, for the daemon and for loadctl.
sock="$T/loadd.sock"
start_daemon --listen "unix:$sock" || ok 1 "daemon on a unix socket"
[ -S "$sock" ]
ok $? "the socket exists"
is "$(api GET /v1/health)" 200 "health over the unix socket"
"$LOADCTL" --server "unix:$sock" health >/dev/null 2>&1
is $? 0 "loadctl talks over the unix socket"
stop_daemon
[ ! -e "$sock" ]
ok $? "the socket is removed at exit"

"$LOADCTL" --server http://127.0.0.1:1 health >/dev/null 2>"$T/err"
is $? 3 "loadctl exits 3 when the server cannot be reached"
like "$(cat "$T/err")" '127\.0\.0\.1:1' "and names the server"
done_testing
