/*
 * source.h - the producer: turns a source into movie ids on the work queue.
 *
 * Runs on the producer thread. Ids are pushed as they arrive (page by page,
 * or token by token from standard input), so workers start on the first
 * page while later pages are still being fetched. Each id is pushed once per
 * run (idset.h). When the source is exhausted, or the queue is aborted, the
 * producer closes its end of the work queue (queue_close()) exactly once.
 */
#ifndef TMDB_SOURCE_H
#define TMDB_SOURCE_H

#include <stdint.h>

#include "tmdb.h"

struct fetcher;
struct idset;
struct queue;
struct stats;

enum source_kind {
    SOURCE_LIST,  /* a TMDB list endpoint, paged */
    SOURCE_IDS,   /* ids given on the command line */
    SOURCE_STDIN, /* ids read from a file descriptor (standard input) */
};

/* Read-only during the run; the strings and arrays belong to main. */
struct source {
    enum source_kind kind;
    enum tmdb_list list; /* SOURCE_LIST */
    int pages;           /* SOURCE_LIST: pages to fetch; 0 = all (up to TMDB_MAX_PAGE) */
    const int64_t *ids;  /* SOURCE_IDS */
    size_t n_ids;
    int fd;              /* SOURCE_STDIN */
    /* Ids not to fetch (already stored by an interrupted run being resumed);
     * NULL for none. Owned by main, only read while the run lasts. */
    const struct idset *skip;
};

enum source_status {
    SOURCE_OK = 0,      /* exhausted normally */
    SOURCE_STOPPED = 1, /* the queue was aborted or a stop was requested */
    SOURCE_FATAL = 2,   /* the run cannot go on (401, unreachable host, ...): logged */
    SOURCE_ERROR = 3,   /* the source failed part-way (read error, bad page): logged */
};

/*
 * Produce every id of `src` into `work`, then queue_close(work). `f` is the
 * producer's own fetcher (for list pages). Bad tokens on standard input are
 * reported with their position, counted as failed, and skipped.
 */
enum source_status source_run(const struct source *src, struct fetcher *f, struct queue *work,
                              struct stats *stats);

/*
 * Describe what `src` loads, as the key a later run resumes by:
 * "list now_playing --pages all", "ids -", "ids 550 603". Returns a string
 * the caller frees, or NULL when out of memory.
 */
char *source_describe(const struct source *src);

/*
 * Parse a movie id token: decimal digits only, 1..INT64_MAX.
 * Returns 0 and sets *id, or -1.
 */
int source_parse_id(const char *token, size_t len, int64_t *id);

#endif
