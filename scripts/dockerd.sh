#!/usr/bin/env bash
# Make sure a Docker engine answers: start one (Debian's docker.io) when none does.
# On the project's machines no engine runs and no bridge may be used: the daemon
# gets --bridge=none --iptables=false, and every container uses host networking
# (deploy/compose.host.yml). Installs docker.io, docker-compose and debootstrap
# with apt when missing. Idempotent; needs root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if docker info >/dev/null 2>&1; then
  exit 0
fi
log="${DOCKERD_LOG:-/var/log/clinic-faq-dockerd.log}"
echo "==> starting dockerd --bridge=none --iptables=false (log: $log)"
# setsid: the daemon outlives this make run, and keeps its images and layer cache
# in /var/lib/docker, so the next build on this machine reuses them.
setsid dockerd --bridge=none --iptables=false >>"$log" 2>&1 < /dev/null &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    exit 0
  fi
  sleep 1
done
echo "dockerd did not answer within 60 s; see $log" >&2
exit 1
