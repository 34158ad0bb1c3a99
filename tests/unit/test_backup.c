/* test_backup.c - `backup DEST` on real database files in a temporary
 * directory: the copy holds every row, is one file in rollback mode, and is renamed into place,
 * over an earlier backup or through a symbolic link; a DEST that writing over could lose something
 * or hand SQLite a file it would damage is refused, nothing written; a copy that fails (a file-size
 * limit, a sync), or that a stop ends (during the copy, or at its sync before the rename), leaves
 * DEST as it was and no temporary file; a name taken at the temporary file's place is never written
 * through. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backup.h"
#include "cli.h"
#include "dbfile.h"
#include "log.h"
#include "stop.h"
#include "store.h"
#include "capture.h"
#include "sqlfile.h"
#include "tempdir.h"

/* fsync() as the code under test calls it (linked with -Wl,--wrap=fsync,
 * Makefile; SQLite's own syncs are not wrapped): as asked by `at_sync`. */
static enum {
    SYNC,           /* sync */
    FAIL_FILE_SYNC, /* fail a file's with EIO */
    FAIL_DIR_SYNC,  /* fail a directory's with EIO */
    STOP_AT_SYNC,   /* a stop requested (a signal) during a file's, which then syncs */
} at_sync;

int __real_fsync(int fd);
int __wrap_fsync(int fd);

int __wrap_fsync(int fd) {
    struct stat st;
    bool dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
    if ((at_sync == FAIL_FILE_SYNC && !dir) || (at_sync == FAIL_DIR_SYNC && dir)) {
        errno = EIO;
        return -1;
    }
    if (at_sync == STOP_AT_SYNC && !dir)
        stop_request(STOP_SIGNAL);
    return __real_fsync(fd);
}

struct fixture {
    char dir[64];
    char db[128];
    char dest[128]; /* an earlier backup: movie 2, runs 1 and 2 */
};

/* A file at `path` holding `text`. */
static void write_text(const char *path, const char *text) {
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    fputs(text, out);
    assert_int_equal(fclose(out), 0);
}

/* Names in the directory holding ".tmp-": what a backup leaves behind
 * only when it fails to clean up. */
static int leftovers(const struct fixture *f) {
    DIR *d = opendir(f->dir);
    assert_non_null(d);
    int n = 0;
    const struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strstr(e->d_name, ".tmp-") != NULL;
    closedir(d);
    return n;
}

/* The database and the earlier backup every test starts from, made once
 * and copied for each test. */
static struct fixture templates;

static int group_setup(void **state) {
    (void)state;
    strcpy(templates.dir, "/tmp/test_backup.XXXXXX");
    if (!mkdtemp(templates.dir))
        return -1;
    snprintf(templates.db, sizeof templates.db, "%s/db.sqlite3", templates.dir);
    snprintf(templates.dest, sizeof templates.dest, "%s/backup.sqlite3", templates.dir);
    sqlfile_make_db(templates.db, 1, 5);   /* movie 1, runs 1 to 5 */
    sqlfile_make_db(templates.dest, 2, 2); /* movie 2, runs 1 and 2 */
    sqlfile_exec(templates.dest, "PRAGMA journal_mode=DELETE");
    log_init(LOG_WARN, false, LOG_FORMAT_TEXT);
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    return tempdir_remove(templates.dir) == 0 ? 0 : -1;
}

static int setup(void **state) {
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    strcpy(f->dir, "/tmp/test_backup.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->db, sizeof f->db, "%s/db.sqlite3", f->dir);
    snprintf(f->dest, sizeof f->dest, "%s/backup.sqlite3", f->dir);
    sqlfile_copy(templates.db, f->db);
    sqlfile_copy(templates.dest, f->dest);
    at_sync = SYNC;
    *state = f;
    return 0;
}

static int teardown(void **state) {
    struct fixture *f = *state;
    int rc = tempdir_remove(f->dir);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* backup_run() of `db` (f->db when NULL) to `dest`, saying so; what it
 * said on stderr in *said. */
static int backup(struct fixture *f, const char *db, const char *dest, const char **said) {
    capture_stderr_start(f->dir);
    int code = backup_run(db ? db : f->db, dest, true);
    *said = capture_stderr_end(f->dir);
    return code;
}

/* The earlier backup is as setup() made it: movie 2, runs 1 and 2. */
static void assert_dest_as_it_was(const struct fixture *f) {
    assert_true(sqlfile_only_movie(f->dest, 2));
    assert_int_equal(sqlfile_int(f->dest, "SELECT max(id) FROM runs"), 2);
}

/* A new DEST holds every row of the database, in one file in rollback
 * mode with nothing beside it, marked with when it was made; the line
 * says what was copied; the database is as it was. */
static void test_the_copy_holds_every_row_in_one_file(void **state) {
    struct fixture *f = *state;
    char dest[160], side[170];
    snprintf(dest, sizeof dest, "%s/new.sqlite3", f->dir);
    const char *said;
    int code = backup(f, NULL, dest, &said);
    if (code != EXIT_OK)
        fail_msg("exit %d: %s", code, said);
    assert_true(sqlfile_only_movie(dest, 1));
    assert_int_equal(sqlfile_int(dest, "SELECT count(*) FROM runs"), 5);
    assert_true(dbfile_in_rollback_mode(dest));
    assert_int_equal(
        sqlfile_int(dest,
                    "SELECT count(*) FROM meta WHERE key = 'backup_made_at' AND value LIKE '20%Z'"),
        1);
    for (int i = 0; i < DBFILE_SIDES; i++) {
        snprintf(side, sizeof side, "%s%s", dest, dbfile_side_suffixes[i]);
        assert_int_equal(access(side, F_OK), -1);
    }
    assert_int_equal(leftovers(f), 0);
    char expected[512];
    snprintf(expected, sizeof expected,
             "tmdb-ingest: backed up %s to %s: 1 movies, runs through 5, ", f->db, dest);
    if (strncmp(said, expected, strlen(expected)) != 0)
        fail_msg("said: %s", said);
    assert_true(sqlfile_only_movie(f->db, 1));
}

/* Not asked to say so (-q), it says nothing. */
static void test_a_quiet_backup_says_nothing(void **state) {
    struct fixture *f = *state;
    capture_stderr_start(f->dir);
    int code = backup_run(f->db, f->dest, false);
    const char *said = capture_stderr_end(f->dir);
    assert_int_equal(code, EXIT_OK);
    assert_string_equal(said, "");
    assert_true(sqlfile_only_movie(f->dest, 1));
}

/* Over an earlier backup, the new copy is renamed into place: a reader
 * of the earlier one (an open descriptor) still reads it whole. */
static void test_an_earlier_backup_is_replaced_by_a_rename(void **state) {
    struct fixture *f = *state;
    size_t before_size;
    char *before = sqlfile_contents(f->dest, &before_size);
    FILE *reader = fopen(f->dest, "rb");
    assert_non_null(reader);
    const char *said;
    int code = backup(f, NULL, f->dest, &said);
    if (code != EXIT_OK)
        fail_msg("exit %d: %s", code, said);
    assert_true(sqlfile_only_movie(f->dest, 1));
    char *old = malloc(before_size + 1);
    assert_non_null(old);
    assert_int_equal(fread(old, 1, before_size + 1, reader), before_size);
    fclose(reader);
    assert_memory_equal(old, before, before_size);
    free(old);
    free(before);
    assert_int_equal(leftovers(f), 0);
}

/* A symbolic link is followed: the file it leads to is replaced, the
 * link stays a link to it. An empty file is a place for a backup, and an
 * empty DEST-wal beside it holds no transaction to fear. */
static void test_a_link_is_followed_and_an_empty_file_written_over(void **state) {
    struct fixture *f = *state;
    char link[160], empty[160], empty_wal[170];
    snprintf(link, sizeof link, "%s/latest.sqlite3", f->dir);
    snprintf(empty, sizeof empty, "%s/empty.sqlite3", f->dir);
    snprintf(empty_wal, sizeof empty_wal, "%s-wal", empty);
    assert_int_equal(symlink("backup.sqlite3", link), 0);
    const char *said;
    int code = backup(f, NULL, link, &said);
    if (code != EXIT_OK)
        fail_msg("exit %d: %s", code, said);
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_true(sqlfile_only_movie(f->dest, 1));
    assert_int_equal(leftovers(f), 0);

    write_text(empty, "");
    write_text(empty_wal, "");
    code = backup(f, NULL, empty, &said);
    if (code != EXIT_OK)
        fail_msg("exit %d: %s", code, said);
    assert_true(sqlfile_only_movie(empty, 1));
}

/* What writing over could lose, or hand SQLite a file it would damage, is
 * refused (exit 2), saying why, with nothing written: DEST as it was, no
 * temporary file, the database as it was. */
static void test_what_must_not_be_written_over_is_refused(void **state) {
    struct fixture *f = *state;
    char subdir[160], link_to_db[160], dangling[160], text[160], fifo[160], wal_of[160],
        journal_of[160], db_link[160], by_other_name[200], side[170];
    snprintf(subdir, sizeof subdir, "%s/sub", f->dir);
    snprintf(link_to_db, sizeof link_to_db, "%s/link.sqlite3", f->dir);
    snprintf(dangling, sizeof dangling, "%s/dangling.sqlite3", f->dir);
    snprintf(text, sizeof text, "%s/notes.txt", f->dir);
    snprintf(fifo, sizeof fifo, "%s/fifo", f->dir);
    snprintf(wal_of, sizeof wal_of, "%s/walled.sqlite3", f->dir);
    snprintf(journal_of, sizeof journal_of, "%s/journaled.sqlite3", f->dir);
    snprintf(db_link, sizeof db_link, "%s/sub/db-link.sqlite3", f->dir);
    snprintf(by_other_name, sizeof by_other_name, "%s/sub/../db.sqlite3-shm", f->dir);
    assert_int_equal(mkdir(subdir, 0700), 0);
    assert_int_equal(symlink(f->db, link_to_db), 0);
    assert_int_equal(symlink("nowhere/x.sqlite3", dangling), 0);
    write_text(text, "notes, not a database\n");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    sqlfile_copy(f->dest, wal_of);
    snprintf(side, sizeof side, "%s-wal", wal_of);
    write_text(side, "a transaction of its own");
    sqlfile_copy(f->dest, journal_of);
    snprintf(side, sizeof side, "%s-journal", journal_of);
    write_text(side, "");
    assert_int_equal(symlink(f->db, db_link), 0);
    const struct {
        const char *db; /* NULL: f->db */
        const char *dest;
        const char *said;
    } cases[] = {
        {NULL, f->dir, "is a directory"},
        {NULL, f->db, "is the database itself"},
        {NULL, link_to_db, "is the database itself"},
        {NULL, dangling, "is a symbolic link to nothing"},
        {NULL, text, "is not a SQLite database: not written over"},
        {NULL, fifo, "is a device, FIFO or socket"},
        {NULL, wal_of, "has transactions of its own beside it"},
        {NULL, journal_of, "has transactions of its own beside it"},
        {NULL, "db.sqlite3.lock", "is a file of the database's own"},
        {NULL, "db.sqlite3-wal", "is a file of the database's own"},
        {NULL, "db.sqlite3-shm", "is a file of the database's own"},
        {NULL, "db.sqlite3-journal", "is a file of the database's own"},
        {NULL, by_other_name, "is a file of the database's own"},
        {db_link, "db.sqlite3-wal", "is a file of the database's own"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t before_size = 0;
        char *before = NULL;
        char dest[200];
        if (cases[i].dest[0] == '/')
            snprintf(dest, sizeof dest, "%s", cases[i].dest);
        else
            snprintf(dest, sizeof dest, "%s/%s", f->dir, cases[i].dest);
        struct stat st;
        bool there = stat(dest, &st) == 0 && S_ISREG(st.st_mode);
        if (there)
            before = sqlfile_contents(dest, &before_size);
        const char *said;
        int code = backup(f, cases[i].db, dest, &said);
        if (code != EXIT_USAGE || !strstr(said, cases[i].said))
            fail_msg("%s: exit %d: %s", dest, code, said);
        if (there) {
            size_t after_size;
            char *after = sqlfile_contents(dest, &after_size);
            assert_int_equal(after_size, before_size);
            assert_memory_equal(after, before, before_size);
            free(after);
        } else if (strstr(cases[i].said, "database's own")) {
            assert_int_equal(access(dest, F_OK), -1); /* not made */
        }
        free(before);
        assert_int_equal(leftovers(f), 0);
        assert_true(sqlfile_only_movie(f->db, 1));
    }
}

/* The database's own files named by a bare name, from its directory, are
 * refused too. */
static void test_the_databases_files_by_a_bare_name_are_refused(void **state) {
    struct fixture *f = *state;
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(f->dir), 0);
    const char *said;
    int code = backup(f, "db.sqlite3", "db.sqlite3-wal", &said);
    assert_int_equal(chdir(cwd), 0);
    if (code != EXIT_USAGE || !strstr(said, "is a file of the database's own"))
        fail_msg("exit %d: %s", code, said);
}

/* No database there: a usage error, nothing made. */
static void test_a_missing_database_is_a_usage_error(void **state) {
    struct fixture *f = *state;
    char missing[160], dest[160];
    snprintf(missing, sizeof missing, "%s/missing.sqlite3", f->dir);
    snprintf(dest, sizeof dest, "%s/new.sqlite3", f->dir);
    const char *said;
    int code = backup(f, missing, dest, &said);
    if (code != EXIT_USAGE || !strstr(said, "no such database"))
        fail_msg("exit %d: %s", code, said);
    assert_int_equal(access(dest, F_OK), -1);
    assert_int_equal(access(missing, F_OK), -1);
    assert_int_equal(leftovers(f), 0);
}

/* A DEST whose directory is not there: fatal (1), said once, naming the
 * directory. */
static void test_a_dest_in_a_missing_directory_is_an_error(void **state) {
    struct fixture *f = *state;
    char dest[160], expected[200];
    snprintf(dest, sizeof dest, "%s/gone/new.sqlite3", f->dir);
    snprintf(expected, sizeof expected, "%s/gone: cannot make the backup there: ", f->dir);
    const char *said;
    int code = backup(f, NULL, dest, &said);
    if (code != EXIT_FATAL || strncmp(said, "tmdb-ingest: error: ", 20) != 0 ||
        strncmp(said + 20, expected, strlen(expected)) != 0 ||
        strchr(said, '\n') != said + strlen(said) - 1)
        fail_msg("exit %d: %s", code, said);
}

/* The temporary file's name taken (a file, or a link planted there) is
 * not written through: another name is taken, what was there is left. */
static void test_a_taken_temporary_name_is_not_written_through(void **state) {
    struct fixture *f = *state;
    char taken[200], victim[160];
    snprintf(taken, sizeof taken, "%s.tmp-%ld", f->dest, (long)getpid());
    snprintf(victim, sizeof victim, "%s/victim", f->dir);
    write_text(victim, "not to be written\n");
    assert_int_equal(symlink(victim, taken), 0);
    const char *said;
    int code = backup(f, NULL, f->dest, &said);
    if (code != EXIT_OK)
        fail_msg("exit %d: %s", code, said);
    assert_true(sqlfile_only_movie(f->dest, 1));
    size_t size;
    char *text = sqlfile_contents(victim, &size);
    assert_string_equal(text, "not to be written\n");
    free(text);
    struct stat st;
    assert_int_equal(lstat(taken, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(leftovers(f), 1); /* the link, only */
}

/* The copy cannot be synced to disk: fatal, said, DEST as it was, no
 * temporary file. */
static void test_a_copy_not_synced_leaves_dest_as_it_was(void **state) {
    struct fixture *f = *state;
    at_sync = FAIL_FILE_SYNC;
    const char *said;
    int code = backup(f, NULL, f->dest, &said);
    if (code != EXIT_FATAL || !strstr(said, "syncing the backup: Input/output error"))
        fail_msg("exit %d: %s", code, said);
    assert_dest_as_it_was(f);
    assert_int_equal(leftovers(f), 0);
}

/* The rename made, its directory cannot be synced: the backup may not
 * survive a power loss, which is said (fatal). */
static void test_a_rename_not_synced_is_an_error(void **state) {
    struct fixture *f = *state;
    at_sync = FAIL_DIR_SYNC;
    const char *said;
    int code = backup(f, NULL, f->dest, &said);
    if (code != EXIT_FATAL || !strstr(said, "syncing the directory after writing"))
        fail_msg("exit %d: %s", code, said);
    assert_int_equal(leftovers(f), 0);
}

/* In a child process (a stop is for good; a file-size limit stays):
 * `setup_child` (stop_init() done) then backup_run() of f->db to f->dest;
 * its exit status, what it said in *said. */
static int backup_in_child(struct fixture *f, void (*setup_child)(void), const char **said) {
    fflush(stdout);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(60);
        capture_stderr_start(f->dir);
        if (stop_init() != 0)
            _exit(100);
        setup_child();
        int code = backup_run(f->db, f->dest, true);
        stop_cleanup();
        fflush(stderr);
        _exit(code);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status))
        fail_msg("the child ended by signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    static char text[4096];
    char path[160];
    snprintf(path, sizeof path, "%s/stderr", f->dir);
    FILE *in = fopen(path, "r");
    assert_non_null(in);
    text[fread(text, 1, sizeof text - 1, in)] = '\0';
    fclose(in);
    *said = text;
    return WEXITSTATUS(status);
}

static void stop_now(void) {
    stop_request(STOP_SIGNAL);
}

static void stop_at_the_sync(void) {
    at_sync = STOP_AT_SYNC;
}

/* A file-size limit (ulimit -f, LimitFSIZE=) below the copy's size:
 * SIGXFSZ ignored, as main has it, a write fails (EFBIG). */
static void limit_file_size(void) {
    struct rlimit limit = {.rlim_cur = 65536, .rlim_max = RLIM_INFINITY};
    if (stop_ignore_write_signals() != 0 || setrlimit(RLIMIT_FSIZE, &limit) != 0)
        _exit(101);
}

/* A stop (a signal) before or during the copy ends it with the signal's
 * exit status: DEST as it was, no temporary file. */
static void test_a_stop_leaves_dest_as_it_was(void **state) {
    struct fixture *f = *state;
    const char *said;
    int code = backup_in_child(f, stop_now, &said);
    if (code != EXIT_SIGINT)
        fail_msg("exit %d: %s", code, said);
    assert_dest_as_it_was(f);
    assert_int_equal(leftovers(f), 0);
}

/* A stop that comes once the copy is whole, while it is synced, still
 * comes before the rename: DEST as it was, no temporary file. */
static void test_a_stop_at_the_sync_comes_before_the_rename(void **state) {
    struct fixture *f = *state;
    const char *said;
    int code = backup_in_child(f, stop_at_the_sync, &said);
    if (code != EXIT_SIGINT)
        fail_msg("exit %d: %s", code, said);
    assert_dest_as_it_was(f);
    assert_int_equal(leftovers(f), 0);
}

/* A copy that fails part-way (a file-size limit, as a full disk): fatal,
 * DEST as it was, no temporary file. */
static void test_a_failed_copy_leaves_dest_as_it_was(void **state) {
    struct fixture *f = *state;
    struct stat st;
    assert_int_equal(stat(f->db, &st), 0);
    /* the copy cannot fit under the limit; DB-shm (32 KiB), which opening it
     * makes, can */
    assert_true(st.st_size > 65536);
    const char *said;
    int code = backup_in_child(f, limit_file_size, &said);
    if (code != EXIT_FATAL || !strstr(said, "File too large") || !strstr(said, "left as it was"))
        fail_msg("exit %d: %s", code, said);
    assert_dest_as_it_was(f);
    assert_int_equal(leftovers(f), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_the_copy_holds_every_row_in_one_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_quiet_backup_says_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_earlier_backup_is_replaced_by_a_rename, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_link_is_followed_and_an_empty_file_written_over,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_what_must_not_be_written_over_is_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_the_databases_files_by_a_bare_name_are_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_missing_database_is_a_usage_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_dest_in_a_missing_directory_is_an_error, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_taken_temporary_name_is_not_written_through, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_copy_not_synced_leaves_dest_as_it_was, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_rename_not_synced_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_stop_leaves_dest_as_it_was, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_stop_at_the_sync_comes_before_the_rename, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_failed_copy_leaves_dest_as_it_was, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
