/*
 * writer.h - the writer thread's loop: results from the workers into the
 * database, in batched transactions.
 *
 * Runs on the one writer thread, the only user of the struct store. A batch
 * is committed once it holds `batch_rows` results, or once its first result
 * has waited `batch_ms` milliseconds since a worker queued it (struct
 * fetch_result's queued_ms) and no other result is queued, or at the latest
 * `batch_ms` after the transaction began (a writer behind the workers);
 * so a crash loses at most one batch and readers see progress every
 * `batch_ms` or so. It frees every movie record it receives. When the
 * queue is empty it sleeps until the queue is half full or holds its
 * gather weight in bytes (pipeline.c), the last worker has closed it, or
 * the open batch is due (queue_wait_fill()), rather than
 * waking for each result: at 20 ms latency a wake-up per half a queue of
 * 64, not one per 10 results, took a fifth off the writer's CPU.
 *
 * Each movie stored keeps the time its copy of TMDB's CDN was made
 * (movies.copy_made_at, bound with the row). With each movie stored (or
 * answered 404) it notes in stale_copies, in the same transaction, whether
 * the copy is older than the change it was fetched for, or clears such a
 * note (store_note_copy()).
 *
 * Each batch also updates the run's counts in runs (store_run_progress()),
 * so that a long run's progress is in the database as it goes.
 * After each commit it looks at DB-wal's size (one stat()), and warns when a
 * reader's snapshot keeps SQLite from reusing it past 64 MiB, and at each
 * doubling.
 *
 * On a database error the writer logs it (naming file and step), requests a
 * fatal stop, rolls the batch back, and keeps draining the result queue
 * (freeing what arrives) so no worker stays blocked on it.
 */
#ifndef TMDB_WRITER_H
#define TMDB_WRITER_H

#include <stdbool.h>
#include <stdint.h>

struct queue;
struct store;
struct stats;

struct writer_config {
    int64_t run_id;
    int batch_rows; /* > 0 */
    long batch_ms;  /* > 0 */
    /* DB-wal size past which a reader holding a snapshot is warned of;
     * 0: STORE_WAL_LIMIT_BYTES (tests set a small one) */
    int64_t wal_warn_bytes;
    /* Stop the run (STOP_FATAL, logged) once this many movies in a row
     * failed unanswered (fetch_result.unanswered: their retries spent on
     * 5xx, 429, timeouts, resets; or at once a 2xx body not JSON, an error
     * that is not TMDB's own, a proxy's or firewall's page, a redirect):
     * TMDB or the network is down, and going on would fail every movie
     * left, each noted for the next run. Any other result (stored, TMDB's
     * 404, a failure TMDB answered) ends the row. 0: never. */
    int give_up_after;
    /* export and changes without --include-adult: an answer saying adult
     * is taken as TMDB's 404 (a stored movie marked deleted, a new one not
     * stored). TMDB marked it adult after its export or changes page named
     * it; stored as adult, no export without TMDB's adult list would ever
     * mark it deleted, and the database would keep it live for good. Not
     * a movie stored as adult already (a changes result whose adult flag
     * is null, not known, names it): stored, live, as before. */
    bool adult_gone;
};

enum writer_status {
    WRITER_OK = 0,
    WRITER_FAILED = 1, /* a database error stopped the run (already logged) */
};

/* Consume `results` (items are struct fetch_result) until it is closed and
 * drained; commit the last batch. */
enum writer_status writer_run(struct store *store, struct queue *results,
                              const struct writer_config *cfg, struct stats *stats);

#endif
