#!/bin/sh
# Transport security: the fake over HTTPS with a throwaway CA made here.
# Without --cacert the certificate is refused (exit 1, nothing stored);
# with it the load succeeds. Verification cannot be switched off. A
# connection reset in the middle of the handshake is a network fault, not a
# certificate verdict: retried, for details and for the export download.
. "$(dirname "$0")/lib.sh"
plan 13

command -v openssl >/dev/null || bail "openssl is not installed (make deps)"
cd "$TMP" || bail "no temp dir"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 \
    -subj "/CN=tmdb-ingest test CA" >/dev/null 2>&1 || bail "openssl could not make a CA"
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
    -subj "/CN=127.0.0.1" >/dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >ext.cnf
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
    -days 1 -extfile ext.cnf >/dev/null 2>&1 || bail "openssl could not sign the certificate"
cd - >/dev/null || true

start_fake --movies 20 --deleted 0 --tls-cert "$TMP/server.pem" --tls-key "$TMP/server.key"
export TMDB_API_BASE="https://127.0.0.1:${FAKE_URL##*:}/3"
ids=$(catalogue_ids 3 --movies 20 --deleted 0)

run_ingest ids $ids --rate 0
is "$RC" 1 "an unknown CA is refused: exit 1"
like "$ERR" "TLS|certificate|SSL" "the message says it is a certificate problem"
is "$(sql 'SELECT count(*) FROM movies' 2>/dev/null || echo 0)" 0 "nothing stored"

run_ingest ids $ids --rate 0 --cacert "$TMP/ca.pem"
is "$RC" 0 "accepted with --cacert"
is "$(sql 'SELECT count(*) FROM movies')" 3 "movies stored over HTTPS"
"$BIN" --help | grep -Eiq -- "--(insecure|no-verify|k\b)"
ok $((! $?)) "no option turns verification off"

stop_fake
start_fake --movies 20 --deleted 0 --tls-cert "$TMP/server.pem" --tls-key "$TMP/server.key" \
    --reset-handshakes 1
export TMDB_API_BASE="https://127.0.0.1:${FAKE_URL##*:}/3"
rm -f "$DB"*
run_ingest ids $ids --rate 0 --workers 1 --cacert "$TMP/ca.pem"
is "$RC" 0 "a handshake reset once: retried, exit 0"
like "$ERR" "stored=3 .* retries=1 " "three movies stored after one retry"
stop_fake
start_fake --movies 20 --deleted 0 --tls-cert "$TMP/server.pem" --tls-key "$TMP/server.key" \
    --reset-handshakes 1
rm -f "$DB"*
run_ingest export --export-base "https://127.0.0.1:${FAKE_URL##*:}/p/exports" --rate 0 \
    --cacert "$TMP/ca.pem" --api-base "https://127.0.0.1:${FAKE_URL##*:}/3"
is "$RC" 0 "the export download after a handshake reset: retried, exit 0"
n=$(sql 'SELECT count(*) FROM movies')
[ "$n" -gt 0 ] && printf '%s' "$ERR" | grep -q "requested=$n stored=$n "
ok $? "and every movie of the export ($n, adult ones left out) stored"

# https:// to a port that speaks plain HTTP: no retry can mend that.
stop_fake
start_fake --movies 20 --deleted 0
run_ingest ids $ids --rate 0 --api-base "https://127.0.0.1:${FAKE_URL##*:}/3"
is "$RC" 1 "https:// to a plain HTTP port: exit 1"
like "$ERR" "TLS error: .*wrong version number" "as a TLS error"
like "$ERR" " retries=0 " "at once, without retries"

done_testing
