/*
 * backup.h - `tmdb-ingest backup DEST`: a copy of the database, whole and
 * consistent, made while loads go on, and put in place only once complete.
 *
 * The copy is one snapshot (store_backup(): what the database held when
 * the copy began, a running load's later commits not included), written
 * into a temporary file beside DEST ("DEST.tmp-PID"), fsynced, and renamed
 * over DEST, whose directory is then fsynced: at any moment DEST is the
 * previous backup or the new one, never a part of one, whatever stops the
 * process. A failed or stopped copy removes its temporary file (one killed
 * by SIGKILL, or by a second SIGINT, which exits at once, leaves it; a
 * later backup never reads it).
 *
 * DEST is refused (nothing written) when writing over it could lose
 * something or hand SQLite a file it would damage: a directory; the
 * database itself (a link to it too), or a file it keeps beside it (its
 * lock, -wal, -shm, -journal, there or not yet); a file that is not a SQLite database;
 * one with transactions of its own beside it (DEST-wal not empty, a
 * DEST-journal), which SQLite would apply to the new copy. A symbolic link
 * is followed: the file it leads to is replaced.
 *
 * Main's thread only; a stop requested (stop.h: SIGINT, SIGTERM, SIGHUP
 * caught by main) ends the copy between two steps, its check within
 * milliseconds (store_quick_check()), or comes before the rename.
 */
#ifndef TMDB_BACKUP_H
#define TMDB_BACKUP_H

#include <stdbool.h>

/* Copy the database at `db_path` to `dest`, saying so on stderr when `say`
 * (one line; an event "backed_up" with --log-format json). Returns an
 * exit status (cli.h), the reason logged: EXIT_OK; EXIT_USAGE when the
 * database is missing or DEST is refused (above); EXIT_FATAL when the copy
 * failed (DEST is then as it was: a full disk, an unreadable page); the
 * status of the signal that stopped it (DEST as it was). */
int backup_run(const char *db_path, const char *dest, bool say);

#endif
