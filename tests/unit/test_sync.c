/* test_sync.c - how many deletions one export may make (--max-deletions),
 * and what a run's failed movies do to the changes cursor (sync_finish()
 * on a real database file). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "idset.h"
#include "log.h"
#include "store.h"
#include "sync.h"
#include "capture.h"
#include "tempdir.h"

/* The default: 10 % of the stored movies, never fewer than 100. */
static void test_default_is_ten_percent_at_least_100(void **state) {
    (void)state;
    const struct deletion_limit def = {0};
    assert_int_equal(sync_deletions_allowed(&def, 0), 100);
    assert_int_equal(sync_deletions_allowed(&def, 300), 100);
    assert_int_equal(sync_deletions_allowed(&def, 1000), 100);
    assert_int_equal(sync_deletions_allowed(&def, 1009), 100);
    assert_int_equal(sync_deletions_allowed(&def, 1010), 101);
    assert_int_equal(sync_deletions_allowed(&def, 1000000), 100000);
}

/* A given count is exact; a given percentage has no floor and rounds down. */
static void test_given_limits(void **state) {
    (void)state;
    const struct deletion_limit none = {.given = true, .value = 0};
    const struct deletion_limit count = {.given = true, .value = 250};
    const struct deletion_limit half = {.given = true, .percent = true, .value = 5000};
    const struct deletion_limit all = {.given = true, .percent = true, .value = 1000000};
    /* 0.57 % is not a double: computed in floating point, 0.57 % of 10,000 was 56 */
    const struct deletion_limit odd = {.given = true, .percent = true, .value = 5700};
    assert_int_equal(sync_deletions_allowed(&odd, 10000), 57);
    assert_int_equal(sync_deletions_allowed(&odd, 100000), 570);
    assert_int_equal(sync_deletions_allowed(&none, 1000000), 0);
    assert_int_equal(sync_deletions_allowed(&count, 10), 250);
    assert_int_equal(sync_deletions_allowed(&count, 1000000), 250);
    assert_int_equal(sync_deletions_allowed(&half, 1000), 5);
    assert_int_equal(sync_deletions_allowed(&half, 199), 0);
    assert_int_equal(sync_deletions_allowed(&all, 987654), 987654);
}

/* A cursor is ahead only past what a run with its clock within
 * SOURCE_CLOCK_SKEW_MAX_S of TMDB's can set: a run at 00:01 UTC on a right
 * clock sets the next day's cursor, which a machine 5 minutes slow (23:56)
 * must take as it is, not refuse as "a run with its clock ahead" and send
 * its operator two weeks back. */
static void test_cursor_ahead_within_clock_skew(void **state) {
    (void)state;
    long nov28;
    assert_int_equal(clock_parse_date("2026-11-28", &nov28), 0);
    long long midnight = (long long)nov28 * 86400;
    assert_false(sync_cursor_ahead(nov28, midnight - 4 * 60));     /* 23:56 */
    assert_false(sync_cursor_ahead(nov28, midnight - 10 * 60));    /* 23:50, the bound */
    assert_true(sync_cursor_ahead(nov28, midnight - 10 * 60 - 1)); /* 23:49:59 */
    assert_true(sync_cursor_ahead(nov28 + 1, midnight - 4 * 60));  /* a day ahead */
    assert_false(sync_cursor_ahead(nov28, midnight + 60));         /* 00:01, today's */
    assert_true(sync_cursor_ahead(nov28 + 1, midnight + 60));      /* tomorrow's at 00:01 */
    assert_false(sync_cursor_ahead(nov28 - 30, midnight));         /* any day before */
}

/* An export's URL is its file under --export-base, written with a trailing
 * slash or not; one the buffer cannot hold whole is refused (exit 2), not
 * cut short. */
static void test_export_url_is_the_file_under_the_base(void **state) {
    (void)state;
    static const char want[] = "http://127.0.0.1:8/p/exports/movie_ids_11_20_2026.json.gz";
    char base[64] = "http://127.0.0.1:8/p/exports//"; /* zeros after it */
    char url[128], fallback[128];
    struct options opt = {.export_base = base, .export_date = "2026-11-20"};
    opt.source.kind = SOURCE_EXPORT;
    assert_int_equal(sync_plan(&opt, NULL, url, fallback, sizeof url), SYNC_OK);
    assert_string_equal(url, want);
    assert_ptr_equal(opt.source.export_url, url);
    base[strlen(base) - 2] = '\0'; /* no slash */
    assert_int_equal(sync_plan(&opt, NULL, url, fallback, sizeof want), SYNC_OK);
    assert_string_equal(url, want);
    assert_int_equal(sync_plan(&opt, NULL, url, fallback, sizeof want - 1), SYNC_USAGE);
}

struct fixture {
    char dir[64];
    char path[128];
    struct store *store;
    int64_t run;
    struct options opt;
    struct sync_facts facts;
};

static int setup(void **state) {
    struct fixture *f = calloc(1, sizeof *f);
    char err[256];
    if (!f)
        return -1;
    strcpy(f->dir, "/tmp/test_sync.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/t.sqlite3", f->dir);
    if (store_open(f->path, "ko-KR", &f->store, err, sizeof err) != STORE_OK ||
        store_run_begin(f->store, "tmdb-ingest changes", "changes", "2026-11-26T02:30:00Z",
                        &f->run) != STORE_OK)
        return -1;
    f->opt.db_path = f->path;
    f->opt.export_day = -1;
    f->facts = (struct sync_facts){.started_day = clock_today(),
                                   .resumed_from_day = LONG_MAX,
                                   .max_age_day = LONG_MAX,
                                   .run_id = f->run};
    *state = f;
    return 0;
}

static int teardown(void **state) {
    struct fixture *f = *state;
    store_close(f->store);
    int rc = tempdir_remove(f->dir);
    free(f);
    return rc == 0 ? 0 : -1;
}

static const char *cursor(struct fixture *f, char *buf, size_t size) {
    assert_int_equal(store_meta_get(f->store, "changes_from", buf, size), STORE_OK);
    return buf;
}

static int64_t noted_without_copy(struct fixture *f) {
    struct store_overview o;
    assert_int_equal(store_overview(f->store, &o), STORE_OK);
    return o.stale_failed;
}

/* What sync said, captured (capture.h), info lines (--verbose) included. */
static void capture_start(struct fixture *f) {
    capture_stderr_start(f->dir);
    log_init(LOG_INFO, false, LOG_FORMAT_TEXT);
}

static const char *capture_end(struct fixture *f) {
    fflush(stderr);
    log_init(LOG_WARN, false, LOG_FORMAT_TEXT);
    return capture_stderr_end(f->dir);
}

static void assert_said(const char *said, const char *what) {
    if (!strstr(said, what))
        fail_msg("expected \"%s\" in: %s", what, said);
}

static void assert_not_said(const char *said, const char *what) {
    if (strstr(said, what))
        fail_msg("did not expect \"%s\" in: %s", what, said);
}

/* sync_plan() for changes, what it said into *said. */
static enum sync_status plan_changes_saying(struct fixture *f, const char **said) {
    f->opt.source.kind = SOURCE_CHANGES;
    capture_start(f);
    enum sync_status st = sync_plan(&f->opt, f->store, NULL, NULL, 0);
    *said = capture_end(f);
    return st;
}

/* sync_finish() for the fixture's run with `counts` (and the export's ids
 * `named`), what it said into *said. */
static enum sync_status finish_saying(struct fixture *f, const struct idset *named,
                                      const struct run_counts *counts, const char **said) {
    capture_start(f);
    enum sync_status st = sync_finish(&f->opt, f->store, named, &f->facts, counts, 0);
    *said = capture_end(f);
    return st;
}

/* changes reads from the cursor through yesterday; with the cursor at
 * today there is no day to read, and it says through which day changes are
 * complete. */
static void test_changes_reads_from_the_cursor_through_yesterday(void **state) {
    struct fixture *f = *state;
    const char *said;
    char day[CLOCK_DATE_SIZE], yesterday[CLOCK_DATE_SIZE], line[64];
    long today = clock_today();
    clock_format_date(today - 3, day);
    clock_format_date(today - 1, yesterday);
    assert_int_equal(store_meta_set(f->store, "changes_from", day), STORE_OK);
    assert_int_equal(plan_changes_saying(f, &said), SYNC_OK);
    assert_int_equal(f->opt.source.changes_first_day, today - 3);
    assert_int_equal(f->opt.source.changes_last_day, today - 1);
    assert_not_said(said, "no new day");
    clock_format_date(today, day);
    assert_int_equal(store_meta_set(f->store, "changes_from", day), STORE_OK);
    assert_int_equal(plan_changes_saying(f, &said), SYNC_OK);
    assert_int_equal(f->opt.source.changes_first_day, today);
    assert_int_equal(f->opt.source.changes_last_day, today - 1);
    snprintf(line, sizeof line, "complete through %s; no new day", yesterday);
    assert_said(said, line);
}

/* --since yesterday reads yesterday: nothing says there is nothing to read. */
static void test_changes_since_yesterday_reads_it(void **state) {
    struct fixture *f = *state;
    const char *said;
    char yesterday[CLOCK_DATE_SIZE];
    long today = clock_today();
    clock_format_date(today - 1, yesterday);
    f->opt.since = yesterday;
    assert_int_equal(plan_changes_saying(f, &said), SYNC_OK);
    assert_int_equal(f->opt.source.changes_first_day, today - 1);
    assert_int_equal(f->opt.source.changes_last_day, today - 1);
    assert_not_said(said, "nothing to read");
}

/* With no cursor, none stored or one that is not a date (edited by hand),
 * changes has no day to start from: it refuses (exit 2), pointing to export. */
static void test_changes_without_a_cursor_refuses(void **state) {
    struct fixture *f = *state;
    const char *said;
    assert_int_equal(plan_changes_saying(f, &said), SYNC_USAGE);
    assert_said(said, "has no finished export or changes run to continue from");
    assert_int_equal(store_meta_set(f->store, "changes_from", "2026-11-3"), STORE_OK);
    assert_int_equal(plan_changes_saying(f, &said), SYNC_USAGE);
    assert_said(said, "has no finished export or changes run to continue from");
}

/* changes from day D through D+4: one movie failed (in fetch_failures) is
 * noted and the cursor moves past the days; a failure that is no movie's
 * (a page's result without an id: counted, not recorded) holds it. */
static void test_changes_notes_failed_movies_and_moves_on(void **state) {
    struct fixture *f = *state;
    char buf[32], day[CLOCK_DATE_SIZE], after[CLOCK_DATE_SIZE];
    long first = clock_today() - 6;
    clock_format_date(first, day);
    clock_format_date(first + 5, after);
    assert_int_equal(store_meta_set(f->store, "changes_from", day), STORE_OK);
    assert_int_equal(store_record_failure(f->store, f->run, 13, "failed", 500, "HTTP 500", 2),
                     STORE_OK);
    f->opt.source.kind = SOURCE_CHANGES;
    f->opt.source.changes_first_day = first;
    f->opt.source.changes_last_day = first + 4;
    struct run_counts held = {.requested = 10, .fetched = 9, .failed = 2};
    assert_int_equal(sync_finish(&f->opt, f->store, NULL, &f->facts, &held, 0), SYNC_OK);
    assert_string_equal(cursor(f, buf, sizeof buf), day);
    assert_int_equal(noted_without_copy(f), 1); /* noted all the same */
    struct run_counts counts = {.requested = 10, .fetched = 9, .failed = 1};
    assert_int_equal(sync_finish(&f->opt, f->store, NULL, &f->facts, &counts, 0), SYNC_OK);
    assert_string_equal(cursor(f, buf, sizeof buf), after);
    assert_int_equal(noted_without_copy(f), 1);
}

/* A changes run moves the cursor forward, to the day after the last it
 * read, as a matter of course: nothing warns of a cursor set back. */
static void test_changes_moves_the_cursor_on_quietly(void **state) {
    struct fixture *f = *state;
    char buf[32], day[CLOCK_DATE_SIZE], after[CLOCK_DATE_SIZE];
    long first = clock_today() - 3;
    clock_format_date(first, day);
    clock_format_date(first + 3, after);
    assert_int_equal(store_meta_set(f->store, "changes_from", day), STORE_OK);
    f->opt.source.kind = SOURCE_CHANGES;
    f->opt.source.changes_first_day = first;
    f->opt.source.changes_last_day = first + 2;
    struct run_counts counts = {.requested = 10, .fetched = 10};
    const char *said;
    enum sync_status st = finish_saying(f, NULL, &counts, &said);
    assert_int_equal(st, SYNC_OK);
    assert_string_equal(cursor(f, buf, sizeof buf), after);
    assert_not_said(said, "set back");
}

/* An export with a failed movie on a new database: the cursor is set (the
 * export's day), the movie noted as needing a copy from that day. */
static void test_export_sets_the_cursor_despite_a_failure(void **state) {
    struct fixture *f = *state;
    char buf[32], day[CLOCK_DATE_SIZE];
    f->opt.source.kind = SOURCE_EXPORT;
    f->opt.export_day = clock_today() - 1;
    clock_format_date(f->opt.export_day, day);
    assert_int_equal(store_record_failure(f->store, f->run, 13, "failed", 0, "timeout", 2),
                     STORE_OK);
    struct run_counts counts = {.requested = 10, .fetched = 9, .failed = 1, .unusable = 0};
    assert_int_equal(sync_finish(&f->opt, f->store, NULL, &f->facts, &counts, 0), SYNC_OK);
    assert_string_equal(cursor(f, buf, sizeof buf), day);
    struct store_overview o;
    assert_int_equal(store_overview(f->store, &o), STORE_OK);
    assert_int_equal(o.stale_copies, 1);
    assert_int_equal(o.stale_failed, 1);
}

/* An export of unknown day (--file without a date in its name) read whole:
 * the cursor is not set, and deletions are not marked for that reason
 * alone (said at the start): nothing blames unreadable lines. */
static void test_export_of_unknown_day_blames_no_unreadable_line(void **state) {
    struct fixture *f = *state;
    char buf[32];
    f->opt.source.kind = SOURCE_EXPORT;
    struct idset *named = idset_new();
    assert_non_null(named);
    assert_int_equal(idset_add(named, 550), 1);
    struct run_counts counts = {.requested = 1, .fetched = 1};
    const char *said;
    enum sync_status st = finish_saying(f, named, &counts, &said);
    idset_free(named);
    assert_int_equal(st, SYNC_OK);
    assert_string_equal(cursor(f, buf, sizeof buf), "");
    assert_not_said(said, "unreadable");
}

/* A finished export marks changes complete from its day; a copy TMDB's
 * CDN made on that day holds it no further back and goes unmentioned, one
 * made the day before holds it there, and is said. */
static void test_export_cursor_held_only_by_a_copy_from_before_its_day(void **state) {
    struct fixture *f = *state;
    char buf[32], day[CLOCK_DATE_SIZE], before[CLOCK_DATE_SIZE];
    long export_day = clock_today() - 1;
    clock_format_date(export_day, day);
    clock_format_date(export_day - 1, before);
    f->opt.source.kind = SOURCE_EXPORT;
    f->opt.export_day = export_day;
    struct run_counts counts = {.requested = 1, .fetched = 1};
    f->facts.oldest_copy = (long long)export_day * 86400 + 3600; /* 01:00 that day */
    const char *said;
    enum sync_status st = finish_saying(f, NULL, &counts, &said);
    assert_int_equal(st, SYNC_OK);
    assert_string_equal(cursor(f, buf, sizeof buf), day);
    assert_not_said(said, "served copies made");
    assert_int_equal(store_meta_set(f->store, "changes_from", ""), STORE_OK);
    f->facts.oldest_copy -= 86400; /* 01:00 the day before */
    st = finish_saying(f, NULL, &counts, &said);
    assert_int_equal(st, SYNC_OK);
    assert_string_equal(cursor(f, buf, sizeof buf), before);
    assert_said(said, "served copies made as early as");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_is_ten_percent_at_least_100),
        cmocka_unit_test(test_given_limits),
        cmocka_unit_test(test_cursor_ahead_within_clock_skew),
        cmocka_unit_test(test_export_url_is_the_file_under_the_base),
        cmocka_unit_test_setup_teardown(test_changes_reads_from_the_cursor_through_yesterday, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_changes_since_yesterday_reads_it, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changes_without_a_cursor_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changes_notes_failed_movies_and_moves_on, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_export_sets_the_cursor_despite_a_failure, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_changes_moves_the_cursor_on_quietly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export_of_unknown_day_blames_no_unreadable_line, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_export_cursor_held_only_by_a_copy_from_before_its_day,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
