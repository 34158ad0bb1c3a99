/*
 * store.h - the SQLite database: schema, movies, runs and failures.
 *
 * Threading: a struct store owns the process's only sqlite3 connection.
 * Only one thread may use a given store at a time; in the pipeline that is
 * the writer thread (main opens it before the threads start and closes it
 * after they are joined). No other module includes sqlite3.h.
 *
 * The schema lives in sql/schema.sql and is compiled into the binary, so
 * the program works from any directory. PRAGMA user_version holds
 * STORE_SCHEMA_VERSION. The connection runs in WAL mode, so readers never
 * block the load and never see an uncommitted movie.
 *
 * Transactions: the caller batches with store_begin()/store_commit(). A
 * movie and all of its link rows are written by one store_upsert_movie()
 * call inside the caller's transaction, so they commit together or not at
 * all. All statements are prepared once at open and reused.
 *
 * Errors: functions return STORE_OK or a negative enum store_status; the
 * message (naming the database file and the SQL step) is available from
 * store_errmsg() until the next call.
 */
#ifndef TMDB_STORE_H
#define TMDB_STORE_H

#include <stddef.h>
#include <stdint.h>

struct movie;

#define STORE_SCHEMA_VERSION 2

enum store_status {
    STORE_OK = 0,
    STORE_ERR = -1,          /* any SQLite or I/O failure; see store_errmsg() */
    STORE_ERR_LANGUAGE = -2, /* database holds another language's text */
    STORE_ERR_NOMEM = -3,
    STORE_ERR_SCHEMA = -4,   /* user_version newer than this binary, or not our database */
};

/* Counters of one run, as stored in the runs table. */
struct run_counts {
    int64_t requested; /* distinct ids enqueued */
    int64_t fetched;   /* stored */
    int64_t missing;   /* 404 */
    int64_t failed;    /* gave up after retries or bad payload */
    int64_t http_requests;
    int64_t retries;
    int64_t skipped;   /* not fetched: settled by the interrupted run being resumed */
};

struct store;

/*
 * Open (creating if needed) the database at `path`, apply the schema,
 * switch to WAL, and check the language: a new database records `language`;
 * an existing one with another language gives STORE_ERR_LANGUAGE.
 * On success *out is the caller's (free with store_close()). On failure
 * *out is NULL and `err` holds the reason.
 */
enum store_status store_open(const char *path, const char *language, struct store **out,
                             char *err, size_t err_size);

/* Close the connection (finalizing statements). Accepts NULL. */
void store_close(struct store *s);

/* The last error's message. Valid until the next call on `s`. */
const char *store_errmsg(const struct store *s);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK of the current batch. */
enum store_status store_begin(struct store *s);
enum store_status store_commit(struct store *s);
enum store_status store_rollback(struct store *s);

/*
 * Insert or update one movie and replace its genre, company, country,
 * spoken-language and collection links, all under a savepoint inside the
 * current transaction: on error nothing of this movie is left behind and
 * the surrounding batch stays usable. `fetched_at` is an ISO-8601 UTC
 * timestamp ("2026-11-24T03:30:00Z").
 */
enum store_status store_upsert_movie(struct store *s, const struct movie *m,
                                     const char *fetched_at);

/*
 * Record a movie that was not stored in run `run_id`: http_status 404 with
 * kind "missing", or any other outcome with kind "failed". `reason` is a
 * short text (never containing the credential). `attempts` counts requests.
 */
enum store_status store_record_failure(struct store *s, int64_t run_id, int64_t movie_id,
                                       const char *kind, long http_status, const char *reason,
                                       int attempts);

/*
 * Insert a runs row with status "running" and return its id in *run_id.
 * `command` is the command line as given, already without any credential;
 * `source` names what is loaded (source_describe()), the key for resuming.
 */
enum store_status store_run_begin(struct store *s, const char *command, const char *source,
                                  const char *started_at, int64_t *run_id);

/*
 * Mark every run still "running" as "aborted" (its process died: no run
 * can be running while the caller holds the database's lock, lock.h).
 * *n_marked receives how many were marked. Commits on its own.
 */
enum store_status store_mark_aborted(struct store *s, const char *now, int64_t *n_marked);

/* Called once per id by store_resume_ids(); return 0 to go on, -1 to stop. */
typedef int (*store_id_fn)(void *ctx, int64_t id);

/*
 * Resuming: when the runs just before `run_id` were interrupted or aborted
 * runs of the same `source`, call fn for every movie they already settled
 * (stored, or answered 404) so the new run need not fetch it again.
 * *from_run receives the earliest such run, or 0 when there is nothing to
 * resume. Returns STORE_ERR_NOMEM when fn returns -1.
 */
enum store_status store_resume_ids(struct store *s, const char *source, int64_t run_id,
                                   store_id_fn fn, void *ctx, int64_t *from_run);

/*
 * Finish run `run_id`: set its end time, status ("ok", "partial",
 * "failed", "interrupted") and counts. Commits on its own; call it outside
 * a batch.
 */
enum store_status store_run_finish(struct store *s, int64_t run_id, const char *finished_at,
                                   const char *status, const struct run_counts *counts);

#endif
