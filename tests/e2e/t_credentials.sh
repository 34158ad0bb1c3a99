#!/bin/sh
# Credentials: required before any request, a rejected one stops the run at
# once with exit 1, and the secret never appears in output or the database.
. "$(dirname "$0")/lib.sh"
plan 43

API_KEY=0123456789abcdef0123456789abcdef
start_fake --movies 60 --deleted 0 --api-key "$API_KEY"

# No credential at all: usage/configuration error, nothing requested.
( unset TMDB_API_TOKEN; run_ingest list now_playing; echo "$RC" >"$TMP/rc"; printf '%s' "$ERR" >"$TMP/e" )
is "$(cat "$TMP/rc")" 2 "no credential: exit 2"
like "$(cat "$TMP/e")" "TMDB_API_TOKEN" "no credential: message names the variables to set"
fake_snapshot
is "$(fake_stat requests)" 0 "no credential: no request was sent"
# Only a dry run of export goes without one (it reads the export file, from
# the files host, which wants none); an export that fetches, and a dry run
# of a list (its pages come from the API), need it as every load does.
for cmd in "export --export-base $FAKE_URL/p/exports" "--dry-run list now_playing"; do
    ( unset TMDB_API_TOKEN; run_ingest $cmd; echo "$RC" >"$TMP/rc"; printf '%s' "$ERR" >"$TMP/e" )
    fake_snapshot
    like "$(cat "$TMP/rc"):$(fake_stat requests):$(cat "$TMP/e")" "^2:0:.*TMDB_API_TOKEN" \
        "no credential, $cmd: exit 2, no request, the variables named"
done

# A gateway's user:password@ in the base goes out as basic authentication,
# in the Authorization header a token takes for its Bearer: said at the
# start (the password not shown); a v3 key leaves the header to it.
base_with_login="http://gw:s3cretpw@127.0.0.1:${FAKE_URL##*:}/3"
TMDB_API_TOKEN=$TEST_TOKEN TMDB_API_KEY= run_ingest --api-base "$base_with_login" ids 5 --rate 0
like "$RC:$ERR" "^0:.*warning: the API base names a user:password@, .*the token \(TMDB_API_TOKEN\) takes .*TMDB_API_KEY" \
    "a token with a base's user:password@: warned, with what to use"
is "$(printf '%s' "$ERR" | grep -c s3cretpw)" 0 "the password not shown"
( unset TMDB_API_TOKEN; TMDB_API_KEY=$API_KEY run_ingest --api-base "$base_with_login" ids 5 --rate 0
  printf '%s' "$RC:$ERR" >"$TMP/e" )
unlike "$(cat "$TMP/e")" "names a user:password@" "a v3 key with it: no warning"
fake_reset # the request counts below start from here

# A v3 key in TMDB_API_TOKEN went out as a bearer token, and TMDB's 401
# "Invalid API key" read as a wrong key: refused before any request,
# naming the variable it belongs in.
TMDB_API_TOKEN=$API_KEY run_ingest ids 5
like "$RC:$ERR" "^2:.*TMDB_API_TOKEN is a v3 API key .*give it as TMDB_API_KEY instead, and unset TMDB_API_TOKEN" \
    "a v3 key in TMDB_API_TOKEN: exit 2, says to set TMDB_API_KEY"
fake_snapshot
is "$(fake_stat requests):$(printf '%s' "$ERR" | grep -c "$API_KEY")" "0:0" \
    "a v3 key in TMDB_API_TOKEN: no request sent, the key not shown"

# A rejected token: exit 1, quickly, saying why, without printing it.
WRONG="wrong-token-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
start=$(date +%s)
TMDB_API_TOKEN=$WRONG run_ingest list now_playing --pages all --workers 5
elapsed=$(( $(date +%s) - start ))
is "$RC" 1 "rejected token: exit 1"
[ "$elapsed" -le 5 ]
ok $? "rejected token: stopped within a few seconds (${elapsed}s)"
like "$ERR" "credential from TMDB_API_TOKEN was rejected" "rejected token: message says the credential from TMDB_API_TOKEN was rejected"
unlike "$OUT$ERR" "$WRONG" "rejected token: the token is not printed"
is "$(sql "SELECT status FROM runs ORDER BY id DESC LIMIT 1")" failed "rejected token: run marked failed"

# The same for ids: refused at the API's check (/configuration), before
# any movie is requested.
TMDB_API_TOKEN=$WRONG run_ingest ids 1 2 3 4 5 6 7 8 9 10 11 12 --workers 5
is "$RC" 1 "rejected token at the start of an ids run: exit 1"

# A v3 key travels in the URL: it must be redacted everywhere.
rm -f "$DB"
fake_snapshot
ids=$("$PYTHON" "$FAKE" --dump-catalogue --movies 60 --deleted 0 | "$PYTHON" -c '
import json, sys
print(" ".join(str(json.loads(l)["id"]) for l in list(sys.stdin)[:5]))')
( unset TMDB_API_TOKEN; TMDB_API_KEY=$API_KEY run_ingest ids $ids 999999999 --retries 1 -vv
  echo "$RC" >"$TMP/rc"; printf '%s%s' "$OUT" "$ERR" >"$TMP/e" )
is "$(cat "$TMP/rc")" 0 "v3 key accepted (a 404 is not a failure)"
is "$(sql 'SELECT count(*) FROM movies')" 5 "v3 key: movies stored"
unlike "$(cat "$TMP/e")" "$API_KEY" "v3 key: not in any output, even at debug level"
dump=$(sqlite3 "$DB" .dump)
unlike "$dump" "$API_KEY" "v3 key: not anywhere in the database"

# A wrong v3 key is rejected like a wrong token.
( unset TMDB_API_TOKEN; TMDB_API_KEY=ffffffffffffffffffffffffffffffff run_ingest ids 5
  echo "$RC" >"$TMP/rc"; printf '%s%s' "$OUT" "$ERR" >"$TMP/e" )
is "$(cat "$TMP/rc")" 1 "wrong v3 key: exit 1"
unlike "$(cat "$TMP/e")" "ffffffffffffffffffffffffffffffff" "wrong v3 key: not printed"

# The right v3 key in TMDB_API_KEY, and a TMDB_API_TOKEN left set (the
# README's placeholder, an old token in a profile): the token is read first
# and sent, and TMDB's 401 says "Invalid API key" of a key that is right.
# The error names the credential sent and the one set but not sent.
TMDB_API_TOKEN='eyJhbGciOi...' TMDB_API_KEY=$API_KEY run_ingest ids 5
like "$RC:$ERR" "^1:.*the API credential from TMDB_API_TOKEN was rejected \(read before TMDB_API_KEY, also set\): HTTP 401" \
    "a rejected TMDB_API_TOKEN with TMDB_API_KEY set too: exit 1, names both"
printf '%s\n' "$WRONG" >"$TMP/token"
chmod 600 "$TMP/token"
( unset TMDB_API_TOKEN; TMDB_API_KEY=$API_KEY run_ingest ids 5 --token-file "$TMP/token"
  printf '%s:%s' "$RC" "$ERR" >"$TMP/e" )
like "$(cat "$TMP/e")" "^1:.*the API credential from --token-file was rejected \(read before TMDB_API_KEY, also set\): HTTP 401" \
    "a rejected --token-file with TMDB_API_KEY set too: exit 1, names both"

# --token-file: the token never needs to be on a command line or in the env.
# A token file others may read is used, with a warning (they have the token).
printf '%s\n' "$TEST_TOKEN" >"$TMP/token"
chmod 644 "$TMP/token"
( unset TMDB_API_TOKEN; run_ingest ids $ids --token-file "$TMP/token"; echo "$RC" >"$TMP/rc"
  printf '%s' "$ERR" >"$TMP/e" )
is "$(cat "$TMP/rc")" 0 "--token-file: accepted"
like "$(cat "$TMP/e")" "warning: token file .* may be read by other users \(mode 644\): chmod 600 it" \
    "--token-file readable by others: a warning"
chmod 600 "$TMP/token"
( unset TMDB_API_TOKEN; run_ingest ids $ids --token-file "$TMP/token"; printf '%s' "$ERR" >"$TMP/e" )
unlike "$(cat "$TMP/e")" "token file" "--token-file of mode 600: no warning"
# A token file another user owns (root's, moved into place by hand), which
# the service user reads through its mode: the warning's fix must leave it
# readable. "chmod 600 it" alone, as it said, made the next nightly run
# fail (exit 2, "Permission denied").
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    mkdir "$TMP/svc"
    chown 65534:65534 "$TMP/svc"
    chmod 755 "$TMP"
    printf '%s\n' "$TEST_TOKEN" >"$TMP/root-token"
    chmod 644 "$TMP/root-token"
    ( unset TMDB_API_TOKEN
      setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN" --db "$TMP/svc/t.sqlite3" \
          --no-progress ids $ids --token-file "$TMP/root-token" </dev/null >/dev/null 2>"$TMP/e"
      echo "$?" >"$TMP/rc" )
    like "$(cat "$TMP/rc"):$(cat "$TMP/e")" \
        "^0:.*warning: token file .* may be read by other users \(mode 644, owner root\): chown nobody and chmod 600 it" \
        "--token-file of another user's, readable by others: the warning's fix keeps it readable by this user"
else
    skip 1 "needs root and setpriv to run as another user"
fi
dump=$(sqlite3 "$DB" .dump)
unlike "$dump" "$TEST_TOKEN" "token: not anywhere in the database"

# A token file copied from TMDB's examples, with the header's 'Bearer ':
# refused (not stripped) with the fix, the token not shown.
printf 'Bearer %s\n' "$TEST_TOKEN" >"$TMP/token"
( unset TMDB_API_TOKEN; run_ingest ids $ids --token-file "$TMP/token"; echo "$RC" >"$TMP/rc"
  printf '%s%s' "$OUT" "$ERR" >"$TMP/e" )
like "$(cat "$TMP/rc"):$(cat "$TMP/e")" "^2:.*--token-file starts with 'Bearer ': drop that prefix" \
    "--token-file holding 'Bearer TOKEN': exit 2, says to drop the prefix"
unlike "$(cat "$TMP/e")" "${TEST_TOKEN#e2e-token-}" "--token-file holding 'Bearer TOKEN': the token not shown"

# The token itself where its file goes: `--token TOKEN`, a natural guess,
# is taken for --token-file (an abbreviation), as is `--token-file TOKEN`.
# Refused, exit 2, saying what it looks like, but not repeating it: stderr
# goes to cron's mail and the journal, which keep it.
JWT="eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJlMmUifQ.$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
for opt in --token --token-file; do
    ( unset TMDB_API_TOKEN; run_ingest ids 5 "$opt" "$JWT"; echo "$RC" >"$TMP/rc"
      printf '%s%s' "$OUT" "$ERR" >"$TMP/e" )
    like "$(cat "$TMP/rc"):$(cat "$TMP/e")" "^2:.*looks like a token itself" \
        "$opt TOKEN: exit 2, says the token was given in place of its file"
    unlike "$(cat "$TMP/e")" "${JWT##*.}" "$opt TOKEN: the token is not repeated in the message"
done

# A credential revoked while movies are in flight: the API's check passes,
# then every details request answers 401. The first 401 stops every worker:
# exit 1, the run failed, and no more requests than the workers had in
# flight (a 401 that only failed its movie would request all 40).
stop_fake
start_fake --movies 60 --deleted 0 --fault-fraction 1 --fault-kinds 401 --fault-attempts 1000
run_ingest ids $(catalogue_ids 40 --movies 60 --deleted 0) --workers 5 --rate 0
fake_snapshot
is "$RC:$(sql "SELECT status FROM runs ORDER BY id DESC LIMIT 1")" 1:failed \
    "401 on details (the check passed): exit 1, run failed"
like "$ERR" "credential from TMDB_API_TOKEN was rejected" "and says the credential was rejected"
details=$(fake_stat by_endpoint.details)
[ "$details" -ge 1 ] && [ "$details" -le 10 ]
ok $? "every worker stopped at the first 401s ($details details requests for 40 movies)"

# A 401 that is not TMDB's JSON (a gateway's own login refused, as one in
# front of TMDB with a user:password in --api-base answers): still exit 1,
# but not said to be TMDB rejecting the credential read, nor one also set
# (which sent the user to swap TMDB_API_TOKEN and TMDB_API_KEY).
stop_fake
start_fake --movies 60 --deleted 0 --fault-fraction 1 --fault-kinds 401html --fault-attempts 1000
TMDB_API_KEY=0123456789abcdef0123456789abcdef run_ingest ids "$(catalogue_ids 1 --movies 60 --deleted 0)" --rate 0
like "$RC:$ERR" "^1:.*HTTP 401: non-JSON body, not TMDB's answer \(a gateway's or proxy's own login\? check --api-base\)" \
    "a 401 not from TMDB: exit 1, said to be not TMDB's answer"
unlike "$ERR" "credential.*rejected" "and not said to be the credential rejected"

# A rejected credential on a changes page: the run fails, exit 1, saying
# so; the cursor stays where it was, so the next run reads those days.
DB=$TMP/changes.sqlite3
run_ingest changes --since "$(date -u +%F)" --rate 0
since=$(date -u -d '-3 day' +%F)
sql "INSERT OR REPLACE INTO meta (key, value) VALUES ('changes_from', '$since')"
TMDB_API_TOKEN=$WRONG run_ingest changes --rate 0
is "$RC:$(sql "SELECT status FROM runs ORDER BY id DESC LIMIT 1")" 1:failed "401 on a changes page: exit 1, run failed"
like "$ERR" "changes page 1: the API credential from TMDB_API_TOKEN was rejected: HTTP 401" "and says the credential was rejected"
is "$(sql "SELECT value FROM meta WHERE key = 'changes_from'")" "$since" "the changes cursor stays"

done_testing
