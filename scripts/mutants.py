#!/usr/bin/env python3
"""Mutation testing: do the tests fail when the code is wrong?

For each source file named, make small wrong versions of it (a mutant: one
operator changed on one line: < and <=, == and !=, && and ||, + 1 and - 1,
true and false, a negation dropped, return 0 made return -1), build each
in a copy of the working tree, and run the tests that should catch it: the
file's unit test (src/X.c -> build/tests/test_X, src/store_*.c ->
test_store; --unit names others), then, for a mutant every unit test let
through, the end-to-end tests --e2e names, one at a time in the order
given up to the first that fails (so name the fast ones first; each is
killed at 3 times its time on the unmutated code, at least 60 s). A
mutant some test fails on is killed; one every test passes survived, and
is either a gap in the tests or a change that alters nothing (an
equivalent mutant), which only reading it can tell. A mutant that does
not compile is not counted.

    python3 scripts/mutants.py [--per-file N] [--seed S] [--unit test_a,...]
                               [--e2e t_x.sh,...] [src/FILE.c...]

Without files, each file of src/ that has a unit test of its name. N
mutants per file (default 30), drawn with seed S (default 1) from every
place an operator applies, outside comments, strings and preprocessor
lines: the same arguments on the same code give the same mutants. Prints a
line per survivor (file:line:column, what changed, the line as the mutant
has it) and a table per file. Exits 0 once every mutant ran (survivors are
findings, not failures), 1 when the unmutated code fails its own tests, 2
on bad arguments. `make mutants` (FILES=, N=, SEED=, E2E=). Not part of
`make test`.
"""

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

# (what, pattern, replacement). The patterns leave alone ->, <<, >>, and
# the compound assignments <<=, >>=.
OPERATORS = [
    ("<= to <", r"<=", "<"),
    ("< to <=", r"(?<![<-])<(?![<=])", "<="),
    (">= to >", r"(?<![>])>=", ">"),
    ("> to >=", r"(?<![->])>(?![>=])", ">="),
    ("== to !=", r"==", "!="),
    ("!= to ==", r"!=", "=="),
    ("&& to ||", r"&&", "||"),
    ("|| to &&", r"\|\|", "&&"),
    ("+ 1 to - 1", r"\+ 1\b", "- 1"),
    ("- 1 to + 1", r"(?<![-(,=] )- 1\b", "+ 1"),
    ("true to false", r"\btrue\b", "false"),
    ("false to true", r"\bfalse\b", "true"),
    ("negation dropped", r"\(!(?!=)", "("),
    ("return 0 to -1", r"\breturn 0;", "return -1;"),
]


def masked_lines(text):
    """The file's lines with comments, string and character literals
    blanked (same length), and preprocessor lines blanked whole: an
    operator is only mutated where the blanked line still has it."""
    out = []
    in_block = False
    for line in text.split("\n"):
        if not in_block and line.lstrip().startswith("#"):
            out.append(" " * len(line))
            continue
        m = []
        i = 0
        while i < len(line):
            c = line[i]
            if in_block:
                if line.startswith("*/", i):
                    in_block = False
                    m.append("  ")
                    i += 2
                    continue
                m.append(" ")
                i += 1
                continue
            if line.startswith("/*", i):
                in_block = True
                m.append("  ")
                i += 2
                continue
            if line.startswith("//", i):
                m.append(" " * (len(line) - i))
                break
            if c in "\"'":
                j = i + 1
                while j < len(line) and line[j] != c:
                    j += 2 if line[j] == "\\" else 1
                m.append(" " * (min(j, len(line) - 1) - i + 1))
                i = j + 1
                continue
            m.append(c)
            i += 1
        out.append("".join(m)[: len(line)].ljust(len(line)))
    return out


def candidates(text):
    """Every (line index, column, length, replacement, what) a mutant can
    take in text."""
    found = []
    for n, masked in enumerate(masked_lines(text)):
        for what, pattern, repl in OPERATORS:
            for m in re.finditer(pattern, masked):
                found.append((n, m.start(), m.end() - m.start(), repl, what))
    return found


def run(cmd, cwd, timeout, env=None):
    """Exit status of cmd, or None when it ran past timeout. Either way,
    every process it started is killed after it: cmd runs in a process
    group of its own, and a mutant that hangs the tool would otherwise
    leave a spinning tmdb-ingest behind its killed test, for good."""
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        status = p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        status = None
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    p.wait()
    return status


def unit_tests_for(path, work, named):
    if named:
        return named
    stem = os.path.splitext(os.path.basename(path))[0]
    if stem.startswith("store_"):
        stem = "store"
    test = "test_" + stem
    return [test] if os.path.exists(os.path.join(work, "tests/unit", test + ".c")) else []


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*",
                    help="files of src/ (default: each that has a unit test of its name)")
    ap.add_argument("--per-file", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--unit", default="", help="unit tests to run, comma-separated")
    ap.add_argument("--e2e", default="", help="end-to-end tests to run, comma-separated")
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if not args.files:
        args.files = sorted(
            "src/" + name for name in os.listdir(os.path.join(root, "src"))
            if name.endswith(".c")
            and os.path.isfile(os.path.join(root, "tests/unit", "test_" + name)))
    for f in args.files:
        if not (f.startswith("src/") and f.endswith(".c") and os.path.isfile(os.path.join(root, f))):
            print(f"mutants: {f}: not a file of src/", file=sys.stderr)
            return 2
    named_unit = [t for t in args.unit.split(",") if t]
    e2e = [t for t in args.e2e.split(",") if t]
    for t in e2e:
        if not os.path.isfile(os.path.join(root, "tests/e2e", t)):
            print(f"mutants: tests/e2e/{t}: no such test", file=sys.stderr)
            return 2

    # A copy of the working tree (the files git knows), built apart.
    work = tempfile.mkdtemp(prefix="tmdb-mutants.")
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True,
                            check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = os.path.join(root, rel)
        if os.path.isfile(src):
            os.makedirs(os.path.dirname(os.path.join(work, rel)), exist_ok=True)
            shutil.copy2(src, os.path.join(work, rel))
    env = dict(os.environ, TMDB_INGEST_BIN=os.path.join(work, "build/tmdb-ingest"))
    env.pop("CMOCKA_MESSAGE_OUTPUT", None)

    def build(bins):
        return run(["make", "-s", "all"] + ["build/tests/" + b for b in bins], work, 600) == 0

    def passes(bins, limits):
        """Every test passes (None: a unit test failed; False: an e2e one)."""
        for b in bins:
            if run(["build/tests/" + b], work, limits[b]) != 0:
                return None
        for t in e2e:  # in the order given, to the first that fails: put fast ones first
            if run(["prove", "--exec", "", "tests/e2e/" + t], work, limits[t], env) != 0:
                return False
        return True

    totals = []
    started = time.time()
    try:
        for f in args.files:
            bins = unit_tests_for(f, work, named_unit)
            if not bins and not e2e:
                print(f"mutants: {f}: no unit test of its name; give --unit or --e2e",
                      file=sys.stderr)
                return 2
            if not build(bins):
                print(f"mutants: the unmutated tree does not build with {bins}", file=sys.stderr)
                return 1
            limits = {}
            for b in bins:  # a mutant that hangs a test is killed by it
                t0 = time.time()
                if run(["build/tests/" + b], work, 600) != 0:
                    print(f"mutants: {b} fails on the unmutated code", file=sys.stderr)
                    return 1
                limits[b] = max(30.0, 10 * (time.time() - t0))
            for t in e2e:
                t0 = time.time()
                if run(["prove", "--exec", "", "tests/e2e/" + t], work, 1800, env) != 0:
                    print(f"mutants: {t} fails on the unmutated code", file=sys.stderr)
                    return 1
                limits[t] = max(60.0, 3 * (time.time() - t0))
            path = os.path.join(work, f)
            original = open(path, encoding="utf-8").read()
            lines = original.split("\n")
            found = candidates(original)
            chosen = random.Random(f"{args.seed}:{f}").sample(found, min(args.per_file, len(found)))
            chosen.sort()
            killed_unit = killed_e2e = survived = broken = 0
            for n, col, length, repl, what in chosen:
                mutated = list(lines)
                mutated[n] = lines[n][:col] + repl + lines[n][col + length:]
                with open(path, "w", encoding="utf-8") as out:
                    out.write("\n".join(mutated))
                if not build(bins):
                    broken += 1
                    continue
                verdict = passes(bins, limits)
                if verdict is None:
                    killed_unit += 1
                elif verdict is False:
                    killed_e2e += 1
                else:
                    survived += 1
                    print(f"survived {f}:{n + 1}:{col + 1}: {what}: {mutated[n].strip()}")
                    sys.stdout.flush()
            with open(path, "w", encoding="utf-8") as out:
                out.write(original)
            totals.append((f, len(found), len(chosen) - broken, killed_unit, killed_e2e,
                           survived, broken, "+".join(bins)))
            # each file's row as it is done: a long run stopped part-way keeps them
            print("done " + " | ".join(str(c) for c in totals[-1]))
            sys.stdout.flush()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print()
    print(f"seed {args.seed}, {args.per_file} a file, e2e: {','.join(e2e) or 'none'}; "
          f"{time.time() - started:.0f} s")
    print("| file | places | mutants run | killed by unit tests | by e2e | survived | "
          "did not compile | unit tests |")
    print("|---|---|---|---|---|---|---|---|")
    for row in totals:
        print("| " + " | ".join(str(c) for c in row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
