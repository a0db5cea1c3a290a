#!/bin/bash
# target-h2.sh -- loadd-target --h2: h2c with prior knowledge through nghttp,
# h2load and a raw-socket client, well-behaved and under every --h2-fault;
# abrupt client closes; a clean exit on SIGTERM (and, in an --enable-asan
# build, no sanitizer report). Every client command is bounded in time.
. "${top_srcdir:-.}/tests/integration/lib.sh"

for tool in nghttp h2load python3 ss; do
	if ! command -v "$tool" >/dev/null; then
		echo "1..0 # SKIP $tool not installed (from nghttp2-client," \
		    "python3 or iproute2)"
		kill "$WATCHDOG_PID" 2>/dev/null
		rm -rf "$T"
		exit 0
	fi
done

# A raw HTTP/2 client, to send frames no library would send at once and to
# see exactly what comes back. Usage: h2raw.py PORT MODE SECONDS [ARG]
#   requests N   preface, SETTINGS and N GETs of / in one write; print one
#                line per frame received, then EOF (server closed) or OPEN
#   preface      the preface alone; print the bytes received (repr)
#   settings     preface and SETTINGS; print how many bytes came back
#   abort PATH   GET PATH with 1 GB windows, read 100 KB of it, then close
#                with a TCP RST
#   upload       POST /, 10000 body bytes without END_STREAM, then RST
cat >"$T/h2raw.py" <<'EOF'
import socket, struct, sys, time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
NAMES = {0: "DATA", 1: "HEADERS", 3: "RST_STREAM", 4: "SETTINGS",
         6: "PING", 7: "GOAWAY", 8: "WINDOW_UPDATE"}
port, mode, secs = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
arg = sys.argv[4] if len(sys.argv) > 4 else ""

def frame(ftype, flags, sid, payload=b""):
    return (struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) +
            struct.pack(">I", sid) + payload)

def request(sid, path="/", post=False):
    auth = b"127.0.0.1:%d" % port
    block = bytes([0x83 if post else 0x82, 0x86])
    block += b"\x04" + bytes([len(path)]) + path.encode()
    block += b"\x01" + bytes([len(auth)]) + auth
    return frame(1, 0x04 if post else 0x05, sid, block)

def read_for(s, until):
    buf, eof = b"", False
    while time.monotonic() < until:
        s.settimeout(max(0.01, until - time.monotonic()))
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            eof = True
            break
        if not d:
            eof = True
            break
        buf += d
    return buf, eof

def rst_close(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                 struct.pack("ii", 1, 0))
    s.close()

s = socket.create_connection(("127.0.0.1", port), timeout=5)
deadline = time.monotonic() + secs
if mode == "requests":
    out = PREFACE + frame(4, 0, 0)
    for i in range(int(arg)):
        out += request(1 + 2 * i)
    s.sendall(out)
    buf, eof = read_for(s, deadline)
    while len(buf) >= 9:
        n = int.from_bytes(buf[0:3], "big")
        ftype, flags = buf[3], buf[4]
        sid = int.from_bytes(buf[5:9], "big") & 0x7fffffff
        p, buf = buf[9:9 + n], buf[9 + n:]
        line = "%s %d" % (NAMES.get(ftype, str(ftype)), sid)
        if ftype == 3:
            line += " %d" % int.from_bytes(p[0:4], "big")
        elif ftype == 7:
            line += " %d %d" % (int.from_bytes(p[0:4], "big") & 0x7fffffff,
                                int.from_bytes(p[4:8], "big"))
        elif ftype == 4:
            line += "".join(" %d=%d" % (int.from_bytes(p[i:i + 2], "big"),
                                        int.from_bytes(p[i + 2:i + 6], "big"))
                            for i in range(0, len(p), 6))
        if ftype in (0, 1) and flags & 1:
            line += " END_STREAM"
        print(line)
    print("EOF" if eof else "OPEN")
elif mode == "preface":
    s.sendall(PREFACE)
    buf, eof = read_for(s, deadline)
    print(repr(buf))
    print("EOF" if eof else "OPEN")
elif mode == "settings":
    s.sendall(PREFACE + frame(4, 0, 0))
    buf, eof = read_for(s, deadline)
    print(len(buf))
    print("EOF" if eof else "OPEN")
elif mode == "abort":
    # Windows of 1 GB, so that the server has much in flight at the RST.
    s.sendall(PREFACE + frame(4, 0, 0, struct.pack(">HI", 4, 1 << 30)) +
              frame(8, 0, 0, struct.pack(">I", 1 << 30)) + request(1, arg))
    got = 0
    while got < 100000 and time.monotonic() < deadline:
        d = s.recv(65536)
        if not d:
            break
        got += len(d)
    rst_close(s)
    print(got)
elif mode == "upload":
    s.sendall(PREFACE + frame(4, 0, 0) + request(1, "/", True) +
              frame(0, 0, 1, b"x" * 10000))
    time.sleep(0.2)
    rst_close(s)
    print("sent")
EOF

# h2raw PORT MODE SECONDS [ARG]: the raw client, bounded.
h2raw() {
	timeout 10 python3 "$T/h2raw.py" "$@" 2>>"$T/check.log"
}

# count REGEX FILE: lines of FILE matching REGEX.
count() {
	grep -Ec -- "$1" "$2"
}

# established PORT: client connections the target still holds open.
established() {
	ss -Htn state established "( sport = :$1 )" | wc -l
}

# stopped DESCRIPTION: SIGTERM the last target started (by its PID), wait
# for it, and check that it exited 0.
stopped() {
	local pid=${TARGET_PIDS##* } rc=0
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" || rc=$?
	TARGET_PIDS=${TARGET_PIDS% *}
	is "$rc" 0 "$1"
}

# Command line.
timeout 5 "$TARGET" -l 127.0.0.1:0 -q --h2 --h2-fault=bogus >/dev/null 2>&1
is "$?" 2 "--h2-fault=bogus: exit 2"
timeout 5 "$TARGET" -l 127.0.0.1:0 -q --h2 --h2-fault=rst-every=0 &>/dev/null
is "$?" 2 "--h2-fault=rst-every=0: exit 2 (N >= 1)"
timeout 5 "$TARGET" -l 127.0.0.1:0 -q --h2-fault=none >/dev/null 2>&1
is "$?" 2 "--h2-fault without --h2: exit 2"

# Well-behaved, on two worker threads.
start_target --h2 -t 2
P=$TPORT
is "$(timeout 10 nghttp "http://127.0.0.1:$P/ok")" ok \
    "GET /ok over h2c: ok"
timeout 10 nghttp -nv "http://127.0.0.1:$P/?status=503" >"$T/out" 2>&1
is "$(count ':status: 503' "$T/out")" 1 "status=503 is honoured"
is "$(timeout 10 nghttp "http://127.0.0.1:$P/?bytes=5000000" | wc -c)" \
    5000000 "bytes=5000000: the whole body, through flow control"
head -c 10485760 /dev/zero >"$T/10m"
timeout 10 nghttp -nv -d "$T/10m" "http://127.0.0.1:$P/up" >"$T/out" 2>&1
like "$(grep -oE '(:status|x-body-received): [0-9]+' "$T/out" |
    paste -sd' ')" '^:status: 200 x-body-received: 10485760$' \
    "a 10 MB upload is read whole, then answered 200"
timeout 10 h2load -n 2000 -c 8 -m 10 "http://127.0.0.1:$P/" >"$T/out" 2>&1
like "$(grep '^requests:' "$T/out")" '2000 done, 2000 succeeded, 0 failed' \
    "h2load: 2000 requests on 8 connections, 10 streams each"

# Abrupt closes: mid-response, mid-upload. The target frees the
# connections and goes on answering.
like "$(h2raw "$P" abort 5 '/?bytes=50m')" '^[0-9]{6,}$' \
    "a client reads 100 KB of a 50 MB body"
is "$(h2raw "$P" upload 5)" sent "a client resets mid-upload"
sleep 0.3
is "$(established "$P")" 0 "both connections were freed"
is "$(timeout 10 nghttp "http://127.0.0.1:$P/ok")" ok \
    "the target still answers after abrupt closes"
stopped "--h2: exits 0 on SIGTERM"

# rst-every=2: every other stream of a connection is reset.
start_target --h2 --h2-fault=rst-every=2
timeout 10 nghttp -nv -m 4 "http://127.0.0.1:$TPORT/" >"$T/out" 2>&1
is "$(count ':status: 200' "$T/out") $(count \
    'error_code=INTERNAL_ERROR' "$T/out")" "2 2" \
    "rst-every=2: 4 streams, 2 answered, 2 reset with INTERNAL_ERROR"
timeout 10 h2load -n 100 -c 1 -m 1 "http://127.0.0.1:$TPORT/" \
    >"$T/out" 2>&1
like "$(grep '^requests:' "$T/out")" '100 done, 50 succeeded, 50 failed' \
    "rst-every=2: h2load sees half its requests fail"
stopped "rst-every: exits 0 on SIGTERM"

# goaway-after=3: three answers, GOAWAY naming the third, then a close.
start_target --h2 --h2-fault=goaway-after=3
h2raw "$TPORT" requests 3 5 >"$T/out"
is "$(grep -E '^(HEADERS|DATA|RST_STREAM)' "$T/out" | sort | paste -sd,)" \
    "DATA 1 END_STREAM,DATA 3 END_STREAM,DATA 5 END_STREAM,HEADERS 1,\
HEADERS 3,HEADERS 5" "goaway-after=3: of streams 1-9, 1, 3 and 5 answered"
is "$(tail -n 2 "$T/out" | paste -sd,)" "GOAWAY 0 5 0,EOF" \
    "goaway-after=3: then GOAWAY(5, NO_ERROR) and the connection closed"
timeout 10 nghttp -nv -m 5 "http://127.0.0.1:$TPORT/" >"$T/out" 2>&1
is "$(count ':status: 200' "$T/out") $(count \
    'last_stream_id=17, error_code=NO_ERROR' "$T/out")" "3 1" \
    "goaway-after=3: nghttp gets 3 answers and GOAWAY(17, NO_ERROR)"
stopped "goaway-after: exits 0 on SIGTERM"
start_target --h2 --h2-fault=goaway-after=0
is "$(h2raw "$TPORT" requests 3 1 | grep -v '^SETTINGS' | paste -sd' ')" \
    "GOAWAY 0 0 0 EOF" "goaway-after=0: GOAWAY(0) at once, then a close"
stopped "goaway-after=0: exits 0 on SIGTERM"

# max-streams=1: advertised; streams over it refused; h2load keeps to it.
start_target --h2 --h2-fault=max-streams=1
timeout 10 nghttp -nv "http://127.0.0.1:$TPORT/" >"$T/out" 2>&1
is "$(count 'SETTINGS_MAX_CONCURRENT_STREAMS\(0x03\):1\]' "$T/out")" 1 \
    "max-streams=1: SETTINGS_MAX_CONCURRENT_STREAMS 1 advertised"
h2raw "$TPORT" requests 2 3 >"$T/out"
is "$(grep -E '^(SETTINGS [0-9]+ |HEADERS|RST_STREAM)' "$T/out" | sort |
    paste -sd,)" "HEADERS 1,RST_STREAM 3 7,RST_STREAM 5 7,SETTINGS 0 3=1" \
    "max-streams=1: 3 streams at once, 2 refused (REFUSED_STREAM)"
timeout 10 h2load -n 50 -c 1 -m 10 "http://127.0.0.1:$TPORT/" \
    >"$T/out" 2>&1
# Requests sent before the SETTINGS arrived may be refused: 9 at most.
r=$(sed -n 's/^requests:.* \([0-9]*\) done, \([0-9]*\) succeeded.*/\1 \2/p' \
    "$T/out")
[ "${r% *}" = 50 ] && [ "${r#* }" -ge 41 ]
ok $? "max-streams=1: h2load -m 10 then keeps to one stream ($r)"
stopped "max-streams: exits 0 on SIGTERM"

# window=N: uploads complete through many small WINDOW_UPDATEs.
start_target --h2 --h2-fault=window=16
head -c 102400 /dev/zero >"$T/100k"
timeout 10 nghttp -nv -d "$T/100k" "http://127.0.0.1:$TPORT/" >"$T/out" 2>&1
is "$(count 'SETTINGS_INITIAL_WINDOW_SIZE\(0x04\):16\]' "$T/out")" 1 \
    "window=16: SETTINGS_INITIAL_WINDOW_SIZE 16 advertised"
is "$(count 'x-body-received: 102400' "$T/out")" 1 \
    "window=16: a 100 KB upload completes"
# The first 64 KB may leave before the client has the SETTINGS.
n=$(count 'recv WINDOW_UPDATE.*stream_id=13' "$T/out")
[ "$n" -ge 2300 ] && [ "$n" -le 6500 ]
ok $? "window=16: in 16-byte window steps ($n WINDOW_UPDATEs)"
stopped "window=16: exits 0 on SIGTERM"
start_target --h2 --h2-fault=window=4096
timeout 10 nghttp -nv -d "$T/10m" "http://127.0.0.1:$TPORT/" >"$T/out" 2>&1
n=$(count 'recv WINDOW_UPDATE.*stream_id=13' "$T/out")
[ "$(count 'x-body-received: 10485760' "$T/out")" = 1 ] && [ "$n" -ge 2000 ]
ok $? "window=4096: a 10 MB upload completes ($n WINDOW_UPDATEs)"
stopped "window=4096: exits 0 on SIGTERM"

# no-settings: the client's bytes are read, nothing is sent.
start_target --h2 --h2-fault=no-settings
timeout 10 nghttp -nv --timeout=1 "http://127.0.0.1:$TPORT/" >"$T/out" 2>&1
is "$(count '\] recv ' "$T/out") $(count 'ERROR\] Timeout' "$T/out")" "0 1" \
    "no-settings: nghttp receives nothing and times out"
is "$(h2raw "$TPORT" settings 1 | paste -sd' ')" "0 OPEN" \
    "no-settings: not a byte in 1 s, the connection left open"
# A connection still open at SIGTERM is freed too.
h2raw "$TPORT" settings 3 >/dev/null &
rawpid=$!
sleep 0.5
stopped "no-settings: exits 0 on SIGTERM with a client connected"
wait "$rawpid"

# garbage: an HTTP/1.1 response to the preface; the connection stays open.
start_target --h2 --h2-fault=garbage
is "$(h2raw "$TPORT" preface 1 | paste -sd' ')" \
    "b'HTTP/1.1 200 OK\\r\\n\\r\\ngarbage garbage garbage' OPEN" \
    "garbage: the exact bytes after the preface, then nothing"
timeout 10 nghttp -nv --timeout=2 "http://127.0.0.1:$TPORT/" >"$T/out" 2>&1
is "$(count 'not processed' "$T/out")" 1 "garbage: nghttp's request fails"
stopped "garbage: exits 0 on SIGTERM"

# endless: DATA frames until the client gives up.
start_target --h2 --h2-fault=endless
timeout 10 h2load -n 1 -c 1 --duration=1 "http://127.0.0.1:$TPORT/" \
    >"$T/out" 2>&1
like "$(grep '^requests:' "$T/out")" '1 started, 0 done' \
    "endless: the response never ends"
bytes=$(sed -n 's/^traffic:.* (\([0-9]*\)) data$/\1/p' "$T/out")
[ "${bytes:-0}" -gt 1000000 ]
ok $? "endless: DATA keeps coming (${bytes:-0} bytes in 1 s)"
like "$(h2raw "$TPORT" abort 5 /)" '^[0-9]{6,}$' \
    "endless: a client reads 100 KB, then resets"
sleep 0.3
is "$(established "$TPORT")" 0 "endless: the connections were freed"
stopped "endless: exits 0 on SIGTERM"

# In an --enable-asan build, a report fails the test.
if grep -q 'Sanitizer' "$T/target.log" 2>/dev/null; then
	ok 1 "loadd-target ran clean under the sanitizers"
	grep -A 12 'Sanitizer' "$T/target.log" | head -n 40 | sed 's/^/#   /'
else
	ok 0 "loadd-target ran clean under the sanitizers"
fi

done_testing
