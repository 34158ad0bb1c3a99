/* database.c - see database.h. */
#include "database.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "dbfile.h"
#include "lock.h"
#include "log.h"
#include "stop.h"
#include "store.h"

/* A read command meeting the lock held while its database is of an older
 * schema waits for the holder to upgrade it: two read commands started at
 * once on such a database (the second would find the first's upgrade
 * holding the lock for the milliseconds it takes), or one started with a
 * merge into it; each upgrades first thing. Polled this often, up to this
 * long, the version read again each time. */
#define UPGRADE_POLL_MS 50
#define UPGRADE_WAIT_MS 30000
/* A load upgrades first thing too, and then holds the lock for its whole
 * run: a database still old after this long has a load of an older
 * tmdb-ingest (or a long upgrade) on it, and the read command gives up
 * (EXIT_LOCKED) rather than wait hours. */
#define LOAD_UPGRADE_WAIT_MS 2000

const char *database_holder_name(enum lock_holder holder, enum lock_use use) {
    if (holder == LOCK_HOLDER_NONE) /* busy, but no read lock beside the flock */
        return "a process that shows only the flock (a tmdb-ingest older than this one)";
    if (holder != LOCK_HOLDER_LIVE)
        return "a process this one cannot tell";
    switch (use) {
    case LOCK_FOR_LOAD:
        return "a load";
    case LOCK_FOR_MERGE:
        return "a merge into it";
    case LOCK_FOR_UPGRADE:
        return "another command upgrading its schema before it reads it";
    case LOCK_FOR_OPTIMIZE:
        return "an optimize of its search index";
    case LOCK_FOR_RESTORE:
        return "a restore of a backup in its place";
    }
    return "a process this one cannot tell";
}

/* What a reader that may not write the database (a monitoring user) is
 * told of an upgrade it cannot make: ", ..." or "". */
static const char *upgrade_hint(const char *path) {
    return access(path, W_OK) != 0 && errno == EACCES
               ? ", which only a user who may write the database can make: the next load "
                 "makes it"
               : "";
}

/* For the read-only commands, a database of an older schema: take the lock
 * (*lock_fd) to upgrade it, unless it is found upgraded meanwhile (*s is
 * then it, opened for reading, and *lock_fd -1). While another holds the
 * lock, wait for it as said above. Returns 0 or an exit status (logged:
 * EXIT_LOCKED naming the holder when the database is still old at the end
 * of the wait). */
static int lock_for_upgrade(const char *path, int *lock_fd, struct store **s) {
    char err[512], why[512];
    long long started_ms = clock_monotonic_ms();
    bool said = false;
    for (;;) {
        enum lock_status ls = lock_acquire(path, LOCK_FOR_UPGRADE, lock_fd, err, sizeof err);
        if (ls == LOCK_ERROR) {
            log_error("%s (its schema needs an upgrade first%s)", err, upgrade_hint(path));
            return EXIT_FATAL;
        }
        /* Held or not, the process that held it before may have upgraded it. */
        enum store_status ss = store_open_readonly(path, s, why, sizeof why);
        if (ss != STORE_ERR_OLD) {
            lock_release(*lock_fd);
            *lock_fd = -1;
            if (ss == STORE_OK)
                return 0;
            log_error("%s", why);
            return ss == STORE_ERR_LANGUAGE ? EXIT_USAGE : EXIT_FATAL;
        }
        if (ls == LOCK_OK)
            return 0;
        enum lock_use use = LOCK_FOR_LOAD;
        why[0] = '\0';
        enum lock_holder holder = lock_query(path, &use, why, sizeof why);
        bool load = holder == LOCK_HOLDER_LIVE && use == LOCK_FOR_LOAD;
        long long waited_ms = clock_monotonic_ms() - started_ms;
        if (waited_ms >= (load ? LOAD_UPGRADE_WAIT_MS : UPGRADE_WAIT_MS)) {
            if (load)
                log_error("%s (its schema needs an upgrade, which a load running on it does; try "
                          "again when it has finished)",
                          err);
            else
                log_error("%s: %s%s%s%s, and its schema, which needs an upgrade, is still of an "
                          "older version after %lld s; try again when it has finished",
                          err, database_holder_name(holder, use), why[0] ? " (" : "", why,
                          why[0] ? ")" : "", waited_ms / 1000);
            return EXIT_LOCKED;
        }
        if (!said)
            log_info("%s: its schema needs an upgrade, and its lock is held by %s: waiting for it",
                     path, database_holder_name(holder, use));
        said = true;
        /* a stop caught (a dry run's; the read commands leave signals to
         * end the process) */
        if (stop_sleep_ms(UPGRADE_POLL_MS) != 0)
            return cli_exit_of_signal(stop_signal());
    }
}

/* A database file in rollback mode (a backup's copy, store.h) with a
 * non-empty DB-wal beside it: that -wal is the one of the database the copy
 * replaced (a restore that did not remove it, after a load on the old file
 * died), as SQLite writes none for a file in rollback mode. SQLite would
 * still read its pages as the copy's (movies and runs of both, indexes that
 * no longer agree: a review saw the next load stop on a malformed database)
 * and write them into it at the next checkpoint. Refused before SQLite opens
 * the file. Returns 0, or EXIT_FATAL logged. */
static int check_foreign_wal(const char *path) {
    char wal[PATH_MAX + 8];
    struct stat st;
    if (!dbfile_in_rollback_mode(path))
        return 0;
    if (snprintf(wal, sizeof wal, "%s-wal", path) >= (int)sizeof wal || stat(wal, &st) != 0 ||
        st.st_size == 0)
        return 0;
    /* Read again: a restored copy's first load may have turned WAL on and
     * committed between the two looks. The header says WAL before its
     * -wal holds anything, and says rollback again only once it is gone. */
    if (!dbfile_in_rollback_mode(path))
        return 0;
    log_error("%s is in rollback mode (a backup put in place?), and %s beside it holds the "
              "commits of another database, which SQLite would read into it: nothing was read "
              "or written. If this file is the one to keep, remove %s and %s-shm first "
              "(README, \"Backups\", how to restore)",
              path, wal, wal, path);
    return EXIT_FATAL;
}

/* A database to read must be a regular file, as one to write must be
 * (lock.h): SQLite's open of a FIFO blocks until a writer comes (a read
 * command would hang, a dry run even through SIGTERM, its handler caught
 * and open() restarted), and it calls a directory a disk I/O error. One
 * that is not there passes: the caller or SQLite says so. One with a
 * second hard link is read, with a warning (as a setup's, even with -q):
 * SQLite names its -wal after the path, so what another name's -wal still
 * holds is not read through this one (writing is refused: lock.c). Returns
 * 0, or -1 logged (EXIT_FATAL, as for a load). */
static int check_regular_file(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0)
        return 0;
    if (S_ISREG(st.st_mode) && st.st_nlink > 1)
        log_warn_setup("%s has %ju hard links: SQLite names its -wal after the path, so what "
                       "another name's -wal still holds (commits not yet copied into the file) is "
                       "not read through this one; read through the name the loads use",
                       path, (uintmax_t)st.st_nlink);
    if (S_ISREG(st.st_mode))
        return check_foreign_wal(path);
    log_error("%s is %s, not a database file", path,
              S_ISDIR(st.st_mode) ? "a directory" : "a device, FIFO or socket");
    return EXIT_FATAL;
}

/* A database with no table yet while a load or a merge holds its lock: a
 * first load (or merge) between making the file and committing its schema,
 * a matter of milliseconds, in which a monitor polling stats read exit 1.
 * Read again, as for an upgrade, until it holds the schema, the holder lets
 * go, or LOAD_UPGRADE_WAIT_MS have passed: *ss is then store_open_readonly()'s
 * status (STORE_ERR_EMPTY when still empty). Returns 0, or an exit status
 * when a stop caught (a dry run's) ends the wait. */
static int wait_for_schema(const char *path, struct store **s, char *err, size_t err_size,
                           enum store_status *ss) {
    long long started_ms = clock_monotonic_ms();
    for (bool said = false;; said = true) {
        enum lock_use use = LOCK_FOR_LOAD;
        char why[512];
        /* asked before the read: a holder that committed and let go since is read */
        bool held = lock_query(path, &use, why, sizeof why) == LOCK_HOLDER_LIVE;
        *ss = store_open_readonly(path, s, err, err_size);
        if (*ss != STORE_ERR_EMPTY || !held ||
            clock_monotonic_ms() - started_ms >= LOAD_UPGRADE_WAIT_MS)
            return 0;
        if (!said)
            log_info("%s has no table yet, and its lock is held by %s: waiting for its schema",
                     path, database_holder_name(LOCK_HOLDER_LIVE, use));
        if (stop_sleep_ms(UPGRADE_POLL_MS) != 0)
            return cli_exit_of_signal(stop_signal());
    }
}

int database_open_for_reading(const char *path, struct store **s) {
    char err[512];
    if (check_regular_file(path) != 0)
        return EXIT_FATAL;
    enum store_status ss = store_open_readonly(path, s, err, sizeof err);
    if (ss == STORE_ERR_EMPTY) {
        int code = wait_for_schema(path, s, err, sizeof err, &ss);
        if (code != 0)
            return code;
    }
    if (ss == STORE_ERR_OLD) {
        int lock_fd = -1;
        int code = lock_for_upgrade(path, &lock_fd, s);
        if (code != 0 || *s)
            return code; /* a failure, or upgraded by the process that held the lock */
        log_info("%s: upgrading the schema to version %d", path, STORE_SCHEMA_VERSION);
        /* On a terminal, the wait is said: an upgrade of a large database
         * takes a while, once. */
        char line[PATH_MAX + 96];
        snprintf(line, sizeof line, "%s: upgrading the schema to version %d (once) ...", path,
                 STORE_SCHEMA_VERSION);
        log_progress(line);
        ss = store_upgrade(path, err, sizeof err);
        log_progress_clear();
        lock_release(lock_fd);
        const char *hint = ss != STORE_OK ? upgrade_hint(path) : "";
        if (hint[0]) {
            log_error("%s (its schema needs an upgrade%s)", err, hint);
            return EXIT_FATAL;
        }
        if (ss == STORE_OK)
            ss = store_open_readonly(path, s, err, sizeof err);
    }
    if (ss != STORE_OK) {
        log_error("%s", err);
        return ss == STORE_ERR_LANGUAGE ? EXIT_USAGE : EXIT_FATAL;
    }
    return 0;
}

int database_open_existing(const char *path, struct store **s) {
    if (access(path, F_OK) != 0) {
        log_error("%s: no such database (give --db, or load something first)", path);
        return EXIT_USAGE;
    }
    return database_open_for_reading(path, s);
}

/* Lock `path` and open it writable in `language`, with --db-cache. When
 * another run holds the lock, say so and what is not done (`not_done`):
 * EXIT_LOCKED. */
static int open_locked(const char *path, enum lock_use use, const char *language,
                       const struct options *opt, const char *not_done, int *lock_fd,
                       struct store **s) {
    char err[512];
    *lock_fd = -1;
    *s = NULL;
    enum lock_status ls = lock_acquire(path, use, lock_fd, err, sizeof err);
    if (ls == LOCK_BUSY) {
        log_error("%s: %s", err, not_done);
        return EXIT_LOCKED;
    }
    if (ls != LOCK_OK) {
        log_error("%s", err);
        return EXIT_FATAL;
    }
    if (check_foreign_wal(path) != 0) {
        lock_release(*lock_fd);
        *lock_fd = -1;
        return EXIT_FATAL;
    }
    /* a load writes through the store alone (store.h) */
    enum store_status ss = use == LOCK_FOR_LOAD
                               ? store_open_for_load(path, language, s, err, sizeof err)
                               : store_open(path, language, s, err, sizeof err);
    if (ss == STORE_OK && (ss = store_set_cache(*s, opt->db_cache)) != STORE_OK)
        snprintf(err, sizeof err, "%s", store_errmsg(*s));
    if (ss != STORE_OK) {
        log_error("%s", err);
        database_close(*s, *lock_fd);
        *s = NULL;
        *lock_fd = -1;
        return ss == STORE_ERR_LANGUAGE ? EXIT_USAGE : EXIT_FATAL;
    }
    log_debug("database page cache: %zu KiB", store_cache_bytes(*s) / 1024);
    return 0;
}

/* A dry run answers for the run it stands for: one in another language than
 * the database's would be refused (store_check_language(), as the load's
 * store_open() checks it), so it is too, with the load's reason, rather
 * than say it would fetch what the run will not. */
static int check_dry_run_language(const struct options *opt, struct store *s) {
    enum store_status ss = store_check_language(s, opt->language);
    if (ss == STORE_OK)
        return 0;
    log_error("%s", store_errmsg(s));
    return ss == STORE_ERR_LANGUAGE ? EXIT_USAGE : EXIT_FATAL;
}

/* A dry run on a database not made yet: the load would make it, unless
 * the directory it makes it in (where a symlink leads, as its lock file's)
 * is not there or may not be written (the load's lock file could not be
 * made: exit 1, as the load says it). 0, or the exit status. */
static int check_dry_run_directory(const char *path) {
    char dir[PATH_MAX + 8];
    int rc = lock_file_path(path, dir, sizeof dir);
    if (rc != 0) {
        log_error("%s: %s", path, rc == -ELOOP ? "symbolic links in a loop" : "path too long");
        return EXIT_FATAL;
    }
    char *slash = strrchr(dir, '/'); /* the lock file's path always holds one */
    if (slash)
        slash[slash == dir ? 1 : 0] = '\0';
    if (access(dir, W_OK | X_OK) == 0)
        return 0;
    int e = errno;
    log_error("%s: %s%s: a load could not make %s there", dir, strerror(e),
              e == ENOENT ? " (the database's directory must exist)" : "", path);
    return EXIT_FATAL;
}

int database_open_for_load(const struct options *opt, int *lock_fd, struct store **s) {
    *lock_fd = -1;
    *s = NULL;
    if (opt->dry_run) {
        if (access(opt->db_path, F_OK) != 0)
            return check_dry_run_directory(opt->db_path);
        int code = database_open_for_reading(opt->db_path, s);
        if (code == 0 && (code = check_dry_run_language(opt, *s)) != 0) {
            store_close(*s);
            *s = NULL;
        }
        return code;
    }
    return open_locked(opt->db_path, LOCK_FOR_LOAD, opt->language, opt,
                       "not starting this load; nothing was done", lock_fd, s);
}

int database_open_for_merge(const char *path, const char *language, const struct options *opt,
                            int *lock_fd, struct store **s) {
    return open_locked(path, LOCK_FOR_MERGE, language, opt,
                       "nothing merged into it; merge again once it has ended", lock_fd, s);
}

int database_open_for_optimize(const struct options *opt, int *lock_fd, struct store **s) {
    *lock_fd = -1;
    *s = NULL;
    /* read first: made by an older version, it is upgraded as for stats */
    struct store *r = NULL;
    int code = database_open_existing(opt->db_path, &r);
    if (code != 0)
        return code;
    char language[64];
    enum store_status ss = store_language(r, language, sizeof language);
    if (ss != STORE_OK)
        log_error("%s", store_errmsg(r));
    store_close(r);
    if (ss != STORE_OK)
        return EXIT_FATAL;
    return open_locked(opt->db_path, LOCK_FOR_OPTIMIZE, language, opt,
                       "not optimizing it; nothing was done", lock_fd, s);
}

int database_language(const char *path, char *language, size_t size) {
    char err[512];
    struct store *s = NULL;
    if (check_regular_file(path) != 0)
        return EXIT_FATAL;
    enum store_status ss = store_open_readonly(path, &s, err, sizeof err);
    if (ss != STORE_OK) {
        log_error("%s", err);
        return ss == STORE_ERR_OLD || ss == STORE_ERR_SCHEMA || ss == STORE_ERR_EMPTY ? EXIT_USAGE
                                                                                      : EXIT_FATAL;
    }
    ss = store_language(s, language, size);
    if (ss != STORE_OK)
        log_error("%s", store_errmsg(s));
    else if (!language[0]) /* as store_upgrade() and store_merge() say of one */
        log_error("%s: not a tmdb-ingest database (no language)", path);
    store_close(s);
    if (ss != STORE_OK)
        return EXIT_FATAL;
    return language[0] ? 0 : EXIT_USAGE;
}

void database_empty_wal(struct store *s, const char *what) {
    int64_t wal = 0;
    char path[PATH_MAX];
    /* Said with -q too: the file that cannot grow (a full disk, a file-size
     * limit) stays so, and DB-wal grows with every load until one fails. */
    if (store_shrink_wal(s, &wal, path, sizeof path) != STORE_OK)
        log_warn_setup("%s: what was committed is safe in the -wal file, which cannot be emptied "
                       "into the database until it can grow, and grows with every load until "
                       "one fails",
                       store_errmsg(s));
    else if (wal > STORE_WAL_LIMIT_BYTES) /* SQLite cuts a reused file back to the limit */
        log_warn("%s is %lld MiB: a reader held a snapshot open during the %s, so SQLite "
                 "could not reuse it; it empties at the end of a load that no long query spans",
                 path, (long long)(wal >> 20), what);
}

void database_file_id(const char *path, struct database_file_id *id) {
    struct stat st;
    id->known = stat(path, &st) == 0;
    id->dev = id->known ? st.st_dev : 0;
    id->ino = id->known ? st.st_ino : 0;
}

void database_warn_if_replaced(const char *path, const struct database_file_id *id) {
    struct database_file_id now;
    database_file_id(path, &now);
    if (!id->known || (now.known && now.dev == id->dev && now.ino == id->ino))
        return;
    log_warn_setup("%s was %s while this run wrote to it (by hand, during a load?): what this "
                   "run stored went to the file it had open, %s; run the load again "
                   "(tmdb-ingest restore refuses while a load runs)",
                   path, now.known ? "replaced by another file" : "removed",
                   now.known ? "not to the one there now" : "which is gone");
}

void database_close(struct store *s, int lock_fd) {
    store_close(s);
    if (lock_fd >= 0)
        lock_release(lock_fd);
}
