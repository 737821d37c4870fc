#!/usr/bin/env bash
# Renders an HTML report in headless Chromium and saves a screenshot, to check that the page is
# self-contained and readable. Needs Debian's `chromium` package (apt-get install chromium).
#
#   scripts/render-html.sh [REPORT.html] [SCREENSHOT.png]
#
# Without arguments it builds the demo report first (node dist/cli/bin.js analyze on the bundled
# demo, --format html) into /tmp. Network access is cut off for the browser (an unreachable proxy
# and --host-resolver-rules), so anything the page tried to fetch would show up missing.
set -euo pipefail
cd "$(dirname "$0")/.."
html="${1:-}"
png="${2:-/tmp/portolan-report.png}"
if [ -z "$html" ]; then
  html=/tmp/portolan-demo-report.html
  node dist/cli/bin.js analyze fixtures/demo/demo.pcap --inventory fixtures/demo/inventory.json --format html --output "$html" --quiet
fi
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [ -z "$browser" ]; then
  echo "render-html: no chromium found (apt-get install chromium)" >&2
  exit 2
fi
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
"$browser" --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
  --user-data-dir="$profile" \
  --proxy-server="http://127.0.0.1:9" --host-resolver-rules="MAP * ~NOTFOUND" \
  --window-size=1400,2600 --screenshot="$png" "file://$(realpath "$html")" 2>/dev/null
echo "render-html: $html -> $png"
