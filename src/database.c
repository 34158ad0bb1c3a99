/* database.c - see database.h. */
#include "database.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "lock.h"
#include "log.h"
#include "store.h"

int database_open_for_reading(const char *path, struct store **s) {
    char err[512];
    enum store_status ss = store_open_readonly(path, s, err, sizeof err);
    if (ss == STORE_ERR_OLD) {
        int lock_fd;
        enum lock_status ls = lock_acquire(path, LOCK_FOR_UPGRADE, &lock_fd, err, sizeof err);
        if (ls == LOCK_BUSY)
            log_error("%s (its schema needs an upgrade, which a load running on it does; try "
                      "again when it has finished)",
                      err);
        else if (ls != LOCK_OK)
            log_error("%s (its schema needs an upgrade first)", err);
        if (ls != LOCK_OK)
            return ls == LOCK_BUSY ? EXIT_LOCKED : EXIT_FATAL;
        log_info("%s: upgrading the schema to version %d", path, STORE_SCHEMA_VERSION);
        ss = store_upgrade(path, err, sizeof err);
        lock_release(lock_fd);
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

int database_open_for_load(const struct options *opt, int *lock_fd, struct store **s) {
    *lock_fd = -1;
    *s = NULL;
    if (opt->dry_run)
        return access(opt->db_path, F_OK) != 0 ? 0 : database_open_for_reading(opt->db_path, s);
    return open_locked(opt->db_path, LOCK_FOR_LOAD, opt->language, opt,
                       "not starting this load; nothing was done", lock_fd, s);
}

int database_open_for_merge(const char *path, const char *language, const struct options *opt,
                            int *lock_fd, struct store **s) {
    return open_locked(path, LOCK_FOR_MERGE, language, opt,
                       "nothing merged into it; merge again once it has ended", lock_fd, s);
}

int database_language(const char *path, char *language, size_t size) {
    char err[512];
    struct store *s = NULL;
    enum store_status ss = store_open_readonly(path, &s, err, sizeof err);
    if (ss != STORE_OK) {
        log_error("%s", err);
        return ss == STORE_ERR_OLD || ss == STORE_ERR_SCHEMA ? EXIT_USAGE : EXIT_FATAL;
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

void database_empty_wal(struct store *s) {
    int64_t wal = 0;
    char path[PATH_MAX];
    if (store_shrink_wal(s, &wal, path, sizeof path) != STORE_OK)
        log_warn("%s", store_errmsg(s));
    else if (wal > STORE_WAL_LIMIT_BYTES) /* SQLite cuts a reused file back to the limit */
        log_warn("%s is %lld MiB: a reader held a snapshot open during the load, so SQLite "
                 "could not reuse it; it empties at the end of a load that no long query spans",
                 path, (long long)(wal >> 20));
}

void database_close(struct store *s, int lock_fd) {
    store_close(s);
    if (lock_fd >= 0)
        lock_release(lock_fd);
}
