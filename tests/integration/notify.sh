#!/bin/bash
# notify.sh -- sd_notify for real: loadd talks to a datagram socket named by
# NOTIFY_SOCKET, as systemd's would be. READY=1 comes once the API answers,
# WATCHDOG=1 every half of WATCHDOG_USEC, STOPPING=1 on SIGTERM.

. "$top_srcdir/tests/integration/lib.sh"

listen=$(dirname "$LOADD")/tests/unit/notify-listen
if [ ! -x "$listen" ]; then
	kill "$WATCHDOG_PID" 2>/dev/null
	echo "1..0 # SKIP $listen not built"
	rm -rf "$T"
	exit 0
fi
if ! grep -q '^#define HAVE_SYSTEMD 1' "$(dirname "$LOADD")/config.h" \
    2>/dev/null; then
	kill "$WATCHDOG_PID" 2>/dev/null
	echo "1..0 # SKIP loadd built without libsystemd"
	rm -rf "$T"
	exit 0
fi

sock=$T/notify.sock
# Appending, so that the log can be emptied under it.
"$listen" "$sock" >>"$T/notify.log" 2>"$T/notify.err" &
LISTEN_PID=$!
for i in $(seq 1 50); do
	[ -S "$sock" ] && break
	sleep 0.1
done
check "the notification socket is bound" test -S "$sock"

# lines PATTERN: how many messages matched.
lines() {
	grep -c -- "$1" "$T/notify.log"
}

# WATCHDOG_PID stays unset (lib.sh's variable of that name is not exported):
# sd_watchdog_enabled() honours the watchdog only when it is unset or loadd's.
export NOTIFY_SOCKET=$sock WATCHDOG_USEC=400000
start_daemon
ok $? "loadd starts with NOTIFY_SOCKET and WATCHDOG_USEC"
unset NOTIFY_SOCKET WATCHDOG_USEC

# READY=1 is sent only after the API answers: when it arrives, health does.
for i in $(seq 1 50); do
	[ "$(lines '^READY=1')" -ge 1 ] && break
	sleep 0.1
done
is "$(lines '^READY=1')" 1 "READY=1 sent once"
like "$(grep '^READY=1' "$T/notify.log")" "STATUS=listening on ${URL#http://}" \
    "READY=1 carries STATUS with the listen address"
code=$(api GET /v1/health)
is "$code" 200 "the API answers once READY=1 arrived"
is "$(lines '^STOPPING=1')" 0 "no STOPPING=1 while running"

# WATCHDOG=1 every WATCHDOG_USEC/2 = 200 ms: over 1.2 s at least 3 more.
n0=$(lines '^WATCHDOG=1')
sleep 1.2
n1=$(lines '^WATCHDOG=1')
if [ $((n1 - n0)) -ge 3 ]; then
	ok 0 "WATCHDOG=1 repeats ($((n1 - n0)) in 1.2 s at 400 ms WATCHDOG_USEC)"
else
	ok 1 "WATCHDOG=1 repeats (got $((n1 - n0)) in 1.2 s, want >= 3)"
fi
# And not far faster than asked (a generous bound: at most 4 a 200 ms).
if [ $((n1 - n0)) -le 24 ]; then
	ok 0 "WATCHDOG=1 not sent far more often than WATCHDOG_USEC/2"
else
	ok 1 "WATCHDOG=1 sent $((n1 - n0)) times in 1.2 s"
fi

stop_daemon
is "$?" 0 "loadd exits 0 on SIGTERM"
for i in $(seq 1 20); do
	[ "$(lines '^STOPPING=1')" -ge 1 ] && break
	sleep 0.1
done
is "$(lines '^STOPPING=1')" 1 "STOPPING=1 sent once after SIGTERM"
is "$(sed -n '1,/^READY=1/p' "$T/notify.log" | grep -c '^STOPPING=1')" 0 \
    "READY=1 comes before STOPPING=1"

# With a WATCHDOG_PID that is not loadd's, the watchdog is someone else's.
# (The assignments before a function call are exported for its duration.)
: >"$T/notify.log"
NOTIFY_SOCKET=$sock WATCHDOG_USEC=400000 WATCHDOG_PID=1 start_daemon
ok $? "loadd starts with a foreign WATCHDOG_PID"
sleep 1
is "$(lines '^WATCHDOG=1')" 0 "no WATCHDOG=1 when WATCHDOG_PID is another process"
is "$(lines '^READY=1')" 1 "READY=1 still sent"
stop_daemon

# Without NOTIFY_SOCKET loadd runs as before and sends nothing.
: >"$T/notify.log"
start_daemon
ok $? "loadd starts without NOTIFY_SOCKET"
sleep 0.5
stop_daemon
is "$(wc -l <"$T/notify.log" | tr -d ' ')" 0 "nothing sent without NOTIFY_SOCKET"

kill "$LISTEN_PID" 2>/dev/null
wait "$LISTEN_PID"
ok $? "notify-listen stopped cleanly"
check "notify-listen removed its socket" test ! -e "$sock"
done_testing
