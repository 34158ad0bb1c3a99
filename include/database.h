/*
 * database.h - the database file as each command needs it: locked,
 * upgraded and writable for a load or a merge (lock.h, store.h), read-only
 * for stats, dump, search and dry runs. Turns what goes wrong into a
 * logged message and an exit status (cli.h), so that commands only wire.
 *
 * Main's thread only, before the pipeline starts and after it has ended.
 * The store returned belongs to the caller, who closes it with
 * database_close() (or store_close() when opened for reading).
 */
#ifndef TMDB_DATABASE_H
#define TMDB_DATABASE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lock.h"

struct options;
struct store;

/* How messages name what holds a database's lock, as lock_query() found
 * it: "a load", "a merge into it", "an optimize of its search index", ...,
 * or a holder it cannot tell. */
const char *database_holder_name(enum lock_holder holder, enum lock_use use);

/* Open an existing database read-only. A path that names a directory, a
 * FIFO or a device is refused (EXIT_FATAL, as for a load; SQLite would
 * block opening a FIFO). One made by an older version is
 * upgraded first, under the lock; while another process holds it (an
 * upgrade by another read command, a merge or a load, each of which
 * upgrades first), this waits for the database to be upgraded, up to 30 s
 * (2 s for a load, which then holds the lock for its whole run), and takes
 * the lock to upgrade it itself if it is released first. One with no table
 * yet while a load or a merge holds the lock (a first load that has made
 * the file and not yet committed its schema) is read again until it has
 * its schema, up to 2 s. Returns 0 or an exit status (logged; EXIT_LOCKED
 * naming the holder when the database is still old at the end of the wait;
 * EXIT_SIGINT, ... when a stop caught (stop.h) ends the wait). */
int database_open_for_reading(const char *path, struct store **s);

/* database_open_for_reading() a database that must exist (stats, dump,
 * search): a missing file is a usage error. */
int database_open_existing(const char *path, struct store **s);

/* Open `opt->db_path` for a load: locked (*lock_fd), upgraded, writable,
 * with --db-cache. For a dry run: read-only when it exists, else *s NULL
 * and *lock_fd -1. Returns 0 or an exit status (logged: EXIT_LOCKED when
 * another run holds the lock); on error *s is NULL and *lock_fd -1
 * (nothing to close). */
int database_open_for_load(const struct options *opt, int *lock_fd, struct store **s);

/* Open `path` for writing in `language` under the lock (*lock_fd), with
 * --db-cache: a merge's output. Returns 0 or an exit status (logged, as
 * database_open_for_load()); on error *s is NULL and *lock_fd -1 (nothing
 * to close). */
int database_open_for_merge(const char *path, const char *language, const struct options *opt,
                            int *lock_fd, struct store **s);

/* Open the existing database `opt->db_path` for writing under the lock
 * (*lock_fd), in the language it holds, upgraded first when older:
 * optimize. A missing file is a usage error. Returns 0 or an exit status
 * (logged, as database_open_for_load()); on error *s is NULL and *lock_fd
 * -1 (nothing to close). */
int database_open_for_optimize(const struct options *opt, int *lock_fd, struct store **s);

/* The language of the database at `path`, which must be of this schema
 * version. Returns 0 or an exit status (logged): another schema version,
 * or no language recorded, is a usage error; a directory, a FIFO or a
 * device is refused as by database_open_for_reading(). */
int database_language(const char *path, char *language, size_t size);

/* Which file `path` names now (where links lead), to tell at the end of a
 * load whether it was replaced meanwhile. */
struct database_file_id {
    bool known;
    dev_t dev;
    ino_t ino;
};
void database_file_id(const char *path, struct database_file_id *id);

/* At the end of a load: when `path` no longer names the file `id` was
 * taken of (replaced or removed while the load wrote to it: a restore by
 * hand, against the advice), say so, even with -q: what the run stored
 * went to the file it had open, which nothing names any more. */
void database_warn_if_replaced(const char *path, const struct database_file_id *id);

/* At the end of a load (or an optimize: `what` names it, "load"): empty
 * DB-wal, or warn why it stays big; that it could not (the database file
 * cannot grow) even with -q. */
void database_empty_wal(struct store *s, const char *what);

/* Close `s` (NULL accepted) and release the lock (-1 accepted). */
void database_close(struct store *s, int lock_fd);

#endif
