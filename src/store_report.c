/* store_report.c - what the database holds, for `tmdb-ingest stats`. See
 * store_overview() in store.h. Read-only queries; run rarely, so each is
 * prepared when used. */
#include <stdio.h>
#include <string.h>

#include "movie.h"
#include "store.h"
#include "store_internal.h"

/* How many movies there are, deleted ones included, and how many of them
 * hold each part, by_part[i] for the part of bit 1 << i: a few distinct
 * lists in appended, each counted in movies_fetched_at (covering). */
static enum store_status count_parts(struct store *s, int64_t *movies,
                                     int64_t by_part[MOVIE_PART_COUNT]) {
    sqlite3_stmt *st;
    *movies = 0;
    memset(by_part, 0, MOVIE_PART_COUNT * sizeof *by_part);
    if (sqlite3_prepare_v2(s->db, "SELECT appended, count(*) FROM movies GROUP BY appended", -1,
                           &st, NULL) != SQLITE_OK)
        return store_fail(s, "count the parts stored");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        unsigned bits = movie_parts_bits((const char *)sqlite3_column_text(st, 0));
        int64_t n = sqlite3_column_int64(st, 1);
        *movies += n;
        for (int i = 0; i < MOVIE_PART_COUNT; i++)
            if (bits & (1u << i))
                by_part[i] += n;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return store_fail(s, "count the parts stored");
    return STORE_OK;
}

enum store_status store_overview(struct store *s, struct store_overview *o) {
    memset(o, 0, sizeof *o);
    int64_t version = 0, deleted = 0, extra[5] = {0};
    /* Each from an index, never the table: a movie's row holds raw_json
     * (overflow pages) before deleted_at and appended, and a scan of the
     * table read all of it, gigabytes for the whole catalogue, at every
     * poll. The counts read movies_fetched_at, which holds appended
     * (count_parts()); the deleted ones the partial movies_deleted_at. */
    if (count_parts(s, &o->movies, o->with_part) != STORE_OK)
        return STORE_ERR;
    /* Ages are measured against now, in days (julianday() differences, fractional). */
    static const char ages_sql[] =
        "SELECT sum(a < 1), sum(a >= 1 AND a < 7), sum(a >= 7 AND a < 30), "
        "sum(a >= 30 AND a < 90), sum(a >= 90) "
        "FROM (SELECT julianday('now') - julianday(fetched_at) AS a FROM movies)";
    if (store_query_ints(s->db, "PRAGMA user_version", &version, 1) != 0 ||
        store_query_text(s->db, "SELECT value FROM meta WHERE key = 'language'", o->language,
                         sizeof o->language) != 0 ||
        store_query_text(s->db, "SELECT value FROM meta WHERE key = 'created_at'", o->created_at,
                         sizeof o->created_at) != 0 ||
        store_query_text(s->db, "SELECT value FROM meta WHERE key = 'changes_from'",
                         o->changes_from, sizeof o->changes_from) != 0 ||
        store_query_ints(s->db, "SELECT count(*) FROM movies WHERE deleted_at IS NOT NULL",
                         &deleted, 1) != 0 ||
        store_query_ints(s->db,
                         "SELECT (SELECT count(*) FROM people), (SELECT count(*) FROM keywords), "
                         /* the movies never stored whose last row says failed,
                          * each movie's last row read in one pass (a bare
                          * column beside max() comes from the row with the
                          * max): a movie TMDB keeps answering with a body
                          * that cannot be stored fails every night
                          * (stale_copies), and asking of each of its rows
                          * whether it was the last read them all again, in
                          * time the square of the nights (10 such movies
                          * over three years: 6 s) */
                         "(SELECT count(*) FROM (SELECT kind, max(run_id) FROM fetch_failures "
                         " WHERE movie_id NOT IN (SELECT id FROM movies) GROUP BY movie_id) "
                         " WHERE kind = 'failed'), "
                         "(SELECT count(*) FROM stale_copies), "
                         "(SELECT count(*) FROM stale_copies WHERE copy_made_at IS NULL)",
                         extra, 5) != 0 ||
        store_query_text(s->db, "SELECT min(noted_at) FROM stale_copies", o->stale_oldest_noted,
                         sizeof o->stale_oldest_noted) != 0 ||
        store_query_ints(s->db, ages_sql, o->by_age, STORE_AGE_COUNT) != 0 ||
        store_query_text(s->db, "SELECT min(fetched_at) FROM movies", o->oldest_fetch,
                         sizeof o->oldest_fetch) != 0 ||
        store_query_text(s->db, "SELECT max(fetched_at) FROM movies", o->newest_fetch,
                         sizeof o->newest_fetch) != 0)
        return store_fail(s, "read the overview");
    o->schema_version = (int)version;
    o->deleted = deleted;
    o->people = extra[0];
    o->keywords = extra[1];
    o->failures_open = extra[2];
    o->stale_copies = extra[3];
    o->stale_failed = extra[4];
    return STORE_OK;
}

enum store_status store_parts_of_most(struct store *s, int64_t *movies, unsigned *most) {
    int64_t by_part[MOVIE_PART_COUNT];
    *most = 0;
    if (count_parts(s, movies, by_part) != STORE_OK)
        return STORE_ERR;
    for (int i = 0; i < MOVIE_PART_COUNT; i++)
        if (by_part[i] > *movies / 2)
            *most |= 1u << i;
    return STORE_OK;
}

enum store_status store_read_begin(struct store *s) {
    if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return store_fail(s, "begin a read");
    return STORE_OK;
}

void store_read_end(struct store *s) {
    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL); /* a read: nothing to lose */
}

enum store_status store_recent_runs(struct store *s, int limit, store_run_fn fn, void *ctx) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, started_at, finished_at, source, status, "
                           "CASE WHEN status = 'aborted' THEN -1 ELSE "
                           "coalesce((julianday(finished_at) - julianday(started_at)) * 86400, "
                           "-1) END, requested, fetched, missing, failed, http_requests, retries, "
                           "skipped, uid, coalesce(exit_status, -1), error "
                           "FROM runs ORDER BY id DESC LIMIT ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, "read the runs");
    sqlite3_bind_int(st, 1, limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_run_row r = {
            .id = sqlite3_column_int64(st, 0),
            .started_at = (const char *)sqlite3_column_text(st, 1),
            .finished_at = (const char *)sqlite3_column_text(st, 2),
            .source = (const char *)sqlite3_column_text(st, 3),
            .status = (const char *)sqlite3_column_text(st, 4),
            .uid = (const char *)sqlite3_column_text(st, 13),
            .duration_s = sqlite3_column_double(st, 5),
            .exit_status = sqlite3_column_int(st, 14),
            .error = (const char *)sqlite3_column_text(st, 15),
            .counts =
                {
                    .requested = sqlite3_column_int64(st, 6),
                    .fetched = sqlite3_column_int64(st, 7),
                    .missing = sqlite3_column_int64(st, 8),
                    .failed = sqlite3_column_int64(st, 9),
                    .http_requests = sqlite3_column_int64(st, 10),
                    .retries = sqlite3_column_int64(st, 11),
                    .skipped = sqlite3_column_int64(st, 12),
                },
        };
        if (fn(ctx, &r) != 0)
            break;
    }
    enum store_status result =
        rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : store_fail(s, "read the runs");
    sqlite3_finalize(st);
    return result;
}

enum store_status store_run_status(struct store *s, int64_t run_id, char *buf, size_t size) {
    return store_run_text(s, "SELECT status FROM runs WHERE id = ?1", run_id, "the status of run",
                          buf, size);
}
