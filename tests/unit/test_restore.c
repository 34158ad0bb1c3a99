/* test_restore.c - `restore BACKUP` on real database files in a temporary
 * directory: the backup put in place with exactly its rows (its -wal's
 * commits too, none of the replaced database's), the run ids going on past
 * the replaced database's, a lost database restored; and every refusal
 * (a backup missing, not a file, the database itself, not SQLite, not
 * ours, damaged; the lock held; the database open elsewhere; a stop)
 * leaving the database as it was and no temporary file behind. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "lock.h"
#include "restore.h"
#include "stop.h"
#include "store.h"
#include "capture.h"
#include "sqlfile.h"
#include "tempdir.h"

struct fixture {
    char dir[64];
    char db[128];
    char backup[128];
};

/* Commit `sql` to the database at `path` in WAL mode, in a process that
 * then dies without closing it (a load killed): the commit stays in
 * PATH-wal, not in the file. */
static void commit_left_in_wal(const char *path, const char *sql) {
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        sqlite3 *db;
        if (sqlite3_open(path, &db) != SQLITE_OK ||
            sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0", NULL, NULL,
                         NULL) != SQLITE_OK ||
            sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
            _exit(1);
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char wal[160];
    struct stat st;
    snprintf(wal, sizeof wal, "%s-wal", path);
    assert_int_equal(stat(wal, &st), 0);
    assert_true(st.st_size > 0);
}

/* Names in the directory holding ".tmp-" or ".replaced": what a restore
 * leaves behind only when it fails to clean up. */
static int leftovers(const struct fixture *f) {
    DIR *d = opendir(f->dir);
    assert_non_null(d);
    int n = 0;
    const struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strstr(e->d_name, ".tmp-") || strstr(e->d_name, ".replaced");
    closedir(d);
    return n;
}

/* The database and the backup every test starts from, made once (each
 * store_open() and commit is synced to disk) and copied for each test. */
static struct fixture templates;

static int group_setup(void **state) {
    (void)state;
    strcpy(templates.dir, "/tmp/test_restore.XXXXXX");
    if (!mkdtemp(templates.dir))
        return -1;
    snprintf(templates.db, sizeof templates.db, "%s/db.sqlite3", templates.dir);
    snprintf(templates.backup, sizeof templates.backup, "%s/backup.sqlite3", templates.dir);
    sqlfile_make_db(templates.db, 1, 5);     /* movie 1, runs 1 to 5 */
    sqlfile_make_db(templates.backup, 2, 2); /* movie 2, runs 1 and 2 */
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
    strcpy(f->dir, "/tmp/test_restore.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->db, sizeof f->db, "%s/db.sqlite3", f->dir);
    snprintf(f->backup, sizeof f->backup, "%s/backup.sqlite3", f->dir);
    sqlfile_copy(templates.db, f->db);
    sqlfile_copy(templates.backup, f->backup);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    struct fixture *f = *state;
    int rc = tempdir_remove(f->dir);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* restore_run() of f->backup (or `backup`), what it said on stderr in
 * *said. */
static int restore(struct fixture *f, const char *backup, const char **said) {
    capture_stderr_start(f->dir);
    int code = restore_run(f->db, backup ? backup : f->backup, false);
    *said = capture_stderr_end(f->dir);
    return code;
}

/* The database is as setup() made it: movie 1, runs through 5. */
static void assert_database_as_it_was(const struct fixture *f) {
    assert_true(sqlfile_only_movie(f->db, 1));
    assert_int_equal(sqlfile_int(f->db, "SELECT max(id) FROM runs"), 5);
}

/* The backup's rows replace the database's; the backup is only read; the
 * database keeps its mode; nothing is left beside it. */
static void test_the_backup_replaces_the_database(void **state) {
    struct fixture *f = *state;
    assert_int_equal(chmod(f->db, 0640), 0);
    size_t before_size, after_size;
    char *before = sqlfile_contents(f->backup, &before_size);
    const char *said;
    int code = restore(f, NULL, &said);
    if (code != EXIT_OK)
        fail_msg("exit %d: %s", code, said);
    assert_true(sqlfile_only_movie(f->db, 2));
    assert_int_equal(sqlfile_int(f->db, "SELECT count(*) FROM runs"), 2);
    char *after = sqlfile_contents(f->backup, &after_size);
    assert_int_equal(after_size, before_size);
    assert_memory_equal(after, before, before_size);
    free(before);
    free(after);
    struct stat st;
    assert_int_equal(stat(f->db, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    assert_int_equal(leftovers(f), 0);
}

/* The first run on the restored database is numbered past the replaced
 * database's last run (5), not the backup's (2), with the gap for the runs
 * the backup lost: a downstream job's --since never sees a run id twice. */
static void test_runs_are_numbered_past_the_replaced_database(void **state) {
    struct fixture *f = *state;
    const char *said;
    int code = restore(f, NULL, &said);
    if (code != EXIT_OK)
        fail_msg("exit %d: %s", code, said);
    struct store *s;
    char err[256];
    int64_t run = 0;
    assert_int_equal(store_open(f->db, "en-US", &s, err, sizeof err), STORE_OK);
    assert_int_equal(store_run_begin(s, "ids", "ids", "2026-11-27T00:00:00Z", &run), STORE_OK);
    store_close(s);
    assert_int_equal(run, 5 + STORE_RESTORED_RUN_GAP);
}

/* Commits a killed load left in DB-wal belong to the database replaced:
 * none of them reaches the restored one, and DB-wal is gone with it. */
static void test_the_replaced_databases_wal_is_not_read_into_it(void **state) {
    struct fixture *f = *state;
    commit_left_in_wal(f->db, "INSERT INTO movies (id, title, raw_json, language, fetched_at) "
                              "VALUES (3, 'Movie 3', '{}', 'en-US', '2026-11-02T00:00:00Z')");
    const char *said;
    int code = restore(f, NULL, &said);
    if (code != EXIT_OK)
        fail_msg("exit %d: %s", code, said);
    char wal[160];
    snprintf(wal, sizeof wal, "%s-wal", f->db);
    assert_int_equal(access(wal, F_OK), -1);
    assert_true(sqlfile_only_movie(f->db, 2));
    assert_int_equal(leftovers(f), 0);
}

/* A backup in WAL mode with commits in its -wal (a copy of a database
 * taken while a load ran): restored with them, as SQLite reads it. */
static void test_a_backups_wal_commits_are_restored(void **state) {
    struct fixture *f = *state;
    commit_left_in_wal(f->backup, "INSERT INTO movies (id, title, raw_json, language, fetched_at) "
                                  "VALUES (7, 'Movie 7', '{}', 'en-US', '2026-11-02T00:00:00Z')");
    const char *said;
    int code = restore(f, NULL, &said);
    if (code != EXIT_OK)
        fail_msg("exit %d: %s", code, said);
    assert_int_equal(sqlfile_int(f->db, "SELECT count(*) FROM movies WHERE id IN (2, 7)"), 2);
    assert_int_equal(leftovers(f), 0);
}

/* A -wal beside a backup that is not in WAL mode is not the backup's
 * (SQLite never wrote it for that file): not copied, its commits not
 * restored. */
static void test_a_wal_beside_a_backup_in_rollback_mode_is_not_restored(void **state) {
    struct fixture *f = *state;
    char other[160], other_wal[170], wal[160];
    snprintf(other, sizeof other, "%s/other.sqlite3", f->dir);
    snprintf(other_wal, sizeof other_wal, "%s-wal", other);
    snprintf(wal, sizeof wal, "%s-wal", f->backup);
    sqlfile_copy(f->backup, other);
    commit_left_in_wal(other, "INSERT INTO movies (id, title, raw_json, language, fetched_at) "
                              "VALUES (8, 'Movie 8', '{}', 'en-US', '2026-11-02T00:00:00Z')");
    sqlfile_exec(f->backup, "PRAGMA journal_mode=DELETE");
    assert_int_equal(rename(other_wal, wal), 0);
    const char *said;
    int code = restore(f, NULL, &said);
    if (code != EXIT_OK)
        fail_msg("exit %d: %s", code, said);
    assert_true(sqlfile_only_movie(f->db, 2));
}

/* A database that is gone (with its lock file) is restored. */
static void test_a_lost_database_is_restored(void **state) {
    struct fixture *f = *state;
    assert_int_equal(unlink(f->db), 0);
    const char *said;
    int code = restore(f, NULL, &said);
    if (code != EXIT_OK)
        fail_msg("exit %d: %s", code, said);
    assert_true(sqlfile_only_movie(f->db, 2));
}

/* Restored by root into a lost database in a directory that is a
 * service user's (/var/lib/tmdb): the database, and the lock file the
 * restore made, are that user's, or the service's next load could not
 * open them. Skipped when not run as root. */
static void test_a_lost_database_restored_by_root_is_its_directorys_owners(void **state) {
    struct fixture *f = *state;
    if (geteuid() != 0)
        skip();
    char lock[160];
    snprintf(lock, sizeof lock, "%s.lock", f->db);
    assert_int_equal(unlink(f->db), 0);
    unlink(lock);
    assert_int_equal(chown(f->dir, 65534, 65534), 0);
    const char *said;
    int code = restore(f, NULL, &said);
    if (code != EXIT_OK)
        fail_msg("exit %d: %s", code, said);
    struct stat db, lk;
    assert_int_equal(stat(f->db, &db), 0);
    assert_int_equal(stat(lock, &lk), 0);
    assert_int_equal(db.st_uid, 65534);
    assert_int_equal(lk.st_uid, 65534);
    assert_int_equal(lk.st_mode & 0777, db.st_mode & 0777);
}

/* What cannot be restored is refused, saying why and that nothing was
 * restored, with the exit status of its kind; the database as it was. */
static void test_what_is_not_a_backup_is_refused(void **state) {
    struct fixture *f = *state;
    char missing[160], text[160], link[160], other[160], damaged[160];
    snprintf(missing, sizeof missing, "%s/missing.sqlite3", f->dir);
    snprintf(text, sizeof text, "%s/notes.txt", f->dir);
    snprintf(link, sizeof link, "%s/link.sqlite3", f->dir);
    snprintf(other, sizeof other, "%s/other.sqlite3", f->dir);
    snprintf(damaged, sizeof damaged, "%s/damaged.sqlite3", f->dir);
    FILE *out = fopen(text, "w");
    assert_non_null(out);
    fputs("not a database, but long enough to have a header of a hundred bytes or so: "
          "0123456789012345678901234567890123456789\n",
          out);
    assert_int_equal(fclose(out), 0);
    assert_int_equal(symlink(f->db, link), 0);
    sqlfile_exec(other, "CREATE TABLE t (x); INSERT INTO t VALUES (1)");
    size_t size;
    char *bytes = sqlfile_contents(f->backup, &size);
    out = fopen(damaged, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(bytes, 1, size / 2, out), size / 2); /* cut in half */
    assert_int_equal(fclose(out), 0);
    free(bytes);
    const struct {
        const char *backup;
        int code;
        const char *said;
    } cases[] = {
        {missing, EXIT_USAGE, "No such file or directory (nothing restored)"},
        {f->dir, EXIT_USAGE, "is not a file: nothing restored"},
        {f->db, EXIT_USAGE, "is the database itself: nothing restored"},
        {link, EXIT_USAGE, "is the database itself: nothing restored"},
        {text, EXIT_USAGE, "is not a SQLite database: nothing restored"},
        {other, EXIT_USAGE, ""},
        {damaged, EXIT_FATAL, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *said;
        int code = restore(f, cases[i].backup, &said);
        if (code != cases[i].code || !strstr(said, cases[i].said) || !*said)
            fail_msg("%s: exit %d: %s", cases[i].backup, code, said);
        assert_database_as_it_was(f);
        assert_int_equal(leftovers(f), 0);
    }
}

/* A child process that holds `f->db`: its lock for a load (`lock`), or
 * the file open (a reader); it says so on `ready` and waits to be killed. */
static pid_t hold(struct fixture *f, bool lock) {
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    fflush(stdout);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd;
        char err[256];
        if (lock ? lock_acquire(f->db, LOCK_FOR_LOAD, &fd, err, sizeof err) != LOCK_OK
                 : (fd = open(f->db, O_RDONLY)) < 0)
            _exit(1);
        if (write(ready[1], "r", 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    close(ready[1]);
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1);
    close(ready[0]);
    return pid;
}

static void end(pid_t pid) {
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
}

/* A load holding the database's lock: refused (exit 6), the database as
 * it was. */
static void test_a_held_lock_refuses_the_restore(void **state) {
    struct fixture *f = *state;
    pid_t holder = hold(f, true);
    const char *said;
    int code = restore(f, NULL, &said);
    end(holder);
    assert_int_equal(code, EXIT_LOCKED);
    assert_non_null(strstr(said, "nothing restored"));
    assert_database_as_it_was(f);
    assert_int_equal(leftovers(f), 0);
}

/* A process with the database open (a reader, which would write the
 * replaced database's DB-wal into the restored file when it closes):
 * refused (exit 6), naming it; the database as it was. The restoring
 * process's own descriptors are not a reader's. */
static void test_a_process_with_the_database_open_refuses_the_restore(void **state) {
    struct fixture *f = *state;
    pid_t reader = hold(f, false);
    const char *said;
    int code = restore(f, NULL, &said);
    end(reader);
    assert_int_equal(code, EXIT_LOCKED);
    char expected[64];
    snprintf(expected, sizeof expected, "is open in process %ld (", (long)reader);
    if (!strstr(said, expected))
        fail_msg("not named: %s", said);
    assert_database_as_it_was(f);
    assert_int_equal(leftovers(f), 0);

    int own = open(f->db, O_RDONLY);
    assert_true(own >= 0);
    code = restore(f, NULL, &said);
    close(own);
    if (code != EXIT_OK)
        fail_msg("refused for its own descriptor: exit %d: %s", code, said);
}

/* A stop requested (a signal) ends the restore with the signal's exit
 * status, the database as it was, no temporary file left. In a child
 * process: the stop is for good. */
static void test_a_stop_leaves_the_database_as_it_was(void **state) {
    struct fixture *f = *state;
    fflush(stdout);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stderr) || stop_init() != 0)
            _exit(1);
        stop_request(STOP_SIGNAL);
        int code = restore_run(f->db, f->backup, false);
        stop_cleanup();
        exit(code);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), EXIT_SIGINT);
    assert_database_as_it_was(f);
    assert_int_equal(leftovers(f), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_the_backup_replaces_the_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runs_are_numbered_past_the_replaced_database, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_the_replaced_databases_wal_is_not_read_into_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_backups_wal_commits_are_restored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_wal_beside_a_backup_in_rollback_mode_is_not_restored,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_lost_database_is_restored, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_a_lost_database_restored_by_root_is_its_directorys_owners, setup, teardown),
        cmocka_unit_test_setup_teardown(test_what_is_not_a_backup_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_held_lock_refuses_the_restore, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_process_with_the_database_open_refuses_the_restore,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_stop_leaves_the_database_as_it_was, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
