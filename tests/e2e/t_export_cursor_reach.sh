#!/bin/sh
# An export must not leave the changes cursor where changes cannot read
# from. A stored movie an export does not fetch again (here a video movie,
# which changes and ids store, and an export without --include-video leaves
# out) holds the cursor at its fetch. When that fetch is further back than
# the next changes run reads (90 days), that run refuses and says to run
# an export, which held the cursor there again: a nightly job stuck for
# good (found by a user-side audit: a database whose changes had not run
# for three months, and a first export on a database holding such a movie
# fetched long ago). Such movies are now noted in stale_copies, as failed
# ones are, the cursor moves to the export's day, and the next changes run
# fetches them and clears the notes. Within the window nothing changes:
# the cursor is held and nothing is noted. With --shard, only the export's
# own shard's movies are noted; another shard's movie that old keeps the
# cursor held, and the warning says to run export without --shard. The
# warning says what the next changes run will cost at the run's --rate and,
# past the changes of a usual night (10,000), how to fetch them in an
# export instead (a first export with --min-popularity on a database
# loaded long ago notes most of it: hours of the next night's run). An
# export of a known day refuses a --max-age over 87 days: the cursor it
# leaves at the oldest copy skipped (often made the day before its fetch)
# would leave changes no night to miss.
. "$(dirname "$0")/lib.sh"
# The runs below read days by this machine's clock: one that straddles
# midnight has a new day to read.
one_utc_day
plan 44

FAKE_OPTS="--movies 60 --deleted 2"
# before the fake starts: it serves today's export even when midnight comes
# in between (its own today is then the next day)
TODAY=$(date -u +%F)
day() { date -u -d "$TODAY $1 day" +%F; }
start_fake $FAKE_OPTS
EXPORT_BASE="$FAKE_URL/p/exports"
video=$(video_id $FAKE_OPTS)
cursor() { sql "SELECT value FROM meta WHERE key = 'changes_from'"; }
notes() { sql "SELECT group_concat(movie_id || '|' || needed_from || '|' || coalesce(copy_made_at, 'none'), ',') FROM stale_copies"; }
# the video movie fetched (from a copy made then) on day $1, the cursor
# there too, or none with "none"
fetched_long_ago() {
    sql "UPDATE movies SET fetched_at = '$(day "$1")T05:00:00Z',
                           copy_made_at = '$(day "$1")T04:00:00Z' WHERE id = $video"
    if [ "${2:-}" = none ]; then
        sql "DELETE FROM meta WHERE key = 'changes_from'"
    else
        sql "UPDATE meta SET value = '$(day "$1")' WHERE key = 'changes_from'"
    fi
}
# an export file at $2 listing every stored movie, of popularity $1
export_file_of_stored() {
    sql "SELECT id FROM movies" | "$PYTHON" -c '
import sys
for line in sys.stdin:
    print("{\"adult\":false,\"id\":%s,\"original_title\":\"x\",\"popularity\":%s,\"video\":false}" % (line.strip(), sys.argv[1]))' "$1" |
        gzip >"$2"
}
export_now() { run_ingest export --export-base "$EXPORT_BASE" --date "$TODAY" --rate 0 "$@"; }

export_now
run_ingest ids "$video" --rate 0
is "$RC:$(sql "SELECT video FROM movies WHERE id = $video")" "0:1" \
    "a video movie stored, as changes stores it"

# Inside the window: as before, the cursor is held at the movie's fetch.
fetched_long_ago -50
export_now
is "$RC:$(cursor)" "0:$(day -50)" \
    "fetched 50 days ago: the export holds the cursor at its fetch, exit 0"
is "$(notes)" "" "and notes nothing"
like "$ERR" "were not fetched again by this export" "the warning says why"

# The trap: changes stopped 100 days ago, just after fetching it.
fetched_long_ago -100
export_now
is "$RC" 0 "fetched 100 days ago: the export exits 0"
is "$(cursor)" "$TODAY" "the cursor moves to the export's day"
is "$(notes)" "$video|${TODAY}T00:00:00Z|none" \
    "the movie is noted, without a copy, needing one from that day"
like "$ERR" "warning: 1 stored movie\(s\) this export did not fetch again \(possible causes: video movies without --include-video\) would hold the changes cursor at $(day -100), further back than the next 'changes' run reads \(from $(day -89), 90 days\): noted in stale_copies instead, and changes are marked complete from $TODAY; the next 'changes' run fetches those 1 movie\(s\) again besides its days, no --rate limit" \
    "the warning says how many, why, what the next changes run fetches, and its cost"
unlike "$ERR" "more than a night's changes" "one movie: no advice to fetch them in the export"
unlike "$ERR" "were not fetched again by this export" "not that the cursor is held"
run_ingest stats
like "$OUT" "1 movie\(s\) wait to be fetched again by the next changes run: 0 served copies older than their change \(TMDB's cache\), 1 without a copy \(failed, or left out by an export\)" \
    "stats counts it among those waiting, not as failed only"

run_ingest changes --rate 0
is "$RC" 0 "the next changes run does not refuse: exit 0"
is "$(sql "SELECT fetched_at >= '${TODAY}T00:00:00Z' FROM movies WHERE id = $video")" 1 \
    "it fetches the noted movie"
is "$(notes):$(cursor)" ":$TODAY" "and clears the note; the cursor stays"

# A cursor within reach stays where it is: the changes runs that moved it
# there would have fetched the movie had it changed. Nothing is noted (a
# weekly export without --include-video on a database whose nightly changes
# run would otherwise note every old video movie each week).
sql "UPDATE movies SET fetched_at = '$(day -100)T05:00:00Z' WHERE id = $video"
export_now
is "$RC:$(cursor):$(notes)" "0:$TODAY:" \
    "fetched 100 days ago, the cursor at today: nothing noted, the cursor stays"
unlike "$ERR" "were not fetched again by this export" "and no warning that it holds the cursor"
# The shipped schedule's weekly export, after a night's changes, of a video
# movie changes fetched weeks ago: the cursor is not held either, and was
# said to be every week.
sql "UPDATE movies SET fetched_at = '$(day -20)T05:00:00Z', copy_made_at = NULL WHERE id = $video"
export_now --max-age 6d
is "$RC:$(cursor):$(notes)" "0:$TODAY:" "fetched 20 days ago, the cursor at today: it stays"
unlike "$ERR" "warning" "and the export warns of nothing"

# A first export on a database that holds such a movie: the same.
fetched_long_ago -100 none
export_now
is "$RC:$(cursor):$(notes)" "0:$TODAY:$video|${TODAY}T00:00:00Z|none" \
    "no cursor yet: the export sets its day and notes the movie"
run_ingest changes --rate 0
is "$RC:$(notes)" "0:" "the next changes run fetches it"

# --max-age: a skipped movie holds the cursor at its copy's day, and TMDB's
# cache often made the copy the day before the fetch: up to --max-age and a
# day back. So an export refuses one longer than 87 days, before anything is
# fetched or recorded: 88 days could leave the next changes run no night to
# miss (and what it skips from before the days changes reads is fetched by
# that run anyway). 87 days are accepted, and leave one.
fetched_long_ago -80
runs=$(sql "SELECT count(*) FROM runs")
export_now --include-video --max-age 120d
is "$RC:$(cursor):$(notes):$(sql "SELECT count(*) FROM runs")" "2:$(day -80)::$runs" \
    "--max-age 120d: refused, exit 2, nothing run, noted or moved"
like "$ERR" "error: export --max-age 120d: an export leaves the changes cursor at the oldest fetch it skips \(or at its copy's day, often the day before\), and 'changes' refuses a cursor more than 90 days back; a --max-age over 87 days leaves no night to miss.*Use --max-age 87d or less: --max-age Nd leaves 88-N nights 'changes' may miss" \
    "the error says why, and the longest to use"
export_now --include-video --max-age 88d
is "$RC:$(cursor):$(sql "SELECT count(*) FROM runs")" "2:$(day -80):$runs" \
    "--max-age 88d: refused too (a copy of the day before the fetch leaves no night)"
sql "UPDATE movies SET fetched_at = '$(day -86)T05:00:00Z',
                       copy_made_at = '$(day -87)T23:00:00Z' WHERE id = $video;
     DELETE FROM meta WHERE key = 'changes_from'"
export_now --include-video --max-age 87d
is "$RC:$(cursor):$(notes)" "0:$(day -87):" \
    "--max-age 87d: skips the movie fetched 86 days ago, the cursor held at its copy's day"
run_ingest changes --dry-run
is "$RC" 0 "and the next changes run does not refuse it"
# An export whose day is unknown (a --file with no date in its name) never
# moves the cursor: any --max-age goes. A dated file's is refused.
mkdir -p "$TMP/nodate"
export_file_of_stored 5 "$TMP/nodate/ids.json.gz"
run_ingest export --file "$TMP/nodate/ids.json.gz" --max-age 100d --rate 0
is "$RC:$(cursor)" "0:$(day -87)" \
    "export --file with no day in its name, --max-age 100d: runs, exit 0, the cursor left"
cp "$TMP/nodate/ids.json.gz" "$TMP/nodate/movie_ids_$(date -u -d "$TODAY" +%m_%d_%Y).json.gz"
run_ingest export --file "$TMP/nodate/movie_ids_$(date -u -d "$TODAY" +%m_%d_%Y).json.gz" \
    --max-age 100d --rate 0
is "$RC" 2 "a dated --file, --max-age 100d: refused, exit 2"

# --shard: another shard's movie that old is left to its own runs: the
# cursor stays held (changes refuses, as it did) and the warning says why.
other=$(((video + 1) % 2))
fetched_long_ago -100
export_now --shard "$other/2"
is "$RC:$(cursor):$(notes)" "0:$(day -100):" \
    "export --shard $other/2 of another shard's movie: nothing noted, the cursor held"
like "$ERR" "export --shard $other/2: movies of other shards stored in this database, fetched \(or stored from copies made\) as early as $(day -100), hold the changes cursor there, further back than the next 'changes' run reads \(from $(day -89), 90 days\), which will refuse.*Run export without --shard, or keep one database per shard" \
    "the warning says the way out"
# its own shard's is noted: the other shard's movies, fetched today, do not
# hold the cursor
export_now --shard "$((video % 2))/2"
is "$RC:$(cursor):$(notes)" "0:$TODAY:$video|${TODAY}T00:00:00Z|none" \
    "export --shard $((video % 2))/2, the movie's own: noted, the cursor at the export's day"
run_ingest changes --rate 0 --shard "$((video % 2))/2"
is "$RC:$(notes)" "0:" "changes --shard of that shard fetches it"

# --max-age with such a movie: the movies it skips, fetched within reach,
# bound the day the cursor moves to (their oldest fetch's) and are not
# noted, so the warning's possible causes leave --max-age out.
# others_fetched_10_days_ago COPY_MADE: every movie fetched 10 days ago
# from a copy made at COPY_MADE, but the video movie, 100 days ago; no
# cursor, no note.
others_fetched_10_days_ago() {
    sql "UPDATE movies SET fetched_at = '$(day -10)T05:00:00Z', copy_made_at = '$1';
         DELETE FROM stale_copies"
    fetched_long_ago -100 none
}
others_fetched_10_days_ago "$(day -10)T04:00:00Z"
export_now --max-age 20d
is "$RC:$(cursor):$(notes)" "0:$(day -10):$video|$(day -10)T00:00:00Z|none" \
    "export --max-age 20d, the others fetched 10 days ago: the old movie alone noted, the cursor at their fetch's day"
like "$ERR" "warning: 1 stored movie\(s\) this export did not fetch again \(possible causes: video movies without --include-video\) would hold the changes cursor at $(day -100)," \
    "the warning names the causes that may have left it out, not --max-age"
# The same from copies TMDB's cache made the day before their fetch, as it
# often does: they bound the cursor at the copies' day, and are not noted
# (before, a cursor at their fetch's day was past their copies, and every
# movie --max-age skipped was noted: up to the whole catalogue for the next
# changes run).
others_fetched_10_days_ago "$(day -11)T23:00:00Z"
export_now --max-age 20d
is "$RC:$(cursor):$(notes)" "0:$(day -11):$video|$(day -11)T00:00:00Z|none" \
    "copies made the day before their fetch: the old movie alone noted, the cursor at the copies' day"
# So do the movies a resumed export skips as settled by the run it resumes.
others_fetched_10_days_ago "$(day -11)T23:00:00Z"
sql "UPDATE runs SET status = 'interrupted', started_at = '$(day -10)T00:00:00Z'
     WHERE id = (SELECT max(id) FROM runs)"
export_now -v
like "$ERR" "resuming after run" "an export that resumes one interrupted 10 days ago"
is "$RC:$(cursor):$(notes)" "0:$(day -11):$video|$(day -11)T00:00:00Z|none" \
    "its movies from copies made the day before their fetch: the old movie alone noted, the cursor at the copies' day"
# So across --shard: an export of one shard that resumes its own run. The
# other shard's movies are fetched today: from copies made on day -11 they
# would bound the cursor at that day themselves, and hide what this checks.
mine="$((video % 2))/2"
export_now --shard "$mine"
others_fetched_10_days_ago "$(day -11)T23:00:00Z"
sql "UPDATE movies SET fetched_at = '${TODAY}T01:00:00Z', copy_made_at = '${TODAY}T00:30:00Z'
     WHERE id % 2 <> $video % 2"
sql "UPDATE runs SET status = 'interrupted', started_at = '$(day -10)T00:00:00Z'
     WHERE id = (SELECT max(id) FROM runs)"
export_now --shard "$mine" -v
like "$ERR" "resuming after run" "an export --shard $mine that resumes its own, interrupted 10 days ago"
is "$RC:$(cursor):$(notes)" "0:$(day -11):$video|$(day -11)T00:00:00Z|none" \
    "its shard's movies from copies made the day before their fetch: the old movie alone noted, the cursor at the copies' day"

# Cost: a first export with --min-popularity on a database loaded more
# than 90 days ago notes every stored movie below it. 10,002 stored movies
# (one fetched from the fake, 10,001 rows like it), all listed in a dated
# export file below the threshold: the next changes run fetches them all,
# 10,002 requests, about 5 minutes at --rate 35; more than a night holds,
# so the warning says how to fetch them now.
DB="$TMP/large.db"
first=$(catalogue_ids 1 $FAKE_OPTS)
run_ingest ids "$first" --rate 0
sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10001)
     INSERT INTO movies (id, title, raw_json, language, fetched_at)
     SELECT 5000000 + i, 'copy ' || i, '{}', 'en-US', 'x' FROM n;
     UPDATE movies SET fetched_at = '$(day -100)T05:00:00Z', copy_made_at = '$(day -100)T04:00:00Z'"
LARGE="$TMP/large/movie_ids_$(date -u -d "$TODAY" +%m_%d_%Y).json.gz"
mkdir -p "$TMP/large"
export_file_of_stored 0.5 "$LARGE"
run_ingest export --file "$LARGE" --min-popularity 1 --rate 35
is "$RC:$(cursor):$(sql "SELECT count(*) FROM stale_copies")" "0:$TODAY:10002" \
    "a first export below --min-popularity of 10,002 movies fetched 100 days ago: all noted"
like "$ERR" "10002 stored movie\(s\) this export did not fetch again \(possible causes: video movies without --include-video, or below --min-popularity\).*the next 'changes' run fetches those 10002 movie\(s\) again besides its days, about 0h05m at 35 requests/s" \
    "the warning says what the next changes run will take at the run's --rate"
like "$ERR" "warning: that is more than a night's changes usually hold \(10000 movies\): to fetch them now rather than in the next 'changes' run, run this export again with --include-video and without --min-popularity \(its fetches clear their notes\)" \
    "and, that many, how to fetch them in an export instead"

# A resumed export: the run it resumes was interrupted 100 days ago (its
# movies and its start set back). Its movies are noted, and the cursor goes
# to the export's day, as for the video movie above: the start of the run
# it resumed, a day before the next changes run reads, no longer holds it
# at that first day (from which changes would read 89 days again, and one
# missed night make it refuse). The warning's causes are possible ones.
DB="$TMP/resumed.db"
"$BIN" --db "$DB" --no-progress --api-base "$FAKE_URL/3" export --export-base "$EXPORT_BASE" \
    --date "$TODAY" --rate 10 >/dev/null 2>&1 &
pid=$!
wait_for_movies 5 "$pid"
kill -9 "$pid"
wait "$pid" 2>/dev/null
sql "UPDATE movies SET fetched_at = '$(day -100)T05:00:00Z', copy_made_at = '$(day -100)T04:00:00Z';
     UPDATE runs SET started_at = '$(day -100)T04:00:00Z'"
old=$(sql "SELECT count(*) FROM movies")
export_now
is "$RC:$(cursor):$(sql "SELECT count(*) FROM stale_copies")" "0:$TODAY:$old" \
    "a resumed export of a run interrupted 100 days ago: its $old movies noted, the cursor at the export's day"
like "$ERR" "warning: $old stored movie\(s\) this export did not fetch again \(possible causes: video movies without --include-video, or stored by the run it resumed\) would hold the changes cursor at $(day -100),.*changes are marked complete from $TODAY;" \
    "the warning names the possible causes"
run_ingest changes --dry-run
like "$RC:$OUT" "^0:.*would fetch $old movie\(s\)" "the next changes fetches those movies only"

done_testing
