#!/usr/bin/env bash
# Debian packages tests/ops needs, installed only when missing:
# - shellcheck: lints ops/update.sh and ops/kiosk/*.sh;
# - python3-websocket: Debian's python3 runs ops/kiosk/kiosk-page.py as on the Pi;
# - systemd: systemd-analyze verifies the kiosk's units.
set -euo pipefail

missing=()
command -v shellcheck >/dev/null || missing+=(shellcheck)
/usr/bin/python3 -c "import websocket" 2>/dev/null || missing+=(python3-websocket)
command -v systemd-analyze >/dev/null || missing+=(systemd)

if [ "${#missing[@]}" -gt 0 ]; then
    "$(dirname "$0")/apt-install.sh" "for tests/ops" "${missing[@]}"
fi
shellcheck --version | sed -n 2p
