/*
 * pipeline.h - the shape of a run: one producer thread, N worker threads,
 * one writer thread, two bounded queues between them.
 *
 *   producer --(work queue: movie ids, struct work_item)--> workers --(result queue)--> writer
 *
 * pipeline_run() is called by main's thread, which becomes the supervisor:
 * it starts the threads, draws progress, turns a stop request (fatal error
 * or signal) into queue_abort() on the work queue, and joins everything.
 * It sleeps in poll() between progress frames (none without a terminal);
 * at -vv it logs the CPU it took ("supervisor: 0.001 s of CPU"), as each
 * thread it started does.
 * End of input travels as queue closes: the producer closes the work queue,
 * each worker closes its share of the result queue, the writer drains and
 * commits, so nothing already fetched is lost even when a stop cuts the
 * fetching short.
 *
 * Ownership: the store is borrowed (only the writer thread touches it while
 * the pipeline runs); every queue, thread, curl handle and record created
 * here is freed before pipeline_run() returns.
 */
#ifndef TMDB_PIPELINE_H
#define TMDB_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fetch.h"
#include "http.h"
#include "source.h"

struct store;
struct stats;

struct pipeline_config {
    struct source source;
    struct fetch_config fetch;
    struct http_config http;
    int workers;       /* >= 1 */
    size_t queue_size; /* work queue capacity, >= 1 */
    double rate;       /* requests/s over all threads, 0 = unlimited */
    int batch_rows;
    long batch_ms;
    int give_up_after; /* writer_config's: 0 never */
    bool adult_gone;   /* writer_config's */
    int64_t run_id;
    bool dry_run; /* workers take ids off the queue and drop them: no detail
                   * request, and no result reaches the writer */
};

enum pipeline_status {
    PIPELINE_OK = 0,       /* the source was exhausted and every result written */
    PIPELINE_SOURCE_ERROR, /* the source failed part-way; what was fetched is stored */
    PIPELINE_FATAL,        /* 401, database error, TLS refused, ...: logged */
    PIPELINE_INTERRUPTED,  /* a signal stopped the run; what was fetched is stored */
    PIPELINE_SETUP_ERROR,  /* could not start (out of memory, threads): logged */
    PIPELINE_UNAVAILABLE,  /* TMDB or the network did not answer (STOP_UNAVAILABLE,
                              SOURCE_UNAVAILABLE): logged; a later run resumes */
};

/* Run the whole job. `stats` receives the counters (stats_init() first). */
enum pipeline_status pipeline_run(const struct pipeline_config *cfg, struct store *store,
                                  struct stats *stats);

#endif
