#!/usr/bin/env python3
"""fake_tmdb.py - a local stand-in for The Movie Database (TMDB) API v3.

For tmdb-ingest's end-to-end tests, benchmarks and demo. Python 3 standard
library only; binds to the loopback interface only.

It serves, from a deterministic generated catalogue (same options, same
catalogue), the endpoints tmdb-ingest uses, with TMDB's JSON shapes and
error bodies (see ../shared/tmdb-api-notes.md):

    GET /3/movie/{id}?append_to_response=credits,keywords,...
                                               movie details; appended parts:
                                               credits, keywords, release_dates,
                                               external_ids, translations,
                                               videos, images, alternative_titles
                                               (unknown names ignored; more than
                                               20 names: 400, status_code 27)
    GET /3/movie/now_playing|popular|top_rated|upcoming?page=N   list pages
    GET /3/movie/changes?start_date=YYYY-MM-DD&end_date=YYYY-MM-DD&page=N
                                               ids changed in the window, 100 a
                                               page (default: the day before
                                               end_date .. end_date, end_date =
                                               --today); bad date 400/23, range
                                               over 14 days 422/20, bad page 400/22
    GET /p/exports/movie_ids_MM_DD_YYYY.json.gz
                                               the daily id export, as
                                               files.tmdb.org serves it: no
                                               authentication, gzip of one JSON
                                               object per line, for the live
                                               movies in catalogue order; only
                                               for the 90 days up to --today,
                                               otherwise 403 with an S3 XML body
    GET /p/exports/adult_movie_ids_MM_DD_YYYY.json.gz
                                               the same for the adult movies,
                                               which (as on TMDB since July
                                               2023) movie_ids_ leaves out

Every 200 of /3/ comes as from TMDB's CDN cache (its Cache-Control allows
hours): with an Age header and a Date that much older, the time the origin
made the copy. By default the Age is --cache-age seconds but never more
than the time since 00:00 UTC of the fake's current day (its clock, with
--clock-offset): no copy is made before today, so a copy never predates a
change of a day before, and no test sees stale details by accident (also
between 00:00 and 01:00 UTC). With --stale-details each change date has a
time of day too, a details body holds only the changes made up to its
copy's time (vote_count grows by CHANGE_VOTES with each), and the Age is
--cache-age uncapped: a copy made before a change holds the data from
before it, as TMDB's CDN serves it for hours. A /movie/changes page lists
every change of its window, so its copy is made today (Age capped, also
with --stale-details); with --changes-cache-age SECONDS it is that old,
uncapped, and lists only the changes made up to its time: a copy made
before its window ended misses the window's last changes
(--changes-cache-before DAY: only windows ending before DAY;
--changes-copy-on-last-day SECONDS: each window from a copy made that
long after the start of its own last day; --changes-page-cache-age N:SECONDS:
page N of each window from a copy that old, its other pages as usual, as
the CDN caches each page's URL on its own). Above
--rate-limit requests in any second (default 40, as TMDB's CDN per
address) /3/ answers 429 without Retry-After.

and, for tests:

    GET  /__stats   what it saw: requests, statuses, most requests in flight,
                    connections, requests per endpoint ("details", "list",
                    "changes", "export", "other"), detail requests per id,
                    when each endpoint was first and last requested, answers
                    of /3/ sent and how many of them gzipped (not counted
                    itself)
    POST /__reset   zero the counters
    POST /__next_day
                    a day passes for the details bodies: each movie's
                    popularity and votes move, as TMDB's do from one day to
                    the next, its texts stay (a nightly reload's bodies)

The catalogue deliberately holds what real data holds: Korean text, quotes,
emoji, backslashes, newlines, very long overviews, null and "" fields,
runtime 0 and null, revenue and budget above 2^31, and deleted ids (listed,
but their details answer 404). Every movie, deleted ones included, has 0-2
change dates within the 40 days up to --today (about half have none).
Appended parts are made per request from the movie id and --seed, so the
same request always gets the same bytes.

Faults are injected per movie (--fault ID:KIND[:N]) or for a seeded
fraction of the catalogue (--fault-fraction), per list page (--page-fault)
and per changes page (--changes-page-fault: an error, TMDB's JSON one or
CloudFront's HTML page for a 502, 503 or 504, a page cut short, a CDN's
HTML page as a 200, or one result with a bad id, --bad-result); see
--help for the kinds.

`--dump-catalogue` prints, one JSON object per line, what a details request
would return for each movie, plus "deleted": tests compare the database
against it; with `--dump-append PARTS` each line also holds those appended
parts. `--dump-ids` prints the live ids, `--dump-changes START END` the ids
changed in [START, END], and `--write-export PATH [--export-ids N]` writes a
daily export file (N synthetic ids for big tests), each then exiting.
"""
import argparse
import datetime
import email.utils
import gzip
import json
import os
import random
import re
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

LISTS = ("now_playing", "popular", "top_rated", "upcoming")
PAGE_SIZE = 20
MAX_PAGE = 500

GENRES = [
    (28, "Action", "액션"), (12, "Adventure", "모험"), (16, "Animation", "애니메이션"),
    (35, "Comedy", "코미디"), (80, "Crime", "범죄"), (99, "Documentary", "다큐멘터리"),
    (18, "Drama", "드라마"), (10751, "Family", "가족"), (14, "Fantasy", "판타지"),
    (36, "History", "역사"), (27, "Horror", "공포"), (10402, "Music", "음악"),
    (9648, "Mystery", "미스터리"), (10749, "Romance", "로맨스"),
    (878, "Science Fiction", "SF"), (10770, "TV Movie", "TV 영화"), (53, "Thriller", "스릴러"),
    (10752, "War", "전쟁"), (37, "Western", "서부"),
]
COMPANIES = [
    (420, "Marvel Studios", "/hUzeosd33nzE5MCNsZxCGEKTXaQ.png", "US"),
    (7505, "CJ Entertainment", None, "KR"),
    (2, "Walt Disney Pictures", "/wdrCwmRnLFJhEoH8GSfymY85KHT.png", "US"),
    (4, "Paramount", "", "US"),
    (128064, "Studio \"Quotes\" & Sons", None, ""),
]
COUNTRIES = [("US", "United States of America"), ("KR", "South Korea"), ("FR", "France"),
             ("JP", "Japan")]
LANGUAGES = [("en", "English", "English"), ("ko", "Korean", "한국어/조선말"),
             ("fr", "French", "Français"), ("ja", "Japanese", "日本語")]
STATUSES = ["Released", "Released", "Released", "Post Production", "In Production", "Rumored",
            "Planned", "Canceled"]
KO_WORDS = ["기생충", "괴물", "올드보이", "살인의 추억", "부산행", "아가씨", "헤어질 결심", "버닝"]
EN_WORDS = ["Parasite", "The Host", "Oldboy", "Memories", "Train", "Handmaiden", "Decision",
            "Burning", "Night", "River", "Empire", "Ghost"]
TRICKY = ["\"Quoted\" Title", "Back\\slash", "Line\nbreak", "Tab\there", "Emoji 🎬🍿",
          "Slash / and ünïcödé", "Null\u0001char"]

FAULT_KINDS = ("500", "502html", "503", "503html", "504", "504html", "429", "401", "404",
               "404html", "401html", "reset", "stall", "slowbody", "truncated", "genres_int", "title_int", "no_id", "wrong_id", "huge",
               "bad_utf8", "html200", "echo400", "keyword_twice", "huge_header",
               "no_parts", "x_gzip", "deflate", "gzip_twice", "hints_gzip", "date_past",
               "date_future", "redirect", "redirect_raw", "gzip_cut", "gzip_corrupt",
               "huge_chunked", "cl_short")

# --page-fault / --changes-page-fault kinds that give one result of the page
# (--bad-result, default the first) a bad id in place of its own (no_id:
# none at all; not_object: the result is a bare number, no object)
PAGE_BAD_IDS = {"no_id": None, "id_zero": 0, "id_negative": -5, "id_float": 550.5,
                "id_string": "550", "id_huge": 1e30, "id_null": None, "not_object": None}
PAGE_FAULT_KINDS = ("500", "503", "502html", "503html", "504html", "malformed", "html200",
                    "first_page") + tuple(PAGE_BAD_IDS)

CDN_HTML = (b"<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\">\n"
            b"<HTML><HEAD><TITLE>ERROR: The request could not be satisfied</TITLE></HEAD>\n"
            b"<BODY><H1>502 ERROR</H1><H2>The request could not be satisfied.</H2>\n"
            b"<HR noshade size=\"1px\">Generated by cloudfront (CloudFront)</BODY></HTML>\n")

ERRORS = {  # http status -> (TMDB status_code, status_message)
    401: (7, "Invalid API key: You must be granted a valid key."),
    404: (34, "The resource you requested could not be found."),
    429: (25, "Your request count (#) is over the allowed limit of (40)."),
    500: (11, "Internal error: Something went wrong, contact TMDB."),
    503: (9, "Service offline: This service is temporarily offline, try again later."),
    504: (24, "Your request to the backend server timed out. Try again."),
    400: (22, "Invalid page: Pages start at 1 and max at 500. They are expected to be an "
               "integer."),
}

# Errors with their own TMDB status_code: (http status, status_code, status_message).
ERR_DATE = (400, 23, "Invalid date: Format needs to be YYYY-MM-DD.")
ERR_DATE_RANGE = (422, 20, "Invalid date range: Should be a range no longer than 14 days.")
ERR_APPEND = (400, 27, "Too many append to response objects: The maximum number of remote "
                       "calls is 20.")

CHANGES_PAGE_SIZE = 100
CHANGES_MAX_DAYS = 14     # end_date - start_date at most this
CHANGE_WINDOW_DAYS = 40   # change dates fall in [today - 40, today]
EXPORT_KEEP_DAYS = 90     # the export for D exists when today - 90 < D <= today
MAX_APPEND = 20
CHANGE_VOTES = 7          # --stale-details: vote_count grows this much with each change
APPEND_PARTS = ("credits", "keywords", "release_dates", "external_ids", "translations",
                "videos", "images", "alternative_titles", "changes", "lists",
                "recommendations", "reviews", "similar", "watch/providers")
# Of those, the parts the fake serves empty, in the shape TMDB gives a movie
# with none (every part asked for is in the answer, under its name)
EMPTY_PAGE = {"page": 1, "results": [], "total_pages": 1, "total_results": 0}
EMPTY_PARTS = {"changes": {"changes": []}, "lists": EMPTY_PAGE,
               "recommendations": EMPTY_PAGE, "reviews": EMPTY_PAGE, "similar": EMPTY_PAGE,
               "watch/providers": {"results": {}}}

EXPORT_PATH = re.compile(r"/p/exports/(adult_)?movie_ids_([0-9]{2})_([0-9]{2})_([0-9]{4})"
                         r"\.json\.gz")
S3_ACCESS_DENIED = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
                    b'<Message>Access Denied</Message></Error>')
S3_SLOW_DOWN = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
                b'<Message>Please reduce your request rate.</Message></Error>')
DATE_FORMAT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(text):
    """A strict YYYY-MM-DD date, or None."""
    if text is None or not DATE_FORMAT.fullmatch(text):
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def feature_rng(seed, mid, feature):
    """The random stream of one new feature of one movie. Separate from the
    stream that makes the catalogue, so adding features never moves old fields."""
    return random.Random(f"fake_tmdb:{seed}:{mid}:{feature}")


def hex_id(stamp, mid, kind, index):
    """A 24-hex-digit id shaped like TMDB's (a Mongo ObjectId): unique per
    (movie, kind, index), so credit_ids never repeat within a catalogue."""
    return f"{stamp:08x}{mid & 0xFFFFFFFF:08x}{kind:02x}{index & 0xFFFFFF:06x}"


# -- people, for credits --------------------------------------------------------
# (name, original_name, gender, known_for_department, id)
KO_PEOPLE = [
    ("송강호", "송강호", 2, "Acting", 20738), ("봉준호", "봉준호", 2, "Directing", 21684),
    ("Park Chan-wook", "박찬욱", 2, "Directing", 10099),
    ("Choi Min-sik", "최민식", 2, "Acting", 64880), ("전도연", "전도연", 1, "Acting", 20737),
    ("Kim Hye-soo", "김혜수", 1, "Acting", 85539), ("이병헌", "이병헌", 2, "Acting", 19997),
    ("Bae Doona", "배두나", 1, "Acting", 21688), ("조여정", "조여정", 1, "Acting", 1116301),
    ("Choi Woo-shik", "최우식", 2, "Acting", 1255881), ("박소담", "박소담", 1, "Acting", 1458438),
    ("Lee Sun-kyun", "이선균", 2, "Acting", 116246), ("홍경표", "홍경표", 2, "Camera", 1263716),
    ("Jung Jae-il", "정재일", 2, "Sound", 1418023), ("한진원", "한진원", 2, "Writing", 2354063),
    ("Jeong Seo-kyeong", "정서경", 1, "Writing", 1191208), ("탕웨이", "湯唯", 1, "Acting", 118738),
    ("Park Hae-il", "박해일", 2, "Acting", 25002), ("Kim Min-jun", "김민준", 2, "Acting", 1482200),
    ("Kim Min-jun", "김민준", 0, "Crew", 3309911),  # two people, one name
]
TRICKY_PEOPLE = [
    ("Dwayne \"The Rock\" Johnson", "Dwayne Johnson", 2, "Acting", 18918),
    ("Conan O'Brien", "Conan O'Brien", 2, "Acting", 34112),
    ("\"Weird Al\" Yankovic", "\"Weird Al\" Yankovic", 2, "Sound", 3019),
    ("Zoë Kravitz", "Zoë Kravitz", 1, "Acting", 37625),
    ("Lupita Nyong'o", "Lupita Nyong'o", 1, "Acting", 1267329),
    ("Back\\slash Person", "Back\\slash Person", 3, "Art", 4000001),
    ("Emoji 🎬 Person", "Emoji 🎬 Person", 0, "Crew", 4000002),
    ("Benicio del Toro", "Benicio del Toro", 2, "Acting", 1121),
    ("Renée Zellweger", "Renée Zellweger", 1, "Acting", 9137),
    ("吉永小百合", "吉永小百合", 1, "Acting", 51663),
]
FIRST_NAMES = ["James", "Mary", "Jean", "Chloé", "Hiro", "Ana", "Tom", "Ji-woo", "Sam", "Léa",
               "Yuki", "Omar", "Nina", "Ravi", "Kate", "Bo-ra", "Luc", "Ines", "Max", "Ada"]
LAST_NAMES = ["Smith", "Dubois", "Tanaka", "Kim", "Park", "O'Neil", "García", "Müller", "Lee",
              "Rossi", "Nakamura", "Martin", "Brown", "Yoon", "Silva", "Novak"]
DEPARTMENTS = ["Acting", "Acting", "Acting", "Directing", "Writing", "Production", "Sound",
               "Camera", "Editing", "Art", "Costume & Make-Up", "Visual Effects", "Crew",
               "Lighting"]
CREW_JOBS = [("Directing", "Director"), ("Writing", "Writer"), ("Writing", "Screenplay"),
             ("Writing", "Novel"), ("Production", "Producer"),
             ("Production", "Executive Producer"), ("Production", "Casting"),
             ("Sound", "Original Music Composer"), ("Camera", "Director of Photography"),
             ("Editing", "Editor"), ("Art", "Production Design"),
             ("Costume & Make-Up", "Costume Design"),
             ("Visual Effects", "Visual Effects Supervisor"), ("Lighting", "Gaffer")]
CHARACTERS = ["Kim Ki-taek", "기택", "Park Dong-ik", "Oh Dae-su", "문광", "", "", "Himself",
              "Self (archive footage)", "Ki-woo / Kevin", "Detective \"Mad Dog\" Park",
              "Narrator (voice)", "O'Malley", "Young Girl #2", "Soldier", "Back\\slash",
              "Line\nbreak", "The 🎬 Fan"]
_PEOPLE = []


def people():
    """A few hundred deterministic people: one id, one person, everywhere."""
    if not _PEOPLE:
        rng = random.Random("fake_tmdb:people")
        pool = list(KO_PEOPLE) + list(TRICKY_PEOPLE)
        used = {p[4] for p in pool}
        while len(pool) < 320:
            pid = rng.randint(1000, 5_000_000)
            if pid in used:
                continue
            used.add(pid)
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            pool.append((name, name, rng.choice([0, 1, 1, 2, 2, 3]), rng.choice(DEPARTMENTS),
                         pid))
        out = []
        for name, original, gender, dept, pid in pool:
            prng = random.Random(f"fake_tmdb:person:{pid}")
            out.append({"adult": False, "gender": gender, "id": pid,
                        "known_for_department": dept, "name": name, "original_name": original,
                        "popularity": round(prng.uniform(0.05, 90.0), 3),
                        "profile_path": None if prng.random() < 0.3 else
                        f"/pr{pid:x}{prng.getrandbits(40):010x}.jpg"})
        _PEOPLE[:] = out
    return _PEOPLE


KEYWORDS = [
    (818, "based on novel or book"), (9715, "superhero"), (4565, "dystopia"), (10084, "rescue"),
    (9663, "sequel"), (180547, "marvel cinematic universe (mcu)"), (9748, "revenge"),
    (207317, "christmas"), (10183, "independent film"), (14643, "battle"),
    (310, "artificial intelligence (a.i.)"), (4344, "musical"), (6054, "friendship"),
    (9672, "based on true story"), (12377, "zombie"), (159568, "class differences"),
    (236204, "dark comedy"), (1328, "secret"), (3799, "ship"), (156024, "slow burn"),
    (290000, "괴물"), (290001, "복수"), (290002, "가족"), (290003, "반지하"), (290004, "좀비"),
    (290005, "한국 영화"), (290006, "\"quoted\" keyword"), (290007, "emoji 🎬"),
    (290008, "back\\slash"), (290009, "line\nbreak"),
]
CERTIFICATIONS = {"KR": ["All", "12", "15", "18", ""], "US": ["G", "PG", "PG-13", "R", ""],
                  "FR": ["U", "12", "16", ""], "JP": ["G", "PG12", "R15+", ""],
                  "DE": ["0", "6", "12", "16", ""], "GB": ["U", "PG", "12A", "15", ""]}
RELEASE_NOTES = ["", "", "", "", "Busan International Film Festival", "부산국제영화제",
                 "Cannes \"Competition\""]
TRANSLATION_LANGS = {"en": ("US", "en", "English", "English"),
                     "ko": ("KR", "ko", "한국어/조선말", "Korean"),
                     "fr": ("FR", "fr", "Français", "French"),
                     "ja": ("JP", "ja", "日本語", "Japanese")}
VIDEO_NAMES = {"en": ["Official Trailer", "Teaser", "Official Trailer [Subtitled]",
                      "Clip: \"The Stairs\"", "Behind the Scenes"],
               "ko": ["공식 예고편", "티저 예고편", "메인 예고편", "캐릭터 영상"]}
VIDEO_TYPES = ["Trailer", "Trailer", "Teaser", "Clip", "Featurette", "Behind the Scenes"]
ALT_TITLES = ["기생충", "Gisaengchung", "寄生虫", "Parasite: Black & White", "\"Quoted\" Alt",
              "Untitled Project", "Der Fluss", "Le Fleuve", "Line\nbreak alt", "🎬 Alt"]
ALT_TYPES = ["", "", "", "working title", "romanized title", "informal title",
             "Black and white version"]
KEY_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def make_credits(seed, mid):
    rng = feature_rng(seed, mid, "credits")
    pool = people()
    n_cast = 0 if rng.random() < 0.12 else rng.randint(1, 15)
    cast_people = rng.sample(pool, n_cast)
    cast, cast_id = [], 0
    for i, p in enumerate(cast_people):
        cast_id += rng.randint(1, 4)
        cast.append({**p, "cast_id": cast_id, "character": rng.choice(CHARACTERS),
                     "credit_id": hex_id(rng.randint(0x50000000, 0x66000000), mid, 0, i),
                     "order": i})
    n_crew = rng.randint(0, 10)
    jobs = []  # (person, department, job), no (person, job) twice
    if n_crew:
        director = rng.choice(pool)
        jobs.append((director, "Directing", "Director"))
        if len(jobs) < n_crew and rng.random() < 0.5:
            jobs.append((director, "Writing", "Writer"))  # the same person twice
        if len(jobs) < n_crew and cast_people and rng.random() < 0.4:
            jobs.append((rng.choice(cast_people), "Production", "Producer"))  # cast and crew
    while len(jobs) < n_crew:
        p = rng.choice(pool)
        dept, job = rng.choice(CREW_JOBS)
        if any(q["id"] == p["id"] and j == job for q, _, j in jobs):
            continue
        jobs.append((p, dept, job))
    crew = [{**p, "credit_id": hex_id(rng.randint(0x50000000, 0x66000000), mid, 1, i),
             "department": dept, "job": job} for i, (p, dept, job) in enumerate(jobs)]
    return {"cast": cast, "crew": crew}


def make_keywords(seed, mid):
    rng = feature_rng(seed, mid, "keywords")
    return {"keywords": [{"id": k, "name": n}
                         for k, n in rng.sample(KEYWORDS, rng.randint(0, 8))]}


def make_release_dates(seed, mid, movie):
    rng = feature_rng(seed, mid, "release_dates")
    base = parse_date(movie["release_date"]) or datetime.date(rng.randint(1950, 2026),
                                                              rng.randint(1, 12),
                                                              rng.randint(1, 28))
    results = []
    for country in rng.sample(sorted(CERTIFICATIONS), rng.randint(0, 3)):
        first = base + datetime.timedelta(days=rng.randint(-20, 40))
        dates = [(first, rng.choice([3, 3, 1, 2]))]
        if rng.random() < 0.5:
            dates.append((first + datetime.timedelta(days=rng.randint(30, 200)),
                          rng.choice([4, 5, 6])))
        results.append({"iso_3166_1": country, "release_dates": [
            {"certification": rng.choice(CERTIFICATIONS[country]), "descriptors": [],
             "iso_639_1": "", "note": rng.choice(RELEASE_NOTES),
             "release_date": f"{d.isoformat()}T00:00:00.000Z", "type": t}
            for d, t in dates]})
    return {"results": results}


def make_external_ids(seed, mid, movie):
    rng = feature_rng(seed, mid, "external_ids")
    slug = f"movie{mid}"
    return {"id": mid, "imdb_id": movie["imdb_id"],
            "wikidata_id": None if rng.random() < 0.3 else f"Q{rng.randint(1000, 130_000_000)}",
            "facebook_id": None if rng.random() < 0.6 else f"{slug}Film",
            "instagram_id": None if rng.random() < 0.7 else slug,
            "twitter_id": None if rng.random() < 0.7 else f"{slug}_official"}


def make_translations(seed, mid, movie):
    rng = feature_rng(seed, mid, "translations")
    runtime = movie["runtime"] or 0
    out = [("en", {"homepage": movie["homepage"], "overview": movie["_en_overview"],
                   "runtime": runtime, "tagline": movie["tagline"],
                   "title": movie["_en_title"]})]
    if movie["_ko_title"] is not None:
        out.append(("ko", {"homepage": "", "overview": movie["_ko_overview"], "runtime": 0,
                           "tagline": "", "title": movie["_ko_title"]}))
    if len(out) < 3 and rng.random() < 0.5:
        lang = rng.choice(["fr", "ja"])
        title = f"Titre n° {mid}" if lang == "fr" else f"映画 {mid}"
        out.append((lang, {"homepage": "", "overview": "" if rng.random() < 0.5 else
                           f"Résumé {mid} « cité »" if lang == "fr" else f"あらすじ {mid}",
                           "runtime": rng.choice([0, runtime]), "tagline": "",
                           "title": title}))
    rng.shuffle(out)
    return {"translations": [
        {"iso_3166_1": TRANSLATION_LANGS[l][0], "iso_639_1": l, "name": TRANSLATION_LANGS[l][2],
         "english_name": TRANSLATION_LANGS[l][3], "data": data} for l, data in out]}


def make_videos(seed, mid, language):
    """Only the videos in the request's language, as TMDB appends them."""
    rng = feature_rng(seed, mid, "videos")
    made = []
    for lang, region, n in (("en", "US", rng.choice([0, 0, 1, 2, 3])),
                            ("ko", "KR", rng.choice([0, 0, 0, 1, 2]))):
        for i in range(n):
            day = datetime.date(rng.randint(2008, 2026), rng.randint(1, 12), rng.randint(1, 28))
            made.append({
                "iso_639_1": lang, "iso_3166_1": region, "name": rng.choice(VIDEO_NAMES[lang]),
                "key": "".join(rng.choice(KEY_CHARS) for _ in range(11)), "site": "YouTube",
                "size": rng.choice([1080, 1080, 720, 2160]), "type": rng.choice(VIDEO_TYPES),
                "official": rng.random() < 0.8,
                "published_at": f"{day.isoformat()}T{rng.randint(0, 23):02d}:"
                                f"{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.000Z",
                "id": hex_id(rng.randint(0x50000000, 0x66000000), mid, 2 if lang == "en" else 3,
                             i)})
    want = language.split("-")[0].lower()
    return {"results": [v for v in made if v["iso_639_1"] == want]}


def make_images(seed, mid, language, image_languages=None):
    """Only the images in the request's language, as TMDB appends them (a
    backdrop rarely has one), or with `image_languages` (the value of
    include_image_language: "ko,null") those of the languages it names,
    "null" for the images of none."""
    rng = feature_rng(seed, mid, "images")
    if image_languages is None:
        want = {language.split("-")[0].lower()}
    else:
        want = {None if n.strip() == "null" else n.strip().lower()
                for n in image_languages.split(",")}
    out = {}
    for kind, (w, h), langs in (("backdrops", (1920, 1080), [None, None, "en"]),
                                ("logos", (500, 200), ["en", "ko"]),
                                ("posters", (2000, 3000), ["en", "ko", None])):
        out[kind] = [{"aspect_ratio": round(w / h, 3), "height": h,
                      "iso_639_1": rng.choice(langs),
                      "file_path": f"/{kind[0]}{mid}x{rng.getrandbits(32):08x}."
                                   f"{'png' if kind == 'logos' else 'jpg'}",
                      "vote_average": round(rng.uniform(0, 10), 3),
                      "vote_count": rng.randint(0, 30), "width": w}
                     for _ in range(rng.choice([0, 0, 1, 2]))]
        out[kind] = [i for i in out[kind] if i["iso_639_1"] in want]
    return out


def make_alternative_titles(seed, mid):
    rng = feature_rng(seed, mid, "alternative_titles")
    return {"titles": [{"iso_3166_1": rng.choice(["KR", "US", "FR", "JP", "DE", "CN"]),
                        "title": rng.choice(ALT_TITLES), "type": rng.choice(ALT_TYPES)}
                       for _ in range(rng.choice([0, 0, 1, 2, 4]))]}


def parse_append(value):
    """The names in an append_to_response value: (known parts, in order, once
    each; how many names were asked for, unknown ones included)."""
    names = [n.strip() for n in (value or "").split(",") if n.strip()]
    parts = []
    for n in names:
        if n in APPEND_PARTS and n not in parts:
            parts.append(n)
    return parts, len(names)


def export_line(adult, mid, title, popularity, video):
    return json.dumps({"adult": adult, "id": mid, "original_title": title,
                       "popularity": popularity, "video": video},
                      ensure_ascii=False, separators=(",", ":"))


def gzip_deterministic(data, level=6):
    return gzip.compress(data, compresslevel=level, mtime=0)


SYNTHETIC_TITLES = ["Blondie", "The River", "기생충", "Night \"Train\"", "Back\\slash",
                    "Émigré", "Emoji 🎬", "Oldboy", "Tab\there", "Ghost Empire"]


def write_synthetic_export(path, n, seed):
    """N export lines with ids k*7+1 (k = 0..N-1): a big export without a big
    catalogue. About 2% adult and 2% video; one separate seeded stream."""
    rng = random.Random(f"fake_tmdb:{seed}:export-ids")
    bits = rng.getrandbits
    # Pre-escaped title prefixes: the line is formatted, not json.dumps'd, for speed.
    prefixes = [json.dumps(t, ensure_ascii=False)[:-1] for t in SYNTHETIC_TITLES]
    n_prefixes = len(prefixes)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=1,
                           mtime=0) as gz:
            chunk = []
            for k in range(n):
                h = bits(64)
                chunk.append(
                    f'{{"adult":{"true" if h % 50 == 0 else "false"},"id":{k * 7 + 1},'
                    f'"original_title":{prefixes[(h >> 8) % n_prefixes]} {k * 7 + 1}",'
                    f'"popularity":{(60 + (h >> 16) % 9000) / 100},'
                    f'"video":{"true" if (h >> 40) % 50 == 0 else "false"}}}\n')
                if len(chunk) == 10000:
                    gz.write("".join(chunk).encode("utf-8"))
                    chunk = []
            gz.write("".join(chunk).encode("utf-8"))
    os.replace(tmp, path)



class Catalogue:
    """A deterministic set of movies; the same options give the same movies."""

    def __init__(self, n_movies, n_deleted, seed, today=None):
        rng = random.Random(seed)
        ids = set()
        # Spread over 1..20N, plus a few ids above a million, like real TMDB
        # ids; but never beyond 2N past 100,000 movies: TMDB's export names
        # about a million movies, all below two million (ids are dense at
        # scale), and the tool keeps ids below 2^24 in bitmaps (idset.h).
        spread = max(min(20 * n_movies, 2_000_000), 2 * n_movies, 100)
        while len(ids) < n_movies:
            if len(ids) % 25 == 24:
                ids.add(rng.randint(1_000_000, 1_500_000))
            else:
                ids.add(rng.randint(1, spread))
        self.order = sorted(ids, key=lambda i: rng.random())
        self.deleted = set(rng.sample(self.order, min(n_deleted, n_movies)))
        self.movies = {mid: self._movie(mid, k, random.Random(seed * 1_000_003 + mid))
                       for k, mid in enumerate(self.order)}
        self.lists = {
            "now_playing": list(self.order),
            "popular": sorted(self.order, key=lambda i: -self.movies[i]["popularity"]),
            "top_rated": sorted(self.order, key=lambda i: -self.movies[i]["vote_average"]),
            "upcoming": [i for i in self.order if self.movies[i]["status"] != "Released"]
                        or list(self.order[:20]),
        }
        # New features draw from their own streams (feature_rng), never from rng.
        self.seed = seed
        self.today = today or datetime.datetime.now(datetime.timezone.utc).date()
        self.lock = threading.Lock()
        self.days_passed = 0  # POST /__next_day: how far popularity and votes have moved
        self._changes = None  # id -> change dates, made on first use
        self._export = None   # the gzipped export, made on first use
        self.export_blank_mib = 0  # --export-blank-mib

    @staticmethod
    def _movie(mid, k, rng):
        en_title = f"{rng.choice(EN_WORDS)} {rng.choice(EN_WORDS)} {k}"
        if k % 7 == 3:
            en_title = f"{TRICKY[k % len(TRICKY)]} {k}"
        has_translation = k % 5 != 4
        overview_en = " ".join(rng.choice(EN_WORDS) for _ in range(rng.randint(5, 40)))
        if k % 50 == 7:
            overview_en = ("A very long overview. " * 600)  # > 10 KB
        revenue = rng.choice([0, rng.randint(1, 10**8), 2_923_706_026, 2_147_483_648 + k])
        budget = rng.choice([0, rng.randint(10**5, 3 * 10**8), 3_000_000_000 + k])
        runtime = rng.choice([None, 0, rng.randint(60, 200), rng.randint(60, 200)])
        release = rng.choice(["", f"{rng.randint(1950, 2026)}-{rng.randint(1, 12):02d}-"
                                   f"{rng.randint(1, 28):02d}"] + ["2024-05-30"] * 2)
        genres = rng.sample(GENRES, rng.randint(0, 4))
        collection = None
        if k % 6 == 1:
            # A collection looks the same from each of its movies, as on TMDB.
            collection = {"id": 10_000 + k % 13, "name": f"Collection {k % 13}",
                          "poster_path": None if k % 13 == 1 else f"/c{k % 13}.jpg",
                          "backdrop_path": None}
        return {
            "_en_title": en_title,
            "_ko_title": f"{rng.choice(KO_WORDS)} {k}" if has_translation else None,
            "_en_overview": overview_en,
            "_ko_overview": f"{rng.choice(KO_WORDS)}: 한국어 줄거리 \"인용\" \\ 🎬\n둘째 줄 {k}"
                            if has_translation else "",
            "_genres": genres,
            "adult": k % 97 == 5,
            "backdrop_path": None if k % 4 == 0 else f"/b{mid}.jpg",
            "belongs_to_collection": collection,
            "budget": budget,
            "homepage": "" if k % 3 == 0 else f"https://example.test/movie/{mid}",
            "id": mid,
            "imdb_id": None if k % 8 == 2 else f"tt{mid:07d}",
            "origin_country": rng.sample(["US", "KR", "FR", "JP"], rng.randint(0, 2)),
            "original_language": rng.choice(["en", "ko", "fr", "ja"]),
            "original_title": en_title,
            "popularity": round(rng.uniform(0.6, 900.0), 3),
            "poster_path": None if k % 9 == 0 else f"/p{mid}.jpg",
            "production_companies": [
                {"id": c[0], "logo_path": c[2], "name": c[1], "origin_country": c[3]}
                for c in rng.sample(COMPANIES, rng.randint(0, 3))],
            "production_countries": [{"iso_3166_1": c[0], "name": c[1]}
                                     for c in rng.sample(COUNTRIES, rng.randint(0, 2))],
            "release_date": release,
            "revenue": revenue,
            "runtime": runtime,
            "spoken_languages": [{"english_name": l[1], "iso_639_1": l[0], "name": l[2]}
                                 for l in rng.sample(LANGUAGES, rng.randint(0, 2))],
            "status": rng.choice(STATUSES),
            "tagline": "" if k % 2 else f"Tagline {k} \u2014 \"{en_title}\"",
            "video": k % 31 == 0,
            # unrated movies (every 9th) say 0 and 0, as on TMDB
            "vote_average": 0 if k % 9 == 4 else round(rng.uniform(0, 10), 3),
            "vote_count": 0 if k % 9 == 4 else rng.randint(0, 40000),
        }

    def details(self, mid, language, parts=(), as_of=None, image_languages=None):
        """The details body for `language`, as TMDB would send it, with the
        appended `parts` (names from APPEND_PARTS) after the movie's fields.
        With `as_of` (seconds since the epoch, --stale-details): as a copy
        made then holds it, with the changes made up to then.
        `image_languages`: include_image_language (make_images())."""
        out = self._details(mid, language)
        if as_of is not None:
            out["vote_count"] += CHANGE_VOTES * self.changes_made(mid, as_of)
        if self.days_passed:
            self.move_numbers(mid, out)
        for name in parts:
            out[name] = self.part(mid, name, language, image_languages)
        return out

    def move_numbers(self, mid, out):
        """POST /__next_day: the figures TMDB recomputes daily for nearly
        every movie, moved by each day passed (deterministic per movie and
        day): popularity by up to 20 % either way, and a rated movie's votes
        by a few, its average with them. Texts, ids and parts stay."""
        rng = feature_rng(self.seed, mid, f"day:{self.days_passed}")
        out["popularity"] = round(out["popularity"] * rng.uniform(0.8, 1.2), 3)
        if out["vote_count"]:
            out["vote_count"] += self.days_passed * rng.randint(1, 9)
            out["vote_average"] = round(min(10.0, max(0.0, out["vote_average"] +
                                                        rng.uniform(-0.05, 0.05))), 3)

    def part(self, mid, name, language, image_languages=None):
        """One append_to_response part, made afresh (deterministic) per call."""
        m = self.movies[mid]
        if name == "credits":
            return make_credits(self.seed, mid)
        if name == "keywords":
            return make_keywords(self.seed, mid)
        if name == "release_dates":
            return make_release_dates(self.seed, mid, m)
        if name == "external_ids":
            return make_external_ids(self.seed, mid, m)
        if name == "translations":
            return make_translations(self.seed, mid, m)
        if name == "videos":
            return make_videos(self.seed, mid, language)
        if name == "images":
            return make_images(self.seed, mid, language, image_languages)
        if name == "alternative_titles":
            return make_alternative_titles(self.seed, mid)
        return json.loads(json.dumps(EMPTY_PARTS[name]))

    def change_dates(self):
        """id -> the dates its data changed, for every movie (deleted ones too).
        Half the movies (alternate catalogue positions) have 1 or 2 dates in
        [today - 40, today]; the first dates go round the 41 days in turn so
        every day has changes, the second ones are drawn at random."""
        with self.lock:
            if self._changes is None:
                days = CHANGE_WINDOW_DAYS + 1
                changes = {}
                for k, mid in enumerate(self.order):
                    rng = feature_rng(self.seed, mid, "changes")
                    dates = []
                    if k % 2 == 0:
                        dates.append((k // 2) % days)
                        if rng.random() < 0.5:
                            dates.append(rng.randrange(days))
                    changes[mid] = sorted(self.today - datetime.timedelta(days=d)
                                          for d in set(dates))
                self._changes = changes
            return self._changes

    def change_times(self, mid):
        """--stale-details: when each change of `mid` was made (seconds since
        the epoch): its date at a time of day drawn per movie and date."""
        out = []
        for day in self.change_dates()[mid]:
            tod = feature_rng(self.seed, mid, f"change-time:{day.isoformat()}").randrange(86400)
            midnight = datetime.datetime(day.year, day.month, day.day,
                                         tzinfo=datetime.timezone.utc).timestamp()
            out.append(midnight + tod)
        return out

    def changes_made(self, mid, as_of):
        """How many changes of `mid` were made by `as_of` (seconds since the epoch)."""
        return sum(1 for t in self.change_times(mid) if t <= as_of)

    def changed_ids(self, start, end, as_of=None):
        """Ids with a change date in [start, end], ascending. With `as_of`
        (seconds since the epoch): only the changes made by then (their
        change_times()), as a copy of the page made then lists them."""
        if as_of is None:
            return sorted(mid for mid, dates in self.change_dates().items()
                          if any(start <= d <= end for d in dates))
        return sorted(mid for mid, dates in self.change_dates().items()
                      if any(start <= d <= end and t <= as_of
                             for d, t in zip(dates, self.change_times(mid))))

    def export_bytes(self, adult=False):
        """The daily export (gzip, one JSON object per line, live movies in
        catalogue order); the same bytes for every date, so made once. As on
        TMDB since July 2023, adult movies are only in the separate
        adult_movie_ids_ export (adult=True), never in movie_ids_."""
        with self.lock:
            if self._export is None:
                self._export = {}
            if adult not in self._export:
                lines = []
                for mid in self.order:
                    m = self.movies[mid]
                    if mid in self.deleted or bool(m["adult"]) != adult:
                        continue
                    lines.append(export_line(m["adult"], mid, m["original_title"],
                                             m["popularity"], m["video"]) + "\n")
                data = gzip_deterministic("".join(lines).encode("utf-8"))
                if not adult and self.export_blank_mib:
                    # a gzip bomb: each member 1 MiB of empty lines, 1 KiB compressed
                    data += gzip_deterministic(b"\n" * (1 << 20), level=9) * self.export_blank_mib
                self._export[adult] = data
            return self._export[adult]

    def _details(self, mid, language):
        m = self.movies[mid]
        korean = language.lower().startswith("ko")
        english = language.lower().startswith("en")
        out = {k: v for k, v in m.items() if not k.startswith("_")}
        out["genres"] = [{"id": g[0], "name": g[2] if korean else g[1]} for g in m["_genres"]]
        if korean:
            # No translation: title falls back to the original, overview is "".
            out["title"] = m["_ko_title"] or m["original_title"]
            out["overview"] = m["_ko_overview"]
            out["tagline"] = ""
        elif english:
            out["title"] = m["_en_title"]
            out["overview"] = m["_en_overview"]
        else:
            # A language the catalogue has no text in (fr-FR, ja-JP, ...): as
            # TMDB answers for a movie without that translation, the title
            # falls back to the original, overview and tagline are "" (no
            # fallback to English); genre names stay English.
            out["title"] = m["original_title"]
            out["overview"] = ""
            out["tagline"] = ""
        return out

    def summary(self, mid, language):
        d = self.details(mid, language)
        keys = ("adult", "backdrop_path", "id", "original_language", "original_title",
                "overview", "popularity", "poster_path", "release_date", "title", "video",
                "vote_average", "vote_count")
        s = {k: d[k] for k in keys}
        s["genre_ids"] = [g["id"] for g in d["genres"]]
        return s


class Stats:
    """Counters of what the server saw; guarded by one lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self._zero()

    def reset(self):
        with self.lock:
            self._zero()

    def _zero(self):
        self.requests = 0
        self.by_endpoint = {}
        self.status = {}
        self.in_flight = 0
        self.max_in_flight = 0
        self.connections = 0
        self.detail_requests_per_id = {}
        self.auth_failures = 0
        self.faults_injected = 0
        self.export_credentials = 0  # export requests that carried a credential
        self.api_answers = 0   # answers of /3/ with a body (send_body)
        self.api_gzipped = 0   # of them, sent gzipped (the client accepted it)
        self.first_at = {}  # endpoint -> seconds since start of its first request
        self.last_at = {}   # endpoint -> seconds since start of its latest request
        self.started = time.monotonic()

    def snapshot(self):
        with self.lock:
            return {
                "requests": self.requests,
                "by_endpoint": dict(self.by_endpoint),
                "status": {str(k): v for k, v in self.status.items()},
                "in_flight": self.in_flight,
                "max_in_flight": self.max_in_flight,
                "connections": self.connections,
                "detail_requests_per_id": {str(k): v
                                           for k, v in self.detail_requests_per_id.items()},
                "auth_failures": self.auth_failures,
                "faults_injected": self.faults_injected,
                "export_credentials": self.export_credentials,
                "api_answers": self.api_answers,
                "api_gzipped": self.api_gzipped,
                "first_at": dict(self.first_at),
                "last_at": dict(self.last_at),
            }


class RateLimiter:
    """A sliding one-second window over all /3/ requests."""

    def __init__(self, per_second):
        self.per_second = per_second
        self.lock = threading.Lock()
        self.times = []

    def allow(self):
        if self.per_second <= 0:
            return True
        now = time.monotonic()
        with self.lock:
            while self.times and self.times[0] <= now - 1.0:
                self.times.pop(0)
            if len(self.times) >= self.per_second:
                return False
            self.times.append(now)
            return True


def spoil_result(results, fault, position):
    """The id kinds of PAGE_FAULT_KINDS: result `position` (1-based) of a
    page gets a bad id in place of its own (the page keeps its length)."""
    if fault not in PAGE_BAD_IDS or not 1 <= position <= len(results):
        return
    if fault == "not_object":
        results[position - 1] = results[position - 1]["id"]
        return
    spoiled = dict(results[position - 1], id=PAGE_BAD_IDS[fault])
    if fault == "no_id":
        del spoiled["id"]
    results[position - 1] = spoiled


class Faults:
    """Which detail requests (or list pages: known=PAGE_FAULT_KINDS) get which
    fault. Counts attempts per id (or page number)."""

    def __init__(self, specs, catalogue, fraction, attempts, kinds, seed, known=FAULT_KINDS,
                 option="--fault"):
        self.lock = threading.Lock()
        self.plan = {}  # id -> (kind, n or None)
        self.seen = {}
        for spec in specs:
            parts = spec.split(":")
            if len(parts) not in (2, 3) or parts[1] not in known:
                raise SystemExit(f"fake_tmdb: bad {option} {spec!r} (ID:KIND[:N], KIND one of "
                                 f"{', '.join(known)})")
            self.plan[int(parts[0])] = (parts[1], int(parts[2]) if len(parts) == 3 else None)
        if fraction > 0:
            rng = random.Random(seed + 7)
            alive = [i for i in catalogue.order if i not in catalogue.deleted]
            chosen = rng.sample(alive, int(round(len(alive) * fraction)))
            for k, mid in enumerate(chosen):
                self.plan.setdefault(mid, (kinds[k % len(kinds)], attempts))

    def take(self, mid):
        """The fault for this attempt at `mid`, or None."""
        with self.lock:
            n = self.seen.get(mid, 0) + 1
            self.seen[mid] = n
            kind, limit = self.plan.get(mid, (None, None))
            if kind is None or (limit is not None and n > limit):
                return None
            return kind


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "openresty"
    sys_version = ""
    # Headers and body go out in separate writes; with Nagle on, the body
    # would wait for the client's delayed ACK (40 ms) on every response.
    disable_nagle_algorithm = True

    def setup(self):
        super().setup()
        with self.server.stats.lock:
            self.server.stats.connections += 1

    # seconds the answer being sent spent in the CDN's cache (send_body)
    cached_for = 0
    # bytes a cl_short answer left over, sent before the next answer on
    # this connection
    leftover = b""

    def send_response_only(self, code, message=None):
        if self.leftover:
            leftover, self.leftover = self.leftover, b""
            self.wfile.write(leftover)
        super().send_response_only(code, message)

    def date_time_string(self, timestamp=None):
        # The Date header: this machine's clock, moved by --clock-offset; for
        # an answer from the CDN's cache, when the origin made it.
        now = time.time() if timestamp is None else timestamp
        return email.utils.formatdate(now + self.server.opts.clock_offset - self.cached_for,
                                      usegmt=True)

    def log_message(self, fmt, *args):  # quiet: tests read /__stats instead
        if self.server.opts.verbose:
            sys.stderr.write("fake_tmdb: " + (fmt % args) + "\n")

    def copy_age(self, capped=None):
        """The Age of a 200 of /3/ sent now: how long ago the CDN's copy was
        made. --cache-age, but by default never from before 00:00 UTC of the
        fake's current day (module docstring); with --stale-details (or
        capped=False) uncapped, with capped=True capped whatever it says."""
        opts = self.server.opts
        if capped is None:
            capped = not opts.stale_details
        if not capped:
            return opts.cache_age
        since_midnight = int(time.time() + opts.clock_offset) % 86400
        return min(opts.cache_age, since_midnight)

    # -- responses ---------------------------------------------------------
    def send_body(self, status, body, content_type="application/json;charset=utf-8",
                  headers=None, length=None, compress=True, age=None):
        gzipped = (compress and self.server.opts.gzip
                   and "gzip" in self.headers.get("Accept-Encoding", "") and length is None)
        if gzipped:
            body = gzip.compress(body, compresslevel=1)
            headers = dict(headers or {}, **{"Content-Encoding": "gzip"})
        if self.path.startswith("/3/"):
            # the benchmark checks every tool was sent the same (gzipped) bodies
            with self.server.stats.lock:
                self.server.stats.api_answers += 1
                self.server.stats.api_gzipped += bool(gzipped)
        # A 200 of the API is cacheable (public, max-age 6 h): CloudFront
        # serves it from its cache with the origin's Date and an Age header.
        if status != 200 or not self.path.startswith("/3/"):
            age = 0
        elif age is None:
            age = self.copy_age()
        self.cached_for = age
        self.send_response(status)
        self.cached_for = 0
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        if status == 200:
            self.send_header("Cache-Control", "public, max-age=21600")
        if age > 0:
            self.send_header("Age", str(age))
            self.send_header("X-Cache", "Hit from cloudfront")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.count_status(status)

    def send_json(self, status, obj, headers=None, age=None):
        self.send_body(status, json.dumps(obj, ensure_ascii=False).encode("utf-8"),
                       headers=headers, age=age)

    def retry_after(self, seconds):
        """A Retry-After header of SECONDS: as delta-seconds, or with
        --retry-after-date as the HTTP date that many seconds after this
        answer's Date (on the fake's clock, --clock-offset included)."""
        if not self.server.opts.retry_after_date:
            return {"Retry-After": str(seconds)}
        return {"Retry-After": email.utils.formatdate(
            time.time() + self.server.opts.clock_offset + seconds, usegmt=True)}

    def send_error_json(self, status, headers=None):
        code, message = ERRORS[status]
        self.send_json(status, {"success": False, "status_code": code,
                                "status_message": message}, headers)

    def send_tmdb_error(self, error):
        """One of the ERR_* errors: (http status, status_code, status_message)."""
        status, code, message = error
        self.send_json(status, {"success": False, "status_code": code,
                                "status_message": message})

    def count_status(self, status):
        with self.server.stats.lock:
            self.server.stats.status[status] = self.server.stats.status.get(status, 0) + 1

    def reset_connection(self):
        # SO_LINGER 0: close() sends RST instead of FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                   struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    # -- routing -----------------------------------------------------------
    def do_POST(self):
        if urlparse(self.path).path == "/__reset":
            self.server.stats.reset()
            self.send_json(200, {"success": True})
        elif urlparse(self.path).path == "/__next_day":
            with self.server.catalogue.lock:
                self.server.catalogue.days_passed += 1
            self.send_json(200, {"success": True})
        else:
            self.send_error_json(404)

    def do_HEAD(self):
        # Only the export files answer HEAD (files.tmdb.org does); the API does not.
        if urlparse(self.path).path.startswith("/p/"):
            self.do_GET()
        else:
            self.send_error(501, "Unsupported method ('HEAD')")

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/__stats":
            self.send_json(200, self.server.stats.snapshot())
            return
        stats = self.server.stats
        with stats.lock:
            stats.requests += 1
            stats.in_flight += 1
            stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        try:
            self.handle_api(url)
        finally:
            with stats.lock:
                stats.in_flight -= 1

    def endpoint(self, parts):
        if len(parts) == 3 and parts[:2] == ["3", "movie"]:
            if parts[2] in LISTS:
                return "list"
            if parts[2] == "changes":
                return "changes"
            if parts[2].isdigit():
                return "details"
        if parts == ["3", "configuration"]:
            return "configuration"
        if parts and parts[0] == "p":
            return "export"
        return "other"

    def handle_api(self, url):
        opts = self.server.opts
        query = parse_qs(url.query)
        parts = [p for p in url.path.split("/") if p]
        kind = self.endpoint(parts)
        stats = self.server.stats
        with stats.lock:
            stats.by_endpoint[kind] = stats.by_endpoint.get(kind, 0) + 1
            at = round(time.monotonic() - stats.started, 4)
            stats.first_at.setdefault(kind, at)
            stats.last_at[kind] = at
        if kind == "export":
            # Another host in real life (files.tmdb.org): no key, no API limits,
            # and a client must not send it the API's credential.
            if self.headers.get("Authorization") or "api_key" in query:
                with stats.lock:
                    stats.export_credentials += 1
            self.serve_export(url.path)
            return
        if opts.latency_ms > 0:
            time.sleep(opts.latency_ms / 1000.0)
        if not self.authorised(query):
            with self.server.stats.lock:
                self.server.stats.auth_failures += 1
            self.send_error_json(401)
            return
        if self.in_outage(kind):
            return
        if not self.server.limiter.allow():
            self.send_error_json(429, None if opts.retry_after is None
                                 else self.retry_after(opts.retry_after))
            return
        language = query.get("language", ["en-US"])[0]
        if kind == "list":
            self.serve_list(parts[2], query, language)
        elif kind == "details":
            self.serve_details(int(parts[2]), language, query)
        elif kind == "changes":
            self.serve_changes(query)
        elif kind == "configuration":
            self.send_json(200, {"images": {"base_url": "http://image.tmdb.org/t/p/",
                                            "secure_base_url": "https://image.tmdb.org/t/p/",
                                            "poster_sizes": ["w92", "w500", "original"]},
                                 "change_keys": ["adult", "budget", "title"]})
        else:
            self.send_error_json(404)

    def in_outage(self, kind):
        """--outage-after: once N detail requests were answered, answer every
        request as TMDB or the network down does; False before."""
        if self.server.opts.outage_after is None:
            return False
        limit, fault = self.server.opts.outage_after
        with self.server.stats.lock:
            if self.server.outage_seen < limit:
                self.server.outage_seen += kind == "details"
                return False
        if fault == "503":  # TMDB's own, without Retry-After
            self.send_error_json(503)
        elif fault == "502html":  # CloudFront's, its origin gone
            self.send_body(502, CDN_HTML, "text/html")
        elif fault == "html200":  # a proxy's page in the way, served as a 200
            self.send_body(200, CDN_HTML, "text/html")
        elif fault == "403html":  # a portal's or a firewall's refusal
            self.send_body(403, CDN_HTML.replace(b"502 ERROR", b"403 ERROR"), "text/html")
        else:
            self.reset_connection()
        return True

    def authorised(self, query):
        opts = self.server.opts
        if not opts.token and not opts.api_key:
            return True
        auth = self.headers.get("Authorization", "")
        if opts.token and auth == f"Bearer {opts.token}":
            return True
        return bool(opts.api_key) and query.get("api_key", [""])[0] == opts.api_key

    def page_param(self, query):
        """The page asked for, or None after answering TMDB's error for a bad one."""
        raw = query.get("page", ["1"])[0]
        page = int(raw) if raw.isascii() and raw.isdigit() else -1
        if page > MAX_PAGE and self.server.opts.page_above_500_style == "422":
            self.send_json(422, {"errors": ["page must be less than or equal to 500"]})
            return None
        if page < 1 or page > MAX_PAGE:
            self.send_error_json(400)
            return None
        return page

    def serve_list(self, name, query, language):
        cat = self.server.catalogue
        page = self.page_param(query)
        if page is None:
            return
        if page in self.server.opts.page_400html:
            # not TMDB's refusal of a page number: a proxy's or a broken CDN's page
            self.send_body(400, CDN_HTML, "text/html")
            return
        fault = self.server.page_faults.take(page)
        if self.send_page_fault(fault, page):
            return
        if fault == "first_page":  # a cache that keys pages without their query string
            page = 1
        ids = cat.lists[name]
        lengths = self.server.opts.list_length
        if lengths:  # the list as it stands when this page is asked for
            ids = ids[:lengths[0] if page == 1 else lengths[-1]]
        shift = self.server.opts.shift if page > 1 else 0
        start = max(0, (page - 1) * PAGE_SIZE - shift)
        chunk = ids[start:(page - 1) * PAGE_SIZE + PAGE_SIZE]
        total_pages = (len(ids) + PAGE_SIZE - 1) // PAGE_SIZE
        body = {"page": page, "results": [cat.summary(i, language) for i in chunk],
                "total_pages": total_pages, "total_results": len(ids)}
        if name in ("now_playing", "upcoming"):
            body = {"dates": {"maximum": "2026-12-01", "minimum": "2026-10-20"}, **body}
        spoil_result(body["results"], fault, self.server.opts.bad_result)
        self.send_json(200, body)

    def send_page_fault(self, fault, page):
        """Answer a --page-fault / --changes-page-fault that spoils the whole
        page; False when there is none (or it spoils one result)."""
        if fault in ("500", "503"):
            self.send_error_json(int(fault))
            return True
        if fault in ("502html", "503html", "504html"):
            # CloudFront's own error page, as for a details fault of that kind
            status = int(fault[:3])
            self.send_body(status, CDN_HTML.replace(b"502 ERROR", b"%d ERROR" % status),
                           "text/html")
            return True
        if fault == "malformed":  # cut in the middle, yet a 200
            self.send_body(200, b'{"page": %d, "results": [{"id": 1' % page)
            return True
        if fault == "html200":  # a proxy's or CDN's error page, served as a 200
            self.send_body(200, CDN_HTML, "text/html")
            return True
        return False

    def serve_changes(self, query):
        cat = self.server.catalogue
        raw_start = query.get("start_date", [None])[0]
        raw_end = query.get("end_date", [None])[0]
        end = cat.today if raw_end is None else parse_date(raw_end)
        start = None if end is None else (end - datetime.timedelta(days=1) if raw_start is None
                                          else parse_date(raw_start))
        if end is None or start is None:
            self.send_tmdb_error(ERR_DATE)
            return
        if start > end or (end - start).days > CHANGES_MAX_DAYS:
            self.send_tmdb_error(ERR_DATE_RANGE)
            return
        page = self.page_param(query)
        if page is None:
            return
        fault = self.server.changes_page_faults.take(page)
        if self.send_page_fault(fault, page):
            return
        if fault == "first_page":  # a cache that keys pages without their query string
            page = 1
        # A copy of the page holds the changes made up to its time only: by
        # default one made today (capped Age, also with --stale-details),
        # which holds every change of the days before; with
        # --changes-cache-age one that old, uncapped.
        opts = self.server.opts
        old_copy = opts.changes_cache_age is not None and (
            opts.changes_cache_before is None or end < opts.changes_cache_before)
        page_age = opts.changes_page_cache_age.get(page)
        if page_age is not None:
            age = page_age
            ids = cat.changed_ids(start, end, time.time() + opts.clock_offset - age)
        elif opts.changes_copy_on_last_day is not None:
            made = datetime.datetime(end.year, end.month, end.day,
                                     tzinfo=datetime.timezone.utc).timestamp()
            made += opts.changes_copy_on_last_day
            age = max(0, int(time.time() + opts.clock_offset - made))
            ids = cat.changed_ids(start, end, made)
        elif not old_copy:
            age, ids = self.copy_age(capped=True), cat.changed_ids(start, end)
        else:
            age = opts.changes_cache_age
            ids = cat.changed_ids(start, end, time.time() + opts.clock_offset - age)
        size = opts.changes_page_size
        chunk = ids[(page - 1) * size:page * size]
        results = [{"id": i, "adult": None if opts.changes_adult_null else cat.movies[i]["adult"]}
                   for i in chunk]
        spoil_result(results, fault, self.server.opts.bad_result)
        self.send_json(200, {
            "results": results,
            "page": page,
            "total_pages": max(1, (len(ids) + size - 1) // size),
            "total_results": len(ids)}, age=age)

    def serve_export(self, path):
        today = self.server.catalogue.today
        match = EXPORT_PATH.fullmatch(path)
        day = None
        if match:
            try:
                day = datetime.date(int(match[4]), int(match[2]), int(match[3]))
            except ValueError:
                day = None
        unpublished = self.server.opts.export_unpublished or (
            match and match[1] and self.server.opts.adult_export_unpublished)
        if unpublished and day == today:
            day = None  # not published yet: S3's 403, as for a day that never was
        if day is None or not today - datetime.timedelta(days=EXPORT_KEEP_DAYS) < day <= today:
            self.send_body(403, S3_ACCESS_DENIED, "application/xml", compress=False)
            return
        with self.server.stats.lock:
            busy = self.server.export_busy_left > 0
            self.server.export_busy_left -= busy
        if busy:
            self.send_body(503, S3_SLOW_DOWN, "application/xml", compress=False,
                           headers=self.retry_after(self.server.opts.export_busy[1]))
            return
        if self.server.opts.export_redirect:
            self.send_body(302, b"", "text/plain", compress=False,
                           headers={"Location": self.server.opts.export_redirect + path})
            return
        data = self.server.catalogue.export_bytes(adult=bool(match[1]))
        if self.server.opts.adult_export_empty and match[1]:
            data = gzip_deterministic(b"")
        if self.server.opts.export_no_final_newline and not match[1]:
            data = gzip_deterministic(gzip.decompress(data).rstrip(b"\n"))
        if not match[1]:
            data += b"\0" * self.server.opts.export_trailing_bytes
        with self.server.stats.lock:
            cut = self.server.export_cuts_left > 0
            self.server.export_cuts_left -= cut
        if cut:
            # half the file, no Content-Length, then the connection closes:
            # the client cannot tell this from the whole file
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if self.server.opts.export_claim_gib and not match[1]:
            # a Content-Length of N GiB (a host's, or a file past any
            # export's size), then the file and a closed connection
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(self.server.opts.export_claim_gib << 30))
            self.end_headers()
            try:
                self.wfile.write(data)
            except OSError:
                pass  # the client refused it at the headers
            self.close_connection = True
            return
        if self.server.opts.export_drip:
            # headers, then a byte now and then: a host that never quite stalls
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            for i in range(len(data)):
                if self.server.stopping.wait(0.25):
                    break
                try:
                    self.wfile.write(data[i:i + 1])
                    self.wfile.flush()
                except OSError:
                    break
            self.close_connection = True
            return
        self.send_body(200, data, "application/octet-stream", compress=False)

    def serve_details(self, mid, language, query=None):
        cat = self.server.catalogue
        parts, asked = parse_append((query or {}).get("append_to_response", [""])[0])
        images = (query or {}).get("include_image_language", [None])[0]
        if asked > MAX_APPEND:
            self.send_tmdb_error(ERR_APPEND)
            return
        if mid in self.server.body_files:
            with open(self.server.body_files[mid], "rb") as f:
                self.send_body(200, f.read())
            return
        if mid not in cat.movies:
            self.send_error_json(404)
            return
        with self.server.stats.lock:
            d = self.server.stats.detail_requests_per_id
            d[mid] = d.get(mid, 0) + 1
        fault = self.server.faults.take(mid)
        if fault:
            with self.server.stats.lock:
                self.server.stats.faults_injected += 1
            self.serve_fault(fault, mid, language, parts, images)
            return
        if mid in cat.deleted:
            self.send_error_json(404)
            return
        if not self.server.opts.stale_details:
            self.send_json(200, cat.details(mid, language, parts, image_languages=images))
            return
        # The copy holds what the movie was when the CDN fetched it.
        age = self.copy_age()
        made = time.time() + self.server.opts.clock_offset - age
        self.send_json(200, cat.details(mid, language, parts, as_of=made, image_languages=images),
                       age=age)

    def serve_fault(self, fault, mid, language, parts=(), images=None):
        opts = self.server.opts
        cat = self.server.catalogue
        body = cat.details(mid, language, parts, image_languages=images)
        if fault in ("500", "504", "401", "404"):
            self.send_error_json(int(fault))
        elif fault in ("503", "429"):
            self.send_error_json(int(fault), self.retry_after(1))
        elif fault in ("502html", "503html", "504html"):
            # CloudFront's own error page, no Retry-After: the origin is
            # down (502, 503) or too slow (504), not TMDB's JSON error
            status = int(fault[:3])
            self.send_body(status, CDN_HTML.replace(b"502 ERROR", b"%d ERROR" % status),
                           "text/html")
        elif fault == "echo400":
            # an error that quotes the request, query string (api_key=) and all
            self.send_json(400, {"success": False, "status_code": 5,
                                 "status_message": f"Invalid parameters: {self.path} "
                                                   f"({self.headers.get('Authorization', '')})"})
        elif fault == "html200":
            self.send_body(200, CDN_HTML, "text/html")
        elif fault == "401html":  # a gateway's own login refused: not TMDB's word on the credential
            self.send_body(401, b"<html><body><h1>401 Authorization Required</h1><hr>nginx</body></html>\n",
                           "text/html")
        elif fault == "404html":  # a proxy's or a wrong path's 404: not TMDB's "not found"
            self.send_body(404, b"<html><body><h1>404 Not Found</h1><hr>nginx</body></html>\n",
                           "text/html")
        elif fault == "reset":
            self.reset_connection()
        elif fault == "stall":
            self.sleep_unless_stopping(opts.stall_seconds)
            self.send_json(200, body)
        elif fault == "slowbody":
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.sleep_unless_stopping(opts.stall_seconds)
            self.close_connection = True
        elif fault == "no_parts":
            # the details without the parts asked for: what TMDB answers when
            # a proxy (or a client library) drops the query on its way
            self.send_json(200, cat.details(mid, language))
        elif fault == "redirect":
            # a proxy's or a moved host's redirect, the query (api_key=) kept
            self.send_body(301, b"<html><body>Moved Permanently</body></html>\n", "text/html",
                           headers={"Location": "https://api.example.test" + self.path})
        elif fault == "redirect_raw":
            # a misconfigured proxy's redirect, with bytes no URL may hold: a
            # Latin-1 name and a terminal's escape sequence, as they are
            self.send_body(301, b"", "text/html",
                           headers={"Location": "https://api.example.test/Am\xe9lie\x1b[31m"
                                                + self.path})
        elif fault in ("date_past", "date_future"):
            # a Date no copy can have (a broken cache's or proxy's clock):
            # 1 January 1990 (with an Age to match), or a day ahead
            now = int(time.time() + opts.clock_offset)
            self.send_json(200, body, age=now - 631152000 if fault == "date_past" else -86400)
        elif fault == "truncated":
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_body(200, data[: len(data) // 2])
        elif fault == "genres_int":
            self.send_json(200, {**body, "genres": 5})
        elif fault == "title_int":
            self.send_json(200, {**body, "title": 123})
        elif fault == "no_id":
            self.send_json(200, {k: v for k, v in body.items() if k != "id"})
        elif fault == "wrong_id":
            other = next(i for i in cat.order if i != mid)
            self.send_json(200, {**body, "id": other})
        elif fault == "huge":
            self.send_json(200, {**body, "overview": "x" * (opts.huge_mib * 1024 * 1024)})
        elif fault == "huge_header":
            # one header line of --huge-mib MiB (a broken proxy's cookie):
            # past any client's header limit (curl's: 100 KiB)
            self.send_json(200, body, {"X-Padding": "x" * (opts.huge_mib * 1024 * 1024)})
        elif fault == "keyword_twice":
            # one keyword listed twice under two names (the last one stored)
            kws = (body.get("keywords") or {}).get("keywords") or [{"id": 818, "name": "x"}]
            first = kws[0]
            body = {**body, "keywords": {"keywords": kws + [{**first,
                                                            "name": first["name"] + " (2)"}]}}
            self.send_json(200, body)
        elif fault in ("x_gzip", "deflate", "gzip_twice"):
            # a proxy's content codings: gzip by its old name (RFC 9110 says to
            # read it as gzip), one not asked for, gzip applied a second time
            data = json.dumps(body, ensure_ascii=False).encode()
            coded = {"x_gzip": ("x-gzip", gzip.compress(data)),
                     "deflate": ("deflate", zlib.compress(data)),
                     "gzip_twice": ("gzip, gzip", gzip.compress(gzip.compress(data)))}[fault]
            self.send_body(200, coded[1], headers={"Content-Encoding": coded[0]}, compress=False)
        elif fault in ("gzip_cut", "gzip_corrupt"):
            # a proxy that ends a gzip body early, its Content-Length made to
            # match; or one that spoils bytes in the middle of the stream
            data = gzip.compress(json.dumps(body, ensure_ascii=False).encode())
            if fault == "gzip_cut":
                data = data[: len(data) // 2]
            else:
                mid = len(data) // 2
                data = data[:mid] + bytes(b ^ 0xFF for b in data[mid:mid + 16]) + data[mid + 16:]
            self.send_body(200, data, headers={"Content-Encoding": "gzip"}, compress=False)
        elif fault == "huge_chunked":
            # the huge body, not compressed, in chunks: no Content-Length to
            # refuse it by, so it is cut while it comes
            data = json.dumps({**body, "overview": "x" * (opts.huge_mib * 1024 * 1024)}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                for i in range(0, len(data), 65536):
                    part = data[i:i + 65536]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass  # the client hung up once it had enough
            self.close_connection = True
        elif fault == "cl_short":
            # a proxy that miscounts: a Content-Length 16 bytes short of the
            # body it sends, the rest sent later on the connection it keeps
            # open, just before its answer to the next request (sent at
            # once, a client could see them waiting and drop the connection
            # as dead instead of reusing it)
            data = json.dumps(body, ensure_ascii=False).encode()
            headers = {}
            if opts.gzip and "gzip" in self.headers.get("Accept-Encoding", ""):
                data = gzip.compress(data, compresslevel=1)
                headers["Content-Encoding"] = "gzip"
            self.send_response(200)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(data) - 16))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            try:
                self.wfile.write(data[:-16])
                self.wfile.flush()
            except OSError:
                pass
            self.leftover = data[-16:]
            self.count_status(200)
        elif fault == "hints_gzip":
            # a 103 Early Hints whose headers name gzip, then the answer plain
            self.wfile.write(b"HTTP/1.1 103 Early Hints\r\nContent-Encoding: gzip\r\n\r\n")
            self.send_body(200, json.dumps(body, ensure_ascii=False).encode(), compress=False)
        elif fault == "bad_utf8":
            data = json.dumps({**body, "title": "@@BAD@@"}, ensure_ascii=False).encode()
            self.send_body(200, data.replace(b"@@BAD@@", b"caf\xc3\x28 \xed\xa0\x80"))

    def sleep_unless_stopping(self, seconds):
        self.server.stopping.wait(seconds)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256  # 50 workers connecting at once must not hit a full backlog
    tls = None  # an ssl.SSLContext when serving HTTPS
    # --reset-handshakes: connections still to reset before their TLS
    # handshake. Only the serving thread accepts, so no lock.
    reset_handshakes = 0

    def get_request(self):
        sock, addr = self.socket.accept()
        if self.tls is None:
            return sock, addr
        if self.reset_handshakes > 0:
            self.reset_handshakes -= 1
            sock.settimeout(2)
            try:
                sock.recv(5)  # the start of the ClientHello: the client is mid-handshake
            except OSError:
                pass
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()  # RST, as a middlebox dropping the connection sends
            raise OSError("connection reset before the TLS handshake (--reset-handshakes)")
        # The handshake runs here, in the serving thread, as when the
        # listening socket itself was wrapped; a failed one raises OSError.
        return self.tls.wrap_socket(sock, server_side=True), addr


def serve_socks(server, listener):
    """--socks-port-file: a SOCKS5 proxy in front of the fake (RFC 1928, no
    authentication, CONNECT only). Once --outage-after N:socks began, every
    CONNECT is answered 4, host unreachable; with --socks-reply, every
    CONNECT is answered that reply."""
    def recv_exactly(conn, n):
        data = b""
        while len(data) < n:
            more = conn.recv(n - len(data))
            if not more:
                raise ConnectionError("closed in the handshake")
            data += more
        return data

    def relay(a, b):
        try:
            data = a.recv(65536)
            while data:
                b.sendall(data)
                data = a.recv(65536)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle(conn):
        try:
            _, n_methods = recv_exactly(conn, 2)
            recv_exactly(conn, n_methods)
            conn.sendall(b"\x05\x00")
            _, _, _, atyp = recv_exactly(conn, 4)
            recv_exactly(conn, {1: 4, 4: 16}.get(atyp) or recv_exactly(conn, 1)[0])
            recv_exactly(conn, 2)  # the port asked for: the fake's is used
            limit, kind = server.opts.outage_after or (0, "")
            with server.stats.lock:
                down = kind == "socks" and server.outage_seen >= limit
            if down or server.opts.socks_reply:
                reply = server.opts.socks_reply or 4
                conn.sendall(bytes([5, reply, 0, 1]) + bytes(6))
                conn.close()
                return
            upstream = socket.create_connection(server.server_address[:2])
            conn.sendall(b"\x05\x00\x00\x01" + bytes(6))
            threading.Thread(target=relay, args=(upstream, conn), daemon=True).start()
            relay(conn, upstream)
        except (OSError, ConnectionError, ValueError):
            pass
        finally:
            conn.close()

    while True:
        conn, _ = listener.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def outage_spec(text):
    count, _, kind = text.partition(":")
    kind = kind or "503"
    if not count.isdigit() or kind not in ("503", "502html", "html200", "403html", "reset",
                                           "socks"):
        raise argparse.ArgumentTypeError(
            f"N[:KIND], KIND 503, 502html, html200, 403html, reset or socks, not {text!r}")
    return int(count), kind


def parse_args(argv):
    p = argparse.ArgumentParser(
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="A local fake of the TMDB API v3 for tmdb-ingest's tests (loopback only).",
        epilog="""endpoints:
  GET /3/movie/{id}[?language=L&append_to_response=PARTS]
        details; PARTS (comma-separated, at most 20 names, unknown ones ignored):
        credits, keywords, release_dates, external_ids, translations, videos,
        images, alternative_titles; changes, lists, recommendations, reviews,
        similar and watch/providers empty, as for a movie with none; over 20:
        400, status_code 27; videos and images only in the language of L
        (images: those of include_image_language=ko,null, "null" for none,
        when given)
  GET /3/movie/now_playing|popular|top_rated|upcoming?page=N   list pages
  GET /3/movie/changes?start_date=YYYY-MM-DD&end_date=YYYY-MM-DD&page=N
        ids changed in [start, end], 100 a page; end defaults to --today, start
        to end - 1 day; bad date 400/23, range over 14 days (or start > end)
        422/20, page outside 1..500 400/22
  GET /p/exports/movie_ids_MM_DD_YYYY.json.gz
        the daily id export (no authentication): gzip of one JSON object a
        line for the live movies; exists for today-90 < date <= today, else
        403 with an S3 AccessDenied XML body; adult movies only in
        /p/exports/adult_movie_ids_MM_DD_YYYY.json.gz
  GET /__stats, POST /__reset   test counters (by_endpoint names: details,
        list, changes, export, other)
  POST /__next_day   a day passes: popularity and votes move, texts stay
All /3/ endpoints need --token or --api-key when one is given.""")
    p.add_argument("--host", default="127.0.0.1", help="127.0.0.1 (default), localhost or ::1")
    p.add_argument("--port", type=int, default=0, help="port; 0 (default) picks a free one")
    p.add_argument("--port-file", help="write the port number to this file once listening")
    p.add_argument("--max-seconds", type=float, default=600,
                   help="exit by itself after this long (default 600)")
    p.add_argument("--movies", type=int, default=500, help="catalogue size (default 500)")
    p.add_argument("--deleted", type=int, default=10,
                   help="movies listed whose details answer 404 (default 10)")
    p.add_argument("--seed", type=int, default=1, help="catalogue seed (default 1)")
    p.add_argument("--token", help="require Authorization: Bearer TOKEN (or --api-key)")
    p.add_argument("--api-key", help="require api_key=KEY (or --token)")
    p.add_argument("--latency-ms", type=float, default=0, help="delay every /3/ response")
    p.add_argument("--rate-limit", type=float, default=40,
                   help="answer 429 above this many requests per second in any one-second "
                        "window (default 40, TMDB's CDN ceiling per address; 0 = off)")
    p.add_argument("--retry-after", type=int, metavar="SECONDS",
                   help="send Retry-After: SECONDS with the 429s of --rate-limit (default "
                        "none, as in a 429 of TMDB's CDN captured in 2023; injected 429 and "
                        "503 faults always send Retry-After: 1)")
    p.add_argument("--retry-after-date", action="store_true",
                   help="send each Retry-After as an HTTP date, that many seconds after the "
                        "answer's Date (RFC 9110's other form), instead of as seconds")
    p.add_argument("--clock-offset", type=float, default=0, metavar="SECONDS",
                   help="the Date header of every answer is this far from this machine's "
                        "clock (negative: behind), as if the client's clock were wrong")
    p.add_argument("--cache-age", type=int, default=3600, metavar="SECONDS",
                   help="answer every 200 of /3/ as TMDB's CDN does from its cache: Age: "
                        "SECONDS and a Date that much older (default 3600; 0: fresh from "
                        "the origin, no Age), but never older than 00:00 UTC of the fake's "
                        "current day (no copy predates a change of an earlier day) unless "
                        "--stale-details (not for /movie/changes: --changes-cache-age)")
    p.add_argument("--stale-details", action="store_true",
                   help="each change date has a time of day, and a details body holds the "
                        "changes made up to its copy's time (now - Age, on the fake's clock): "
                        f"vote_count grows by {CHANGE_VOTES} with each; the Age is --cache-age, "
                        "uncapped, so a copy can predate a change, as from TMDB's CDN. "
                        "--dump-catalogue then prints the movies as a copy made now holds them")
    p.add_argument("--changes-cache-age", type=int, metavar="SECONDS",
                   help="answer /movie/changes from a copy made SECONDS before (Age: SECONDS, "
                        "uncapped) that lists only the changes made up to then (each change "
                        "at its time of day, as with --stale-details): a copy made before the "
                        "end of its window, as TMDB's CDN may serve one for hours. Default: "
                        "--cache-age capped at 00:00 UTC of the fake's current day (also with "
                        "--stale-details), a copy holding every change of the days before")
    p.add_argument("--changes-cache-before", type=date_arg, metavar="YYYY-MM-DD",
                   help="with --changes-cache-age: only windows ending before this day come "
                        "from that old copy; the others from a fresh one (default: all)")
    p.add_argument("--changes-copy-on-last-day", type=int, metavar="SECONDS",
                   help="answer each /movie/changes window from a copy made SECONDS after "
                        "00:00 UTC of its last day (Age uncapped), listing the changes made "
                        "up to then: windows of one run from copies of different days")
    p.add_argument("--changes-page-cache-age", action="append", default=[],
                   metavar="N:SECONDS",
                   help="answer page N of each /movie/changes window from a copy made "
                        "SECONDS before (Age uncapped), listing the changes made up to then, "
                        "its other pages as usual: the pages of one window from copies of "
                        "different ages, as TMDB's CDN caches each page's URL on its own")
    p.add_argument("--no-gzip", dest="gzip", action="store_false",
                   help="never compress (default: gzip when the client accepts it)")
    p.add_argument("--shift", type=int, default=0,
                   help="lists shift while paged: page p>1 starts N entries early, so the "
                        "last N ids of page p-1 repeat")
    p.add_argument("--page-above-500-style", choices=("400", "422"), default="400",
                   help="answer pages above 500 with 400/status_code 22 (default) or 422")
    p.add_argument("--page-400html", type=int, action="append", default=[], metavar="N",
                   help="list page N answers 400 with an HTML body (not TMDB's page refusal)")
    p.add_argument("--list-length", metavar="FIRST[:LATER]",
                   type=lambda t: [int(n) for n in t.split(":", 1)],
                   help="lists hold their first FIRST entries when page 1 is asked for, their "
                        "first LATER (default FIRST) for later pages: an empty list (0), or "
                        "one that shrinks or grows while paged (total_pages follows)")
    p.add_argument("--page-fault", action="append", default=[], metavar="N:KIND[:COUNT]",
                   help="the first COUNT requests of list page N (all if no COUNT) get KIND: "
                        + ", ".join(PAGE_FAULT_KINDS) + " (500, 503: that error; 502html, 503html, "
                        "504html: CloudFront's HTML error page with that status; malformed: "
                        "a 200 cut in the middle; html200: a CDN's HTML error page as a 200; first_page: page 1, "
                        "as a cache that keys pages without their query string serves it; the others: the page as usual but for one "
                        "result, --bad-result, whose id is missing, 0, -5, 550.5, \"550\", "
                        "1e30 or null, or which is a bare number instead of an object)")
    p.add_argument("--changes-page-fault", action="append", default=[],
                   metavar="N:KIND[:COUNT]",
                   help="the same for page N of /movie/changes (of any window)")
    p.add_argument("--bad-result", type=int, default=1, metavar="POS",
                   help="the result (1-based) the id kinds of --page-fault and "
                        "--changes-page-fault spoil (default 1); that movie is then missing "
                        "from the page")
    p.add_argument("--fault", action="append", default=[], metavar="ID:KIND[:N]",
                   help="the first N detail requests of movie ID (all if no N) get KIND: "
                        + ", ".join(FAULT_KINDS))
    p.add_argument("--body-file", action="append", default=[], metavar="ID:PATH",
                   help="answer the details of movie ID (in the catalogue or not) with 200 and "
                        "the bytes of PATH, as they are, whatever the parts asked for")
    p.add_argument("--fault-fraction", type=float, default=0,
                   help="a seeded fraction of the live movies get faults")
    p.add_argument("--fault-attempts", type=int, default=2,
                   help="with --fault-fraction: how many attempts fail (default 2)")
    p.add_argument("--fault-kinds", default="502html,503,reset,stall",
                   help="with --fault-fraction: the kinds, cycled")
    p.add_argument("--stall-seconds", type=float, default=30, help="length of a stall fault")
    p.add_argument("--huge-mib", type=int, default=8, help="size of a huge or huge_chunked fault body, or of huge_header's header line")
    p.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    p.add_argument("--tls-key", help="the certificate's private key (PEM)")
    p.add_argument("--reset-handshakes", type=int, default=0, metavar="N",
                   help="with --tls-cert: reset the first N connections in the middle of "
                        "their TLS handshake (a network fault, not a certificate problem)")
    p.add_argument("--stats-file", help="write the /__stats JSON here at exit")
    p.add_argument("--dump-catalogue", action="store_true",
                   help="print the catalogue (one JSON object per line) and exit")
    p.add_argument("--dump-ids", action="store_true",
                   help="print the catalogue's live (not deleted) ids, one per line, and exit")
    p.add_argument("--dump-append", metavar="PARTS",
                   help="with --dump-catalogue: add these append_to_response parts to each "
                        "line, exactly as a details request with append_to_response=PARTS "
                        "and --language would")
    p.add_argument("--dump-image-languages", metavar="LIST",
                   help="with --dump-append images: as a request with "
                        "include_image_language=LIST would (default: none, only the images "
                        "in --language)")
    p.add_argument("--dump-changes", nargs=2, metavar=("START", "END"),
                   help="print the ids changed in [START, END] (YYYY-MM-DD, inclusive, no "
                        "length limit), deleted ones included, one per line, ascending, and "
                        "exit")
    p.add_argument("--dump-changes-as-of", type=float, metavar="SECONDS",
                   help="with --dump-changes: only the changes made by then (seconds since "
                        "the epoch), as a changes page from a copy made then lists them "
                        "(--changes-cache-age)")
    p.add_argument("--write-export", metavar="PATH",
                   help="write the daily export file (gzip, one JSON object a line) for the "
                        "catalogue's live movies to PATH and exit")
    p.add_argument("--export-ids", type=int, metavar="N",
                   help="with --write-export: write N synthetic lines (ids 1, 8, 15, ... = "
                        "7k+1, about 2%% adult and 2%% video) instead of the catalogue; "
                        "fast (a million lines in seconds)")
    p.add_argument("--changes-adult-null", action="store_true",
                   help="every /movie/changes result says \"adult\": null (a flag not known) "
                        "instead of true or false")
    p.add_argument("--changes-page-size", type=int, default=CHANGES_PAGE_SIZE, metavar="N",
                   help="ids per /movie/changes page (TMDB: 100); small values make a "
                        "window pass TMDB's 500-page cap with a small catalogue")
    p.add_argument("--today", type=date_arg, metavar="YYYY-MM-DD",
                   help="the fake's today, for /movie/changes and the exports (default: "
                        "the current UTC date)")
    p.add_argument("--language", default="ko-KR", help="language of --dump-catalogue")
    p.add_argument("--export-unpublished", action="store_true",
                   help="today's export (--today) is not published yet: 403, as before "
                        "TMDB's morning upload")
    p.add_argument("--export-no-final-newline", action="store_true",
                   help="the main export's last line has no newline")
    p.add_argument("--adult-export-unpublished", action="store_true",
                   help="today's adult export (--today) is not published yet, the main one is")
    p.add_argument("--adult-export-empty", action="store_true",
                   help="the adult export of every day holds no entry (a whole gzip file of "
                        "nothing, as a publishing job that failed may leave)")
    p.add_argument("--export-redirect", metavar="URL",
                   help="answer the export with a 302 to URL followed by its path (a host "
                        "that moved)")
    p.add_argument("--export-cut", type=int, default=0, metavar="N",
                   help="the first N export downloads end half-way, with no Content-Length")
    p.add_argument("--export-busy", type=export_busy, default=(0, 0), metavar="N:SECONDS",
                   help="the first N export downloads answer 503 (S3's SlowDown) with "
                        "Retry-After: SECONDS")
    p.add_argument("--export-blank-mib", type=int, default=0, metavar="N",
                   help="the main export ends with N MiB of empty lines, as 1 KiB gzip members "
                        "of 1 MiB each (a gzip bomb), also with --write-export")
    p.add_argument("--export-trailing-bytes", type=int, default=0, metavar="N",
                   help="the main export ends with N NUL bytes after its gzip data (padding "
                        "that zlib's gzread skips quietly), also with --write-export")
    p.add_argument("--export-drip", action="store_true",
                   help="send the export a byte every 0.25 s (a host that never quite stalls)")
    p.add_argument("--export-claim-gib", type=int, default=0, metavar="N",
                   help="the main export's answer says Content-Length: N GiB, then sends the "
                        "file and closes the connection")
    p.add_argument("--rename-keyword", action="append", default=[], metavar="ID:NAME",
                   help="serve keyword ID under NAME (TMDB renames keywords now and then)")
    p.add_argument("--adult", action="append", default=[], type=int, metavar="ID",
                   help="TMDB has marked movie ID adult since (it does, now and then): its "
                        "details and its /movie/changes result say adult: true, and it is "
                        "listed in adult_movie_ids_, no longer in movie_ids_")
    p.add_argument("--outage-after", type=outage_spec, metavar="N[:KIND]",
                   help="once N detail requests were answered, answer every /3/ request "
                        "KIND: 503 (TMDB's service offline, the default), 502html "
                        "(CloudFront's page, its origin gone), html200 (a proxy's HTML "
                        "page in the way, as a 200), 403html (a portal's or firewall's "
                        "refusal), reset (the connection reset) or socks (the connection "
                        "reset, and --socks-port-file's proxy answers every CONNECT after "
                        "it 'host unreachable', as an ssh -D tunnel whose far side lost "
                        "its network does): TMDB or the network down in the middle of a run")
    p.add_argument("--socks-port-file", metavar="PATH",
                   help="also serve a SOCKS5 proxy (no authentication) on another loopback "
                        "port, written to PATH, that carries every CONNECT to this fake, "
                        "whatever host it names (until --outage-after N:socks)")
    p.add_argument("--socks-reply", type=int, choices=range(1, 9), metavar="CODE",
                   help="--socks-port-file's proxy answers every CONNECT with the SOCKS5 "
                        "reply CODE (RFC 1928: 2, not allowed by its rules; 7, command not "
                        "supported; 4, host unreachable ...) and carries none")
    p.add_argument("--verbose", action="store_true", help="log each request to stderr")
    opts = p.parse_args(argv)
    if opts.host not in ("127.0.0.1", "localhost", "::1"):
        p.error("the fake TMDB binds to loopback only")
    for k in opts.fault_kinds.split(","):
        if k not in FAULT_KINDS:
            p.error(f"unknown fault kind {k!r}")
    if opts.dump_append is not None:
        if not opts.dump_catalogue:
            p.error("--dump-append needs --dump-catalogue")
        if parse_append(opts.dump_append)[1] > MAX_APPEND:
            p.error(f"--dump-append: more than {MAX_APPEND} parts")
    if opts.dump_changes:
        opts.dump_changes = [parse_date(d) for d in opts.dump_changes]
        if None in opts.dump_changes:
            p.error("--dump-changes: dates are YYYY-MM-DD")
    if opts.export_trailing_bytes < 0:
        p.error("--export-trailing-bytes: N must be 0 or more")
    if opts.export_ids is not None:
        if opts.write_export is None:
            p.error("--export-ids needs --write-export")
        if opts.export_ids < 0:
            p.error("--export-ids: N must be 0 or more")
    for spec in opts.rename_keyword:
        kid, _, name = spec.partition(":")
        at = [i for i, (k, _) in enumerate(KEYWORDS) if str(k) == kid]
        if not at or not name:
            p.error(f"--rename-keyword: no keyword {kid!r} or no name")
        KEYWORDS[at[0]] = (KEYWORDS[at[0]][0], name)
    page_ages = {}
    for spec in opts.changes_page_cache_age:
        n, _, secs = spec.partition(":")
        if not (n.isdigit() and secs.isdigit() and int(n) >= 1):
            p.error("--changes-page-cache-age: N:SECONDS, N from 1")
        page_ages[int(n)] = int(secs)
    opts.changes_page_cache_age = page_ages
    if opts.today is None:
        opts.today = datetime.datetime.now(datetime.timezone.utc).date()
    return opts


def date_arg(text):
    day = parse_date(text)
    if day is None:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}")
    return day


def export_busy(text):
    n, _, seconds = text.partition(":")
    if not (n.isdigit() and seconds.isdigit()):
        raise argparse.ArgumentTypeError(f"not N:SECONDS: {text!r}")
    return int(n), int(seconds)


def dump(catalogue, language, parts=(), as_of=None, image_languages=None):
    out = sys.stdout
    for mid in catalogue.order:
        d = catalogue.details(mid, language, parts, as_of, image_languages)
        d["deleted"] = mid in catalogue.deleted
        out.write(json.dumps(d, ensure_ascii=False) + "\n")


def write_atomic(path, text):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv):
    opts = parse_args(argv)
    if opts.write_export is not None and opts.export_ids is not None:
        write_synthetic_export(opts.write_export, opts.export_ids, opts.seed)
        return 0
    catalogue = Catalogue(opts.movies, opts.deleted, opts.seed, opts.today)
    catalogue.export_blank_mib = opts.export_blank_mib
    for mid in opts.adult:
        if mid not in catalogue.movies:
            sys.exit(f"fake_tmdb.py: --adult: no movie {mid} in the catalogue")
        catalogue.movies[mid]["adult"] = True
    if opts.write_export is not None:
        tmp = f"{opts.write_export}.tmp{os.getpid()}"
        with open(tmp, "wb") as f:
            f.write(catalogue.export_bytes() + b"\0" * opts.export_trailing_bytes)
        os.replace(tmp, opts.write_export)
        return 0
    if opts.dump_changes:
        start, end = opts.dump_changes
        ids = catalogue.changed_ids(start, end, opts.dump_changes_as_of)
        sys.stdout.write("".join(f"{i}\n" for i in ids))
        return 0
    if opts.dump_catalogue:
        dump(catalogue, opts.language,
             parse_append(opts.dump_append)[0] if opts.dump_append is not None else (),
             time.time() + opts.clock_offset if opts.stale_details else None,
             opts.dump_image_languages)
        return 0
    if opts.dump_ids:
        sys.stdout.write("".join(f"{i}\n" for i in catalogue.order if i not in catalogue.deleted))
        return 0
    if opts.host == "::1":
        Server.address_family = socket.AF_INET6
    server = Server((opts.host, opts.port), Handler)
    server.opts = opts
    server.export_cuts_left = opts.export_cut
    server.export_busy_left = opts.export_busy[0]
    server.catalogue = catalogue
    server.stats = Stats()
    server.limiter = RateLimiter(opts.rate_limit)
    server.faults = Faults(opts.fault, catalogue, opts.fault_fraction, opts.fault_attempts,
                           opts.fault_kinds.split(","), opts.seed)
    server.page_faults = Faults(opts.page_fault, catalogue, 0, 0, (), opts.seed,
                                known=PAGE_FAULT_KINDS, option="--page-fault")
    server.changes_page_faults = Faults(opts.changes_page_fault, catalogue, 0, 0, (), opts.seed,
                                        known=PAGE_FAULT_KINDS, option="--changes-page-fault")
    server.outage_seen = 0
    server.stopping = threading.Event()
    server.body_files = {int(mid): path for mid, _, path in
                         (spec.partition(":") for spec in opts.body_file)}

    def stop(*_):
        server.stopping.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threading.Timer(opts.max_seconds, stop).start()
    scheme = "http"
    if opts.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(opts.tls_cert, opts.tls_key)
        server.tls = ctx
        server.reset_handshakes = opts.reset_handshakes
        scheme = "https"
    port = server.server_address[1]
    if opts.socks_port_file:
        socks = socket.socket(Server.address_family, socket.SOCK_STREAM)
        socks.bind((opts.host, 0))
        socks.listen(64)
        threading.Thread(target=serve_socks, args=(server, socks), daemon=True).start()
        write_atomic(opts.socks_port_file, f"{socks.getsockname()[1]}\n")
    print(f"listening on {scheme}://127.0.0.1:{port}", flush=True)
    if opts.port_file:
        write_atomic(opts.port_file, f"{port}\n")
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
        if opts.stats_file:
            write_atomic(opts.stats_file, json.dumps(server.stats.snapshot()))
    os._exit(0)  # do not wait for stalled handler threads or the timer


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
