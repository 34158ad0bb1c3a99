/* backup.c - see backup.h. */
#include "backup.h"

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
#include "clock.h"
#include "database.h"
#include "dbfile.h"
#include "lock.h"
#include "log.h"
#include "stop.h"
#include "store.h"

/* The temporary file's name is DEST.tmp-PID, or DEST.tmp-PID-N when taken. */
#define TEMP_TRIES 100

/* `dest` as written to: the file a symbolic link leads to (its directory
 * is where the copy is made and renamed), else `dest` as given. 0, or
 * EXIT_USAGE logged (a link to nothing). */
static int resolve_dest(const char *dest, char *out, size_t size) {
    struct stat st;
    if (lstat(dest, &st) != 0 || !S_ISLNK(st.st_mode)) {
        snprintf(out, size, "%s", dest);
        return 0;
    }
    char *target = realpath(dest, NULL);
    if (!target) {
        log_error("%s is a symbolic link to nothing that can be written over (%s); name the "
                  "file to write",
                  dest, strerror(errno));
        return EXIT_USAGE;
    }
    snprintf(out, size, "%s", target);
    free(target);
    return 0;
}

/* The size of `path` + `suffix`, or -1 when there is none. */
static long long side_file_size(const char *path, const char *suffix) {
    char side[PATH_MAX + 16];
    struct stat st;
    snprintf(side, sizeof side, "%s%s", path, suffix);
    return stat(side, &st) == 0 ? (long long)st.st_size : -1;
}

/* The name the file `path` has, or will have once made: its directory's
 * real path and its last name, as lock_database_path() names a database
 * (here without following a link: DEST's was followed already). False
 * when the directory is not there. */
static bool real_name(const char *path, char *out, size_t size) {
    char dir[PATH_MAX], real[PATH_MAX];
    dbfile_dir_of(path, dir, sizeof dir);
    if (!realpath(dir, real))
        return false;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return snprintf(out, size, "%s/%s", strcmp(real, "/") == 0 ? "" : real, base) < (int)size;
}

/* Whether DEST (`st` when it is there, NULL when not yet) is a file the
 * database keeps beside it: its -wal, -shm or -journal (beside the file a
 * link leads to, as SQLite makes them), or the lock file loads take
 * (lock.h). Empty between loads, or not there yet, they would pass for a
 * new backup's place; replaced, the lock no longer keeps a second load
 * out, and a -wal no longer holds what its readers are told. */
static bool is_beside_database(const char *db_path, const char *dest, const struct stat *st) {
    char db[PATH_MAX], side[PATH_MAX + 16], name[PATH_MAX + 8];
    if (lock_database_path(db_path, db, sizeof db) != 0)
        return false;
    if (!st && !real_name(dest, name, sizeof name))
        return false;
    for (size_t i = 0; i <= DBFILE_SIDES; i++) {
        snprintf(side, sizeof side, "%s%s", db,
                 i < DBFILE_SIDES ? dbfile_side_suffixes[i] : ".lock");
        if (st ? dbfile_same(side, st) : strcmp(side, name) == 0)
            return true;
    }
    return false;
}

/* DEST may be written over (backup.h)? 0, or EXIT_USAGE logged. */
static int check_dest(const char *db_path, const char *dest) {
    struct stat st;
    bool there = stat(dest, &st) == 0;
    if (is_beside_database(db_path, dest, there ? &st : NULL)) {
        log_error("%s is a file of the database's own (its lock, -wal, -shm or -journal): back "
                  "it up to another file",
                  dest);
        return EXIT_USAGE;
    }
    if (!there)
        return 0; /* made, or its directory named when it cannot be */
    if (S_ISDIR(st.st_mode)) {
        log_error("%s is a directory: name the file to write (e.g. %s/tmdb.sqlite3)", dest, dest);
        return EXIT_USAGE;
    }
    if (!S_ISREG(st.st_mode)) {
        log_error("%s is a device, FIFO or socket, not a file to write the backup in", dest);
        return EXIT_USAGE;
    }
    if (dbfile_same(db_path, &st)) {
        log_error("%s is the database itself: back it up to another file", dest);
        return EXIT_USAGE;
    }
    if (st.st_size > 0 && dbfile_is_sqlite(dest) != 1) {
        log_error("%s exists and is not a SQLite database: not written over (remove it, or name "
                  "another file)",
                  dest);
        return EXIT_USAGE;
    }
    if (side_file_size(dest, "-wal") > 0 || side_file_size(dest, "-journal") >= 0) {
        log_error("%s has transactions of its own beside it (%s-wal or %s-journal: a program has "
                  "it open, or stopped while writing it), which SQLite would apply to the new "
                  "copy: not written over (name another file, or remove them once no program "
                  "has %s open)",
                  dest, dest, dest, dest);
        return EXIT_USAGE;
    }
    return 0;
}

/* Make the empty temporary file beside `dest` (its name into `tmp`).
 * 0, or EXIT_FATAL logged. */
static int make_temp(const char *dest, char *tmp, size_t size) {
    int e = 0;
    for (int i = 0; i < TEMP_TRIES; i++) {
        if (i == 0)
            snprintf(tmp, size, "%s.tmp-%ld", dest, (long)getpid());
        else
            snprintf(tmp, size, "%s.tmp-%ld-%d", dest, (long)getpid(), i);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd >= 0) {
            close(fd);
            return 0;
        }
        if ((e = errno) != EEXIST)
            break;
    }
    char dir[PATH_MAX];
    dbfile_dir_of(dest, dir, sizeof dir);
    log_error("%s: cannot make the backup there: %s", dir, strerror(e));
    return EXIT_FATAL;
}

/* The copy synced, then put in place of `dest` (unless a stop came:
 * the stop's exit status), then its directory synced. 0, or EXIT_FATAL
 * logged (`dest` as it was, unless only the directory's sync failed). */
static int put_in_place(const char *tmp, const char *dest) {
    int e = dbfile_sync(tmp, false);
    if (e != 0) {
        log_error("%s: syncing the backup: %s (%s left as it was)", tmp, strerror(e), dest);
        return EXIT_FATAL;
    }
    if (stop_requested())
        return cli_exit_of_signal(stop_signal());
    if (rename(tmp, dest) != 0) {
        log_error("%s: %s (left as it was)", dest, strerror(errno));
        return EXIT_FATAL;
    }
    char dir[PATH_MAX];
    dbfile_dir_of(dest, dir, sizeof dir);
    if ((e = dbfile_sync(dir, true)) != 0) {
        log_error("%s: syncing the directory after writing %s: %s", dir, dest, strerror(e));
        return EXIT_FATAL;
    }
    return 0;
}

/* The progress line of a copy, and a stop between its steps. */
struct progress {
    const char *dest;
};

static int on_step(void *ctx, int64_t copied, int64_t total) {
    const struct progress *p = ctx;
    if (stop_requested())
        return 1;
    if (log_progress_enabled() && total > 0) {
        char line[PATH_MAX + 64];
        snprintf(line, sizeof line, "backing up to %s: %lld %%", p->dest,
                 (long long)(copied * 100 / total));
        log_progress(line);
    }
    return 0;
}

/* The line that says what was copied. */
static void say_done(const char *db_path, const char *dest, const struct store_backup_result *r,
                     double seconds) {
    char line[2 * PATH_MAX + 160];
    snprintf(line, sizeof line,
             "tmdb-ingest: backed up %s to %s: %lld movies, runs through %lld, %.1f MiB, in "
             "%.1f s",
             db_path, dest, (long long)r->movies, (long long)r->last_run,
             (double)r->bytes / (1024.0 * 1024.0), seconds);
    const struct log_field fields[] = {
        {"database", db_path, 0},
        {"backup", dest, 0},
        {"movies", NULL, (double)r->movies},
        {"last_run", NULL, (double)r->last_run},
        {"bytes", NULL, (double)r->bytes},
        {"seconds", NULL, seconds},
    };
    log_event("backed_up", line, fields, sizeof fields / sizeof *fields);
}

int backup_run(const char *db_path, const char *dest_arg, bool say) {
    char dest[PATH_MAX];
    int code = resolve_dest(dest_arg, dest, sizeof dest);
    if (code == 0)
        code = check_dest(db_path, dest);
    struct store *s = NULL;
    if (code == 0)
        code = database_open_existing(db_path, &s);
    char tmp[PATH_MAX + 32];
    if (code == 0)
        code = make_temp(dest, tmp, sizeof tmp);
    if (code != 0) {
        store_close(s);
        return code;
    }
    long long started_ms = clock_monotonic_ms();
    struct progress p = {.dest = dest};
    struct store_backup_result r;
    enum store_status ss = store_backup(s, tmp, on_step, &p, &r);
    log_progress_clear();
    if (ss != STORE_OK && ss != STORE_ERR_STOPPED) {
        log_error("%s (%s left as it was)", store_errmsg(s), dest);
        code = EXIT_FATAL;
    }
    store_close(s);
    if (ss == STORE_ERR_STOPPED)
        code = cli_exit_of_signal(stop_signal());
    else if (ss == STORE_OK)
        code = put_in_place(tmp, dest); /* a stop before the rename stops it too */
    if (code != 0) {
        dbfile_remove_with_sides(tmp);
        return code;
    }
    if (say)
        say_done(db_path, dest, &r, (double)(clock_monotonic_ms() - started_ms) / 1000.0);
    return EXIT_OK;
}
