#!/bin/sh
# Render nginx's configuration from the environment, then run nginx in the foreground.
#   PROXY_LISTEN   where HTTPS is served: a port or address:port (default 8443)
#   RASA_SERVERS   the Rasa servers, host:port separated by spaces (default "rasa-1:5005 rasa-2:5005")
#   WEB_SERVER     the website, host:port (default web:8080)
set -eu
for file in fullchain.pem privkey.pem; do
  if [ ! -s "/etc/nginx/tls/$file" ]; then
    echo "proxy: /etc/nginx/tls/$file is missing: mount the certificate's folder (TLS_DIR in deploy/.env)" >&2
    exit 2
  fi
done
servers=""
for server in ${RASA_SERVERS:-rasa-1:5005 rasa-2:5005}; do
  servers="$servers    server $server max_fails=1 fail_timeout=10s;\n"
done
sed -e "s|@PROXY_LISTEN@|${PROXY_LISTEN:-8443}|" \
    -e "s|@RASA_SERVERS@|$servers|" \
    -e "s|@WEB_SERVER@|${WEB_SERVER:-web:8080}|" \
    /etc/nginx/clinic-faq.conf.template > /tmp/nginx.conf
exec nginx -e stderr -c /tmp/nginx.conf -g 'daemon off;'
