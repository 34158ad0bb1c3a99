/* restore.c - see restore.h. */
#include "restore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "dbfile.h"
#include "log.h"
#include "lock.h"
#include "stop.h"
#include "store.h"

/* Bytes copied at a time, between which a stop is looked for. */
#define COPY_CHUNK (1u << 20)

/* The database file itself (where a symbolic link leads:
 * lock_database_path()) into `out`, and its lock file's name into `lock`.
 * 0, or EXIT_FATAL logged. */
static int database_file(const char *db_path, char *out, size_t size, char *lock,
                         size_t lock_size) {
    int rc = lock_database_path(db_path, out, size);
    if (rc == 0)
        rc = lock_file_path(db_path, lock, lock_size);
    if (rc != 0) {
        log_error("%s: %s", db_path, rc == -ELOOP ? "symbolic links in a loop" : "path too long");
        return EXIT_FATAL;
    }
    return 0;
}

/* BACKUP may be restored: a regular file, not the database itself.
 * 0, or EXIT_USAGE logged. */
static int check_backup(const char *backup, const char *db_file) {
    struct stat st;
    if (stat(backup, &st) != 0) {
        log_error("%s: %s (nothing restored)", backup, strerror(errno));
        return EXIT_USAGE;
    }
    if (!S_ISREG(st.st_mode)) {
        log_error("%s is not a file: nothing restored", backup);
        return EXIT_USAGE;
    }
    if (dbfile_same(db_file, &st)) {
        log_error("%s is the database itself: nothing restored", backup);
        return EXIT_USAGE;
    }
    int sqlite = dbfile_is_sqlite(backup);
    if (sqlite < 0) {
        log_error("%s: %s (nothing restored)", backup, strerror(errno));
        return EXIT_FATAL;
    }
    if (!sqlite) {
        log_error("%s is not a SQLite database: nothing restored", backup);
        return EXIT_USAGE;
    }
    return 0;
}

/* A process other than this one that has the file `st` open, by
 * /proc/PID/fd: its pid and name into *pid and `name`, true. Processes
 * this one may not look into (another user's, unless root) are not seen. */
static bool open_elsewhere(const struct stat *st, long *pid, char *name, size_t size) {
    DIR *proc = opendir("/proc");
    if (!proc)
        return false;
    bool found = false;
    const struct dirent *p;
    while (!found && (p = readdir(proc)) != NULL) {
        char *end;
        long id = strtol(p->d_name, &end, 10);
        if (*end || id <= 0 || id == (long)getpid())
            continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/%ld/fd", id);
        DIR *fds = opendir(path);
        if (!fds)
            continue;
        const struct dirent *f;
        while (!found && (f = readdir(fds)) != NULL) {
            char fd_path[352];
            struct stat o;
            snprintf(fd_path, sizeof fd_path, "%s/%s", path, f->d_name);
            found = f->d_name[0] != '.' && stat(fd_path, &o) == 0 && o.st_dev == st->st_dev &&
                    o.st_ino == st->st_ino;
        }
        closedir(fds);
        if (found) {
            *pid = id;
            snprintf(path, sizeof path, "/proc/%ld/comm", id);
            FILE *comm = fopen(path, "r");
            if (!comm || !fgets(name, (int)size, comm))
                snprintf(name, size, "?");
            name[strcspn(name, "\n")] = '\0';
            if (comm)
                fclose(comm);
        }
    }
    closedir(proc);
    return found;
}

/* Write the `n` bytes at `buf` to `fd`. A write that reaches a full disk
 * or a file size limit writes part of them, saying nothing; the next one
 * says why. 0, or -1 (errno). */
static int write_all(int fd, const char *buf, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return -1;
        }
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Copy `from` into the new file `to`, with the owner and mode of `like`
 * when it is there (the database replaced: a restore by root keeps it the
 * service user's); when it is not (a lost database), a restore by root
 * gives it the owner of the directory it is in, as the service's
 * directory (/var/lib/tmdb) is its user's. 0, or an exit status logged. */
static int copy_file(const char *from, const char *to, const char *like) {
    struct stat db;
    bool have_db = stat(like, &db) == 0;
    char dir[PATH_MAX];
    dbfile_dir_of(like, dir, sizeof dir);
    bool have_dir = !have_db && geteuid() == 0 && stat(dir, &db) == 0 && db.st_uid != 0;
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        log_error("%s: %s (nothing restored)", from, strerror(errno));
        return EXIT_FATAL;
    }
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (out < 0) {
        log_error("%s: %s (nothing restored)", to, strerror(errno));
        close(in);
        return EXIT_FATAL;
    }
    if (have_db && (fchmod(out, db.st_mode & 0666) != 0 ||
                    (geteuid() == 0 && fchown(out, db.st_uid, db.st_gid) != 0)))
        log_warn("%s: could not give it the database's owner and mode: %s", to, strerror(errno));
    if (have_dir && fchown(out, db.st_uid, db.st_gid) != 0)
        log_warn("%s: could not give it the owner of %s: %s", to, dir, strerror(errno));
    char *buf = malloc(COPY_CHUNK);
    int code = buf ? 0 : EXIT_FATAL;
    const char *failed = buf ? NULL : "out of memory";
    while (code == 0) {
        ssize_t n = read(in, buf, COPY_CHUNK);
        if (n == 0)
            break;
        if (n < 0 || write_all(out, buf, (size_t)n) != 0) {
            failed = n < 0 ? from : to;
            code = EXIT_FATAL;
        } else if (stop_requested())
            code = cli_exit_of_signal(stop_signal());
    }
    if (code == EXIT_FATAL)
        log_error("%s: %s (nothing restored)", failed ? failed : to,
                  buf ? strerror(errno) : "out of memory");
    if (code == 0 && fsync(out) != 0) {
        log_error("%s: syncing the copy: %s (nothing restored)", to, strerror(errno));
        code = EXIT_FATAL;
    }
    free(buf);
    close(in);
    close(out);
    return code;
}

/* BACKUP's -wal, when BACKUP is in WAL mode and it holds anything (a copy
 * of a database with its -wal, a filesystem snapshot taken while a load
 * ran), copied beside the copy `tmp`: the commits it holds are BACKUP's,
 * which SQLite reads into the copy when it opens it (store_prepare_restore()
 * then writes them into the file itself). 0, or an exit status logged. */
static int copy_wal(const char *backup, const char *tmp, const char *db_file) {
    char wal[PATH_MAX + 8], tmp_wal[PATH_MAX + 40];
    struct stat st;
    snprintf(wal, sizeof wal, "%s-wal", backup);
    if (!dbfile_in_wal_mode(backup) || stat(wal, &st) != 0 || st.st_size == 0)
        return 0;
    snprintf(tmp_wal, sizeof tmp_wal, "%s-wal", tmp);
    return copy_file(wal, tmp_wal, db_file);
}

/* Move the files of the database replaced aside (restore.h), rename the
 * copy over it, then remove them and sync the directory. When that rename
 * fails (EBUSY: the database is a bind mount point, as a container's
 * `-v FILE:FILE` makes it) they are put back: the database as it was, the
 * commits in its DB-wal too. 0, or EXIT_FATAL logged. */
static int put_in_place(const char *tmp, const char *db_file) {
    char side[DBFILE_SIDES][PATH_MAX + 16], aside[DBFILE_SIDES][PATH_MAX + 48];
    bool moved[DBFILE_SIDES] = {false};
    int code = 0;
    for (size_t i = 0; i < DBFILE_SIDES && code == 0; i++) {
        snprintf(side[i], sizeof side[i], "%s%s", db_file, dbfile_side_suffixes[i]);
        snprintf(aside[i], sizeof aside[i], "%s.replaced%s", tmp, dbfile_side_suffixes[i]);
        moved[i] = rename(side[i], aside[i]) == 0;
        if (!moved[i] && errno != ENOENT) {
            log_error("%s: %s (nothing restored)", side[i], strerror(errno));
            code = EXIT_FATAL;
        }
    }
    if (code == 0 && rename(tmp, db_file) != 0) {
        log_error("%s: %s (nothing restored)", db_file, strerror(errno));
        code = EXIT_FATAL;
    }
    for (size_t i = 0; i < DBFILE_SIDES; i++) {
        if (moved[i] && code == 0)
            unlink(aside[i]);
        else if (moved[i] && rename(aside[i], side[i]) != 0)
            log_error("%s: could not be put back as %s: %s; rename it so by hand", aside[i],
                      side[i], strerror(errno));
    }
    if (code != 0)
        return code;
    char dir[PATH_MAX];
    dbfile_dir_of(db_file, dir, sizeof dir);
    int e = dbfile_sync(dir, true);
    if (e != 0) {
        log_error("%s: syncing the directory after the restore: %s", dir, strerror(e));
        return EXIT_FATAL;
    }
    return 0;
}

/* EXIT_LOCKED logged when a process this one can see has the database
 * open (restore.h), else 0. */
static int refuse_when_open(const char *db_file) {
    struct stat st;
    long pid;
    char name[64];
    if (stat(db_file, &st) != 0 || !open_elsewhere(&st, &pid, name, sizeof name))
        return 0;
    log_error("%s is open in process %ld (%s): close it first, as every program reading "
              "the database (it would write the replaced database's DB-wal into the "
              "restored file); nothing restored",
              db_file, pid, name);
    return EXIT_LOCKED;
}

/* The highest run id of the database a restore replaces, when it is there
 * and can be read (its DB-wal too: read before it is moved aside), else 0
 * (lost; or damaged, said): the restored copy numbers its first run past
 * it as well, so that the same backup restored twice gives no run id twice
 * (store_prepare_restore()). */
static int64_t replaced_last_run(const char *db_file) {
    char err[1024];
    int64_t id = 0;
    if (access(db_file, F_OK) != 0)
        return 0;
    if (store_last_run(db_file, &id, err, sizeof err) != STORE_OK) /* asks for action: -q too */
        log_warn_setup(
            "%s (the database being replaced): its run ids are not known, so the restored "
            "one numbers its runs past the backup's only; reset downstream jobs' --since",
            err);
    return id;
}

/* Under the lock: copy, prepare, put in place. Readers are looked for
 * before the copy and again before the rename: one may open the database
 * while a big backup is copied and checked. */
static int restore_locked(const char *db_file, const char *backup,
                          struct store_restore_info *info) {
    if (refuse_when_open(db_file) != 0)
        return EXIT_LOCKED;
    int64_t replaced = replaced_last_run(db_file);
    char tmp[PATH_MAX + 32], err[1024];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", db_file, (long)getpid());
    int code = copy_file(backup, tmp, db_file);
    if (code == 0)
        code = copy_wal(backup, tmp, db_file);
    if (code == 0) {
        enum store_status ss = store_prepare_restore(tmp, backup, replaced, info, err, sizeof err);
        if (ss == STORE_ERR_STOPPED) {
            code = cli_exit_of_signal(stop_signal());
        } else if (ss != STORE_OK) {
            log_error("%s", err);
            code = ss == STORE_ERR_SCHEMA ? EXIT_USAGE : EXIT_FATAL;
        }
    }
    int e;
    if (code == 0 && (e = dbfile_sync(tmp, false)) != 0) { /* marked since the copy */
        log_error("%s: syncing the copy: %s (nothing restored)", tmp, strerror(e));
        code = EXIT_FATAL;
    }
    if (code == 0 && stop_requested())
        code = cli_exit_of_signal(stop_signal());
    if (code == 0)
        code = refuse_when_open(db_file);
    if (code == 0)
        code = put_in_place(tmp, db_file);
    if (code != 0)
        dbfile_remove_with_sides(tmp);
    return code;
}

/* The lock file made while there was no database (`lock`, held by
 * `lock_fd`: lost with the database and made by this restore, or by one
 * that failed before it), given the restored database's mode and, by root,
 * its owner, as lock_acquire() gives one made beside a database: root's
 * lock file, 0600 under umask 077, would refuse the service user's loads. */
static void give_lock_like_database(int lock_fd, const char *lock, const char *db_file) {
    struct stat db;
    if (stat(db_file, &db) != 0)
        return;
    if (fchmod(lock_fd, db.st_mode & 0666) != 0 ||
        (geteuid() == 0 && db.st_uid != 0 && fchown(lock_fd, db.st_uid, db.st_gid) != 0))
        log_warn("%s: could not give it the database's owner and mode: %s", lock, strerror(errno));
}

int restore_run(const char *db_path, const char *backup, bool say) {
    char db_file[PATH_MAX], lock[PATH_MAX + 8], err[512];
    int code = database_file(db_path, db_file, sizeof db_file, lock, sizeof lock);
    if (code == 0)
        code = check_backup(backup, db_file);
    if (code != 0)
        return code;
    struct stat st;
    bool lock_made = lstat(lock, &st) != 0 && errno == ENOENT;
    bool db_lost = lstat(db_file, &st) != 0 && errno == ENOENT;
    int lock_fd = -1;
    enum lock_status ls = lock_acquire(db_path, LOCK_FOR_RESTORE, &lock_fd, err, sizeof err);
    if (ls != LOCK_OK) {
        log_error("%s%s", err, ls == LOCK_BUSY ? ": nothing restored" : "");
        return ls == LOCK_BUSY ? EXIT_LOCKED : EXIT_FATAL;
    }
    struct store_restore_info info;
    code = restore_locked(db_file, backup, &info);
    if (code == 0 && (lock_made || db_lost))
        give_lock_like_database(lock_fd, lock, db_file);
    lock_release(lock_fd);
    if (code != 0 || !say)
        return code;
    char line[2 * PATH_MAX + 256];
    snprintf(line, sizeof line,
             "tmdb-ingest: restored %s from %s (%s%s): %lld movies, runs through %lld; the next "
             "run is numbered from %lld",
             db_path, backup, info.made_at[0] ? "a backup made " : "a copy not made by backup",
             info.made_at, (long long)info.movies, (long long)info.last_run,
             (long long)info.next_run);
    const struct log_field fields[] = {
        {"database", db_path, 0},
        {"backup", backup, 0},
        {"movies", NULL, (double)info.movies},
        {"last_run", NULL, (double)info.last_run},
        {"backup_made_at", info.made_at, 0}, /* left out for a copy made otherwise */
    };
    size_t n = sizeof fields / sizeof *fields - (info.made_at[0] ? 0 : 1);
    log_event("restored", line, fields, n);
    return EXIT_OK;
}
