#!/usr/bin/env python3
"""compare_parts.py DB DUMP - check the appended parts in the database
against what the fake served.

DUMP is the output of `fake_tmdb.py --dump-catalogue --dump-append
credits,keywords` (one JSON object per line, with `deleted`). For every
movie that was not deleted, the database must hold exactly its cast
(person id, character, order, credit_id), its crew (person id, job,
department, credit_id) and its keywords (id, name, position), and every
credited person as served; deleted movies must have no such rows. Strings
TMDB sends as "" are NULL in the database.
Prints one line per mismatch (at most 20), then the totals checked, and
exits 1 if there is any mismatch.
"""
import json
import sqlite3
import sys


def text(v):
    return None if v in ("", None) else v


def served_cast(m):
    return sorted((c["credit_id"], c["id"], text(c["character"]), c["order"])
                  for c in m["credits"]["cast"])


def served_crew(m):
    return sorted((c["credit_id"], c["id"], text(c["job"]), text(c["department"]))
                  for c in m["credits"]["crew"])


def served_keywords(m):
    return [(k["id"], k["name"], i) for i, k in enumerate(m["keywords"]["keywords"])]


def stored(db, sql, mid):
    return [tuple(r) for r in db.execute(sql, (mid,))]


CAST_SQL = ("SELECT credit_id, person_id, character, cast_order FROM movie_cast "
            "WHERE movie_id = ? ORDER BY credit_id")
CREW_SQL = ("SELECT credit_id, person_id, job, department FROM movie_crew "
            "WHERE movie_id = ? ORDER BY credit_id")
KEYWORDS_SQL = ("SELECT k.id, k.name, mk.position FROM movie_keywords mk "
                "JOIN keywords k ON k.id = mk.keyword_id WHERE mk.movie_id = ? "
                "ORDER BY mk.position")
PERSON_SQL = ("SELECT name, original_name, gender, known_for_department, profile_path, adult, "
              "popularity FROM people WHERE id = ?")


def check_people(db, m, problems):
    for p in m["credits"]["cast"] + m["credits"]["crew"]:
        want = (p["name"], text(p["original_name"]), p["gender"],
                text(p["known_for_department"]), text(p["profile_path"]), int(p["adult"]),
                p["popularity"])
        got = db.execute(PERSON_SQL, (p["id"],)).fetchone()
        if got != want:
            problems.append(f"{m['id']}: person {p['id']} is {got!r}, expected {want!r}")


def main():
    db = sqlite3.connect(sys.argv[1])
    with open(sys.argv[2], encoding="utf-8") as f:
        movies = [json.loads(line) for line in f if line.strip()]
    problems = []
    totals = {"cast": 0, "crew": 0, "keywords": 0}
    for m in movies:
        mid = m["id"]
        got = {"cast": stored(db, CAST_SQL, mid), "crew": stored(db, CREW_SQL, mid),
               "keywords": stored(db, KEYWORDS_SQL, mid)}
        if m.get("deleted"):
            want = {"cast": [], "crew": [], "keywords": []}
        else:
            want = {"cast": served_cast(m), "crew": served_crew(m),
                    "keywords": served_keywords(m)}
            check_people(db, m, problems)
        for part in ("cast", "crew", "keywords"):
            totals[part] += len(got[part])
            if got[part] != want[part]:
                problems.append(f"{mid}: {part} {got[part]!r}, expected {want[part]!r}")
    for p in problems[:20]:
        print(p)
    print(f"checked {len(movies)} movies: {totals['cast']} cast, {totals['crew']} crew, "
          f"{totals['keywords']} keyword rows; {len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
