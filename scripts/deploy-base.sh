#!/usr/bin/env bash
# Local stand-ins for the official base images, for machines that reach no image
# registry (the project's machines: Debian's package mirror and PyPI only).
#   scripts/deploy-base.sh debian|python3.10|python3.11
# prints the tag of the image to pass as BASE_IMAGE (deploy/*.Dockerfile), building
# it first unless docker already holds it. Tags carry a hash of what the image is
# built from (this script and, for 3.10, the interpreter's files), so a changed
# input builds a new image and an unchanged one is reused from docker's store.
#
# - debian:     debootstrap --variant=minbase of Debian bookworm, `docker import`ed
#               (stands in for debian:bookworm-slim);
# - python3.11: that plus Debian bookworm's own python3 (3.11) and venv
#               (stands in for python:3.11-slim-bookworm);
# - python3.10: that plus the CPython 3.10 build of this machine's pyenv, copied to
#               /usr/local as the official image has it, with the Debian libraries its
#               modules link against (stands in for python:3.10-slim-bookworm; bookworm
#               ships no 3.10, and rasa 3.6 needs < 3.11). Needs pyenv's 3.10 here
#               (scripts/find-python.sh finds it).
# Everything goes to stderr except the tag. Needs root (debootstrap) and dockerd.
set -euo pipefail
kind="$1"
here="$(cd "$(dirname "$0")" && pwd)"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
export DOCKER_BUILDKIT=0

script_hash="$(sha256sum "$0" | cut -c1-12)"

have() { docker image inspect "$1" >/dev/null 2>&1; }
# docker build, its output shown only when it fails.
quiet_build() {
  local log
  log="$(mktemp)"
  docker build --network host -t "$1" "$2" >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; return 1; }
  rm -f "$log"
}

debian_base() {
  local tag="clinic-faq-standin/debian:bookworm-slim-$script_hash"
  if ! have "$tag"; then
    local root
    root="$(mktemp -d /var/tmp/clinic-faq-rootfs.XXXXXX)"
    echo "==> debootstrap bookworm (minbase) into $root: a few minutes, once per machine" >&2
    debootstrap --variant=minbase --include=ca-certificates bookworm "$root" "$MIRROR" >&2
    cat > "$root/etc/apt/sources.list" <<SOURCES
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb ${MIRROR%/debian}/debian-security bookworm-security main
SOURCES
    # As the official slim images: no recommends, no docs, no caches.
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' > "$root/etc/apt/apt.conf.d/90no-recommends"
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
      "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/*
    tar -C "$root" -c . | docker import \
      --change 'ENV LANG=C.UTF-8' \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["bash"]' \
      - "$tag" >/dev/null
    rm -rf "$root"
  fi
  echo "$tag"
}

python311_base() {
  local debian tag context
  debian="$(debian_base)"
  tag="clinic-faq-standin/python:3.11-slim-bookworm-$script_hash"
  if ! have "$tag"; then
    context="$(mktemp -d)"
    cat > "$context/Dockerfile" <<DOCKERFILE
FROM $debian
RUN apt-get update && apt-get install -y python3 python3-venv && rm -rf /var/lib/apt/lists/* \
 && ln -s /usr/bin/python3 /usr/local/bin/python
CMD ["python3"]
DOCKERFILE
    echo "==> $tag" >&2
    quiet_build "$tag" "$context"
    rm -rf "$context"
  fi
  echo "$tag"
}

python310_base() {
  local debian tag context prefix files_hash
  prefix="$(dirname "$(dirname "$("$here/find-python.sh" 3.10)")")"
  files_hash="$(cat "$prefix/bin/python3.10" "$prefix/lib/libpython3.10.so.1.0" | sha256sum | cut -c1-8)"
  debian="$(debian_base)"
  tag="clinic-faq-standin/python:3.10-slim-bookworm-$script_hash-$files_hash"
  if ! have "$tag"; then
    context="$(mktemp -d)"
    # The interpreter, its shared library and standard library; not pyenv's
    # site-packages (venvs bring their own pip), tests, Tk or the static library.
    tar -C "$prefix" -cf "$context/python.tar" \
      --exclude='lib/python3.10/test' --exclude='lib/python3.10/site-packages/*' \
      --exclude='lib/python3.10/tkinter' --exclude='lib/python3.10/idlelib' \
      --exclude='lib/python3.10/lib-dynload/_tkinter*' --exclude='lib/python3.10/config-3.10-*/*.a' \
      bin/python3.10 lib include
    cat > "$context/Dockerfile" <<DOCKERFILE
FROM $debian
# The libraries the interpreter's modules link against (ssl, sqlite3, ctypes, ...).
RUN apt-get update && apt-get install -y libssl3 libsqlite3-0 libffi8 libbz2-1.0 liblzma5 \
      libncursesw6 libreadline8 zlib1g libuuid1 libexpat1 libnsl2 libtirpc3 libcrypt1 \
 && rm -rf /var/lib/apt/lists/*
ADD python.tar /usr/local/
RUN ldconfig && ln -s python3.10 /usr/local/bin/python3 && ln -s python3.10 /usr/local/bin/python \
 && python3 -c 'import ssl, sqlite3, ctypes, lzma, bz2, venv, ensurepip; print("python", __import__("sys").version)'
CMD ["python3"]
DOCKERFILE
    echo "==> $tag (CPython from $prefix)" >&2
    quiet_build "$tag" "$context"
    rm -rf "$context"
  fi
  echo "$tag"
}

case "$kind" in
  debian) debian_base ;;
  python3.11) python311_base ;;
  python3.10) python310_base ;;
  *) echo "usage: $0 debian|python3.10|python3.11" >&2; exit 2 ;;
esac
