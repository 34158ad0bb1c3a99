#!/bin/sh
# Shapes of a details body real TMDB sends that the fake's catalogue does
# not (served as crafted bodies, --body-file): each movie is stored, with
# "" and null as NULL, an integer vote_average as a score, text escapes
# kept, unknown fields ignored; exit 0.
. "$(dirname "$0")/lib.sh"
plan 12

"$PYTHON" - "$TMP" <<'PY'
import json, sys
tmp = sys.argv[1]
person = {"adult": False, "gender": 0, "id": 819, "name": "Edward Norton",
          "original_name": "Edward Norton", "popularity": 26.99, "profile_path": None}
body = {
    "adult": False, "backdrop_path": None, "belongs_to_collection": None, "budget": 0,
    "genres": [], "homepage": "", "id": 901, "imdb_id": None, "origin_country": [],
    "original_language": "en", "original_title": "Fight Club", "overview": "",
    "popularity": 0, "poster_path": None, "production_companies": [],
    "production_countries": [], "release_date": "", "revenue": 2923706026, "runtime": None,
    "spoken_languages": [{"english_name": "Latin", "iso_639_1": "la", "name": ""}],
    "status": "Released", "tagline": None, "title": "Fight Club", "video": False,
    "vote_average": 7, "vote_count": 0, "a_field_tmdb_added_later": {"x": [1, None]},
    "credits": {"cast": [{**person, "cast_id": 4, "character": None,
                          "credit_id": "52fe4250c3a36847f80149f3", "order": 0}],
                "crew": [{**person, "gender": None, "credit_id": "52fe4250c3a36847f8014a11",
                          "department": "Directing", "job": "Director"}]},
    "keywords": {"keywords": []},
    "release_dates": {"results": [{"iso_3166_1": "US", "release_dates": [
        {"certification": "", "descriptors": [], "iso_639_1": "", "note": "",
         "release_date": "1999-10-15T00:00:00.000Z", "type": t} for t in range(1, 7)]}]},
    "external_ids": {"id": 901, "imdb_id": None, "wikidata_id": None, "facebook_id": None,
                     "instagram_id": None, "twitter_id": None},
    "translations": {"translations": [{"iso_3166_1": "US", "iso_639_1": "en", "name": "",
                                       "english_name": "English",
                                       "data": {"homepage": "", "overview": "", "runtime": 0,
                                                "tagline": "", "title": ""}}]},
}
open(f"{tmp}/901.json", "w").write(json.dumps(body, ensure_ascii=False))
# ASCII-escaped text: a surrogate pair (kept), \u0000 (U+FFFD), a long overview
escaped = {"id": 902, "title": "Emoji \U0001F3AC", "tagline": "a\u0000b",
           "overview": "A very long overview. " * 5000,
           **{k: body[k] for k in ("credits", "keywords", "release_dates", "external_ids",
                                   "translations")}}
open(f"{tmp}/902.json", "w").write(json.dumps(escaped, ensure_ascii=True))
PY
start_fake --movies 5 --body-file "901:$TMP/901.json" --body-file "902:$TMP/902.json"
run_ingest ids 901 902 --rate 0 --retries 0 \
    --append credits,keywords,release_dates,external_ids,translations
is "$RC" 0 "exit 0: both movies stored"
is "$(sql 'SELECT count(*) FROM movies')" 2 "two rows"
is "$(sql "SELECT quote(imdb_id), quote(overview), quote(tagline), quote(release_date), \
    quote(runtime), quote(homepage), quote(poster_path), quote(collection_id) \
    FROM movies WHERE id = 901")" "NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL" \
    "\"\" and null are NULL"
is "$(sql "SELECT budget, revenue, quote(vote_average), vote_count, quote(popularity) \
    FROM movies WHERE id = 901")" "0|2923706026|7.0|0|0.0" \
    "an integer vote_average is a score; revenue above 2^31 exact"
is "$(sql "SELECT english_name, quote(name) FROM languages WHERE iso_639_1 = 'la'")" \
    "Latin|NULL" "a spoken language without its own name"
is "$(sql "SELECT quote(character), cast_order FROM movie_cast WHERE movie_id = 901")" \
    "NULL|0" "a null character"
is "$(sql "SELECT quote(gender), quote(profile_path), quote(known_for_department) \
    FROM people WHERE id = 819")" "NULL|NULL|NULL" \
    "the latest description of a person: gender null, no profile, no department"
is "$(sql "SELECT group_concat(type || ':' || quote(certification) || quote(iso_639_1) || \
    quote(note), ' ') FROM release_dates WHERE movie_id = 901")" \
    "1:NULLNULLNULL 2:NULLNULLNULL 3:NULLNULLNULL 4:NULLNULLNULL 5:NULLNULLNULL 6:NULLNULLNULL" \
    "release types 1-6, empty certification, language and note"
is "$(sql "SELECT count(*) FROM external_ids WHERE movie_id = 901 AND \
    coalesce(imdb_id, wikidata_id, facebook_id, instagram_id, twitter_id) IS NULL")" 1 \
    "external ids all null: one row of NULLs"
is "$(sql "SELECT quote(name), quote(title), quote(overview), quote(runtime) \
    FROM translations WHERE movie_id = 901")" "NULL|NULL|NULL|NULL" "an empty translation"
is "$(sql "SELECT title, hex(tagline), length(overview) FROM movies WHERE id = 902")" \
    "Emoji 🎬|61EFBFBD62|110000" "escapes: a surrogate pair kept, \\u0000 as U+FFFD, long text whole"
is "$(sql 'PRAGMA integrity_check')" ok "integrity_check ok"
done_testing
