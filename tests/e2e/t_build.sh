#!/bin/sh
# The Makefile as a packager or a new contributor meets it, without
# compiling anything: the flags a package build gives (CPPFLAGS, CFLAGS,
# LDFLAGS, as dpkg-buildflags and rpm's %build do) reach the compiler
# beside the project's own; `make e2e` from a checkout whose path holds a
# space runs the tests against that checkout's binary; `make install` and
# `make uninstall` put and remove the files the README names. The checkout
# is a copy of the Makefile beside a built binary (-o: taken as up to date).
# scripts/install-deps.sh (run by `make demo`), where it cannot install,
# fails only for what the build and the demo need.
. "$(dirname "$0")/lib.sh"
plan 22

command -v make >/dev/null 2>&1 || bail "make is missing"
# A `make test` running this test passes its command line down in
# MAKEFLAGS: the makes below take only their own.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES 2>/dev/null || true

# make -n: the commands a build from scratch would run, none run.
cmds=$(make --no-print-directory -C "$ROOT" -n -B BUILD="$TMP/b" CFLAGS='-O0 -DPROBE_CFLAGS' \
    CPPFLAGS=-DPROBE_CPPFLAGS LDFLAGS=-Wl,--probe-ldflags all 2>&1)
compile=$(printf '%s\n' "$cmds" | grep -- ' -c src/store\.c ')
link=$(printf '%s\n' "$cmds" | grep -- ' -o [^ ]*/tmdb-ingest ')
like "$compile" "-std=c11 .*-Werror .*-DPROBE_CPPFLAGS .*-DPROBE_CFLAGS" \
    "CPPFLAGS and CFLAGS reach the compiler, the project's flags kept"
like "$link" "-DPROBE_CPPFLAGS .*-DPROBE_CFLAGS .*-Wl,--probe-ldflags .*-lsqlite3" \
    "and the link, with LDFLAGS"
unlike "$compile" "-O2" "CFLAGS given replace the default -O2 -g"
# make deleted the C it generated from sql/migrations/ at its very end, so
# the last line of `make test` (and .ci/run) on a fresh checkout was
# "rm build/migrate_4_sql.c ...", after prove's "Result: PASS".
unlike "$cmds" "^rm .*_sql\.c" "a build from scratch deletes none of the sources it generated"
# WERROR= (a package build with a compiler whose new warnings would stop
# it): the warnings stay, as warnings.
compile=$(make --no-print-directory -C "$ROOT" -n -B BUILD="$TMP/b" WERROR= all 2>&1 |
    grep -- ' -c src/store\.c ')
like "$compile" "-Wall -Wextra" "WERROR=: the warnings are still asked for"
unlike "$compile" "-Werror" "WERROR=: they are not errors"
# make demo BUILD=DIR runs the demo on the binary it built there.
like "$(make --no-print-directory -C "$ROOT" -n BUILD="$TMP/b" demo 2>&1 | grep 'demo\.sh')" \
    "TMDB_INGEST_DEMO_BIN='$TMP/b/tmdb-ingest' DEMO_DB='$TMP/b/demo.sqlite3' sh scripts/demo.sh" \
    "make demo BUILD=DIR: the demo runs DIR's binary, its database in DIR"

# A machine without the C compiler (the -dev packages `make` names put in
# by hand): `make` names the compiler and its package too, rather than
# stopping at its first compile with "cc: No such file or directory".
err=$(make --no-print-directory -C "$ROOT" BUILD="$TMP/b" CC=cc-not-here check-deps 2>&1)
like "$?|$(printf '%s' "$err" | tr '\n' ' ')" "^2\|tmdb-ingest: missing build dependencies: +\
cc-not-here: install the Debian/Ubuntu package cc-not-here " "no C compiler: make names it, exit 2"
mkdir "$TMP/no-cc"
ln -s "$(command -v make)" "$(command -v pkg-config)" "$TMP/no-cc/"
err=$(PATH=$TMP/no-cc make --no-print-directory -C "$ROOT" BUILD="$TMP/b" CC=cc check-deps 2>&1)
like "$?|$(printf '%s' "$err" | tr '\n' ' ')" "^2\|.*  cc: install the Debian/Ubuntu package gcc " \
    "no cc on PATH: the package named is gcc"

src="$TMP/a checkout"
mkdir -p "$src/build"
cp "$ROOT/Makefile" "$src/"
cp "$BIN" "$src/build/tmdb-ingest"
# A test file that names the binary it was given, as prove runs it.
cat >"$src/t_probe.sh" <<'EOF'
#!/bin/sh
echo 1..1
if [ -x "$TMDB_INGEST_BIN" ]; then echo "ok 1 - $TMDB_INGEST_BIN"; else
    echo "not ok 1 - TMDB_INGEST_BIN=$TMDB_INGEST_BIN"; fi
EOF
chmod +x "$src/t_probe.sh"
out=$(make --no-print-directory -C "$src" -o build/tmdb-ingest e2e E2E_TESTS=./t_probe.sh \
    PROVE_FLAGS=-v 2>&1)
like "$out" "^ok 1 - $src/build/tmdb-ingest\$" \
    "make e2e from a path with a space: the tests get that checkout's binary"

# make install puts the three files where the README says, under PREFIX
# (/usr/local) and DESTDIR; make uninstall removes them and nothing else.
mkdir -p "$src/docs" "$src/scripts"
cp "$ROOT/docs/tmdb-ingest.1" "$src/docs/"
cp "$ROOT/scripts/completion.bash" "$src/scripts/"
unset PREFIX DESTDIR 2>/dev/null || true
installed() { # installed DIR: its files and their modes, one line
    (cd "$1" && find . -type f -exec stat -c '%n %a' {} + | LC_ALL=C sort | tr '\n' ' ')
}
mk() { make --no-print-directory -C "$src" -o build/tmdb-ingest "$@" >"$TMP/make.out" 2>&1; }
mk install DESTDIR="$TMP/dest"
is "$?|$(installed "$TMP/dest")" "0|./usr/local/bin/tmdb-ingest 755 \
./usr/local/share/bash-completion/completions/tmdb-ingest 644 \
./usr/local/share/man/man1/tmdb-ingest.1 644 " "make install: binary, man page, completion"
mk install DESTDIR="$TMP/dest" PREFIX=/opt/tmdb
: >"$TMP/dest/opt/tmdb/bin/other"
mk uninstall DESTDIR="$TMP/dest" PREFIX=/opt/tmdb
is "$?|$(installed "$TMP/dest/opt")" "0|./tmdb/bin/other 644 " \
    "make uninstall PREFIX=: what install put there goes, nothing else"
mk uninstall DESTDIR="$TMP/dest"
is "$?|$(installed "$TMP/dest/usr")" "0|" "make uninstall: the default PREFIX too"

# make clean removes every build directory a target of the Makefile (or a
# script it runs) builds in, so a checkout is back to its files alone:
# build-cov from `make coverage` too.
dirs=$(cd "$ROOT" && grep -ohE '\bbuild-[a-z]+\b' Makefile scripts/*.sh | sort -u)
for d in build $dirs; do
    mkdir -p "$src/$d/obj" && : >"$src/$d/obj/x.o"
done
mk clean
is "$?|$(cd "$src" && ls -d build* 2>/dev/null | tr '\n' ' ')" "0|" \
    "make clean: no build directory left ($(echo build $dirs))"

# install-deps.sh on a PATH of stand-ins: dpkg-query says the packages of
# $MISSING are not installed (the others are), id says who runs it. No
# apt-get (so nothing is ever installed), or one that says it was called.
fake="$TMP/fakebin"
mkdir -p "$fake"
ln -s "$(command -v grep)" "$fake/grep"
cat >"$fake/dpkg-query" <<'EOF'
#!/bin/sh
for p; do :; done
case " $MISSING " in *" $p "*) exit 1 ;; esac
printf 'install ok installed'
EOF
chmod +x "$fake/dpkg-query"
deps() { # deps MISSING: run install-deps.sh; sets RC, ERR
    ERR=$(MISSING=$1 PATH=$fake /bin/sh "$ROOT/scripts/install-deps.sh" 2>&1 >/dev/null)
    RC=$?
}
deps "valgrind cppcheck"
is "$RC|$ERR" "0|install-deps: missing, for the tests, fuzzing, lint or benchmark only: \
valgrind cppcheck (no apt-get here; install the equivalents with your package manager); left out" \
    "no apt-get, only test packages missing: named, left out, exit 0 (make demo goes on)"
deps "valgrind libcjson-dev"
is "$RC|$ERR" "1|install-deps: missing: libcjson-dev valgrind (no apt-get here; install the \
equivalents with your package manager)" "a package the build needs missing: exit 1, naming it"
printf '#!/bin/sh\necho 1000\n' >"$fake/id"
printf '#!/bin/sh\necho apt-get was called >&2; exit 1\n' >"$fake/apt-get"
chmod +x "$fake/id" "$fake/apt-get"
deps "clang-tidy"
is "$RC|$ERR" "0|install-deps: missing, for the tests, fuzzing, lint or benchmark only: \
clang-tidy (not root, and no sudo: ask an administrator to run, as root, sh \
$ROOT/scripts/install-deps.sh); left out" \
    "not root, no sudo: the same, with this script to give an administrator (an apt-get install \
of every name installs nothing where the archive lacks one, as Ubuntu 22.04 lacks libclang-rt-dev)"
# Installing fails: sudo refuses a user who may not use it, or apt-get cannot
# reach the archive or take the dpkg lock. For the test packages alone that
# is as good as nothing installable: the demo still runs.
printf '#!/bin/sh\necho "Sorry, user is not in the sudoers file." >&2; exit 1\n' >"$fake/sudo"
printf '#!/bin/sh\nexit 0\n' >"$fake/apt-cache"
chmod +x "$fake/sudo" "$fake/apt-cache"
deps "clang-tidy"
is "$RC|$(printf '%s\n' "$ERR" | tail -n 1)" "0|install-deps: missing, for the tests, fuzzing, \
lint or benchmark only: clang-tidy (sudo apt-get failed, as said above); left out" \
    "not root, sudo refused: test packages named, left out, exit 0"
printf '#!/bin/sh\necho 0\n' >"$fake/id"
printf '#!/bin/sh\n[ "$1" = update ] && exit 0\necho "E: Unable to fetch some archives" >&2; exit 100\n' \
    >"$fake/apt-get"
deps "valgrind python3-aiohttp"
is "$RC|$(printf '%s\n' "$ERR" | tail -n 1)" "0|install-deps: missing, for the tests, fuzzing, \
lint or benchmark only: valgrind python3-aiohttp (apt-get failed, as said above); left out" \
    "root, apt-get install fails (no network): test packages left out, exit 0"
deps "valgrind libsqlite3-dev"
is "$RC|$(printf '%s\n' "$ERR" | tail -n 1)" "1|install-deps: missing: libsqlite3-dev valgrind \
(apt-get failed, as said above)" "a package the build needs among them: exit 1, naming it"

# `make test` where no mount namespace can be made (not root, the usual
# case; a container) has test_lock skip its read-only case: a skip is no
# failure. cmocka 1.1.5 (Debian 12, Ubuntu 22.04) writes a skipped test
# "not ok N # SKIP", which prove counts as failed. A unit test binary with
# one test passed, one skipped and one failed when SKIPS_FAIL is set, run
# by the test target as its only test file, nothing built.
cat >"$TMP/skips.c" <<'EOF'
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
static void passes(void **state) { (void)state; }
static void skips(void **state) { (void)state; skip(); }
static void fails_if_told(void **state) { (void)state; assert_null(getenv("SKIPS_FAIL")); }
int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(passes), cmocka_unit_test(skips),
                                       cmocka_unit_test(fails_if_told)};
    return cmocka_run_group_tests_name("skips", tests, NULL, NULL);
}
EOF
# shellcheck disable=SC2046 # pkg-config's flags are words
cc $(pkg-config --cflags cmocka) "$TMP/skips.c" -o "$TMP/test_skips" $(pkg-config --libs cmocka) ||
    bail "cannot build a cmocka test binary"
unit_only() { # make test with $TMP/test_skips its only test file; output in $TMP/make.out
    make --no-print-directory -C "$ROOT" -o unit -o asan -o tsan ASAN_MAKE=: TSAN_MAKE=: \
        SAN_TESTS= E2E_TESTS= UNIT_BINS="$TMP/test_skips" test >"$TMP/make.out" 2>&1
}
unit_only
like "$?|$(tail -n 1 "$TMP/make.out")" '^0\|Result: PASS$' \
    "make test: a unit test that cmocka skips is a skip, not a failure (Result: PASS)"
SKIPS_FAIL=1 unit_only
like "$?|$(grep '^Result:' "$TMP/make.out")" '^[1-9][0-9]*\|Result: FAIL$' \
    "and one that fails still fails make test"

done_testing
