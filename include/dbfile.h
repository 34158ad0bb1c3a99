/*
 * dbfile.h - a SQLite database as files on disk, for the commands that
 * copy or replace one whole (backup.h, restore.h) and the check of a
 * restored copy's stray -wal (database.h): its header, the files SQLite
 * keeps beside it, and syncing the directory a rename changed.
 *
 * No state; any thread (main's, in practice).
 */
#ifndef TMDB_DBFILE_H
#define TMDB_DBFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* The files SQLite keeps beside a database file "DB": DB-journal, DB-wal,
 * DB-shm. */
#define DBFILE_SIDES 3
extern const char *const dbfile_side_suffixes[DBFILE_SIDES];

/* Whether the file at `path` starts as every SQLite database does: 1, 0
 * (an empty or shorter file too), or -1 when it cannot be read (errno). */
int dbfile_is_sqlite(const char *path);

/* Whether the SQLite database at `path` says, in its header, that it is in
 * WAL mode (its commits may be in its -wal), or in rollback mode (SQLite
 * writes no -wal for it): both false for a file that is not a database or
 * cannot be read. */
bool dbfile_in_wal_mode(const char *path);
bool dbfile_in_rollback_mode(const char *path);

/* Whether `path` is there and is the file `st` describes (a link to it,
 * another name of it). */
bool dbfile_same(const char *path, const struct stat *st);

/* The directory `path` is in, into `dir`: "." for a bare name. */
void dbfile_dir_of(const char *path, char *dir, size_t size);

/* fsync `path`: a file, or a directory (`dir`) after a rename in it.
 * 0, or errno; a filesystem that cannot sync a directory (EINVAL)
 * passes. */
int dbfile_sync(const char *path, bool dir);

/* Remove `path` and the files SQLite may have made beside it. */
void dbfile_remove_with_sides(const char *path);

#endif
