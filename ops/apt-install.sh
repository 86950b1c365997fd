#!/usr/bin/env bash
# Install Debian packages (as root, or through sudo): `ops/apt-install.sh "<what for>" pkg...`.
# The machine's installers (install-browser.sh, install-proxy.sh, install-test-tools.sh) decide
# what is missing and call this; it prints one line and installs quietly.
set -euo pipefail

purpose=$1
shift
echo "== installing Debian's $* ($purpose)"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
