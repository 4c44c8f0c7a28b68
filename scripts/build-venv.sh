#!/usr/bin/env bash
# Build a virtual environment from pinned requirements: build-venv.sh DIR PYTHON_VERSION REQ...
# Each REQ is a hashed file compiled by `make requirements` (pip-compile --generate-hashes);
# pip installs in hash-checking mode, so a file or download that does not match its hash fails.
# Holds a lock on DIR.lock; writes DIR/.installed only when everything installed.
set -euo pipefail
dir="$1"; version="$2"; shift 2
mkdir -p "$(dirname "$dir")"
exec 9>"$dir.lock"
flock 9
if [ -f "$dir/.installed" ]; then
  exit 0  # another build finished while we waited
fi
rm -rf "$dir"
"$(dirname "$0")/find-python.sh" "$version" >/dev/null
"$("$(dirname "$0")/find-python.sh" "$version")" -m venv "$dir"
"$dir/bin/python" -m pip install --quiet --upgrade "pip==24.0"
args=()
for requirements in "$@"; do args+=(-r "$requirements"); done
"$dir/bin/python" -m pip install --require-hashes --progress-bar on "${args[@]}"
touch "$dir/.installed"
