#!/usr/bin/env python3
"""compare_catalogue.py DB DUMP - check the database against what the fake served.

DUMP is the output of `fake_tmdb.py --dump-catalogue` (one JSON object per
line, with `deleted`). For every movie that was not deleted, the row must
hold exactly the title, vote_average, revenue, release_date, runtime and
genre list (in order) the fake serves; deleted movies must be absent.
Prints one line per mismatch (at most 20) and exits 1 if there is any.
"""
import json
import sqlite3
import sys


def expected_runtime(v):
    return None if v in (0, None) else v


def expected_text(v):
    return None if v in ("", None) else v


def main():
    db = sqlite3.connect(sys.argv[1])
    problems = []
    stored = 0
    with open(sys.argv[2], encoding="utf-8") as f:
        movies = [json.loads(line) for line in f if line.strip()]
    for m in movies:
        row = db.execute(
            "SELECT title, vote_average, revenue, release_date, runtime, budget, "
            "original_title, overview FROM movies WHERE id = ?", (m["id"],)).fetchone()
        if m.get("deleted"):
            if row is not None:
                problems.append(f"{m['id']}: deleted movie was stored")
            continue
        if row is None:
            problems.append(f"{m['id']}: missing")
            continue
        stored += 1
        want = (m["title"], m["vote_average"], m["revenue"], expected_text(m["release_date"]),
                expected_runtime(m["runtime"]), m["budget"], m["original_title"],
                expected_text(m["overview"]))
        names = ("title", "vote_average", "revenue", "release_date", "runtime", "budget",
                 "original_title", "overview")
        for name, got, exp in zip(names, row, want):
            if got != exp:
                problems.append(f"{m['id']}: {name} is {got!r}, expected {exp!r}")
        genres = [r[0] for r in db.execute(
            "SELECT genre_id FROM movie_genres WHERE movie_id = ? ORDER BY position",
            (m["id"],))]
        want_genres = [g["id"] for g in m.get("genres") or []]
        if genres != want_genres:
            problems.append(f"{m['id']}: genres {genres}, expected {want_genres}")
    for p in problems[:20]:
        print(p)
    print(f"checked {len(movies)} movies, {stored} stored, {len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
