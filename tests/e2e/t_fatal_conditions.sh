#!/bin/sh
# Fatal conditions stay fatal and fast: an unreachable host (bounded
# retries, then exit 7 naming the host: TMDB or the network down), a
# corrupt database file (refused, left untouched), a full disk (exit 1
# naming the file, nothing half-committed),
# a closed standard output for a command whose product it is, or a closed
# standard input for `ids -` (exit 1: /dev/null in their place made a dump
# "succeed" with every row gone).
. "$(dirname "$0")/lib.sh"
plan 26

# A port nothing listens on: bind one, close it.
port=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
start=$(date +%s)
run_ingest ids 550 603 --api-base "http://127.0.0.1:$port/3" --retries 2 --rate 0
elapsed=$(( $(date +%s) - start ))
is "$RC" 7 "unreachable host: exit 7, TMDB or the network down"
like "$ERR" "127\.0\.0\.1" "the message names the host"
[ "$elapsed" -le 15 ]
ok $? "bounded retries: gave up in ${elapsed}s"

printf 'SQLite format 3\000 but then garbage, not a database at all\n' >"$TMP/corrupt.sqlite3"
cp "$TMP/corrupt.sqlite3" "$TMP/corrupt.orig"
"$BIN" --db "$TMP/corrupt.sqlite3" --no-progress ids 1 >"$TMP/out" 2>"$TMP/err"
is "$?" 1 "corrupt database: exit 1"
cmp -s "$TMP/corrupt.sqlite3" "$TMP/corrupt.orig"
ok $? "corrupt database left byte for byte as it was"

# A full disk: a file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored) makes
# SQLite's writes fail part-way through the load.
start_fake --movies 200 --deleted 0
id=$(catalogue_ids 1 --movies 200 --deleted 0)
run_ingest ids "$id" --rate 0
sh -c 'trap "" XFSZ; ulimit -f 200; exec "$@"' sh "$BIN" --db "$DB" --no-progress \
    list now_playing --pages all --rate 0 </dev/null >"$TMP/out" 2>"$TMP/err"
rc=$?
is "$rc" 1 "disk full: exit 1"
like "$(cat "$TMP/err")" "$(basename "$DB")" "the message names the database file"
is "$(sql 'PRAGMA integrity_check')" ok "disk full: integrity_check ok afterwards"
is "$(sql "SELECT count(*) FROM movies m WHERE json_array_length(m.raw_json, '$.genres')
           != (SELECT count(*) FROM movie_genres g WHERE g.movie_id = m.id)")" 0 \
    "disk full: no movie is missing any of its links (nothing half-committed)"

# The same limit as a job gets it (`ulimit -f` in its script, systemd's
# LimitFSIZE=), with SIGXFSZ at its default: it killed the load without a
# word (exit 153), its run left 'running'. Now the write fails as on a
# full disk: exit 1, said, the run recorded failed.
FDB=$TMP/fsize.sqlite3
"$BIN" --db "$FDB" --no-progress ids "$id" --rate 0 </dev/null >/dev/null 2>&1
env --default-signal=XFSZ sh -c 'ulimit -f 200; exec "$@"' sh "$BIN" --db "$FDB" --no-progress \
    list now_playing --pages all --rate 0 </dev/null >"$TMP/out" 2>"$TMP/err"
is "$?" 1 "file-size limit with SIGXFSZ at its default: exit 1, not killed by it"
like "$(cat "$TMP/err")" "fsize\.sqlite3: .*(disk I/O error|disk is full)" \
    "the error names the file and says why"
is "$(sqlite3 -batch -noheader "$FDB" 'SELECT status FROM runs WHERE id = 2')" failed \
    "the run is recorded failed"

# A file-size limit (systemd's LimitFSIZE=, `ulimit -f`) that the database
# file reaches only when the load's end copies DB-wal into it: what the run
# stored is committed, in DB-wal, so it ends ok; but DB-wal can no longer
# be emptied, and grows with every load until one fails. With -q (cron)
# nothing said so: the checkpoint's error was held back as a warning of a
# run that went well, night after night, while the file stayed at its limit.
WDB=$TMP/walfull.sqlite3
start_fake --movies 40 --deleted 0
"$BIN" --db "$WDB" --no-progress list now_playing --rate 0 </dev/null >/dev/null 2>&1
blocks=$(($(stat -c %s "$WDB") / 512)) # sh's ulimit -f counts 512-byte blocks
sh -c 'ulimit -f "$1"; shift; exec "$@"' sh "$blocks" "$BIN" -q --db "$WDB" --no-progress \
    list now_playing --pages all --rate 0 </dev/null >"$TMP/out" 2>"$TMP/err"
is "$?" 0 "the database file at its size limit when DB-wal is copied in: the run still ends ok"
like "$(cat "$TMP/err")" "walfull\.sqlite3: checkpoint the WAL: .*File too large" \
    "and says so with -q too: the limit comes back at every load"
is "$(sqlite3 -batch -noheader "$WDB" 'SELECT count(*) FROM movies')" 40 \
    "what it stored is committed (in DB-wal)"

# Full from the start (DB-shm cannot be made): the message gives the
# system's reason, not "is it an SQLite database?".
rm -f "$DB-shm" "$DB-wal"
sh -c 'trap "" XFSZ; ulimit -f 4; exec "$@"' sh "$BIN" --db "$DB" --no-progress \
    list now_playing --rate 0 </dev/null >"$TMP/out" 2>"$TMP/err"
is "$?" 1 "disk full at the start: exit 1"
like "$(cat "$TMP/err")" "disk I/O error \(File too large\)" "the message says what the system said"
unlike "$(cat "$TMP/err")" "is it an SQLite database" "and does not blame the file"

rm -f "$DB"*
start_fake --movies 30 --deleted 0
run_ingest list now_playing --rate 0
"$BIN" --db "$DB" dump >&- 2>"$TMP/err"
is "$?" 1 "dump with standard output closed: exit 1"
like "$(cat "$TMP/err")" "standard output is closed" "and says why"
# A dump to a file past `ulimit -f` with SIGXFSZ at its default: the write
# fails and says so (exit 1), as a load's does; not a silent death (153).
env --default-signal=XFSZ sh -c 'ulimit -f 1; exec "$@"' sh "$BIN" --db "$DB" dump \
    >"$TMP/dump.out" 2>"$TMP/err"
is "$?" 1 "dump to a file past the file-size limit, SIGXFSZ at its default: exit 1"
like "$(cat "$TMP/err")" "File too large" "and says why"
"$BIN" --db "$DB" stats >&- 2>/dev/null
is "$?" 1 "stats with standard output closed: exit 1"
"$BIN" --db "$DB" --no-progress --dry-run list now_playing >&- 2>/dev/null
is "$?" 1 "a dry run with standard output closed: exit 1"
"$BIN" --db "$DB" --no-progress --rate 0 ids - <&- 2>"$TMP/err"
is "$?" 1 "ids - with standard input closed: exit 1"
like "$(cat "$TMP/err")" "standard input is closed" "and says why"

done_testing
