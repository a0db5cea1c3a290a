#!/bin/bash
# allow.sh -- the target allowlist: CIDRs, bare addresses and host names,
# IPv4, IPv6 and v4-mapped addresses, names judged by what they resolve to,
# group urls checked like the target, redirects never followed. A refused
# run is a 403 before anything is stored or sent.
. "${top_srcdir:-.}/tests/integration/lib.sh"

start_target
P1=$TPORT T1=$TURL			# 127.0.0.1: outside most lists here
start_target -l 127.0.0.2:0
P2=$TPORT T2="http://127.0.0.2:$P2"	# 127.0.0.2
start_target -l '[::1]:0'
P6=$TPORT T6="http://[::1]:$P6"	# ::1
stat_of() { curl -s --max-time 5 "$1/stats" | jq -r .requests; }

# run NAME TARGET [REQUESTS_JSON]: POST a small run; prints the status code.
ONE='[{"name":"r","path":"/"}]'
run() {
	api POST /v1/runs "{\"name\":\"$1\",\"target\":\"$2\",\"requests\":${3:-$ONE},\"load\":{\"executor\":\"constant-vus\",\"vus\":1,\"iterations\":5}}"
}
# reload LIST: a new allow_targets through SIGHUP.
reload() {
	printf 'allow_targets = %s\n' "$1" >"$T/loadd.conf"
	kill -HUP "$DAEMON_PID"
	for _ in $(seq 1 50); do
		[ "$(grep -c 'configuration reloaded' "$T/loadd.log")" -ge "$2" ] && return 0
		sleep 0.1
	done
}

printf 'allow_targets = 127.0.0.2/31\n' >"$T/loadd.conf"
start_daemon -c "$T/loadd.conf" || { ok 1 "daemon starts"; done_testing; }

# A CIDR: 127.0.0.2/31 is .2 and .3.
is "$(run in "$T2")" 201 "127.0.0.2 is inside 127.0.0.2/31"
wait_run "$(jbody .id)" 10
is "$(jbody .summary.overall.successful_requests)" 5 "and the run reaches it"
n=$(sq "SELECT count(*) FROM runs")
is "$(run out "$T1")" 403 "127.0.0.1 is outside 127.0.0.2/31"
is "$(jbody .error.code)" forbidden_target "as forbidden_target"
like "$(jbody .error.message)" '127\.0\.0\.1.*not in allow_targets \(127\.0\.0\.2/31\)' \
    "the message names the address and the list"
is "$(run out4 "http://127.0.0.4:$P2")" 403 "127.0.0.4 is outside it too"
# A name is judged by what it resolves to, whatever it looks like.
is "$(run name "http://localhost:$P1")" 403 "localhost resolves outside the list: refused"
like "$(jbody .error.message)" 'target localhost \((127\.0\.0\.1|::1)\)' \
    "naming what the name resolved to"
is "$(run v6 "$T6")" 403 "::1 is not in a v4 list"
# A v4-mapped IPv6 address is the v4 address it maps.
is "$(run mapped "http://[::ffff:127.0.0.2]:$P2")" 201 "::ffff:127.0.0.2 counts as 127.0.0.2"
wait_run "$(jbody .id)" 10
is "$(jbody .summary.overall.successful_requests)" 5 "and runs"
is "$(run mapped1 "http://[::ffff:127.0.0.1]:$P1")" 403 "::ffff:127.0.0.1 counts as 127.0.0.1: refused"
# A group member's url is checked like the target.
is "$(run grp "$T2" "[{\"name\":\"g\",\"group\":\"sequential\",\"requests\":[{\"name\":\"a\",\"path\":\"/\"},{\"name\":\"b\",\"url\":\"http://localhost:$P1/\"}]}]")" \
    403 "a group url that resolves outside the list is refused"
like "$(jbody .error.message)" 'localhost' "naming it"
is "$(run grp2 "$T2" "[{\"name\":\"g\",\"group\":\"sequential\",\"requests\":[{\"name\":\"a\",\"path\":\"/\"},{\"name\":\"b\",\"url\":\"http://127.0.0.2:$P2/\"}]}]")" \
    201 "a group url inside the list is allowed"
wait_run "$(jbody .id)" 10
is "$(sq "SELECT count(*) FROM runs")" "$((n + 2))" "refused runs are not stored"

# Redirects are never followed: a 302 is a response like any other.
is "$(run redir "$T2" "[{\"name\":\"r\",\"path\":\"/?status=302&redirect=$P1\",\"expect\":[302]}]")" \
    201 "a target that redirects elsewhere"
wait_run "$(jbody .id)" 10
is "$(jbody .summary.overall.successful_requests)" 5 "its 302s are counted as answered"
is "$(run redir2 "$T2" "[{\"name\":\"r\",\"path\":\"/?status=302&redirect=$P1\"}]")" 201 \
    "with the default expect"
wait_run "$(jbody .id)" 10
is "$(jbody .summary.overall.successful_requests)" 5 "a 3xx is a success (any status < 400)"
is "$(stat_of "$T1")" 0 "127.0.0.1 never saw a request: nothing refused was sent, no redirect was followed"

# IPv6 and a bare address in the list.
reload '::1' 1
is "$(run v6 "$T6")" 201 "::1 is allowed by ::1"
wait_run "$(jbody .id)" 10
is "$(jbody .summary.overall.successful_requests)" 5 "and runs over IPv6"
is "$(run v6cidr "http://[::2]:$P6")" 403 "::2 is not ::1"
is "$(run v4 "$T2")" 403 "127.0.0.2 is not in a v6 list"
reload '::/127' 2
is "$(run v6c "$T6")" 201 "::1 is inside ::/127"
wait_run "$(jbody .id)" 10

# A name in the list allows the addresses it resolves to.
reload 'localhost' 3
is "$(run lh "http://127.0.0.1:$P1")" 201 "127.0.0.1 is allowed by the name localhost"
wait_run "$(jbody .id)" 10
is "$(run lh2 "$T2")" 403 "127.0.0.2 is not what localhost resolves to"
done_testing
