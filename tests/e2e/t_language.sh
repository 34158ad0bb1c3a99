#!/bin/sh
# A database holds one language's text: a run in another language is refused.
. "$(dirname "$0")/lib.sh"
plan 10

start_fake --movies 20 --deleted 0
ids=$(catalogue_ids 3 --movies 20 --deleted 0)
run_ingest ids $ids --language en-US --rate 0
is "$RC" 0 "first run in en-US"
run_ingest ids $ids --rate 0
is "$RC" 2 "a ko-KR run on an en-US database: exit 2"
like "$ERR" "en-US" "message names the database's language"
like "$ERR" "ko-KR" "message names the requested language"
is "$(sql 'SELECT count(*) FROM runs')" 1 "the refused run wrote nothing"

# A dry run says what the run would do: in another language it is refused
# too, not "would fetch 3" for a run that would then exit 2.
run_ingest ids $ids --rate 0 --dry-run
is "$RC" 2 "a ko-KR dry run on an en-US database: exit 2, as the run"
like "$ERR" "en-US" "the dry run's message names the database's language"
unlike "$OUT" "would fetch" "the dry run does not say it would fetch anything"

# A language TMDB has no translation in for a movie: the title falls back to
# the original title, overview and tagline come as "" (no fallback to
# English), stored as NULL ("unknown").
DB=$TMP/fr.sqlite3
run_ingest ids $ids --language fr-FR --rate 0
is "$RC" 0 "a run in fr-FR"
is "$(sql "SELECT count(*) || ':' || sum(title = original_title) || ':' || sum(overview IS NULL AND tagline IS NULL) || ':' || min(language) FROM movies")" \
    "3:3:3:fr-FR" "no translation: the original title, overview and tagline NULL"

done_testing
