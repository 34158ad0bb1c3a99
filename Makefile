# tmdb-ingest - load TMDB movie details into SQLite.
#
#   make            build build/tmdb-ingest
#   make demo       install what is missing, build, run against the local fake TMDB
#   make test       everything: unit tests (cmocka), end-to-end tests, the
#                   end-to-end suite and unit tests under ASan+UBSan and TSan,
#                   valgrind
#   make e2e        end-to-end tests only (quick)
#   make asan | ubsan | tsan    sanitizer builds in build-asan/ etc.
#   make check-sanitizers       end-to-end suite and unit tests under ASan+UBSan and TSan
#   make valgrind               each command once under valgrind memcheck
#   make bench      benchmarks side by side, written to docs/benchmarks.md
#   make fuzz       libFuzzer targets for the parsers, FUZZ_SECONDS (10) each
#   make coverage   line and branch coverage of src/ by the unit and end-to-end tests
#   make timeofday  the e2e tests that name days, with the clock moved to midnight and 08:00 UTC
#   make mutants    mutation testing: do the tests fail on small wrong versions of src/?
#   make lint       cppcheck and clang-tidy (.clang-tidy) over src/
#   make deps       install build/test dependencies (Debian/Ubuntu, apt-get)
#   make install | uninstall    PREFIX (/usr/local) and DESTDIR honoured
#
# Dependencies come from the distribution via pkg-config; nothing is vendored
# or downloaded.

VERSION := 0.1.0
BUILD   ?= build
CC      ?= cc
PKGS    := libcurl libcjson sqlite3 zlib

# pkg-config name -> Debian package that provides it
pkg_deb_libcurl := libcurl4-openssl-dev
pkg_deb_libcjson := libcjson-dev
pkg_deb_sqlite3 := libsqlite3-dev
pkg_deb_zlib := zlib1g-dev
pkg_deb_cmocka := libcmocka-dev
# the C compiler, when CC is make's default
pkg_deb_cc := gcc

HAVE_PKG_CONFIG := $(shell command -v pkg-config 2>/dev/null)
# The compiler too: without it the build stopped at its first file, "cc: No
# such file or directory", the package to install not named.
MISSING := $(if $(shell command -v $(firstword $(CC)) 2>/dev/null),,$(firstword $(CC))) \
           $(if $(HAVE_PKG_CONFIG),$(foreach p,$(PKGS),$(if $(shell pkg-config --exists $(p) && echo y),,$(p))),pkg-config)

WARN    := -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion \
           -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla
CFLAGS  ?= -O2 -g
# Warnings are errors here and in CI; a package build with another
# compiler (whose new warnings would stop it) may give WERROR= instead.
WERROR  ?= -Werror
ALL_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64 -pthread $(WARN) $(WERROR) \
           -Iinclude -I$(BUILD) -DTMDB_INGEST_VERSION='"$(VERSION)"' $(CPPFLAGS) $(CFLAGS) $(SAN) \
           $(if $(HAVE_PKG_CONFIG),$(shell pkg-config --cflags $(PKGS) 2>/dev/null))
LDLIBS_ALL := $(if $(HAVE_PKG_CONFIG),$(shell pkg-config --libs $(PKGS) 2>/dev/null)) -pthread -lm
ALL_LDFLAGS := $(SAN) $(LDFLAGS)

SRCS    := $(filter-out src/main.c,$(wildcard src/*.c))
MIGRATIONS := $(wildcard sql/migrations/*.sql)
EMBEDDED_SQL := schema views
OBJS    := $(SRCS:src/%.c=$(BUILD)/obj/%.o) $(EMBEDDED_SQL:%=$(BUILD)/obj/%_sql.o) \
           $(MIGRATIONS:sql/migrations/%.sql=$(BUILD)/obj/migrate_%_sql.o)
LIB     := $(BUILD)/libtmdbingest.a
BIN     := $(BUILD)/tmdb-ingest

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
CMOCKA_CFLAGS := $(if $(HAVE_PKG_CONFIG),$(shell pkg-config --cflags cmocka 2>/dev/null))
CMOCKA_LIBS := $(if $(HAVE_PKG_CONFIG),$(shell pkg-config --libs cmocka 2>/dev/null))

.PHONY: all deps demo test unit unit-bins e2e lint asan ubsan tsan check-sanitizers valgrind bench fuzz coverage timeofday mutants \
        clean check-deps check-test-deps install uninstall

all: check-deps $(BIN)

check-deps:
ifneq ($(strip $(MISSING)),)
	@echo "tmdb-ingest: missing build dependencies:" >&2
	@$(foreach p,$(MISSING),echo "  $(p): install the Debian/Ubuntu package $(if $(pkg_deb_$(p)),$(pkg_deb_$(p)),$(p))" >&2;)
	@echo "  or run: make deps   (scripts/install-deps.sh, uses apt-get)" >&2
	@exit 1
endif

# The test suite's own needs, named by Debian package when missing (the
# sanitizer runtimes come with clang's libclang-rt-dev). Evaluated only
# when a test target runs.
TEST_TOOLS := prove:perl sqlite3:sqlite3 python3:python3 valgrind:valgrind curl:curl \
              openssl:openssl clang:clang cppcheck:cppcheck clang-tidy:clang-tidy \
              script:bsdutils
MISSING_TEST = $(if $(shell pkg-config --exists cmocka 2>/dev/null && echo y),,libcmocka-dev) \
               $(foreach t,$(TEST_TOOLS),$(if $(shell command -v $(word 1,$(subst :, ,$(t))) \
               2>/dev/null),,$(word 2,$(subst :, ,$(t)))))

check-test-deps: check-deps
	@if [ -n "$(strip $(MISSING_TEST))" ]; then \
	    echo "tmdb-ingest: missing test dependencies; install the Debian/Ubuntu packages:" \
	        "$(strip $(MISSING_TEST))" >&2; \
	    echo "  or run: make deps   (scripts/install-deps.sh, uses apt-get)" >&2; \
	    exit 1; fi

deps:
	sh scripts/install-deps.sh

$(BUILD)/obj/%.o: src/%.c $(wildcard include/*.h src/*.h) | $(BUILD)/obj
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# sql/NAME.sql becomes `const char store_NAME_sql[]` (schema, views), and
# sql/migrations/N.sql store_migrate_N_sql[], which upgrades a version N-1
# database to N (store.c).
$(EMBEDDED_SQL:%=$(BUILD)/%_sql.c): $(BUILD)/%_sql.c: sql/%.sql scripts/embed.sh | $(BUILD)/obj
	sh scripts/embed.sh store_$*_sql $< $@

$(BUILD)/migrate_%_sql.c: sql/migrations/%.sql scripts/embed.sh | $(BUILD)/obj
	sh scripts/embed.sh store_migrate_$*_sql $< $@

# Made by a pattern rule, they would be intermediate files, which make
# deletes when it ends: after prove's summary, the last line of `make test`
# on a fresh checkout was "rm build/migrate_2_sql.c ...".
.SECONDARY: $(MIGRATIONS:sql/migrations/%.sql=$(BUILD)/migrate_%_sql.c)

$(BUILD)/obj/%_sql.o: $(BUILD)/%_sql.c
	$(CC) $(ALL_CFLAGS) -Wno-missing-variable-declarations -c $< -o $@

$(LIB): $(OBJS)
	rm -f $@
	ar rcs $@ $^

$(BIN): src/main.c $(LIB) $(wildcard include/*.h)
	$(CC) $(ALL_CFLAGS) src/main.c $(LIB) -o $@ $(ALL_LDFLAGS) $(LDLIBS_ALL)

$(BUILD)/obj $(BUILD)/tests:
	mkdir -p $@

# test_movie fails the project's own allocations at will (out of memory in
# the middle of a parse): its calls to malloc, and the library's, go to its
# __wrap_malloc.
TEST_LDFLAGS_movie := -Wl,--wrap=malloc
# test_json fails them while a parse needs a block of its arena, and counts
# them: a tree in the arena takes none of its own.
TEST_LDFLAGS_json := -Wl,--wrap=malloc
# test_export fails them one at a time while an export line is parsed.
TEST_LDFLAGS_export := -Wl,--wrap=malloc
# test_clock sets the time clock_deadline_in() reads.
TEST_LDFLAGS_clock := -Wl,--wrap=clock_gettime
# test_source fails the reads of the ids it streams from a descriptor.
TEST_LDFLAGS_source := -Wl,--wrap=read
# test_dbfile fails the fsync() of a copy and of its directory.
TEST_LDFLAGS_dbfile := -Wl,--wrap=fsync
# test_lock has a read of /proc/locks miss the holder's line.
TEST_LDFLAGS_lock := -Wl,--wrap=fopen64
# test_pipeline fails a read of the ids part-way, and the start of a
# thread of the run.
TEST_LDFLAGS_pipeline := -Wl,--wrap=read -Wl,--wrap=pthread_create
# test_backup fails the fsync() of a copy or of its directory, and stops
# a backup during the first.
TEST_LDFLAGS_backup := -Wl,--wrap=fsync

$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIB) $(wildcard include/*.h tests/unit/*.h) | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -Wno-missing-prototypes $< $(LIB) -o $@ \
	    $(ALL_LDFLAGS) $(TEST_LDFLAGS_$*) $(CMOCKA_LIBS) $(LDLIBS_ALL)

unit: check-test-deps all $(UNIT_BINS)

# The unit test binaries alone (the sanitizer builds make them too, for
# tests/sanitizers/t_unit.sh).
unit-bins: $(UNIT_BINS)

# prove hands files to its jobs in the order given, so the longest start
# first: the sanitizer suites (about 4 minutes each), then the end-to-end
# tests listed in tests/e2e/longest; none of them starts last and runs alone.
E2E_LONGEST := $(addprefix tests/e2e/,$(shell grep -v '^\#' tests/e2e/longest))
E2E_TESTS := $(E2E_LONGEST) $(filter-out $(E2E_LONGEST),$(wildcard tests/e2e/t_*.sh))
SAN_TESTS := tests/sanitizers/t_tsan.sh tests/sanitizers/t_asan.sh tests/sanitizers/t_unit.sh \
             tests/fuzz/t_fuzz.sh tests/lint/t_lint.sh tests/memcheck/t_valgrind.sh

# Test files run four at a time (they wait on simulated latency far more
# than they use CPU), and the sanitizer suites run their end-to-end tests
# and unit binaries three at a time each (SAN_JOBS, tests/sanitizers/
# in_order.sh): on two cores the whole of `make test` keeps both busy for
# most of its run. PROVE_JOBS=1 SAN_JOBS=1 runs everything one by one.
PROVE_JOBS ?= 4
SAN_JOBS ?= 3
export SAN_JOBS
# A test file that hangs (a regression that blocks a thread for good) is
# killed after this many seconds and fails, rather than holding the run
# until CI gives up. The sanitizer suites, the longest files, take a few
# minutes each.
TEST_TIMEOUT ?= 1800

# Everything, in one prove run so the last line is the one summary CI reads
# ("Result: PASS"): the end-to-end suite and the unit tests under TSan and
# ASan+UBSan, each libFuzzer target for a short time, static analysis, each
# command once under valgrind memcheck, then the cmocka unit tests (TAP
# output, its skipped tests made TAP's by tests/prove_exec.sh) and the
# end-to-end tests against the fake TMDB.
test: unit asan tsan
	$(ASAN_MAKE) unit-bins
	$(TSAN_MAKE) unit-bins
	TMDB_INGEST_BIN='$(abspath $(BIN))' CMOCKA_MESSAGE_OUTPUT=TAP \
	    prove --exec 'timeout $(TEST_TIMEOUT) sh tests/prove_exec.sh' -j$(PROVE_JOBS) $(PROVE_FLAGS) $(SAN_TESTS) \
	    $(UNIT_BINS) $(E2E_TESTS)

e2e: all
	TMDB_INGEST_BIN='$(abspath $(BIN))' prove --exec '' $(PROVE_FLAGS) $(E2E_TESTS)

SAN_CFLAGS := -O1 -g -fno-omit-frame-pointer
ASAN_MAKE := $(MAKE) --no-print-directory BUILD=build-asan CFLAGS='$(SAN_CFLAGS)' \
	    SAN='-fsanitize=address,undefined -fno-sanitize-recover=all'
TSAN_MAKE := $(MAKE) --no-print-directory BUILD=build-tsan CFLAGS='$(SAN_CFLAGS)' \
	    SAN='-fsanitize=thread'
asan:
	$(ASAN_MAKE) all
ubsan:
	$(MAKE) --no-print-directory BUILD=build-ubsan CFLAGS='$(SAN_CFLAGS)' \
	    SAN='-fsanitize=undefined -fno-sanitize-recover=all' all
tsan:
	$(TSAN_MAKE) all

# The end-to-end suite under the sanitizer builds; any report fails.
check-sanitizers: check-test-deps asan tsan
	$(ASAN_MAKE) unit-bins
	$(TSAN_MAKE) unit-bins
	prove --exec '' $(PROVE_FLAGS) tests/sanitizers/t_asan.sh tests/sanitizers/t_tsan.sh \
	    tests/sanitizers/t_unit.sh

valgrind: all
	TMDB_INGEST_BIN='$(abspath $(BIN))' prove --exec '' $(PROVE_FLAGS) tests/memcheck/t_valgrind.sh

# Static analysis of src/ (scripts/lint.sh): cppcheck, then clang-tidy with
# .clang-tidy's checks; any finding fails.
lint: check-test-deps
	sh scripts/lint.sh -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	    -DTMDB_INGEST_VERSION='"$(VERSION)"' -Iinclude -I$(BUILD) \
	    $(shell pkg-config --cflags $(PKGS) 2>/dev/null)

# Coverage of src/ by the unit tests and the end-to-end suite (gcc
# --coverage, gcov; scripts/coverage.sh): a table of lines run and branches
# taken per file, annotated sources in build-cov/coverage/. A measurement,
# not part of `make test`.
COV_MAKE := $(MAKE) --no-print-directory BUILD=build-cov CFLAGS='-O0 -g' SAN='--coverage'
coverage: check-test-deps
	$(COV_MAKE) all unit-bins
	sh scripts/coverage.sh build-cov

# The end-to-end tests that name days, run with the clock moved (libfaketime)
# to 2 s before midnight UTC, 2 s before 08:00 UTC and just after midnight
# (scripts/timeofday.sh): a test that holds at noon only fails them. Not
# part of `make test`; TIMES='HH:MM:SS ...' gives other moments.
timeofday: check-test-deps all
	sh scripts/timeofday.sh $(BIN) $(TIMES)

# Mutation testing (scripts/mutants.py): N small wrong versions of each file
# of FILES (default: every file of src/ that has a unit test of its name),
# built in a copy of the tree, each run against its unit test (or the unit
# tests UNIT names) and then the end-to-end tests E2E names (both
# comma-separated); lists the survivors. A measurement, not part of
# `make test`.
N ?= 30
SEED ?= 1
mutants: check-test-deps
	python3 scripts/mutants.py --per-file $(N) --seed $(SEED) $(if $(UNIT),--unit $(UNIT)) \
	    $(if $(E2E),--e2e $(E2E)) $(FILES)

# libFuzzer targets for every parser of outside input (FUZZ_SECONDS each).
fuzz:
	prove --exec '' -v tests/fuzz/t_fuzz.sh

demo:
	sh scripts/install-deps.sh
	$(MAKE) all
	TMDB_INGEST_DEMO_BIN='$(BIN)' DEMO_DB='$(BUILD)/demo.sqlite3' sh scripts/demo.sh

# Side-by-side benchmarks against the fake TMDB; writes docs/benchmarks.md.
# Not part of `make test` (timings are not assertions); the smoke test
# tests/e2e/t_bench_smoke.sh runs it tiny so it cannot rot.
bench: all
	python3 scripts/bench.py --runs $(or $(BENCH_RUNS),3)

install: all
	install -D -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/tmdb-ingest
	install -D -m 644 docs/tmdb-ingest.1 $(DESTDIR)$(PREFIX)/share/man/man1/tmdb-ingest.1
	install -D -m 644 scripts/completion.bash \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/tmdb-ingest

PREFIX ?= /usr/local

# What install put there, and nothing else (the directories stay).
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/tmdb-ingest $(DESTDIR)$(PREFIX)/share/man/man1/tmdb-ingest.1 \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/tmdb-ingest

clean:
	rm -rf build build-asan build-ubsan build-tsan build-fuzz build-cov
