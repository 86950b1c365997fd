#!/bin/sh
# Render ops/nginx/vorzimmer.conf.template into an nginx conf.d file:
#
#   ops/nginx/render.sh [OUTPUT]     (default /etc/nginx/conf.d/default.conf)
#
# The same step everywhere: compose mounts this script into the official nginx image's
# /docker-entrypoint.d/ (it runs before nginx starts), bare metal and tests/stack run it
# directly. POSIX sh + envsubst (both in the official image and Debian's gettext-base).
#
# From the environment:
#   DOMAIN             the public host name (server_name, redirects)             required
#   WEB_UPSTREAMS      the web processes, "host:port host:port ..."               required
#   STATIC_ROOT        collectstatic's output, served under /static/              required
#   HTTP_PORT / HTTPS_PORT                                                        80 / 443
#   TLS_CERT / TLS_KEY certificate chain and key   /etc/letsencrypt/live/$DOMAIN/{fullchain,privkey}.pem
#   ACME_ROOT          certbot's --webroot directory                              /var/www/certbot
#   METRICS_ALLOW      networks that may read /metrics, e.g. "10.0.0.0/8 192.168.1.5"   none
#   GRAPHQL_MAX_BODY_BYTES  the app's request body limit, enforced here too       100000
#   ACCESS_LOG         where nginx writes its access log                          /dev/stdout
#   NGINX_BROTLI       on|off|auto (auto: on when Debian's brotli module is installed)  auto
#   VORZIMMER_NGINX_TEMPLATE  the template (default: next to this script, or /etc/nginx/vorzimmer/)
# Until TLS_CERT exists (before certbot's first run) only the port-80 server is rendered,
# so nginx starts and can answer the ACME challenge; re-run this and reload nginx after.
set -eu

OUTPUT="${1:-/etc/nginx/conf.d/default.conf}"
HERE="$(cd "$(dirname "$0")" && pwd)"
TEMPLATE="${VORZIMMER_NGINX_TEMPLATE:-$HERE/vorzimmer.conf.template}"
[ -f "$TEMPLATE" ] || TEMPLATE=/etc/nginx/vorzimmer/vorzimmer.conf.template

: "${DOMAIN:?DOMAIN is required (the public host name)}"
: "${WEB_UPSTREAMS:?WEB_UPSTREAMS is required, e.g. web1:8000 web2:8000}"
: "${STATIC_ROOT:?STATIC_ROOT is required (collectstatic output)}"
export DOMAIN STATIC_ROOT
export HTTP_PORT="${HTTP_PORT:-80}"
export HTTPS_PORT="${HTTPS_PORT:-443}"
export TLS_CERT="${TLS_CERT:-/etc/letsencrypt/live/$DOMAIN/fullchain.pem}"
export TLS_KEY="${TLS_KEY:-/etc/letsencrypt/live/$DOMAIN/privkey.pem}"
export ACME_ROOT="${ACME_ROOT:-/var/www/certbot}"
export MAX_BODY_BYTES="${GRAPHQL_MAX_BODY_BYTES:-100000}"
export ACCESS_LOG="${ACCESS_LOG:-/dev/stdout}"

if [ "$HTTPS_PORT" = 443 ]; then
    export HTTPS_PORT_SUFFIX=""
else
    export HTTPS_PORT_SUFFIX=":$HTTPS_PORT"
fi

# Passive health: a process that fails (refused, timed out) rests for 5 s, then gets tried again.
UPSTREAM_SERVERS=""
UPSTREAM_WEBSOCKET_SERVERS=""
for server in $WEB_UPSTREAMS; do
    UPSTREAM_SERVERS="$UPSTREAM_SERVERS    server $server max_fails=1 fail_timeout=5s;
"
    UPSTREAM_WEBSOCKET_SERVERS="$UPSTREAM_WEBSOCKET_SERVERS    server $server max_fails=0;
"
done
export UPSTREAM_SERVERS UPSTREAM_WEBSOCKET_SERVERS

METRICS_ALLOW_RULES=""
for network in $(echo "${METRICS_ALLOW:-}" | tr ',' ' '); do
    METRICS_ALLOW_RULES="$METRICS_ALLOW_RULES        allow $network;
"
done
export METRICS_ALLOW_RULES

brotli="${NGINX_BROTLI:-auto}"
if [ "$brotli" = auto ]; then
    if [ -e /usr/lib/nginx/modules/ngx_http_brotli_filter_module.so ]; then
        brotli=on
    else
        brotli=off
    fi
fi
if [ "$brotli" = on ]; then
    export BROTLI_ON="    brotli on;
    brotli_comp_level 5;
    brotli_types text/css text/javascript application/javascript application/json
                 image/svg+xml text/plain application/manifest+json;"
    export BROTLI_OFF="        brotli off;"
else
    export BROTLI_ON="" BROTLI_OFF=""
fi

# Only these names: nginx's own $variables ($host, $request_uri, ...) must stay as they are.
# shellcheck disable=SC2016  # literal ${NAME}s: envsubst's list of what to replace
NAMES='${DOMAIN} ${HTTP_PORT} ${HTTPS_PORT} ${HTTPS_PORT_SUFFIX} ${TLS_CERT} ${TLS_KEY}
${ACME_ROOT} ${STATIC_ROOT} ${MAX_BODY_BYTES} ${ACCESS_LOG} ${UPSTREAM_SERVERS}
${UPSTREAM_WEBSOCKET_SERVERS}
${METRICS_ALLOW_RULES} ${BROTLI_ON} ${BROTLI_OFF}'

if [ -f "$TLS_CERT" ]; then
    envsubst "$NAMES" < "$TEMPLATE" > "$OUTPUT.tmp"
else
    echo "render.sh: $TLS_CERT does not exist yet: http only (ACME challenge and redirect)" >&2
    sed '/^# --- https/,$d' "$TEMPLATE" | envsubst "$NAMES" > "$OUTPUT.tmp"
fi
mv "$OUTPUT.tmp" "$OUTPUT"
