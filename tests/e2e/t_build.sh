#!/bin/sh
# The Makefile as a packager or a new contributor meets it, without
# compiling anything: the flags a package build gives (CPPFLAGS, CFLAGS,
# LDFLAGS, as dpkg-buildflags and rpm's %build do) reach the compiler
# beside the project's own; `make e2e` from a checkout whose path holds a
# space runs the tests against that checkout's binary. The checkout is a
# copy of the Makefile beside a built binary (-o: taken as up to date).
. "$(dirname "$0")/lib.sh"
plan 4

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

done_testing
