#!/usr/bin/env bash
# Debian's nginx (and its brotli filter module) for a bare-metal proxy and for tests/stack,
# installed once per machine. compose.yaml uses the official nginx image instead; both read
# the same site template (ops/nginx/vorzimmer.conf.template).
#
# Idempotent: installs only what is missing, then prints nginx's version.
set -euo pipefail

NGINX=/usr/sbin/nginx
# Debian installs dynamic modules' load lines here; the brotli filter is optional (gzip stays).
BROTLI_MODULE_CONF=/usr/share/nginx/modules-available/mod-http-brotli-filter.conf

missing=()
[ -x "$NGINX" ] || missing+=(nginx)
[ -e "$BROTLI_MODULE_CONF" ] || missing+=(libnginx-mod-http-brotli-filter)

if [ "${#missing[@]}" -gt 0 ]; then
    # Debian starts the packaged nginx on :80 after installing it; on a test machine that
    # port may be taken, so a failed start of the distribution's own service must not fail
    # the installation (tests run their own nginx).
    "$(dirname "$0")/apt-install.sh" "for ops/nginx and tests/stack" "${missing[@]}" || {
        [ -x "$NGINX" ] || exit 1
    }
fi

"$NGINX" -v
