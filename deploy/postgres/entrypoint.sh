#!/usr/bin/env bash
# First start (empty data folder): create the cluster, then the role and database
# POSTGRES_USER / POSTGRES_DB with POSTGRES_PASSWORD (required). Every start:
# serve on POSTGRES_LISTEN (default: every address) and PGPORT (5432).
set -euo pipefail
: "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
user="${POSTGRES_USER:-rasa}"
db="${POSTGRES_DB:-rasa}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "postgres: creating the cluster in $PGDATA"
  initdb --pgdata="$PGDATA" --username=postgres --auth-local=peer --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  pg_ctl --pgdata="$PGDATA" --options="-c listen_addresses='' -c unix_socket_directories=/run/postgresql" --wait start >/dev/null
  psql --host=/run/postgresql --username=postgres --dbname=postgres --set=ON_ERROR_STOP=1 --quiet \
    --set=user="$user" --set=password="$POSTGRES_PASSWORD" --set=db="$db" <<'SQL'
CREATE ROLE :"user" LOGIN PASSWORD :'password';
CREATE DATABASE :"db" OWNER :"user";
SQL
  pg_ctl --pgdata="$PGDATA" --mode=fast --wait stop >/dev/null
fi
exec postgres -D "$PGDATA" -c listen_addresses="${POSTGRES_LISTEN:-*}" -c port="${PGPORT:-5432}" \
  -c unix_socket_directories=/run/postgresql
