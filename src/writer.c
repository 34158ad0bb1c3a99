/* writer.c - see writer.h. */
#include "writer.h"

#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>

#include "clock.h"
#include "fetch.h"
#include "log.h"
#include "movie.h"
#include "queue.h"
#include "stats.h"
#include "stop.h"
#include "store.h"

/* writer_run()'s own state: the writer thread alone touches it. */
struct batch {
    struct store *store;
    struct stats *stats;
    const struct writer_config *cfg;
    bool open; /* a transaction is open */
    int rows;  /* results in the open transaction */
    long long opened_ms; /* clock_monotonic_ms() when the transaction began */
    long long due_ms;    /* its first result's queued_ms + batch_ms */
    /* counted when committed, so the counters match the database */
    long long stored, missing, failed, unusable, stale;
    int unanswered_in_a_row; /* writer_config.give_up_after */
    long long oldest_copy; /* seconds since the epoch, 0 none (stats.h) */
    /* The last copy time written, as text: the answers of one second share
     * their Date, so most movies reuse it. made_s -1: none yet. */
    long long made_s;
    char made[CLOCK_ISO_SIZE];
    bool failed_db;
    int64_t wal_warn_bytes; /* watch_wal() */
    int64_t wal_held_bytes; /* the log held at the last commit's look, 0 none */
};

/* A reader that keeps a snapshot open (a long query, a sqlite3 session left
 * inside BEGIN) makes SQLite append to DB-wal for as long as it lasts: a
 * backfill can fill the disk before the run's end says so. Said once the
 * log SQLite must keep passes the size it would keep the file to and was
 * held at the commit before too, with less in it, and again at each
 * doubling. Not at one look: a reader in the middle of a short query when
 * a batch commits holds the batch's pages for that moment only, and one
 * batch of a fast load can write more than that size (--batch 2000 into a
 * large database). Below that size a look is one stat() per commit. */
static void watch_wal(struct batch *b) {
    int64_t bytes;
    bool held;
    char path[PATH_MAX];
    if (store_wal_state(b->store, b->wal_warn_bytes, &bytes, &held, path, sizeof path) !=
        STORE_OK) {
        log_warn("%s", store_errmsg(b->store)); /* the load itself is fine */
        return;
    }
    int64_t before = b->wal_held_bytes;
    b->wal_held_bytes = held ? bytes : 0; /* held: over wal_warn_bytes, as asked */
    if (!held || before == 0 || bytes <= before)
        return;
    log_warn("%s is %lld MiB and growing: a reader holds a snapshot open (a long query, or a "
             "session left inside BEGIN), so SQLite cannot reuse it. The load goes on; the file "
             "empties once the reader lets go ('fuser %s' names who has it open)",
             path, (long long)(bytes >> 20), path);
    b->wal_warn_bytes = bytes * 2;
}

static void db_failed(struct batch *b) {
    stop_request(STOP_FATAL); /* a no-op when a signal stopped the run first */
    /* Said also after a signal: the exit status will not be 130/143. */
    if (!b->failed_db)
        log_error("%s (what is not committed is not stored: the next run fetches it)",
                  store_errmsg(b->store));
    if (b->open)
        store_rollback(b->store);
    b->open = false;
    b->failed_db = true;
}

/* The run's counts as they stand once the open batch is committed. */
static enum store_status record_progress(struct batch *b) {
    struct run_counts c;
    stats_to_counts(b->stats, &c);
    c.fetched += b->stored;
    c.missing += b->missing;
    c.failed += b->failed;
    return store_run_progress(b->store, b->cfg->run_id, &c);
}

static void commit(struct batch *b) {
    if (!b->open)
        return;
    if ((b->cfg->run_id > 0 && record_progress(b) != STORE_OK) ||
        store_commit(b->store) != STORE_OK) {
        db_failed(b);
        return;
    }
    stats_add(&b->stats->stored, b->stored);
    stats_add(&b->stats->missing, b->missing);
    stats_add(&b->stats->failed, b->failed);
    stats_add(&b->stats->unusable, b->unusable);
    stats_add(&b->stats->stale, b->stale);
    /* this thread alone writes it, and main reads it after the join */
    stats_keep_earliest(&b->stats->oldest_copy, b->oldest_copy);
    b->stored = b->missing = b->failed = b->unusable = b->stale = b->oldest_copy = 0;
    b->open = false;
    b->rows = 0;
    watch_wal(b);
}

/* When the copy `r` answered from was made, as text (ISO-8601 UTC), NULL
 * when unknown: formatted once for the answers of one second, which share
 * their Date (b->made). */
static const char *made_text(struct batch *b, const struct fetch_result *r) {
    if (r->copy_made_s < 0)
        return NULL;
    if (r->copy_made_s != b->made_s) {
        clock_format_iso(r->copy_made_s, b->made);
        b->made_s = r->copy_made_s;
    }
    return b->made;
}

/* An answer (stored, or TMDB's 404) from a copy TMDB's CDN made at
 * r->copy_made_s: noted in stale_copies when older than the change it was
 * fetched for, and a note it is new enough for cleared (store_note_copy()). */
static enum store_status note_copy(struct batch *b, const struct fetch_result *r) {
    bool waiting;
    enum store_status st =
        store_note_copy(b->store, r->movie_id, r->copy_needed_s, made_text(b, r), &waiting);
    b->stale += waiting;
    if (r->copy_made_s > 0 && (b->oldest_copy == 0 || r->copy_made_s < b->oldest_copy))
        b->oldest_copy = r->copy_made_s;
    return st;
}

/* TMDB no longer has movie r->movie_id (among the movies this run keeps):
 * noted as missing for `reason`, its row kept and marked deleted since now. */
static enum store_status mark_gone(struct batch *b, const struct fetch_result *r,
                                   const char *reason) {
    enum store_status st = store_record_failure(b->store, b->cfg->run_id, r->movie_id, "missing",
                                                r->http_status, reason, r->attempts);
    char now[CLOCK_ISO_SIZE];
    clock_utc_iso(now);
    if (st == STORE_OK)
        st = store_mark_deleted(b->store, r->movie_id, now, NULL);
    if (st == STORE_OK)
        st = note_copy(b, r);
    return st;
}

/* Whether stored result `r` says adult where the run keeps none
 * (writer_config.adult_gone), into *gone. Not one stored as adult already:
 * its page did not name it as not adult (a changes result's adult flag
 * null, not known), and it stays live, as it does when the flag says
 * adult and the page leaves it out. */
static enum store_status adult_gone(struct batch *b, const struct fetch_result *r, bool *gone) {
    *gone = false;
    if (r->kind != FETCH_STORED || !b->cfg->adult_gone || !r->movie->adult)
        return STORE_OK;
    bool stored_adult = false;
    enum store_status st = store_stored_adult(b->store, r->movie_id, &stored_adult);
    *gone = st == STORE_OK && !stored_adult;
    return st;
}

static void write_result(struct batch *b, const struct fetch_result *r) {
    if (!b->open) {
        if (store_begin(b->store) != STORE_OK) {
            db_failed(b);
            return;
        }
        b->open = true;
        b->opened_ms = clock_monotonic_ms();
        /* due when its first result has waited a batch's time */
        b->due_ms =
            (r->queued_ms > 0 && r->queued_ms < b->opened_ms ? r->queued_ms : b->opened_ms) +
            b->cfg->batch_ms;
    }
    bool gone;
    enum store_status st = adult_gone(b, r, &gone);
    if (st != STORE_OK) {
        db_failed(b);
        return;
    }
    if (gone) {
        st = mark_gone(b, r, "adult: left out without --include-adult");
        b->missing++;
    } else if (r->kind == FETCH_STORED) {
        char fetched_at[CLOCK_ISO_SIZE];
        clock_utc_iso(fetched_at);
        /* noted first: against the copy the movie is stored from */
        st = note_copy(b, r);
        if (st == STORE_OK)
            st = store_upsert_movie(b->store, r->movie, fetched_at, made_text(b, r));
        b->stored++;
    } else {
        bool missing = r->kind == FETCH_MISSING;
        st = missing ? mark_gone(b, r, r->reason)
                     : store_record_failure(b->store, b->cfg->run_id, r->movie_id, "failed",
                                            r->http_status, r->reason, r->attempts);
        if (missing)
            b->missing++;
        else
            b->failed++;
        b->unusable += r->unusable;
    }
    if (st != STORE_OK) {
        db_failed(b);
        return;
    }
    b->rows++;
}

/* Milliseconds until the open batch is due (batch_ms when none is open),
 * 0 when that is now. */
static long time_left(const struct batch *b) {
    if (!b->open)
        return b->cfg->batch_ms;
    long long left = b->due_ms - clock_monotonic_ms();
    return left > 0 ? (long)left : 0;
}

/* The open batch is committed now: it holds batch_rows, or it is due and
 * nothing more waits to join it, or it has been open a batch's time (a
 * writer behind the workers still commits by the batch, not by the row). */
static bool batch_ends(const struct batch *b, struct queue *results) {
    if (b->rows >= b->cfg->batch_rows)
        return true;
    long long now = clock_monotonic_ms();
    return now >= b->opened_ms + b->cfg->batch_ms ||
           (now >= b->due_ms && queue_length(results) == 0);
}

/* Count the movies in a row that failed unanswered; stop the run at
 * cfg->give_up_after of them (writer_config). */
static void watch_outage(struct batch *b, const struct fetch_result *r) {
    if (r->kind != FETCH_FAILED || !r->unanswered) {
        b->unanswered_in_a_row = 0;
        return;
    }
    if (++b->unanswered_in_a_row != b->cfg->give_up_after)
        return;
    if (stop_request(STOP_UNAVAILABLE))
        log_error("%d movies in a row failed with no answer TMDB meant (the last, movie "
                  "%" PRId64 ": %s): TMDB or the network looks down, so the run stops "
                  "rather than fail every movie left; the next run fetches what this one did "
                  "not store (--give-up-after)",
                  b->unanswered_in_a_row, r->movie_id, r->reason);
}

enum writer_status writer_run(struct store *store, struct queue *results,
                              const struct writer_config *cfg, struct stats *stats) {
    struct batch b = {.store = store,
                      .stats = stats,
                      .cfg = cfg,
                      .made_s = -1,
                      .wal_warn_bytes =
                          cfg->wal_warn_bytes > 0 ? cfg->wal_warn_bytes : STORE_WAL_LIMIT_BYTES};
    for (;;) {
        long wait_ms = time_left(&b);
        if (wait_ms > 0 && queue_length(results) == 0) {
            queue_wait_fill(results, wait_ms);
            wait_ms = time_left(&b); /* the batch's deadline has not moved */
        }
        struct fetch_result r;
        enum queue_status qs = queue_pop_timed(results, &r, wait_ms > 0 ? wait_ms : 1);
        if (qs == QUEUE_TIMEOUT) {
            commit(&b);
            continue;
        }
        if (qs != QUEUE_OK)
            break;
        if (!b.failed_db)
            write_result(&b, &r);
        watch_outage(&b, &r);
        movie_free(r.movie);
        if (b.open && batch_ends(&b, results))
            commit(&b);
    }
    commit(&b);
    return b.failed_db ? WRITER_FAILED : WRITER_OK;
}
