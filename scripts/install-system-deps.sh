#!/usr/bin/env bash
# System packages the test suite needs (Debian): headless chromium and its
# driver for the widget's browser test, tmux for terminal tests, PostgreSQL and
# Redis for the reliability tests (tests/reliability start their own servers on
# 127.0.0.1 in a temporary folder; the packages' own services are not used),
# and npm, which fetches rasa-webchat for its browser test
# (tests/support/rasa_webchat.py) when the machine has no npm of its own
# (a Node.js that ships npm, as on the team's machines, is kept).
# Idempotent; CI calls it before `make test`. Needs root (or sudo).
set -euo pipefail

PACKAGES=(chromium chromium-driver tmux postgresql redis-server)

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages present: ${PACKAGES[*]} npm"
  exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
