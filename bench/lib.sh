# lib.sh -- shared by the benchmark scripts. Sourced, not run.
#
# Gives: a temporary directory ($B), a hard timeout for the whole script,
# helpers that start loadd, loadd-target and a private nginx on free
# 127.0.0.1 ports (every PID recorded and stopped at exit, by PID), the
# loadd API, CPU time from /proc/PID/stat, wrk output parsing and medians.
#
# Environment:
#   LOADD_BUILD   directory holding loadd, loadctl, loadd-target (default
#                 /tmp/bb, else the source tree's top directory)
#   BENCH_TIMEOUT hard limit for the whole script, seconds (default 1800)
#   BENCH_KEEP=1  keep the temporary directory (logs, databases)

set -u
set -o pipefail

: "${BENCH_TIMEOUT:=1800}"
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -z "${LOADD_BUILD:-}" ]; then
	if [ -x /tmp/bb/loadd ]; then
		LOADD_BUILD=/tmp/bb
	else
		LOADD_BUILD=$(cd "$BENCH_DIR/.." && pwd)
	fi
fi
LOADD=$LOADD_BUILD/loadd
TARGET=$LOADD_BUILD/loadd-target
for _b in "$LOADD" "$TARGET"; do
	[ -x "$_b" ] || { echo "bench: $_b not found (set LOADD_BUILD)" >&2; exit 2; }
done
for _c in curl jq awk; do
	command -v "$_c" >/dev/null || { echo "bench: $_c is required" >&2; exit 2; }
done

B=$(mktemp -d "${TMPDIR:-/tmp}/loadd-bench.XXXXXX")
CLK_TCK=$(getconf CLK_TCK)
BG_PIDS=""      # everything we started, stopped at exit in reverse order
DPID= URL= TPID= TURL= NPID= NURL=

log() { printf '# %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# stop_pid PID: TERM, wait up to 5 s, then KILL. Only PIDs we started.
stop_pid() {
	local p=$1 i
	[ -n "$p" ] || return 0
	kill -0 "$p" 2>/dev/null || { wait "$p" 2>/dev/null; return 0; }
	kill -TERM "$p" 2>/dev/null
	for i in $(seq 1 50); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	BG_PIDS=$(printf '%s\n' $BG_PIDS | grep -vx "$p" | tr '\n' ' ')
	return 0
}

_cleanup() {
	local rc=$? p rev=""
	trap - EXIT INT TERM
	for p in $BG_PIDS; do rev="$p $rev"; done
	for p in $rev; do stop_pid "$p"; done
	[ -n "${WATCHDOG_PID:-}" ] && kill "$WATCHDOG_PID" 2>/dev/null
	if [ "${BENCH_KEEP:-0}" = 1 ] || [ $rc -ne 0 ]; then
		log "files kept in $B"
	else
		rm -rf "$B"
	fi
	exit $rc
}
trap _cleanup EXIT
trap 'exit 130' INT
trap 'echo "bench: terminated (SIGTERM: the ${BENCH_TIMEOUT}s hard timeout, or from outside)" >&2; exit 124' TERM

# Watchdog: TERM this script if it runs past BENCH_TIMEOUT.
(
	trap 'kill "$s" 2>/dev/null; exit 0' TERM
	sleep "$BENCH_TIMEOUT" &
	s=$!
	wait "$s" && kill -TERM $$
) >/dev/null 2>&1 &
WATCHDOG_PID=$!

# start_loadd [ARGS...]: loadd on a free port with its own database $B/loadd.db
# (or $LOADD_DB); sets DPID and URL.
start_loadd() {
	local i addr db=${LOADD_DB:-$B/loadd.db}
	: >"$B/loadd.log"
	"$LOADD" --listen 127.0.0.1:0 --db "$db" "$@" >>"$B/loadd.log" 2>&1 &
	DPID=$!
	BG_PIDS="$BG_PIDS $DPID"
	for i in $(seq 1 100); do
		addr=$(sed -n 's/.* listening on \([^ ]*\).*/\1/p' "$B/loadd.log" | tail -n 1)
		if [ -n "$addr" ]; then
			URL="http://$addr"
			return 0
		fi
		kill -0 "$DPID" 2>/dev/null || { cat "$B/loadd.log" >&2; die "loadd exited early"; }
		sleep 0.1
	done
	die "loadd did not listen within 10 s"
}

# start_target [ARGS...]: loadd-target on a free port; sets TPID and TURL.
start_target() {
	local pf="$B/target.port.$RANDOM" i
	"$TARGET" -l 127.0.0.1:0 -p "$pf" -q "$@" >>"$B/target.log" 2>&1 &
	TPID=$!
	BG_PIDS="$BG_PIDS $TPID"
	for i in $(seq 1 100); do
		[ -s "$pf" ] && break
		kill -0 "$TPID" 2>/dev/null || die "loadd-target exited early"
		sleep 0.1
	done
	[ -s "$pf" ] || die "loadd-target did not listen within 10 s"
	TURL="http://127.0.0.1:$(cat "$pf")"
}

# free_port: a free 127.0.0.1 TCP port (asks the kernel).
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null && return 0
	# fallback: a random high port not listening now
	local p i
	for i in $(seq 1 50); do
		p=$((20000 + RANDOM % 10000))
		ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

# make_cert: a self-signed key and certificate for localhost, in $B/key.pem
# and $B/cert.pem.
make_cert() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$B/key.pem" \
	    -out "$B/cert.pem" -days 1 -subj /CN=localhost >/dev/null 2>&1 ||
	    die "openssl req failed"
}

# start_nginx: a private nginx, one worker, "ok" on /, stub_status on /stub,
# and what NGINX_EXTRA adds to its server block; sets NPID and NURL.
# NGINX_LISTEN adds to its listen line ("http2", "ssl http2"), NGINX_SCHEME
# names the scheme of NURL, NGINX_CURL the flags curl needs to reach it.
start_nginx() {
	local port d=$B/nginx i
	command -v nginx >/dev/null || die "nginx is required (apt-get install -y nginx-light)"
	port=$(free_port) || die "no free port"
	mkdir -p "$d/logs" "$d/tmp"
	cat >"$d/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $d/tmp/body;
    proxy_temp_path $d/tmp/proxy;
    fastcgi_temp_path $d/tmp/fastcgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    keepalive_requests 100000000;
    keepalive_timeout 75s;
    server {
        listen 127.0.0.1:$port ${NGINX_LISTEN:-};
        location = /stub { stub_status; }
        location / { default_type text/plain; return 200 "ok"; }
        ${NGINX_EXTRA:-}
    }
}
EOF
	nginx -c "$d/nginx.conf" -p "$d" >"$d/logs/stdout.log" 2>&1 &
	NPID=$!
	BG_PIDS="$BG_PIDS $NPID"
	NURL="${NGINX_SCHEME:-http}://127.0.0.1:$port"
	for i in $(seq 1 100); do
		curl -sk ${NGINX_CURL:-} --max-time 1 "$NURL/stub" 2>/dev/null | grep -q 'server accepts' && return 0
		kill -0 "$NPID" 2>/dev/null || { cat "$d/logs/"* >&2; die "nginx exited early"; }
		sleep 0.1
	done
	die "nginx did not answer within 10 s"
}

# nginx_requests: the "requests" counter of stub_status (minus this query).
nginx_requests() {
	local n
	n=$(curl -sk ${NGINX_CURL:-} --max-time 5 "$NURL/stub" | awk 'NR == 3 { print $3 }')
	echo $((n - 1))
}

# nginx_worker_pid: the PID of nginx's only worker process.
nginx_worker_pid() {
	pgrep -P "$NPID" | head -n 1
}

# cpu_ticks PID: utime + stime of a process, in clock ticks.
cpu_ticks() {
	# fields after the ")" of comm: state is $1, utime $12, stime $13
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# rss_kb PID: VmRSS in kB.
rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# api METHOD PATH [BODY]: prints the HTTP status; the body goes to $B/body.
api() {
	local method=$1 path=$2
	shift 2
	local args=(-s -o "$B/body" -w '%{http_code}' -X "$method" --max-time 10)
	[ $# -ge 1 ] && args+=(-H 'Content-Type: application/json' --data-binary "$1")
	curl "${args[@]}" "$URL$path"
}

# submit JSON: POST a run; prints its id.
submit() {
	local code
	code=$(api POST /v1/runs "$1")
	[ "$code" = 201 ] || die "POST /v1/runs answered $code: $(cat "$B/body")"
	jq -r .id "$B/body"
}

# wait_run ID MAXSECONDS [QUIET]: until the run has ended; its document in
# $B/run.json. With QUIET, sleep that many seconds before polling: each poll
# spawns curl and jq, which on a 2-core machine takes CPU from the generator
# and the target (wrk, measured beside loadd, is simply waited for).
wait_run() {
	local id=$1 max=$2 i s=
	[ -n "${3:-}" ] && sleep "$3"
	for i in $(seq 1 $((max * 10))); do
		api GET "/v1/runs/$id" >/dev/null
		s=$(jq -r .status "$B/body" 2>/dev/null)
		case "$s" in
		completed|stopped|aborted|failed|interrupted)
			cp "$B/body" "$B/run.json"
			[ "$s" = completed ] || log "run $id ended $s: $(jq -c .reason "$B/run.json")"
			return 0 ;;
		esac
		sleep 0.1
	done
	die "run $id still '$s' after ${max}s"
}

# Closed-loop runs against the nginx of start_nginx, SECS seconds, 50
# connections, one generator thread; NWPID is nginx's worker, DPID and URL
# the loadd to use. Requests are counted at nginx.
# one_wrk: prints "requests seconds cpu_s nginx_cpu_s gen_count shed"
one_wrk() {
	local n0 n1 w0 w1
	n0=$(nginx_requests)
	w0=$(cpu_ticks "$NWPID")
	sh -c 'wrk -t1 -c50 -d"$1"s "$2/" >"$3" 2>&1; cat /proc/$$/stat >"$4"' \
	    sh "$SECS" "$NURL" "$B/wrk.out" "$B/wrk.stat"
	w1=$(cpu_ticks "$NWPID")
	n1=$(nginx_requests)
	# cutime, cstime: the 14th and 15th fields after comm
	local cpu
	cpu=$(sed 's/.*) //' "$B/wrk.stat" | awk -v hz="$CLK_TCK" '{ print ($14 + $15) / hz }')
	echo "$((n1 - n0)) $SECS $cpu $(calc "($w1 - $w0) / $CLK_TCK") $(wrk_total "$B/wrk.out") -"
}

# one_loadd SAMPLES: same fields
one_loadd() {
	local n0 n1 c0 c1 w0 w1 id
	n0=$(nginx_requests)
	w0=$(cpu_ticks "$NWPID")
	c0=$(cpu_ticks "$DPID")
	id=$(submit "$(scenario tp "$NURL" "$1" \
	    "{\"executor\":\"constant-vus\",\"vus\":50,\"duration\":\"${SECS}s\"}")")
	wait_run "$id" $((SECS + 60)) "$SECS"
	c1=$(cpu_ticks "$DPID")
	w1=$(cpu_ticks "$NWPID")
	n1=$(nginx_requests)
	echo "$((n1 - n0)) $(rj .summary.duration_s) $(calc "($c1 - $c0) / $CLK_TCK") $(calc "($w1 - $w0) / $CLK_TCK") $(rj .summary.overall.total_requests) $(rj .summary.samples_shed)"
}

# rj FILTER: jq over the last finished run's document.
rj() { jq -r "$1" "$B/run.json"; }

# scenario NAME TARGET SAMPLES LOAD [PATH]: a one-request scenario.
scenario() {
	jq -nc --arg n "$1" --arg t "$2" --arg s "$3" --argjson l "$4" \
	    --arg p "${5:-/}" \
	    '{name: $n, target: $t, samples: $s,
	      requests: [{name: "a", path: $p}], load: $l}'
}

# to_ms VALUE: wrk's "1.23ms", "456.00us", "1.01s", "2.00m" in ms.
to_ms() {
	awk -v v="$1" 'BEGIN {
		if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
		else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
		else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
		else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
		else printf "nan"
	}'
}

# wrk_pct FILE PCT: a latency percentile (ms) from `wrk --latency` output.
wrk_pct() {
	local v
	v=$(awk -v p="$2%" '$1 == p { print $2; exit }' "$1")
	to_ms "$v"
}

# wrk_rps FILE, wrk_total FILE
wrk_rps() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }
wrk_total() { awk '/requests in/ { print $1 }' "$1"; }

# stats V1 V2 ...: "median min max" (lower-middle median for even counts
# is avoided: the mean of the two middle values).
stats() {
	printf '%s\n' "$@" | sort -g | awk '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { print "nan nan nan"; exit }
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			print m, v[1], v[NR]
		}'
}

# calc EXPR: floating-point arithmetic via awk.
calc() { awk "BEGIN { printf \"%.${2:-3}f\", $1 }"; }

# machine: one line describing this host.
machine() {
	printf 'host: %s cores, %s, kernel %s; %s; %s\n' "$(nproc)" \
	    "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
	    "$(uname -r)" \
	    "$(wrk --version 2>&1 | awk 'NR == 1 { print $1, $2 }')" \
	    "$(nginx -v 2>&1 | sed 's/^nginx version: //')"
	# A system call's price decides how far fewer calls per request go.
	command -v perf >/dev/null &&
	    perf bench syscall basic -l 1000000 2>/dev/null |
	    awk '/usecs\/op/ { print "system call (getppid): " $1 " us" }'
	printf 'date: %s; load average at start: %s; busy processes: %s\n' \
	    "$(date -u +%FT%TZ)" "$(cut -d' ' -f1-3 /proc/loadavg)" \
	    "$(busy_others)"
}

# busy_others: processes (not ours) using over 20 % CPU right now, if any;
# a warning for the shared machine.
busy_others() {
	top -bn1 -d 0.5 2>/dev/null | awk -v me=$$ 'NR > 7 && $9 + 0 > 20 { print $1, $9 "%", $12 }' | tr '\n' ';'
}

# loadd_cpu SPEC [SECS]: run SPEC on the loadd of start_loadd against the
# nginx of start_nginx; prints "rps cpu_s_per_100k", requests counted at
# nginx, CPU from loadd's own accounting. The run document is left in
# $B/run.json.
loadd_cpu() {
	local n0 n1 c0 c1 id secs=${2:-$SECS}
	n0=$(nginx_requests)
	c0=$(cpu_ticks "$DPID")
	id=$(submit "$1")
	wait_run "$id" $((secs + 60)) "$secs"
	c1=$(cpu_ticks "$DPID")
	n1=$(nginx_requests)
	echo "$(calc "($n1 - $n0) / $(rj .summary.duration_s)" 0) $(calc "($c1 - $c0) / $CLK_TCK / ($n1 - $n0) * 100000" 3)"
}
