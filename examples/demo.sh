#!/bin/bash
# demo.sh -- the quick start: start loadd-target on a free port, start loadd
# (or reuse one already answering on 127.0.0.1:7878) with ./loadd.db, run
# examples/demo.json against the target and print the summary. loadd keeps
# running afterwards so you can explore with ./loadctl; the target stops.
set -eu
cd "$(dirname "$0")/.."
[ -x ./loadd ] || { echo "build first: autoreconf -fi && ./configure && make"; exit 2; }

portfile=$(mktemp)
./loadd-target -l 127.0.0.1:0 -p "$portfile" -q >/dev/null &
target_pid=$!
trap 'kill $target_pid 2>/dev/null; rm -f "$portfile" "$scenario"' EXIT
scenario=$(mktemp --suffix .json)
for _ in $(seq 1 50); do [ -s "$portfile" ] && break; sleep 0.1; done
port=$(cat "$portfile")
sed "s/127.0.0.1:8080/127.0.0.1:$port/" examples/demo.json >"$scenario"

if ! ./loadctl health >/dev/null 2>&1; then
	./loadd --db ./loadd.db >>loadd.log 2>&1 &
	echo "loadd started (pid $!, log in ./loadd.log, database ./loadd.db)"
	for _ in $(seq 1 50); do ./loadctl health >/dev/null 2>&1 && break; sleep 0.1; done
fi
./loadctl run "$scenario" --wait
echo "watch runs in a browser: http://127.0.0.1:7878/ui/ (loadd keeps running)"
