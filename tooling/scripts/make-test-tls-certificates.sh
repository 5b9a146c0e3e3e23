#!/usr/bin/env bash
# Makes the TEST-ONLY certificate authority and the localhost certificate in test/fixtures/tls/,
# which the proxy tests use to serve the simulator over HTTPS. Nothing outside the tests may
# trust them: the CA's private key is thrown away, and the server key is committed on purpose.
#
# Why faketime: the suite also runs with the clock shifted years ahead and back, so the
# certificates are made "on" 2000-01-01 and last 100 years (to 2099-12-08).
#
# Needs openssl and faketime. Usage, from the repository root:
#   bash tooling/scripts/make-test-tls-certificates.sh
set -euo pipefail

out="$(cd "$(dirname "$0")/../.." && pwd)/test/fixtures/tls"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
days=36500
made_on='2000-01-01 00:00:00'
in_2000() { faketime "$made_on" "$@"; }

in_2000 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$work/ca.key" -out "$work/ca.crt" -days "$days" -sha256 \
  -subj "/O=flow-tripletex tests/CN=flow-tripletex TEST-ONLY CA (do not trust)" \
  -addext "keyUsage=critical,keyCertSign,cRLSign"

in_2000 openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$work/localhost.key" -out "$work/localhost.csr" \
  -subj "/O=flow-tripletex tests/CN=localhost"

cat > "$work/server.ext" <<'EXT'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
EXT

in_2000 openssl x509 -req -in "$work/localhost.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" \
  -set_serial "0x$(openssl rand -hex 8)" -days "$days" -sha256 -extfile "$work/server.ext" \
  -out "$work/localhost.crt"

openssl verify -attime "$(date -d '2000-01-02' +%s)" -CAfile "$work/ca.crt" "$work/localhost.crt" >/dev/null
openssl verify -attime "$(date -d '2099-01-01' +%s)" -CAfile "$work/ca.crt" "$work/localhost.crt" >/dev/null

mkdir -p "$out"
cp "$work/ca.crt" "$out/test-only-ca.crt"
cp "$work/localhost.crt" "$out/test-only-localhost.crt"
cp "$work/localhost.key" "$out/test-only-localhost.key"
echo "wrote $out/test-only-ca.crt, test-only-localhost.crt, test-only-localhost.key"
openssl x509 -in "$out/test-only-localhost.crt" -noout -subject -issuer -dates
