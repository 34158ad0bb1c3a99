/* test_report.c - what `stats` says of a run whose row read "running" in
 * its snapshot, once it has asked the lock: the run's status is read again
 * then, and what that read finds (or that it failed) decides, in text and
 * in JSON. The snapshot and the look at the lock are moments apart; a load
 * starting in between marks a dead run aborted. This test plays such a load
 * (or a failing read) just before that status read, by wrapping
 * sqlite3_prepare_v2() for the read's SQL, so nothing in the shipped binary
 * waits or looks for a test. The test itself holds the lock when a load is
 * to hold it (lock_query() asks from another open file description, as
 * another process would). Last, that the JSON short of memory is printed
 * whole or not at all. */
#define _GNU_SOURCE /* RTLD_NEXT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <dlfcn.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lock.h"
#include "log.h"
#include "report.h"
#include "store.h"
#include "tempdir.h"

/* store_run_status()'s SQL: the status read again after the lock. */
static const char status_sql[] = "SELECT status FROM runs WHERE id = ?1";

/* What the wrapper does at that read; reset by setup(). */
static struct {
    const char *db_path;    /* where window_sql runs, on a connection of its own */
    const char *window_sql; /* what another process does just before the read, or NULL */
    bool fail;              /* make the read fail (a real SQLite error: no such table) */
    int n_reads;            /* status reads seen */
} at_read;

static void run_elsewhere(const char *path, const char *sql) {
    sqlite3 *db;
    char *err = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(db, 5000) != SQLITE_OK ||
        sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err ? err : sqlite3_errmsg(db));
    sqlite3_close(db);
}

/* Every prepare of the program passes through here (it is linked into the
 * test, before libsqlite3); only the status read is acted on. */
int sqlite3_prepare_v2(sqlite3 *db, const char *sql, int n_bytes, sqlite3_stmt **st,
                       const char **tail) {
    static int (*real)(sqlite3 *, const char *, int, sqlite3_stmt **, const char **);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "sqlite3_prepare_v2");
    assert_non_null(real);
    if (sql && strcmp(sql, status_sql) == 0) {
        at_read.n_reads++;
        if (at_read.window_sql)
            run_elsewhere(at_read.db_path, at_read.window_sql);
        if (at_read.fail) {
            sql = "SELECT status FROM runs_gone WHERE id = ?1";
            n_bytes = -1;
        }
    }
    return real(db, sql, n_bytes, st, tail);
}

struct fixture {
    char dir[64];
    char path[128];
    int lock_fd; /* the "load" holding the database, or -1 */
};

static int setup(void **state) {
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    strcpy(f->dir, "/tmp/test_report.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/t.sqlite3", f->dir);
    f->lock_fd = -1;
    memset(&at_read, 0, sizeof at_read);
    at_read.db_path = f->path;
    /* run 1, left "running" */
    struct store *s;
    char err[256] = "";
    int64_t id = 0;
    if (store_open(f->path, "en-US", &s, err, sizeof err) != STORE_OK)
        fail_msg("store_open: %s", err);
    assert_int_equal(store_run_begin(s, "ids 550", "ids 550", "2026-01-01T00:00:00Z", &id),
                     STORE_OK);
    assert_int_equal(id, 1);
    store_close(s);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    struct fixture *f = *state;
    lock_release(f->lock_fd);
    int rc = tempdir_remove(f->dir);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* `use` holds the database: a load, as the process of a run would, or a
 * merge or a schema upgrade. */
static void hold_lock_for(struct fixture *f, enum lock_use use) {
    char err[512];
    if (lock_acquire(f->path, use, &f->lock_fd, err, sizeof err) != LOCK_OK)
        fail_msg("lock_acquire: %s", err);
}

static void hold_lock(struct fixture *f) {
    hold_lock_for(f, LOCK_FOR_LOAD);
}

/* `stats` (JSON or text) on the fixture's database, as main runs it: the
 * output, the caller's to free. */
static char *stats(const struct fixture *f, bool json) {
    struct store *s;
    char err[256] = "";
    if (store_open_readonly(f->path, &s, err, sizeof err) != STORE_OK)
        fail_msg("store_open_readonly: %s", err);
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    assert_int_equal(report_stats(s, f->path, json, out), 0);
    assert_int_equal(fclose(out), 0);
    store_close(s);
    return text;
}

/* stats --format json parsed; the caller deletes it. */
static cJSON *stats_json(const struct fixture *f) {
    char *text = stats(f, true);
    cJSON *d = cJSON_Parse(text);
    if (!d)
        fail_msg("not JSON: %s", text);
    free(text);
    return d;
}

/* A member of `o`: "true", "false", "null", a string's text, or "(none)". */
static const char *member(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return !v                  ? "(none)"
           : cJSON_IsTrue(v)   ? "true"
           : cJSON_IsFalse(v)  ? "false"
           : cJSON_IsNull(v)   ? "null"
           : cJSON_IsString(v) ? v->valuestring
                               : "(other)";
}

static const cJSON *first_run(const cJSON *d) {
    const cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(d, "runs"), 0);
    assert_non_null(run);
    assert_int_equal((int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(run, "id")), 1);
    assert_string_equal(member(run, "status"), "running"); /* as in the snapshot */
    return run;
}

/* The newest running run, held: alive, as before. Its status is read
 * again and still says running. */
static void test_a_held_running_run_is_alive(void **state) {
    struct fixture *f = *state;
    hold_lock(f);
    cJSON *d = stats_json(f);
    assert_string_equal(member(d, "in_use"), "true");
    assert_string_equal(member(d, "in_use_by"), "load");
    assert_string_equal(member(first_run(d), "alive"), "true");
    assert_string_equal(member(first_run(d), "alive_unknown_reason"), "null");
    assert_int_equal(at_read.n_reads, 1);
    cJSON_Delete(d);
}

/* A merge into the database, or a schema upgrade, holds it while the
 * newest row says running, left by a load killed before: the database is
 * in use, by that, and the run is dead (no run row is a merge's or an
 * upgrade's), in JSON and in text. */
static void check_held_not_by_a_load(struct fixture *f, enum lock_use use, const char *by) {
    hold_lock_for(f, use);
    cJSON *d = stats_json(f);
    assert_string_equal(member(d, "in_use"), "true");
    assert_string_equal(member(d, "in_use_by"), by);
    assert_string_equal(member(first_run(d), "alive"), "false");
    assert_string_equal(member(first_run(d), "alive_unknown_reason"), "null");
    cJSON_Delete(d);
    char *text = stats(f, false);
    if (!strstr(text, "run 1 ended unrecorded: its row says running, but its process no longer "
                      "holds the database"))
        fail_msg("no note that run 1 is dead:\n%s", text);
    free(text);
}

static void test_a_running_run_under_a_merge_is_dead(void **state) {
    check_held_not_by_a_load(*state, LOCK_FOR_MERGE, "merge");
}

static void test_a_running_run_under_an_upgrade_is_dead(void **state) {
    check_held_not_by_a_load(*state, LOCK_FOR_UPGRADE, "upgrade");
}

static void test_a_running_run_under_an_optimize_is_dead(void **state) {
    check_held_not_by_a_load(*state, LOCK_FOR_OPTIMIZE, "optimize");
}

static void test_a_running_run_under_a_restore_is_dead(void **state) {
    check_held_not_by_a_load(*state, LOCK_FOR_RESTORE, "restore");
}

/* A load that starts after the snapshot, before stats looks at the lock,
 * marks the dead run aborted and holds the database: the run is dead,
 * not the holder's (it read alive, the holder taken for its process). */
static void test_a_run_a_load_marked_aborted_since_the_snapshot_is_dead(void **state) {
    struct fixture *f = *state;
    hold_lock(f);
    at_read.window_sql = "UPDATE runs SET status = 'aborted' WHERE id = 1";
    cJSON *d = stats_json(f);
    assert_string_equal(member(d, "in_use"), "true");
    assert_string_equal(member(first_run(d), "alive"), "false");
    assert_string_equal(member(first_run(d), "alive_unknown_reason"), "null");
    cJSON_Delete(d);
    run_elsewhere(f->path, "UPDATE runs SET status = 'running' WHERE id = 1");
    char *text = stats(f, false);
    if (!strstr(text, "run 1 ended unrecorded"))
        fail_msg("no note that run 1 is dead:\n%s", text);
    free(text);
    assert_int_equal(at_read.n_reads, 2);
}

/* The note under a dead run says what comes of it by its source, as the
 * next load decides it: a changes run is not resumed (its days are read
 * again), an export, list or ids run is when the next load is of its
 * source; of a source written by hand only that it is marked aborted. */
static void check_dead_note(struct fixture *f, const char *source, const char *fate) {
    char sql[200];
    snprintf(sql, sizeof sql, "UPDATE runs SET source = '%s' WHERE id = 1", source);
    run_elsewhere(f->path, sql);
    char *text = stats(f, false);
    char want[400];
    snprintf(want, sizeof want, "exit 5); %s\n", fate);
    if (!strstr(text, want))
        fail_msg("no note '%s' for a dead run of %s:\n%s", fate, source, text);
    free(text);
}

static void test_a_dead_runs_note_says_what_its_source_does(void **state) {
    struct fixture *f = *state;
    check_dead_note(f, "changes --since 2026-01-01",
                    "the next load marks it aborted; changes never resumes a run: the next "
                    "changes run reads its days again");
    const char *resumed =
        "the next load marks it aborted, and resumes it if of the same source (unless --refresh)";
    check_dead_note(f, "export --include-adult", resumed);
    check_dead_note(f, "list now_playing --pages all", resumed);
    check_dead_note(f, "ids -", resumed);
    check_dead_note(f, "ids 550", resumed);
    check_dead_note(f, "by hand", "the next load marks it aborted");
}

/* A run that ended after the snapshot, with a load holding the database
 * since: its process lived at the snapshot. */
static void test_a_run_that_ended_since_the_snapshot_was_alive(void **state) {
    struct fixture *f = *state;
    hold_lock(f);
    at_read.window_sql = "UPDATE runs SET status = 'ok' WHERE id = 1";
    cJSON *d = stats_json(f);
    assert_string_equal(member(first_run(d), "alive"), "true");
    cJSON_Delete(d);
}

/* The status read again fails, nobody holding the database: the lock was
 * asked (in_use false, no reason for it), the run's fate is unknown, and
 * the run says why, in JSON as in text. */
static void check_unreadable_status(struct fixture *f, const char *in_use) {
    at_read.fail = true;
    cJSON *d = stats_json(f);
    assert_string_equal(member(d, "in_use"), in_use);
    assert_string_equal(member(d, "in_use_unknown_reason"), "null");
    const cJSON *run = first_run(d);
    assert_string_equal(member(run, "alive"), "null");
    const char *why = member(run, "alive_unknown_reason");
    if (!strstr(why, "read the status of run 1") || !strstr(why, "no such table: runs_gone"))
        fail_msg("alive_unknown_reason: %s", why);
    cJSON_Delete(d);
    char *text = stats(f, false);
    if (!strstr(text, "run 1 says running; whether it still runs cannot be told: ") ||
        !strstr(text, "no such table: runs_gone"))
        fail_msg("no note for run 1:\n%s", text);
    free(text);
}

static void test_an_unreadable_status_with_no_holder_says_why(void **state) {
    check_unreadable_status(*state, "false");
}

static void test_an_unreadable_status_with_a_holder_says_why(void **state) {
    struct fixture *f = *state;
    hold_lock(f);
    check_unreadable_status(f, "true");
}

/* cJSON's allocations, the `fail_at`-th of them failing (0: none). */
static struct { int n, fail_at; } allocs;

static void *malloc_failing(size_t size) {
    return ++allocs.n == allocs.fail_at ? NULL : malloc(size);
}

/* Out of memory anywhere in building the JSON: no document rather than one
 * with a part missing, and the error said. Each allocation cJSON makes
 * fails in turn, until stats needs fewer; what is printed, if anything,
 * holds run 1. */
static void test_json_short_of_memory_prints_all_or_nothing(void **state) {
    struct fixture *f = *state;
    char said_path[160];
    snprintf(said_path, sizeof said_path, "%s/stderr", f->dir);
    fflush(stderr);
    int saved_stderr = dup(2);
    assert_true(saved_stderr >= 0 && freopen(said_path, "w", stderr) != NULL);
    int failures = 0;
    char wrong[600] = ""; /* said once stderr is back */
    for (int fail_at = 1;; fail_at++) {
        struct store *s;
        char err[256] = "";
        if (store_open_readonly(f->path, &s, err, sizeof err) != STORE_OK) {
            snprintf(wrong, sizeof wrong, "store_open_readonly: %s", err);
            break;
        }
        char *text = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&text, &size);
        assert_non_null(out);
        allocs.n = 0;
        allocs.fail_at = fail_at;
        cJSON_Hooks hooks = {.malloc_fn = malloc_failing, .free_fn = free};
        cJSON_InitHooks(&hooks);
        int rc = report_stats(s, f->path, true, out);
        cJSON_InitHooks(NULL);
        fclose(out);
        store_close(s);
        bool failed = allocs.n >= fail_at;
        failures += failed;
        if (failed ? rc != -1 || size != 0 : rc != 0)
            snprintf(wrong, sizeof wrong, "allocation %d %s: rc %d, printed: %.400s", fail_at,
                     failed ? "failed" : "of none failing", rc, text);
        cJSON *d = size ? cJSON_Parse(text) : NULL;
        if (size && !cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(d, "runs"), 0))
            snprintf(wrong, sizeof wrong, "no run 1 in: %.400s", text);
        cJSON_Delete(d);
        free(text);
        if (wrong[0] || !failed)
            break;
    }
    fflush(stderr);
    assert_true(dup2(saved_stderr, 2) == 2);
    close(saved_stderr);
    FILE *in = fopen(said_path, "r");
    assert_non_null(in);
    char line[256];
    int said = 0;
    while (fgets(line, sizeof line, in))
        said += strstr(line, "error: out of memory") != NULL;
    fclose(in);
    if (wrong[0])
        fail_msg("%s", wrong);
    assert_true(failures > 10);
    assert_int_equal(said, failures);
}

int main(void) {
    log_init(LOG_ERROR, false, LOG_FORMAT_TEXT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_held_running_run_is_alive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_running_run_under_a_merge_is_dead, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_dead_runs_note_says_what_its_source_does, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_running_run_under_an_upgrade_is_dead, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_running_run_under_an_optimize_is_dead, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_running_run_under_a_restore_is_dead, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_run_a_load_marked_aborted_since_the_snapshot_is_dead,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_run_that_ended_since_the_snapshot_was_alive, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_an_unreadable_status_with_no_holder_says_why, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_an_unreadable_status_with_a_holder_says_why, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_json_short_of_memory_prints_all_or_nothing, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
