/* lock.c - see lock.h. */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

enum lock_status lock_acquire(const char *db_path, int *fd, char *err, size_t err_size) {
    char path[4096];
    *fd = -1;
    if (snprintf(path, sizeof path, "%s.lock", db_path) >= (int)sizeof path) {
        snprintf(err, err_size, "%s: path too long", db_path);
        return LOCK_ERROR;
    }
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (f < 0) {
        snprintf(err, err_size, "cannot create lock file %s: %s", path, strerror(errno));
        return LOCK_ERROR;
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
