/*
 * sync.h - what export and changes do around a load: which export file or
 * which days of changes to read, and, once the load is over, marking movies
 * that left the export deleted and moving the changes cursor.
 *
 * The cursor is meta 'changes_from': the first UTC day whose changes the
 * database does not hold yet. It only moves forward (but back from a cursor
 * ahead of any day a right clock reaches: sync_cursor_ahead()); not after a
 * run in which a failure was not a movie's (a result of a changes page or an
 * export line without an id: only reading them again finds it), nor after an
 * export whose deletions --max-deletions held back or whose file's day is
 * unknown (--file without a date in its name), nor after a changes run
 * whose --since is after the cursor (or with no cursor: the days before were
 * not read), and not after a changes --shard run on a database that holds
 * movies of other shards.
 *
 * A finished export moves it to the earliest of: the export's day (movies
 * created after its snapshot are not in it), the day the run started, the day
 * the interrupted run it resumed started (what that run stored is that old),
 * with --max-age the day of the oldest fetch it skipped, the day of the
 * oldest copy TMDB's CDN served it (its Date: the origin made it then, and it
 * holds no later change; facts->oldest_copy), and the day of the oldest fetch
 * of a stored movie it left as it was and of the oldest copy
 * (movies.copy_made_at; its fetch where unknown) of a stored movie it did not
 * fetch again: skipped by --max-age, stored by the run it resumed, or left as
 * it was (store.h, store_oldest_unrefreshed()).
 *
 * When that leaves the cursor (which was not within reach already) further
 * back than the next changes run reads (SYNC_RETENTION_DAYS before tomorrow:
 * it would refuse, and point to an export that holds it there again), those
 * movies are noted in stale_copies as failed ones are
 * (store_note_unrefreshed()), and the cursor moves to the day it would be at
 * without them (at least that first day changes reads): the export's day (or
 * the run's, or its oldest copy's), or, when within those days, the start of
 * the run it resumed or the oldest fetch --max-age skipped, which stand for
 * stored movies that are noted with the others when before it. The next
 * changes run fetches them. Not when the export's own day, or the run's, is
 * that far back (what the export did not list is not stored: no note finds
 * it); with --shard, only the export's own shard's movies are noted (changes
 * --shard K/N fetches shard K's notes), and nothing when other shards' movies
 * hold the cursor that far back.
 *
 * A changes run moves it to the day after the last day it read, or, when
 * TMDB's CDN served a /movie/changes page from a copy made before its window
 * ended (on the window's last day or earlier; facts->changes_copy: its
 * Date), to the copy's day: the copy lists none of the changes made after
 * it. A copy made after its window ended lists all of it, however old.
 * When the pages of one window came from copies made at different times,
 * one before the window ended (facts->changes_mixed), results moved
 * between pages as the list grew, and a change made on any of its days
 * may be on none of the pages read: it moves no further than the window's
 * first day.
 * Changes are read through yesterday only: today is not over, and an
 * immediate second run then has nothing to fetch. A changes run never
 * resumes: what an interrupted one stored may have changed since.
 *
 * A movie TMDB's cache served from a copy older than the end of the window
 * that listed it does not hold the cursor back: it is noted in stale_copies
 * (store_note_copy()) and the next changes run fetches it again besides its
 * own days. Nor does a movie an export or changes run failed to fetch (5xx,
 * timeout, too large, a body it cannot store): sync_finish() notes it there
 * too, without a copy, needing one from the day the run marks complete from
 * (for changes the day after the last it read, for an export the export's
 * day, or the run's when unknown; store_note_failures()).
 *
 * Called from main's thread, before the pipeline starts and after its threads
 * are joined; the store is main's at both times.
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

/* The longest export --max-age (sync_plan() refuses a longer one, exit 2,
 * when the export's day is known: one of unknown day leaves the cursor).
 * A skipped movie holds the cursor at its copy's day, and TMDB's CDN often
 * made the copy the day before the fetch: at the earliest today minus
 * --max-age minus 1. A changes run k days later refuses a cursor before its
 * day minus SYNC_RETENTION_DAYS, so it runs for k <= 89 - N with --max-age
 * N days: the nightly one (k = 1) may miss 88 - N nights. This leaves one. */
#define SYNC_MAX_AGE_DAYS (SYNC_RETENTION_DAYS - 3)

enum sync_status {
    SYNC_OK = 0,
    SYNC_USAGE = 1,   /* logged: a configuration the user must change (exit 2) */
    SYNC_FATAL = 2,   /* logged: database error (exit 1) */
    SYNC_HELD = 3,    /* logged: more movies left the export than --max-deletions
                         allows; none was marked and the cursor did not move (exit 3) */
    SYNC_STOPPED = 4, /* a signal came first: deletions not marked, cursor not moved */
};

/*
 * --max-deletions: how many stored movies one export may mark deleted. A
 * truncated or partial export (a well-formed file that lost most of its
 * lines) would otherwise mark most of the catalogue deleted, and every
 * downstream job would follow. TMDB deletes a few hundred movies a day of
 * about a million, so the default allows 10 % of the stored movies (those
 * not marked deleted; adult ones only when the export held TMDB's adult
 * list), and never fewer than 100.
 */
struct deletion_limit {
    bool given;    /* false: the default above */
    bool percent;  /* `value` is millionths of the stored movies (10% = 100000) */
    int64_t value; /* a count (>= 0), or millionths (0 to 1000000) */
};

/* Percentages are kept exact, in millionths: 0.57% of 10,000 is 57. */
#define SYNC_PER_MILLION 1000000
#define SYNC_DEFAULT_MAX_DELETIONS_PPM 100000 /* 10 % */
#define SYNC_DEFAULT_MAX_DELETIONS_FLOOR 100

/* How many of `live` (< 2^40) stored movies `limit` lets one export mark
 * deleted: a percentage rounds down. */
int64_t sync_deletions_allowed(const struct deletion_limit *limit, int64_t live);

/* Whether a changes cursor of `day` (the first day not read) is after any
 * day a run could have reached with its clock right, at time `now`: after
 * the UTC day of now + SOURCE_CLOCK_SKEW_MAX_S. A run at 00:01 on a right
 * clock sets tomorrow's cursor for a machine whose clock is 5 minutes slow,
 * at 23:56: that cursor is not ahead; one a day or more ahead is (a run
 * whose clock was ahead marked days that had not ended). */
bool sync_cursor_ahead(long day, long long now);

/*
 * Complete opt->source for export (the URL of the export to download, into
 * url, unless --file; without --date, the day before's into fallback_url,
 * to take while the newest is not published yet) or
 * changes (the first and last day, from --since or the cursor in `store`,
 * which may be NULL for a dry run on no database). Both buffers hold
 * url_size bytes. SYNC_USAGE (logged) for an export --max-age over
 * SYNC_MAX_AGE_DAYS when the export's day is known, among others.
 */
enum sync_status sync_plan(struct options *opt, struct store *store, char *url, char *fallback_url,
                           size_t url_size);

/* What a load knew about how fresh its movies are (UTC day numbers). */
struct sync_facts {
    long started_day;      /* the day the run started */
    long resumed_from_day; /* the day the earliest run it resumed started; LONG_MAX none */
    long max_age_day;      /* the day of the oldest fetch --max-age skipped; LONG_MAX none */
    int64_t run_id;        /* the run (its failures are not "left as they were") */
    long long oldest_copy; /* the earliest copy TMDB's CDN served the run (stats.h); 0 none */
    long long changes_copy; /* the earliest copy of a changes page made before its
                             * window ended (stats.h); 0 none */
    long long changes_mixed; /* the first day of the earliest window whose pages came
                              * from copies of different times (stats.h); 0 none */
};

/*
 * After a load that ran to its end (not interrupted, not failed): for an
 * export whose every line was read (`bad_input` 0) and whose day is known
 * (opt->export_day), mark deleted the stored movies fetched before that
 * day that `named` does not hold — unless they are more than
 * opt->max_deletions allows: then none is marked, and SYNC_HELD — and then
 * move the cursor (see above). For export and changes, first note the movies
 * the run failed (above), also when the cursor then stays. `counts` are the
 * run's. A signal (stop.h)
 * that comes while it works, before the marking or before the cursor
 * moves: SYNC_STOPPED, and nothing more is done (main does not call it
 * after a signal that came first).
 */
enum sync_status sync_finish(const struct options *opt, struct store *store,
                             const struct idset *named, const struct sync_facts *facts,
                             const struct run_counts *counts, long long bad_input);

#endif
