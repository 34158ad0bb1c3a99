#!/bin/sh
# A load whose --append leaves out a part most stored movies have is told
# the --append to use instead, and that list keeps the parts the run asked
# for that are kept only in raw_json (videos, images, ...): a database
# loaded with --append credits,videos and a line changed to --append videos
# was told "--append credits", and the line fixed that way lost the videos
# of every movie it fetched (a fetch without them replaces the raw_json that
# held them, with no warning).
. "$(dirname "$0")/lib.sh"
plan 4

start_fake --movies 20 --deleted 1
run_ingest list now_playing --pages all --rate 0 --append credits,videos
is "$RC" 0 "a load with --append credits,videos exits 0"

run_ingest list now_playing --pages all --rate 0 --append videos
like "$RC:$ERR" "^0:.*warning: most of the 19 stored movies were stored with credits, left out of this run's --append" \
    "--append videos: warned that credits are left out"
like "$ERR" "use the parts the database was loaded with: --append credits,videos\)" \
    "the --append it names keeps videos, which the run asked for"

run_ingest list now_playing --pages all --rate 0 --append videos,credits,images
unlike "$ERR" "left out" "a run with every part (in any order) is not warned"

done_testing
