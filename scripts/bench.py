#!/usr/bin/env python3
"""bench.py - tmdb-ingest side by side with the approaches it replaces.

Runs, against scripts/fake_tmdb.py on 127.0.0.1, in one run:
  tmdb-ingest          the C pipeline (default 5 workers), into a new database,
                       and in a and b also the same movies a day later (the nightly
                       reload: the fake moves every movie's popularity and votes first)
  asyncio              the original approach: list pages first, then aiohttp
                       under Semaphore(5), then sqlite3 (scripts/bench_asyncio.py)
  sequential           the same job one request at a time (the original's baseline)
  curl --parallel 5    the detail transfers alone: no parsing, no database

and writes docs/benchmarks.md: wall time, CPU time (user+sys) of the client
process only (the fake server's CPU is not counted), peak RSS, CPU
microseconds per movie, and wall time over the ideal max(P*L, (N+P)*L/C).
Each figure is the median of --runs runs, with the spread (min-max).

    python3 scripts/bench.py [--runs 3] [--quick] [--out docs/benchmarks.md]

--quick runs tiny sizes once (the smoke test in `make test` uses it).
Loopback only; every request loop is bounded by the scenario's size.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAKE = os.path.join(ROOT, "scripts", "fake_tmdb.py")
ASYNCIO = os.path.join(ROOT, "scripts", "bench_asyncio.py")
TOKEN = "bench-token-not-a-secret"
CONCURRENCY = 5
# Everything here talks to the fake on loopback; libcurl, curl and urllib
# would send even 127.0.0.1 through a proxy named in the environment.
PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                   "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY")


# -- measuring --------------------------------------------------------------

def peak_rss_watcher(pid, result):
    """Poll /proc/PID/status for VmHWM (the process's own high-water mark).

    ru_maxrss cannot be used: a child forked from this Python process inherits
    its high-water mark across exec, so every tool would report >= 20 MiB."""
    path = f"/proc/{pid}/status"
    started = time.monotonic()
    while True:
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        result[0] = max(result[0], int(line.split()[1]) / 1024.0)
        except (OSError, ValueError):
            return
        # A short run (a dry run takes ~10 ms) would end between two samples.
        time.sleep(0.001 if time.monotonic() - started < 0.5 else 0.02)


def measure(cmd, stdin_path=None, env=None):
    """Run cmd; return (exit status, wall s, cpu s, peak RSS MiB, stderr) of
    that process. A run that exits other than 0 stops the benchmark: its
    figures would be those of a job not done (a tool that gave up at once
    shows the best figures of all)."""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    # stderr into a file, not a pipe: nothing reads a pipe until the run
    # ends, so a tool writing more than the pipe holds (64 KiB) would hang
    errfile = tempfile.TemporaryFile()
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.DEVNULL,
                            stderr=errfile, env=env)
    rss = [0.0]
    watcher = threading.Thread(target=peak_rss_watcher, args=(proc.pid, rss), daemon=True)
    watcher.start()
    # wait4 gives this child's own CPU time (not the fake server's)
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped: Popen must not wait again
    watcher.join()
    errfile.seek(0)
    err = errfile.read().decode(errors="replace")
    errfile.close()
    if stdin_path:
        stdin.close()
    code = proc.returncode
    if code != 0:
        raise SystemExit(f"bench: {' '.join(cmd[:3])}... exited {code}: {err[-500:]}")
    return code, wall, ru.ru_utime + ru.ru_stime, rss[0], err


class Fake:
    """One fake TMDB server for a scenario."""

    def __init__(self, tmp, **opts):
        self.movies = opts["movies"]
        self.throttles = bool(opts.get("rate_limit"))
        self.port_file = os.path.join(tmp, "port")
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        args = [sys.executable, FAKE, "--port", "0", "--port-file", self.port_file,
                "--token", TOKEN, "--max-seconds", "3600", "--deleted", "0",
                "--rate-limit", "0"]  # TMDB's 40/s only where a scenario sets it
        for k, v in opts.items():
            args += [f"--{k.replace('_', '-')}", str(v)]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL)
        # A catalogue of a million movies takes about a minute to make.
        deadline = time.monotonic() + 600
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                raise SystemExit("bench: the fake TMDB did not start")
            time.sleep(0.05)
        with open(self.port_file) as f:
            self.url = f"http://127.0.0.1:{f.read().strip()}"
        self.api = self.url + "/3"

    def reset(self):
        urllib.request.urlopen(urllib.request.Request(self.url + "/__reset", method="POST"))

    def next_day(self):
        urllib.request.urlopen(urllib.request.Request(self.url + "/__next_day", method="POST"))

    def stats(self):
        with urllib.request.urlopen(self.url + "/__stats") as r:
            return json.load(r)

    def stop(self):
        self.proc.terminate()
        self.proc.wait()

    def run(self, cmd, stdin_path=None, env=None, every_movie=True):
        """measure() one run of a tool against this fake, and check it did the
        job every tool does: each of the catalogue's movies' details asked
        for (unless every_movie is False: an export leaves some out), every
        answer a 200 (429s too where the fake throttles), and every body
        gzipped (a tool that asked for none would skip the decoding the
        others pay for). The benchmark
        stops otherwise: a tool that exited 0 having fetched nothing, or
        having been refused, would show the best figures of all."""
        self.reset()
        r = measure(cmd, stdin_path=stdin_path, env=env)
        st = self.stats()
        what = f"bench: {' '.join(cmd[:3])}..."
        # /__reset's own answer is one of the 200s
        bad = {k: v for k, v in st["status"].items()
               if k != "200" and not (k == "429" and self.throttles)}
        if bad:
            raise SystemExit(f"{what}: answers other than 200 (status: count): {bad}")
        details = st["by_endpoint"].get("details", 0)
        # more is the tool's own loss (a retry), fewer a job not done
        if every_movie and details < self.movies:
            raise SystemExit(f"{what}: asked for {details} movies' details, not the "
                             f"catalogue's {self.movies}")
        if st["api_gzipped"] != st["api_answers"]:
            raise SystemExit(f"{what}: {st['api_answers'] - st['api_gzipped']} "
                             f"of its {st['api_answers']} answers were not gzipped: it did not "
                             "accept gzip, as the other tools do")
        return r


def write_ids(tmp, movies):
    path = os.path.join(tmp, f"ids-{movies}.txt")
    if not os.path.exists(path):
        with open(path, "w") as f:
            subprocess.run([sys.executable, FAKE, "--dump-ids", "--movies", str(movies),
                            "--deleted", "0"], stdout=f, check=True)
    return path


def asyncio_python():
    """An interpreter with aiohttp (Debian's python3-aiohttp is for /usr/bin/python3)."""
    for py in (sys.executable, "/usr/bin/python3", "python3"):
        exe = shutil.which(py) if not os.path.isabs(py) else py
        if exe and subprocess.run([exe, "-c", "import aiohttp"], capture_output=True).returncode == 0:
            return exe
    return None


# -- tools ------------------------------------------------------------------

class Tools:
    def __init__(self, args, tmp):
        self.bin = args.bin
        self.tmp = tmp
        self.py_aio = asyncio_python()
        self.env = dict(os.environ, TMDB_API_TOKEN=TOKEN)
        self.env.pop("TMDB_API_KEY", None)

    def db(self):
        path = os.path.join(self.tmp, "bench.sqlite3")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.unlink(path + suffix)
        return path

    def ingest(self, fake, pages=None, ids=None, extra=(), fresh=True):
        db = self.db() if fresh else os.path.join(self.tmp, "bench.sqlite3")
        cmd = [self.bin, "--db", db, "--api-base", fake.api, "--no-progress",
               "--rate", "0", *extra]
        cmd += ["list", "now_playing", "--pages", str(pages)] if pages else ["ids", "-"]
        return fake.run(cmd, stdin_path=ids, env=self.env)

    def reload(self, fake, pages=None, ids=None):
        """The nightly case: the same movies loaded again, a day later, into
        the database a first, unmeasured, load made. In between a day passes
        on the fake (POST /__next_day): every movie's popularity and votes
        move, as TMDB's do daily, so every body differs from the stored one
        while its texts, links and parts stay."""
        self.ingest(fake, pages=pages, ids=ids)
        fake.next_day()
        return self.ingest(fake, pages=pages, ids=ids, fresh=False)

    def cpu_split(self, fake, movies, pages=None, ids=None):
        """One more run with -vv: the CPU of each thread, from its debug log."""
        r = self.ingest(fake, pages=pages, ids=ids, extra=("-vv",))
        roles = {"worker": 0.0, "writer": 0.0, "producer": 0.0, "supervisor": 0.0}
        for line in r[4].splitlines():
            m = re.search(r"^tmdb-ingest: (worker|writer|producer|supervisor)\b.* ([0-9.]+) s of CPU$",
                          line)
            if m:
                roles[m.group(1)] += float(m.group(2))
        main = max(r[2] - sum(roles.values()), 0.0)
        us = {k: v * 1e6 / movies for k, v in roles.items()}
        return (f"Where tmdb-ingest's CPU goes (one more run, with `-vv`, which logs each "
                f"thread's CPU time as it ends), per movie: workers (HTTP, gzip, JSON parse "
                f"and mapping) {us['worker']:.0f} µs, writer (SQLite) {us['writer']:.0f} µs, "
                f"producer {us['producer']:.0f} µs, main thread supervising the load "
                f"{us['supervisor']:.0f} µs and the rest of its time (start-up: libraries, "
                f"opening the database; the run's end) {main * 1e6 / movies:.0f} µs; "
                f"{r[2] * 1e6 / movies:.0f} µs in all.\n")

    def asyncio(self, fake, pages=None, ids=None, sequential=False):
        # Both Python baselines on one interpreter (the one with aiohttp), the
        # one named in the results; the sequential version does without.
        py = self.py_aio or (sys.executable if sequential else None)
        if not py:
            return None
        cmd = [py, ASYNCIO, "--api-base", fake.api, "--db", self.db()]
        cmd += ["--pages", str(pages)] if pages else ["--ids-from", ids]
        if sequential:
            cmd.append("--sequential")
        return fake.run(cmd, env=self.env)

    def curl(self, fake, ids_path):
        config = os.path.join(self.tmp, "curl.cfg")
        with open(ids_path) as src, open(config, "w") as out:
            for line in src:
                out.write(f'url = "{fake.api}/movie/{line.strip()}?language=ko-KR"\n'
                          'output = "/dev/null"\n')
        # --fail: an HTTP error is an error (exit 22), not a body to count
        cmd = ["curl", "--parallel", "--parallel-max", str(CONCURRENCY), "--compressed",
               "--fail", "-s", "-H", f"Authorization: Bearer {TOKEN}", "-K", config]
        return fake.run(cmd, env=self.env)


# -- reporting --------------------------------------------------------------

def summarise(samples):
    """Median and spread of repeated (code, wall, cpu, rss) samples."""
    walls = [s[1] for s in samples]
    cpus = [s[2] for s in samples]
    rsss = [s[3] for s in samples]
    return {"wall": statistics.median(walls), "wall_min": min(walls), "wall_max": max(walls),
            "cpu": statistics.median(cpus), "cpu_min": min(cpus), "cpu_max": max(cpus),
            "rss": statistics.median(rsss), "rss_min": min(rsss), "rss_max": max(rsss),
            "codes": sorted({s[0] for s in samples})}


def row(name, summary, movies, ideal=None, extra=""):
    if summary is None:
        return f"| {name} | skipped: aiohttp missing (apt-get install python3-aiohttp) | | | | | |"
    s = summary
    ratio = f"{s['wall'] / ideal:.2f}" if ideal else "-"
    return (f"| {name} | {s['wall']:.2f} ({s['wall_min']:.2f}-{s['wall_max']:.2f}) "
            f"| {s['cpu']:.2f} ({s['cpu_min']:.2f}-{s['cpu_max']:.2f}) "
            f"| {s['rss']:.1f} ({s['rss_min']:.1f}-{s['rss_max']:.1f}) "
            f"| {s['cpu'] * 1e6 / movies:.0f} | {ratio} | {extra or ','.join(map(str, s['codes']))} |")


HEADER = ("| tool | wall s, median (spread) | CPU s user+sys (spread) | peak RSS MiB (spread) "
          "| CPU µs/movie | wall / ideal | exit / notes |\n|---|---|---|---|---|---|---|")


def runs_for(args, movies):
    """How many times a scenario's job of this size runs: fewer for the big
    ones (100,000 movies take half a minute, a million five minutes)."""
    if movies <= 20000:
        return args.runs
    return max(1, args.runs - 1) if movies <= 100000 else 1


def repeat(n, fn):
    samples = []
    for _ in range(n):
        r = fn()
        if r is None:
            return None
        samples.append(r)
    return summarise(samples)


# -- scenarios --------------------------------------------------------------

def scenario_a(t, args, out):
    movies, pages, lat = (60, 3, 0.005) if args.quick else (1000, 50, 0.020)
    fake = Fake(t.tmp, movies=movies, latency_ms=lat * 1000)
    ids = write_ids(t.tmp, movies)
    ideal = max(pages * lat, (movies + pages) * lat / CONCURRENCY)
    try:
        rows = [row("tmdb-ingest", repeat(args.runs, lambda: t.ingest(fake, pages=pages)), movies,
                    ideal),
                row("tmdb-ingest, the same movies a day later", repeat(args.runs, lambda: t.reload(
                    fake, pages=pages)), movies, ideal),
                row("asyncio + aiohttp", repeat(args.runs, lambda: t.asyncio(fake, pages=pages)),
                    movies, ideal),
                row("sequential", repeat(1 if not args.quick else 1,
                                         lambda: t.asyncio(fake, pages=pages, sequential=True)),
                    movies, (movies + pages) * lat, "1 run; ideal (N+P)·L"),
                row("curl --parallel-max 5 (details only)",
                    repeat(args.runs, lambda: t.curl(fake, ids)), movies, movies * lat / CONCURRENCY)]
        split = t.cpu_split(fake, movies, pages=pages)
    finally:
        fake.stop()
    out.append(f"### a. latency {lat * 1000:.0f} ms, {movies} movies ({pages} pages)\n\n"
               f"Ideal wall time max(P·L, (N+P)·L/C) = {ideal:.2f} s.\n\n{HEADER}\n"
               + "\n".join(rows) + "\n\n" + split)


def scenario_b(t, args, out):
    movies = 300 if args.quick else 20000
    fake = Fake(t.tmp, movies=movies)
    ids = write_ids(t.tmp, movies)
    try:
        rows = [row("tmdb-ingest (ids -)", repeat(args.runs, lambda: t.ingest(fake, ids=ids)),
                    movies),
                row("tmdb-ingest, the same movies a day later", repeat(args.runs, lambda: t.reload(
                    fake, ids=ids)), movies),
                row("asyncio + aiohttp", repeat(args.runs, lambda: t.asyncio(fake, ids=ids)),
                    movies),
                row("curl --parallel-max 5 (details only)",
                    repeat(args.runs, lambda: t.curl(fake, ids)), movies)]
        split = t.cpu_split(fake, movies, ids=ids)
    finally:
        fake.stop()
    out.append(f"### b. latency 0, {movies} movies (ids from stdin)\n\n"
               "The network is free here, so the fake server (Python, one thread per "
               "connection) bounds the wall time; compare CPU per movie, which counts "
               f"the client alone.\n\n{HEADER}\n" + "\n".join(rows) + "\n\n" + split)


BACKFILL = ("--db-cache", "64M", "--batch", "5000")


def scenario_c(t, args, out):
    # the first size is one list page: what start-up costs a small job
    sizes = (20, 100, 2000) if args.quick else (20, 1000, 100000)
    lines = []
    for n in sizes:
        fake = Fake(t.tmp, movies=n)
        ids = write_ids(t.tmp, n)
        runs = runs_for(args, n)
        try:
            lines.append(row(f"tmdb-ingest, {n} movies",
                             repeat(runs, lambda: t.ingest(fake, ids=ids)), n))
            lines.append(row(f"asyncio + aiohttp, {n} movies",
                             repeat(runs, lambda: t.asyncio(fake, ids=ids)), n))
            if n == sizes[-1]:
                # The lever for backfills: memory traded for CPU (README, --db-cache).
                lines.append(row(f"tmdb-ingest --db-cache 64M --batch 5000, {n} movies",
                                 repeat(runs, lambda: t.ingest(
                                     fake, ids=ids, extra=BACKFILL)), n))
        finally:
            fake.stop()
    out.append(f"### c. memory as the job grows: {' vs '.join(map(str, sizes))} movies (ids "
               f"from stdin, latency 0)\n\n{HEADER}\n" + "\n".join(lines) + "\n")


def scenario_d(t, args, out):
    movies, limit = (40, 40) if args.quick else (400, 40)
    fake = Fake(t.tmp, movies=movies, rate_limit=limit)
    ids = write_ids(t.tmp, movies)
    lines = []
    try:
        for name, fn in (("tmdb-ingest --rate 40",
                          lambda: t.ingest(fake, ids=ids, extra=("--rate", str(limit)))),
                         ("asyncio + aiohttp (no limiter)", lambda: t.asyncio(fake, ids=ids))):
            samples, throttled = [], []
            for _ in range(args.runs):
                time.sleep(1.1)  # let the fake's one-second window empty
                fake.reset()
                r = fn()
                if r is None:
                    break
                st = fake.stats()
                samples.append(r)
                throttled.append(st["status"].get("429", 0))
            s = summarise(samples) if samples else None
            note = ""
            if s:
                rate = movies / s["wall"]
                note = (f"{rate:.1f} req/s = {rate / limit * 100:.0f}% of the limit; "
                        f"429s per run: {', '.join(map(str, throttled))}")
            lines.append(row(name, s, movies, movies / limit, note))
    finally:
        fake.stop()
    out.append(f"### d. server rate limit {limit}/s, {movies} movies\n\n"
               f"Ideal: N/R = {movies / limit:.1f} s with zero 429 answers. The asyncio "
               f"version has no limiter: its 429s are failed movies (stored, as the "
               f"original keeps them, as rows of NULLs).\n\n{HEADER}\n"
               + "\n".join(lines) + "\n")


def scenario_e(t, args, out):
    movies, lat = (40, 0.01) if args.quick else (400, 0.050)
    workers = (1, 5) if args.quick else (1, 5, 20, 50)
    fake = Fake(t.tmp, movies=movies, latency_ms=lat * 1000)
    ids = write_ids(t.tmp, movies)
    lines = []
    try:
        for w in workers:
            s = repeat(args.runs, lambda: t.ingest(
                fake, ids=ids, extra=("--workers", str(w), "--queue-size", str(max(5, w)))))
            ideal = movies * lat / w
            lines.append(row(f"tmdb-ingest --workers {w}", s, movies, ideal,
                             f"{movies / s['wall']:.0f} movies/s (ideal {movies / ideal:.0f})"))
    finally:
        fake.stop()
    out.append(f"### e. scaling with workers at latency {lat * 1000:.0f} ms, {movies} movies\n\n"
               f"{HEADER}\n" + "\n".join(lines) + "\n")


def scenario_f(t, args, out):
    """Memory of export: a dry run over a big local export file, and real exports."""
    dry_sizes = (1000, 20000) if args.quick else (10000, 1000000)
    # up to the whole catalogue: TMDB's export names about a million movies
    real_sizes = (200, 2000) if args.quick else (10000, 100000, 1000000)
    lines = []
    for n in dry_sizes:
        path = os.path.join(t.tmp, f"export-{n}.json.gz")
        subprocess.run([sys.executable, FAKE, "--write-export", path, "--export-ids", str(n)],
                       check=True)
        cmd = [t.bin, "--db", t.db(), "--no-progress", "export", "--file", path, "--dry-run"]
        lines.append(row(f"export --dry-run, {n} ids (local file)",
                         repeat(args.runs, lambda: measure(cmd, env=t.env)), n))
    for n in real_sizes:
        fake = Fake(t.tmp, movies=n)
        runs = runs_for(args, n)
        db_bytes = []
        try:
            def once():
                db = t.db()
                cmd = [t.bin, "--db", db, "--api-base", fake.api, "--no-progress",
                       "--rate", "0", "export", "--export-base", fake.url + "/p/exports",
                       "--date", fake_today()]
                r = fake.run(cmd, env=t.env, every_movie=False)
                db_bytes.append(os.path.getsize(db))
                return r
            s = repeat(runs, once)
            note = (f"{','.join(map(str, s['codes']))}; {runs} run(s); database "
                    f"{statistics.median(db_bytes) / 1e6:.0f} MB")
            lines.append(row(f"export, {n} movies (downloaded, latency 0)", s, n, extra=note))
        finally:
            fake.stop()
    out.append(f"### f. export memory: dry run over {dry_sizes[0]} vs {dry_sizes[1]} ids, "
               f"real export of {' vs '.join(map(str, real_sizes))} movies\n\n"
               "CPU µs/movie counts per id read for the dry runs. The real exports divide "
               "by the catalogue's size, though an export leaves out the entries the fake "
               "marks adult or video, as TMDB's are by default: it fetches about 96 % of "
               "them.\n\n"
               f"{HEADER}\n" + "\n".join(lines) + "\n")


def fake_today():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")


def machine(python):
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    curl_v = subprocess.run(["curl", "--version"], capture_output=True, text=True).stdout
    py_v = subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                          capture_output=True, text=True).stdout.strip()
    return (f"{os.cpu_count()} CPUs ({cpu}), Linux {platform.release()}, Python {py_v} "
            f"({python}: the asyncio and sequential versions; the fake server Python "
            f"{platform.python_version()}), {curl_v.splitlines()[0] if curl_v else 'no curl'}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--out", default=os.path.join(ROOT, "docs", "benchmarks.md"))
    p.add_argument("--bin", default=os.path.join(ROOT, "build", "tmdb-ingest"))
    p.add_argument("--only", default="abcdef", help="scenarios to run (default abcdef)")
    args = p.parse_args()
    # A SIGTERM (kill, a CI timeout) unwinds as an exception, so each
    # scenario's `finally` stops its fake (one of a million movies holds
    # gigabytes) and the scenarios done are kept in OUT.partial.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    for name in PROXY_VARIABLES:
        os.environ.pop(name, None)
    if args.quick:
        args.runs = 1
    started = datetime.datetime.now(datetime.timezone.utc)
    sections = []
    with tempfile.TemporaryDirectory(prefix="tmdb-bench.") as tmp:
        t = Tools(args, tmp)
        if not t.py_aio:
            print("bench: aiohttp is missing, the asyncio rows are skipped "
                  "(apt-get install python3-aiohttp)", file=sys.stderr)
        try:
            for key, fn in (("a", scenario_a), ("b", scenario_b), ("c", scenario_c),
                            ("d", scenario_d), ("e", scenario_e), ("f", scenario_f)):
                if key in args.only:
                    print(f"bench: scenario {key}...", file=sys.stderr, flush=True)
                    fn(t, args, sections)
        except BaseException:
            # Keep the scenarios measured so far, beside the results (not over them).
            partial = args.out + ".partial"
            write_results(partial, results_text(args, started, sections, t))
            print(f"bench: stopped; the scenarios done are in {partial}", file=sys.stderr)
            raise
    write_results(args.out, results_text(args, started, sections, t))
    print(f"bench: wrote {args.out}", file=sys.stderr)


def results_text(args, started, sections, t):
    took = (datetime.datetime.now(datetime.timezone.utc) - started).total_seconds()
    cmd = "python3 scripts/bench.py" + (" --quick" if args.quick else f" --runs {args.runs}")
    return (f"<!-- generated by scripts/bench.py; edit the prose in docs/benchmarks.md "
            f"below the results -->\n## Results\n\n"
            f"- Command: `{cmd}` (`make bench`), {took:.0f} s in all\n"
            f"- Date: {started:%Y-%m-%d %H:%M} UTC\n"
            f"- Machine: {machine(t.py_aio or sys.executable)}\n"
            f"- Every figure is the median of {args.runs} run(s), spread (min-max) in "
            f"parentheses. CPU is the client process's own, all its threads (os.wait4), "
            f"not the fake server's; peak RSS its VmHWM, read from /proc as it runs (every "
            f"1 ms for the first 0.5 s, then 20 ms).\n\n"
            + "\n".join(sections))


def write_results(path, results):
    """Replace the generated part of the file, keeping any analysis after it."""
    marker = "<!-- end of generated results -->"
    tail = ""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            old = f.read()
        if marker in old:
            tail = old.split(marker, 1)[1]
    head = "# Benchmarks\n\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(head + results + "\n" + marker + tail)


if __name__ == "__main__":
    main()
