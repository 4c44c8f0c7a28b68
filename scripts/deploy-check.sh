#!/usr/bin/env bash
# `make deploy-check`: build the images, then let tests/deploy start deploy/compose.yml
# with deploy/compose.host.yml on this machine (every container on the host's
# network, on 127.0.0.1), drive it as a clinic would, and stop it.
#   scripts/deploy-check.sh PYTHON     (the 3.11 venv's python, with the test tools)
# The stack runs as the compose project clinicfaq-check, from build/deploy-check/:
# an env file with fresh random secrets, a copy of knowledge/pages (the tests edit it),
# a self-signed certificate. Its ports (127.0.0.1) can be moved by the environment:
# DEPLOY_CHECK_HTTPS_PORT (8743), DEPLOY_CHECK_RASA_1_PORT (5305), DEPLOY_CHECK_RASA_2_PORT
# (5306), DEPLOY_CHECK_ACTION_PORT (5355), DEPLOY_CHECK_WEB_PORT (8380),
# DEPLOY_CHECK_POSTGRES_PORT (5632), DEPLOY_CHECK_REDIS_PORT (6579), DEPLOY_CHECK_TWILIO_PORT
# (8799, the fake Twilio API). pytest's summary line is the last line printed.
set -euo pipefail
cd "$(dirname "$0")/.."
python="$1"
started=$SECONDS
started_at=$(date +%s)

scripts/install-system-deps.sh >/dev/null
scripts/deploy-images.sh

work="$PWD/build/deploy-check"
rm -rf "$work" && mkdir -p "$work/tls"
cp -r knowledge/pages "$work/pages"
scripts/deploy-cert.sh "$work/tls" localhost >/dev/null
secret() { openssl rand -hex 24; }
https_port="${DEPLOY_CHECK_HTTPS_PORT:-8743}"
public="https://localhost:$https_port"
cat > "$work/env" <<ENV
DEPLOY_ENV_FILE=$work/env
BOT_API_TOKEN=$(secret)
LOG_HASH_KEY=$(secret)
STAFF_SECRET_KEY=$(secret)
POSTGRES_PASSWORD=$(secret)
REDIS_PASSWORD=$(secret)
CLINIC_NAME=Riverside Clinic
CLINIC_PHONE=555-0100
PUBLIC_BOT_URL=$public
ALLOWED_ORIGINS=$public,https://127.0.0.1:$https_port
TWILIO_ACCOUNT_SID=AC$(openssl rand -hex 16)
TWILIO_AUTH_TOKEN=$(secret)
TWILIO_NUMBER=+15550100999
TWILIO_WEBHOOK_URL=$public/webhooks/twilio/webhook
TWILIO_API_BASE_URL=http://127.0.0.1:${DEPLOY_CHECK_TWILIO_PORT:-8799}
RETENTION_DAYS=30
PURGE_INTERVAL_SECONDS=3600
HINT_SPARE_CORES=0
KNOWLEDGE_PAGES=$work/pages
TLS_DIR=$work/tls
IMAGE_TAG=${IMAGE_TAG:-local}
HTTPS_PORT=$https_port
HOSTNET_RASA_1_PORT=${DEPLOY_CHECK_RASA_1_PORT:-5305}
HOSTNET_RASA_2_PORT=${DEPLOY_CHECK_RASA_2_PORT:-5306}
HOSTNET_ACTION_PORT=${DEPLOY_CHECK_ACTION_PORT:-5355}
HOSTNET_WEB_PORT=${DEPLOY_CHECK_WEB_PORT:-8380}
HOSTNET_POSTGRES_PORT=${DEPLOY_CHECK_POSTGRES_PORT:-5632}
HOSTNET_REDIS_PORT=${DEPLOY_CHECK_REDIS_PORT:-6579}
ENV
chmod 600 "$work/env"
compose=(docker-compose --project-name clinicfaq-check --env-file "$work/env"
  -f deploy/compose.yml -f deploy/compose.host.yml)
# Whatever happens to the tests, the stack stops and its volumes go.
trap '"${compose[@]}" down --volumes --remove-orphans >"$work/down.log" 2>&1 || true' EXIT
"${compose[@]}" down --volumes --remove-orphans >/dev/null 2>&1 || true
echo "==> images ready in $(( SECONDS - started )) s; the stack and its checks (tests/deploy)"
DEPLOY_CHECK_ENV="$work/env" DEPLOY_CHECK_STARTED="$started_at" \
  "$python" -m pytest -p no:cacheprovider -m deploy tests/deploy
