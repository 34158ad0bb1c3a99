/* lock.c - see lock.h. */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* "<db>.lock" for the database file itself: a symlink and its target must
 * share one lock. A database that does not exist yet is taken as named. */
static int lock_path(const char *db_path, char *out, size_t size) {
    char real[PATH_MAX];
    const char *db = realpath(db_path, real) ? real : db_path;
    return snprintf(out, size, "%s.lock", db) < (int)size ? 0 : -1;
}

enum lock_status lock_acquire(const char *db_path, int *fd, char *err, size_t err_size) {
    char path[PATH_MAX + 8];
    *fd = -1;
    if (lock_path(db_path, path, sizeof path) != 0) {
        snprintf(err, err_size, "%s: path too long", db_path);
        return LOCK_ERROR;
    }
    /* Read-only: flock() needs no more, and a lock file another user made
     * (root, by hand) stays usable by the service user as long as it is
     * readable. */
    int f = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
    if (f < 0) {
        snprintf(err, err_size, "cannot open the lock file %s: %s", path, strerror(errno));
        return LOCK_ERROR;
    }
    /* Made by root for a database another user owns: give it to that user,
     * as SQLite does with DB-wal and DB-shm. */
    struct stat db, lk;
    if (geteuid() == 0 && stat(db_path, &db) == 0 && fstat(f, &lk) == 0 && lk.st_uid == 0 &&
        db.st_uid != 0 && fchown(f, db.st_uid, db.st_gid) != 0) {
        /* not fatal: the file stays readable */
    }
    if (flock(f, LOCK_EX | LOCK_NB) != 0) {
        int saved = errno;
        close(f);
        if (saved == EWOULDBLOCK) {
            snprintf(err, err_size,
                     "another tmdb-ingest is already running on %s (it holds %s); "
                     "not starting a second load",
                     db_path, path);
            return LOCK_BUSY;
        }
        snprintf(err, err_size, "cannot lock %s: %s", path, strerror(saved));
        return LOCK_ERROR;
    }
    *fd = f;
    return LOCK_OK;
}

void lock_release(int fd) {
    if (fd >= 0)
        close(fd);
}
