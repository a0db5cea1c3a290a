#!/bin/bash
# inspect.sh [ROUNDS=5] [SECS=10] -- what reading a response costs (SPEC 14:
# captures and checks). Against a private nginx serving a 1 KiB JSON body on
# /json, loadd --threads 1 with 50 VUs and every sample stored, interleaved
# in each round:
#   static   GET /json, the response read and discarded as before
#   inspect  GET /json with a JSON capture ({"json": "/token"}, the last
#            field, so the scanner walks the whole body) and a JSON check
#            ({"json": "/status", "equals": "ok"})
# Prints per run: requests/s counted at nginx and loadd's CPU seconds per
# 100k requests; then the medians, their ratio, and the median of each
# round's ratio.
ROUNDS=${1:-5}; SECS=${2:-10}
. "$(dirname "$0")/lib.sh"

# A 1 KiB JSON document: a status, 12 items, a note that pads it to
# 1024 bytes, a token at the end.
body='{"status":"ok","items":['
for i in $(seq 1 12); do
	body="$body{\"id\":$i,\"name\":\"item-$i\",\"price\":$i.99,\"tags\":[\"a\",\"b\"]},"
done
tail='"token":"tok-0123456789abcdef0123456789abcdef"}'
body="${body%,}],\"note\":\""
pad=$((1024 - ${#body} - 2 - ${#tail}))
body="$body$(printf 'n%.0s' $(seq 1 $pad))\",$tail"
NGINX_EXTRA="location = /json { default_type application/json; return 200 '$body'; }"
start_nginx
[ "$(curl -s "$NURL/json" | jq -r .status)" = ok ] || die "nginx does not serve the JSON body"
start_loadd --threads 1

spec() {	# INSPECT(0|1)
	jq -nc --arg t "$NURL" --argjson secs "$SECS" --argjson i "$1" \
	    '{name: "inspect", target: $t, samples: "all",
	      requests: [{name: "a", path: "/json"} + (if $i == 1 then
	        {capture: {token: {json: "/token"}},
	         checks: [{json: "/status", equals: "ok"}]} else {} end)],
	      load: {executor: "constant-vus", vus: 50,
	        duration: "\($secs)s"}}'
}
# run SPEC: "rps cpu_s_per_100k failed" of one loadd run.
run() { echo "$(loadd_cpu "$1") $(rj .summary.overall.failed_requests)"; }
STATIC=$(spec 0)
INSPECT=$(spec 1)
machine
echo "body: $(curl -s "$NURL/json" | wc -c) bytes"
echo "round what rps cpu_s_per_100k failed"
run "$STATIC" >/dev/null	# warm-up, not counted
: >"$B/results"
for r in $(seq 1 "$ROUNDS"); do
	echo "$r static $(run "$STATIC")" | tee -a "$B/results"
	echo "$r inspect $(run "$INSPECT")" | tee -a "$B/results"
done
med() { awk -v w="$1" '$2 == w { print $4 }' "$B/results" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
s=$(med static); i=$(med inspect)
echo "median cpu_s_per_100k: static $s, inspect $i, ratio $(calc "$i / $s" 3)"
# Each round's pair ran back to back: the median of their ratios is less
# exposed to a shared machine's drift than the ratio of the medians.
pairs=$(awk '$2 == "static" { s[$1] = $4 } $2 == "inspect" { i[$1] = $4 }
    END { for (r in s) print i[r] / s[r] }' "$B/results" | sort -n |
    awk '{ a[NR] = $1 } END { printf "%.3f (min %.3f, max %.3f)", a[int((NR + 1) / 2)], a[1], a[NR] }')
echo "median of the rounds' inspect/static ratios: $pairs"
