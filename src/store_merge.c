/* store_merge.c - merging another tmdb-ingest database (a shard) into this
 * one. See store_merge() in store.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_internal.h"

/* Tables keyed by their own id, shared between movies: a row this database
 * already has is kept. Parents before children (foreign keys). */
static const char *const shared_tables[] = {
    "collections", "genres", "companies", "countries", "languages", "people", "keywords",
};

/* A movie's own rows: replaced as a whole with the newer fetch's. */
static const char *const movie_tables[] = {
    "movie_genres",  "movie_companies", "movie_countries", "movie_languages",
    "movie_cast",    "movie_crew",      "movie_keywords",  "release_dates",
    "external_ids",  "translations",
};

static enum store_status exec(struct store *s, const char *sql, const char *step) {
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return store_fail(s, "merge: %s", step);
    return STORE_OK;
}

/* One integer or text from a one-row query on `sql`. */
static int query_text(struct store *s, const char *sql, char *buf, size_t size) {
    sqlite3_stmt *st;
    buf[0] = '\0';
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* The input must be a tmdb-ingest database of this schema version and
 * this database's language. */
static enum store_status check_input(struct store *s, const char *in_path) {
    char version[32], language[64];
    if (query_text(s, "PRAGMA src.user_version", version, sizeof version) != 0 ||
        query_text(s, "SELECT value FROM src.meta WHERE key = 'language'", language,
                   sizeof language) != 0) {
        snprintf(s->errmsg, sizeof s->errmsg, "%s: not a tmdb-ingest database", in_path);
        return STORE_ERR_SCHEMA;
    }
    if (atoi(version) != STORE_SCHEMA_VERSION) {
        snprintf(s->errmsg, sizeof s->errmsg,
                 "%s: schema version %s, not %d (run any load on it with this tmdb-ingest to "
                 "upgrade it first)",
                 in_path, version, STORE_SCHEMA_VERSION);
        return STORE_ERR_SCHEMA;
    }
    if (strcmp(language, s->language) != 0) {
        snprintf(s->errmsg, sizeof s->errmsg, "%s holds %s text, %s holds %s: not merged",
                 in_path, language, s->path, s->language);
        return STORE_ERR_LANGUAGE;
    }
    return STORE_OK;
}

static enum store_status copy_rows(struct store *s, struct store_merge_counts *c) {
    char sql[512];
    enum store_status rc = exec(s,
                                "CREATE TEMP TABLE merge_winners AS "
                                "SELECT i.id FROM src.movies i LEFT JOIN main.movies m "
                                "ON m.id = i.id WHERE m.id IS NULL OR i.fetched_at > m.fetched_at",
                                "choose the newer movies");
    if (rc != STORE_OK)
        return rc;
    char n[32];
    query_text(s, "SELECT count(*) FROM temp.merge_winners", n, sizeof n);
    c->movies_taken = atoll(n);
    query_text(s, "SELECT count(*) FROM src.movies", n, sizeof n);
    c->movies_read = atoll(n);
    for (size_t i = 0; rc == STORE_OK && i < sizeof shared_tables / sizeof *shared_tables; i++) {
        snprintf(sql, sizeof sql, "INSERT OR IGNORE INTO main.%s SELECT * FROM src.%s",
                 shared_tables[i], shared_tables[i]);
        rc = exec(s, sql, shared_tables[i]);
    }
    /* Deleting the older movie rows cascades to their own rows. */
    if (rc == STORE_OK)
        rc = exec(s, "DELETE FROM main.movies WHERE id IN (SELECT id FROM temp.merge_winners)",
                  "remove the older movies");
    if (rc == STORE_OK)
        rc = exec(s, "INSERT INTO main.movies SELECT * FROM src.movies "
                     "WHERE id IN (SELECT id FROM temp.merge_winners)",
                  "copy the newer movies");
    for (size_t i = 0; rc == STORE_OK && i < sizeof movie_tables / sizeof *movie_tables; i++) {
        snprintf(sql, sizeof sql,
                 "INSERT INTO main.%s SELECT * FROM src.%s "
                 "WHERE movie_id IN (SELECT id FROM temp.merge_winners)",
                 movie_tables[i], movie_tables[i]);
        rc = exec(s, sql, movie_tables[i]);
    }
    return rc;
}

/* Runs and their failures, renumbered after this database's runs. */
static enum store_status copy_runs(struct store *s, struct store_merge_counts *c) {
    char n[32];
    query_text(s, "SELECT count(*) FROM src.runs", n, sizeof n);
    c->runs = atoll(n);
    enum store_status rc = exec(s,
                                "CREATE TEMP TABLE merge_offset AS "
                                "SELECT coalesce(max(id), 0) AS n FROM main.runs",
                                "number the runs");
    if (rc == STORE_OK)
        rc = exec(s,
                  "INSERT INTO main.runs SELECT r.id + o.n, started_at, finished_at, command, "
                  "source, status, requested, fetched, missing, failed, http_requests, retries, "
                  "skipped FROM src.runs r, temp.merge_offset o ORDER BY r.id",
                  "copy the runs");
    if (rc == STORE_OK)
        rc = exec(s,
                  "INSERT INTO main.fetch_failures SELECT f.run_id + o.n, movie_id, kind, "
                  "http_status, reason, attempts, recorded_at "
                  "FROM src.fetch_failures f, temp.merge_offset o",
                  "copy the failures");
    /* The merged database holds changes only as far as its least complete part. */
    if (rc == STORE_OK)
        rc = exec(s,
                  "INSERT INTO main.meta (key, value) SELECT 'changes_from', value FROM src.meta "
                  "WHERE key = 'changes_from' ON CONFLICT (key) DO UPDATE SET value = "
                  "min(value, excluded.value)",
                  "merge the changes cursor");
    return rc;
}

enum store_status store_merge(struct store *s, const char *in_path,
                              struct store_merge_counts *counts) {
    memset(counts, 0, sizeof *counts);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "ATTACH DATABASE ?1 AS src", -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, "merge: attach %s", in_path);
    sqlite3_bind_text(st, 1, in_path, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE)
        return store_fail(s, "merge: attach %s", in_path);
    enum store_status rc = check_input(s, in_path);
    if (rc == STORE_OK)
        rc = exec(s, "BEGIN IMMEDIATE", "begin");
    if (rc == STORE_OK) {
        rc = copy_rows(s, counts);
        if (rc == STORE_OK)
            rc = copy_runs(s, counts);
        if (rc == STORE_OK)
            rc = store_flush_search(s);
        if (rc == STORE_OK)
            rc = exec(s, "COMMIT", "commit");
        if (rc != STORE_OK && !sqlite3_get_autocommit(s->db))
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_exec(s->db, "DROP TABLE IF EXISTS temp.merge_winners", NULL, NULL, NULL);
    sqlite3_exec(s->db, "DROP TABLE IF EXISTS temp.merge_offset", NULL, NULL, NULL);
    sqlite3_exec(s->db, "DETACH DATABASE src", NULL, NULL, NULL);
    return rc;
}
