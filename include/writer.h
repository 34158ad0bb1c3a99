/*
 * writer.h - the writer thread's loop: results from the workers into the
 * database, in batched transactions.
 *
 * Runs on the one writer thread, the only user of the struct store. A batch
 * is committed every `batch_rows` results or `batch_ms` milliseconds,
 * whichever comes first, so a crash loses at most one batch and readers see
 * progress. It frees every movie record it receives. When the queue is
 * empty it sleeps until the queue is half full (queue_wait_fill(), or
 * WRITER_GATHER_MS, or the batch's deadline, has passed) rather than
 * waking for each result.
 *
 * On a database error the writer logs it (naming file and step), requests a
 * fatal stop, rolls the batch back, and keeps draining the result queue
 * (freeing what arrives) so no worker stays blocked on it.
 *
 * A wrong API base on TMDB's own host (a missing /3, /4 for /3) answers
 * every movie with TMDB's own "not found", which would mark every stored
 * movie deleted, exit 0. So the writer checks the run's first answers: it
 * holds them uncommitted while they are all 404s, up to WRITER_SUSPECT_404S
 * of them. If that many come and one of them at least is a live stored
 * movie (or any, with `every_404_suspect`: an export names existing movies
 * only), it stops the run as fatal and rolls the batch back: none of them
 * is recorded or marked. Any other answer, or that many 404s for movies
 * the database does not hold, ends the check for the rest of the run and
 * commits as usual; so does a run that ends first. A run stopped (signal,
 * fatal error) during the check drops what it held: the next run asks
 * again.
 */
#ifndef TMDB_WRITER_H
#define TMDB_WRITER_H

#include <stdbool.h>
#include <stdint.h>

struct queue;
struct store;
struct stats;

/* The longest a result waits for others before the writer wakes for it. */
#define WRITER_GATHER_MS 100

/* 404s at the start of a run that stop it (see above). */
#define WRITER_SUSPECT_404S 25

struct writer_config {
    int64_t run_id;
    int batch_rows; /* > 0 */
    long batch_ms;  /* > 0 */
    bool every_404_suspect; /* the ids came from the export: any 404 counts */
};

enum writer_status {
    WRITER_OK = 0,
    WRITER_FAILED = 1, /* a database error, or only 404s (above), stopped the run (logged) */
};

/* Consume `results` (items are struct fetch_result) until it is closed and
 * drained; commit the last batch. */
enum writer_status writer_run(struct store *store, struct queue *results,
                              const struct writer_config *cfg, struct stats *stats);

#endif
