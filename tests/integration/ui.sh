#!/bin/bash
# ui.sh -- the web UI (SPEC 17) in a real browser: headless Chromium driven
# by Selenium (tests/integration/ui.py) against the real daemon, without a
# token and with one. Screenshots are kept in the test's directory
# (T=... below, kept on failure; UI_SHOTS=DIR keeps them anywhere).
. "${top_srcdir:-.}/tests/integration/lib.sh"

PY=/usr/bin/python3
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ] ||
    ! "$PY" -c 'import selenium' 2>/dev/null; then
	echo "1..0 # SKIP chromium, chromium-driver and python3-selenium are needed"
	exit 0
fi
shots=${UI_SHOTS:-$T/shots}
mkdir -p "$shots/open" "$shots/token"
start_target

start_daemon --threads 1 || { ok 1 "daemon starts"; done_testing; }
is "$(curl -s -o "$T/index" -w '%{http_code} %{content_type}' "$URL/ui/")" \
    "200 text/html; charset=utf-8" "GET /ui/ serves the page"
is "$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$URL/ui")" \
    "301 $URL/ui/" "/ui redirects to /ui/"
is "$(curl -s -o /dev/null -w '%{http_code}' "$URL/ui/nope.js")" 404 "an unknown file is 404"
code=$(curl -s -o "$T/chart.js" -w '%{http_code}' "$URL/ui/chart.js")
if [ -r /usr/share/javascript/chart.js/chart.min.js ]; then
	is "$code" 200 "Chart.js comes from Debian's libjs-chart.js"
	cmp -s "$T/chart.js" /usr/share/javascript/chart.js/chart.min.js
	ok $? "... byte for byte"
fi
# browser WHAT ARGS...: ui.py's checks as this test's own
browser() {
	local what=$1 line rc
	shift
	"$PY" "$top_srcdir/tests/integration/ui.py" "$@" >"$T/ui-$what.tap" \
	    2>"$T/ui-$what.err"
	rc=$?
	while read -r line; do
		case "$line" in
		"ok "*)		ok 0 "$what: ${line#* - }" ;;
		"not ok "*)	ok 1 "$what: ${line#* - }" ;;
		esac
	done <"$T/ui-$what.tap"
	ok $rc "$what: the browser session ran to its end"
	[ $rc = 0 ] || sed 's/^/#   /' "$T/ui-$what.err" | tail -n 20
}
browser open "$URL" "$TURL" "$shots/open"
stop_daemon

# With a token: the pages are open, the data is not, the page asks.
rm -f "$T"/loadd.db*
echo "s3cret-ui-$$" >"$T/token"
start_daemon --threads 1 --token-file "$T/token" || { ok 1 "daemon starts"; done_testing; }
is "$(curl -s -o /dev/null -w '%{http_code}' "$URL/ui/app.js")" 200 \
    "with a token the UI's files need none"
is "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/runs")" 401 "... the API does"
browser token "$URL" "$TURL" "$shots/token" "s3cret-ui-$$"
done_testing
