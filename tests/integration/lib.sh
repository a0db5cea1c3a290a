# lib.sh -- shared by the integration tests: TAP output, a temporary
# directory, a hard timeout, and a loadd started on a free port with its own
# database. Logs are kept when a test fails. Sourced, not run.

set -u
: "${LOADD:=./loadd}" "${LOADCTL:=./loadctl}" "${TARGET:=./loadd-target}"
: "${top_srcdir:=.}" "${TEST_TIMEOUT:=180}"

T=$(mktemp -d "${TMPDIR:-/tmp}/loadd-test.XXXXXX")
tap_n=0
tap_failed=0
DAEMON_PID=
URL=

# Kill this test if it runs past its hard timeout. The watchdog holds no
# copy of stdout, so the TAP driver never waits for it.
trap 'echo "not ok - hard timeout of ${TEST_TIMEOUT}s"; exit 1' TERM
(
	trap 'kill "$s" 2>/dev/null; exit 0' TERM
	sleep "$TEST_TIMEOUT" &
	s=$!
	wait "$s" && kill -TERM $$
) >/dev/null 2>&1 &
WATCHDOG_PID=$!

# ok STATUS DESCRIPTION: one TAP line from an exit status.
ok() {
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

# check DESCRIPTION COMMAND...: ok if the command succeeds.
check() {
	local desc=$1
	shift
	if "$@" >>"$T/check.log" 2>&1; then
		ok 0 "$desc"
	else
		ok 1 "$desc"
		echo "#   failed: $*"
	fi
}

# is GOT WANT DESCRIPTION
is() {
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		echo "#   got '$1', want '$2'"
	fi
}

# like GOT REGEX DESCRIPTION
like() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		echo "#   '$(printf '%s' "$1" | head -c 300)' does not match /$2/"
	fi
}

# start_daemon [ARGS...]: loadd on a free port with $T/loadd.db; sets URL.
start_daemon() {
	local i addr
	: >"$T/loadd.log"
	"$LOADD" --listen 127.0.0.1:0 --db "$T/loadd.db" "$@" \
	    >>"$T/loadd.log" 2>&1 &
	DAEMON_PID=$!
	for i in $(seq 1 100); do
		addr=$(sed -n 's/.* listening on \([^ ]*\).*/\1/p' \
		    "$T/loadd.log" | tail -n 1)
		if [ -n "$addr" ]; then
			case "$addr" in
			unix:*)	URL=$addr ;;
			*)	URL="http://$addr" ;;
			esac
			export LOADD_URL=$URL
			return 0
		fi
		if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
			echo "# loadd exited early:"
			sed 's/^/#   /' "$T/loadd.log"
			DAEMON_PID=
			return 1
		fi
		sleep 0.1
	done
	echo "# loadd did not start listening in 10 s"
	return 1
}

# stop_daemon: SIGTERM, then wait; returns loadd's exit status.
stop_daemon() {
	local rc=0
	[ -n "$DAEMON_PID" ] || return 0
	kill -TERM "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" || rc=$?
	DAEMON_PID=
	# In an --enable-asan build, a report fails the test.
	if grep -q 'Sanitizer' "$T/loadd.log"; then
		ok 1 "loadd ran clean under the sanitizers"
		grep -A 12 'Sanitizer' "$T/loadd.log" | head -n 40 | sed 's/^/#   /'
	fi
	return $rc
}

# api METHOD PATH [BODY [CONTENT-TYPE]]: prints the status; body in $T/body.
api() {
	local method=$1 path=$2
	shift 2
	local args=(-s -o "$T/body" -w '%{http_code}' -X "$method"
	    --max-time 10)
	if [ -n "${TOKEN:-}" ]; then
		args+=(-H "Authorization: Bearer $TOKEN")
	fi
	if [ $# -ge 1 ]; then
		args+=(-H "Content-Type: ${2:-application/json}"
		    --data-binary "$1")
	fi
	case "$URL" in
	unix:*)	curl "${args[@]}" --unix-socket "${URL#unix:}" \
		    "http://localhost$path" ;;
	*)	curl "${args[@]}" "$URL$path" ;;
	esac
}

# jbody FILTER: a jq filter over the last response body.
jbody() {
	jq -r "$1" "$T/body"
}

# start_target [ARGS...]: loadd-target on a free 127.0.0.1 port; sets TPORT
# and TURL. Several may run; all are stopped at the end.
TARGET_PIDS=
start_target() {
	local pf="$T/target.port.$RANDOM" i
	"$TARGET" -l 127.0.0.1:0 -p "$pf" -q "$@" >>"$T/target.log" 2>&1 &
	TARGET_PIDS="$TARGET_PIDS $!"
	for i in $(seq 1 50); do
		[ -s "$pf" ] && break
		sleep 0.1
	done
	TPORT=$(cat "$pf")
	TURL="http://127.0.0.1:$TPORT"
}

# free_port: a loopback port nobody listens on (a target is started on
# port 0 and stopped again).
free_port() {
	local pf="$T/free.port.$RANDOM" pid i
	"$TARGET" -l 127.0.0.1:0 -p "$pf" -q >/dev/null 2>&1 &
	pid=$!
	for i in $(seq 1 50); do
		[ -s "$pf" ] && break
		sleep 0.1
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	cat "$pf"
}

# target_stat FIELD: a counter from the last started target's /stats.
target_stat() {
	curl -s --max-time 5 "$TURL/stats" | jq -r ".$1"
}

# submit JSON: POST a run; prints its id.
submit() {
	local code
	code=$(api POST /v1/runs "$1")
	if [ "$code" != 201 ]; then
		echo "# POST /v1/runs answered $code: $(cat "$T/body")" >&2
		echo 0
		return 1
	fi
	jbody .id
}

# wait_run ID [SECONDS]: until the run has ended; its document in $T/body.
wait_run() {
	local i s
	for i in $(seq 1 $((${2:-60} * 10))); do
		api GET "/v1/runs/$1" >/dev/null
		s=$(jbody .status)
		case "$s" in
		completed|stopped|aborted|failed|interrupted) return 0 ;;
		esac
		sleep 0.1
	done
	echo "# run $1 still $s after ${2:-60}s" >&2
	return 1
}

# sq SQL: one query on the test database.
sq() {
	sqlite3 -cmd '.timeout 5000' "$T/loadd.db" "$1"
}

# rss_kb: the daemon's VmRSS in kB.
rss_kb() {
	awk '/^VmRSS/ { print $2 }' "/proc/$DAEMON_PID/status"
}

# memory_back BEFORE SLACK_KB: ok if the daemon's RSS is within SLACK_KB of
# BEFORE; skipped under AddressSanitizer, whose quarantine keeps freed memory.
memory_back() {
	local after
	after=$(rss_kb)
	if ldd "$LOADD" 2>/dev/null | grep -q libasan; then
		tap_n=$((tap_n + 1))
		echo "ok $tap_n - memory came back # SKIP under AddressSanitizer"
		return
	fi
	ok $(( after < $1 + $2 ? 0 : 1 )) \
	    "memory came back: RSS $1 kB before, $after kB after"
}

# done_testing: the plan, cleanup, and logs kept on failure.
done_testing() {
	stop_daemon || true
	for p in $TARGET_PIDS; do kill "$p" 2>/dev/null; done
	kill "$WATCHDOG_PID" 2>/dev/null
	echo "1..$tap_n"
	if [ "$tap_failed" -gt 0 ]; then
		echo "# $tap_failed failed; logs kept in $T"
		[ -f "$T/loadd.log" ] && tail -n 20 "$T/loadd.log" | sed 's/^/#   /'
		exit 1
	fi
	rm -rf "$T"
	exit 0
}
trap 'kill "$WATCHDOG_PID" 2>/dev/null; for p in $TARGET_PIDS; do kill "$p" 2>/dev/null; done; [ -n "$DAEMON_PID" ] && kill -KILL "$DAEMON_PID" 2>/dev/null' EXIT
