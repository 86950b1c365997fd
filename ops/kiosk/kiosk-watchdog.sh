#!/usr/bin/env bash
# One check of the kiosk browser; vorzimmer-kiosk-watchdog.timer runs it every 30 s (as root).
#
# - Chromium's process is gone, or its DevTools endpoint (127.0.0.1 only) does not answer
#   within KIOSK_WATCHDOG_TIMEOUT seconds (a hung browser): after KIOSK_WATCHDOG_FAILURES
#   such checks in a row the browser is killed and restarted.
# - The page does not answer an evaluation over DevTools within the timeout (a hung
#   renderer): counted like the above.
# - The page is Chromium's network error page (the server was unreachable when it loaded;
#   a loaded kiosk or display page reconnects by itself) and the server answers again: the
#   page is reloaded (kiosk-page.py), or the browser restarted when that fails. Chromium
#   retries an error page itself, but after pauses growing to minutes; this is at most one
#   timer interval after the server is back.
# Restarting means: kill the browser's process when it is still there, then run
# KIOSK_RESTART_COMMAND (default: systemctl restart vorzimmer-kiosk.service).
#
# Environment overrides (tests): KIOSK_CONF, KIOSK_STATE_DIR (as kiosk-browser.sh),
# KIOSK_WATCHDOG_STATE (failure counter; default /run/vorzimmer-kiosk-watchdog),
# KIOSK_WATCHDOG_GRACE (seconds after a start without checks; default 60).
set -euo pipefail

CONF="${KIOSK_CONF:-/etc/vorzimmer-kiosk.conf}"
# shellcheck source=/dev/null  # written by setup.sh: KEY=value lines
. "$CONF"
: "${KIOSK_URL:?$CONF sets no KIOSK_URL}"
STATE_DIR="${KIOSK_STATE_DIR:-/var/lib/vorzimmer-kiosk}"
DEVTOOLS_PORT="${KIOSK_DEVTOOLS_PORT:-9222}"
WATCH_STATE="${KIOSK_WATCHDOG_STATE:-/run/vorzimmer-kiosk-watchdog}"
TIMEOUT="${KIOSK_WATCHDOG_TIMEOUT:-10}"
FAILURES="${KIOSK_WATCHDOG_FAILURES:-2}"
GRACE="${KIOSK_WATCHDOG_GRACE:-60}"
RESTART="${KIOSK_RESTART_COMMAND:-systemctl restart vorzimmer-kiosk.service}"
PID_FILE="$STATE_DIR/browser.pid"
PYTHON="${KIOSK_PYTHON:-/usr/bin/python3}" # Debian's, with python3-websocket
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

log() { echo "kiosk-watchdog: $*"; }

mkdir -p "$WATCH_STATE"
# The browser's pid from its pid file, if that process runs and belongs to the file's owner
# (this runs as root; the file is the kiosk user's, who must not get other processes killed).
browser_pid() {
    local pid
    pid="$(cat "$PID_FILE" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    [ -d "/proc/$pid" ] || return 1
    [ "$(stat -c %u "/proc/$pid")" = "$(stat -c %u "$PID_FILE")" ] || return 1
    echo "$pid"
}

restart() {
    log "restarting the browser: $1"
    local pid
    if pid="$(browser_pid)"; then
        kill -KILL "$pid" 2>/dev/null || true # hung: TERM would wait for it in vain
    fi
    echo 0 >"$WATCH_STATE/failures"
    bash -c "$RESTART"
}

failed() {
    local count
    count=$(($(cat "$WATCH_STATE/failures" 2>/dev/null || echo 0) + 1))
    echo "$count" >"$WATCH_STATE/failures"
    log "$1 (check $count of $FAILURES)"
    if [ "$count" -ge "$FAILURES" ]; then
        restart "$1"
    fi
    exit 0
}

if ! browser_pid >/dev/null; then
    failed "the browser is not running"
fi
if [ $(($(date +%s) - $(stat -c %Y "$PID_FILE"))) -lt "$GRACE" ]; then
    exit 0 # just started: give it time to open DevTools and the page
fi
if ! curl -fsS -o /dev/null --max-time "$TIMEOUT" "http://127.0.0.1:$DEVTOOLS_PORT/json/version"; then
    failed "the browser does not answer on 127.0.0.1:$DEVTOOLS_PORT"
fi
if ! href="$("$PYTHON" "$HERE/kiosk-page.py" --port "$DEVTOOLS_PORT" --timeout "$TIMEOUT" href)"; then
    failed "the page does not answer (hung)"
fi
echo 0 >"$WATCH_STATE/failures"

if [[ "$href" == chrome-error://* ]]; then
    status="$(curl -s -o /dev/null -w '%{http_code}' --max-time "$TIMEOUT" "$KIOSK_URL" || true)"
    if [ "$status" != 200 ]; then
        log "the page failed to load; the server still does not answer (${status:-no answer})"
    elif "$PYTHON" "$HERE/kiosk-page.py" --port "$DEVTOOLS_PORT" --timeout "$TIMEOUT" reload; then
        log "the page had failed to load and the server answers again: reloaded it"
    else
        restart "the page had failed to load and does not reload"
    fi
fi
