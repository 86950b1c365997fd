#!/usr/bin/env bash
# Re-fetch the vendored browser libraries of frontend_static/vendor/ at their pinned versions.
#
# The pages are plain ES modules served as they are (no build step), so the few libraries
# they use are committed as files. This script is how those files were made: it downloads
# the pinned package tarball with the ordinary npm client (`npm pack`), checks it against
# the pinned integrity hash, and copies the browser ESM build and the license file.
#
#   ops/vendor-frontend.sh          re-fetch and overwrite frontend_static/vendor/
#   ops/vendor-frontend.sh --check  re-fetch into a temp dir and fail if the committed files differ
#
# To upgrade: change VERSION and INTEGRITY below (`npm view graphql-ws@X dist.integrity`),
# run the script, and read the diff.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/frontend_static/vendor"

# graphql-ws: the graphql-transport-ws client (MIT). Only its browser build is used:
# dist/client.js and the shared chunk it imports (self-contained, no `graphql` import).
GRAPHQL_WS_VERSION="6.4.2"
GRAPHQL_WS_INTEGRITY="sha512-wxhPhhOGJo8PbGDkBYVE76sZLDrS+GkyrR4bZECSLVbo0pZZNKs0HtBh2Ip/uaUuiVUxwO9ssI9R92buQfNSqQ=="

CHECK=0
if [ "${1:-}" = "--check" ]; then
    CHECK=1
fi

command -v npm >/dev/null || { echo "npm is needed (apt-get install npm)" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

fetch() {  # name version integrity -> unpacked into $WORK/<name>/package
    local name="$1" version="$2" integrity="$3" tarball actual
    mkdir -p "$WORK/$name"
    tarball="$(cd "$WORK/$name" && npm pack --silent "$name@$version" 2>/dev/null | tail -n 1)"
    actual="sha512-$(openssl dgst -sha512 -binary "$WORK/$name/$tarball" | base64 -w0)"
    if [ "$actual" != "$integrity" ]; then
        echo "integrity mismatch for $name@$version: got $actual" >&2
        exit 1
    fi
    tar -xzf "$WORK/$name/$tarball" -C "$WORK/$name"
}

OUT="$WORK/out"
mkdir -p "$OUT/graphql-ws"

fetch graphql-ws "$GRAPHQL_WS_VERSION" "$GRAPHQL_WS_INTEGRITY"
PKG="$WORK/graphql-ws/package"
cp "$PKG/dist/client.js" "$OUT/graphql-ws/client.js"
# the hashed shared chunk(s) client.js imports, by the names it imports them under
grep -oE "from '\./[A-Za-z0-9_.-]+\.js'" "$PKG/dist/client.js" | sed -E "s/from '\.\/(.*)'/\1/" | sort -u |
    while read -r chunk; do
        cp "$PKG/dist/$chunk" "$OUT/graphql-ws/$chunk"
    done
cp "$PKG/LICENSE.md" "$OUT/graphql-ws/LICENSE.md"
printf 'graphql-ws %s\n%s\nfrom the npm registry tarball; files: dist/client.js and its chunk(s), LICENSE.md\n' \
    "$GRAPHQL_WS_VERSION" "$GRAPHQL_WS_INTEGRITY" > "$OUT/graphql-ws/VERSION"

if [ "$CHECK" = 1 ]; then
    if diff -r "$OUT/graphql-ws" "$DEST/graphql-ws"; then
        echo "frontend_static/vendor matches the pinned versions"
    else
        echo "frontend_static/vendor differs from the pinned versions" >&2
        exit 1
    fi
    exit 0
fi

rm -rf "$DEST/graphql-ws"
mkdir -p "$DEST"
cp -r "$OUT/graphql-ws" "$DEST/graphql-ws"
echo "vendored graphql-ws $GRAPHQL_WS_VERSION into frontend_static/vendor/graphql-ws"
