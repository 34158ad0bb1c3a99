#!/usr/bin/env python3
"""bench_asyncio.py - the original approach, for side-by-side benchmarks.

A faithful version of the Python script tmdb-ingest replaces (see
../shared/seed/): fetch the list pages one after another with urllib, then
every movie's details with asyncio + aiohttp under asyncio.Semaphore(5),
holding all responses in memory, then insert title, vote_average and revenue
with the standard sqlite3 module at the end. As the original, it prints a
line per request (to standard output) and handles no failure: every answer's
body is parsed and kept, so an error body (a 429's) becomes a row of NULLs,
and a body that is not JSON, or a failed connection, ends the run.

    bench_asyncio.py --api-base URL --db PATH (--pages N | --ids-from FILE)
                     [--concurrency 5] [--sequential]

--sequential does the same job one request at a time (urllib, no asyncio):
the original's own baseline. The credential comes from TMDB_API_TOKEN.

The requests made with urllib (the list pages, and every request of
--sequential) are made as the original's requests.get() made them: a new
connection each, and gzip accepted (urllib by itself asks for the identity
encoding, so these bodies would not be the gzipped ones aiohttp, curl and
tmdb-ingest are sent).

Needs aiohttp unless --sequential: on Debian/Ubuntu `apt-get install
python3-aiohttp` (for /usr/bin/python3). Exits 4 with a message if missing.
"""
import argparse
import asyncio
import gzip
import json
import os
import sqlite3
import sys
import urllib.error
import urllib.request
import zlib


def get_text(url, token):
    """One GET as requests.get() makes it: (status, body text), gzip accepted."""
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}",
                                               "Accept-Encoding": "gzip, deflate"})
    try:
        with urllib.request.urlopen(req) as resp:
            status, body, coding = resp.status, resp.read(), resp.headers.get("Content-Encoding")
    except urllib.error.HTTPError as e:
        status, body, coding = e.code, e.read(), e.headers.get("Content-Encoding")
    if coding == "gzip":
        body = gzip.decompress(body)
    elif coding == "deflate":
        body = zlib.decompress(body)
    return status, body.decode("utf-8")


def get_json(url, token):
    status, text = get_text(url, token)
    if status != 200:
        raise SystemExit(f"bench_asyncio: {url}: HTTP {status}")
    return json.loads(text)


def list_ids(api, pages, language, token):
    """The original fetched the list first, all of it, before any detail."""
    ids = []
    page, last = 1, pages
    while page <= last:
        data = get_json(f"{api}/movie/now_playing?language={language}&page={page}", token)
        ids += [m["id"] for m in data.get("results", [])]
        last = min(pages, data.get("total_pages", 1))
        page += 1
    return list(dict.fromkeys(ids))


async def fetch_with_semaphore(semaphore, session, url):
    async with semaphore:
        async with session.get(url) as response:
            print(f"요청 완료: {url} (상태: {response.status})")
            return await response.text()


async def fetch_all(api, ids, language, token, concurrency):
    import aiohttp
    semaphore = asyncio.Semaphore(concurrency)
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        tasks = [fetch_with_semaphore(semaphore, session,
                                      f"{api}/movie/{i}?language={language}") for i in ids]
        return await asyncio.gather(*tasks)


def fetch_sequential(api, ids, language, token):
    out = []
    for i in ids:
        url = f"{api}/movie/{i}?language={language}"
        status, text = get_text(url, token)
        print(f"요청 완료: {url} (상태: {status})")
        out.append(text)
    return out


def store(db_path, responses):
    db = sqlite3.connect(db_path)
    db.execute("CREATE TABLE IF NOT EXISTS movies (title TEXT, vote_average REAL, revenue INTEGER)")
    rows = []
    for text in responses:
        detail = json.loads(text)
        rows.append((detail.get("title"), detail.get("vote_average"), detail.get("revenue")))
    db.executemany("INSERT INTO movies VALUES (?, ?, ?)", rows)
    db.commit()
    db.close()
    return len(rows)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--api-base", required=True)
    p.add_argument("--db", required=True)
    p.add_argument("--pages", type=int)
    p.add_argument("--ids-from")
    p.add_argument("--language", default="ko-KR")
    p.add_argument("--concurrency", type=int, default=5)
    p.add_argument("--sequential", action="store_true")
    a = p.parse_args()
    token = os.environ["TMDB_API_TOKEN"]
    if not a.sequential:
        try:
            import aiohttp  # noqa: F401
        except ImportError:
            print("bench_asyncio: aiohttp is missing: apt-get install python3-aiohttp",
                  file=sys.stderr)
            return 4
    if a.ids_from:
        with open(a.ids_from) as f:
            ids = [int(t) for t in f.read().split()]
    else:
        ids = list_ids(a.api_base, a.pages, a.language, token)
    if a.sequential:
        responses = fetch_sequential(a.api_base, ids, a.language, token)
    else:
        responses = asyncio.run(fetch_all(a.api_base, ids, a.language, token, a.concurrency))
    stored = store(a.db, responses)
    print(f"stored {stored} of {len(ids)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
