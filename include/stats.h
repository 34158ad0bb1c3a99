/*
 * stats.h - the run's counters, shared by every thread.
 *
 * Each counter is an independent relaxed atomic: threads add, the main
 * thread reads snapshots for the progress line and the runs table. No
 * counter is used to make a decision between threads.
 *
 *   requested      distinct ids the producer enqueued (producer)
 *   expected       ids the source announced, each of this shard's once, those
 *                  to skip included, for progress (producer; 0 = unknown)
 *   stored         movies committed to the database (writer)
 *   missing        404 answers, deleted movies (writer)
 *   failed         movies given up on, bad input tokens (writer, producer)
 *   unusable       of them, movies TMDB answered with well-formed JSON of the
 *                  wrong shape (writer; fetch.h)
 *   stale          movies stored (or found deleted) from a copy older than
 *                  the change they were fetched for, left in stale_copies
 *                  (writer; store_note_copy())
 *   http_requests  requests sent, list pages included (workers, producer)
 *   retries        requests that were repeats (workers, producer)
 *   throttled      429/503 answers (workers, producer)
 *   answers        the workers' requests that got an HTTP answer, and
 *   answer_us      the microseconds they took in all: what bounds the
 *                  workers' pace (each worker as it ends; read by main's
 *                  thread once the threads are joined)
 *   oldest_copy    the earliest Date (seconds since the epoch) of a copy the
 *                  run stored or found deleted; 0 none (writer, at commit;
 *                  read by main's thread once the threads are joined)
 *   changes_copy   the earliest Date of a /movie/changes page the run read
 *                  from a copy TMDB's CDN made before its window ended; 0
 *                  none (producer; read by main's thread once the threads
 *                  are joined)
 *   changes_mixed  the earliest first day (days since the epoch, as
 *                  clock_today()) of a /movie/changes window whose pages
 *                  came from copies made at different times, one before
 *                  the window ended; 0 none (producer; read as changes_copy is)
 *   skipped        ids not fetched: settled by the interrupted run resumed, or
 *                  fresher than --max-age (producer)
 *   bad_input      tokens, export lines or results of list and changes pages
 *                  that were not ids (producer; also counted in failed)
 */
#ifndef TMDB_STATS_H
#define TMDB_STATS_H

#include <stdatomic.h>
#include <stdint.h>

struct run_counts;

struct stats {
    atomic_llong requested;
    atomic_llong expected;
    atomic_llong stored;
    atomic_llong missing;
    atomic_llong failed;
    atomic_llong unusable;
    atomic_llong stale;
    atomic_llong oldest_copy;
    atomic_llong changes_copy;
    atomic_llong changes_mixed;
    atomic_llong http_requests;
    atomic_llong retries;
    atomic_llong throttled;
    atomic_llong answers;
    atomic_llong answer_us;
    atomic_llong skipped;
    atomic_llong bad_input;
};

/* Zero every counter (before threads start). */
void stats_init(struct stats *s);

/* Add `n` to one counter (relaxed). */
void stats_add(atomic_llong *counter, long long n);

/* Read one counter (relaxed). */
long long stats_get(atomic_llong *counter);

/* Keep `t` in a time counter (oldest_copy, changes_copy, changes_mixed: 0
 * none) when it is a time (> 0) before the one there. One thread alone writes such a
 * counter; others read it after joining that thread. */
void stats_keep_earliest(atomic_llong *counter, long long t);

/* Copy the counters the runs table keeps. */
void stats_to_counts(struct stats *s, struct run_counts *out);

#endif
