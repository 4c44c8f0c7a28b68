#!/usr/bin/env bash
# Print the path of a working python interpreter of the given minor version (3.10, 3.11).
# Looks at $PYTHON<ver without dot>, pyenv's versions, then the PATH.
set -euo pipefail
want="$1"
var="PYTHON${want/./}"
candidates=()
[ -n "${!var:-}" ] && candidates+=("${!var}")
root="$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"
for dir in "$root"/versions/"$want".*/bin; do
  [ -x "$dir/python$want" ] && candidates+=("$dir/python$want")
done
candidates+=("/usr/bin/python$want" "/usr/local/bin/python$want" "python$want")
for candidate in "${candidates[@]}"; do
  if "$candidate" -c "import sys; assert sys.version_info[:2] == tuple(map(int, '$want'.split('.')))" >/dev/null 2>&1; then
    command -v "$candidate" || echo "$candidate"
    exit 0
  fi
done
echo "no working python$want found: install it (pyenv install $want) or set $var" >&2
exit 1
