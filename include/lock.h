/*
 * lock.h - one load per database at a time.
 *
 * Two loads writing the same database would fight over SQLite's write lock
 * and each mark the other's run as aborted. Before a load or a merge opens
 * the database, database.c (on main's thread) takes an exclusive flock(2)
 * on "<db>.lock" (a file beside the database, so SQLite's own POSIX locks
 * on the database file are never disturbed). The kernel releases the lock when the process dies, even by
 * kill -9, so a crash never leaves a stale lock behind. Readers (sqlite3,
 * DuckDB, Datasette) never take it. The lock belongs to the database file
 * (a symlink to it shares it); the file is opened read-only, so one made
 * by another user (a run by hand as root) does not lock the service user
 * out, and one root makes is given to the database's owner.
 *
 * Used by main's thread only.
 */
#ifndef TMDB_LOCK_H
#define TMDB_LOCK_H

#include <stddef.h>

enum lock_status {
    LOCK_OK = 0,
    LOCK_BUSY = 1,  /* another load or merge holds it; `err` says so, the caller what it
                       does not do */
    LOCK_ERROR = 2, /* could not create or lock the file */
};

/* Take the lock for database `db_path`. On LOCK_OK, *fd holds it until
 * lock_release(). Otherwise `err` says why, naming the lock file, or the
 * database when it is there but not a regular file with one name (a
 * second hard link would have its own lock, and its own -wal for SQLite);
 * nothing is created beside it then. */
enum lock_status lock_acquire(const char *db_path, int *fd, char *err, size_t err_size);

/* Release the lock (closing the descriptor). Accepts -1. */
void lock_release(int fd);

#endif
