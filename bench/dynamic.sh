#!/bin/bash
# dynamic.sh [ROUNDS=5] [SECS=10] -- what a templated request costs (SPEC
# 14). Against a private nginx, loadd --threads 1 with 50 VUs and every
# sample stored, interleaved in each round:
#   static   GET /items/42?color=red, headers X-Seq and X-User fixed
#   dynamic  the same with three slots: a random int in the path, {{seq}}
#            in X-Seq, a per-vu dataset column in X-User
#   wrk      wrk -t1 -c50 with a Lua request() building the same request
#            (a random path and two headers, wrk.format)
# Prints per run: requests/s counted at nginx and the generator's CPU
# seconds per 100k requests.
ROUNDS=${1:-5}; SECS=${2:-10}
. "$(dirname "$0")/lib.sh"
command -v wrk >/dev/null || die "wrk is required (apt-get install -y wrk)"
start_nginx
NWPID=$(nginx_worker_pid)
[ -n "$NWPID" ] || die "no nginx worker"
start_loadd --threads 1

# spec PATH SEQ USER: the scenario, one request.
spec() {
	jq -nc --arg t "$NURL" --arg p "$1" --arg s "$2" --arg u "$3" \
	    --argjson secs "$SECS" \
	    '{name: "dyn", target: $t, samples: "all",
	      vars: {item: {int: [1, 100000]},
	        user: {data: "users", order: "per-vu"}},
	      requests: [{name: "a", path: $p,
	        headers: {"X-Seq": $s, "X-User": $u}}],
	      load: {executor: "constant-vus", vus: 50,
	        duration: "\($secs)s"}}'
}
# run SPEC: "rps cpu_s_per_100k" of one loadd run.
run() { loadd_cpu "$1"; }
cat >"$B/req.lua" <<'LUA'
local seq = 0
request = function()
	seq = seq + 1
	local path = "/items/" .. math.random(1, 100000) .. "?color=red"
	return wrk.format("GET", path, { ["X-Seq"] = tostring(seq),
	    ["X-User"] = "user-" .. tostring(seq % 50) })
end
LUA
# lua: "rps cpu_s_per_100k" of wrk with the script.
lua() {
	local n0 n1
	n0=$(nginx_requests)
	sh -c 'wrk -t1 -c50 -d"$1"s -s "$2" "$3/" >"$4" 2>&1; cat /proc/$$/stat >"$5"' \
	    sh "$SECS" "$B/req.lua" "$NURL" "$B/wrk.out" "$B/wrk.stat"
	n1=$(nginx_requests)
	local cpu
	cpu=$(sed 's/.*) //' "$B/wrk.stat" | awk -v hz="$CLK_TCK" '{ print ($14 + $15) / hz }')
	echo "$(calc "($n1 - $n0) / $SECS" 0) $(calc "$cpu / ($n1 - $n0) * 100000" 3)"
}

# 50 users, one per VU.
awk 'BEGIN { print "name"; for (i = 1; i <= 50; i++) print "user-" i }' \
    >"$B/users.csv"
curl -s -o /dev/null -X PUT -H 'Content-Type: text/csv' \
    --data-binary "@$B/users.csv" "$URL/v1/data/users"
STATIC=$(spec "/items/42?color=red" "7" "user-7" | jq -c 'del(.vars)')
DYNAMIC=$(spec "/items/{{item}}?color=red" "{{seq}}" "{{user.name}}")
machine
echo "round what rps cpu_s_per_100k"
run "$STATIC" >/dev/null	# warm-up, not counted
for r in $(seq 1 "$ROUNDS"); do
	echo "$r static $(run "$STATIC")"
	echo "$r dynamic $(run "$DYNAMIC")"
	echo "$r wrk-lua $(lua)"
done
