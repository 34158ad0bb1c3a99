/*
 * sqlfile.h - a database file as a unit test sees it from outside: SQL
 * run on a connection of its own, one integer read back, a tmdb-ingest
 * database made with a movie and runs, a file's bytes and a copy of it.
 *
 * Header-only, for the test binaries (each is one .c file, and most use
 * part of it: static inline, so what one leaves unused is no warning).
 * Include cmocka.h (after stdarg.h, stddef.h, stdint.h and setjmp.h),
 * sqlite3.h and store.h before it.
 */
#ifndef TMDB_TESTS_SQLFILE_H
#define TMDB_TESTS_SQLFILE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* Run `sql` on the database file at `path` (a connection of its own). */
static inline void sqlfile_exec(const char *path, const char *sql) {
    sqlite3 *db;
    char *err = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 2000);
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err);
    sqlite3_close(db);
}

/* One integer read from the database file at `path`; -1 without a row. */
static inline long long sqlfile_int(const char *path, const char *sql) {
    sqlite3 *db;
    sqlite3_stmt *st;
    long long n = -1;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* Whether movie `id` is the only movie of the database file at `path`. */
static inline bool sqlfile_only_movie(const char *path, int id) {
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) = 1 AND min(id) = %d FROM movies", id);
    return sqlfile_int(path, sql) == 1;
}

/* A new tmdb-ingest database at `path` in `language`, its schema made by
 * the store as a load makes it. */
static inline void sqlfile_new_store(const char *path, const char *language) {
    struct store *s;
    char err[256];
    if (store_open(path, language, &s, err, sizeof err) != STORE_OK)
        fail_msg("store_open: %s", err);
    store_close(s);
}

/* A tmdb-ingest database at `path` (en-US) holding movie `id` and runs 1
 * to `runs` (at most 9), all of it in the file (no DB-wal to copy). */
static inline void sqlfile_make_db(const char *path, int id, int runs) {
    sqlfile_new_store(path, "en-US");
    char sql[2048];
    int n = snprintf(sql, sizeof sql,
                     "INSERT INTO movies (id, title, raw_json, language, fetched_at) VALUES "
                     "(%d, 'Movie %d', '{}', 'en-US', '2026-11-01T00:00:00Z');",
                     id, id);
    for (int r = 1; r <= runs; r++)
        n += snprintf(sql + n, sizeof sql - (size_t)n,
                      "INSERT INTO runs (id, started_at, finished_at, command, source, status) "
                      "VALUES (%d, '2026-11-0%dT00:00:00Z', '2026-11-0%dT00:10:00Z', 'ids', "
                      "'ids', 'ok');",
                      r, r, r);
    assert_true(n > 0 && (size_t)n < sizeof sql);
    sqlfile_exec(path, sql);
    sqlfile_exec(path, "PRAGMA wal_checkpoint(TRUNCATE)");
}

/* The bytes of the file at `path`, malloc'd and NUL-terminated; its size
 * in *size. */
static inline char *sqlfile_contents(const char *path, size_t *size) {
    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    assert_int_equal(fseek(in, 0, SEEK_END), 0);
    long n = ftell(in);
    assert_true(n >= 0);
    rewind(in);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, in), (size_t)n);
    fclose(in);
    buf[n] = '\0';
    *size = (size_t)n;
    return buf;
}

/* A copy of the file at `from` as `to`. */
static inline void sqlfile_copy(const char *from, const char *to) {
    size_t size;
    char *bytes = sqlfile_contents(from, &size);
    FILE *out = fopen(to, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(bytes, 1, size, out), size);
    assert_int_equal(fclose(out), 0);
    free(bytes);
}

#endif
