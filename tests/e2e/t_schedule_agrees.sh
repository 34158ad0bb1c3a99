#!/bin/sh
# The shipped schedule (scripts/schedule/: the systemd units and the
# crontab) runs what the README's "Keeping the whole catalogue" says, with
# the first load's --append on every line: a run without a part records its
# movies as stored without it, and their cast, crew or keywords stop being
# refreshed ("credits for 19525" became "credits for 760" after one weekly
# export). The units' commands, run as written against the fake, keep every
# movie's parts. A stop by systemd (exit 143) does not fail a unit, and the
# install steps create the user and run the first export before the timers.
# A load whose --append leaves out parts most stored movies have warns.
. "$(dirname "$0")/lib.sh"
plan 14

S=$ROOT/scripts/schedule
# each command line's --append, or "none"
appends() {
    while IFS= read -r l; do
        case "$l" in
        *"--append "*) printf '%s\n' "$l" | sed 's/.*--append \([^ ;]*\).*/\1/' ;;
        *) echo none ;;
        esac
    done
}
# the loads of the README's block (not the dry run)
sed -n '/^## Keeping the whole catalogue/,/^## /p' "$ROOT/README.md" |
    sed -n '/^```sh$/,/^```$/p' | grep '^tmdb-ingest ' | grep -v -- '--dry-run' >"$TMP/readme"
first=$(grep -m1 '^tmdb-ingest export' "$TMP/readme" | appends)
is "$(grep -c . "$TMP/readme"):$first" "3:credits,keywords" \
    "the README's first load, nightly changes and weekly export; the first names its parts"
is "$(appends <"$TMP/readme" | sort -u)" "$first" "every load in the README uses the first load's --append"
# ExecStart=, continuation lines joined
execstart() { sed -e ':a' -e '/\\$/N; s/\\\n *//; ta' "$1" | sed -n 's/^ExecStart=//p'; }
for unit in changes export; do
    execstart "$S/tmdb-ingest-$unit.service" >"$TMP/$unit.cmd"
    is "$(grep -c " $unit" "$TMP/$unit.cmd"):$(appends <"$TMP/$unit.cmd")" "1:$first" \
        "tmdb-ingest-$unit.service runs $unit with the first load's --append"
done
grep '^[^#]*tmdb-ingest ' "$S/crontab.example" >"$TMP/cron"
is "$(grep -c . "$TMP/cron"):$(appends <"$TMP/cron" | sort -u)" "2:$first" \
    "both crontab lines use the first load's --append"
is "$(grep -h '^SuccessExitStatus=' "$S"/*.service | grep -cw 143)" 2 \
    "a stop by systemd (exit 143) fails neither unit"
# The install steps, in order: the user before anything it owns, the first
# export by hand before the timers (until one has finished, changes exits 2).
steps=$(sed -n '/^# Install/,/^#$/p' "$S/tmdb-ingest-changes.service")
order=$(printf '%s\n' "$steps" | grep -nE 'useradd --system|-o tmdb|systemctl start .*tmdb-ingest-export.service|systemctl enable' |
    sed -E 's/^([0-9]+):.*(useradd|-o tmdb|start|enable).*/\2/' | uniq | tr '\n' ' ')
is "$order" "useradd -o tmdb start enable " "install: useradd, the directories, the first export, then the timers"
like "$(tr '\n' ' ' <"$ROOT/README.md")" "systemctl start --no-block tmdb-ingest-export.service" \
    "the README's scheduling says to run the export once first"

# The units' commands as written (without --db and --token-file, which name
# the machine's files), against the fake: a first load as the README's, then
# the weekly export once the movies are 7 days old, then a night's changes.
start_fake --movies 40 --deleted 0
args() { sed -e 's/^[^ ]*tmdb-ingest //' -e 's/--db [^ ]* //' -e 's/--token-file [^ ]* //' "$1"; }
export_args="--export-base $FAKE_URL/p/exports --date $(date -u +%F) --rate 0"
run_ingest $(sed -n 1p "$TMP/readme" | sed -e 's/^tmdb-ingest //' -e 's/ *#.*//') $export_args
stored=$(sql "SELECT count(*) FROM movies WHERE appended = '$first'")
sql "UPDATE movies SET fetched_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-7 days')"
run_ingest $(args "$TMP/export.cmd") $export_args
is "$RC:$(sql "SELECT count(*) FROM movies WHERE fetched_at > date('now', '-1 day')")" "0:$stored" \
    "the export unit's command fetches again the $stored movies older than its --max-age"
is "$(sql "SELECT count(*) FROM movies WHERE appended = '$first'")" "$stored" \
    "every movie is still recorded with $first: its parts stay refreshed"
# After the weekly export, the search index is compacted (README, "Upkeep").
sed -n 's/^ExecStartPost=-//p' "$S/tmdb-ingest-export.service" >"$TMP/post.cmd"
run_ingest $(args "$TMP/post.cmd")
is "$RC:$(grep -c ' optimize$' "$TMP/post.cmd"):$(grep -c 'export .*; tmdb-ingest -q --db "$TMDB_DB" optimize$' "$S/crontab.example")" \
    "0:1:1" "the export unit, then the crontab's weekly line, compact the search index after the export"
sql "UPDATE meta SET value = date('now', '-3 days') WHERE key = 'changes_from'"
run_ingest $(args "$TMP/changes.cmd") --rate 0
is "$RC:$(sql "SELECT count(*) FROM movies WHERE appended IS NOT '$first'")" "0:0" \
    "the changes unit's command keeps every movie's parts"
unlike "$ERR" "left out" "a run with the database's parts is not warned"
# A run that leaves out parts most movies have is told which, and what to use.
sql "UPDATE meta SET value = date('now', '-3 days') WHERE key = 'changes_from'"
run_ingest changes --rate 0 --append keywords
like "$RC:$ERR" "^0:.*warning: most of the $stored stored movies were stored with credits, left out of this run's --append: .* --append $first\)" \
    "changes --append keywords: warned that credits stop being refreshed, and told the parts"

done_testing
