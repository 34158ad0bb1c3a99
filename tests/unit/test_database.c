/* test_database.c - the database as each command opens it: what a failed
 * open leaves (nothing to close), the lock a load holds, a dry run on no
 * database, the language a merge takes from its first input. The tests run
 * in order on one path in a temporary directory: the first two before the
 * database exists, the third creates it (ko-KR), the fourth needs it; the
 * ones after use paths of their own there. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "database.h"
#include "lock.h"
#include "log.h"
#include "store.h"
#include "tempdir.h"

static char dir[] = "/tmp/test_database.XXXXXX";
static char path[256];

static struct options options_for(const char *db) {
    struct options opt;
    memset(&opt, 0, sizeof opt);
    opt.db_path = db;
    opt.language = "ko-KR";
    opt.db_cache = 2 * 1024 * 1024;
    return opt;
}

static void test_a_dry_run_on_no_database_opens_none(void **state) {
    (void)state;
    struct options opt = options_for(path);
    opt.dry_run = true;
    struct store *s = (struct store *)&opt; /* not NULL, to see it set */
    int lock_fd = 7;
    assert_int_equal(database_open_for_load(&opt, &lock_fd, &s), 0);
    assert_null(s);
    assert_int_equal(lock_fd, -1);
    assert_int_equal(access(path, F_OK), -1); /* nothing created */
}

static void test_reports_want_an_existing_database(void **state) {
    (void)state;
    struct store *s = NULL;
    assert_int_equal(database_open_existing(path, &s), EXIT_USAGE);
    assert_null(s);
}

/* A load holds the lock: a second one, or a merge into it, is refused
 * with EXIT_LOCKED (a skip, not a failure), with nothing to close; once
 * closed, the database opens for reading and names its language. */
static void test_a_load_holds_the_lock(void **state) {
    (void)state;
    struct options opt = options_for(path);
    struct store *s = NULL, *again = (struct store *)&opt;
    int lock_fd = -1, lock_again = 7;
    assert_int_equal(database_open_for_load(&opt, &lock_fd, &s), 0);
    assert_non_null(s);
    assert_true(lock_fd >= 0);
    assert_int_equal(database_open_for_load(&opt, &lock_again, &again), EXIT_LOCKED);
    assert_null(again);
    assert_int_equal(lock_again, -1);
    again = (struct store *)&opt;
    lock_again = 7;
    assert_int_equal(database_open_for_merge(path, "ko-KR", &opt, &lock_again, &again),
                     EXIT_LOCKED);
    assert_null(again);
    assert_int_equal(lock_again, -1);
    database_close(s, lock_fd);

    struct store *r = NULL;
    assert_int_equal(database_open_existing(path, &r), 0);
    assert_non_null(r);
    store_close(r);
    char language[64];
    assert_int_equal(database_language(path, language, sizeof language), 0);
    assert_string_equal(language, "ko-KR");
}

/* A merge's output in another language than its inputs' is a usage error;
 * one that cannot be created is fatal; either way nothing to close. */
static void test_a_failed_merge_open_leaves_nothing(void **state) {
    (void)state;
    struct options opt = options_for(path);
    struct store *s = (struct store *)&opt;
    int lock_fd = 7;
    assert_int_equal(database_open_for_merge(path, "en-US", &opt, &lock_fd, &s), EXIT_USAGE);
    assert_null(s);
    assert_int_equal(lock_fd, -1);
    char missing[300];
    snprintf(missing, sizeof missing, "%s/no/such/dir/out.sqlite3", dir);
    s = (struct store *)&opt;
    lock_fd = 7;
    assert_int_equal(database_open_for_merge(missing, "ko-KR", &opt, &lock_fd, &s), EXIT_FATAL);
    assert_null(s);
    assert_int_equal(lock_fd, -1);
    database_close(NULL, -1); /* accepted */
}

/* A path of its own in the temporary directory, for the tests after the
 * first four. */
static void path_of(const char *name, char *out, size_t size) {
    snprintf(out, size, "%s/%s.sqlite3", dir, name);
}

/* Set the schema version of database `db` as another tmdb-ingest would
 * leave it: SQLITE_OK or SQLite's error (also from a child process). */
static int set_user_version(const char *db, int version) {
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", version);
    sqlite3 *h = NULL;
    int rc = sqlite3_open(db, &h);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
    sqlite3_close(h);
    return rc;
}

/* A database of this version made, then marked as of version 6: one a read
 * command must upgrade first. */
static void make_old_database(const char *db) {
    struct options opt = options_for(db);
    struct store *s = NULL;
    int lock_fd = -1;
    assert_int_equal(database_open_for_load(&opt, &lock_fd, &s), 0);
    database_close(s, lock_fd);
    assert_int_equal(set_user_version(db, 6), SQLITE_OK);
}

/* database_open_existing(db), what it logs (at -v) into log: its status. */
static int open_logged(const char *db, char *log, size_t size) {
    FILE *capture = tmpfile();
    assert_non_null(capture);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fileno(capture), STDERR_FILENO), STDERR_FILENO);
    log_init(LOG_INFO, false, LOG_FORMAT_TEXT);
    struct store *s = NULL;
    int code = database_open_existing(db, &s);
    store_close(s);
    fflush(stderr);
    assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
    close(saved);
    log_init(LOG_ERROR, false, LOG_FORMAT_TEXT);
    rewind(capture);
    size_t n = fread(log, 1, size - 1, capture);
    log[n] = '\0';
    fclose(capture);
    return code;
}

static int occurrences(const char *text, const char *what) {
    int n = 0;
    for (const char *at = text; (at = strstr(at, what)) != NULL; at += strlen(what))
        n++;
    return n;
}

/* A reader that meets the lock held (here by a load: 2 s) says what it
 * waits for once, not at every look (every 50 ms): on an old database,
 * then on one with no table yet. */
static void test_a_reader_says_once_what_it_waits_for(void **state) {
    (void)state;
    char old[256], empty[256], err[512];
    static char log[16384];
    path_of("old-waited", old, sizeof old);
    make_old_database(old);
    int held = -1;
    assert_int_equal(lock_acquire(old, LOCK_FOR_LOAD, &held, err, sizeof err), LOCK_OK);
    int code = open_logged(old, log, sizeof log);
    lock_release(held);
    assert_int_equal(code, EXIT_LOCKED);
    assert_int_equal(occurrences(log, "its lock is held by a load: waiting for it"), 1);

    path_of("empty-waited", empty, sizeof empty);
    FILE *f = fopen(empty, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(lock_acquire(empty, LOCK_FOR_LOAD, &held, err, sizeof err), LOCK_OK);
    code = open_logged(empty, log, sizeof log);
    lock_release(held);
    assert_int_equal(code, EXIT_FATAL);
    assert_int_equal(occurrences(log, "waiting for its schema"), 1);
}

/* A database the lock's holder leaves of a newer version while a reader
 * waits (a newer tmdb-ingest's load upgraded it) is refused as one found
 * so at the start: the same exit status. */
static void test_a_database_made_newer_during_the_wait_is_refused_as_found_newer(void **state) {
    (void)state;
    char db[256], err[512], log[4096];
    path_of("made-newer", db, sizeof db);
    make_old_database(db);
    int held = -1;
    assert_int_equal(lock_acquire(db, LOCK_FOR_LOAD, &held, err, sizeof err), LOCK_OK);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        usleep(150 * 1000); /* the reader waiting (for up to 2 s) */
        _exit(set_user_version(db, STORE_SCHEMA_VERSION + 1) == SQLITE_OK ? 0 : 1);
    }
    int during = open_logged(db, log, sizeof log);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    lock_release(held);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    int at_start = open_logged(db, log, sizeof log);
    assert_int_equal(at_start, EXIT_FATAL);
    assert_int_equal(during, at_start);
}

/* With standard input closed (as some daemons start a job), the lock is
 * descriptor 0: database_close() releases it too. */
static void test_close_releases_a_lock_on_descriptor_0(void **state) {
    (void)state;
    char db[256];
    path_of("stdin-closed", db, sizeof db);
    struct options opt = options_for(db);
    struct store *s = NULL;
    int lock_fd = -1, saved = dup(STDIN_FILENO);
    assert_true(saved >= 0);
    close(STDIN_FILENO);
    int first = database_open_for_load(&opt, &lock_fd, &s);
    int first_fd = lock_fd;
    database_close(s, lock_fd);
    int second = database_open_for_load(&opt, &lock_fd, &s);
    database_close(s, lock_fd);
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
    assert_int_equal(first, 0);
    assert_int_equal(first_fd, 0);
    assert_int_equal(second, 0);
}

static int setup(void **state) {
    (void)state;
    log_init(LOG_ERROR, false, LOG_FORMAT_TEXT);
    if (!mkdtemp(dir) || store_global_init() != 0)
        return -1;
    snprintf(path, sizeof path, "%s/db.sqlite3", dir);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    return tempdir_remove(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_dry_run_on_no_database_opens_none),
        cmocka_unit_test(test_reports_want_an_existing_database),
        cmocka_unit_test(test_a_load_holds_the_lock),
        cmocka_unit_test(test_a_failed_merge_open_leaves_nothing),
        cmocka_unit_test(test_a_reader_says_once_what_it_waits_for),
        cmocka_unit_test(test_a_database_made_newer_during_the_wait_is_refused_as_found_newer),
        cmocka_unit_test(test_close_releases_a_lock_on_descriptor_0),
    };
    return cmocka_run_group_tests_name("database", tests, setup, teardown);
}
