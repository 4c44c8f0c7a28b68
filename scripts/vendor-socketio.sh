#!/usr/bin/env bash
# Refresh web/vendor/ with the Socket.IO browser client from the npm registry.
# The files are committed (47 KB), so a fresh clone, `make run` and CI need no
# npm and no build step; run this only to change the pinned version.
#   scripts/vendor-socketio.sh [VERSION]
set -euo pipefail

VERSION="${1:-4.8.1}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENDOR="$ROOT/web/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

(cd "$WORK" && npm pack --silent "socket.io-client@$VERSION" >/dev/null && tar xzf "socket.io-client-$VERSION.tgz")
mkdir -p "$VENDOR"
cp "$WORK/package/dist/socket.io.min.js" "$VENDOR/socket.io.min.js"
cp "$WORK/package/LICENSE" "$VENDOR/socket.io.LICENSE"
(cd "$VENDOR" && sha256sum socket.io.min.js > socket.io.min.js.sha256)
echo "socket.io-client $VERSION vendored in web/vendor/ (python-socketio 5 on the Rasa side speaks its protocol v5)"
