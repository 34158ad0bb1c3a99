/*
 * sync.h - what export and changes do around a load: which export file or
 * which days of changes to read, and, once the load is over, marking
 * movies that left the export deleted and moving the changes cursor.
 *
 * The cursor is meta 'changes_from': the first UTC day whose changes the
 * database does not hold yet. A finished export sets it to the day the
 * export run started (details fetched from then on are at least that
 * fresh); a changes run that fetched everything sets it to the day after
 * the last day it read. Changes are read through yesterday only: today is
 * not over, and an immediate second run then has nothing to fetch.
 *
 * Called from main's thread, before the pipeline starts and after its
 * threads are joined; the store is main's at both times.
 */
#ifndef TMDB_SYNC_H
#define TMDB_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct idset;
struct options;
struct run_counts;
struct store;

/* /movie/changes answers for about as long as exports are kept. */
#define SYNC_RETENTION_DAYS 90

enum sync_status {
    SYNC_OK = 0,
    SYNC_USAGE = 1, /* logged: a configuration the user must change (exit 2) */
    SYNC_FATAL = 2, /* logged: database error (exit 1) */
};

/*
 * Complete opt->source for export (the URL of the export to download, into
 * url, unless --file) or changes (the first and last day, from --since or
 * the cursor in `store`, which may be NULL for a dry run on no database).
 */
enum sync_status sync_plan(struct options *opt, struct store *store, char *url,
                           size_t url_size);

/*
 * After a load that ran to its end (not interrupted, not failed): for an
 * export whose every line was read (`bad_input` 0), mark deleted the
 * stored movies `named` does not hold; then move the cursor (see above).
 * `started_day` is the UTC day the run started. `counts` are the run's.
 */
enum sync_status sync_finish(const struct options *opt, struct store *store,
                             const struct idset *named, long started_day,
                             const struct run_counts *counts, long long bad_input);

#endif
