#!/usr/bin/env bash
# Starts Chromium full-screen on the page of /etc/vorzimmer-kiosk.conf (written by setup.sh):
# a check-in kiosk (/kiosk?location=…) or a waiting-room call display (/display/queue?…).
# vorzimmer-kiosk.service runs it inside cage on tty1 (Restart=always); kiosk-watchdog.sh
# restarts it when it hangs or shows Chromium's error page.
#
# A call display's pairing code, left by setup.sh in $STATE_DIR/pair-code, is used on this
# start only: it goes into the address's fragment (`#pair=<code>`, which the browser never
# sends to the server), and the file is deleted before Chromium starts. The page trades the
# code for the device's token, keeps that in the profile's localStorage and drops the code
# from the address; every later start opens the plain address.
#
# Environment overrides (tests, debugging): KIOSK_CONF (the config file), KIOSK_STATE_DIR
# (profile, pid file, pairing code; default /var/lib/vorzimmer-kiosk), KIOSK_CHROMIUM (the
# binary), KIOSK_CHROMIUM_FLAGS (extra flags, e.g. "--headless --no-sandbox").
set -euo pipefail

CONF="${KIOSK_CONF:-/etc/vorzimmer-kiosk.conf}"
[ -r "$CONF" ] || { echo "kiosk-browser.sh: cannot read $CONF (run ops/kiosk/setup.sh)" >&2; exit 78; }
# shellcheck source=/dev/null  # written by setup.sh: KEY=value lines
. "$CONF"
: "${KIOSK_URL:?$CONF sets no KIOSK_URL}"
STATE_DIR="${KIOSK_STATE_DIR:-/var/lib/vorzimmer-kiosk}"
CHROMIUM="${KIOSK_CHROMIUM:-${CHROMIUM:-/usr/bin/chromium}}"
DEVTOOLS_PORT="${KIOSK_DEVTOOLS_PORT:-9222}"
PROFILE="$STATE_DIR/profile"

mkdir -p "$PROFILE"
url="$KIOSK_URL"
if [ -f "$STATE_DIR/pair-code" ]; then
    code="$(tr -cd '0-9' <"$STATE_DIR/pair-code")"
    rm -f "$STATE_DIR/pair-code" # once only: a used code is worthless, a kept one a secret
    if [ -n "$code" ]; then
        url="$url#pair=$code"
        echo "kiosk-browser.sh: pairing with the code from setup.sh (once)"
    fi
fi

# After a power cut Chromium would offer to restore the last session in a bubble nobody
# can click: mark the last exit as clean.
if [ -f "$PROFILE/Default/Preferences" ]; then
    sed -i -e 's/"exited_cleanly":false/"exited_cleanly":true/' \
        -e 's/"exit_type":"[^"]*"/"exit_type":"Normal"/' "$PROFILE/Default/Preferences"
fi

# The pid this script execs into is Chromium's main process (Debian's launcher execs too).
echo "$$" >"$STATE_DIR/browser.pid"

# --ozone-platform=wayland under cage (Chromium would look for an X server otherwise).
# --kiosk-printing: a kiosk's ticket goes to the default printer without a print dialog.
# DevTools on 127.0.0.1 only, for the watchdog (Chromium binds it to the loopback address).
# shellcheck disable=SC2086  # KIOSK_CHROMIUM_FLAGS is a list of flags
exec "$CHROMIUM" \
    --kiosk \
    --noerrdialogs \
    --disable-session-crashed-bubble \
    --autoplay-policy=no-user-gesture-required \
    --kiosk-printing \
    --user-data-dir="$PROFILE" \
    --no-first-run \
    --no-default-browser-check \
    --disable-translate \
    --disable-features=Translate,TranslateUI \
    --disable-pinch \
    --overscroll-history-navigation=0 \
    --password-store=basic \
    --check-for-update-interval=31536000 \
    --remote-debugging-address=127.0.0.1 \
    --remote-debugging-port="$DEVTOOLS_PORT" \
    ${WAYLAND_DISPLAY:+--ozone-platform=wayland} \
    ${KIOSK_CHROMIUM_FLAGS:-} \
    "$url"
