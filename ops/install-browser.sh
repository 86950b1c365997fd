#!/usr/bin/env bash
# Debian's Chromium for the end-to-end tests (tests/e2e), installed once per machine.
#
# Playwright's own browser download (`playwright install`) is never used: this machine's
# network refuses it, and the browser a test drives should be the distribution's, patched by
# Debian. Playwright's Python package only ships its driver; tests/e2e/conftest.py launches
# /usr/bin/chromium through `executable_path`.
#
# Idempotent: does nothing but print the version when /usr/bin/chromium is already there.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ ! -x "$CHROMIUM" ]; then
    "$(dirname "$0")/apt-install.sh" "for tests/e2e" chromium
fi

# Debian's launcher may print "[: <number> <number>: unexpected operator" first: its
# /etc/chromium.d/dev-shm check breaks when /dev/shm is mounted twice (as on these machines).
# It is harmless: the check only decides whether to add --disable-dev-shm-usage.
"$CHROMIUM" --headless --no-sandbox --disable-gpu --version
