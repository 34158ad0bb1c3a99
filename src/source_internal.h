/*
 * source_internal.h - what the producer's sources share (source.c: list,
 * ids, stdin, and the checks before a run; source_export.c: the daily
 * export; source_changes.c: /movie/changes). Not part of source.h's
 * contract: for these three files only. Everything here runs on the
 * producer's thread (source_run()).
 */
#ifndef TMDB_SOURCE_INTERNAL_H
#define TMDB_SOURCE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "fetch.h"
#include "http.h"
#include "source.h"
#include "tmdb.h"

struct idset;
struct queue;
struct stats;

/* One run's producer: the source, where its ids go, and what it has seen.
 * Owned by source_run(), on the producer's thread. */
struct producer {
    const struct source *src;
    struct queue *work;
    struct stats *stats;
    struct idset *seen;       /* ids seen so far this run */
    const struct idset *skip; /* ids settled by the run being resumed, or NULL */
    long bad_results;         /* results of list or changes pages without a usable id */
};

/* Push `id` unless already seen, needing a copy made at `copy_needed_s`
 * or later (work_item; 0 none). Returns 0, or -1 when the queue was
 * aborted or memory ran out (logged). */
int source_push_item(struct producer *p, int64_t id, long long copy_needed_s);

/* source_push_item() for sources that say nothing of when a movie changed. */
int source_push_id(struct producer *p, int64_t id);

/*
 * Skip the results of page `n` that have no usable movie id, as a bad
 * `ids -` token or export line is: named with the page and position (the
 * first BAD_RESULTS_SHOWN of the run), counted as failed, so the run ends
 * partial; the page's other results go on. `where` names the pages
 * ("top_rated", "changes 2026-11-20..2026-11-25"). With `drop_adult`, an
 * adult result is left out unnamed, as its id would have been.
 */
void source_skip_bad_results(struct producer *p, const char *where, int n,
                             const struct tmdb_list_page *page, bool drop_adult);

/* A page that ends the run: its host unreachable through every retry (f's
 * last request spent them: an outage), a 401, a TLS failure. */
enum source_status source_fail_fatal(const struct fetcher *f, const char *what, int page,
                                     const char *reason);

/* A page given up (its last answer `r` and its reason, after `attempts`
 * requests: a 4xx, or 5xx or unreadable bodies through every retry, which
 * f's last request spent: TMDB or the network did not answer). TMDB's own
 * 404 for a list or changes page, which v3 always serves, is a wrong API
 * base (a missing /3, /4 for /3): said as the /configuration check says it. */
enum source_status source_fail_page(const struct fetcher *f, const struct http_result *r,
                                    const char *what, int page, const char *reason, int attempts);

/* Wait until `fd` is readable or a stop is requested. 0 readable, -1 stop. */
int source_wait_readable(int fd);

/*
 * changes reads by UTC day, through yesterday by this machine's clock, and
 * then marks those days complete: a clock days ahead would mark days that
 * have not ended, and their changes would never be read (the next run,
 * with the clock right, refuses a cursor after today, but the days between
 * are lost to it). export without --file or --date picks the newest file
 * by the same clock: days behind, it would read an old one, fetch again
 * what it names and stamp it all with the wrong time. TMDB's answer (the
 * first changes page, or /configuration) gives TMDB's clock: its Date
 * header, plus its Age when a cache kept it (http_server_time()). SOURCE_OK,
 * or SOURCE_ERROR logged, saying `why` the run needs the right clock.
 */
enum source_status source_check_clock(struct fetcher *f, const char *why);

/* The daily export's ids (downloaded, or --file), fetched in ascending
 * order once the whole file is read (source_export.c). */
enum source_status source_produce_export(const struct source *src, struct fetcher *f,
                                         struct producer *p);

/* The ids /movie/changes names for the source's days, latest window first,
 * then the movies earlier runs left waiting (source_changes.c). */
enum source_status source_produce_changes(const struct source *src, struct fetcher *f,
                                          struct producer *p);

#endif
