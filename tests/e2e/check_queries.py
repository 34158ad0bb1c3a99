#!/usr/bin/env python3
"""check_queries.py CATALOGUE DELETED KIND NAME GOT - check one example
query (KIND "query", sql/queries/NAME.sql) or one view (KIND "view") against
answers computed here, independently of SQL, from what the fake served.

CATALOGUE is `fake_tmdb.py --dump-catalogue --dump-append credits,keywords`
for a database loaded with `--append credits,keywords`; DELETED the ids
(space separated) the test then marked deleted; GOT the result as
`sqlite3 -json` prints it (empty for no rows). A query's rows must come in
its order; a view's in any order. Column names and order must match;
integers and text exactly; reals within 0.005, as the queries round
to 2 decimals (the answers here are not rounded).
Prints the differences (at most 10) and exits 1 if there is any; exits 2
for a query or view this file has no answer for (write one).
Python 3 standard library only.
"""
import json
import sys
from collections import defaultdict

ANY_TIME = object()  # a column whose value is a time of the run: any ISO-8601 UTC text


def text(v):
    """TMDB's "" and null are NULL in the database."""
    return None if v in ("", None) else v


def year_of(date):
    return int(date[:4]) if text(date) else None


def joined(names):
    """group_concat(name, ', '): NULL for no rows."""
    return ", ".join(names) if names else None


def first_by_key(items, key):
    """The items in order, a repeated key keeping its first (ON CONFLICT DO NOTHING)."""
    seen, out = set(), []
    for item in items:
        if key(item) not in seen:
            seen.add(key(item))
            out.append(item)
    return out


def mean(values):
    return sum(values) / len(values) if values else None


class Catalogue:
    """The stored movies as the database should hold them."""

    def __init__(self, path, deleted):
        with open(path, encoding="utf-8") as f:
            served = [json.loads(line) for line in f if line.strip()]
        self.movies = [m for m in served if not m.get("deleted")]  # 404s are never stored
        self.deleted = deleted
        self.people = {}
        for m in self.movies:
            for p in m["credits"]["cast"] + m["credits"]["crew"]:
                self.people[p["id"]] = p

    def live(self):
        return [m for m in self.movies if m["id"] not in self.deleted]

    @staticmethod
    def genres(m):
        return first_by_key(m["genres"], lambda g: g["id"])

    @staticmethod
    def keywords(m):
        return first_by_key(m["keywords"]["keywords"], lambda k: k["id"])

    @staticmethod
    def cast(m):
        return first_by_key(m["credits"]["cast"], lambda c: c["credit_id"])

    @staticmethod
    def crew(m):
        return first_by_key(m["credits"]["crew"], lambda c: c["credit_id"])


# ---- the example queries (sql/queries/NAME.sql) -----------------------------

def top_revenue_per_year(c):
    by_year = defaultdict(list)
    for m in c.live():
        if year_of(m["release_date"]) is not None and m["revenue"] > 0:
            by_year[year_of(m["release_date"])].append(m)
    rows = []
    for year in sorted(by_year, reverse=True):
        ranked = sorted(by_year[year], key=lambda m: (-m["revenue"], m["id"]))[:3]
        rows += [{"year": year, "rank": i + 1, "id": m["id"], "title": m["title"],
                  "revenue": m["revenue"]} for i, m in enumerate(ranked)]
    return rows


def by_genre(c, movies):
    """genre id -> (its name, the movies that have it)."""
    out = {}
    for m in movies:
        for g in c.genres(m):
            out.setdefault(g["id"], (g["name"], []))[1].append(m)
    return out


def genre_ratings(c):
    rows = []
    for gid, (name, ms) in by_genre(c, [m for m in c.live() if m["vote_count"] >= 1000]).items():
        votes = sum(m["vote_count"] for m in ms)
        rows.append({"genre_id": gid, "genre": name, "movies": len(ms),
                     "avg_vote": mean([m["vote_average"] for m in ms]),
                     "weighted_vote": sum(m["vote_average"] * m["vote_count"] for m in ms)
                     / votes})
    return sorted(rows, key=lambda r: (-r["avg_vote"], r["genre_id"]))


def prolific_companies(c):
    movies, info = defaultdict(list), {}
    for m in c.live():
        for co in first_by_key(m["production_companies"], lambda x: x["id"]):
            movies[co["id"]].append(m)
            info[co["id"]] = co
    rows = []
    for cid, ms in movies.items():
        years = [year_of(m["release_date"]) for m in ms if year_of(m["release_date"])]
        rows.append({"company_id": cid, "company": info[cid]["name"],
                     "country": text(info[cid]["origin_country"]), "movies": len(ms),
                     "total_revenue": sum(m["revenue"] for m in ms),
                     "first_year": min(years, default=None), "last_year": max(years, default=None)})
    return sorted(rows, key=lambda r: (-r["movies"], r["company_id"]))[:20]


def collection_totals(c):
    movies, names = defaultdict(list), {}
    for m in c.live():
        if m["belongs_to_collection"]:
            movies[m["belongs_to_collection"]["id"]].append(m)
            names[m["belongs_to_collection"]["id"]] = m["belongs_to_collection"]["name"]
    rows = []
    for cid, ms in movies.items():
        years = [year_of(m["release_date"]) for m in ms if year_of(m["release_date"])]
        first, last = min(years, default=None), max(years, default=None)
        rows.append({"collection_id": cid, "collection": names[cid], "movies": len(ms),
                     "first_year": first, "last_year": last,
                     "span_years": None if first is None else last - first,
                     "total_revenue": sum(m["revenue"] for m in ms),
                     "total_budget": sum(m["budget"] for m in ms),
                     "avg_vote": mean([m["vote_average"] for m in ms if m["vote_count"] > 0])})
    return sorted(rows, key=lambda r: (r["span_years"] is None, -(r["span_years"] or 0),
                                       -r["total_revenue"], r["collection_id"]))


def monthly_releases(c):
    months = defaultdict(list)
    for m in c.live():
        if text(m["release_date"]):
            months[m["release_date"][:7]].append(m)
    return [{"month": k, "movies": len(v), "revenue": sum(m["revenue"] for m in v)}
            for k, v in sorted(months.items())]


def top_billed_actors(c):
    movies, first = defaultdict(set), defaultdict(set)
    for m in c.live():
        for x in c.cast(m):
            if x["order"] is not None and x["order"] < 3:
                movies[x["id"]].add(m["id"])
                if x["order"] == 0:
                    first[x["id"]].add(m["id"])
    rows = [{"person_id": pid, "name": c.people[pid]["name"], "movies": len(ids),
             "billed_first": len(first[pid])} for pid, ids in movies.items()]
    return sorted(rows, key=lambda r: (-r["movies"], r["person_id"]))[:20]


def popular_korean(c):
    ms = [m for m in c.live() if m["original_language"] == "ko" and m["vote_count"] >= 100]
    ms.sort(key=lambda m: (-m["popularity"], m["id"]))
    return [{"id": m["id"], "title": m["title"], "original_title": text(m["original_title"]),
             "year": year_of(m["release_date"]), "popularity": m["popularity"],
             "vote_average": m["vote_average"], "vote_count": m["vote_count"]} for m in ms[:20]]


# ---- the views (sql/views.sql, and movie_search_text in sql/schema.sql) -----
# Each: (key columns to sort by, rows).

def movie_summary(c):
    return ("id",), [{"id": m["id"], "title": m["title"], "vote_average": m["vote_average"],
                      "revenue": m["revenue"], "release_date": text(m["release_date"]),
                      "runtime": m["runtime"] or None,
                      "genres": joined([g["name"] for g in c.genres(m)])} for m in c.movies]


def language_name(lang):
    return text(lang["english_name"]) or text(lang["name"]) or lang["iso_639_1"]


def movie_details(c):
    rows = []
    for m in c.movies:
        coll = m["belongs_to_collection"]
        gone = m["id"] in c.deleted
        rows.append({
            "id": m["id"], "title": m["title"], "original_title": text(m["original_title"]),
            "original_language": text(m["original_language"]), "year": year_of(m["release_date"]),
            "release_date": text(m["release_date"]), "status": text(m["status"]),
            "runtime": m["runtime"] or None, "budget": m["budget"], "revenue": m["revenue"],
            "popularity": m["popularity"], "vote_average": m["vote_average"],
            "vote_count": m["vote_count"],
            "genres": joined([g["name"] for g in c.genres(m)]),
            "companies": joined([x["name"] for x in first_by_key(m["production_companies"],
                                                                 lambda x: x["id"])]),
            "countries": joined([text(x["name"]) or x["iso_3166_1"]
                                 for x in first_by_key(m["production_countries"],
                                                       lambda x: x["iso_3166_1"])]),
            "spoken_languages": joined([language_name(x)
                                        for x in first_by_key(m["spoken_languages"],
                                                              lambda x: x["iso_639_1"])]),
            "collection_id": coll["id"] if coll else None,
            "collection": coll["name"] if coll else None,
            "keywords": joined([k["name"] for k in c.keywords(m)]),
            "imdb_id": text(m["imdb_id"]), "adult": int(m["adult"]), "deleted": int(gone),
            "deleted_at": ANY_TIME if gone else None, "fetched_at": ANY_TIME})
    return ("id",), rows


def distinct_names(people):
    """Names of distinct people, by name then id (the views' order)."""
    unique = {(p["name"], p["id"]) for p in people}
    return joined([name for name, _ in sorted(unique)])


def movie_credits(c):
    rows = []
    for m in c.movies:  # every movie was fetched with credits
        cast = sorted(c.cast(m), key=lambda x: (x["order"] is None, x["order"], x["credit_id"]))
        crew = c.crew(m)
        rows.append({"id": m["id"], "title": m["title"], "year": year_of(m["release_date"]),
                     "directors": distinct_names(x for x in crew if x["job"] == "Director"),
                     "writers": distinct_names(x for x in crew if x["department"] == "Writing"),
                     "top_cast": joined([x["name"] for x in cast[:5]]),
                     "cast_count": len(cast), "crew_count": len(crew)})
    return ("id",), rows


def movie_cast_list(c):
    return ("movie_id", "credit_id"), [
        {"movie_id": m["id"], "title": m["title"], "cast_order": x["order"],
         "person_id": x["id"], "name": c.people[x["id"]]["name"],
         "character": text(x["character"]), "credit_id": x["credit_id"]}
        for m in c.movies for x in c.cast(m)]


def movie_crew_list(c):
    return ("movie_id", "credit_id"), [
        {"movie_id": m["id"], "title": m["title"], "person_id": x["id"],
         "name": c.people[x["id"]]["name"], "department": text(x["department"]),
         "job": text(x["job"]), "credit_id": x["credit_id"]}
        for m in c.movies for x in c.crew(m)]


def genre_movies(c):
    return ("genre_id", "movie_id"), [
        {"genre_id": g["id"], "genre": g["name"], "position": i, "movie_id": m["id"],
         "title": m["title"], "year": year_of(m["release_date"]),
         "original_language": text(m["original_language"]), "popularity": m["popularity"],
         "vote_average": m["vote_average"], "vote_count": m["vote_count"],
         "deleted": int(m["id"] in c.deleted)}
        for m in c.movies for i, g in enumerate(c.genres(m))]


def genre_stats(c):
    rows = []
    for gid, (name, ms) in by_genre(c, c.live()).items():
        votes = sum(m["vote_count"] for m in ms)
        years = [year_of(m["release_date"]) for m in ms if year_of(m["release_date"])]
        rows.append({
            "genre_id": gid, "genre": name, "movies": len(ms),
            "avg_vote": mean([m["vote_average"] for m in ms if m["vote_count"] > 0]),
            "weighted_vote": sum(m["vote_average"] * m["vote_count"] for m in ms) / votes
            if votes else None,
            "total_revenue": sum(m["revenue"] for m in ms),
            "avg_runtime": mean([m["runtime"] for m in ms if m["runtime"]]),
            "first_year": min(years, default=None), "last_year": max(years, default=None)})
    return ("genre_id",), rows


def movie_search_text(c):
    # The last fetch had keywords: their names as served, in order.
    return ("id",), [{"id": m["id"], "title": m["title"],
                      "original_title": text(m["original_title"]),
                      "overview": text(m["overview"]), "tagline": text(m["tagline"]),
                      "keywords": joined([k["name"] for k in m["keywords"]["keywords"]])}
                     for m in c.movies]


QUERIES = {f.__name__: f for f in (top_revenue_per_year, genre_ratings, prolific_companies,
                                   collection_totals, monthly_releases, top_billed_actors,
                                   popular_korean)}
VIEWS = {f.__name__: f for f in (movie_summary, movie_details, movie_credits, movie_cast_list,
                                 movie_crew_list, genre_movies, genre_stats, movie_search_text)}


def same_value(got, want):
    if want is ANY_TIME:
        return isinstance(got, str) and len(got) == 20 and got.endswith("Z")
    if isinstance(got, bool) or isinstance(want, bool):
        return got == want
    if isinstance(got, float) or isinstance(want, float):
        return (isinstance(got, (int, float)) and isinstance(want, (int, float))
                and abs(got - want) <= 0.005 + 1e-9)
    return type(got) is type(want) and got == want


def compare(got, want, key):
    problems = []
    if len(got) != len(want):
        problems.append(f"{len(got)} rows, expected {len(want)}")
    if key:
        got = sorted(got, key=lambda r: tuple(r.get(k) for k in key))
        want = sorted(want, key=lambda r: tuple(r[k] for k in key))
    for i, (g, w) in enumerate(zip(got, want)):
        if list(g) != list(w):
            problems.append(f"row {i}: columns {list(g)}, expected {list(w)}")
            continue
        for col in w:
            if not same_value(g[col], w[col]):
                shown = "a time" if w[col] is ANY_TIME else repr(w[col])
                problems.append(f"row {i} ({dict((k, w[k]) for k in key or list(w)[:2])}): "
                                f"{col} is {g[col]!r}, expected {shown}")
    return problems


def main():
    catalogue, deleted, kind, name, got_path = sys.argv[1:6]
    c = Catalogue(catalogue, {int(i) for i in deleted.split()})
    table = QUERIES if kind == "query" else VIEWS
    if name not in table:
        print(f"no expected answer for {kind} {name}: add one to {sys.argv[0]}")
        return 2
    if kind == "query":
        key, want = None, table[name](c)
    else:
        key, want = table[name](c)
    with open(got_path, encoding="utf-8") as f:
        body = f.read().strip()
    got = json.loads(body) if body else []
    problems = compare(got, want, key)
    if not want:
        problems.append("the expected answer is empty: the test data exercise nothing")
    for p in problems[:10]:
        print(p)
    print(f"{kind} {name}: {len(got)} rows, {len(want)} expected, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
