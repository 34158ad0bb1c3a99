/* dbfile.c - see dbfile.h. */
#include "dbfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char *const dbfile_side_suffixes[DBFILE_SIDES] = {"-journal", "-wal", "-shm"};

int dbfile_is_sqlite(const char *path) {
    static const char magic[16] = "SQLite format 3";
    char head[sizeof magic];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, head, sizeof head);
    int e = errno;
    close(fd);
    errno = e;
    if (n < 0)
        return -1;
    return n == (ssize_t)sizeof head && memcmp(head, magic, sizeof magic) == 0;
}

bool dbfile_in_wal_mode(const char *path) {
    unsigned char header[20];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, header, sizeof header);
    close(fd);
    /* bytes 18 and 19: the write and read versions, 1 rollback, 2 WAL */
    return n == (ssize_t)sizeof header && header[18] == 2 && header[19] == 2;
}

bool dbfile_same(const char *path, const struct stat *st) {
    struct stat other;
    return stat(path, &other) == 0 && other.st_dev == st->st_dev && other.st_ino == st->st_ino;
}

void dbfile_dir_of(const char *path, char *dir, size_t size) {
    snprintf(dir, size, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, size, ".");
    else
        slash[slash == dir ? 1 : 0] = '\0';
}

int dbfile_sync(const char *path, bool dir) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | (dir ? O_DIRECTORY : 0));
    if (fd < 0)
        return errno;
    int rc = fsync(fd) == 0 || (dir && errno == EINVAL) ? 0 : errno;
    close(fd);
    return rc;
}

void dbfile_remove_with_sides(const char *path) {
    char side[PATH_MAX + 64];
    unlink(path);
    for (size_t i = 0; i < DBFILE_SIDES; i++) {
        snprintf(side, sizeof side, "%s%s", path, dbfile_side_suffixes[i]);
        unlink(side);
    }
}
