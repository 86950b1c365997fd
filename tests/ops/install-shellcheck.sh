#!/usr/bin/env bash
# Debian's shellcheck for tests/ops (lints ops/update.sh and ops/kiosk/*.sh); installs only
# when missing. Without it tests/ops still checks the scripts' syntax with `bash -n`.
set -euo pipefail

if ! command -v shellcheck >/dev/null; then
    echo "== installing Debian's shellcheck (for tests/ops)"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        SUDO="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends shellcheck >/dev/null
fi
shellcheck --version | sed -n 2p
