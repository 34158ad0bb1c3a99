#!/bin/sh
# Lists move while they are paged (tmdb-api-notes.md: "The lists move while
# you page through them"): total_pages can grow or shrink between pages.
# --pages all follows the latest total_pages, up to --pages and the cap.
. "$(dirname "$0")/lib.sh"
plan 8

# The list holds 40 entries (2 pages) when page 1 is read, 100 (5 pages)
# by the time page 2 is: pages 3 to 5 exist and are read.
start_fake --movies 200 --deleted 0 --list-length 40:100
run_ingest list popular --pages all --rate 0
is "$RC" 0 "a list that grows while paged: exit 0"
is "$(sql 'SELECT count(*) FROM movies')" 100 "the pages it grew by are read: 100 movies"
fake_snapshot
is "$(fake_stat by_endpoint.list)" 5 "5 list pages requested"

# It grows to 5 pages, but --pages 3 asked for 3.
stop_fake
start_fake --movies 200 --deleted 0 --list-length 40:100
run_ingest --db "$TMP/three.sqlite3" list popular --pages 3 --rate 0
is "$(sqlite3 "$TMP/three.sqlite3" 'SELECT count(*) FROM movies')" 60 "--pages 3 still stops at 3"

# It shrinks from 5 pages to 2: no request past its new end.
stop_fake
start_fake --movies 200 --deleted 0 --list-length 100:30
run_ingest --db "$TMP/shrink.sqlite3" list popular --pages all --rate 0
is "$RC:$(sqlite3 "$TMP/shrink.sqlite3" 'SELECT count(*) FROM movies')" "0:30" \
    "a list that shrinks while paged: exit 0, its 30 movies"
fake_snapshot
is "$(fake_stat by_endpoint.list)" 2 "no page past its new end requested"

# Entries move down while paged: each page after the first also holds the
# 3 entries before it, the last 3 ids of the page before (112 entries, 100
# movies). Each movie is requested once (the producer enqueues an id once
# a run), not once a page.
stop_fake
start_fake --movies 200 --deleted 0 --shift 3
DB=$TMP/shift.sqlite3
run_ingest list popular --pages 5 --rate 0
fake_snapshot
is "$RC:$(sql 'SELECT count(*) FROM movies')" "0:100" "a list shifting by 3 a page: its 100 movies stored"
is "$(fake_stat by_endpoint.details):$(sql 'SELECT requested FROM runs')" "100:100" \
    "each requested once, and the run says 100 requested (the 12 repeats not counted)"

done_testing
