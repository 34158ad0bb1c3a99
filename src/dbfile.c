/* dbfile.c - see dbfile.h. */
#include "dbfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char *const dbfile_side_suffixes[DBFILE_SIDES] = {"-journal", "-wal", "-shm"};

/* Every SQLite database starts with these 16 bytes. */
static const char magic[16] = "SQLite format 3";

/* The first bytes of the file at `path` (up to 20: the magic, then the
 * page size and the write and read versions) into `header`: how many, or
 * -1 (errno). */
static ssize_t read_header(const char *path, unsigned char header[20]) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, header, 20);
    int e = errno;
    close(fd);
    errno = e;
    return n;
}

int dbfile_is_sqlite(const char *path) {
    unsigned char header[20];
    ssize_t n = read_header(path, header);
    if (n < 0)
        return -1;
    return n >= (ssize_t)sizeof magic && memcmp(header, magic, sizeof magic) == 0;
}

/* The journal mode the header of the SQLite database at `path` says:
 * bytes 18 and 19, the write and read versions, 1 rollback, 2 WAL; 0 when
 * it says neither, is not a database, or cannot be read. */
static int journal_version(const char *path) {
    unsigned char header[20];
    if (read_header(path, header) != (ssize_t)sizeof header ||
        memcmp(header, magic, sizeof magic) != 0 || header[18] != header[19])
        return 0;
    return header[18];
}

bool dbfile_in_wal_mode(const char *path) {
    return journal_version(path) == 2;
}

bool dbfile_in_rollback_mode(const char *path) {
    return journal_version(path) == 1;
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
