#!/usr/bin/env bash
# Turns a Raspberry Pi (Raspberry Pi OS Lite 64-bit, Bookworm) into a vorzimmer check-in kiosk
# or waiting-room call display. Run once as root on the Pi; running it again with other
# arguments changes the set-up (idempotent).
#
#   sudo ./setup.sh --server https://termine.musterhausen.de --role display --location rathaus \
#       [--pair-code 12345678 | --pair] [--params 'theme=dark&font_size=large'] [--no-start]
#   sudo ./setup.sh --server https://termine.musterhausen.de --role kiosk --location rathaus
#
# --role display  /display/queue?location=…  The board is public; pairing is optional (an
#                 admin can then see and revoke the TV, and a paired TV may leave --location
#                 out). `--pair-code CODE`, or `--pair` to be asked without echo, takes the code
#                 of `manage.py pair_device --kind=display --location=…` (valid 15 minutes); it
#                 is used once, in the address's fragment (#pair=…, never sent to the server)
#                 on the browser's first start; the token it buys stays in the browser profile.
# --role kiosk    /kiosk?location=…  A kiosk must be paired: after the first start, type the
#                 code of `manage.py pair_device --kind=kiosk --location=…` on its screen.
# --params        more page parameters (lang, theme, font_size, speak; see the README).
#
# It installs Debian's chromium, cage (a one-window Wayland compositor), curl and
# python3-websocket (the watchdog's DevTools client); creates the
# unprivileged user `kiosk` (no password, no shell, no SSH keys; home /var/lib/vorzimmer-kiosk
# holds the browser profile); writes /etc/vorzimmer-kiosk.conf; installs kiosk-browser.sh,
# kiosk-watchdog.sh and kiosk-page.py into /usr/local/lib/vorzimmer-kiosk and the systemd
# units (the browser on tty1 with Restart=always, the watchdog timer); turns console blanking
# off; and (unless --no-start) starts the browser.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CONF=/etc/vorzimmer-kiosk.conf
LIB=/usr/local/lib/vorzimmer-kiosk
KIOSK_USER=kiosk
KIOSK_HOME=/var/lib/vorzimmer-kiosk

SERVER=""
ROLE=""
LOCATION=""
PARAMS=""
PAIR_CODE=""
ASK_CODE=0
START=1

fail() {
    echo "setup.sh: $*" >&2
    exit 1
}
step() { echo "== $*"; }

while [ $# -gt 0 ]; do
    case "$1" in
        --server | --role | --location | --params | --pair-code)
            [ $# -ge 2 ] || fail "$1 needs a value"
            case "$1" in
                --server) SERVER="${2%/}" ;;
                --role) ROLE="$2" ;;
                --location) LOCATION="$2" ;;
                --params) PARAMS="$2" ;;
                --pair-code) PAIR_CODE="$2" ;;
            esac
            shift 2
            ;;
        --pair) ASK_CODE=1 && shift ;;
        --no-start) START=0 && shift ;;
        -h | --help) sed -n '2,26p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' && exit 0 ;;
        *) fail "unknown argument $1 (see --help)" ;;
    esac
done

# Check everything before changing anything.
[[ "$SERVER" =~ ^https?://[A-Za-z0-9.-]+(:[0-9]+)?$ ]] ||
    fail "--server must be the server's address, e.g. https://termine.musterhausen.de (no path)"
[[ "$SERVER" == https://* ]] || echo "setup.sh: warning: $SERVER is not https; use it only in a test network" >&2
case "$ROLE" in
    display) PAGE=/display/queue ;;
    kiosk) PAGE=/kiosk ;;
    *) fail "--role must be display or kiosk" ;;
esac
if [ -z "$LOCATION" ]; then
    # A paired display learns its location from its token, so its address may leave it out.
    if [ "$ROLE" != display ] || { [ -z "$PAIR_CODE" ] && [ "$ASK_CODE" = 0 ]; }; then
        fail "--location is needed (only a display paired with --pair-code/--pair may leave it out)"
    fi
else
    [[ "$LOCATION" =~ ^[A-Za-z0-9_-]+$ ]] || fail "--location must be the location's slug, e.g. rathaus"
fi
[[ -z "$PARAMS" || "$PARAMS" =~ ^[A-Za-z0-9_]+=[A-Za-z0-9_.-]*(\&[A-Za-z0-9_]+=[A-Za-z0-9_.-]*)*$ ]] ||
    fail "--params must look like 'theme=dark&font_size=large'"
if [ "$ASK_CODE" = 1 ]; then
    read -rsp "Pairing code (8 digits, from manage.py pair_device --kind=$ROLE): " PAIR_CODE
    echo
fi
if [ -n "$PAIR_CODE" ]; then
    [ "$ROLE" = display ] ||
        fail "a kiosk is paired on its own screen: start it, then type the code there (no --pair-code)"
    [[ "$PAIR_CODE" =~ ^[0-9]{8}$ ]] || fail "the pairing code has 8 digits"
fi
QUERY="${LOCATION:+location=$LOCATION}"
QUERY="$QUERY${QUERY:+${PARAMS:+&}}$PARAMS"
URL="$SERVER$PAGE${QUERY:+?$QUERY}"

[ "$(id -u)" -eq 0 ] || fail "run me as root (sudo)"

step "packages: chromium, cage, curl, python3-websocket, fonts"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# fonts-noto-core: the pages' five languages (Arabic, Cyrillic, Turkish) on a Lite system.
apt-get install -y -qq --no-install-recommends \
    chromium cage curl python3 python3-websocket fonts-noto-core dbus-user-session >/dev/null

step "user $KIOSK_USER (no password, no shell, home $KIOSK_HOME)"
if ! id "$KIOSK_USER" >/dev/null 2>&1; then
    useradd --system --user-group --home-dir "$KIOSK_HOME" --create-home --shell /usr/sbin/nologin \
        --comment "vorzimmer kiosk browser" "$KIOSK_USER"
fi
passwd --lock "$KIOSK_USER" >/dev/null
for group in video render input audio; do
    if getent group "$group" >/dev/null; then usermod -aG "$group" "$KIOSK_USER"; fi
done
install -d -m 0700 -o "$KIOSK_USER" -g "$KIOSK_USER" "$KIOSK_HOME"

step "configuration $CONF"
umask 022
cat >"$CONF.new" <<CONF_EOF
# vorzimmer kiosk, written by ops/kiosk/setup.sh (run it again to change this).
KIOSK_ROLE=$ROLE
KIOSK_LOCATION=$LOCATION
KIOSK_URL='$URL'
KIOSK_DEVTOOLS_PORT=9222
CHROMIUM=/usr/bin/chromium
CONF_EOF
mv "$CONF.new" "$CONF"
echo "   $URL"

if [ -n "$PAIR_CODE" ]; then
    step "pairing code for the first start (deleted when the browser takes it)"
    install -m 0600 -o "$KIOSK_USER" -g "$KIOSK_USER" /dev/null "$KIOSK_HOME/pair-code"
    printf '%s\n' "$PAIR_CODE" >"$KIOSK_HOME/pair-code"
fi

step "scripts in $LIB"
install -d -m 0755 "$LIB"
install -m 0755 "$HERE/kiosk-browser.sh" "$HERE/kiosk-watchdog.sh" "$HERE/kiosk-page.py" "$LIB/"

step "systemd units and the PAM session (automatic log-in of $KIOSK_USER on tty1)"
install -m 0644 "$HERE/vorzimmer-kiosk.pam" /etc/pam.d/vorzimmer-kiosk
install -m 0644 "$HERE"/systemd/vorzimmer-kiosk.service "$HERE"/systemd/vorzimmer-kiosk-watchdog.service \
    "$HERE"/systemd/vorzimmer-kiosk-watchdog.timer /etc/systemd/system/
systemctl daemon-reload
systemctl disable getty@tty1.service >/dev/null 2>&1 || true
systemctl enable vorzimmer-kiosk.service vorzimmer-kiosk-watchdog.timer
systemctl set-default graphical.target >/dev/null

step "screen blanking off"
# The text console blanks after 10 minutes by default (before cage takes tty1, and on a VT
# switch); cage itself never blanks or powers the screen down (it runs no idle manager).
for cmdline in /boot/firmware/cmdline.txt /boot/cmdline.txt; do
    if [ -f "$cmdline" ]; then
        grep -q 'consoleblank=0' "$cmdline" || sed -i '1 s/$/ consoleblank=0/' "$cmdline"
        break
    fi
done
setterm --blank 0 --powerdown 0 --term linux </dev/tty1 >/dev/tty1 2>/dev/null || true

if [ "$START" = 1 ]; then
    step "starting the browser"
    systemctl restart vorzimmer-kiosk.service
    systemctl start vorzimmer-kiosk-watchdog.timer
fi
step "done: $ROLE on $URL"
if [ "$ROLE" = kiosk ]; then
    echo "   Pair it: manage.py pair_device --kind=kiosk --location=$LOCATION, type the code on its screen."
fi
