#!/usr/bin/env bash
# Build the deployment's images (deploy/README: "Deploying with containers"):
#   clinic-faq/rasa     deploy/rasa.Dockerfile     Rasa server and retention purge (Python 3.10)
#   clinic-faq/actions  deploy/actions.Dockerfile  action server, website, staff console (Python 3.11)
#   clinic-faq/proxy    deploy/proxy/              nginx, TLS
#   clinic-faq/postgres deploy/postgres/           PostgreSQL 15
#   clinic-faq/redis    deploy/redis/              Redis
# all tagged ${IMAGE_TAG:-local}. Run after `make setup` (the images take its model,
# spaCy pipeline, embedder and index). The Python requirements are downloaded here,
# on the host, checked against their hashes, into build/deploy/wheels/ (pip's own
# cache makes a second download quick); the builds then install from those files,
# hash-checked again, and download nothing.
#
# Base images: BASE_PY310, BASE_PY311 and BASE_DEBIAN when set (e.g. the official
# python:3.10-slim-bookworm, python:3.11-slim-bookworm, debian:bookworm-slim), else
# local stand-ins (scripts/deploy-base.sh), for machines that reach no image registry.
# Prints each step's time and each image's size.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOCKER_BUILDKIT=0
tag="${IMAGE_TAG:-local}"
started=$SECONDS
step() { echo "==> $1 ($(( SECONDS - started )) s)"; }

scripts/dockerd.sh
step "base images"
base_py310="${BASE_PY310:-$(scripts/deploy-base.sh python3.10)}"
base_py311="${BASE_PY311:-$(scripts/deploy-base.sh python3.11)}"
base_debian="${BASE_DEBIAN:-$(scripts/deploy-base.sh debian)}"
echo "    $base_py310, $base_py311, $base_debian"

# wheels DIR PYTHON_VERSION REQUIREMENTS: the files of a hashed requirements file, for that Python.
wheels() {
  local dir="build/deploy/wheels/$1" python requirements="$3" stamp
  stamp="$(sha256sum "$requirements" | cut -c1-16)"
  if [ "$(cat "$dir/.requirements" 2>/dev/null)" != "$stamp" ]; then
    python="$(scripts/find-python.sh "$2")"
    rm -rf "$dir" && mkdir -p "$dir"
    "$python" -m pip download --quiet --disable-pip-version-check --require-hashes --no-deps \
      -d "$dir" -r "$requirements" 2> >(grep -v "^WARNING: Location" >&2)
    echo "$stamp" > "$dir/.requirements"
  fi
}
step "wheels (requirements/rasa.txt, requirements/actions-runtime.txt)"
wheels rasa 3.10 requirements/rasa.txt
wheels actions 3.11 requirements/actions-runtime.txt

for needed in models/current.tar.gz build/spacy_pipeline/meta.json build/index/manifest.json \
  build/embedder/all-MiniLM-L6-v2.onnx build/embedder/tokenizer.json build/reader/reader.json; do
  [ -e "$needed" ] || { echo "$needed is missing: run make setup first" >&2; exit 1; }
done

build() {  # build NAME DOCKERFILE CONTEXT BASE
  step "clinic-faq/$1:$tag"
  # (The legacy builder's deprecation notice is left out: BuildKit is off on purpose, see README.)
  docker build --network host --quiet --build-arg "BASE_IMAGE=$4" -f "$2" -t "clinic-faq/$1:$tag" "$3" \
    2> >(grep -v -e "DEPRECATED: The legacy builder" -e "BuildKit is currently disabled" -e "environment-variable\.$" >&2) \
    >/dev/null
}
build rasa deploy/rasa.Dockerfile . "$base_py310"
build actions deploy/actions.Dockerfile . "$base_py311"
build proxy deploy/proxy/Dockerfile deploy/proxy "$base_debian"
build postgres deploy/postgres/Dockerfile deploy/postgres "$base_debian"
build redis deploy/redis/Dockerfile deploy/redis "$base_debian"
step "images built"
for name in rasa actions proxy postgres redis; do
  printf '    %-26s %s\n' "clinic-faq/$name:$tag" \
    "$(docker image inspect "clinic-faq/$name:$tag" --format '{{.Size}}' | awk '{printf "%.0f MB", $1 / 1e6}')"
done
