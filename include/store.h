/*
 * store.h - the SQLite database: schema, movies, runs and failures.
 *
 * Threading: a struct store owns the process's only sqlite3 connection.
 * Only one thread may use a given store at a time; in the pipeline that is
 * the writer thread (main opens it before the threads start and closes it
 * after they are joined). No other module includes sqlite3.h.
 *
 * The schema lives in sql/schema.sql (views in sql/views.sql, upgrades in
 * sql/migrations/) and is compiled into the binary, so the program works
 * from any directory. PRAGMA user_version holds STORE_SCHEMA_VERSION. The
 * connection runs in WAL mode, so readers never block the load and never
 * see an uncommitted movie.
 *
 * Transactions: the caller batches with store_begin()/store_commit(). A
 * movie and all of its link rows are written by one store_upsert_movie()
 * call inside the caller's transaction, so they commit together or not at
 * all. Every statement a load runs per movie or per batch is prepared
 * once at open and reused (store_internal.h); those run once a command
 * (stats, dump, search, merge, what export and changes do after the
 * pipeline: sync.h) are prepared when used.
 *
 * Errors: functions return STORE_OK or a negative enum store_status; the
 * message (naming the database file and the SQL step) is available from
 * store_errmsg() until the next call.
 */
#ifndef TMDB_STORE_H
#define TMDB_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "movie.h"

struct idset;
struct movie;

#define STORE_SCHEMA_VERSION 8

enum store_status {
    STORE_OK = 0,
    STORE_ERR = -1,          /* any SQLite or I/O failure; see store_errmsg() */
    STORE_ERR_LANGUAGE = -2, /* database holds another language's text */
    STORE_ERR_NOMEM = -3,
    STORE_ERR_SCHEMA = -4,  /* user_version newer than this binary, or not our database */
    STORE_ERR_OLD = -5,     /* store_open_readonly(): an older schema; store_upgrade() it */
    STORE_ERR_QUERY = -6,   /* store_search(): nothing to search for, or too many words;
                             * store_dump(): no such run */
    STORE_ERR_EMPTY = -7,   /* store_open_readonly(): no table at all yet (an empty file, or
                             * a first load's before it commits the schema) */
    STORE_ERR_STOPPED = -8, /* store_backup(): its callback asked it to stop; it and
                             * store_prepare_restore(): a stop (stop.h) came during the
                             * check of the copy */
};

/* Counters of one run, as stored in the runs table. */
struct run_counts {
    int64_t requested; /* distinct ids enqueued */
    int64_t fetched;   /* stored */
    int64_t missing;   /* 404 */
    int64_t failed;    /* gave up after retries or bad payload */
    int64_t unusable;  /* of failed: answered with a body that cannot be stored (not in runs) */
    int64_t http_requests;
    int64_t retries;
    int64_t skipped; /* not fetched: settled by the interrupted run being resumed,
                      * or fetched recently enough (--max-age) */
};

struct store;

/*
 * Configure SQLite for this process: no memory statistics (they take a
 * global lock on every allocation). Call once from main before a load's
 * first store function and before threads start. Returns 0 or -1. (stats,
 * dump, search and merge run on one thread and do without it: SQLite then
 * initialises itself, with the statistics.)
 */
int store_global_init(void);

/*
 * Open (creating if needed) the database at `path`, apply the schema,
 * switch to WAL, and check the language: a new database records `language`;
 * an existing one with another language gives STORE_ERR_LANGUAGE.
 * On success *out is the caller's (free with store_close()). On failure
 * *out is NULL and `err` holds the reason.
 */
enum store_status store_open(const char *path, const char *language, struct store **out, char *err,
                             size_t err_size);

/*
 * store_open() for a load: the connection fires none of the schema's
 * triggers (SQLITE_DBCONFIG_ENABLE_TRIGGER off once the schema is
 * applied), and the store does itself what they do for its writes: it
 * notes search documents in fts_pending (a new movie, a stored one whose
 * document changes, the movies of a renamed keyword) and sets updated_at
 * of the shared rows it writes. For a load's connection, whose writes to
 * tables with triggers go only through store_upsert_movie() and
 * store_mark_deleted() (runs, fetch_failures, stale_copies and meta have
 * none); a merge writes with INSERT ... SELECT and keeps the triggers. A
 * trigger someone adds to the schema by hand does not fire for a load
 * either. Why: a statement that fires a trigger writes more than one row,
 * so SQLite runs it in a statement transaction and copies each page it
 * changes into a statement journal, a temporary file once past 64 KiB:
 * 29 KB a movie, four times what the WAL gets. The triggers go off before
 * the statements are prepared: turning them off later would make SQLite
 * prepare every statement again.
 */
enum store_status store_open_for_load(const char *path, const char *language, struct store **out,
                                      char *err, size_t err_size);

/*
 * Size the connection's page cache: `bytes`, rounded down to whole KiB
 * (PRAGMA cache_size = -KiB). SQLite allocates it as pages are used, so
 * it bounds the memory a load's database side takes; a bigger one saves
 * reads and rewrites of index pages once the database outgrows it.
 */
enum store_status store_set_cache(struct store *s, size_t bytes);

/* The page cache the connection has, in bytes (PRAGMA cache_size), or 0
 * when it cannot be read. */
size_t store_cache_bytes(struct store *s);

/* The SQLite library's version ("3.40.1"). */
const char *store_library_version(void);

/* DB-wal is cut back to this size whenever SQLite starts it again
 * (journal_size_limit); a WAL left bigger after a load was held by a
 * reader. */
#define STORE_WAL_LIMIT_BYTES (64LL << 20)

/*
 * At the end of a load: copy the whole WAL into the database and empty it
 * (a TRUNCATE checkpoint), without waiting for readers. *wal_bytes
 * receives DB-wal's size afterwards, and wal_path (wal_size bytes) its
 * name (beside the database file itself, also through a symlink): 0,
 * unless a reader's snapshot still needs its pages (a long query held
 * during the load makes SQLite append rather than reuse it, so it can grow
 * well past the database). A file a reader keeps from being cut at this
 * instant, though all of it was copied, counts as 0.
 */
enum store_status store_shrink_wal(struct store *s, int64_t *wal_bytes, char *wal_path,
                                   size_t wal_size);

/*
 * During a load, after a commit: wal_path as store_shrink_wal(). When the
 * DB-wal file is over `min_bytes`, also copy into the database what a
 * passive checkpoint may (it never waits), set *wal_bytes to the log SQLite
 * must keep, and tell whether a reader's snapshot kept part of it from the
 * checkpoint while it is over `min_bytes` (*held: SQLite must then append
 * to DB-wal instead of reusing it). Otherwise *wal_bytes is 0.
 */
enum store_status store_wal_state(struct store *s, int64_t min_bytes, int64_t *wal_bytes,
                                  bool *held, char *wal_path, size_t wal_size);

/* Close the connection (finalizing statements). Accepts NULL. */
void store_close(struct store *s);

/* The last error's message. Valid until the next call on `s`. */
const char *store_errmsg(const struct store *s);

/* Whether the last error may pass when the write is tried again later: the
 * database locked by another connection past the busy timeout, or a write
 * that failed (a full disk, an I/O error). Not for a corrupt or read-only
 * file, nor a lack of memory. */
bool store_failure_may_pass(const struct store *s);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK of the current batch. After a failed
 * store_commit() the caller rolls back with store_rollback(), as after any
 * failed write: that is also where the store forgets the shared rows the
 * batch wrote (rowcache.h). */
enum store_status store_begin(struct store *s);
enum store_status store_commit(struct store *s);
enum store_status store_rollback(struct store *s);

/* ---- Writing a movie (store_movie.c, store_parts.c) ---- */

/*
 * Insert or update one movie and replace its genre, company, country,
 * spoken-language and collection links (and the appended parts it
 * carries), inside the current transaction. `fetched_at` is an ISO-8601
 * UTC timestamp ("2026-11-24T03:30:00Z"), and so is `copy_made_at`: when
 * the copy TMDB's CDN served was made (the answer's Date), NULL unknown.
 *
 * A stored set of links or part rows that the body makes again (the same
 * keys, positions and values, as in most nightly reloads) is read and left
 * as it is: the result is the same, and reading costs a fraction of
 * deleting and inserting.
 *
 * On error part of the movie may already be written: the caller must roll
 * the batch back with store_rollback(). There is no savepoint per movie:
 * the body was validated before it got here, so what fails is the disk or
 * the database, which no other movie of the batch would survive either,
 * and a savepoint journals every page the movie touches (a fifth of the
 * writer's CPU). The run stops; the next one resumes the batch.
 */
enum store_status store_upsert_movie(struct store *s, const struct movie *m, const char *fetched_at,
                                     const char *copy_made_at);

/* ---- Runs and their failures (store.c) ---- */

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
 * `command` is the command line as given, already without any credential
 * (a URL's password shown as ***: tmdb_redact_url());
 * `source` names what is loaded (source_describe()), the key for resuming.
 * The row gets a new store_new_run_uid(), the run's identity in every
 * database it is merged into; STORE_ERR when no random bytes can be read.
 * From then on, the times this connection writes (a movie's fetched_at or
 * deleted_at, a failure's recorded_at, the run's end) are never earlier
 * than started_at, if the clock was set back meanwhile: `dump --since` the
 * run before finds the run's rows from its start on.
 */
enum store_status store_run_begin(struct store *s, const char *command, const char *source,
                                  const char *started_at, int64_t *run_id);

/* Hex digits of a run's uid (runs.uid): 128 bits. */
#define STORE_RUN_UID_CHARS 32

/*
 * Write a new run identity into uid: 128 bits from getrandom(2) (or
 * /dev/urandom) as STORE_RUN_UID_CHARS lowercase hex digits and a NUL.
 * Returns 0, or -1 with errno set when neither source can be read. Any
 * thread.
 */
int store_new_run_uid(char uid[STORE_RUN_UID_CHARS + 1]);

/*
 * Mark every run still "running" as "aborted" (its process died: no run
 * can be running while the caller holds the database's lock, lock.h).
 * *n_marked receives how many were marked. Commits on its own.
 */
enum store_status store_mark_aborted(struct store *s, const char *now, int64_t *n_marked);

/* Called once per id by store_resume_ids(); return 0 to go on, -1 to stop. */
typedef int (*store_id_fn)(void *ctx, int64_t id);

/*
 * Resuming: when the runs just before `run_id` were unfinished runs
 * (interrupted, aborted or failed) of the same `source`, call fn for every
 * movie they already settled (stored with at least the parts of `append`,
 * an --append list, "" for none, that are kept in tables; or, with
 * `missing_settled`, answered 404) so the new run need not fetch it again.
 * An export passes false: the ids it fetches are listed in its file, which
 * may be a later day's than the interrupted run's, so one that answered 404
 * may be back; they are few, each asked again. *from_run receives the
 * earliest such run, or 0 when there is nothing to resume. With
 * `running_dead` (the caller knows no load holds the database, so their
 * processes are gone), a run still marked running counts as unfinished
 * too: a dry run, which marks nothing, sees what a load would after
 * marking such runs aborted. Returns STORE_ERR_NOMEM when fn returns -1.
 */
enum store_status store_resume_ids(struct store *s, const char *source, const char *append,
                                   bool missing_settled, int64_t run_id, bool running_dead,
                                   store_id_fn fn, void *ctx, int64_t *from_run);

/* How a run ended, for its row in runs. */
struct run_end {
    const char *finished_at; /* ISO-8601 UTC */
    const char *status;      /* "ok", "partial", "failed", "interrupted" */
    int exit_status;         /* the process's, 0-255 */
    const char *error;       /* the first error it reported, or NULL */
};

/*
 * Finish run `run_id`: set its end (time, status, exit status, error) and
 * counts. Commits on its own; call it outside a batch.
 */
enum store_status store_run_finish(struct store *s, int64_t run_id, const struct run_end *end,
                                   const struct run_counts *counts);

/* While run `run_id` is running: its counts so far, inside the writer's
 * open batch (committed with the rows they count), so that `stats` and
 * monitoring see a long run's progress. */
enum store_status store_run_progress(struct store *s, int64_t run_id,
                                     const struct run_counts *counts);

/* ---- Opening read-only, upgrading (store.c) ---- */

/*
 * Open an existing database read-only, for stats, dump, search, --dry-run
 * and merge's inputs: nothing is created, upgraded or written. Fails
 * unless the schema version is this binary's: STORE_ERR_OLD for an older
 * one (store_upgrade() it), STORE_ERR_EMPTY for a database with no table
 * at all (an empty file, or one a first load has made but not yet given
 * its schema), STORE_ERR_SCHEMA otherwise (newer, none, or another
 * program's database: a version of ours without meta.language). Same
 * ownership and error contract as store_open().
 * On a read-only filesystem a WAL database whose DB-shm is not there
 * (copied without it: a snapshot, a backup) is opened immutable (SQLite's
 * immutable=1: no -shm, no locks), when DB-wal holds no transaction; one
 * that does is refused (STORE_ERR), saying to copy both files.
 */
enum store_status store_open_readonly(const char *path, struct store **out, char *err,
                                      size_t err_size);

/*
 * Bring the database at `path` to this binary's schema version, keeping its
 * language, for the read-only commands (stats, dump, --dry-run) when
 * store_open_readonly() said STORE_ERR_OLD. The caller holds the
 * database's lock (lock.h). Error contract as store_open().
 */
enum store_status store_upgrade(const char *path, char *err, size_t err_size);

/* ---- Keeping a catalogue in sync (store_sync.c) ---- */

/* Mark movie `id` deleted as of `now` (a 404), unless it already is or is
 * not stored; *marked (if not NULL) says whether it was a live stored
 * movie. Inside the caller's batch. */
enum store_status store_mark_deleted(struct store *s, int64_t id, const char *now, bool *marked);

/* Called for each stored id by store_find_gone(): true when the source
 * still names it. */
typedef bool (*store_present_fn)(void *ctx, int64_t id);

/* How many of `ids` are stored as adult movies (movies.adult = 1) and not
 * marked deleted, into *n: each looked up by its key. A movie stored as
 * not adult is not counted, whatever TMDB says of it now. */
enum store_status store_count_live_adult(struct store *s, const struct idset *ids, int64_t *n);

/* Whether movie `id` is stored as an adult movie (movies.adult = 1, marked
 * deleted or not) into *adult: false when it is not stored. */
enum store_status store_stored_adult(struct store *s, int64_t id, bool *adult);

/* The stored movies an export no longer names (store_find_gone()). */
struct store_gone {
    int64_t *ids; /* owned (store_gone_free()); n of them */
    size_t n;
    int64_t live; /* stored movies not marked deleted (adult ones only with `adult`) */
};

/*
 * After a complete export: every stored movie that is not deleted and not
 * adult (adult movies live in another export: counted too when `adult`,
 * the export read held that list) is counted, and those of them fetched
 * before `fetched_before` (ISO-8601 UTC: the export's day; a movie fetched
 * since may be newer than the export) for which present() is false go
 * into *gone. Reads only, so the caller can decide whether to
 * mark them (sync.c limits how many one export may mark). On error *gone
 * holds nothing.
 */
enum store_status store_find_gone(struct store *s, store_present_fn present, void *ctx,
                                  const char *fetched_before, bool adult, struct store_gone *gone);

/* Mark every movie of `gone` deleted as of `now`, in its own transaction
 * (all or none); call it outside a batch. */
enum store_status store_mark_gone(struct store *s, const struct store_gone *gone, const char *now);

/* Free gone->ids and empty *gone. Accepts an emptied one. */
void store_gone_free(struct store_gone *gone);

/* Call fn for every stored movie marked deleted (through the partial
 * index movies_deleted_at): an export fetches those it names again, to
 * find them live whatever its filters (source.h). */
enum store_status store_deleted_ids(struct store *s, store_id_fn fn, void *ctx);

/* When run `run_id` started (ISO-8601 UTC) into buf; "" when there is no
 * such run. */
enum store_status store_run_started(struct store *s, int64_t run_id, char *buf, size_t size);

/* Call fn for every movie fetched at or after `since` (ISO-8601 UTC) that
 * is not marked deleted and was stored with at least the parts of
 * `append` (as for store_resume_ids()): fresh enough to skip (--max-age).
 * The earliest fetched_at of those into oldest (size bytes), "" for none:
 * an export's changes cursor waits for it (sync.h). */
enum store_status store_fresh_ids(struct store *s, const char *since, const char *append,
                                  store_id_fn fn, void *ctx, char *oldest, size_t size);

/*
 * Which stored movies an export may have left as it was, for the two
 * calls below: the live ones run `run_id` did not record as failed (it
 * notes those itself: store_note_failures()), adult ones only with
 * `adult`; with shard_count > 0 only those whose id % shard_count is
 * shard_index or, with `other_shards`, is not; with `fetched_since`
 * (ISO-8601 UTC; NULL: any), only those fetched at or after it.
 */
struct store_unrefreshed {
    int64_t run_id;
    bool adult;
    unsigned shard_count, shard_index;
    bool other_shards;
    const char *fetched_since;
};

/*
 * The oldest fetched_at (ISO-8601 UTC) of the movies of `which` fetched
 * before `before`: what an export that read the catalogue left as it was
 * (filtered out by --min-popularity, --shard or, for video movies, which
 * changes stores, the lack of --include-video). With `by_copy`, the oldest
 * copy_made_at instead, among the movies whose copy was made before
 * `before` on a day before their fetch's, fetched since `before` or not
 * (so also those the export skipped: --max-age, what the run it resumed
 * stored). The other copies (of their fetch's day, or of unknown time:
 * NULL) are older than `before`, a day's start, exactly when their fetch
 * is: the call without `by_copy` finds those. "" in buf when there is none.
 */
enum store_status store_oldest_unrefreshed(struct store *s, const char *before,
                                           const struct store_unrefreshed *which, bool by_copy,
                                           char *buf, size_t size);

/*
 * Note in stale_copies, as store_note_failures() does (without a copy,
 * needing one made from `needed_from`), every movie of `which` that either
 * call of store_oldest_unrefreshed() finds before `before`: an export whose
 * cursor they would hold further back than changes reads (sync.h).
 * *noted: how many are noted.
 */
enum store_status store_note_unrefreshed(struct store *s, const char *before,
                                         const struct store_unrefreshed *which,
                                         const char *needed_from, int64_t *noted);

/* *found: whether a live movie (adult ones only with `adult`) has an id
 * outside shard `index` of `count` (id % count != index): a database that
 * holds more than one shard. */
enum store_status store_has_other_shards(struct store *s, unsigned index, unsigned count,
                                         bool adult, bool *found);

/*
 * After a fetch of movie `id` answered (stored, or TMDB's 404), inside the
 * writer's batch: the copy TMDB's CDN served was made at `made` (its
 * Date, ISO-8601 UTC, as the writer stores it in movies.copy_made_at;
 * NULL when the answer had none, taken as fresh). With `needed_s` > 0, the movie changed in a
 * window of days that ended then: a copy made earlier may hold the data from before the change, so
 * the movie is noted in stale_copies with that time (the later one when it was noted already). So
 * is a copy older than the one the movie is stored from (movies.copy_made_at, or when unknown its
 * fetched_at, the latest it can have been made), with that time: it
 * may hold the data from before a change the stored one holds, which a
 * changes run may have read, the cursor past it. Called before the
 * movie is stored again. Without, or with a copy new enough, a note whose
 * needed_from the copy reaches is deleted. *waiting: whether the movie is
 * noted once done (the copy is older than what it needs). Costs one
 * lookup of the movie's row, and no statement on stale_copies while the
 * table is empty and nothing is noted (the common case: a load asks once
 * a connection whether it holds any row).
 */
enum store_status store_note_copy(struct store *s, int64_t id, long long needed_s, const char *made,
                                  bool *waiting);

/*
 * After an export or changes run (sync_finish()): note in stale_copies
 * every movie run `run_id` failed to fetch (fetch_failures, kind
 * 'failed'), without a copy (copy_made_at NULL), needing one made from
 * `needed_from` (ISO-8601 UTC; a movie noted already keeps the later need
 * and its noted_at). *noted: how many are noted; `oldest` (size bytes):
 * the earliest noted_at among them ("" none), to say how long one waits.
 */
enum store_status store_note_failures(struct store *s, int64_t run_id, const char *needed_from,
                                      int64_t *noted, char *oldest, size_t size);

/* Call fn for every movie noted in stale_copies (a stale copy, or a failed
 * fetch): what the next changes run fetches again, besides its own days. */
enum store_status store_stale_ids(struct store *s, store_id_fn fn, void *ctx);

/* A value of the meta table into buf ("" when absent). */
enum store_status store_meta_get(struct store *s, const char *key, char *buf, size_t size);

/* ---- What the database holds, for `stats` (store_report.c) ---- */

/* Ages of stored movies (by fetched_at) counted in store_overview. */
enum store_age {
    STORE_AGE_DAY,     /* fetched in the last 24 hours */
    STORE_AGE_WEEK,    /* 1 to 7 days ago */
    STORE_AGE_MONTH,   /* 7 to 30 days ago */
    STORE_AGE_QUARTER, /* 30 to 90 days ago */
    STORE_AGE_OLDER,   /* more than 90 days ago */
    STORE_AGE_COUNT,
};

struct store_overview {
    int schema_version;
    char language[32];
    char created_at[32];
    char changes_from[16]; /* "" when no export or changes run finished */
    int64_t movies;        /* rows in movies, deleted ones included */
    int64_t deleted;       /* deleted_at set */
    /* how many hold each part (appended names it), by its MOVIE_PART_*
     * bit's position: with_part[0] credits, [1] keywords, ... */
    int64_t with_part[MOVIE_PART_COUNT];
    int64_t people, keywords; /* rows */
    int64_t failures_open;    /* movies whose latest outcome is 'failed' and that are not stored */
    int64_t stale_copies;     /* rows in stale_copies: the next changes run fetches them again */
    int64_t stale_failed;     /* of them, without a copy: their last fetch failed, or an
                                 export left them out (store_note_unrefreshed()) */
    char stale_oldest_noted[32]; /* the earliest noted_at; "" when none waits */
    int64_t by_age[STORE_AGE_COUNT];
    char oldest_fetch[32], newest_fetch[32]; /* "" when no movie */
};

/* Fill *out, from indexes only (movies_fetched_at covers the counts and
 * ages, movies_deleted_at the deleted): never a scan of movies' rows. */
enum store_status store_overview(struct store *s, struct store_overview *out);

/* The parts the stored movies were stored with (movies.appended), deleted
 * ones included: *movies, and into *most the MOVIE_PART_* bits that more
 * than half of them hold. From the index movies_fetched_at, not the table. */
enum store_status store_parts_of_most(struct store *s, int64_t *movies, unsigned *most);

/* One snapshot for several reads (stats: the overview, then the runs): the
 * reads between store_read_begin() and store_read_end() all see the same
 * commit of a load going on, not each its own. */
enum store_status store_read_begin(struct store *s);
void store_read_end(struct store *s);

struct store_run_row {
    int64_t id;
    const char *started_at, *finished_at; /* finished_at may be NULL */
    const char *source, *status;
    const char *uid;   /* runs.uid; NULL for a run of a version before 4 */
    double duration_s; /* -1 while running, and for an aborted run (its end is unknown) */
    int exit_status;   /* runs.exit_status; -1 when NULL (running, aborted, before version 8) */
    const char *error; /* runs.error: the first error it reported; NULL if none */
    struct run_counts counts;
};

/* Called by store_recent_runs() for each run, newest first; the strings are
 * valid during the call only. Return 0 to go on. */
typedef int (*store_run_fn)(void *ctx, const struct store_run_row *run);

/* The `limit` most recent runs, newest first. */
enum store_status store_recent_runs(struct store *s, int limit, store_run_fn fn, void *ctx);

/* Run `run_id`'s status now (outside any snapshot) into buf; "" when there
 * is no such run. */
enum store_status store_run_status(struct store *s, int64_t run_id, char *buf, size_t size);

/* ---- Extracts for downstream jobs, `dump` (store_dump.c) ---- */

/* One value of a dumped row. */
struct store_value {
    enum { STORE_NULL, STORE_INT, STORE_REAL, STORE_TEXT } type;
    int64_t i;
    double d;
    const char *text; /* STORE_TEXT: valid during the callback only */
    size_t len;
};

/* Called once per row, after one call with n_values 0 and values NULL that
 * announces the column names (for a CSV header). Return 0 to go on. */
typedef int (*store_row_fn)(void *ctx, int n_columns, const char *const *names,
                            const struct store_value *values);

/* Whether `table` can be dumped (movies, genres, movie_genres, ..., runs,
 * fetch_failures); its names, comma separated, in store_dump_tables. */
bool store_dump_table_known(const char *table);
extern const char store_dump_tables[];

/* Where a dump starts: after run `run` (> 0), else at `time` (ISO-8601
 * UTC), else (neither) at the first row. */
struct store_since {
    int64_t run;
    const char *time;
};

/*
 * Every row of `table` written since `since` (NULL for all rows), in one
 * read transaction (a consistent snapshot), in which `since` is resolved
 * too. A movie was written when fetched or marked deleted; its own rows
 * (links, credits, ...) come with it; a shared row (genre, person, ...)
 * comes with the movies that use it; runs by start, failures by when they
 * were recorded. After a run: from the start of the next run (loads never
 * overlap, the lock sees to it), or the second after it ended when none
 * follows; STORE_ERR_QUERY when there is no such run. At a time: from the
 * start of a run that was going on at that time, if one was (its batches
 * commit after they are stamped). With a bound, the movies are found
 * through the fetched_at and deleted_at indexes and their rows through
 * their keys: no table of movie data is scanned (but movie_parts is sent
 * whole from a point before the upgrade to version 6 that made its rows,
 * dated at their fetches: meta.movie_parts_after_run and
 * movie_parts_made_at). *next_since receives,
 * from the same snapshot, the run id to give the next `dump --since`: the
 * last run that had finished with no run still going (0 when none), so
 * rows a running load is still writing come next time.
 */
enum store_status store_dump(struct store *s, const char *table, const struct store_since *since,
                             store_row_fn fn, void *ctx, int64_t *next_since);

/* ---- Searching (store_search.c) ---- */

/* Stored text made one line, safe on a terminal, in place (NULL-safe):
 * tabs, line breaks and the other control characters (C0, DEL, and C1 as
 * UTF-8: C2 80..C2 9F) become spaces, so that a title, a run's source or a
 * date (a database from elsewhere, or edited by hand) can neither forge a
 * line of what is printed nor send escape sequences. For search's hits and
 * stats' text. */
void store_flatten_text(char *s);

/* One match of store_search(). The strings belong to the store and are
 * valid during the callback only. */
struct store_search_hit {
    int64_t id;
    const char *title;   /* movies.title on one line (control characters as spaces); NULL
                            when the movie has none */
    const char *year;    /* "2019" (the release date's first four characters, on one line as
                            the title is); NULL without a release date */
    const char *snippet; /* one line of the matching text, matches in [ ], "…" where cut */
};

/* Called once per match, best first. Return 0 to go on, non-zero to stop
 * (store_search() then returns STORE_OK). */
typedef int (*store_search_fn)(void *ctx, const struct store_search_hit *hit);

/*
 * Full-text search of the movies not marked deleted: title, original title,
 * overview, tagline and keyword names (movies_fts, docs/schema.md). `query`
 * is plain text, never FTS5 syntax: each word (words are separated by
 * Unicode's white space: ASCII's, U+3000, U+00A0, ...) must occur
 * somewhere in the movie, also inside a longer word (괴물 finds 괴물이,
 * 한강괴물), quotes and operators included as typed; letters match
 * in either case. Calls fn for the first `limit` matches (all when limit
 * <= 0), best first: the movies whose title or original title holds every
 * word of three characters or more, then by bm25 with the title weighing
 * most; a query whose
 * words all have one or two characters (no trigram to look up) scans the
 * text and ranks by where its first word matches (title first), then by
 * popularity.
 * Returns STORE_OK (also when nothing matches), STORE_ERR_QUERY when the
 * query has no word or more than STORE_SEARCH_MAX_WORDS, or STORE_ERR /
 * STORE_ERR_NOMEM with the reason in store_errmsg().
 */
#define STORE_SEARCH_MAX_WORDS 16
enum store_status store_search(struct store *s, const char *query, int limit, store_search_fn fn,
                               void *ctx);

/*
 * Compact the search index (FTS5's 'optimize': its segments merged into
 * one, the entries of documents rewritten or removed since dropped), in
 * one transaction of its own, outside a batch, on a store opened to write
 * (store_open()).
 * *before and *after are the index's bytes (its blocks, movies_fts_data)
 * before and after. The pages it frees stay in the file, for later writes.
 */
enum store_status store_optimize_search(struct store *s, int64_t *before, int64_t *after);

/* ---- Merging shard databases (store_merge.c) ---- */

struct store_merge_counts {
    int64_t movies_read;  /* movies in the input */
    int64_t movies_taken; /* of them, new here, fetched later than this database's copy,
                             or marked deleted after its fetch */
    int64_t runs;         /* runs copied (renumbered after this database's) */
    int64_t running;      /* input runs still running, or merged into it while running
                             (merge the input again once they have ended) */
    int64_t older_copies; /* movies whose later fetch was served an older copy than the
                             other's: noted in stale_copies, for the next changes run */
    /* The result holds no changes cursor: the input ran an export or
     * changes but holds none (input_incomplete), or this database already
     * held none after such runs (here_incomplete: a part merged before was
     * incomplete; only an export on this database restores the cursor). */
    bool input_incomplete, here_incomplete;
    char input_cursor[32]; /* the input's changes cursor (YYYY-MM-DD), "" when none */
};

/*
 * Before a merge command's first input: note the runs this database holds
 * (by uid), for store_merge_settle_cursor(). Each store_merge() then
 * crosses off those the input holds too, and keeps the input's cursor
 * and whether it was incomplete.
 */
enum store_status store_merge_begin(struct store *s);

/*
 * After every input of a merge command merged: when none of them was
 * incomplete and each run this database held at store_merge_begin() came
 * with one of them (its uid; a run without one never does), the database
 * holds nothing but what the inputs hold, each movie as new as in its
 * input, so its changes cursor becomes the earliest of the inputs' (none
 * of them has one: left as it is), and *settled is set. Merging an input
 * only ever moves the cursor back (store_merge()): the parts of a sharded
 * catalogue merged again into the same database each night would leave it
 * at their first merge's day for good. Otherwise (a load ran on this
 * database, a part was left out or made anew) the cursor stays as the
 * merges left it. Commits on its own.
 */
enum store_status store_merge_settle_cursor(struct store *s, bool *settled);

/*
 * Merge the tmdb-ingest database at `in_path` into `s`, in one
 * transaction: per movie, the later fetch's values win with their links,
 * marked deleted by the later deletion when it came at or after that fetch
 * (whichever copy records it); of an appended part, the rows of the
 * later fetch that carried it (movie_parts' times, which come with them),
 * whichever database and copy hold them, so the order of the inputs does
 * not matter (rows kept from before schema version 6 have no time:
 * docs/schema.md, "Merging databases"); appended stays the winner's.
 * A movie whose later fetch was served a copy older than the other
 * fetch's is noted in stale_copies, as a load notes it
 * (counts->older_copies).
 * Shared rows (genres, people, ...) are taken
 * when newer by updated_at, which they keep. Runs and fetch failures are
 * copied, renumbered, except runs already here (same uid; without one on
 * either side, runs of versions before 4: same start and command),
 * whose failures are brought up to date, and whose copy made while the
 * run was running takes how it ended; a run still running is copied as
 * aborted. The changes cursor becomes the
 * earlier of the two; but a database that ran an export or changes and
 * holds no cursor (its export did not finish cleanly) is incomplete, and
 * so is the result: it then holds none (counts->input_incomplete or
 * here_incomplete). The input is attached read-only (never written,
 * created or write-locked); a missing one gives STORE_ERR naming it. It
 * must have this schema version and language (STORE_ERR_SCHEMA,
 * STORE_ERR_LANGUAGE otherwise). On a corrupt page, nothing of the
 * input is merged, and when the input fails a quick check the message
 * names it as the corrupt one (STORE_ERR). Call it outside a batch.
 */
enum store_status store_merge(struct store *s, const char *in_path,
                              struct store_merge_counts *counts);

/* ---- The database's language and meta (store_sync.c) ---- */

/* The language the database holds (meta.language), into buf. */
enum store_status store_language(struct store *s, char *buf, size_t size);

/* Whether text in `language` may be added: STORE_OK when the database
 * holds that language or none yet; STORE_ERR_LANGUAGE, with the refusal in
 * store_errmsg(), when it holds another. The load's check (store_open()),
 * and a dry run's, which answers for the load it stands for. */
enum store_status store_check_language(struct store *s, const char *language);

/* Set a value of the meta table. Commits on its own; call it outside a batch. */
enum store_status store_meta_set(struct store *s, const char *key, const char *value);

/* ---- Backups and restores (store_backup.c, store_restore.c) ---- */

/* Pages copied at each step of store_backup(), between which it calls back:
 * 16 MiB at SQLite's default page size. */
#define STORE_BACKUP_STEP_PAGES 4096

/* The first run recorded in a backup's copy put in place of a database
 * (meta.backup_made_at: store_backup()) takes an id this far above the
 * highest it holds (or the highest of the database a restore replaced,
 * meta.replaced_last_run, when higher): the database it replaced may have recorded runs after
 * the backup, whose ids a downstream job keeps for `dump --since`; a new
 * run under one of them would answer that job with what came after it,
 * skipping the rest for good. Past the gap, an id the job kept names no run
 * (dump: "there is no run N", exit 2), or one the copy holds. */
#define STORE_RESTORED_RUN_GAP 1000000

/* Called by store_backup() after each step: `copied` pages of `total`.
 * Nonzero stops the copy (STORE_ERR_STOPPED). */
typedef int (*store_backup_fn)(void *ctx, int64_t copied, int64_t total);

/* What a copy holds (store_backup()). */
struct store_backup_result {
    int64_t bytes;    /* the copy's size */
    int64_t movies;   /* its movies, deleted ones included */
    int64_t last_run; /* its highest runs.id, 0 when it holds none */
};

/*
 * Copy the database `s` was opened on (store_open_readonly()) into
 * `dest_path`, an empty file the caller made, page by page (SQLite's
 * backup API), as one snapshot: the copy holds what the database held
 * when the copy began, whatever a load commits meanwhile (a read
 * transaction on `s` spans the copy; in WAL mode it blocks no writer, and
 * keeps DB-wal from being reused until it ends). The copy is one file in
 * rollback-journal mode (DELETE): it needs no DB-wal or DB-shm beside it,
 * so it opens read-only anywhere; the first load on it (restored) turns
 * WAL back on. The copy records when it was made (meta.backup_made_at),
 * for the first run recorded in it (STORE_RESTORED_RUN_GAP), which
 * removes it. Nothing is synced: the caller fsyncs the file before relying
 * on it. `fn` (may be NULL) is called after each step; when it returns
 * nonzero the copy stops, STORE_ERR_STOPPED. The copy must pass PRAGMA
 * quick_check (a damaged database gives STORE_ERR), which a stop (stop.h)
 * ends within milliseconds: STORE_ERR_STOPPED too. On any error the
 * caller removes `dest_path` (and `dest_path`-journal, -wal and -shm,
 * which SQLite may have made beside it). Errors name the file they are
 * about.
 */
enum store_status store_backup(struct store *s, const char *dest_path, store_backup_fn fn,
                               void *ctx, struct store_backup_result *result);

/* What a copy about to be restored holds (store_prepare_restore()). */
struct store_restore_info {
    int64_t movies;   /* its movies, deleted ones included */
    int64_t last_run; /* its highest runs.id, 0 when it holds none */
    int64_t next_run; /* the id its first run will take (STORE_RESTORED_RUN_GAP) */
    char made_at[32]; /* meta.backup_made_at as it was ("" for a copy made some other way) */
};

/*
 * Make the copy at `path` (a file of its own: `restore` copied the backup
 * there) ready to be put in place of the database: it must be a tmdb-ingest
 * database of this schema version or an older one (STORE_ERR_SCHEMA
 * otherwise: another program's, a newer tmdb-ingest's) and pass PRAGMA
 * quick_check (STORE_ERR: damaged; STORE_ERR_STOPPED when a stop, stop.h,
 * ends the check, nothing said in `err`); it gets the mark of a backup's copy
 * when it has none (meta.backup_made_at: STORE_RESTORED_RUN_GAP), and
 * notes `replaced_last_run` (the highest run id of the database it
 * replaces, 0 when unknown: meta.replaced_last_run), past which its first
 * run is numbered too: the same backup restored twice gives no run id
 * twice. It is left in rollback mode, one file. The reason of a failure in `err`, naming
 * `backup` (the file the copy was made from) when the fault is in what it
 * holds, `path` when a step on the copy failed.
 */
enum store_status store_prepare_restore(const char *path, const char *backup,
                                        int64_t replaced_last_run, struct store_restore_info *info,
                                        char *err, size_t err_size);

/* The highest run id of the database at `path` (the one a restore
 * replaces), read-only, its DB-wal included. STORE_OK, or STORE_ERR with
 * the reason in `err` (a damaged or foreign file: the restore goes on
 * without it). */
enum store_status store_last_run(const char *path, int64_t *id, char *err, size_t err_size);

#endif
