/*
 * lock.h - one load per database at a time.
 *
 * Two loads writing the same database would fight over SQLite's write lock
 * and each mark the other's run as aborted. Before a load or a merge opens
 * the database, and before a read command (stats, dump, search, a dry run)
 * upgrades an older one's schema, database.c (on main's thread) takes an exclusive flock(2) on
 * "<db>.lock" (a file beside the database, so SQLite's own POSIX locks on the
 * database file are never disturbed). The kernel releases the lock when the
 * process dies, even by kill -9, so a crash never leaves a stale lock behind.
 * Readers (sqlite3, DuckDB, Datasette) never take it. The lock belongs to the
 * database file (a symlink to it shares it). The file is opened read-write
 * (NFS emulates flock with a POSIX write lock, which needs it), or
 * read-only when this user may not write it, so one made by another user (a
 * run by hand as root) does not lock the service user out; one root makes
 * is given to the database's owner. One made beside an existing database
 * takes its mode, whatever the umask, so that whoever may read the
 * database may query the lock (stats).
 *
 * flock(2) cannot be asked who holds it, and trying it races a load starting
 * (which would find it busy and exit 6). So the holder also holds an
 * open-file-description read lock (fcntl F_OFD_SETLK, the whole file) on the
 * same descriptor, which lock_query() tests for with F_OFD_GETLK without
 * taking anything: `stats` tells a run whose process holds the database from
 * one left "running" by a process that died. Both locks belong to the one
 * open file description of *fd; the kernel drops both when its last
 * descriptor closes (lock_release(), or the process dying). The read lock
 * covers one byte, whose offset says what holds the lock (enum lock_use):
 * only a load has a run row of its own, so stats must not take a merge, a
 * schema upgrade, an optimize or a restore for a run's process. On a local
 * filesystem flock and fcntl locks are independent, and a read lock
 * excludes only writers, which nobody is: the read lock changes no one's
 * flock. Where the client emulates flock with byte-range locks (NFS, SMB,
 * 9p, FUSE), the two would be one lock owner's and interact: there only the
 * flock is taken and lock_query() says it cannot tell.
 *
 * Used by main's thread only.
 */
#ifndef TMDB_LOCK_H
#define TMDB_LOCK_H

#include <stdbool.h>
#include <stddef.h>

enum lock_status {
    LOCK_OK = 0,
    LOCK_BUSY = 1,  /* another load or merge holds it; `err` says so, the caller what it
                       does not do */
    LOCK_ERROR = 2, /* could not create or lock the file */
};

/* What takes the lock: the offset of the byte its read lock covers. */
enum lock_use {
    LOCK_FOR_LOAD = 0,     /* a load: its run row says "running" while it holds the lock */
    LOCK_FOR_MERGE = 1,    /* a merge into the database: no run row of its own */
    LOCK_FOR_UPGRADE = 2,  /* a schema upgrade before a command reads it: stats, dump, search,
                            * backup, optimize, a dry run */
    LOCK_FOR_OPTIMIZE = 3, /* `optimize`: the search index compacted; no run row of its own */
    LOCK_FOR_RESTORE = 4,  /* `restore`: a backup put in place of the database */
};

/* Take the lock for database `db_path`, for `use`. On LOCK_OK, *fd holds it until
 * lock_release(). Otherwise `err` says why, naming the lock file, or the
 * database when it is there but not a regular file with one name (a
 * second hard link would have its own lock, and its own -wal for SQLite);
 * nothing is created beside it then. */
enum lock_status lock_acquire(const char *db_path, enum lock_use use, int *fd, char *err,
                              size_t err_size);

/* What lock_query() found. */
enum lock_holder {
    LOCK_HOLDER_NONE = 0,    /* no live process holds it; also when there is no lock file
                                (no load or merge ever ran on this database) */
    LOCK_HOLDER_LIVE = 1,    /* a load, a merge into it, a schema upgrade, an optimize or a
                                restore holds it now (which: lock_query()'s *use) */
    LOCK_HOLDER_UNKNOWN = 2, /* cannot tell (`why` says: the lock file cannot be opened or is
                                not a file, or is on a filesystem that emulates flock) */
};

/* Whether a live process holds the lock of database `db_path`, asked
 * without taking it (so it races no load) and without creating or writing
 * anything (also on a read-only filesystem); on LOCK_HOLDER_LIVE, *use
 * says what it is. A holder that is a version before this query existed
 * takes only the flock, and reads as NONE; one before lock_use existed
 * locks the whole file, and reads as a load. */
enum lock_holder lock_query(const char *db_path, enum lock_use *use, char *why, size_t why_size);

/* The process holding the lock of database `db_path` (its flock, as
 * /proc/locks names it) and whether it is stopped (Ctrl-Z, kill -STOP, a
 * debugger: *stopped): its pid, or 0 when none is named (no holder, no
 * lock file, no /proc, a holder in another pid namespace). Takes and
 * creates nothing. */
long lock_holder_pid(const char *db_path, bool *stopped);

/* The database file `db_path` names into `out`: the file a symlink leads
 * to, also one not made yet, its directory made absolute when it exists;
 * where a load makes the database, its -wal and -shm, and the lock. 0, or
 * -ENAMETOOLONG or -ELOOP. */
int lock_database_path(const char *db_path, char *out, size_t size);

/* The lock file's path for database `db_path` into `out`: "<db>.lock"
 * beside lock_database_path()'s file. 0, or -ENAMETOOLONG or -ELOOP. */
int lock_file_path(const char *db_path, char *out, size_t size);

/* Whether the lock `fd` holds for `db_path` is still the file its lock
 * path names: false once that file was removed or replaced (`rm DB.lock`
 * while a load runs), after which another process may take a lock of its
 * own beside this one. True when it cannot be told, or `fd` is -1. */
bool lock_still_named(int fd, const char *db_path);

/* Release the lock (closing the descriptor). Accepts -1. */
void lock_release(int fd);

#endif
