/* test_database.c - the database as each command opens it: what a failed
 * open leaves (nothing to close), the lock a load holds, a dry run on no
 * database, the language a merge takes from its first input. The tests run
 * in order on one path in a temporary directory: the first two before the
 * database exists, the third creates it (ko-KR), the last needs it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "database.h"
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
    };
    return cmocka_run_group_tests_name("database", tests, setup, teardown);
}
