/*
 * restore.h - `tmdb-ingest restore BACKUP`: a backup put in place of the
 * database, the way that leaves nothing of the database it replaces to be
 * read into it.
 *
 * Under the database's lock (lock.h, LOCK_FOR_RESTORE: a load or a merge
 * running makes it exit 6, and none starts while it works), and only
 * when no other process it can see (all of them, as root; this user's
 * otherwise) has the database open, before the copy and again before the
 * rename (a reader may open it while a big backup is copied): a reader
 * closing after the restore would write its DB-wal into the restored
 * file. BACKUP is copied beside the database (DB.tmp-PID, with the
 * database's owner and mode when it is there; with BACKUP's -wal when
 * BACKUP is in WAL mode, as a snapshot taken while a load ran is: SQLite
 * reads its commits into the copy), checked and made ready
 * (store_prepare_restore(): ours, not newer, whole; marked as a backup's
 * copy, so that its first run skips the lost run ids; one file in rollback
 * mode), synced; then DB-wal, DB-shm and DB-journal, which belong to the
 * database it replaces, are moved aside, the copy is renamed over the
 * database (the file a link leads to), and they are removed (put back when
 * that rename fails), and the directory is synced. Until that rename the
 * database is as it was; a failure or a signal removes the temporary file.
 * The lock file of a lost database (made by the restore, or by one that
 * failed before it) is given the restored database's owner and mode, as
 * the copy is.
 * BACKUP is only read.
 *
 * Main's thread only; a stop requested (stop.h) ends the copy between two
 * writes, its check within milliseconds (store_quick_check()), or comes
 * before the rename.
 */
#ifndef TMDB_RESTORE_H
#define TMDB_RESTORE_H

#include <stdbool.h>

/* Put BACKUP (`backup`) in place of the database at `db_path`, saying so
 * on stderr when `say` (an event "restored" with --log-format json).
 * Returns an exit status (cli.h), the reason logged: EXIT_OK; EXIT_USAGE
 * when BACKUP is missing, not a file, the database itself, not a
 * tmdb-ingest database or a newer one's; EXIT_LOCKED when a run holds the
 * database's lock or a process has the database open (named); EXIT_FATAL
 * when it cannot be done (a damaged backup, a full disk: the database as
 * it was); the status of a signal that stopped it (the database as it
 * was). */
int restore_run(const char *db_path, const char *backup, bool say);

#endif
