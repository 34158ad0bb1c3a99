/* test_lock.c - the lock a load holds on "<db>.lock", and lock_query(),
 * which tells whether a live process holds it without taking it. Each test
 * uses its own database path in a temporary directory (no database file is
 * needed: the lock names a path). */
#define _GNU_SOURCE /* unshare(), CLONE_NEWNS */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lock.h"
#include "log.h"
#include "tempdir.h"

static char dir[] = "/tmp/test_lock.XXXXXX";

/* fopen() as lock.c calls it: fopen64(), as glibc names it with
 * _FILE_OFFSET_BITS=64 (linked with -Wl,--wrap=fopen64, Makefile):
 * while proc_locks_misses is above 0, an open of /proc/locks reads as one
 * that missed the holder's line, and counts down. The kernel makes that
 * file a page at a time, each read(2) going on from the index where the
 * last one stopped: a lock listed before the holder's that is released
 * between two reads (SQLite's come and go all the time on a busy machine)
 * moves the holder's line into the page already read, and it is not seen. */
static int proc_locks_misses;
FILE *__real_fopen64(const char *path, const char *mode);
FILE *__wrap_fopen64(const char *path, const char *mode);
FILE *__wrap_fopen64(const char *path, const char *mode) {
    static char others[] = "1: POSIX  ADVISORY  READ 1 00:00:1 0 EOF\n";
    if (proc_locks_misses > 0 && strcmp(path, "/proc/locks") == 0) {
        proc_locks_misses--;
        return fmemopen(others, strlen(others), "r");
    }
    return __real_fopen64(path, mode);
}

/* A database path of its own for each test, and its lock file's. */
struct paths {
    char db[200];
    char lock[256];
};

static struct paths paths(const char *name) {
    struct paths p;
    snprintf(p.db, sizeof p.db, "%s/%s.sqlite3", dir, name);
    snprintf(p.lock, sizeof p.lock, "%s.lock", p.db);
    return p;
}

static enum lock_holder query(const char *db, char *why, size_t size) {
    why[0] = '\0';
    enum lock_use use;
    return lock_query(db, &use, why, size);
}

/* No lock file: no load or merge ever ran on it, so none runs now; and
 * the query makes nothing (stats also reads read-only filesystems). */
static void test_no_lock_file_is_no_holder(void **state) {
    (void)state;
    char why[600];
    struct paths p = paths("never");
    assert_int_equal(query(p.db, why, sizeof why), LOCK_HOLDER_NONE);
    assert_int_equal(access(p.lock, F_OK), -1);
}

/* The holder is seen, from another open file description (as another
 * process would query); a query closing its descriptor releases nothing
 * (a classic POSIX lock would be dropped by any close in the process),
 * and a second load is still refused (the read lock took nothing from the
 * flock). Released, it is gone. */
static void test_a_holder_is_seen_and_keeps_its_lock(void **state) {
    (void)state;
    char why[600], err[512];
    struct paths p = paths("held");
    int fd = -1, again = -1;
    assert_int_equal(lock_acquire(p.db, LOCK_FOR_LOAD, &fd, err, sizeof err), LOCK_OK);
    assert_int_equal(query(p.db, why, sizeof why), LOCK_HOLDER_LIVE);
    assert_int_equal(query(p.db, why, sizeof why), LOCK_HOLDER_LIVE);
    assert_int_equal(lock_acquire(p.db, LOCK_FOR_LOAD, &again, err, sizeof err), LOCK_BUSY);
    assert_int_equal(again, -1);
    lock_release(fd);
    assert_int_equal(query(p.db, why, sizeof why), LOCK_HOLDER_NONE);
    /* a query while free took nothing: the next load gets the lock */
    assert_int_equal(lock_acquire(p.db, LOCK_FOR_LOAD, &fd, err, sizeof err), LOCK_OK);
    lock_release(fd);
}

/* Each use (a load, a merge into the database, a schema upgrade) is seen
 * as itself, so stats takes only a load for a run's process; and each
 * keeps a second load out (the flock, whatever the use). */
static void test_each_use_is_seen_as_itself(void **state) {
    (void)state;
    char why[600], err[512];
    struct paths p = paths("uses");
    const enum lock_use uses[] = {LOCK_FOR_LOAD, LOCK_FOR_MERGE, LOCK_FOR_UPGRADE,
                                  LOCK_FOR_OPTIMIZE, LOCK_FOR_RESTORE};
    for (size_t i = 0; i < sizeof uses / sizeof *uses; i++) {
        int fd = -1, again = -1;
        enum lock_use seen = LOCK_FOR_LOAD;
        assert_int_equal(lock_acquire(p.db, uses[i], &fd, err, sizeof err), LOCK_OK);
        why[0] = '\0';
        assert_int_equal(lock_query(p.db, &seen, why, sizeof why), LOCK_HOLDER_LIVE);
        assert_int_equal(seen, uses[i]);
        assert_int_equal(lock_acquire(p.db, LOCK_FOR_LOAD, &again, err, sizeof err), LOCK_BUSY);
        assert_int_equal(lock_acquire(p.db, LOCK_FOR_MERGE, &again, err, sizeof err), LOCK_BUSY);
        assert_int_equal(again, -1);
        lock_release(fd);
        assert_int_equal(query(p.db, why, sizeof why), LOCK_HOLDER_NONE);
    }
}

/* A child process that takes the lock of `db` for a load and holds it
 * until it is killed: its pid, and in *ready 'y' once it holds the lock
 * ('n' when it could not take it). The caller kills it before it asserts
 * anything, so that a failing assertion leaves no process behind. */
static pid_t hold_in_child(const char *db, char *ready) {
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char err[512];
        int fd;
        char c = lock_acquire(db, LOCK_FOR_LOAD, &fd, err, sizeof err) == LOCK_OK ? 'y' : 'n';
        if (write(fds[1], &c, 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    close(fds[1]);
    if (read(fds[0], ready, 1) != 1)
        *ready = 'n';
    close(fds[0]);
    return pid;
}

/* A holder killed (kill -9): the kernel drops its locks, and the query
 * says nobody holds the database. */
static void test_a_killed_holder_is_gone(void **state) {
    (void)state;
    char why[600];
    struct paths p = paths("killed");
    char c;
    pid_t pid = hold_in_child(p.db, &c);
    enum lock_holder alive = query(p.db, why, sizeof why);
    /* killed before any assertion: a failing one must not leave it behind */
    int killed = kill(pid, SIGKILL), status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(killed, 0);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(c, 'y');
    assert_int_equal(alive, LOCK_HOLDER_LIVE);
    assert_int_equal(query(p.db, why, sizeof why), LOCK_HOLDER_NONE);
}

/* The holder's process is named, and its stop seen (a load suspended by
 * Ctrl-Z in a forgotten shell keeps every load out): by lock_holder_pid()
 * and in the refusal of another's lock_acquire(). Nobody holding it, and
 * no lock file at all: no process. */
static void test_the_holders_process_and_its_stop_are_named(void **state) {
    (void)state;
    struct paths p = paths("stopped");
    bool stopped = true;
    assert_int_equal(lock_holder_pid(p.db, &stopped), 0); /* no lock file */
    assert_false(stopped);
    char c;
    pid_t pid = hold_in_child(p.db, &c);
    long running = lock_holder_pid(p.db, &stopped);
    bool running_stopped = stopped;
    char err[512] = "", err_stopped[512] = "";
    int fd = -1, status = 0;
    enum lock_status busy = lock_acquire(p.db, LOCK_FOR_LOAD, &fd, err, sizeof err);
    int stop_sent = kill(pid, SIGSTOP);
    pid_t seen = waitpid(pid, &status, WUNTRACED); /* stopped now, as /proc says */
    long held_stopped = lock_holder_pid(p.db, &stopped);
    lock_acquire(p.db, LOCK_FOR_LOAD, &fd, err_stopped, sizeof err_stopped);
    /* killed before any assertion: a failing one must not leave it behind */
    kill(pid, SIGKILL);
    kill(pid, SIGCONT);
    waitpid(pid, NULL, 0);
    assert_int_equal(c, 'y');
    assert_int_equal(running, pid);
    assert_false(running_stopped);
    assert_int_equal(busy, LOCK_BUSY);
    char want[64];
    snprintf(want, sizeof want, ".lock: process %ld)", (long)pid);
    assert_non_null(strstr(err, want));
    assert_int_equal(stop_sent, 0);
    assert_int_equal(seen, pid);
    assert_true(WIFSTOPPED(status));
    assert_int_equal(held_stopped, pid);
    assert_true(stopped);
    snprintf(want, sizeof want, "process %ld, which is stopped", (long)pid);
    assert_non_null(strstr(err_stopped, want));
    assert_int_equal(lock_holder_pid(p.db, &stopped), 0); /* the holder gone */
    assert_false(stopped);
}

/* The holder is named also when a read of /proc/locks misses its line
 * (read in pages while other locks come and go): the lock is held, so
 * /proc/locks is read again. It went unnamed now and then under load, and
 * a stopped load with it. */
static void test_the_holder_is_named_when_a_read_misses_it(void **state) {
    (void)state;
    struct paths p = paths("missed");
    char c;
    pid_t pid = hold_in_child(p.db, &c);
    bool stopped = true;
    proc_locks_misses = 1;
    long named = lock_holder_pid(p.db, &stopped);
    char err[512] = "";
    int fd = -1;
    proc_locks_misses = 1;
    enum lock_status busy = lock_acquire(p.db, LOCK_FOR_LOAD, &fd, err, sizeof err);
    proc_locks_misses = 0;
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    assert_int_equal(c, 'y');
    assert_int_equal(named, pid);
    assert_false(stopped);
    assert_int_equal(busy, LOCK_BUSY);
    char want[64];
    snprintf(want, sizeof want, ".lock: process %ld)", (long)pid);
    if (!strstr(err, want))
        fail_msg("not named: %s", err);
}

/* A lock file that cannot be used (a symlink, never followed; a
 * directory): cannot tell, saying why. */
static void test_an_unusable_lock_file_cannot_tell(void **state) {
    (void)state;
    char why[600];
    struct paths p = paths("symlink");
    assert_int_equal(symlink("/dev/null", p.lock), 0);
    assert_int_equal(query(p.db, why, sizeof why), LOCK_HOLDER_UNKNOWN);
    assert_non_null(strstr(why, "it is a symbolic link"));
    assert_non_null(strstr(why, p.lock));
    p = paths("directory");
    assert_int_equal(mkdir(p.lock, 0755), 0);
    assert_int_equal(query(p.db, why, sizeof why), LOCK_HOLDER_UNKNOWN);
    assert_non_null(strstr(why, "not a regular file"));
}

/* A lock file in whose place is a directory or a FIFO (made by hand, a
 * botched restore): a load is refused, naming it, and does not hang on the
 * FIFO. */
static void test_a_lock_file_not_regular_is_refused(void **state) {
    (void)state;
    char err[512];
    struct paths p = paths("dir-lock");
    assert_int_equal(mkdir(p.lock, 0755), 0);
    int fd = -1;
    err[0] = '\0';
    assert_int_equal(lock_acquire(p.db, LOCK_FOR_LOAD, &fd, err, sizeof err), LOCK_ERROR);
    assert_int_equal(fd, -1);
    assert_non_null(strstr(err, "cannot use the lock file "));
    assert_non_null(strstr(err, p.lock));
    assert_non_null(strstr(err, ": it is not a regular file"));
    p = paths("fifo-lock");
    assert_int_equal(mkfifo(p.lock, 0644), 0);
    err[0] = '\0';
    assert_int_equal(lock_acquire(p.db, LOCK_FOR_LOAD, &fd, err, sizeof err), LOCK_ERROR);
    assert_int_equal(fd, -1);
    assert_non_null(strstr(err, ": it is not a regular file"));
}

/* A database path whose symbolic links loop, or lead to a path longer than
 * PATH_MAX: a load and a query are refused, naming the path given, and
 * nothing is made beside it. */
static void test_a_path_that_cannot_be_followed_is_refused(void **state) {
    (void)state;
    char a[300], b[300], lock[320], err[512], why[600];
    snprintf(a, sizeof a, "%s/loop-a.sqlite3", dir);
    snprintf(b, sizeof b, "%s/loop-b.sqlite3", dir);
    assert_int_equal(symlink(b, a), 0);
    assert_int_equal(symlink(a, b), 0);
    int fd = -1;
    err[0] = why[0] = '\0';
    assert_int_equal(lock_acquire(a, LOCK_FOR_LOAD, &fd, err, sizeof err), LOCK_ERROR);
    assert_int_equal(fd, -1);
    assert_non_null(strstr(err, a));
    assert_non_null(strstr(err, ": symbolic links in a loop"));
    assert_int_equal(query(a, why, sizeof why), LOCK_HOLDER_UNKNOWN);
    assert_non_null(strstr(why, a));
    assert_non_null(strstr(why, "symbolic links in a loop"));
    snprintf(lock, sizeof lock, "%s.lock", a);
    assert_int_equal(access(lock, F_OK), -1);
    snprintf(lock, sizeof lock, "%s.lock", b);
    assert_int_equal(access(lock, F_OK), -1);

    /* a relative link: its directory and its target, together past PATH_MAX */
    static char target[4080 + 1];
    memset(target, 'x', sizeof target - 1);
    snprintf(a, sizeof a, "%s/long.sqlite3", dir);
    assert_int_equal(symlink(target, a), 0);
    err[0] = '\0';
    assert_int_equal(lock_acquire(a, LOCK_FOR_LOAD, &fd, err, sizeof err), LOCK_ERROR);
    assert_int_equal(fd, -1);
    assert_non_null(strstr(err, a));
    assert_non_null(strstr(err, ": path too long"));
}

/* The lock of a symlink to the database is the file's: so is the query. */
static void test_a_symlink_queries_the_files_lock(void **state) {
    (void)state;
    char link[300], why[600], err[512];
    struct paths p = paths("target");
    snprintf(link, sizeof link, "%s/link.sqlite3", dir);
    assert_int_equal(symlink(p.db, link), 0);
    int fd = -1;
    assert_int_equal(lock_acquire(p.db, LOCK_FOR_LOAD, &fd, err, sizeof err), LOCK_OK);
    assert_int_equal(query(link, why, sizeof why), LOCK_HOLDER_LIVE);
    lock_release(fd);
    assert_int_equal(query(link, why, sizeof why), LOCK_HOLDER_NONE);
}

/* A chain of symbolic links is followed as far as the kernel follows one
 * (40 links: its lock is the file's), and refused one link further, as
 * open() would refuse it. */
static void test_links_are_followed_as_far_as_the_kernel_does(void **state) {
    (void)state;
    char link[300], prev[300], why[600], err[512];
    struct paths p = paths("chain");
    snprintf(prev, sizeof prev, "%s", p.db);
    for (int i = 1; i <= 41; i++) {
        snprintf(link, sizeof link, "%s/chain-%d", dir, i);
        assert_int_equal(symlink(prev, link), 0);
        snprintf(prev, sizeof prev, "%s", link);
    }
    int fd = -1;
    assert_int_equal(lock_acquire(p.db, LOCK_FOR_LOAD, &fd, err, sizeof err), LOCK_OK);
    snprintf(link, sizeof link, "%s/chain-40", dir);
    assert_int_equal(query(link, why, sizeof why), LOCK_HOLDER_LIVE);
    lock_release(fd);
    snprintf(link, sizeof link, "%s/chain-41", dir);
    err[0] = '\0';
    assert_int_equal(lock_acquire(link, LOCK_FOR_LOAD, &fd, err, sizeof err), LOCK_ERROR);
    assert_non_null(strstr(err, ": symbolic links in a loop"));
}

/* A relative symlink names its target from the link's directory: its lock
 * is the target's (a link name of another length than the target's, so
 * that no part of the link's name can pass for the target's). */
static void test_a_relative_symlink_shares_the_files_lock(void **state) {
    (void)state;
    char link[300], why[600], err[512];
    struct paths p = paths("rel");
    snprintf(link, sizeof link, "%s/relative-link.sqlite3", dir);
    assert_int_equal(symlink("rel.sqlite3", link), 0);
    int fd = -1, again = -1;
    assert_int_equal(lock_acquire(link, LOCK_FOR_LOAD, &fd, err, sizeof err), LOCK_OK);
    assert_int_equal(access(p.lock, F_OK), 0); /* made beside the target */
    assert_int_equal(lock_acquire(p.db, LOCK_FOR_LOAD, &again, err, sizeof err), LOCK_BUSY);
    lock_release(fd);
    assert_int_equal(lock_acquire(p.db, LOCK_FOR_LOAD, &fd, err, sizeof err), LOCK_OK);
    assert_int_equal(query(link, why, sizeof why), LOCK_HOLDER_LIVE);
    lock_release(fd);
}

/* How `fd` is open: O_RDONLY, O_WRONLY or O_RDWR (-1 on error). */
static int access_mode(int fd) {
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fl & O_ACCMODE;
}

/* Read-write, made or found: on NFS, which emulates flock with a POSIX
 * write lock, an exclusive flock on a descriptor not open for writing
 * fails (EBADF), so every load failed there when it was read-only. */
static void test_the_lock_file_is_opened_read_write(void **state) {
    (void)state;
    char err[512];
    struct paths p = paths("read-write");
    int fd = -1;
    assert_int_equal(lock_acquire(p.db, LOCK_FOR_LOAD, &fd, err, sizeof err), LOCK_OK);
    assert_int_equal(access_mode(fd), O_RDWR); /* made by this call */
    lock_release(fd);
    assert_int_equal(lock_acquire(p.db, LOCK_FOR_UPGRADE, &fd, err, sizeof err), LOCK_OK);
    assert_int_equal(access_mode(fd), O_RDWR); /* found in place */
    lock_release(fd);
}

/* What a child that may not write the lock file finds; 0 when all is as
 * it should be, else which check failed. */
enum read_only_check {
    READ_ONLY_OK = 0,
    READ_ONLY_NOT_LOCKED = 1,
    READ_ONLY_NOT_READ_ONLY = 2,
    READ_ONLY_NOT_SEEN = 3,
    READ_ONLY_NOT_EXCLUSIVE = 4,
    READ_ONLY_NOT_RELEASED = 5,
    READ_ONLY_CANNOT_SET_UP = 100, /* no other user to become, no mount namespace */
};

static int lock_read_only(const char *db) {
    char err[512], why[600];
    int fd = -1, again = -1;
    enum lock_use use = LOCK_FOR_LOAD;
    if (lock_acquire(db, LOCK_FOR_MERGE, &fd, err, sizeof err) != LOCK_OK)
        return READ_ONLY_NOT_LOCKED;
    if (access_mode(fd) != O_RDONLY)
        return READ_ONLY_NOT_READ_ONLY;
    if (lock_query(db, &use, why, sizeof why) != LOCK_HOLDER_LIVE || use != LOCK_FOR_MERGE)
        return READ_ONLY_NOT_SEEN;
    if (lock_acquire(db, LOCK_FOR_LOAD, &again, err, sizeof err) != LOCK_BUSY)
        return READ_ONLY_NOT_EXCLUSIVE;
    lock_release(fd);
    if (lock_acquire(db, LOCK_FOR_LOAD, &again, err, sizeof err) != LOCK_OK)
        return READ_ONLY_NOT_RELEASED;
    lock_release(again);
    return READ_ONLY_OK;
}

/* Wait for child `pid`, which set up its case and ran lock_read_only():
 * skipped when it could not set the case up, else it found all well. */
static void assert_read_only_child(pid_t pid) {
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == READ_ONLY_CANNOT_SET_UP)
        skip();
    assert_int_equal(WEXITSTATUS(status), READ_ONLY_OK);
}

/* A lock file this user may not write (root's, made by a run by hand; or
 * mode 0444) is opened read-only, and locks as before: seen by a query,
 * exclusive, released. As root, whom modes do not stop, a child drops to
 * nobody to meet root's file as the service user does. */
static void test_a_lock_file_not_writable_still_locks(void **state) {
    (void)state;
    char err[512];
    struct paths p = paths("read-only");
    int fd = -1;
    assert_int_equal(lock_acquire(p.db, LOCK_FOR_LOAD, &fd, err, sizeof err), LOCK_OK);
    lock_release(fd);
    assert_int_equal(chmod(p.lock, 0444), 0);
    assert_int_equal(chmod(dir, 0711), 0); /* nobody may reach it */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (geteuid() == 0 && (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0))
            _exit(READ_ONLY_CANNOT_SET_UP);
        _exit(lock_read_only(p.db));
    }
    assert_read_only_child(pid); /* skipped: root without the right to become another user */
}

/* A lock file on a read-only filesystem (a snapshot, a read-only volume;
 * EROFS, whoever asks) is opened read-only and locks as before. The
 * filesystem is made read-only for a child alone: a read-only bind mount
 * in a mount namespace of its own (skipped where one cannot be made). */
static void test_a_lock_file_on_a_read_only_filesystem_still_locks(void **state) {
    (void)state;
    char err[512];
    struct paths p = paths("read-only-fs");
    int fd = -1;
    assert_int_equal(lock_acquire(p.db, LOCK_FOR_LOAD, &fd, err, sizeof err), LOCK_OK);
    lock_release(fd);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
            mount(dir, dir, NULL, MS_BIND, NULL) != 0 ||
            mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) != 0)
            _exit(READ_ONLY_CANNOT_SET_UP);
        int probe = open(p.lock, O_RDWR);
        if (probe >= 0 || errno != EROFS)
            _exit(READ_ONLY_CANNOT_SET_UP); /* not the case this is about */
        _exit(lock_read_only(p.db));
    }
    assert_read_only_child(pid); /* skipped: no mount namespace here */
}

/* With standard input closed (as some daemons start a job), the lock file
 * is descriptor 0: one root makes is still given to the database's owner,
 * without a word, and released is released. */
static void test_a_lock_on_descriptor_0_is_given_and_released(void **state) {
    (void)state;
    char err[512], log[1024];
    struct paths p = paths("stdin-closed");
    int made = open(p.db, O_WRONLY | O_CREAT | O_EXCL, 0644);
    assert_true(made >= 0);
    close(made);
    const bool root = geteuid() == 0;
    if (root)
        assert_int_equal(chown(p.db, 65534, 65534), 0);
    FILE *capture = tmpfile();
    assert_non_null(capture);
    fflush(stderr);
    int saved_err = dup(STDERR_FILENO), saved_in = dup(STDIN_FILENO);
    assert_true(saved_err >= 0 && saved_in >= 0);
    assert_int_equal(dup2(fileno(capture), STDERR_FILENO), STDERR_FILENO);
    log_init(LOG_DEBUG, false, LOG_FORMAT_TEXT);
    close(STDIN_FILENO);
    int fd = -1, again = -1;
    enum lock_status first = lock_acquire(p.db, LOCK_FOR_LOAD, &fd, err, sizeof err);
    struct stat lk;
    int stat_rc = stat(p.lock, &lk);
    lock_release(fd);
    enum lock_status second = lock_acquire(p.db, LOCK_FOR_LOAD, &again, err, sizeof err);
    lock_release(again);
    assert_int_equal(dup2(saved_in, STDIN_FILENO), STDIN_FILENO);
    fflush(stderr);
    assert_int_equal(dup2(saved_err, STDERR_FILENO), STDERR_FILENO);
    close(saved_in);
    close(saved_err);
    log_init(LOG_ERROR, false, LOG_FORMAT_TEXT);
    rewind(capture);
    size_t n = fread(log, 1, sizeof log - 1, capture);
    log[n] = '\0';
    fclose(capture);
    assert_int_equal(first, LOCK_OK);
    assert_int_equal(fd, 0);
    assert_int_equal(stat_rc, 0);
    if (root) {
        assert_int_equal(lk.st_uid, 65534);
        assert_null(strstr(log, "could not give"));
    }
    assert_int_equal(second, LOCK_OK);
}

static int setup(void **state) {
    (void)state;
    log_init(LOG_ERROR, false, LOG_FORMAT_TEXT);
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    return tempdir_remove(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_lock_file_is_no_holder),
        cmocka_unit_test(test_a_holder_is_seen_and_keeps_its_lock),
        cmocka_unit_test(test_each_use_is_seen_as_itself),
        cmocka_unit_test(test_a_killed_holder_is_gone),
        cmocka_unit_test(test_the_holders_process_and_its_stop_are_named),
        cmocka_unit_test(test_the_holder_is_named_when_a_read_misses_it),
        cmocka_unit_test(test_an_unusable_lock_file_cannot_tell),
        cmocka_unit_test(test_a_lock_file_not_regular_is_refused),
        cmocka_unit_test(test_a_path_that_cannot_be_followed_is_refused),
        cmocka_unit_test(test_a_symlink_queries_the_files_lock),
        cmocka_unit_test(test_links_are_followed_as_far_as_the_kernel_does),
        cmocka_unit_test(test_the_lock_file_is_opened_read_write),
        cmocka_unit_test(test_a_lock_file_not_writable_still_locks),
        cmocka_unit_test(test_a_relative_symlink_shares_the_files_lock),
        cmocka_unit_test(test_a_lock_file_on_a_read_only_filesystem_still_locks),
        cmocka_unit_test(test_a_lock_on_descriptor_0_is_given_and_released),
    };
    return cmocka_run_group_tests_name("lock", tests, setup, teardown);
}
