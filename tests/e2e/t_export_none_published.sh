#!/bin/sh
# export with no --date, TMDB late by two days: neither the newest export
# nor the day before's (the fallback) is there. The run fails (exit 1) and
# says which file it could not get and why, the day before's as the newest:
# a fallback that is missing too is an error, not a quiet end.
. "$(dirname "$0")/lib.sh"
plan 3

# The newest export as the tool computes it (today's from 08:00 UTC, else
# yesterday's); the fake's today is the day before it, not published yet.
# When 08:00 UTC comes between this and the tool's own choice, the run is
# done again: it comes once a day, so the second cannot straddle it.
newest() {
    "$PYTHON" -c 'import datetime as d
n = d.datetime.now(d.timezone.utc)
print(n.date() if n.hour >= 8 else n.date() - d.timedelta(days=1))'
}
for attempt in 1 2; do
    NEWEST=$(newest)
    BEFORE=$(date -u -d "$NEWEST -1 day" +%F)
    start_fake --movies 20 --deleted 0 --today "$BEFORE" --export-unpublished
    run_ingest export --export-base "$FAKE_URL/p/exports" --rate 0
    [ "$(newest)" = "$NEWEST" ] && break
    [ "$attempt" = 2 ] && bail "the newest export changed during two attempts in a row"
    diag "08:00 UTC came during attempt $attempt: the newest export changed; again"
done
is "$RC" 1 "neither the newest export nor the day before's there: exit 1"
like "$ERR" "the export of $NEWEST is not there yet: taking the day before's" \
    "the newest missing: the day before's is taken"
like "$ERR" "error: export $FAKE_URL/p/exports/movie_ids_$(date -u -d "$BEFORE" +%m_%d_%Y)\.json\.gz: HTTP 403" \
    "the day before's missing too: the error names it and the answer"
done_testing
