#!/usr/bin/env bash
# A self-signed TLS certificate for trying the container deployment:
#   scripts/deploy-cert.sh DIR [HOST_NAME]     (default: deploy/tls, localhost)
# writes DIR/fullchain.pem and DIR/privkey.pem, valid 90 days for HOST_NAME (and
# localhost, 127.0.0.1). Browsers warn about it: for patients, put the clinic's real
# certificate (e.g. from its certificate authority) under the same two names.
# privkey.pem is readable by the proxy's user inside its container (uid 33).
set -euo pipefail
dir="${1:-deploy/tls}"
host="${2:-localhost}"
mkdir -p "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -days 90 -subj "/CN=$host" \
  -addext "subjectAltName=DNS:$host,DNS:localhost,IP:127.0.0.1" \
  -keyout "$dir/privkey.pem" -out "$dir/fullchain.pem" 2>/dev/null
chmod 644 "$dir/fullchain.pem"
chmod 640 "$dir/privkey.pem"
chgrp 33 "$dir/privkey.pem" 2>/dev/null || chmod 644 "$dir/privkey.pem"
echo "wrote $dir/fullchain.pem and $dir/privkey.pem (self-signed, for $host)"
