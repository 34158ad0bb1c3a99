#!/bin/sh
# `make test` from a checkout whose path holds a space ("/home/John Smith",
# "My Projects"): the sanitizer suites run every end-to-end test and every
# unit test binary by its whole path, a sanitized binary reads the options
# they give it (its suppressions and report files, also under a $TMPDIR
# with a space), and the fuzz targets find the project's headers. The
# checkout is a copy of the suites' scripts with stand-ins: the sanitized
# "tmdb-ingest" a small program built with the sanitizer, the end-to-end
# test a script that runs it, the unit tests scripts that pass. The fuzz
# targets are only compiled (-fsyntax-only, by a clang on PATH that passes
# everything else to the real one), not linked and run.
. "$(dirname "$0")/lib.sh"
plan 7

src="$TMP/a checkout"
mkdir -p "$src/tests/sanitizers" "$src/tests/e2e" "$src/build-asan/tests" "$src/build-tsan/tests" \
    "$src/scripts" "$TMP/a tmp"
cp "$ROOT"/tests/sanitizers/* "$src/tests/sanitizers/"
cp "$ROOT/scripts/fuzz.sh" "$src/scripts/"
cp -r "$ROOT/src" "$ROOT/include" "$src/"
mkdir -p "$src/tests/fuzz"
cp -r "$ROOT"/tests/fuzz/* "$src/tests/fuzz/"
echo '# none' >"$src/tests/e2e/longest"
printf '#!/bin/sh\necho 1..1\n"$TMDB_INGEST_BIN" && echo "ok 1"\n' >"$src/tests/e2e/t_probe.sh"
chmod +x "$src/tests/e2e/t_probe.sh"
for build in build-asan build-tsan; do
    printf '#!/bin/sh\nexit 0\n' >"$src/$build/tests/test_probe"
    chmod +x "$src/$build/tests/test_probe"
done

# The sanitized stand-ins: a leak-free program under ASan+UBSan, one under
# TSan (which stops with exit 66 on options it cannot read).
printf 'int main(void) { return 0; }\n' >"$TMP/probe.c"
${CC:-cc} -fsanitize=address,undefined "$TMP/probe.c" -o "$src/build-asan/tmdb-ingest" 2>"$TMP/cc.err" &&
    ${CC:-cc} -fsanitize=thread "$TMP/probe.c" -o "$src/build-tsan/tmdb-ingest" 2>>"$TMP/cc.err" ||
    bail "cannot build with the sanitizers: $(cat "$TMP/cc.err")"

out=$(SAN_JOBS=2 sh "$src/tests/sanitizers/t_unit.sh" 2>&1)
is "$?" 0 "t_unit.sh from a path with a space: exit 0"
is "$(printf '%s\n' "$out" | grep -c '^ok [12] - test_probe under [at]san$')|$(printf '%s\n' "$out" |
    head -n 1)" "2|1..2" "each unit test binary run once, by its whole path"

out=$(TMPDIR="$TMP/a tmp" sh "$src/tests/sanitizers/t_asan.sh" 2>&1)
is "$?|$out" "0|1..1
ok 1 - t_probe.sh under asan" "t_asan.sh: the test run by its whole path, ASan's options read"
out=$(TMPDIR="$TMP/a tmp" sh "$src/tests/sanitizers/t_tsan.sh" 2>&1)
is "$?|$out" "0|1..1
ok 1 - t_probe.sh under tsan" "t_tsan.sh: TSan reads its suppressions from the checkout"

# clang, for fuzz.sh: the real one, checking the sources and headers only.
fake="$TMP/fakebin"
mkdir -p "$fake"
real_clang=$(command -v clang) || bail "clang is missing (make deps)"
cat >"$fake/clang" <<EOF
#!/bin/sh
out=
for a; do
    shift
    case \$a in -o) out=next ;; -fsanitize=*) ;; *) if [ "\$out" = next ]; then out=\$a; else
        set -- "\$@" "\$a"; fi ;; esac
done
"$real_clang" -fsyntax-only "\$@" 2>/dev/null || { "$real_clang" -fsyntax-only "\$@"; exit 1; }
printf '#!/bin/sh\necho stat::number_of_executed_units: 1\n' >"\$out" && chmod +x "\$out"
EOF
chmod +x "$fake/clang"
out=$(PATH="$fake:$PATH" FUZZ_SECONDS=1 sh "$src/scripts/fuzz.sh" 2>&1)
is "$?" 0 "fuzz.sh from a path with a space: exit 0"
is "$(printf '%s\n' "$out" | grep -c '^ok [1-4] - fuzz_[a-z_]*: 1 executions')" 4 \
    "every fuzz target compiles against the checkout's headers"
[ -s "$src/build-fuzz/movie.build.log" ] && diag "$(head -5 "$src/build-fuzz/movie.build.log")"
is "$(printf '%s\n' "$out" | head -n 1)" "1..4" "four targets"

done_testing
