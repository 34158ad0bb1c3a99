/*
 * store_internal.h - what the store's source files share (src/store*.c).
 * Not part of any other module's contract: include/store.h is.
 *
 * Threading: as store.h says, a struct store and everything in it belongs
 * to the one thread using it.
 */
#ifndef TMDB_STORE_INTERNAL_H
#define TMDB_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>

#include "clock.h"
#include "rowcache.h"
#include "store.h"

struct store_parts;

/* STORE_RESTORED_RUN_GAP as SQL text. */
#define STORE_SQL_NUMBER_(x) #x
#define STORE_SQL_NUMBER(x) STORE_SQL_NUMBER_(x)
#define STORE_GAP_SQL STORE_SQL_NUMBER(STORE_RESTORED_RUN_GAP)

/* Every statement the store runs more than once, prepared at open. */
enum stmt {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_UPSERT_COLLECTION,
    ST_INSERT_MOVIE,
    ST_UPDATE_MOVIE,
    ST_UPDATE_MOVIE_ALL,
    ST_NOTE_SEARCH,
    ST_NOTE_SEARCH_CHANGED,
    ST_UPSERT_GENRE,
    ST_UPSERT_COMPANY,
    ST_UPSERT_COUNTRY,
    ST_UPSERT_LANGUAGE,
    ST_DELETE_GENRES,
    ST_DELETE_COMPANIES,
    ST_DELETE_COUNTRIES,
    ST_DELETE_LANGUAGES,
    ST_LINK_GENRE,
    ST_LINK_COMPANY,
    ST_LINK_COUNTRY,
    ST_LINK_LANGUAGE,
    ST_GENRE_LINKS,
    ST_COMPANY_LINKS,
    ST_COUNTRY_LINKS,
    ST_LANGUAGE_LINKS,
    ST_RECORD_FAILURE,
    ST_RUN_BEGIN,
    ST_RUN_RESTORED,
    ST_RUN_FINISH,
    ST_RUN_PROGRESS,
    ST_MARK_ABORTED,
    ST_MOVIE_EXISTS,
    ST_PREVIOUS_RUNS,
    ST_RESUME_IDS,
    ST_FTS_PENDING_IDS,
    ST_FTS_DROP,
    ST_FTS_PENDING,
    ST_FTS_ADD,
    ST_FTS_DONE,
    ST_MARK_DELETED,
    ST_FRESH_IDS,
    ST_STALE_NOTE,
    ST_STALE_KEEP,
    ST_STALE_CLEAR,
    ST_STALE_IDS,
    ST_NEWER_COPY,
    ST_COUNT,
};

struct store {
    sqlite3 *db;
    char *path;
    char *language;
    sqlite3_stmt *stmts[ST_COUNT]; /* prepared at open, finalized at close */
    struct store_parts *parts;     /* store_parts.c's statements; NULL until prepared */
    struct rowcache *rows;         /* shared rows written; cleared at every rollback */
    bool writable;                 /* opened to write (store_open()) */
    /* stale_copies may hold rows: -1 not known yet, 0 empty, 1 maybe
     * (store_note_copy(); only the connection's owner writes the table) */
    int stale_rows;
    /* fires none of the schema's triggers: the store notes fts_pending and
     * sets updated_at itself (store_open_for_load()) */
    bool own_notes;
    /* A merge command (store_merge_begin()): temp.merge_held_runs holds the
     * runs of this database its inputs have not brought yet; the earliest
     * of the merged inputs' changes cursors ("" none), and whether one of
     * them was incomplete, for store_merge_settle_cursor() */
    bool merge_held, merge_incomplete;
    char merge_earliest[32];
    /* The start of the run this connection records (store_run_begin()), ""
     * before one: no time it writes for the run is earlier (store_run_time()). */
    char run_started[CLOCK_ISO_SIZE];
    char errmsg[512];
};

/* `t`, or the start of the run being recorded when `t` is earlier: the
 * machine's clock stepped back during the run (NTP correcting a clock that
 * was ahead). `dump --since RUN_ID` finds a run's rows from its start on,
 * so a row dated before it would never be sent. */
const char *store_run_time(const struct store *s, const char *t);

/* `path` as a URI that opens it read-only and never creates it, immutable
 * (store_read_immutable()) when asked. NULL when out of memory; free with
 * sqlite3_free(). */
char *store_readonly_uri(const char *path, bool immutable);

/* Whether a reader of `path` must open it immutable: on a read-only
 * filesystem, without DB-shm (SQLite cannot make it there), and DB-wal
 * absent or empty. STORE_OK with *immutable set, or STORE_ERR with `err`
 * set when DB-wal holds transactions that only SQLite's -shm could read. */
enum store_status store_read_immutable(const char *path, bool *immutable, char *err,
                                       size_t err_size);

/* Set errmsg to "PATH: STEP: sqlite's message", with its likely cause when
 * SQLite gives none (a full disk, a file not writable, a lock another
 * connection holds), and return STORE_ERR, or
 * STORE_ERR_NOMEM when SQLite ran out of memory. */
__attribute__((format(printf, 2, 3))) enum store_status store_fail(struct store *s,
                                                                   const char *step, ...);

/* Step `st`, the upsert of shared `row` with its values bound (`bind_rc`:
 * the first binding error, or SQLITE_OK), unless the row was already
 * written with those values (rowcache.h); note it once written. The
 * statement is left reset and unbound. Returns SQLITE_OK or the error. */
int store_upsert_shared(struct store *s, sqlite3_stmt *st, int bind_rc,
                        const struct rowcache_row *row);

/* store_upsert_shared(), and *changed: whether the upsert inserted or
 * updated the row (false when skipped or when its WHERE kept the row). */
int store_upsert_shared_changed(struct store *s, sqlite3_stmt *st, int bind_rc,
                                const struct rowcache_row *row, bool *changed);

/* The time a shared row is written, in SQL: what the schema's updated_at
 * triggers set, for a statement that sets it itself. */
#define STORE_NOW_SQL "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"

/* Step a prepared statement to completion, then reset it and clear its
 * bindings. Returns SQLITE_OK or the error code. */
int store_step_reset(sqlite3_stmt *st);

/* store_movie.c: a movie's row and links (store_upsert_movie()), and the
 * comparison of a stored movie's rows with its body's, which
 * store_parts.c uses too. */

/* Whether the rows stored for movie `m` in a table keyed by position
 * (the links, keywords, release dates) are exactly those its body's list
 * of `n` items makes, so that a reload can leave them alone: `read`
 * (bound to the movie's id as ?1) returns each stored row's key, then its
 * position, then any other columns, and row_is(row, m, i) says whether the
 * row holds what item i writes. Sets *same; returns SQLITE_OK or the
 * error, `read` left reset. A list naming a key twice never compares the
 * same (its rows hold the first position only), so it is written again:
 * correct, and rare. */
int store_links_same(sqlite3_stmt *read, const struct movie *m, size_t n,
                     bool (*row_is)(sqlite3_stmt *row, const struct movie *m, size_t i),
                     bool *same);

/* Replace the rows a stored movie keeps in one table with those its body
 * makes, unless they are the same. For a movie that `existed`,
 * same(s, m, &same) compares them (NULL: never taken for the same) and
 * `clear` (?1 the movie's id; NULL: the table has nothing to delete)
 * deletes them when they differ; then write(s, m, rows) writes the shared
 * rows they name, and the movie's own rows when `rows`. Returns SQLITE_OK
 * or the first error. */
int store_replace_rows(struct store *s, const struct movie *m, bool existed,
                       int (*same)(struct store *s, const struct movie *m, bool *same),
                       sqlite3_stmt *clear,
                       int (*write)(struct store *s, const struct movie *m, bool rows));

/* Whether column `col` of the current row of `row` holds integer v (or
 * NULL, when !has), or text v (NULL for a NULL v): what a row written
 * from the same values holds in a STRICT table. */
bool store_column_is_int(sqlite3_stmt *row, int col, bool has, int64_t v);
bool store_column_is_text(sqlite3_stmt *row, int col, const char *v);

/* Rebuild the search documents of the movies noted in fts_pending, inside
 * the current transaction; store_commit() does it before every COMMIT, and
 * every other writer must before its own. */
enum store_status store_flush_search(struct store *s);

/* One row of the query `sql` (no parameters): its first `n` columns as
 * integers into out[] (untouched when there is no row). Returns SQLITE_OK
 * or the error code. */
int store_query_ints(sqlite3 *db, const char *sql, int64_t *out, int n);

/* The first column of the query `sql`'s one row as text into buf ("" when
 * NULL or no row). Returns SQLITE_OK or the error code. */
int store_query_text(sqlite3 *db, const char *sql, char *buf, size_t size);

/* PRAGMA quick_check of `schema` ("main", or an attached database's
 * name) on `db`: its verdict ("ok", or the first problem found) into buf.
 * SQLite reads every page of the file for it, seconds a gigabyte, so a stop
 * (stop.h: a signal) ends it within milliseconds: SQLITE_INTERRUPT, buf
 * "", also when the stop came before. A thread of its own waits for the
 * stop while the check runs (stop_fd()), and is joined before it returns.
 * Returns SQLITE_OK or the error code. */
int store_quick_check(sqlite3 *db, const char *schema, char *buf, size_t size);

/* store_query_text() for a statement already prepared and bound: step it
 * once, copy the first column (if any) into buf, and finalize it. */
int store_step_text(sqlite3_stmt *st, char *buf, size_t size);

/* store_step_text() for one of the store's statements, prepared once:
 * reset it and clear its bindings instead of finalizing it. */
int store_step_text_reset(sqlite3_stmt *st, char *buf, size_t size);

/* The text `sql` (one column of runs, WHERE id = ?1) selects for run
 * `run_id` into buf ("" when NULL or no such run); on an error "read
 * <what> <run_id>" (store_fail()). */
enum store_status store_run_text(struct store *s, const char *sql, int64_t run_id, const char *what,
                                 char *buf, size_t size);

/* Step the bound statement `st` and call fn with each row's first column
 * (an id); then reset it and clear its bindings. STORE_ERR_NOMEM when fn
 * returns -1; `what` names the rows in messages ("the movies of run 7"). */
enum store_status store_each_id(struct store *s, sqlite3_stmt *st, store_id_fn fn, void *ctx,
                                const char *what);

/* store_each_id(), and the least of the rows' second column (ISO-8601
 * UTC text; NULLs ignored) into oldest (size bytes), "" when none. */
enum store_status store_each_id_oldest(struct store *s, sqlite3_stmt *st, store_id_fn fn, void *ctx,
                                       const char *what, char *oldest, size_t size);

/* Bind a string, or NULL when v is NULL. The string must outlive the step. */
void store_bind_text(sqlite3_stmt *st, int i, const char *v);

/*
 * store_parts.c: the appended parts of a movie (movie.h's MOVIE_PART_*).
 * store_parts_prepare() prepares its statements into s->parts (store_open
 * calls it once; STORE_OK or a store_fail() status); store_parts_finalize()
 * releases them (store_close; accepts s->parts NULL). store_write_parts()
 * replaces the rows of each part present in `m` (a set the body makes
 * again is left as stored) and leaves the others alone, and notes each
 * present part's `fetched_at` in movie_parts (which `merge` compares);
 * store_upsert_movie() calls it after the movie row. `existed`: the movie
 * was stored before, so it may have rows to replace. Returns SQLITE_OK or
 * the first SQLite error.
 */
enum store_status store_parts_prepare(struct store *s);
void store_parts_finalize(struct store *s);
int store_write_parts(struct store *s, const struct movie *m, bool existed, const char *fetched_at);

#endif
