#!/bin/sh
# report-screenshot.sh REPORT.html [OUT.png] [WIDTHxHEIGHT] -- render an html
# report (loadctl report ID --format html -o REPORT.html) to a PNG with
# headless Chromium, to look at the charts without a desktop. Not a test:
# nothing is asserted. Needs chromium (apt-get install -y chromium).
set -eu

[ $# -ge 1 ] || { echo "usage: $0 REPORT.html [OUT.png] [WxH]" >&2; exit 2; }
in=$1
out=${2:-${in%.html}.png}
size=${3:-1200x2400}
[ -r "$in" ] || { echo "$0: $in: cannot read" >&2; exit 2; }
browser=$(command -v chromium || command -v chromium-browser ||
    command -v google-chrome || true)
[ -n "$browser" ] || { echo "$0: chromium is required" >&2; exit 2; }

case $in in
/*)	abs=$in ;;
*)	abs=$(pwd)/$in ;;
esac
case $out in
/*)	;;
*)	out=$(pwd)/$out ;;
esac
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT INT TERM

# The report fetches nothing; keep Chromium from phoning home as well.
timeout 60 "$browser" --headless --no-sandbox --disable-gpu \
    --disable-background-networking --disable-component-update \
    --disable-sync --no-first-run --hide-scrollbars \
    --user-data-dir="$profile" --screenshot="$out" \
    --window-size="$(echo "$size" | tr x ,)" "file://$abs" >/dev/null 2>&1
[ -s "$out" ] || { echo "$0: no screenshot written" >&2; exit 1; }
echo "$out"
