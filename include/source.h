/*
 * source.h - the producer: turns a source into movie ids on the work queue.
 *
 * Runs on the producer thread. Ids are pushed as they arrive (page by page,
 * or token by token from standard input), so workers start on the first
 * page while later pages are still being fetched; an export's, once its
 * whole file is read, in ascending order. Each id is pushed once per
 * run (idset.h). When the source is exhausted, or the queue is aborted, the
 * producer closes its end of the work queue (queue_close()) exactly once.
 */
#ifndef TMDB_SOURCE_H
#define TMDB_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "tmdb.h"

struct fetcher;
struct idset;
struct queue;
struct stats;

enum source_kind {
    SOURCE_LIST,    /* a TMDB list endpoint, paged */
    SOURCE_IDS,     /* ids given on the command line */
    SOURCE_STDIN,   /* ids read from a file descriptor (standard input) */
    SOURCE_EXPORT,  /* the daily id export (export.h), downloaded or a local file */
    SOURCE_CHANGES, /* /movie/changes over a range of days, in windows of 14 */
};

/* /movie/changes accepts at most this many days between start and end. */
#define SOURCE_CHANGES_WINDOW_DAYS 14

/* The longest range one changes run reads (32 windows; an export is the
 * way to catch up from further back). */
#define SOURCE_CHANGES_MAX_DAYS (32 * SOURCE_CHANGES_WINDOW_DAYS)

/* How far this machine's clock may be from TMDB's (its Date) for changes
 * and an export of the newest file; further, the run stops before it
 * marks any day. */
#define SOURCE_CLOCK_SKEW_MAX_S 600

/* What the producer puts on the work queue (copied through it). */
struct work_item {
    int64_t movie_id;
    /* The earliest time (seconds since the epoch) a copy of the movie must
     * have been made to hold what the source says changed: for changes,
     * 00:00:00 UTC of the day after the last window listing it (TMDB's CDN
     * serves copies hours old). 0: none (other sources). */
    long long copy_needed_s;
};

/* Read-only during the run; the strings and arrays belong to main. */
struct source {
    enum source_kind kind;
    enum tmdb_list list; /* SOURCE_LIST */
    int pages;           /* SOURCE_LIST: pages to fetch; 0 = all (up to TMDB_MAX_PAGE) */
    const int64_t *ids;  /* SOURCE_IDS */
    size_t n_ids;
    int fd;              /* SOURCE_STDIN */

    /* SOURCE_EXPORT: a local file, or else a URL to download (no credential
     * is sent to it). The download is spooled to an unlinked temporary file
     * (in $TMPDIR, else /tmp) and read from there: holding the export
     * host's connection open for the hours a rate-limited load takes would
     * not survive its idle timeouts. */
    const char *export_path;
    const char *export_url;
    /* The day before's export, taken when export_url (the newest, without
     * --date) answers 403/404: not published yet. NULL: no fallback. */
    const char *export_fallback_url;
    /* The export's day (opt->export_day): moved back a day by the producer
     * when it takes the fallback; main reads it after the pipeline's
     * threads are joined. */
    long *export_day;
    /* Set by the producer when the export read holds TMDB's adult list:
     * with --include-adult, the adult export downloaded, or adult entries
     * in a --file. Then stored adult movies it does not name are gone too.
     * Main reads it after the pipeline's threads are joined. */
    bool *adult_listed;
    /* SOURCE_EXPORT: which entries to keep; SOURCE_CHANGES: include_adult
     * (changes carry no popularity or video flag; lists are not filtered). */
    bool has_min_popularity;
    double min_popularity;
    bool include_adult;
    bool include_video;
    /* SOURCE_CHANGES: first and last day, inclusive (clock.h day numbers). */
    long changes_first_day, changes_last_day;
    /* SOURCE_CHANGES: the movies an earlier run stored from a copy older
     * than their change, or failed to fetch (store_stale_ids()), of this
     * run's shard, fetched after the windows, also when there is none. */
    const int64_t *stale_ids;
    size_t n_stale_ids;

    /* Every source: with shard_count > 0, only ids with
     * id % shard_count == shard_index are fetched. */
    unsigned shard_index, shard_count;
    /* Ids not to fetch (settled by the interrupted run being resumed, or
     * fresher than --max-age); NULL for none. Owned by main, only read
     * while the run lasts. */
    const struct idset *skip;
    /* SOURCE_EXPORT: the stored movies marked deleted, NULL for none. One
     * the export names again is fetched also when --min-popularity or no
     * --include-video leave it out: it is back (the export that marked it
     * may have been cut short), and no later run would fetch it (changes
     * only if it changes), so it would stay deleted. Owned by main, only
     * read while the run lasts. */
    const struct idset *deleted;
    /* --dry-run: count the ids that would be fetched, enqueue none. */
    bool count_only;
    /* When non-NULL, every id the source names (before any filter) is added
     * here: for export, the ids still in TMDB's catalogue. Owned by main;
     * written only by the producer thread, read by main after the
     * pipeline's threads are joined. */
    struct idset *named;
    /* When non-NULL (changes without --include-adult), every adult id its
     * pages named in this run's shard (--shard), left out, is added here:
     * main then tells whether the database holds any of them (an export
     * with --include-adult stored them), which this run leaves unrefreshed.
     * Owned by main; written only by the producer thread, read by main
     * after the threads are joined. */
    struct idset *adult_left_out;
};

enum source_status {
    SOURCE_OK = 0,      /* exhausted normally */
    SOURCE_STOPPED = 1, /* the queue was aborted or a stop was requested */
    SOURCE_FATAL = 2,   /* the run cannot go on (401, unreachable host, ...): logged */
    SOURCE_ERROR = 3,   /* the source failed part-way (read error, bad page): logged */
    /* SOURCE_ERROR or SOURCE_FATAL because TMDB or the network did not
     * answer: a page's or the export download's retries spent on what may
     * pass (5xx, 429, timeouts, resets, an unreachable host): logged */
    SOURCE_UNAVAILABLE = 4,
};

/*
 * Produce every id of `src` into `work`, then queue_close(work). `f` is the
 * producer's own fetcher (for list pages). Input that names no movie id (a
 * bad token on standard input, an export line, a result of a list or
 * changes page without a usable id) is reported with its position, counted
 * as failed (stats->failed, stats->bad_input), and skipped: the run goes
 * on, and ends partial. A page that cannot be read as a page at all is
 * asked again, as a 5xx is (fetch_page()); one that stays so through the
 * retries ends the source (SOURCE_ERROR).
 */
enum source_status source_run(const struct source *src, struct fetcher *f, struct queue *work,
                              struct stats *stats);

/*
 * Describe what `src` loads, as the key a later run resumes by:
 * "list now_playing --pages all", "ids -", "ids 550 603", "export",
 * "changes --since 2026-11-20", with the filters and shard that change
 * which ids it names ("export --include-adult --shard 0/2"). The export's
 * date is not part of it, so an interrupted export resumes from the next
 * day's file. Returns a string the caller frees, or NULL when out of memory.
 */
char *source_describe(const struct source *src);

/* Whether a run of `kind` resumes the unfinished runs of its source just
 * before it, not fetching what they settled (unless --refresh): every kind
 * but changes, whose movies may have changed again since. */
bool source_kind_resumes(enum source_kind kind);

/* The kind of source a run's description names (source_describe()'s text,
 * as runs.source holds it): 0 with *kind set, or -1 for NULL or a text
 * source_describe() does not write (edited by hand). */
int source_kind_described(const char *described, enum source_kind *kind);

/* Whether `id` is this run's to fetch under --shard (always without). */
bool source_in_shard(const struct source *src, int64_t id);

/*
 * Parse a movie id token: decimal digits only, 1..INT64_MAX.
 * Returns 0 and sets *id, or -1.
 */
int source_parse_id(const char *token, size_t len, int64_t *id);

#endif
