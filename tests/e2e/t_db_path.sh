#!/bin/sh
# What --db may name. An empty path (a variable unset in a crontab line)
# is a usage error: SQLite would open a private temporary database and the
# run would be thrown away. A directory, a device or a FIFO is refused
# before anything is made beside it; changes on a file that is not there
# (no finished export to go on from) makes nothing. A database with a
# second hard link is refused for writing: SQLite names its -wal and -shm
# after the path, and so is the lock, so a run through the other name would
# neither wait for this one nor see its log (two such loads at once lost
# one's movies). An empty file is a database with nothing yet, for the
# commands that read.
. "$(dirname "$0")/lib.sh"
plan 31

start_fake --movies 20 --deleted 0
id=$(catalogue_ids 1 --movies 20 --deleted 0)

cd "$TMP" || bail "cd $TMP" # a build that takes "" makes .lock here
"$BIN" --db "" --no-progress ids "$id" </dev/null >"$TMP/out" 2>"$TMP/err"
is "$?" 2 "--db '' for a load: exit 2"
like "$(cat "$TMP/err")" "--db: an empty path \(is the variable it came from set\?\)" "and says why"
"$BIN" --db "" stats >"$TMP/out" 2>"$TMP/err"
is "$?" 2 "--db '' for stats: exit 2"
"$BIN" merge "" "$TMP/in.sqlite3" >"$TMP/out" 2>"$TMP/err"
is "$?" 2 "merge with an empty OUT: exit 2"
like "$(cat "$TMP/err")" "merge: an empty file name" "and says why"

mkdir "$TMP/dir.sqlite3"
DB=$TMP/dir.sqlite3 run_ingest ids "$id"
is "$RC" 1 "--db naming a directory: exit 1"
like "$ERR" "dir.sqlite3 is a directory, not a database file" "and says so"
mkfifo "$TMP/fifo.sqlite3"
DB=$TMP/fifo.sqlite3 run_ingest ids "$id"
is "$RC" 1 "--db naming a FIFO: exit 1 (no hang)"
like "$ERR" "fifo.sqlite3 is a device, FIFO or socket, not a database file" "and says so"
is "$(ls "$TMP" | grep -c 'fifo.sqlite3.')" 0 "nothing made beside it"
# So do the commands that read, and merge for an input: SQLite's open of a
# FIFO blocks until a writer comes (a dry run's, its SIGTERM caught, even
# through timeout's), and it calls a directory a disk I/O error.
got=
for db in dir fifo; do
    for cmd in stats dump "search x" "--dry-run ids $id" "merge $TMP/merged-$db.sqlite3"; do
        case $cmd in
        merge*) set -- $cmd "$TMP/$db.sqlite3" ;;
        *) set -- --db "$TMP/$db.sqlite3" $cmd ;;
        esac
        timeout -k 5 20 "$BIN" "$@" </dev/null >"$TMP/out" 2>"$TMP/err"
        rc=$?
        grep -q "$db.sqlite3 is a .*, not a database file" "$TMP/err" || rc="$rc ($(cat "$TMP/err"))"
        got="$got $db/${cmd%% *}:$rc"
    done
done
is "$got" " dir/stats:1 dir/dump:1 dir/search:1 dir/--dry-run:1 dir/merge:1 fifo/stats:1 fifo/dump:1 fifo/search:1 fifo/--dry-run:1 fifo/merge:1" \
    "stats, dump, search, a dry run and merge's input on a directory or a FIFO: exit 1, said"
is "$(ls "$TMP" | grep -c '^merged-')" 0 "no merge output made"

DB=$TMP/nodir/movies.sqlite3 run_ingest ids "$id"
like "$RC:$ERR" "^1:.*No such file or directory \(the database's directory must exist\)" \
    "--db in a directory that does not exist: exit 1, what it needs"
DB=$TMP/nodir/movies.sqlite3 run_ingest --dry-run ids "$id"
like "$RC:$ERR" "^1:.*nodir: No such file or directory \(the database's directory must exist\)" \
    "and a dry run of it: exit 1, the same need (it said it would fetch)"
got=$(cd "$TMP" && "$BIN" --db new.sqlite3 --no-progress --dry-run ids "$id" 2>&1 </dev/null)
like "$?:$got" "^0:.*would fetch 1 movie" "a dry run of a new database in the current directory: exit 0"
# A --db that is a symlink to a database not made yet: the load makes it
# (and its lock, -wal and -shm) where the link leads, so the dry run looks
# there, not in the link's own directory (it said "would fetch" of a
# target whose directory is not there, and refused one whose link sits in
# a directory this user may not write).
ln -s "$TMP/gone/movies.sqlite3" "$TMP/link-to-gone.sqlite3"
DB=$TMP/link-to-gone.sqlite3 run_ingest --dry-run ids "$id"
like "$RC:$ERR" "^1:.*gone: No such file or directory \(the database's directory must exist\)" \
    "a dry run through a symlink to a directory that is not there: exit 1, as its load"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    mkdir "$TMP/rootdir" "$TMP/svc"
    chmod 755 "$TMP"
    chown 65534:65534 "$TMP/svc"
    ln -s ../svc/movies.sqlite3 "$TMP/rootdir/movies.sqlite3"
    setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN" --db "$TMP/rootdir/movies.sqlite3" \
        --no-progress --dry-run ids "$id" </dev/null >"$TMP/out" 2>"$TMP/err"
    like "$?:$(cat "$TMP/out" "$TMP/err")" "^0:.*would fetch 1 movie" \
        "a dry run through a symlink in a directory the user may not write, to one it may: exit 0"
else
    skip 1 "needs root and setpriv to run as another user"
fi

# changes goes on from a finished export, which a --db that is not there
# (mistyped in a crontab line) cannot hold: said so, exit 2, and nothing
# made there (an empty database was left, which the next run took for one
# that had merely not had its export yet).
DB=$TMP/typo.sqlite3 run_ingest changes
like "$RC:$ERR" "^2:.*typo.sqlite3: no such database, so no finished export to go on from \(check --db\)" \
    "changes on a --db that is not there: exit 2, says so"
is "$(ls "$TMP" | grep -c '^typo.sqlite3')" 0 "and makes nothing there"

# A second hard link: refused for writing, with the reason; reading is fine.
run_ingest ids "$id"
is "$RC" 0 "a load into a database with one name"
ln "$DB" "$TMP/other.sqlite3"
run_ingest ids "$id"
is "$RC" 1 "a load into it once it has a second hard link: exit 1"
like "$ERR" "has 2 hard links: SQLite names its -wal and -shm files after the path" "and says why"
DB=$TMP/other.sqlite3 run_ingest ids "$id"
like "$RC:$ERR" "^1:.*keep one name \(a symbolic link is fine\)" "through the other name too"
run_ingest stats
like "$RC:$ERR" "^0:.*has 2 hard links: .* not read through this one; read through the name the loads use" \
    "stats still reads it, warning that another name's -wal is not read (its commits missed)"
"$BIN" merge "$TMP/merged.sqlite3" "$TMP/other.sqlite3" 2>"$TMP/merge.err"
like "$?:$(cat "$TMP/merge.err")" "^0:.*other.sqlite3 has 2 hard links: " "so does a merge reading it"
run_ingest -q stats
like "$RC:$ERR" "^0:.*has 2 hard links: " "also with -q: a setup to mend, said every time"
rm "$TMP/other.sqlite3"
run_ingest ids "$id"
is "$RC" 0 "one name again: loads"

# An empty file (or one a first load has made but not yet given its
# schema) is not called foreign by the commands that read.
: >"$TMP/empty.sqlite3"
DB=$TMP/empty.sqlite3 run_ingest stats
like "$RC:$ERR" "^1:.*empty.sqlite3 holds no tmdb-ingest data yet \(no tables: a first load may be making it" \
    "stats on an empty file: nothing yet, not 'not a database'"

# A path starting with "file:" is a file of that name for every command,
# never a URI (this SQLite reads one as a URI even unasked): what a load
# wrote is what stats reads and merge takes, not "uri.sqlite3".
DB=file:uri.sqlite3 run_ingest ids "$id"
is "$RC:$(ls "$TMP" | grep -c '^uri.sqlite3')" 0:0 "a load into --db file:uri.sqlite3 writes that file"
DB=file:uri.sqlite3 run_ingest stats
like "$RC:$(printf '%s' "$OUT" | grep '^Movies')" "^0:Movies +1 stored" \
    "stats --db file:uri.sqlite3 reads it"
"$BIN" merge "$TMP/merged.sqlite3" file:uri.sqlite3 >"$TMP/out" 2>"$TMP/err"
is "$?:$(sqlite3 "$TMP/merged.sqlite3" 'SELECT count(*) FROM movies' 2>/dev/null)" 0:1 \
    "merge takes file:uri.sqlite3 as an input"

done_testing
