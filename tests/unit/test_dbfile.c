/* test_dbfile.c - a database as files on disk: a file is one by its first
 * 16 bytes (an empty or shorter file is not, and is no error); a sync that
 * fails is said (of a file whatever the reason; of a directory unless the
 * filesystem cannot sync one, EINVAL), so that backup and restore never
 * report a copy in place that the disk did not take. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dbfile.h"
#include "tempdir.h"

/* fsync() as the code under test calls it (linked with -Wl,--wrap=fsync,
 * Makefile): fails with failing_errno when it is not 0, else syncs. */
static int failing_errno;

int __real_fsync(int fd);
int __wrap_fsync(int fd);

int __wrap_fsync(int fd) {
    if (failing_errno != 0) {
        errno = failing_errno;
        return -1;
    }
    return __real_fsync(fd);
}

static char dir[] = "/tmp/tmdb-test-dbfile.XXXXXX";
static char file[sizeof dir + 16];

static int setup(void **state) {
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    snprintf(file, sizeof file, "%s/db.sqlite3", dir);
    FILE *f = fopen(file, "w");
    return f && fclose(f) == 0 ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    return tempdir_remove(dir);
}

/* `n` bytes of `bytes` written to `file`. */
static void write_file(const char *bytes, size_t n) {
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void test_a_file_is_a_database_by_its_first_16_bytes(void **state) {
    (void)state;
    /* the 16 bytes with its '\0' */
    static const char magic[] = "SQLite format 3";
    /* a copy a full disk cut to nothing: no database, and no error */
    write_file("", 0);
    errno = 0;
    assert_int_equal(dbfile_is_sqlite(file), 0);
    write_file(magic, 15);
    assert_int_equal(dbfile_is_sqlite(file), 0);
    write_file(magic, 16); /* cut right after the magic: a database cut short */
    assert_int_equal(dbfile_is_sqlite(file), 1);
    write_file("SQLite format 3 is a text of mine", 33);
    assert_int_equal(dbfile_is_sqlite(file), 0);
    char missing[sizeof file + 8];
    snprintf(missing, sizeof missing, "%s.none", file);
    assert_int_equal(dbfile_is_sqlite(missing), -1);
    assert_int_equal(errno, ENOENT);
    write_file("", 0);
}

static void test_a_failed_sync_is_said_but_a_directory_the_filesystem_cannot_sync(void **state) {
    (void)state;
    failing_errno = 0;
    assert_int_equal(dbfile_sync(file, false), 0);
    assert_int_equal(dbfile_sync(dir, true), 0);
    /* the disk failed: of the copy, or of the directory the rename changed */
    failing_errno = EIO;
    assert_int_equal(dbfile_sync(file, false), EIO);
    assert_int_equal(dbfile_sync(dir, true), EIO);
    failing_errno = ENOSPC;
    assert_int_equal(dbfile_sync(dir, true), ENOSPC);
    /* a filesystem that cannot sync a directory: the rename stands */
    failing_errno = EINVAL;
    assert_int_equal(dbfile_sync(dir, true), 0);
    /* but a file it cannot sync is not known to be on the disk */
    assert_int_equal(dbfile_sync(file, false), EINVAL);
    failing_errno = 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_file_is_a_database_by_its_first_16_bytes),
        cmocka_unit_test(test_a_failed_sync_is_said_but_a_directory_the_filesystem_cannot_sync),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
