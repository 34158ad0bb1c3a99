/* store_dump.c - rows written since a point, for downstream jobs (`dump`).
 * See store_dump() in store.h. */
#include <stdio.h>
#include <string.h>

#include "store.h"
#include "store_internal.h"

/* The movies written since ?1 (fetched, or marked deleted), as the table
 * `written`: two index searches (movies_fetched_at, movies_deleted_at),
 * never a scan of movies. */
#define WRITTEN                                                                                    \
    "WITH written (id) AS (SELECT id FROM movies WHERE fetched_at >= ?1 UNION "                    \
    "SELECT id FROM movies WHERE deleted_at >= ?1) "

/* Each dumpable table: the query for all of its rows, and the one for its
 * rows written since ?1. Separate statements, so that the second one's
 * plan can rely on ?1 (an "?1 IS NULL OR ..." filter makes SQLite scan);
 * a movie's own rows are found through their key, which starts with
 * movie_id. */
static const struct dump_query {
    const char *table;
    const char *all;
    const char *since;
} queries[] = {
    {"movies", "SELECT * FROM movies ORDER BY id",
     WRITTEN "SELECT * FROM movies WHERE id IN written ORDER BY id"},
#define MOVIE_OWNED(t)                                                                             \
    {t, "SELECT * FROM " t " ORDER BY movie_id",                                                   \
     WRITTEN "SELECT * FROM " t " WHERE movie_id IN written ORDER BY movie_id"}
    MOVIE_OWNED("movie_genres"),
    MOVIE_OWNED("movie_companies"),
    MOVIE_OWNED("movie_countries"),
    MOVIE_OWNED("movie_languages"),
    MOVIE_OWNED("movie_cast"),
    MOVIE_OWNED("movie_crew"),
    MOVIE_OWNED("movie_keywords"),
    MOVIE_OWNED("release_dates"),
    MOVIE_OWNED("external_ids"),
    MOVIE_OWNED("translations"),
    MOVIE_OWNED("movie_parts"),
#undef MOVIE_OWNED
#define SHARED(t, key, link, link_key)                                                             \
    {t, "SELECT * FROM " t " ORDER BY " key,                                                       \
     WRITTEN "SELECT * FROM " t " WHERE " key " IN (SELECT " link_key " FROM " link                \
             " WHERE movie_id IN written) ORDER BY " key}
    SHARED("genres", "id", "movie_genres", "genre_id"),
    SHARED("companies", "id", "movie_companies", "company_id"),
    SHARED("countries", "iso_3166_1", "movie_countries", "iso_3166_1"),
    SHARED("languages", "iso_639_1", "movie_languages", "iso_639_1"),
    SHARED("keywords", "id", "movie_keywords", "keyword_id"),
#undef SHARED
    {"people", "SELECT * FROM people ORDER BY id",
     WRITTEN "SELECT * FROM people WHERE id IN (SELECT person_id FROM movie_cast WHERE movie_id "
             "IN written UNION ALL SELECT person_id FROM movie_crew WHERE movie_id IN written) "
             "ORDER BY id"},
    {"collections", "SELECT * FROM collections ORDER BY id",
     WRITTEN "SELECT * FROM collections WHERE id IN (SELECT collection_id FROM movies WHERE id "
             "IN written) ORDER BY id"},
    {"runs", "SELECT * FROM runs ORDER BY id",
     "SELECT * FROM runs WHERE started_at >= ?1 OR finished_at >= ?1 ORDER BY id"},
    {"fetch_failures", "SELECT * FROM fetch_failures ORDER BY run_id, movie_id",
     "SELECT * FROM fetch_failures WHERE recorded_at >= ?1 ORDER BY run_id, movie_id"},
};

const char store_dump_tables[] =
    "movies, movie_genres, movie_companies, movie_countries, movie_languages, movie_cast, "
    "movie_crew, movie_keywords, release_dates, external_ids, translations, movie_parts, genres, "
    "companies, "
    "countries, languages, keywords, people, collections, runs, fetch_failures";

static const struct dump_query *find(const char *table) {
    for (size_t i = 0; i < sizeof queries / sizeof *queries; i++)
        if (strcmp(queries[i].table, table) == 0)
            return &queries[i];
    return NULL;
}

bool store_dump_table_known(const char *table) {
    return find(table) != NULL;
}

/* Most columns a dumped table has (movies: 27). */
#define MAX_COLUMNS 64

static enum store_status emit_rows(struct store *s, sqlite3_stmt *st, store_row_fn fn,
                                   void *ctx) {
    int n = sqlite3_column_count(st);
    if (n > MAX_COLUMNS)
        n = MAX_COLUMNS;
    const char *names[MAX_COLUMNS];
    for (int i = 0; i < n; i++)
        names[i] = sqlite3_column_name(st, i);
    if (fn(ctx, n, names, NULL) != 0)
        return STORE_OK;
    struct store_value values[MAX_COLUMNS];
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < n; i++) {
            struct store_value *v = &values[i];
            memset(v, 0, sizeof *v);
            switch (sqlite3_column_type(st, i)) {
            case SQLITE_INTEGER:
                v->type = STORE_INT;
                v->i = sqlite3_column_int64(st, i);
                break;
            case SQLITE_FLOAT:
                v->type = STORE_REAL;
                v->d = sqlite3_column_double(st, i);
                break;
            case SQLITE_NULL:
                v->type = STORE_NULL;
                break;
            default:
                v->type = STORE_TEXT;
                v->text = (const char *)sqlite3_column_text(st, i);
                v->len = (size_t)sqlite3_column_bytes(st, i);
                if (!v->text)
                    v->type = STORE_NULL;
            }
        }
        if (fn(ctx, n, names, values) != 0)
            return STORE_OK;
    }
    return rc == SQLITE_DONE ? STORE_OK : store_fail(s, "dump");
}

/* The last run finished with no run going on after it, in this snapshot.
 * A run with no finished_at counts as going on: a 'running' one, or one
 * merged while it ran (store_merge.c), whose rows may still come. The run
 * before it by id, not its id - 1: ids have gaps (STORE_RESTORED_RUN_GAP),
 * and an id that names no run is refused by the next dump. */
static int next_since_of(struct store *s, int64_t *out) {
    sqlite3_stmt *st;
    *out = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT coalesce(max(id), 0) FROM runs WHERE id < coalesce((SELECT "
                           "min(id) FROM runs WHERE status = 'running' OR finished_at IS NULL), "
                           "9223372036854775807)",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

/* The time from which rows are newer than what run `run` wrote: the start
 * of the next run (loads never overlap, the lock sees to it); with no run
 * after it yet, the second after it ended (times have whole seconds), or
 * now if it never did. NULL: no such run. */
#define AFTER_RUN                                                                                  \
    "SELECT coalesce((SELECT min(started_at) FROM runs WHERE id > ?1), "                           \
    "strftime('%Y-%m-%dT%H:%M:%SZ', finished_at, '+1 second'), "                                   \
    "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) FROM runs WHERE id = ?1"

/* A time, moved back to the start of a run that was going on then: a load
 * stamps each movie when it writes it and commits the batch up to a
 * second later (writer.h), so rows stamped before a dump can appear after it. */
#define AT_TIME                                                                                    \
    "SELECT coalesce(min(started_at), ?1) FROM runs "                                              \
    "WHERE started_at < ?1 AND (finished_at IS NULL OR finished_at >= ?1)"

/* Resolve `since` into the time rows are dumped from (buf), in the dump's
 * transaction. STORE_ERR_QUERY when it names no run. */
static enum store_status dump_from(struct store *s, const struct store_since *since, char *buf,
                                   size_t size) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, since->run > 0 ? AFTER_RUN : AT_TIME, -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, "dump: read the runs");
    if (since->run > 0)
        sqlite3_bind_int64(st, 1, since->run);
    else
        store_bind_text(st, 1, since->time);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE) {
        snprintf(s->errmsg, sizeof s->errmsg, "there is no run %lld", (long long)since->run);
        return STORE_ERR_QUERY;
    }
    return rc == SQLITE_ROW ? STORE_OK : store_fail(s, "dump: read the runs");
}

/* Whether a dump of `table` from `since` (resolved to the time `from`)
 * must send the whole table: movie_parts, when the point is before the
 * upgrade to version 6 that made its rows for the movies stored then
 * (sql/migrations/6.sql), dated at their fetches, so that none of them is
 * written after the point. The upgrade noted the last run before it and
 * its time in meta (nothing when it made no row). */
static enum store_status whole_table(struct store *s, const char *table,
                                     const struct store_since *since, const char *from,
                                     bool *whole) {
    *whole = false;
    if (strcmp(table, "movie_parts") != 0)
        return STORE_OK;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT (SELECT value FROM meta WHERE key = 'movie_parts_after_run'), "
                           "(SELECT value FROM meta WHERE key = 'movie_parts_made_at')",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, "dump: read meta");
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL &&
        sqlite3_column_type(st, 1) != SQLITE_NULL) {
        const char *made_at = (const char *)sqlite3_column_text(st, 1);
        *whole = since->run > 0 ? since->run <= sqlite3_column_int64(st, 0)
                                : made_at && strcmp(from, made_at) <= 0;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? STORE_OK : store_fail(s, "dump: read meta");
}

enum store_status store_dump(struct store *s, const char *table, const struct store_since *since,
                             store_row_fn fn, void *ctx, int64_t *next_since) {
    const struct dump_query *q = find(table);
    if (!q) {
        snprintf(s->errmsg, sizeof s->errmsg, "no table '%s' to dump (%s)", table,
                 store_dump_tables);
        return STORE_ERR;
    }
    bool bounded = since && (since->run > 0 || since->time);
    bool whole = false;
    char from[64];
    sqlite3_stmt *st;
    if (store_read_begin(s) != STORE_OK)
        return STORE_ERR;
    enum store_status rc = STORE_OK;
    if (next_since_of(s, next_since) != 0) {
        rc = store_fail(s, "dump: read the runs");
    } else if (bounded && ((rc = dump_from(s, since, from, sizeof from)) != STORE_OK ||
                           (rc = whole_table(s, table, since, from, &whole)) != STORE_OK)) {
        /* said */
    } else if (sqlite3_prepare_v2(s->db, bounded && !whole ? q->since : q->all, -1, &st, NULL) !=
               SQLITE_OK) {
        rc = store_fail(s, "dump %s", table);
    } else {
        if (bounded && !whole)
            store_bind_text(st, 1, from);
        rc = emit_rows(s, st, fn, ctx);
        sqlite3_finalize(st);
    }
    store_read_end(s);
    return rc;
}
