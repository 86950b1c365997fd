#!/usr/bin/env bash
# Vendor axe-core's browser bundle for tests/e2e (axe_violations in conftest.py).
#
# The result is committed (axe.min.js, LICENSE, LICENSE-3RD-PARTY.txt, VERSION), so test runs
# need no network and no node_modules. Re-run only to move to another version: change
# AXE_VERSION and commit the new files. npm checks the tarball against the registry's
# integrity hash; the bundle is checked again against axe-core's own SRI history.
set -euo pipefail

AXE_VERSION="4.14.1"
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
npm pack --silent "axe-core@${AXE_VERSION}" >/dev/null
tar -xzf "axe-core-${AXE_VERSION}.tgz"

expected="$(python3 -c 'import json, sys
print(json.load(open("package/sri-history.json"))[sys.argv[1]]["axe.min.js"])' "$AXE_VERSION")"
actual="sha256-$(openssl dgst -sha256 -binary package/axe.min.js | base64)"
if [ "$expected" != "$actual" ]; then
    echo "axe.min.js does not match axe-core's SRI history ($actual != $expected)" >&2
    exit 1
fi

cp package/axe.min.js package/LICENSE package/LICENSE-3RD-PARTY.txt "$HERE/"
echo "axe-core ${AXE_VERSION} from the npm registry (MPL-2.0), axe.min.js ${actual}" \
    >"$HERE/VERSION"
cat "$HERE/VERSION"
