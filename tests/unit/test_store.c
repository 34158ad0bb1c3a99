/* test_store.c - the SQLite store: schema, language, upserts that replace
 * links, savepoint isolation of a failing movie, failures and runs. Each
 * test asserts with SQL on the real database file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "idset.h"
#include "movie.h"
#include "stop.h"
#include "store.h"
#include "sqlfile.h"
#include "tempdir.h"
/* the connection, for what only SQLite can tell (statements prepared again) */
#include "../../src/store_internal.h"

struct fixture {
    char dir[64];
    char path[128];
};

static int setup(void **state) {
    struct fixture *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/test_store.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/t.sqlite3", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    struct fixture *f = *state;
    int rc = tempdir_remove(f->dir);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* One text value from SQL into buf. */
static const char *qs(const char *path, const char *sql, char *buf, size_t size) {
    sqlite3 *db;
    sqlite3_stmt *st;
    buf[0] = '\0';
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return buf;
}

/* Whether open_ok() opens the store as a load does (store_open_for_load()):
 * set by setup_own() for the tests run both ways. */
static bool own_notes;

/* store_open(), or store_open_for_load() when `for_load`; fails the test
 * when it cannot open. */
static struct store *open_as(const char *path, const char *language, bool for_load) {
    struct store *s;
    char err[256] = "";
    if ((for_load ? store_open_for_load : store_open)(path, language, &s, err, sizeof err) !=
        STORE_OK)
        fail_msg("store_open%s: %s", for_load ? "_for_load" : "", err);
    return s;
}

static struct store *open_ok(const char *path, const char *language) {
    return open_as(path, language, own_notes);
}

static int setup_own(void **state) {
    own_notes = true;
    return setup(state);
}

static int teardown_own(void **state) {
    own_notes = false;
    return teardown(state);
}

static struct movie_genre GENRES[] = {{18, "드라마"}, {53, "스릴러"}, {35, "코미디"}};
static struct movie_company COMPANIES[] = {{7505, "CJ Entertainment", NULL, "KR"}};
static struct movie_country COUNTRIES[] = {{"KR", "South Korea"}};
static struct movie_language LANGUAGES[] = {{"ko", "Korean", "한국어/조선말"}};

static struct movie sample(int64_t id, const char *title) {
    static char raw[] = "{\"id\":496243}";
    struct movie m = {
        .id = id,
        .title = title,
        .original_title = "기생충",
        .overview = "emoji 🎬 \"quotes\"",
        .release_date = "2019-05-30",
        .revenue = 2923706026LL,
        .budget = 11363000,
        .has_runtime = true,
        .runtime = 133,
        .has_vote_average = true,
        .vote_average = 8.5,
        .has_vote_count = true,
        .vote_count = 17000,
        .has_collection = true,
        .collection = {10, "A collection", NULL, NULL},
        .genres = GENRES,
        .n_genres = 3,
        .companies = COMPANIES,
        .n_companies = 1,
        .countries = COUNTRIES,
        .n_countries = 1,
        .languages = LANGUAGES,
        .n_languages = 1,
        .raw_json = raw,
        .raw_len = sizeof raw - 1,
    };
    return m;
}

static void test_open_creates_schema_wal_and_language(void **state) {
    struct fixture *f = *state;
    char buf[64];
    struct store *s = open_ok(f->path, "ko-KR");
    store_close(s);
    assert_int_equal(sqlfile_int(f->path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    assert_string_equal(qs(f->path, "PRAGMA journal_mode", buf, sizeof buf), "wal");
    assert_string_equal(qs(f->path, "SELECT value FROM meta WHERE key='language'", buf, sizeof buf),
                        "ko-KR");
    assert_int_equal(sqlfile_int(f->path,
                                 "SELECT count(*) FROM sqlite_schema WHERE name IN ('movies', "
                                 "'genres', 'movie_genres', 'runs', 'fetch_failures')"),
                     5);
    s = open_ok(f->path, "ko-KR"); /* reopening applies the schema again harmlessly */
    store_close(s);
}

/* store_set_cache() sizes the connection's page cache in whole KiB, and
 * store_cache_bytes() reads back what SQLite took. */
static void test_page_cache_is_sized(void **state) {
    struct fixture *f = *state;
    struct store *s = open_ok(f->path, "ko-KR");
    assert_int_equal(store_set_cache(s, 64u * 1024 * 1024), STORE_OK);
    assert_int_equal(store_cache_bytes(s), 64u * 1024 * 1024);
    assert_int_equal(store_set_cache(s, 100 * 1024 + 1000), STORE_OK);
    assert_int_equal(store_cache_bytes(s), 100 * 1024);
    store_close(s);
}

static void test_other_language_is_refused(void **state) {
    struct fixture *f = *state;
    store_close(open_ok(f->path, "en-US"));
    struct store *s;
    char err[256];
    assert_int_equal(store_open(f->path, "ko-KR", &s, err, sizeof err), STORE_ERR_LANGUAGE);
    assert_null(s);
    assert_non_null(strstr(err, "en-US"));
    assert_non_null(strstr(err, "ko-KR"));
}

static void test_newer_schema_is_refused(void **state) {
    struct fixture *f = *state;
    store_close(open_ok(f->path, "ko-KR"));
    sqlite3 *db;
    sqlite3_open(f->path, &db);
    sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
    sqlite3_close(db);
    struct store *s;
    char err[256];
    assert_int_equal(store_open(f->path, "ko-KR", &s, err, sizeof err), STORE_ERR_SCHEMA);
    assert_non_null(strstr(err, "99"));
    assert_non_null(strstr(err, "upgrade tmdb-ingest"));
    /* read-only (stats, dump, search, dry runs, merge inputs): the same advice */
    assert_int_equal(store_open_readonly(f->path, &s, err, sizeof err), STORE_ERR_SCHEMA);
    assert_null(s);
    assert_non_null(strstr(err, "99"));
    assert_non_null(strstr(err, "upgrade tmdb-ingest"));
}

static void test_non_database_is_refused_and_untouched(void **state) {
    struct fixture *f = *state;
    const char junk[] = "this is not an SQLite database, it is a text file\n";
    FILE *fp = fopen(f->path, "w");
    fwrite(junk, 1, sizeof junk - 1, fp);
    fclose(fp);
    struct store *s;
    char err[256];
    assert_int_not_equal(store_open(f->path, "ko-KR", &s, err, sizeof err), STORE_OK);
    assert_non_null(strstr(err, f->path));
    char back[128] = "";
    fp = fopen(f->path, "r");
    size_t n = fread(back, 1, sizeof back, fp);
    fclose(fp);
    assert_int_equal(n, sizeof junk - 1);
    assert_memory_equal(back, junk, n);
}

static void test_foreign_sqlite_database_is_refused(void **state) {
    struct fixture *f = *state;
    sqlite3 *db;
    sqlite3_open(f->path, &db);
    sqlite3_exec(db, "CREATE TABLE accounts (id INTEGER)", NULL, NULL, NULL);
    sqlite3_close(db);
    struct store *s;
    char err[256];
    assert_int_equal(store_open(f->path, "ko-KR", &s, err, sizeof err), STORE_ERR_SCHEMA);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM sqlite_schema"), 1);
    /* read-only (stats, dump, merge inputs): not ours, not an older schema
     * for store_upgrade() to bring up */
    assert_int_equal(store_open_readonly(f->path, &s, err, sizeof err), STORE_ERR_SCHEMA);
    assert_null(s);
    assert_non_null(strstr(err, "not a database this tmdb-ingest can read"));
    /* another program's negative user_version: refused as well, not set to ours */
    sqlite3_open(f->path, &db);
    sqlite3_exec(db, "PRAGMA user_version = -1", NULL, NULL, NULL);
    sqlite3_close(db);
    assert_int_equal(store_open(f->path, "ko-KR", &s, err, sizeof err), STORE_ERR_SCHEMA);
    assert_non_null(strstr(err, "not a tmdb-ingest database"));
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM sqlite_schema"), 1);
    assert_int_equal(sqlfile_int(f->path, "PRAGMA user_version"), -1);
    assert_int_equal(store_open_readonly(f->path, &s, err, sizeof err), STORE_ERR_SCHEMA);
    assert_non_null(strstr(err, "not a database this tmdb-ingest can read"));
    /* another program's user_version of ours (no language: no tmdb-ingest
     * version made it): refused, neither upgraded nor given our schema
     * (version 6 was: migration 7 passed on it), and read as not ours */
    for (int version = 1; version <= STORE_SCHEMA_VERSION; version++) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", version);
        sqlite3_open(f->path, &db);
        sqlite3_exec(db, sql, NULL, NULL, NULL);
        sqlite3_close(db);
        assert_int_equal(store_open(f->path, "ko-KR", &s, err, sizeof err), STORE_ERR_SCHEMA);
        assert_non_null(strstr(err, "not a tmdb-ingest database (no language)"));
        assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM sqlite_schema"), 1);
        assert_int_equal(sqlfile_int(f->path, "PRAGMA user_version"), version);
        assert_int_equal(store_open_readonly(f->path, &s, err, sizeof err), STORE_ERR_SCHEMA);
        assert_non_null(strstr(err, "not a tmdb-ingest database (no language)"));
    }
}

static void test_upsert_then_replace_links(void **state) {
    struct fixture *f = *state;
    char buf[256];
    struct store *s = open_ok(f->path, "ko-KR");
    struct movie m = sample(496243, "기생충");
    assert_int_equal(store_begin(s), STORE_OK);
    assert_int_equal(store_upsert_movie(s, &m, "2026-11-24T03:00:00Z", "2026-11-22T09:00:00Z"),
                     STORE_OK);
    assert_int_equal(store_commit(s), STORE_OK);
    assert_int_equal(sqlfile_int(f->path, "SELECT revenue FROM movies WHERE id=496243"),
                     2923706026LL);
    assert_string_equal(qs(f->path, "SELECT copy_made_at FROM movies", buf, sizeof buf),
                        "2026-11-22T09:00:00Z");
    assert_string_equal(qs(f->path, "SELECT overview FROM movies", buf, sizeof buf),
                        "emoji 🎬 \"quotes\"");
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM movies WHERE imdb_id IS NULL AND "
                                          "homepage IS NULL AND tagline IS NULL"),
                     1);
    assert_string_equal(qs(f->path,
                           "SELECT group_concat(genre_id) FROM (SELECT genre_id FROM "
                           "movie_genres ORDER BY position)",
                           buf, sizeof buf),
                        "18,53,35");
    assert_string_equal(qs(f->path, "SELECT genres FROM movie_summary", buf, sizeof buf),
                        "드라마, 스릴러, 코미디");
    assert_int_equal(sqlfile_int(f->path, "SELECT collection_id FROM movies"), 10);

    /* no popularity in the body: NULL; a vote_average of 0 stays 0 */
    assert_int_equal(sqlfile_int(f->path,
                                 "SELECT count(*) FROM movies WHERE popularity IS NULL AND "
                                 "vote_average = 8.5 AND vote_count = 17000"),
                     1);

    m.title = "Parasite";
    m.n_genres = 1;
    m.has_runtime = false;
    m.has_vote_count = false;
    m.vote_average = 0;
    assert_int_equal(store_begin(s), STORE_OK);
    assert_int_equal(store_upsert_movie(s, &m, "2026-11-25T03:00:00Z", NULL), STORE_OK);
    assert_int_equal(store_commit(s), STORE_OK);
    store_close(s);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM movies"), 1);
    assert_string_equal(qs(f->path, "SELECT title FROM movies", buf, sizeof buf), "Parasite");
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM movies WHERE runtime IS NULL"), 1);
    assert_int_equal(sqlfile_int(f->path,
                                 "SELECT count(*) FROM movies WHERE vote_count IS NULL AND "
                                 "vote_average = 0"),
                     1);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM movie_genres"), 1);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM genres"), 3);
    /* a copy of unknown time replaces the known one: it is not that old */
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM movies WHERE copy_made_at IS NULL"),
                     1);
}

/* A movie that fails half-way (its row and a genre written, the next genre
 * refused) is undone by rolling the batch back; the store then takes the
 * next batch. */
static void test_failing_movie_is_undone_with_its_batch(void **state) {
    struct fixture *f = *state;
    struct store *s = open_ok(f->path, "ko-KR");
    struct movie before = sample(1, "committed before");
    assert_int_equal(store_begin(s), STORE_OK);
    assert_int_equal(store_upsert_movie(s, &before, "t", NULL), STORE_OK);
    assert_int_equal(store_commit(s), STORE_OK);
    struct movie good = sample(2, "good");
    struct movie_genre broken[] = {{18, "Drama"}, {99, NULL}}; /* genres.name is NOT NULL */
    struct movie bad = sample(3, "bad");
    bad.genres = broken;
    bad.n_genres = 2;
    assert_int_equal(store_begin(s), STORE_OK);
    assert_int_equal(store_upsert_movie(s, &good, "t", NULL), STORE_OK);
    assert_int_not_equal(store_upsert_movie(s, &bad, "t", NULL), STORE_OK);
    assert_non_null(strstr(store_errmsg(s), "movie 3"));
    assert_int_equal(store_rollback(s), STORE_OK);
    struct movie next = sample(4, "next batch");
    assert_int_equal(store_begin(s), STORE_OK);
    assert_int_equal(store_upsert_movie(s, &next, "t", NULL), STORE_OK);
    assert_int_equal(store_commit(s), STORE_OK);
    store_close(s);
    char ids[32];
    assert_string_equal(qs(f->path,
                           "SELECT group_concat(id) FROM (SELECT id FROM movies ORDER BY id)", ids,
                           sizeof ids),
                        "1,4");
    assert_int_equal(
        sqlfile_int(f->path, "SELECT count(*) FROM movie_genres WHERE movie_id IN (2, 3)"), 0);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM movies_fts"), 2);
}

/* The store skips the upsert of a shared row it has already written with
 * the same values (rowcache.h); a row written by a movie that was then
 * rolled back no longer exists, and the next movie naming it must write it. */
static void test_shared_row_of_an_undone_movie_is_written_again(void **state) {
    struct fixture *f = *state;
    struct store *s = open_ok(f->path, "ko-KR");
    struct movie_genre fresh[] = {{77, "New genre"}};
    struct movie_genre broken[] = {{77, "New genre"}, {99, NULL}}; /* NULL name fails */
    struct movie bad = sample(1, "bad");
    bad.genres = broken;
    bad.n_genres = 2;
    struct movie good = sample(2, "good");
    good.genres = fresh;
    good.n_genres = 1;
    assert_int_equal(store_begin(s), STORE_OK);
    assert_int_not_equal(store_upsert_movie(s, &bad, "t", NULL), STORE_OK); /* genre 77 written */
    assert_int_equal(store_rollback(s), STORE_OK);                    /* and undone */
    assert_int_equal(store_begin(s), STORE_OK);
    if (store_upsert_movie(s, &good, "t", NULL) != STORE_OK)
        fail_msg("movie after an undone one: %s", store_errmsg(s));
    assert_int_equal(store_commit(s), STORE_OK);
    /* the same after a whole batch is rolled back */
    struct movie_genre other[] = {{78, "Another"}};
    struct movie third = sample(3, "third");
    third.genres = other;
    third.n_genres = 1;
    assert_int_equal(store_begin(s), STORE_OK);
    assert_int_equal(store_upsert_movie(s, &third, "t", NULL), STORE_OK);
    assert_int_equal(store_rollback(s), STORE_OK);
    struct movie fourth = sample(4, "fourth");
    fourth.genres = other;
    fourth.n_genres = 1;
    assert_int_equal(store_begin(s), STORE_OK);
    assert_int_equal(store_upsert_movie(s, &fourth, "t", NULL), STORE_OK);
    assert_int_equal(store_commit(s), STORE_OK);
    store_close(s);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM genres WHERE id IN (77, 78)"), 2);
    assert_int_equal(
        sqlfile_int(f->path, "SELECT count(*) FROM movie_genres WHERE movie_id IN (2, 4)"), 2);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM movies"), 2);
}

/* A shared row named again with other values is written again. */
static void test_shared_row_with_new_values_is_updated_in_the_same_run(void **state) {
    struct fixture *f = *state;
    struct store *s = open_ok(f->path, "ko-KR");
    struct movie_genre before[] = {{18, "Drama"}};
    struct movie_genre after[] = {{18, "드라마"}};
    struct movie_company company_before[] = {{7, "Studio", NULL, "KR"}};
    struct movie_company company_after[] = {{7, "Studio", "/logo.png", "KR"}};
    struct movie a = sample(1, "a");
    a.genres = before;
    a.n_genres = 1;
    a.companies = company_before;
    struct movie b = sample(2, "b");
    b.genres = after;
    b.n_genres = 1;
    b.companies = company_after;
    assert_int_equal(store_begin(s), STORE_OK);
    assert_int_equal(store_upsert_movie(s, &a, "t", NULL), STORE_OK);
    assert_int_equal(store_upsert_movie(s, &b, "t", NULL), STORE_OK);
    assert_int_equal(store_upsert_movie(s, &a, "t", NULL), STORE_OK); /* and back */
    assert_int_equal(store_upsert_movie(s, &b, "t", NULL), STORE_OK);
    assert_int_equal(store_commit(s), STORE_OK);
    store_close(s);
    char buf[64];
    assert_string_equal(qs(f->path, "SELECT name FROM genres WHERE id = 18", buf, sizeof buf),
                        "드라마");
    assert_string_equal(
        qs(f->path, "SELECT logo_path FROM companies WHERE id = 7", buf, sizeof buf), "/logo.png");
}

static void test_rollback_discards_the_batch(void **state) {
    struct fixture *f = *state;
    struct store *s = open_ok(f->path, "ko-KR");
    struct movie m = sample(7, "x");
    assert_int_equal(store_begin(s), STORE_OK);
    assert_int_equal(store_upsert_movie(s, &m, "t", NULL), STORE_OK);
    assert_int_equal(store_rollback(s), STORE_OK);
    store_close(s);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM movies"), 0);
}

static struct movie_cast CAST[] = {
    {{20738, "송강호", "송강호", true, 2, "Acting", NULL, false, true, 15.5},
     "기택",
     true,
     0,
     true,
     3,
     "c-song"},
    {{1255881, "Park So-dam", "박소담", true, 1, NULL, "/p.jpg", false, false, 0},
     NULL,
     true,
     1,
     false,
     0,
     "c-park"},
    /* the same credit again: the first one stays */
    {{20738, "송강호", "송강호", true, 2, "Acting", NULL, false, true, 15.5},
     "duplicate",
     true,
     9,
     true,
     9,
     "c-song"},
};
static struct movie_crew CREW[] = {
    {{21684, "봉준호", "봉준호", true, 2, "Directing", NULL, false, true, 9.1},
     "Directing",
     "Director",
     "c-bong-1"},
    {{21684, "봉준호", "봉준호", true, 2, "Directing", NULL, false, true, 9.1},
     "Writing",
     "Screenplay",
     "c-bong-2"},
};
static struct movie_genre KEYWORDS[] = {
    {290003, "반지하"}, {159568, "class differences"}, {290003, "반지하"}};
static struct movie_release_date RELEASES[] = {
    {"KR", 0, "2019-05-30T00:00:00.000Z", true, 3, "15", NULL, NULL},
    {"KR", 1, "2019-10-04T00:00:00.000Z", true, 1, NULL, "ko", "부산국제영화제"},
    {"US", 2, "2019-10-11T00:00:00.000Z", false, 0, "R", NULL, NULL},
};
static struct movie_translation TRANSLATIONS[] = {
    {"KR", "ko", "한국어/조선말", "Korean", "기생충", NULL, NULL, NULL, false, 0},
    {"US", "en", "English", "English", "Parasite", "A family", NULL, "https://p.test", true, 133},
};

/* sample() with every part the store maps. */
static struct movie sample_with_parts(int64_t id) {
    struct movie m = sample(id, "기생충");
    m.parts = MOVIE_PART_CREDITS | MOVIE_PART_KEYWORDS | MOVIE_PART_RELEASE_DATES |
              MOVIE_PART_EXTERNAL_IDS | MOVIE_PART_TRANSLATIONS;
    m.cast = CAST;
    m.n_cast = 3;
    m.crew = CREW;
    m.n_crew = 2;
    m.keywords = KEYWORDS;
    m.n_keywords = 3;
    m.release_dates = RELEASES;
    m.n_release_dates = 3;
    m.external_ids = (struct movie_external_ids){"tt6751668", "Q47484519", NULL, NULL, "P"};
    m.translations = TRANSLATIONS;
    m.n_translations = 2;
    return m;
}

static void upsert_ok(struct store *s, const struct movie *m) {
    assert_int_equal(store_begin(s), STORE_OK);
    if (store_upsert_movie(s, m, "2026-11-24T03:00:00Z", NULL) != STORE_OK)
        fail_msg("store_upsert_movie: %s", store_errmsg(s));
    assert_int_equal(store_commit(s), STORE_OK);
}

/* A shared row that cannot be written (here a trigger refuses its update)
 * fails the movie naming it, whether its link is new or already stored:
 * the link written after it must not hide the error. */
static void test_shared_row_refused_fails_its_movie(void **state) {
    static const char *const tables[] = {"genres", "companies", "countries", "languages"};
    struct fixture *f = *state;
    struct store *s = open_ok(f->path, "ko-KR");
    struct movie stored = sample(1, "stored");
    upsert_ok(s, &stored);
    struct movie_genre genres[] = {{18, "Drama"}, {53, "Thriller"}, {35, "Comedy"}};
    struct movie_company companies[] = {{7505, "CJ ENM", NULL, "KR"}};
    struct movie_country countries[] = {{"KR", "Korea"}};
    struct movie_language languages[] = {{"ko", "Korean", "한국어"}};
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++) {
        char sql[160];
        snprintf(sql, sizeof sql,
                 "CREATE TRIGGER frozen BEFORE UPDATE ON %s BEGIN SELECT RAISE(ABORT, 'frozen'); "
                 "END",
                 tables[t]);
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
        for (int64_t id = 2; id >= 1; id--) { /* a new movie, then the stored one */
            struct movie m = sample(id, "renamed rows");
            m.genres = genres;
            m.companies = companies;
            m.countries = countries;
            m.languages = languages;
            assert_int_equal(store_begin(s), STORE_OK);
            if (store_upsert_movie(s, &m, "t", NULL) == STORE_OK)
                fail_msg("movie %lld stored, its %s row refused", (long long)id, tables[t]);
            assert_non_null(strstr(store_errmsg(s), id == 2 ? "movie 2" : "movie 1"));
            assert_int_equal(store_rollback(s), STORE_OK);
        }
        assert_int_equal(sqlite3_exec(db, "DROP TRIGGER frozen", NULL, NULL, NULL), SQLITE_OK);
    }
    sqlite3_close(db);
    store_close(s);
    char buf[64];
    assert_string_equal(qs(f->path, "SELECT group_concat(title) FROM movies", buf, sizeof buf),
                        "stored");
    assert_string_equal(qs(f->path, "SELECT name FROM countries", buf, sizeof buf), "South Korea");
}

static void test_parts_are_stored(void **state) {
    struct fixture *f = *state;
    char buf[512];
    struct store *s = open_ok(f->path, "ko-KR");
    struct movie m = sample_with_parts(496243);
    upsert_ok(s, &m);
    store_close(s);
    const char *db = f->path;
    /* each shared row knows when it was written (the triggers, or a load's statements) */
    static const char *const shared[] = {"collections", "genres", "companies", "countries",
                                         "languages",   "people", "keywords"};
    for (size_t i = 0; i < sizeof shared / sizeof *shared; i++) {
        snprintf(buf, sizeof buf, "SELECT count(*) FROM %s", shared[i]);
        long long rows = sqlfile_int(db, buf);
        snprintf(buf, sizeof buf,
                 "SELECT count(*) FROM %s WHERE updated_at LIKE '20__-__-__T__:__:__Z'", shared[i]);
        if (rows < 1 || sqlfile_int(db, buf) != rows)
            fail_msg("%s: %lld of %lld rows with a time of writing", shared[i],
                     sqlfile_int(db, buf), rows);
    }
    assert_string_equal(qs(db, "SELECT appended FROM movies", buf, sizeof buf),
                        "credits,keywords,release_dates,external_ids,translations");
    assert_string_equal(
        qs(db,
           "SELECT group_concat(x, ' | ') FROM (SELECT credit_id || ',' || person_id || ',' || "
           "ifnull(character, 'NULL') || ',' || cast_order || ',' || ifnull(cast_id, 'NULL') "
           "AS x FROM movie_cast WHERE movie_id = 496243 ORDER BY cast_order)",
           buf, sizeof buf),
        "c-song,20738,기택,0,3 | c-park,1255881,NULL,1,NULL");
    assert_string_equal(qs(db,
                           "SELECT group_concat(x, ' | ') FROM (SELECT credit_id || ',' || "
                           "person_id || ',' || department || ',' || job AS x FROM movie_crew "
                           "ORDER BY credit_id)",
                           buf, sizeof buf),
                        "c-bong-1,21684,Directing,Director | c-bong-2,21684,Writing,Screenplay");
    assert_int_equal(sqlfile_int(db, "SELECT count(*) FROM people"), 3);
    assert_string_equal(qs(db,
                           "SELECT name || ',' || original_name || ',' || gender || ',' || "
                           "ifnull(known_for_department, 'NULL') || ',' || "
                           "ifnull(profile_path, 'NULL') || ',' || adult || ',' || "
                           "ifnull(popularity, 'NULL') FROM people WHERE id = 1255881",
                           buf, sizeof buf),
                        "Park So-dam,박소담,1,NULL,/p.jpg,0,NULL");
    assert_string_equal(qs(db,
                           "SELECT group_concat(x, ' | ') FROM (SELECT k.id || ',' || k.name "
                           "|| ',' || mk.position AS x FROM movie_keywords mk JOIN keywords k "
                           "ON k.id = mk.keyword_id ORDER BY mk.position)",
                           buf, sizeof buf),
                        "290003,반지하,0 | 159568,class differences,1");
    assert_string_equal(
        qs(db,
           "SELECT group_concat(x, ' | ') FROM (SELECT iso_3166_1 || ',' || position || ',' || "
           "release_date || ',' || ifnull(type, 'NULL') || ',' || ifnull(certification, "
           "'NULL') || ',' || ifnull(iso_639_1, 'NULL') || ',' || ifnull(note, 'NULL') AS x "
           "FROM release_dates ORDER BY position)",
           buf, sizeof buf),
        "KR,0,2019-05-30T00:00:00.000Z,3,15,NULL,NULL | "
        "KR,1,2019-10-04T00:00:00.000Z,1,NULL,ko,부산국제영화제 | "
        "US,2,2019-10-11T00:00:00.000Z,NULL,R,NULL,NULL");
    assert_string_equal(qs(db,
                           "SELECT imdb_id || ',' || wikidata_id || ',' || "
                           "ifnull(facebook_id, 'NULL') || ',' || twitter_id FROM external_ids "
                           "WHERE movie_id = 496243",
                           buf, sizeof buf),
                        "tt6751668,Q47484519,NULL,P");
    assert_string_equal(qs(db,
                           "SELECT group_concat(x, ' | ') FROM (SELECT iso_639_1 || ',' || "
                           "iso_3166_1 || ',' || title || ',' || ifnull(overview, 'NULL') || "
                           "',' || ifnull(runtime, 'NULL') AS x FROM translations ORDER BY "
                           "iso_639_1)",
                           buf, sizeof buf),
                        "en,US,Parasite,A family,133 | ko,KR,기생충,NULL,NULL");
    assert_string_equal(qs(db, "PRAGMA foreign_key_check", buf, sizeof buf), "");
}

static void test_restoring_replaces_present_parts_only(void **state) {
    struct fixture *f = *state;
    char buf[512];
    struct store *s = open_ok(f->path, "ko-KR");
    struct movie m = sample_with_parts(496243);
    upsert_ok(s, &m);

    /* a later body with credits only: new cast and crew, the rest kept */
    struct movie_cast cast2[] = {{{99, "New Person", NULL, false, 0, NULL, NULL, true, true, 1.0},
                                  "Someone",
                                  true,
                                  0,
                                  true,
                                  1,
                                  "c-new"}};
    struct movie_cast renamed = CAST[1];
    renamed.person.name = "박소담 (renamed)";
    renamed.credit_id = "c-park-2";
    struct movie_cast cast3[] = {cast2[0], renamed};
    struct movie later = sample(496243, "Parasite");
    later.parts = MOVIE_PART_CREDITS;
    later.cast = cast3;
    later.n_cast = 2;
    upsert_ok(s, &later);
    const char *db = f->path;
    assert_string_equal(qs(db,
                           "SELECT group_concat(credit_id, ',') FROM (SELECT credit_id FROM "
                           "movie_cast ORDER BY cast_order, credit_id)",
                           buf, sizeof buf),
                        "c-new,c-park-2");
    assert_int_equal(sqlfile_int(db, "SELECT count(*) FROM movie_crew"),
                     0); /* credits had no crew */
    assert_string_equal(qs(db, "SELECT name FROM people WHERE id = 1255881", buf, sizeof buf),
                        "박소담 (renamed)");
    assert_int_equal(sqlfile_int(db, "SELECT adult FROM people WHERE id = 99"), 1);
    assert_int_equal(sqlfile_int(db, "SELECT count(*) FROM movie_keywords"), 2);
    assert_int_equal(sqlfile_int(db, "SELECT count(*) FROM release_dates"), 3);
    assert_int_equal(sqlfile_int(db, "SELECT count(*) FROM external_ids"), 1);
    assert_int_equal(sqlfile_int(db, "SELECT count(*) FROM translations"), 2);
    assert_string_equal(qs(db, "SELECT appended FROM movies", buf, sizeof buf), "credits");

    /* a body without any part: every part's rows stay, appended is NULL */
    struct movie plain = sample(496243, "Parasite");
    upsert_ok(s, &plain);
    assert_int_equal(sqlfile_int(db, "SELECT count(*) FROM movie_cast"), 2);
    assert_int_equal(sqlfile_int(db, "SELECT count(*) FROM movie_keywords"), 2);
    assert_int_equal(sqlfile_int(db, "SELECT count(*) FROM movies WHERE appended IS NULL"), 1);

    /* present but empty parts empty their tables; external_ids is replaced in place */
    struct movie empty = sample(496243, "Parasite");
    empty.parts = MOVIE_PART_KEYWORDS | MOVIE_PART_RELEASE_DATES | MOVIE_PART_EXTERNAL_IDS |
                  MOVIE_PART_TRANSLATIONS;
    empty.external_ids.imdb_id = "tt0000001";
    upsert_ok(s, &empty);
    store_close(s);
    assert_int_equal(sqlfile_int(db, "SELECT count(*) FROM movie_keywords"), 0);
    assert_int_equal(sqlfile_int(db, "SELECT count(*) FROM release_dates"), 0);
    assert_int_equal(sqlfile_int(db, "SELECT count(*) FROM translations"), 0);
    assert_string_equal(qs(db,
                           "SELECT imdb_id || ',' || ifnull(wikidata_id, 'NULL') FROM "
                           "external_ids",
                           buf, sizeof buf),
                        "tt0000001,NULL");
    assert_int_equal(sqlfile_int(db, "SELECT count(*) FROM movie_cast"), 2);
    assert_int_equal(sqlfile_int(db, "SELECT count(*) FROM keywords"), 2); /* shared rows stay */
    assert_string_equal(qs(db, "SELECT appended FROM movies", buf, sizeof buf),
                        "keywords,release_dates,external_ids,translations");
}

/* Every row a movie owns, in one text: its links and the rows of its
 * parts, each with every column, in a fixed order. */
static const char *owned_rows(const char *path, char *buf, size_t size) {
    return qs(
        path,
        "SELECT group_concat(x, ' | ') FROM (SELECT x FROM ("
        "SELECT 'g ' || genre_id || ' ' || position AS x FROM movie_genres "
        "UNION ALL SELECT 'c ' || company_id || ' ' || position FROM movie_companies "
        "UNION ALL SELECT 'n ' || iso_3166_1 || ' ' || position FROM movie_countries "
        "UNION ALL SELECT 'l ' || iso_639_1 || ' ' || position FROM movie_languages "
        "UNION ALL SELECT 'ca ' || credit_id || ' ' || person_id || ' ' || quote(character) "
        "|| ' ' || quote(cast_order) || ' ' || quote(cast_id) || ' ' "
        "|| ifnull(length(CAST(character AS BLOB)), '-') FROM movie_cast "
        "UNION ALL SELECT 'cr ' || credit_id || ' ' || person_id || ' ' || quote(department) "
        "|| ' ' || quote(job) FROM movie_crew "
        "UNION ALL SELECT 'k ' || keyword_id || ' ' || position FROM movie_keywords "
        "UNION ALL SELECT 'r ' || iso_3166_1 || ' ' || position || ' ' || quote(release_date) "
        "|| ' ' || quote(type) || ' ' || quote(certification) || ' ' || quote(iso_639_1) "
        "|| ' ' || quote(note) FROM release_dates "
        "UNION ALL SELECT 'x ' || quote(imdb_id) || ' ' || quote(wikidata_id) || ' ' "
        "|| quote(facebook_id) || ' ' || quote(instagram_id) || ' ' || quote(twitter_id) "
        "FROM external_ids "
        "UNION ALL SELECT 't ' || iso_639_1 || ' ' || iso_3166_1 || ' ' || quote(name) || ' ' "
        "|| quote(english_name) || ' ' || quote(title) || ' ' || quote(overview) || ' ' "
        "|| quote(tagline) || ' ' || quote(homepage) || ' ' || quote(runtime) "
        "FROM translations) ORDER BY x)",
        buf, size);
}

/* sample_with_parts() naming no key twice: what a reload finds the same. */
static struct movie sample_without_repeats(int64_t id) {
    struct movie m = sample_with_parts(id);
    m.n_cast = 2;     /* CAST[2] repeats c-song */
    m.n_keywords = 2; /* KEYWORDS[2] repeats 290003 */
    return m;
}

/* A reload of a movie whose body names the same links and part rows
 * leaves them alone (reading them is cheaper than replacing them): only
 * the movie's own row is written, and the time of each part it carried
 * (movie_parts). */
static void test_reload_leaves_unchanged_rows_alone(void **state) {
    struct fixture *f = *state;
    char before[4096], after[4096];
    struct store *s = open_ok(f->path, "ko-KR");
    struct movie m = sample_without_repeats(496243);
    m.n_companies = 1;
    upsert_ok(s, &m);
    owned_rows(f->path, before, sizeof before);
    int changes = sqlite3_total_changes(s->db);
    upsert_ok(s, &m);
    /* UPDATE movies, and movie_parts' row of each of the five parts */
    assert_int_equal(sqlite3_total_changes(s->db) - changes, 1 + 5);
    store_close(s);
    assert_string_equal(owned_rows(f->path, after, sizeof after), before);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM movie_cast"), 2);
}

/* A new store at `path` holding movie m, in `rows` the rows m owns, and
 * in *hand a second connection, for edits by hand. */
static struct store *store_one(const char *path, const struct movie *m, char *rows, size_t size,
                               sqlite3 **hand) {
    struct store *s = open_ok(path, "ko-KR");
    upsert_ok(s, m);
    owned_rows(path, rows, size);
    assert_int_equal(sqlite3_open(path, hand), SQLITE_OK);
    return s;
}

/* Whatever differs between the stored rows and the body's, a reload
 * leaves exactly the rows a first load of that body writes: rows edited,
 * added or removed by hand, and a body with its lists reordered, changed,
 * shortened, or naming a key twice. */
static void test_reload_replaces_what_differs(void **state) {
    struct fixture *f = *state;
    char want[4096], got[4096];
    struct movie m = sample_without_repeats(496243);
    sqlite3 *db;
    struct store *s = store_one(f->path, &m, want, sizeof want, &db);
    assert_int_equal(sqlite3_exec(db,
                                  "UPDATE movie_genres SET position = 7 WHERE genre_id = 53;"
                                  "DELETE FROM movie_languages;"
                                  "INSERT INTO countries (iso_3166_1) VALUES ('FR');"
                                  "INSERT INTO movie_countries VALUES (496243, 'FR', 1);"
                                  "DELETE FROM movie_cast WHERE credit_id = 'c-park';"
                                  "UPDATE movie_crew SET job = NULL WHERE credit_id = 'c-bong-2';"
                                  "INSERT INTO keywords (id, name) VALUES (5, 'extra');"
                                  "INSERT INTO movie_keywords VALUES (496243, 5, 2);"
                                  "UPDATE release_dates SET type = NULL WHERE position = 1;"
                                  "UPDATE translations SET runtime = 90 WHERE iso_639_1 = 'en';",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_string_not_equal(owned_rows(f->path, got, sizeof got), want);
    upsert_ok(s, &m);
    assert_string_equal(owned_rows(f->path, got, sizeof got), want);

    /* a changed body, against a first load of it into another database */
    struct movie_genre genres[] = {GENRES[2], GENRES[0]};
    struct movie_cast cast[] = {CAST[1], CAST[0], CAST[2]};
    cast[0].character = "another part";
    struct movie_genre keywords[] = {KEYWORDS[1], KEYWORDS[0]};
    struct movie_release_date dates[3];
    memcpy(dates, RELEASES, sizeof dates);
    dates[2].note = "a note";
    struct movie_translation translations[] = {TRANSLATIONS[1], TRANSLATIONS[0]};
    translations[0].title = "The Parasite";
    m.genres = genres;
    m.n_genres = 2;
    m.cast = cast;
    m.n_cast = 3;
    m.n_crew = 1;
    m.keywords = keywords;
    m.release_dates = dates;
    m.translations = translations;
    m.n_languages = 0;
    upsert_ok(s, &m);
    store_close(s);
    char other[160];
    snprintf(other, sizeof other, "%s/other.sqlite3", f->dir);
    s = open_ok(other, "ko-KR");
    upsert_ok(s, &m);
    store_close(s);
    assert_string_equal(owned_rows(f->path, got, sizeof got), owned_rows(other, want, sizeof want));
    assert_non_null(strstr(got, "ca c-song 20738 '기택' 0 3")); /* the first of a repeated credit */
    assert_non_null(strstr(got, "ca c-park 1255881 'another part' 1 NULL"));
    assert_non_null(strstr(got, "g 18 1 | g 35 0 | k 159568 0 | k 290003 1"));
    assert_string_equal(qs(f->path, "PRAGMA foreign_key_check", want, sizeof want), "");
}

/* Each value a reload compares, changed by hand on its own (to another
 * value, NULL to 0 or "", a NUL byte and more after the text, the row of
 * each table that sorts last removed), is written back by a reload of the
 * body: none is left out of the comparison. */
static void test_reload_compares_every_column(void **state) {
    static const char *const edits[] = {
        "UPDATE movie_cast SET cast_order = 5 WHERE credit_id = 'c-song'",
        "UPDATE movie_cast SET cast_id = 0 WHERE credit_id = 'c-park'", /* NULL to 0 */
        "UPDATE movie_cast SET person_id = 21684 WHERE credit_id = 'c-song'",
        "UPDATE movie_cast SET character = '' WHERE credit_id = 'c-park'", /* NULL to "" */
        ("UPDATE movie_cast SET character = character || char(0) || 'x' "
         "WHERE credit_id = 'c-song'"), /* one element: clang's -Wstring-concatenation */
        "DELETE FROM movie_cast WHERE credit_id = 'c-song'",
        "UPDATE movie_crew SET department = 'Sound' WHERE credit_id = 'c-bong-1'",
        "UPDATE movie_crew SET person_id = 20738 WHERE credit_id = 'c-bong-1'",
        "DELETE FROM movie_crew WHERE credit_id = 'c-bong-2'",
        "UPDATE release_dates SET release_date = '2019-05-31T00:00:00.000Z' WHERE position = 0",
        "UPDATE release_dates SET certification = '12' WHERE position = 0",
        "UPDATE release_dates SET iso_639_1 = 'en' WHERE position = 0",
        "DELETE FROM release_dates WHERE position = 2",
        "UPDATE translations SET name = 'Korean' WHERE iso_639_1 = 'ko'",
        "UPDATE translations SET overview = 'x' WHERE iso_639_1 = 'ko'",
        "UPDATE translations SET homepage = 'https://x.test' WHERE iso_639_1 = 'en'",
        "DELETE FROM translations WHERE iso_639_1 = 'ko'",
        "DELETE FROM movie_keywords WHERE keyword_id = 290003",
        "UPDATE external_ids SET facebook_id = 'parasite'",
        "UPDATE external_ids SET instagram_id = 'parasite'",
        /* a link to another country or language, at the same position */
        "UPDATE movie_countries SET iso_3166_1 = 'FR'",
        "UPDATE movie_languages SET iso_639_1 = 'fr'",
    };
    struct fixture *f = *state;
    char want[4096], got[4096];
    struct movie m = sample_without_repeats(496243);
    sqlite3 *db;
    struct store *s = store_one(f->path, &m, want, sizeof want, &db);
    for (size_t i = 0; i < sizeof edits / sizeof *edits; i++) {
        if (sqlite3_exec(db, edits[i], NULL, NULL, NULL) != SQLITE_OK || sqlite3_changes(db) != 1)
            fail_msg("%s: %s, %d rows", edits[i], sqlite3_errmsg(db), sqlite3_changes(db));
        upsert_ok(s, &m);
        if (strcmp(owned_rows(f->path, got, sizeof got), want) != 0)
            fail_msg("after %s, a reload left\n%s\ninstead of\n%s", edits[i], got, want);
    }
    sqlite3_close(db);
    store_close(s);
}

/* Times statement k of store s has run to completion. */
static int runs_of(struct store *s, enum stmt k) {
    return sqlite3_stmt_status(s->stmts[k], SQLITE_STMTSTATUS_RUN, 0);
}

/* A reload updates the movie's row without naming the columns that key
 * indexes and nearly never change (collection, release date, revenue),
 * so their index entries are left alone; when one of them changes, the
 * update names all three, and the indexes find the new values. */
static void test_reload_rewrites_changed_keys_only(void **state) {
    struct fixture *f = *state;
    struct store *s = open_ok(f->path, "ko-KR");
    struct movie m = sample(496243, "기생충");
    upsert_ok(s, &m);
    /* (a connection whose triggers fire counts a run of each too) */
    int narrow = runs_of(s, ST_UPDATE_MOVIE), all = runs_of(s, ST_UPDATE_MOVIE_ALL);
    upsert_ok(s, &m);
    assert_true(runs_of(s, ST_UPDATE_MOVIE) > narrow);
    assert_int_equal(runs_of(s, ST_UPDATE_MOVIE_ALL), all);
    static const char *const checks[] = {
        "SELECT count(*) FROM movies INDEXED BY movies_year WHERE "
        "CAST(substr(release_date, 1, 4) AS INTEGER) = 2019 AND revenue = 7",
        "SELECT count(*) FROM movies INDEXED BY movies_release_date "
        "WHERE release_date = '2020-01-01'",
        "SELECT count(*) FROM movies INDEXED BY movies_release_date WHERE release_date IS NULL",
        "SELECT count(*) FROM movies INDEXED BY movies_collection WHERE collection_id IS NULL",
    };
    for (int step = 0; step < 4; step++) { /* one of the three changes at each */
        if (step == 0)
            m.revenue = 7;
        else if (step == 1)
            m.release_date = "2020-01-01";
        else if (step == 2)
            m.release_date = NULL;
        else
            m.has_collection = false;
        narrow = runs_of(s, ST_UPDATE_MOVIE);
        all = runs_of(s, ST_UPDATE_MOVIE_ALL);
        upsert_ok(s, &m);
        assert_true(runs_of(s, ST_UPDATE_MOVIE_ALL) > all);
        assert_int_equal(runs_of(s, ST_UPDATE_MOVIE), narrow);
        assert_int_equal(sqlfile_int(f->path, checks[step]), 1);
    }
    narrow = runs_of(s, ST_UPDATE_MOVIE);
    all = runs_of(s, ST_UPDATE_MOVIE_ALL);
    upsert_ok(s, &m); /* the same again */
    assert_true(runs_of(s, ST_UPDATE_MOVIE) > narrow);
    assert_int_equal(runs_of(s, ST_UPDATE_MOVIE_ALL), all);
    store_close(s);
    char buf[64];
    assert_string_equal(qs(f->path, "PRAGMA integrity_check", buf, sizeof buf), "ok");
    assert_int_equal(sqlfile_int(f->path, "SELECT revenue FROM movies INDEXED BY movies_year"), 7);
}

static void test_parts_of_two_movies_share_people(void **state) {
    struct fixture *f = *state;
    struct store *s = open_ok(f->path, "ko-KR");
    struct movie a = sample_with_parts(1);
    struct movie b = sample_with_parts(2);
    assert_int_equal(store_begin(s), STORE_OK);
    assert_int_equal(store_upsert_movie(s, &a, "t", NULL), STORE_OK);
    assert_int_equal(store_upsert_movie(s, &b, "t", NULL), STORE_OK);
    assert_int_equal(store_commit(s), STORE_OK);
    /* replacing movie 2's credits leaves movie 1's alone */
    b.parts = MOVIE_PART_CREDITS;
    b.n_cast = 1;
    b.n_crew = 0;
    upsert_ok(s, &b);
    store_close(s);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM movie_cast WHERE movie_id = 1"), 2);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM movie_cast WHERE movie_id = 2"), 1);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM movie_crew WHERE movie_id = 1"), 2);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM movie_crew WHERE movie_id = 2"), 0);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM people"), 3);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM movie_keywords"), 4);
}

static void test_failing_part_leaves_nothing_of_the_movie(void **state) {
    struct fixture *f = *state;
    struct store *s = open_ok(f->path, "ko-KR");
    struct movie m = sample_with_parts(5);
    upsert_ok(s, &m);
    struct movie_genre broken[] = {{1, "fine"}, {2, NULL}}; /* keywords.name is NOT NULL */
    struct movie bad = sample_with_parts(5);
    bad.title = "changed";
    bad.keywords = broken;
    bad.n_keywords = 2;
    assert_int_equal(store_begin(s), STORE_OK);
    assert_int_not_equal(store_upsert_movie(s, &bad, "t", NULL), STORE_OK);
    assert_non_null(strstr(store_errmsg(s), "movie 5"));
    assert_int_equal(store_rollback(s), STORE_OK);
    store_close(s);
    char buf[64];
    assert_string_equal(qs(f->path, "SELECT title FROM movies", buf, sizeof buf), "기생충");
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM movie_cast"), 2);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM movie_keywords"), 2);
}

static void test_upsert_clears_deleted_at(void **state) {
    struct fixture *f = *state;
    struct store *s = open_ok(f->path, "ko-KR");
    struct movie m = sample(42, "back");
    upsert_ok(s, &m);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db, "UPDATE movies SET deleted_at = '2026-11-20T00:00:00Z'", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(
        sqlfile_int(f->path, "SELECT count(*) FROM movies WHERE deleted_at IS NOT NULL"), 1);
    upsert_ok(s, &m); /* it answered 200 again: it exists */
    store_close(s);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM movies WHERE deleted_at IS NULL"),
                     1);
}

/* "2026-11-26T00:00:00Z" as seconds since the epoch; NULL as 0 (none). */
static long long iso_s(const char *iso) {
    struct tm tm = {0};
    if (!iso)
        return 0;
    assert_int_equal(sscanf(iso, "%d-%d-%dT%d:%d:%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                            &tm.tm_hour, &tm.tm_min, &tm.tm_sec),
                     6);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (long long)timegm(&tm);
}

static void note_ok(struct store *s, int64_t id, const char *needed, const char *made,
                    bool waiting_expected) {
    bool waiting = !waiting_expected;
    assert_int_equal(store_begin(s), STORE_OK);
    assert_int_equal(store_note_copy(s, id, iso_s(needed), made, &waiting), STORE_OK);
    assert_int_equal(store_commit(s), STORE_OK);
    assert_int_equal(waiting, waiting_expected);
}

/* A copy older than the change it was fetched for is noted with the later
 * need; a later copy still too old keeps the note (and says so), one new
 * enough or without a Date clears it, a fetch with no need of its own too. */
static void test_stale_copies_are_noted_and_cleared(void **state) {
    struct fixture *f = *state;
    char buf[64];
    struct store *s = open_ok(f->path, "ko-KR");
    const char *today = "2026-11-26T00:00:00Z", *tomorrow = "2026-11-27T00:00:00Z";
    note_ok(s, 1, today, "2026-11-25T21:00:00Z", true);  /* made before the day ended */
    note_ok(s, 2, today, "2026-11-26T00:00:00Z", false); /* made as it ended: fresh */
    note_ok(s, 3, today, NULL, false);                   /* no Date: fresh */
    note_ok(s, 4, NULL, "2026-11-20T00:00:00Z", false);  /* no need, no note: nothing */
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM stale_copies"), 1);
    note_ok(s, 1, tomorrow, "2026-11-26T05:00:00Z", true); /* a later window: the later need */
    note_ok(s, 1, today, "2026-11-26T06:00:00Z", true);    /* an earlier need does not win */
    assert_string_equal(
        qs(f->path, "SELECT needed_from || ' ' || copy_made_at FROM stale_copies", buf, sizeof buf),
        "2026-11-27T00:00:00Z 2026-11-26T06:00:00Z");
    note_ok(s, 1, NULL, "2026-11-26T23:00:00Z", true); /* ids: still too old, kept */
    assert_string_equal(qs(f->path, "SELECT copy_made_at FROM stale_copies", buf, sizeof buf),
                        "2026-11-26T23:00:00Z");
    note_ok(s, 1, NULL, tomorrow, false); /* new enough: cleared */
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM stale_copies"), 0);
    note_ok(s, 5, today, "2026-11-25T00:00:00Z", true);
    note_ok(s, 5, NULL, NULL, false); /* no Date: cleared */
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM stale_copies"), 0);
    store_close(s);
}

/* A copy's time is any made_s from 0 on (-1 alone is none): one made at
 * the epoch is older than the change, noted with its time. */
static void test_copy_made_at_the_epoch_is_a_time(void **state) {
    struct fixture *f = *state;
    char buf[64];
    struct store *s = open_ok(f->path, "ko-KR");
    const char *today = "2026-11-26T00:00:00Z";
    note_ok(s, 1, today, "2026-11-25T21:00:00Z", true);
    note_ok(s, 2, today, "1970-01-01T00:00:00Z", true);
    store_close(s);
    assert_string_equal(
        qs(f->path, "SELECT copy_made_at FROM stale_copies WHERE movie_id = 2", buf, sizeof buf),
        "1970-01-01T00:00:00Z");
}

/* A copy older than the one a movie is stored from may hold the data from
 * before a change the stored copy holds, which a changes run may have read
 * (the cursor past it): noted, needing a copy as new as the stored one,
 * also without a need of its own; one as new clears it; a later need of a
 * changes window wins over the stored copy's time. A movie stored without
 * a copy time (before version 5, or no usable Date) counts its fetch as
 * one; a movie not stored is judged by its need alone. */
static void test_a_copy_older_than_the_stored_one_is_noted(void **state) {
    struct fixture *f = *state;
    char buf[64];
    struct store *s = open_ok(f->path, "ko-KR");
    struct movie stored = sample(1, "One"), untimed = sample(2, "Two");
    assert_int_equal(store_begin(s), STORE_OK);
    assert_int_equal(store_upsert_movie(s, &stored, "2026-11-26T11:00:00Z", "2026-11-26T10:00:00Z"),
                     STORE_OK);
    assert_int_equal(store_upsert_movie(s, &untimed, "2026-11-26T11:00:00Z", NULL), STORE_OK);
    assert_int_equal(store_commit(s), STORE_OK);
    note_ok(s, 1, NULL, "2026-11-26T10:00:00Z", false); /* as new: nothing */
    note_ok(s, 1, NULL, "2026-11-26T11:00:00Z", false); /* newer: nothing */
    note_ok(s, 2, NULL, "2026-11-26T11:00:00Z", false); /* no copy time: as new as its fetch */
    note_ok(s, 3, NULL, "2026-11-20T00:00:00Z", false); /* not stored */
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM stale_copies"), 0);
    note_ok(s, 2, NULL, "2026-11-26T10:59:59Z", true); /* older than its fetch */
    assert_string_equal(
        qs(f->path, "SELECT needed_from || ' ' || copy_made_at FROM stale_copies", buf, sizeof buf),
        "2026-11-26T11:00:00Z 2026-11-26T10:59:59Z");
    note_ok(s, 2, NULL, "2026-11-26T11:00:00Z", false); /* as new as its fetch: cleared */
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM stale_copies"), 0);
    note_ok(s, 1, NULL, "2026-11-26T09:59:59Z", true); /* a second older */
    assert_string_equal(
        qs(f->path, "SELECT needed_from || ' ' || copy_made_at FROM stale_copies", buf, sizeof buf),
        "2026-11-26T10:00:00Z 2026-11-26T09:59:59Z");
    note_ok(s, 1, "2026-11-27T00:00:00Z", "2026-11-26T09:00:00Z", true); /* the later need */
    assert_string_equal(qs(f->path, "SELECT needed_from FROM stale_copies", buf, sizeof buf),
                        "2026-11-27T00:00:00Z");
    note_ok(s, 1, NULL, "2026-11-27T00:00:00Z", false); /* new enough: cleared */
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM stale_copies"), 0);
    store_close(s);
}

/* After an export or changes run, the movies it failed (not its 404s) are
 * noted without a copy; a movie noted already keeps its noted_at and the
 * later need. A later fetch clears the note as any (a copy new enough), or
 * turns it into a stale copy's (one too old). */
static void test_failed_fetches_are_noted(void **state) {
    struct fixture *f = *state;
    char buf[128];
    struct store *s = open_ok(f->path, "ko-KR");
    const char *today = "2026-11-26T00:00:00Z", *tomorrow = "2026-11-27T00:00:00Z";
    note_ok(s, 1, tomorrow, "2026-11-25T21:00:00Z", true); /* a stale copy, noted earlier */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "UPDATE stale_copies SET noted_at = '2026-11-01T00:00:00Z'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    int64_t run, other, noted = -1;
    char oldest[32];
    assert_int_equal(
        store_run_begin(s, "tmdb-ingest changes", "changes", "2026-11-26T02:30:00Z", &run),
        STORE_OK);
    assert_int_equal(
        store_run_begin(s, "tmdb-ingest ids 9", "ids 9", "2026-11-26T02:40:00Z", &other), STORE_OK);
    assert_int_equal(store_record_failure(s, run, 1, "failed", 500, "HTTP 500", 2), STORE_OK);
    assert_int_equal(store_record_failure(s, run, 2, "failed", 0, "timeout", 2), STORE_OK);
    assert_int_equal(store_record_failure(s, run, 3, "missing", 404, "HTTP 404", 1), STORE_OK);
    assert_int_equal(store_record_failure(s, other, 9, "failed", 500, "HTTP 500", 2), STORE_OK);
    assert_int_equal(store_note_failures(s, run, today, &noted, oldest, sizeof oldest), STORE_OK);
    assert_int_equal(noted, 2); /* 1 and 2; not the 404, not another run's */
    assert_string_equal(oldest, "2026-11-01T00:00:00Z");
    assert_string_equal(
        qs(f->path,
           "SELECT group_concat(movie_id || ' ' || needed_from || ' ' || "
           "coalesce(copy_made_at, 'none'), ', ') FROM (SELECT * FROM stale_copies ORDER BY 1)",
           buf, sizeof buf),
        "1 2026-11-27T00:00:00Z none, 2 2026-11-26T00:00:00Z none");
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM stale_copies WHERE movie_id = 1 "
                                          "AND noted_at = '2026-11-01T00:00:00Z'"),
                     1);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM stale_copies WHERE movie_id = 2 "
                                          "AND noted_at > '2026-11-26'"),
                     1);
    note_ok(s, 1, NULL, "2026-11-26T23:00:00Z", true); /* a copy still too old */
    assert_string_equal(
        qs(f->path, "SELECT copy_made_at FROM stale_copies WHERE movie_id = 1", buf, sizeof buf),
        "2026-11-26T23:00:00Z");
    note_ok(s, 2, NULL, "2026-11-26T01:00:00Z", false); /* new enough: cleared */
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM stale_copies"), 1);
    int64_t none;
    assert_int_equal(
        store_run_begin(s, "tmdb-ingest changes", "changes", "2026-11-27T02:30:00Z", &none),
        STORE_OK);
    assert_int_equal(store_note_failures(s, none, tomorrow, &noted, oldest, sizeof oldest),
                     STORE_OK);
    assert_int_equal(noted, 0);
    assert_string_equal(oldest, "");
    store_close(s);
}

static void test_runs_and_failures(void **state) {
    struct fixture *f = *state;
    char buf[256];
    struct store *s = open_ok(f->path, "ko-KR");
    int64_t run;
    assert_int_equal(store_run_begin(s, "tmdb-ingest list now_playing",
                                     "list now_playing --pages 1", "2026-11-24T03:00:00Z", &run),
                     STORE_OK);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM runs WHERE status = 'running'"), 1);
    assert_int_equal(store_begin(s), STORE_OK);
    assert_int_equal(store_record_failure(s, run, 55, "missing", 404, "HTTP 404 (TMDB 34)", 1),
                     STORE_OK);
    assert_int_equal(store_record_failure(s, run, 56, "failed", 0, "timeout", 5), STORE_OK);
    assert_int_equal(store_commit(s), STORE_OK);
    struct run_counts c = {.requested = 10,
                           .fetched = 8,
                           .missing = 1,
                           .failed = 1,
                           .http_requests = 15,
                           .retries = 4};
    struct run_end end = {"2026-11-24T03:01:00Z", "partial", 3, "why it ended so"};
    assert_int_equal(store_run_finish(s, run, &end, &c), STORE_OK);
    store_close(s);
    assert_string_equal(qs(f->path,
                           "SELECT status || ' ' || requested || ' ' || fetched || ' ' "
                           "|| missing || ' ' || failed || ' ' || http_requests || ' ' "
                           "|| retries || ' ' || exit_status || ' ' || error FROM runs",
                           buf, sizeof buf),
                        "partial 10 8 1 1 15 4 3 why it ended so");
    assert_string_equal(qs(f->path,
                           "SELECT kind || ' ' || http_status || ' ' || attempts FROM "
                           "fetch_failures WHERE movie_id = 56",
                           buf, sizeof buf),
                        "failed 0 5");
}

/* A store_run_fn that keeps the first run's id in *(int64_t *)ctx and stops. */
static int stop_after_first_run(void *ctx, const struct store_run_row *r) {
    *(int64_t *)ctx = r->id;
    return 1;
}

/* A store_run_fn that counts the runs in *(int *)ctx. */
static int count_run(void *ctx, const struct store_run_row *r) {
    (void)r;
    ++*(int *)ctx;
    return 0;
}

/* store_recent_runs() gives the `limit` most recent runs, newest first,
 * and a callback that stops it early (returns non-zero) is no error. */
static void test_recent_runs_newest_first_and_stop_early(void **state) {
    struct fixture *f = *state;
    struct store *s = open_ok(f->path, "ko-KR");
    int64_t run;
    for (int i = 0; i < 3; i++)
        assert_int_equal(
            store_run_begin(s, "tmdb-ingest ids -", "ids -", "2026-11-24T03:00:00Z", &run),
            STORE_OK);
    int64_t first = -1;
    assert_int_equal(store_recent_runs(s, 10, stop_after_first_run, &first), STORE_OK);
    assert_int_equal(first, run);
    int n = 0;
    assert_int_equal(store_recent_runs(s, 2, count_run, &n), STORE_OK);
    assert_int_equal(n, 2);
    store_close(s);
}

static int compare_uids(const void *a, const void *b) {
    return strcmp(a, b);
}

/* A run's uid (runs.uid, schema version 4): 32 lowercase hex digits, new
 * for every run, even two of one command started in the same second; the
 * table takes no uid twice, and no other shape. */
static void test_run_uid_is_random_hex_and_unique(void **state) {
    struct fixture *f = *state;
    enum { N = 10000 };
    char(*uids)[STORE_RUN_UID_CHARS + 1] = calloc(N, sizeof *uids);
    assert_non_null(uids);
    for (int i = 0; i < N; i++) {
        assert_int_equal(store_new_run_uid(uids[i]), 0);
        assert_int_equal(strlen(uids[i]), STORE_RUN_UID_CHARS);
        assert_int_equal(strspn(uids[i], "0123456789abcdef"), STORE_RUN_UID_CHARS);
    }
    qsort(uids, N, sizeof *uids, compare_uids);
    for (int i = 1; i < N; i++)
        if (strcmp(uids[i - 1], uids[i]) == 0)
            fail_msg("uid %s drawn twice", uids[i]);
    free(uids);

    struct store *s = open_ok(f->path, "ko-KR");
    int64_t run;
    for (int i = 0; i < 2; i++)
        assert_int_equal(
            store_run_begin(s, "tmdb-ingest changes", "changes", "2026-11-26T02:30:00Z", &run),
            STORE_OK);
    store_close(s);
    assert_int_equal(sqlfile_int(f->path,
                                 "SELECT count(DISTINCT uid) FROM runs WHERE length(uid) = 32 "
                                 "AND uid NOT GLOB '*[^0-9a-f]*'"),
                     2);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db,
                                      "INSERT INTO runs (started_at, command, source, uid) "
                                      "SELECT 'x', 'y', 'z', uid FROM runs WHERE id = 1",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db,
                                      "INSERT INTO runs (started_at, command, source, uid) "
                                      "VALUES ('x', 'y', 'z', 'ABC')",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO runs (started_at, command, source) VALUES "
                                  "('x', 'y', 'z'), ('x', 'y', 'z')",
                                  NULL, NULL, NULL),
                     SQLITE_OK); /* runs of older versions: no uid, any number of them */
    sqlite3_close(db);
}

/* SQLite's allocator with its mem_fail_at-th call (counted in mem_calls)
 * failing, once; 0 never. Installed by failing_sqlite_memory(true), with
 * no connection open, until failing_sqlite_memory(false). */
static sqlite3_mem_methods real_mem;
static long mem_calls, mem_fail_at;

static void *failing_malloc(int n) {
    return mem_fail_at && ++mem_calls == mem_fail_at ? NULL : real_mem.xMalloc(n);
}

static void *failing_realloc(void *p, int n) {
    return mem_fail_at && ++mem_calls == mem_fail_at ? NULL : real_mem.xRealloc(p, n);
}

static void failing_sqlite_memory(bool on) {
    assert_int_equal(sqlite3_shutdown(), SQLITE_OK);
    if (on) {
        assert_int_equal(sqlite3_config(SQLITE_CONFIG_GETMALLOC, &real_mem), SQLITE_OK);
        sqlite3_mem_methods failing = real_mem;
        failing.xMalloc = failing_malloc;
        failing.xRealloc = failing_realloc;
        assert_int_equal(sqlite3_config(SQLITE_CONFIG_MALLOC, &failing), SQLITE_OK);
    } else {
        assert_int_equal(sqlite3_config(SQLITE_CONFIG_MALLOC, &real_mem), SQLITE_OK);
    }
    assert_int_equal(sqlite3_initialize(), SQLITE_OK);
}

/* Out of memory at each of SQLite's allocations while a database is
 * opened, one at a time, says so: before, the copy of the journal mode
 * SQLite answered, when it could not be made, was reported as "switch to
 * WAL journal mode: not an error". */
/* Every allocation of an open failed in turn: some 9,000 opens, nearly all
 * of test_store's time. The sweep runs on one thread, so under
 * ThreadSanitizer it would check nothing and take most of a minute; the
 * normal and ASan+UBSan builds (leaks on each error path) run it. */
static void test_open_out_of_memory_says_so(void **state) {
    struct fixture *f = *state;
    char err[256];
#ifdef __SANITIZE_THREAD__
    print_message("skipped under TSan: the sweep has one thread\n");
    skip();
#endif
    store_close(open_ok(f->path, "ko-KR"));
    failing_sqlite_memory(true);
    int failed = 0;
    for (long n = 1;; n++) {
        struct store *s = NULL;
        err[0] = '\0';
        mem_calls = 0;
        mem_fail_at = n;
        enum store_status st = store_open(f->path, "ko-KR", &s, err, sizeof err);
        mem_fail_at = 0;
        store_close(s);
        if (st == STORE_OK && mem_calls < n)
            break; /* the open needs fewer allocations: all were failed */
        if (st == STORE_OK)
            continue; /* one SQLite does without */
        failed++;
        if (!strstr(err, "out of memory"))
            fail_msg("allocation %ld failed: status %d, %s", n, (int)st, err);
    }
    failing_sqlite_memory(false);
    assert_true(failed > 0);
}

/* ---- views, change times, full-text search (schema version 3) ---- */

/* The store's own SQL function, for a plan: its value does not matter. */
static void parts_cover_stub(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    sqlite3_result_int(ctx, 1);
}

/* The plan SQLite chooses for `sql`, its steps joined with "; ", into buf. */
static const char *query_plan(const char *path, const char *sql, char *buf, size_t size) {
    sqlite3 *db;
    sqlite3_stmt *st;
    char eqp[4096];
    buf[0] = '\0';
    snprintf(eqp, sizeof eqp, "EXPLAIN QUERY PLAN %s", sql);
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_create_function(db, "tmdb_parts_cover", 2, SQLITE_UTF8, NULL,
                                             parts_cover_stub, NULL, NULL),
                     SQLITE_OK);
    if (sqlite3_prepare_v2(db, eqp, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", eqp, sqlite3_errmsg(db));
    while (sqlite3_step(st) == SQLITE_ROW)
        snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", buf[0] ? "; " : "",
                 (const char *)sqlite3_column_text(st, 3));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return buf;
}

static void test_views_read_as_lists(void **state) {
    struct fixture *f = *state;
    char buf[512];
    struct store *s = open_ok(f->path, "ko-KR");
    struct movie m = sample_with_parts(496243);
    upsert_ok(s, &m);
    store_close(s);
    const char *db = f->path;
    assert_string_equal(qs(db,
                           "SELECT year || '|' || genres || '|' || companies || '|' || "
                           "countries || '|' || spoken_languages || '|' || collection || '|' "
                           "|| keywords || '|' || deleted FROM movie_details",
                           buf, sizeof buf),
                        "2019|드라마, 스릴러, 코미디|CJ Entertainment|South Korea|Korean|"
                        "A collection|반지하, class differences|0");
    assert_string_equal(qs(db,
                           "SELECT directors || '|' || writers || '|' || top_cast || '|' || "
                           "cast_count || '|' || crew_count FROM movie_credits",
                           buf, sizeof buf),
                        "봉준호|봉준호|송강호, Park So-dam|2|2");
    assert_string_equal(qs(db,
                           "SELECT genre || ' ' || movies || ' ' || avg_vote FROM "
                           "genre_stats WHERE genre_id = 18",
                           buf, sizeof buf),
                        "드라마 1 8.5");
    /* the year index serves the views' `year` */
    assert_non_null(
        strstr(query_plan(db, "SELECT id FROM movie_details WHERE year = 2019", buf, sizeof buf),
               "USING INDEX movies_year"));
}

static void test_shared_rows_know_when_they_changed(void **state) {
    struct fixture *f = *state;
    struct store *s = open_ok(f->path, "ko-KR");
    struct movie m = sample(1, "x");
    upsert_ok(s, &m);
    assert_int_equal(
        sqlfile_int(f->path,
                    "SELECT count(*) FROM genres WHERE updated_at LIKE '20__-__-__T__:__:__Z'"),
        3);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "UPDATE genres SET updated_at = 'then'; "
                                  "UPDATE companies SET updated_at = 'then'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    store_close(s); /* a new connection forgets the rows it wrote: the upserts run */
    s = open_ok(f->path, "ko-KR");
    upsert_ok(s, &m); /* the same values again: not a change */
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM genres WHERE updated_at = 'then'"),
                     3);
    struct movie_genre renamed[] = {{18, "Drama"}};
    m.genres = renamed;
    m.n_genres = 1;
    upsert_ok(s, &m);
    store_close(s);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM genres WHERE updated_at = 'then'"),
                     2);
    assert_int_equal(sqlfile_int(f->path,
                                 "SELECT count(*) FROM genres WHERE id = 18 AND updated_at > "
                                 "'2000' AND updated_at < 'then'"),
                     1);
    assert_int_equal(
        sqlfile_int(f->path, "SELECT count(*) FROM companies WHERE updated_at = 'then'"), 1);
}

#define MAX_HITS 16

struct hits {
    int n;
    int stop_after; /* 0: never */
    int64_t id[MAX_HITS];
    char title[MAX_HITS][64];
    char year[MAX_HITS][8];
    char snippet[MAX_HITS][256];
};

static int collect_hit(void *ctx, const struct store_search_hit *hit) {
    struct hits *h = ctx;
    if (h->n < MAX_HITS) {
        h->id[h->n] = hit->id;
        snprintf(h->title[h->n], sizeof h->title[h->n], "%s", hit->title ? hit->title : "(null)");
        snprintf(h->year[h->n], sizeof h->year[h->n], "%s", hit->year ? hit->year : "(null)");
        snprintf(h->snippet[h->n], sizeof h->snippet[h->n], "%s", hit->snippet);
    }
    h->n++;
    return h->stop_after && h->n >= h->stop_after;
}

/* The ids store_search() reports for `query`, comma separated, into h. */
static const char *search_ids(struct store *s, const char *query, int limit, struct hits *h) {
    static char ids[256];
    memset(h, 0, sizeof *h);
    if (store_search(s, query, limit, collect_hit, h) != STORE_OK)
        fail_msg("store_search(\"%s\"): %s", query, store_errmsg(s));
    ids[0] = '\0';
    for (int i = 0; i < h->n && i < MAX_HITS; i++)
        snprintf(ids + strlen(ids), sizeof ids - strlen(ids), "%s%lld", i ? "," : "",
                 (long long)h->id[i]);
    return ids;
}

/* A movie with text only (no genres or companies), its keywords in raw_json
 * as TMDB appends them. `raw` must outlive the upsert. */
static struct movie text_movie(int64_t id, const char *title, const char *overview,
                               double popularity, struct movie_genre *keywords, size_t n_keywords,
                               char *raw, size_t raw_size) {
    struct movie m = {.id = id,
                      .title = title,
                      .original_title = title,
                      .overview = overview,
                      .has_popularity = true,
                      .popularity = popularity,
                      .raw_json = raw};
    int len = snprintf(raw, raw_size, "{\"id\":%lld", (long long)id);
    if (keywords) {
        m.parts = MOVIE_PART_KEYWORDS;
        m.keywords = keywords;
        m.n_keywords = n_keywords;
        len += snprintf(raw + len, raw_size - (size_t)len, ",\"keywords\":{\"keywords\":[");
        for (size_t i = 0; i < n_keywords; i++)
            len += snprintf(raw + len, raw_size - (size_t)len, "%s{\"id\":%lld,\"name\":\"%s\"}",
                            i ? "," : "", (long long)keywords[i].id, keywords[i].name);
        len += snprintf(raw + len, raw_size - (size_t)len, "]}");
    }
    len += snprintf(raw + len, raw_size - (size_t)len, "}");
    m.raw_len = (size_t)len;
    return m;
}

/* Store the movies in one batch. */
static void upsert_all(struct store *s, const struct movie *movies, size_t n) {
    assert_int_equal(store_begin(s), STORE_OK);
    for (size_t i = 0; i < n; i++)
        if (store_upsert_movie(s, &movies[i], "2026-11-24T03:00:00Z", NULL) != STORE_OK)
            fail_msg("store_upsert_movie: %s", store_errmsg(s));
    assert_int_equal(store_commit(s), STORE_OK);
}

static struct movie_genre MONSTER_KEYWORD[] = {{290000, "괴물"}};

/* Korean movies: 괴물 (two syllables, no trigram of its own) as a word,
 * inside a compound, before particles, and as a keyword. */
static struct store *open_korean_catalogue(const char *path) {
    static char raw[6][256];
    struct store *s = open_ok(path, "ko-KR");
    struct movie movies[] = {
        text_movie(1, "한강괴물이 나타났다", "서울", 5.0, NULL, 0, raw[0], sizeof raw[0]),
        text_movie(2, "밤의 이야기", "괴물들의 밤이 온다. 아무도 모른다, 괴물이 어디 있는지", 50.0,
                   NULL, 0, raw[1], sizeof raw[1]),
        text_movie(3, "괴물", "가족 영화", 9.0, NULL, 0, raw[2], sizeof raw[2]),
        text_movie(4, "물괴", "조선 시대", 99.0, NULL, 0, raw[3], sizeof raw[3]),
        text_movie(5, "한 여름", "바다", 1.0, MONSTER_KEYWORD, 1, raw[4], sizeof raw[4]),
        text_movie(6, "Monster", "괴물 영화", 1.0, NULL, 0, raw[5], sizeof raw[5]),
    };
    upsert_all(s, movies, sizeof movies / sizeof *movies);
    return s;
}

static void test_search_korean_two_syllables(void **state) {
    struct fixture *f = *state;
    struct hits h;
    struct store *s = open_korean_catalogue(f->path);
    /* title matches first (by popularity), then keywords, then overviews */
    assert_string_equal(search_ids(s, "괴물", 0, &h), "3,1,5,2,6");
    assert_string_equal(h.snippet[1], "한강[괴물]이 나타났다");
    assert_string_equal(h.snippet[3], "[괴물]들의 밤이 온다. 아무도 모른…");
    assert_string_equal(h.year[0], "(null)");
    /* three syllables go through the index: inside a compound, with a particle */
    assert_string_equal(search_ids(s, "괴물이", 0, &h), "1,2");
    assert_string_equal(h.snippet[0], "한강[괴물이] 나타났다");
    assert_string_equal(search_ids(s, "괴물들의", 0, &h), "2");
    /* two words: both must match */
    assert_string_equal(search_ids(s, "괴물 가족", 0, &h), "3");
    assert_string_equal(search_ids(s, "괴물 영화", 0, &h), "3,6");
    store_close(s);
}

/* Words are separated by Unicode's white space, not ASCII's and U+3000
 * alone: before, a no-break space (text pasted from a web page), a narrow
 * one or an em space joined two words into one, and 괴물 가족 found nothing. */
static void test_search_splits_on_unicode_spaces(void **state) {
    struct fixture *f = *state;
    struct hits h;
    struct store *s = open_korean_catalogue(f->path);
    const char *queries[] = {"괴물 가족",
                             "괴물\u3000가족",
                             "괴물\u00a0가족",
                             "괴물\u202f가족",
                             "괴물\u2003가족",
                             "괴물\u1680가족",
                             "\u205f괴물\u2028가족\xc2\x85"};
    for (size_t i = 0; i < sizeof queries / sizeof *queries; i++)
        assert_string_equal(search_ids(s, queries[i], 0, &h), "3");
    assert_int_equal(store_search(s, "\u00a0\u2009\u3000", 0, collect_hit, &h), STORE_ERR_QUERY);
    store_close(s);
}

/* Only spaces separate words: the punctuation beside them in Unicode's
 * U+2000 block (’ U+2019, — U+2014) is part of the word it is in, so
 * "Don’t" is not "Don" and "t", nor "r—M" two one-letter words. */
static void test_search_keeps_punctuation_in_its_word(void **state) {
    struct fixture *f = *state;
    char raw[4][128];
    struct hits h;
    struct store *s = open_ok(f->path, "en-US");
    struct movie movies[] = {
        text_movie(30, "Don’t Look Up", "", 1.0, NULL, 0, raw[0], sizeof raw[0]),
        text_movie(31, "Dont Stop", "", 2.0, NULL, 0, raw[1], sizeof raw[1]),
        text_movie(32, "Spider—Man", "", 1.0, NULL, 0, raw[2], sizeof raw[2]),
        text_movie(33, "Spider Man", "", 2.0, NULL, 0, raw[3], sizeof raw[3]),
    };
    upsert_all(s, movies, sizeof movies / sizeof *movies);
    assert_string_equal(search_ids(s, "Don’t", 0, &h), "30");
    assert_string_equal(h.snippet[0], "[Don’t] Look Up");
    assert_string_equal(search_ids(s, "r—M", 0, &h), "32");
    assert_string_equal(h.snippet[0], "Spide[r—M]an");
    store_close(s);
}

/* The snippet of a match found by LIKE (a word of one or two characters)
 * keeps 16 characters of the text on each side, counted in characters
 * (a Korean syllable is three bytes), and marks a cut side with "…". */
static void test_search_short_word_snippet_keeps_16_characters_each_side(void **state) {
    struct fixture *f = *state;
    char raw[2][128];
    struct hits h;
    struct store *s = open_ok(f->path, "en-US");
    struct movie movies[] = {
        text_movie(40, "Numbers",
                   "가나다라마바사아자차0123456789 up 카타파하거너더러머버서어저처커터퍼", 1.0,
                   NULL, 0, raw[0], sizeof raw[0]),
        text_movie(41, "Letters", "abcdefghijklmno ox qrstuvwxyzabcde", 1.0, NULL, 0, raw[1],
                   sizeof raw[1]),
    };
    upsert_all(s, movies, sizeof movies / sizeof *movies);
    assert_string_equal(search_ids(s, "up", 0, &h), "40");
    assert_string_equal(h.snippet[0], "…바사아자차0123456789 [up] 카타파하거너더러머버서어저처커…");
    /* exactly 16 on each side: nothing cut */
    assert_string_equal(search_ids(s, "ox", 0, &h), "41");
    assert_string_equal(h.snippet[0], "abcdefghijklmno [ox] qrstuvwxyzabcde");
    store_close(s);
}

static void test_search_english_ranking_and_case(void **state) {
    struct fixture *f = *state;
    char raw[3][128];
    struct hits h;
    struct store *s = open_ok(f->path, "en-US");
    struct movie movies[] = {
        text_movie(10, "A Quiet Place", "A family hides from a MONSTER that hunts by sound.", 90.0,
                   NULL, 0, raw[0], sizeof raw[0]),
        text_movie(11, "Monster House", "Kids and a haunted house.", 1.0, NULL, 0, raw[1],
                   sizeof raw[1]),
        text_movie(12, "Up", "An old man flies his house away.", 50.0, NULL, 0, raw[2],
                   sizeof raw[2]),
    };
    movies[1].release_date = "2006-07-21";
    upsert_all(s, movies, sizeof movies / sizeof *movies);
    /* a title match outranks an overview match, though less popular */
    assert_string_equal(search_ids(s, "monster", 0, &h), "11,10");
    assert_string_equal(h.title[0], "Monster House");
    assert_string_equal(h.year[0], "2006");
    assert_string_equal(h.snippet[0], "[Monster] House");
    assert_non_null(strstr(h.snippet[1], "[MONSTER]"));
    assert_string_equal(search_ids(s, "MoNsTeR hOuSe", 0, &h), "11");
    assert_string_equal(search_ids(s, "house", 1, &h), "11"); /* limit */
    assert_string_equal(search_ids(s, "up", 0, &h), "12");    /* two letters: LIKE */
    assert_string_equal(h.snippet[0], "[Up]");
    store_close(s);
}

/* Movies whose title holds every word come first, the words of one or two
 * characters (found with LIKE) too: before, only the longer words counted,
 * so a search for the title 살인의 추억 ranked 살인의 해석 (추억 only in
 * its overview, a shorter row for bm25) above it, and 한강 괴물, all short
 * words, put a more popular 한강 (괴물 in its overview) first. */
static void test_search_titles_holding_every_word_first(void **state) {
    struct fixture *f = *state;
    char raw[4][512];
    struct hits h;
    struct store *s = open_ok(f->path, "ko-KR");
    struct movie movies[] = {
        text_movie(50, "살인의 추억",
                   "1986년 경기도. 젊은 여인이 무참히 강간, 살해당한 시체로 발견된다. 2개월 "
                   "후, 비슷한 수법의 살인사건이 연이어 발생한다.",
                   1.0, NULL, 0, raw[0], sizeof raw[0]),
        text_movie(51, "살인의 해석", "그해 여름의 추억.", 99.0, NULL, 0, raw[1], sizeof raw[1]),
        text_movie(52, "한강 괴물", "가족", 1.0, NULL, 0, raw[2], sizeof raw[2]),
        text_movie(53, "한강", "괴물", 99.0, NULL, 0, raw[3], sizeof raw[3]),
    };
    upsert_all(s, movies, sizeof movies / sizeof *movies);
    assert_string_equal(search_ids(s, "살인의 추억", 0, &h), "50,51");
    assert_string_equal(search_ids(s, "한강 괴물", 0, &h), "52,53");
    store_close(s);
}

static void test_search_takes_the_query_literally(void **state) {
    struct fixture *f = *state;
    char raw[2][128];
    struct hits h;
    struct store *s = open_ok(f->path, "en-US");
    struct movie movies[] = {
        text_movie(20, "\"Quoted\" Title: Part-2*", "50% off_sale \\o/", 1.0, NULL, 0, raw[0],
                   sizeof raw[0]),
        text_movie(21, "Quoted Title Part 2", "Nothing special", 2.0, NULL, 0, raw[1],
                   sizeof raw[1]),
    };
    upsert_all(s, movies, sizeof movies / sizeof *movies);
    /* quotes, colons, minus, star, percent, underscore and backslash are text */
    assert_string_equal(search_ids(s, "\"Quoted\"", 0, &h), "20");
    assert_string_equal(search_ids(s, "Title: Part-2*", 0, &h), "20");
    assert_string_equal(search_ids(s, "quoted title", 0, &h), "21,20");
    /* as operators, this would exclude 21; as words, all three are in it */
    assert_string_equal(search_ids(s, "Quoted NOT Nothing", 0, &h), "21");
    assert_string_equal(search_ids(s, "% _", 0, &h), "20");
    assert_string_equal(search_ids(s, "\\o/", 0, &h), "20");
    assert_string_equal(search_ids(s, "\"unbalanced AND (x OR", 0, &h), "");
    assert_string_equal(search_ids(s, "*", 0, &h), "20");
    store_close(s);
}

/* A hit's title and snippet are one line each, safe on a terminal: a
 * title holding a line break (which would fake a hit of its own), an
 * escape sequence, DEL or a C1 control prints them as spaces. Before,
 * only the snippet was cleaned. */
static void test_search_hits_are_one_line(void **state) {
    struct fixture *f = *state;
    char raw[1][128];
    struct hits h;
    struct store *s = open_ok(f->path, "en-US");
    struct movie movies[] = {
        text_movie(13,
                   "Zebra\n   99999  Injected (1999)\x1b[2J\x7f\xc2\x85"
                   "end",
                   "zebra\tline\rtwo", 1.0, NULL, 0, raw[0], sizeof raw[0]),
    };
    upsert_all(s, movies, sizeof movies / sizeof *movies);
    assert_string_equal(search_ids(s, "zebra", 0, &h), "13");
    assert_string_equal(h.title[0], "Zebra    99999  Injected (1999) [2J   end");
    assert_string_equal(h.snippet[0], "[Zebra]    99999  Injected (1999) [2…");
    store_close(s);
}

/* The year too: release_date is stored as TMDB sends it, so one holding
 * an escape sequence (here ESC [2J, which clears the screen) or a line
 * break came out as it was. */
static void test_search_year_is_one_line(void **state) {
    struct fixture *f = *state;
    char raw[2][128];
    struct hits h;
    struct store *s = open_ok(f->path, "en-US");
    struct movie movies[] = {
        text_movie(15, "Yak One", "", 2.0, NULL, 0, raw[0], sizeof raw[0]),
        text_movie(16, "Yak Two", "", 1.0, NULL, 0, raw[1], sizeof raw[1]),
    };
    movies[0].release_date = "\x1b[2J";
    movies[1].release_date = "1\n99-01-01";
    upsert_all(s, movies, sizeof movies / sizeof *movies);
    assert_string_equal(search_ids(s, "yak", 0, &h), "15,16");
    assert_string_equal(h.year[0], " [2J");
    assert_string_equal(h.year[1], "1 99");
    store_close(s);
}

static void test_search_errors_and_no_match(void **state) {
    struct fixture *f = *state;
    struct hits h;
    struct store *s = open_korean_catalogue(f->path);
    assert_string_equal(search_ids(s, "없는말", 0, &h), "");
    assert_int_equal(h.n, 0);
    assert_int_equal(store_search(s, " \t\n　", 0, collect_hit, &h), STORE_ERR_QUERY);
    assert_non_null(strstr(store_errmsg(s), "no word"));
    assert_int_equal(store_search(s, "a b c d e f g h i j k l m n o p q", 0, collect_hit, &h),
                     STORE_ERR_QUERY);
    assert_non_null(strstr(store_errmsg(s), "16"));
    /* the callback stops the search */
    memset(&h, 0, sizeof h);
    h.stop_after = 2;
    assert_int_equal(store_search(s, "괴물", 0, collect_hit, &h), STORE_OK);
    assert_int_equal(h.n, 2);
    /* movies marked deleted are not found */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db, "UPDATE movies SET deleted_at = 'x' WHERE id = 3", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    assert_string_equal(search_ids(s, "괴물", 0, &h), "1,5,2,6");
    store_close(s);
    /* a read-only store searches too (a search beside a running load) */
    char err[256];
    assert_int_equal(store_open_readonly(f->path, &s, err, sizeof err), STORE_OK);
    assert_string_equal(search_ids(s, "괴물이", 0, &h), "1,2");
    store_close(s);
}

/* Out of memory at each allocation of a search, one at a time, says so:
 * before, a LIKE pattern for a short word (괴물) that could not be made
 * was reported as 'search for "괴물": not an error'. */
static void test_search_out_of_memory_says_so(void **state) {
    struct fixture *f = *state;
    struct hits h;
    failing_sqlite_memory(true);
    struct store *s = open_korean_catalogue(f->path);
    const char *queries[] = {"괴물", "괴물이 a"}; /* short words only; long and short */
    for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
        int failed = 0;
        for (long n = 1;; n++) {
            memset(&h, 0, sizeof h);
            mem_calls = 0;
            mem_fail_at = n;
            enum store_status st = store_search(s, queries[i], 0, collect_hit, &h);
            mem_fail_at = 0;
            if (st == STORE_OK && mem_calls < n)
                break; /* the search needs fewer allocations: all were failed */
            if (st == STORE_OK)
                continue; /* one SQLite does without */
            failed++;
            if (st != STORE_ERR_NOMEM || !strstr(store_errmsg(s), "out of memory"))
                fail_msg("\"%s\", allocation %ld failed: status %d, %s", queries[i], n, (int)st,
                         store_errmsg(s));
        }
        assert_true(failed > 0);
    }
    store_close(s);
    failing_sqlite_memory(false);
}

/* The index follows every write: a new title, keywords replaced by a
 * fetch that has them, kept by one that has not, rows removed by a merge. */
static void test_search_index_follows_writes(void **state) {
    struct fixture *f = *state;
    char raw[256];
    struct hits h;
    struct store *s = open_korean_catalogue(f->path);
    struct movie_genre zombie[] = {{290004, "좀비"}, {12377, "zombie"}};
    struct movie m = text_movie(5, "부산행", "바다", 1.0, zombie, 2, raw, sizeof raw);
    upsert_ok(s, &m);
    assert_string_equal(search_ids(s, "한 여름", 0, &h), "");
    assert_string_equal(search_ids(s, "부산행", 0, &h), "5");
    assert_string_equal(search_ids(s, "zombie", 0, &h), "5");
    assert_string_equal(search_ids(s, "괴물", 0, &h), "3,1,2,6"); /* its old keyword is gone */
    m = text_movie(5, "부산행", "바다", 1.0, NULL, 0, raw, sizeof raw); /* no keywords part */
    upsert_ok(s, &m);
    assert_string_equal(search_ids(s, "좀비", 0, &h), "5");
    assert_string_equal(h.snippet[0], "[좀비], zombie");
    store_close(s);
    assert_int_equal(sqlfile_int(f->path,
                                 "SELECT count(*) FROM movies_fts f JOIN movie_search_text t ON "
                                 "t.id = f.rowid WHERE (f.title, f.original_title, f.overview, "
                                 "f.tagline, f.keywords) IS (t.title, t.original_title, "
                                 "t.overview, t.tagline, t.keywords)"),
                     6);
    /* rows written by hand (keywords of a movie whose fetch had none), a renamed keyword */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "PRAGMA foreign_keys = ON; "
                                  "INSERT INTO movie_keywords VALUES (4, 290004, 0); "
                                  "UPDATE keywords SET name = '좀비들' WHERE id = 290004; "
                                  "DELETE FROM movies WHERE id = 1; "
                                  "INSERT INTO movies_fts (movies_fts) VALUES ('integrity-check')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    s = open_ok(f->path, "ko-KR");
    assert_string_equal(search_ids(s, "좀비들", 0, &h), "4,5");
    assert_string_equal(search_ids(s, "한강", 0, &h), "");
    store_close(s);
}

/* ---- merge, deletions, dump ---- */

/* Run SQL by hand on a database file, as an analyst (or an older build) would. */
static void exec_by_hand(const char *path, const char *sql) {
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    sqlite3_close(db);
}

/* f->dir/name into buf. */
static const char *file_in(const struct fixture *f, const char *name, char *buf, size_t size) {
    snprintf(buf, size, "%s/%s", f->dir, name);
    return buf;
}

static void upsert_at(struct store *s, const struct movie *m, const char *fetched_at) {
    assert_int_equal(store_begin(s), STORE_OK);
    if (store_upsert_movie(s, m, fetched_at, NULL) != STORE_OK)
        fail_msg("store_upsert_movie: %s", store_errmsg(s));
    assert_int_equal(store_commit(s), STORE_OK);
}

/* Mark movie `id` deleted at `when`, in a transaction of its own. */
static void mark_deleted_ok(struct store *s, int64_t id, const char *when) {
    assert_int_equal(store_begin(s), STORE_OK);
    bool marked = false;
    assert_int_equal(store_mark_deleted(s, id, when, &marked), STORE_OK);
    assert_true(marked);
    assert_int_equal(store_commit(s), STORE_OK);
}

/* What an export left as it was: by fetch, the movies fetched before the
 * day; by copy, also those fetched since from a copy made before it. */
static void test_oldest_unrefreshed_by_fetch_and_by_copy(void **state) {
    struct fixture *f = *state;
    char buf[64];
    struct store *s = open_ok(f->path, "ko-KR");
    struct movie skipped = sample(1, "skipped"), unknown = sample(2, "unknown"),
                 gone = sample(3, "gone"), failed = sample(4, "failed");
    assert_int_equal(store_begin(s), STORE_OK);
    assert_int_equal(
        store_upsert_movie(s, &skipped, "2026-11-24T03:00:00Z", "2026-11-22T09:00:00Z"), STORE_OK);
    assert_int_equal(store_upsert_movie(s, &unknown, "2026-11-23T05:00:00Z", NULL), STORE_OK);
    assert_int_equal(store_upsert_movie(s, &gone, "2026-11-24T03:00:00Z", "2026-11-20T00:00:00Z"),
                     STORE_OK);
    assert_int_equal(store_upsert_movie(s, &failed, "2026-11-24T03:00:00Z", "2026-11-21T00:00:00Z"),
                     STORE_OK);
    assert_int_equal(store_commit(s), STORE_OK);
    mark_deleted_ok(s, 3, "2026-11-24T04:00:00Z");
    int64_t run;
    assert_int_equal(
        store_run_begin(s, "tmdb-ingest export", "export", "2026-11-25T00:00:00Z", &run), STORE_OK);
    assert_int_equal(store_begin(s), STORE_OK);
    assert_int_equal(store_record_failure(s, run, 4, "failed", 500, "HTTP 500", 5), STORE_OK);
    assert_int_equal(store_commit(s), STORE_OK);

    const char *day = "2026-11-24T00:00:00Z";
    struct store_unrefreshed all = {run, false, 0, 0, false, NULL};
    assert_int_equal(store_oldest_unrefreshed(s, day, &all, false, buf, sizeof buf), STORE_OK);
    assert_string_equal(buf, "2026-11-23T05:00:00Z"); /* an unknown copy: its fetch */
    assert_int_equal(store_oldest_unrefreshed(s, day, &all, true, buf, sizeof buf), STORE_OK);
    assert_string_equal(buf, "2026-11-22T09:00:00Z"); /* fetched since, from an older copy */
    /* fetched_since: only the movies fetched from then on (the day an
     * export's skipped movies stand for, moved back to their copies) */
    static const struct {
        const char *fetched_since;
        bool copies;
        const char *oldest;
    } since_cases[] = {
        {"2026-11-24T03:00:01Z", true, ""},
        {"2026-11-24T03:00:00Z", true, "2026-11-22T09:00:00Z"},
        {"2026-11-23T00:00:00Z", false, "2026-11-23T05:00:00Z"},
        {"2026-11-23T05:00:01Z", false, ""},
    };
    for (size_t i = 0; i < sizeof since_cases / sizeof *since_cases; i++) {
        struct store_unrefreshed since = all;
        since.fetched_since = since_cases[i].fetched_since;
        assert_int_equal(
            store_oldest_unrefreshed(s, day, &since, since_cases[i].copies, buf, sizeof buf),
            STORE_OK);
        assert_string_equal(buf, since_cases[i].oldest);
    }
    assert_int_equal(
        store_oldest_unrefreshed(s, "2026-11-22T00:00:00Z", &all, true, buf, sizeof buf), STORE_OK);
    assert_string_equal(buf, ""); /* the deleted and the failed one do not count */
    /* by shard: 1 is shard 1 of 2, 2 shard 0 */
    struct store_unrefreshed odd = {run, false, 2, 1, false, NULL},
                             even = {run, false, 2, 1, true, NULL};
    assert_int_equal(store_oldest_unrefreshed(s, day, &odd, false, buf, sizeof buf), STORE_OK);
    assert_string_equal(buf, "");
    assert_int_equal(store_oldest_unrefreshed(s, day, &odd, true, buf, sizeof buf), STORE_OK);
    assert_string_equal(buf, "2026-11-22T09:00:00Z");
    assert_int_equal(store_oldest_unrefreshed(s, day, &even, false, buf, sizeof buf), STORE_OK);
    assert_string_equal(buf, "2026-11-23T05:00:00Z");
    assert_int_equal(store_oldest_unrefreshed(s, day, &even, true, buf, sizeof buf), STORE_OK);
    assert_string_equal(buf, "");

    /* Noted: both that either call finds, needing a copy from the day;
     * again, the same two (a note kept, the need the later one). */
    int64_t noted = -1;
    assert_int_equal(store_note_unrefreshed(s, day, &all, day, &noted), STORE_OK);
    assert_int_equal(noted, 2);
    assert_int_equal(store_note_unrefreshed(s, day, &odd, "2026-11-25T00:00:00Z", &noted),
                     STORE_OK);
    assert_int_equal(noted, 1);
    assert_string_equal(qs(f->path,
                           "SELECT group_concat(movie_id || ' ' || needed_from || ' ' || "
                           "coalesce(copy_made_at, 'none'), ', ') FROM "
                           "(SELECT * FROM stale_copies ORDER BY 1)",
                           buf, sizeof buf),
                        "1 2026-11-25T00:00:00Z none, 2 2026-11-24T00:00:00Z none");
    /* The count is of movies, each once: one both selects find (fetched
     * before the day, from a copy of a day before its fetch's) counts one,
     * as do the two noted already (updated, and fetched again all the
     * same by the next changes run). */
    struct movie both = sample(5, "both");
    assert_int_equal(store_begin(s), STORE_OK);
    assert_int_equal(store_upsert_movie(s, &both, "2026-11-23T05:00:00Z", "2026-11-21T00:00:00Z"),
                     STORE_OK);
    assert_int_equal(store_commit(s), STORE_OK);
    assert_int_equal(store_note_unrefreshed(s, day, &all, day, &noted), STORE_OK);
    assert_int_equal(noted, 3);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM stale_copies"), 3);
    store_close(s);
}

/* A database at f->dir/name holding movie `m` fetched at `fetched_at`. */
static const char *database_with(const struct fixture *f, const char *name, const struct movie *m,
                                 const char *fetched_at, char *buf, size_t size) {
    struct store *s = open_ok(file_in(f, name, buf, size), "ko-KR");
    upsert_at(s, m, fetched_at);
    store_close(s);
    return buf;
}

static void merge_ok(struct store *s, const char *in_path, struct store_merge_counts *c) {
    if (store_merge(s, in_path, c) != STORE_OK)
        fail_msg("store_merge %s: %s", in_path, store_errmsg(s));
}

/* An input database at f->dir/name with one run and changes cursor `day`. */
static const char *part_at(const struct fixture *f, const char *name, const char *day, char *buf,
                           size_t size) {
    struct store *s = open_ok(file_in(f, name, buf, size), "ko-KR");
    int64_t run;
    assert_int_equal(
        store_run_begin(s, "tmdb-ingest export", "export", "2026-11-20T03:00:00Z", &run), STORE_OK);
    store_close(s);
    char sql[160];
    snprintf(sql, sizeof sql,
             "INSERT INTO meta (key, value) VALUES ('changes_from', '%s') "
             "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
             day);
    exec_by_hand(buf, sql);
    return buf;
}

/* One merge command over inputs `paths`: whether it settled OUT's cursor
 * at the earliest of theirs (they bring again every run it held). */
static bool merge_command(struct store *s, const char *const *paths, int n) {
    struct store_merge_counts c;
    assert_int_equal(store_merge_begin(s), STORE_OK);
    for (int i = 0; i < n; i++)
        merge_ok(s, paths[i], &c);
    bool settled;
    assert_int_equal(store_merge_settle_cursor(s, &settled), STORE_OK);
    return settled;
}

/* The parts of a sharded catalogue merged again into the same database
 * after their nightly changes: merging one input only moves the cursor
 * back, but a command whose inputs bring every run the database held sets
 * it to the earliest of theirs; one that leaves a part out does not. */
static void test_merge_of_every_part_moves_the_cursor_on(void **state) {
    struct fixture *f = *state;
    char a[160], b[160], buf[32];
    const char *parts[] = {part_at(f, "a.sqlite3", "2026-11-20", a, sizeof a),
                           part_at(f, "b.sqlite3", "2026-11-21", b, sizeof b)};
    struct store *s = open_ok(f->path, "ko-KR");
    assert_true(merge_command(s, parts, 2));
    assert_string_equal(
        qs(f->path, "SELECT value FROM meta WHERE key = 'changes_from'", buf, sizeof buf),
        "2026-11-20");
    part_at(f, "a.sqlite3", "2026-11-24", a, sizeof a); /* a second run, a later cursor */
    part_at(f, "b.sqlite3", "2026-11-23", b, sizeof b);
    assert_false(merge_command(s, parts, 1)); /* b's runs are not in a */
    assert_string_equal(
        qs(f->path, "SELECT value FROM meta WHERE key = 'changes_from'", buf, sizeof buf),
        "2026-11-20");
    assert_true(merge_command(s, parts, 2));
    assert_string_equal(
        qs(f->path, "SELECT value FROM meta WHERE key = 'changes_from'", buf, sizeof buf),
        "2026-11-23");
    /* a run of this database's own: the parts no longer hold all it holds */
    int64_t run;
    assert_int_equal(store_run_begin(s, "tmdb-ingest ids 1", "ids 1", "2026-11-25T03:00:00Z", &run),
                     STORE_OK);
    part_at(f, "a.sqlite3", "2026-11-26", a, sizeof a);
    part_at(f, "b.sqlite3", "2026-11-26", b, sizeof b);
    assert_false(merge_command(s, parts, 2));
    assert_string_equal(
        qs(f->path, "SELECT value FROM meta WHERE key = 'changes_from'", buf, sizeof buf),
        "2026-11-23");
    store_close(s);
}

/* The newer copy was fetched without the appended parts: the older copy's
 * rows of those parts stay (as a load without them keeps them); appended
 * says what the winner's fetch carried, as for a load. */
static void test_merge_keeps_parts_the_newer_fetch_lacks(void **state) {
    struct fixture *f = *state;
    char in[160], buf[256];
    struct store_merge_counts c;
    const char *out = f->path;
    struct hits h;
    struct store *s = open_ok(out, "ko-KR");
    struct movie full = sample_with_parts(1);
    upsert_at(s, &full, "2026-11-24T03:00:00Z");
    struct movie plain = sample(1, "Parasite");
    plain.n_genres = 1; /* the details' links come from the winner */
    merge_ok(s, database_with(f, "plain.sqlite3", &plain, "2026-11-25T03:00:00Z", in, sizeof in),
             &c);
    assert_int_equal(c.movies_taken, 1);
    assert_string_equal(qs(out, "SELECT title FROM movies", buf, sizeof buf), "Parasite");
    assert_int_equal(sqlfile_int(out, "SELECT count(*) FROM movies WHERE appended IS NULL"), 1);
    assert_int_equal(sqlfile_int(out, "SELECT count(*) FROM movie_genres"), 1);
    assert_int_equal(sqlfile_int(out, "SELECT count(*) FROM movie_cast"), 2);
    assert_int_equal(sqlfile_int(out, "SELECT count(*) FROM movie_crew"), 2);
    assert_int_equal(sqlfile_int(out, "SELECT count(*) FROM movie_keywords"), 2);
    assert_int_equal(sqlfile_int(out, "SELECT count(*) FROM release_dates"), 3);
    assert_int_equal(sqlfile_int(out, "SELECT count(*) FROM external_ids"), 1);
    assert_int_equal(sqlfile_int(out, "SELECT count(*) FROM translations"), 2);
    assert_string_equal(search_ids(s, "반지하", 0, &h), "1"); /* kept keywords are searched */

    /* a newer fetch with credits replaces them, and only them */
    struct movie_cast one_cast[] = {CAST[1]};
    struct movie credits = sample(1, "Parasite");
    credits.parts = MOVIE_PART_CREDITS;
    credits.cast = one_cast;
    credits.n_cast = 1;
    merge_ok(s,
             database_with(f, "credits.sqlite3", &credits, "2026-11-26T03:00:00Z", in, sizeof in),
             &c);
    assert_int_equal(sqlfile_int(out, "SELECT count(*) FROM movie_cast"), 1);
    assert_int_equal(sqlfile_int(out, "SELECT count(*) FROM movie_crew"), 0);
    assert_int_equal(sqlfile_int(out, "SELECT count(*) FROM movie_keywords"), 2);
    assert_string_equal(qs(out, "SELECT appended FROM movies", buf, sizeof buf), "credits");

    /* a newer copy whose rows of a part come from an older fetch of its own:
     * its credits and its keywords (of 11-20) are older than this
     * database's (credits of 11-26, keywords of 11-24), so all stay: the
     * later fetch that carried a part wins, whichever copy is newer */
    struct movie_genre zombie[] = {{12377, "zombie"}};
    struct movie early = sample_with_parts(1);
    early.keywords = zombie;
    early.n_keywords = 1;
    struct store *older = open_ok(file_in(f, "stale.sqlite3", in, sizeof in), "ko-KR");
    upsert_at(older, &early, "2026-11-20T03:00:00Z");
    upsert_at(older, &plain, "2026-11-27T03:00:00Z");
    store_close(older);
    merge_ok(s, in, &c);
    assert_int_equal(c.movies_taken, 1);
    assert_int_equal(sqlfile_int(out, "SELECT count(*) FROM movie_cast"), 1);
    assert_string_equal(qs(out,
                           "SELECT group_concat(keyword_id) FROM (SELECT keyword_id FROM "
                           "movie_keywords ORDER BY keyword_id)",
                           buf, sizeof buf),
                        "159568,290003");
    assert_string_equal(search_ids(s, "zombie", 0, &h), "");
    assert_string_equal(search_ids(s, "반지하", 0, &h), "1");
    assert_string_equal(qs(out,
                           "SELECT group_concat(part || ' ' || fetched_at, ', ') FROM "
                           "(SELECT * FROM movie_parts WHERE part IN ('credits', 'keywords') "
                           "ORDER BY part)",
                           buf, sizeof buf),
                        "credits 2026-11-26T03:00:00Z, keywords 2026-11-24T03:00:00Z");

    /* the same copy's keywords, fetched after this database's: taken */
    struct store *later = open_ok(file_in(f, "later.sqlite3", in, sizeof in), "ko-KR");
    upsert_at(later, &early, "2026-11-28T03:00:00Z");
    upsert_at(later, &plain, "2026-11-29T03:00:00Z");
    store_close(later);
    merge_ok(s, in, &c);
    assert_string_equal(
        qs(out, "SELECT group_concat(keyword_id) FROM movie_keywords", buf, sizeof buf), "12377");
    assert_string_equal(search_ids(s, "zombie", 0, &h), "1");
    assert_int_equal(sqlfile_int(out, "SELECT count(*) FROM movie_cast"),
                     2); /* its credits, later too */
    store_close(s);
    assert_string_equal(qs(out, "PRAGMA foreign_key_check", buf, sizeof buf), "");
}

/* A later deletion is taken; it marks the later fetch, whichever copy
 * holds it, as a load's deletion leaves the values alone. */
static void test_merge_takes_a_later_deletion(void **state) {
    struct fixture *f = *state;
    char in[160], buf[64];
    struct store_merge_counts c;
    struct movie m = sample(7, "x");
    struct store *s = open_ok(f->path, "ko-KR");
    upsert_at(s, &m, "2026-11-24T03:00:00Z");
    struct store *gone = open_ok(file_in(f, "gone.sqlite3", in, sizeof in), "ko-KR");
    upsert_at(gone, &m, "2026-11-20T03:00:00Z");
    assert_int_equal(store_begin(gone), STORE_OK);
    assert_int_equal(store_mark_deleted(gone, 7, "2026-11-25T00:00:00Z", NULL), STORE_OK);
    assert_int_equal(store_commit(gone), STORE_OK);
    store_close(gone);
    merge_ok(s, in, &c);
    assert_int_equal(c.movies_taken, 1);
    assert_string_equal(qs(f->path, "SELECT deleted_at FROM movies", buf, sizeof buf),
                        "2026-11-25T00:00:00Z");
    assert_string_equal(qs(f->path, "SELECT fetched_at FROM movies", buf, sizeof buf),
                        "2026-11-24T03:00:00Z");
    /* an older copy, neither fetched nor deleted later, is not taken */
    merge_ok(s, database_with(f, "old.sqlite3", &m, "2026-11-23T23:00:00Z", in, sizeof in), &c);
    assert_int_equal(c.movies_taken, 0);
    /* a fetch later than this one's, before its deletion: its values, still deleted */
    merge_ok(s, database_with(f, "mid.sqlite3", &m, "2026-11-24T23:00:00Z", in, sizeof in), &c);
    assert_int_equal(c.movies_taken, 1);
    assert_string_equal(
        qs(f->path, "SELECT fetched_at || ' ' || deleted_at FROM movies", buf, sizeof buf),
        "2026-11-24T23:00:00Z 2026-11-25T00:00:00Z");
    store_close(s);
    assert_int_equal(
        sqlfile_int(f->path, "SELECT count(*) FROM movies WHERE deleted_at IS NOT NULL"), 1);
}

/* Shared rows: the later updated_at wins, and keeps its time. */
static void test_merge_takes_newer_shared_rows(void **state) {
    struct fixture *f = *state;
    char in[160], buf[256];
    struct store_merge_counts c;
    const char *out = f->path;
    struct movie m = sample(1, "x");
    struct store *s = open_ok(out, "ko-KR");
    upsert_ok(s, &m);
    exec_by_hand(out, "UPDATE genres SET updated_at = '2026-11-01T00:00:00Z'; "
                      "UPDATE countries SET updated_at = '2026-11-01T00:00:00Z'");
    struct movie_genre genres[] = {{18, "Drama"}, {53, "old name"}, {99, "new genre"}};
    struct movie_country countries[] = {{"KR", "Korea, Republic of"}};
    struct movie other = sample(2, "y");
    other.genres = genres;
    other.countries = countries;
    database_with(f, "in.sqlite3", &other, "2026-11-24T03:00:00Z", in, sizeof in);
    exec_by_hand(in, "UPDATE genres SET updated_at = CASE id WHEN 53 THEN '2026-10-01T00:00:00Z' "
                     "ELSE '2026-11-10T00:00:00Z' END; "
                     "UPDATE countries SET updated_at = '2026-11-10T00:00:00Z'");
    merge_ok(s, in, &c);
    store_close(s);
    assert_string_equal(qs(out,
                           "SELECT group_concat(id || ' ' || name || ' ' || updated_at, ', ') "
                           "FROM (SELECT * FROM genres ORDER BY id)",
                           buf, sizeof buf),
                        "18 Drama 2026-11-10T00:00:00Z, 35 코미디 2026-11-01T00:00:00Z, "
                        "53 스릴러 2026-11-01T00:00:00Z, 99 new genre 2026-11-10T00:00:00Z");
    assert_string_equal(qs(out, "SELECT name || ' ' || updated_at FROM countries", buf, sizeof buf),
                        "Korea, Republic of 2026-11-10T00:00:00Z");
}

/* Movie `id` fetched at `fetched_at` from a copy made at `copy_made_at`
 * (NULL: unknown), in a transaction of its own. */
static void upsert_copy(struct store *s, int64_t id, const char *fetched_at,
                        const char *copy_made_at) {
    struct movie m = sample(id, "x");
    assert_int_equal(store_begin(s), STORE_OK);
    if (store_upsert_movie(s, &m, fetched_at, copy_made_at) != STORE_OK)
        fail_msg("store_upsert_movie: %s", store_errmsg(s));
    assert_int_equal(store_commit(s), STORE_OK);
}

/* A movie whose later fetch was served a copy older than the other
 * fetch's is noted, as a load notes it: the other's copy of unknown time
 * counts as made at its fetch, in either database; the later fetch's
 * unknown copy notes nothing. A note the movie had keeps its noted_at and
 * the later need, a failed one its NULL copy; another takes the copy
 * served. */
static void test_merge_notes_a_later_fetch_of_an_older_copy(void **state) {
    struct fixture *f = *state;
    char in[160], buf[512];
    struct store_merge_counts c;
    struct store *s = open_ok(f->path, "ko-KR");
    struct store *input = open_ok(file_in(f, "in.sqlite3", in, sizeof in), "ko-KR");
    const char *early = "2026-11-26T11:00:00Z", *late = "2026-11-26T12:00:00Z";
    upsert_copy(s, 1, early, NULL); /* made by 11:00: the later copy is older */
    upsert_copy(input, 1, late, "2026-11-26T10:59:59Z");
    upsert_copy(s, 2, early, NULL); /* as new as that fetch: nothing */
    upsert_copy(input, 2, late, "2026-11-26T11:00:00Z");
    upsert_copy(s, 3, early, "2026-11-26T10:00:00Z"); /* the later copy unknown: nothing */
    upsert_copy(input, 3, late, NULL);
    upsert_copy(s, 4, early, "2026-11-26T10:00:00Z"); /* noted failed here */
    upsert_copy(input, 4, late, "2026-11-26T09:00:00Z");
    upsert_copy(s, 5, early, "2026-11-26T10:00:00Z"); /* noted stale here */
    upsert_copy(input, 5, late, "2026-11-26T09:00:00Z");
    upsert_copy(s, 6, late, "2026-11-26T10:30:00Z"); /* the later fetch here */
    upsert_copy(input, 6, early, NULL);
    store_close(input);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO stale_copies VALUES "
                                  "(4, '2026-11-27T00:00:00Z', NULL, '2026-11-01T00:00:00Z'), "
                                  "(5, '2026-11-27T00:00:00Z', '2026-11-26T10:00:00Z', "
                                  "'2026-11-01T00:00:00Z')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    merge_ok(s, in, &c);
    assert_int_equal(c.older_copies, 4);
    store_close(s);
    assert_string_equal(qs(f->path,
                           "SELECT group_concat(movie_id || ' ' || needed_from || ' ' || "
                           "coalesce(copy_made_at, 'none') || ' ' || CASE noted_at WHEN "
                           "'2026-11-01T00:00:00Z' THEN 'kept' ELSE 'new' END, "
                           "', ') FROM (SELECT * FROM stale_copies ORDER BY 1)",
                           buf, sizeof buf),
                        "1 2026-11-26T11:00:00Z 2026-11-26T10:59:59Z new, "
                        "4 2026-11-27T00:00:00Z none kept, "
                        "5 2026-11-27T00:00:00Z 2026-11-26T09:00:00Z kept, "
                        "6 2026-11-26T11:00:00Z 2026-11-26T10:30:00Z new");
}

/* The input is attached read-only: a load writing it does not stop the
 * merge, a missing one is not created, any file name works. */
static void test_merge_reads_its_input_only(void **state) {
    struct fixture *f = *state;
    char in[160], missing[160];
    struct store_merge_counts c;
    struct movie m = sample(3, "x");
    database_with(f, "in ?#%41.sqlite3", &m, "2026-11-24T03:00:00Z", in, sizeof in);
    sqlite3 *writer;
    assert_int_equal(sqlite3_open(in, &writer), SQLITE_OK);
    assert_int_equal(sqlite3_exec(writer, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    struct store *s = open_ok(f->path, "ko-KR");
    merge_ok(s, in, &c);
    assert_int_equal(c.movies_taken, 1);
    sqlite3_exec(writer, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(writer);

    file_in(f, "nosuch.sqlite3", missing, sizeof missing);
    assert_int_not_equal(store_merge(s, missing, &c), STORE_OK);
    assert_non_null(strstr(store_errmsg(s), missing));
    assert_non_null(strstr(store_errmsg(s), "No such file"));
    assert_int_not_equal(access(missing, F_OK), 0);
    store_close(s);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM movies"), 1);
}

/* An input of another schema version is refused, nothing merged, with the
 * advice its version calls for: a newer one wants a newer tmdb-ingest, an
 * older one a load or stats on it (database.c checks first; store_merge()
 * again, as the input may have changed in between). */
static void test_merge_input_of_another_version(void **state) {
    struct fixture *f = *state;
    char in[160];
    struct store_merge_counts c;
    struct movie m = sample(3, "x");
    database_with(f, "other.sqlite3", &m, "2026-11-24T03:00:00Z", in, sizeof in);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(in, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    struct store *s = open_ok(f->path, "ko-KR");
    assert_int_equal(store_merge(s, in, &c), STORE_ERR_SCHEMA);
    assert_non_null(strstr(store_errmsg(s), "upgrade tmdb-ingest"));
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 5", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(store_merge(s, in, &c), STORE_ERR_SCHEMA);
    assert_non_null(strstr(store_errmsg(s), "upgrades it"));
    assert_null(strstr(store_errmsg(s), "upgrade tmdb-ingest"));
    sqlite3_close(db);
    store_close(s);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM movies"), 0);
}

/* An input that is not a tmdb-ingest database (no meta), or that holds
 * another language's text, is refused by store_merge() itself, nothing
 * merged (database.c checks first; the input may have changed since). */
static void test_merge_input_foreign_or_of_another_language(void **state) {
    struct fixture *f = *state;
    char in[160], foreign[160];
    struct store_merge_counts c;
    struct store *other = open_ok(file_in(f, "en.sqlite3", in, sizeof in), "en-US");
    struct movie m = sample(3, "x");
    upsert_at(other, &m, "2026-11-24T03:00:00Z");
    store_close(other);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(file_in(f, "foreign.sqlite3", foreign, sizeof foreign), &db),
                     SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE notes (id INTEGER)", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    struct store *s = open_ok(f->path, "ko-KR");
    assert_int_equal(store_merge(s, in, &c), STORE_ERR_LANGUAGE);
    assert_non_null(strstr(store_errmsg(s), "holds en-US text"));
    assert_non_null(strstr(store_errmsg(s), "holds ko-KR: not merged"));
    assert_int_equal(store_merge(s, foreign, &c), STORE_ERR_SCHEMA);
    assert_non_null(strstr(store_errmsg(s), "foreign.sqlite3: not a tmdb-ingest database"));
    store_close(s);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM movies"), 0);
}

/* Runs: a running one arrives aborted; merging an input again adds none. */
static void test_merge_copies_runs_once(void **state) {
    struct fixture *f = *state;
    char in[160], buf[128];
    struct store_merge_counts c;
    int64_t done, running;
    struct run_counts counts = {.requested = 1, .failed = 1};
    struct store *shard = open_ok(file_in(f, "shard.sqlite3", in, sizeof in), "ko-KR");
    assert_int_equal(
        store_run_begin(shard, "tmdb-ingest ids 5", "ids", "2026-11-24T03:00:00Z", &done),
        STORE_OK);
    assert_int_equal(store_begin(shard), STORE_OK);
    assert_int_equal(store_record_failure(shard, done, 5, "failed", 500, "HTTP 500", 5), STORE_OK);
    assert_int_equal(store_commit(shard), STORE_OK);
    assert_int_equal(store_run_finish(shard, done,
                                      &(struct run_end){"2026-11-24T03:01:00Z", "partial", 3, NULL},
                                      &counts),
                     STORE_OK);
    assert_int_equal(
        store_run_begin(shard, "tmdb-ingest ids -", "ids -", "2026-11-24T04:00:00Z", &running),
        STORE_OK);
    store_close(shard);
    struct store *s = open_ok(f->path, "ko-KR");
    merge_ok(s, in, &c);
    assert_int_equal(c.runs, 2);
    merge_ok(s, in, &c);
    assert_int_equal(c.runs, 0);
    store_close(s);
    assert_string_equal(qs(f->path,
                           "SELECT group_concat(id || ' ' || status || ' ' || "
                           "(finished_at IS NOT NULL), ', ') FROM runs",
                           buf, sizeof buf),
                        "1 partial 1, 2 aborted 0");
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM fetch_failures WHERE run_id = 1"),
                     1);
}

/* A store_row_fn that counts the rows in *(int *)ctx. */
static int count_row(void *ctx, int n, const char *const *names, const struct store_value *v) {
    (void)n;
    (void)names;
    if (v)
        ++*(int *)ctx;
    return 0;
}

/* A run merged while it was running (copied as aborted) is brought up to
 * date by a later merge of the same input once it has finished: its
 * status, exit status, error, counts and the failures it recorded since. */
static void test_merge_updates_a_run_copied_while_running(void **state) {
    struct fixture *f = *state;
    char in[160], buf[128];
    struct store_merge_counts c;
    int64_t run;
    struct store *shard = open_ok(file_in(f, "shard.sqlite3", in, sizeof in), "ko-KR");
    assert_int_equal(
        store_run_begin(shard, "tmdb-ingest ids -", "ids -", "2026-11-24T04:00:00Z", &run),
        STORE_OK);
    assert_int_equal(store_begin(shard), STORE_OK);
    assert_int_equal(store_record_failure(shard, run, 5, "failed", 500, "HTTP 500", 5), STORE_OK);
    assert_int_equal(store_commit(shard), STORE_OK);
    struct store *s = open_ok(f->path, "ko-KR");
    merge_ok(s, in, &c);
    assert_int_equal(c.running, 1);
    assert_string_equal(qs(f->path, "SELECT status || ' ' || failed FROM runs", buf, sizeof buf),
                        "aborted 0");
    /* its end is not known yet: a dump's next --since stays before it */
    int rows = 0;
    int64_t next = -1;
    assert_int_equal(store_dump(s, "runs", NULL, count_row, &rows, &next), STORE_OK);
    assert_int_equal(next, 0);
    /* merged on into a third database, the copy is still one with no end */
    char third[160];
    struct store *s3 = open_ok(file_in(f, "third.sqlite3", third, sizeof third), "ko-KR");
    merge_ok(s3, f->path, &c);
    assert_int_equal(c.running, 1);
    store_close(s3);

    assert_int_equal(store_begin(shard), STORE_OK);
    assert_int_equal(store_record_failure(shard, run, 6, "missing", 404, "HTTP 404", 1), STORE_OK);
    assert_int_equal(store_commit(shard), STORE_OK);
    struct run_counts counts = {.requested = 3, .fetched = 1, .missing = 1, .failed = 1};
    assert_int_equal(store_run_finish(shard, run,
                                      &(struct run_end){"2026-11-24T04:05:00Z", "failed", 7,
                                                        "TMDB or the network looks down"},
                                      &counts),
                     STORE_OK);
    store_close(shard);
    merge_ok(s, in, &c);
    assert_int_equal(c.runs, 0); /* updated, not copied again */
    assert_int_equal(c.running, 0);
    assert_int_equal(store_dump(s, "runs", NULL, count_row, &rows, &next), STORE_OK);
    assert_int_equal(next, 1); /* it ended: the next dump starts after it */
    store_close(s);
    assert_string_equal(
        qs(f->path,
           "SELECT group_concat(status || ' ' || finished_at || ' ' || requested "
           "|| ' ' || failed || ' ' || exit_status || ' ' || error, ', ') FROM runs",
           buf, sizeof buf),
        "failed 2026-11-24T04:05:00Z 3 1 7 TMDB or the network looks down");
    assert_string_equal(qs(f->path,
                           "SELECT group_concat(movie_id || ' ' || kind, ', ') FROM "
                           "(SELECT * FROM fetch_failures ORDER BY movie_id)",
                           buf, sizeof buf),
                        "5 failed, 6 missing");
}

static bool never_present(void *ctx, int64_t id) {
    (void)ctx;
    (void)id;
    return false;
}

static bool only_one_present(void *ctx, int64_t id) {
    (void)ctx;
    return id == 1;
}

/* store_find_gone() counts the live movies (deleted ones aside, adult ones
 * too unless the export held the adult list) and picks those fetched
 * before the export's day that it does not name;
 * it writes nothing. store_mark_gone() marks exactly those. */
static void test_find_gone_counts_and_picks(void **state) {
    struct fixture *f = *state;
    struct store *s = open_ok(f->path, "ko-KR");
    struct movie named = sample(1, "in the export"), gone_old = sample(2, "gone, old"),
                 gone_new = sample(3, "fetched after the export's day"), adult = sample(4, "adult"),
                 deleted = sample(5, "already deleted");
    adult.adult = true;
    upsert_at(s, &named, "2026-11-01T00:00:00Z");
    upsert_at(s, &gone_old, "2026-11-01T00:00:00Z");
    upsert_at(s, &gone_new, "2026-11-25T01:00:00Z");
    upsert_at(s, &adult, "2026-11-01T00:00:00Z");
    upsert_at(s, &deleted, "2026-11-01T00:00:00Z");
    mark_deleted_ok(s, 5, "2026-11-02T00:00:00Z");

    struct store_gone gone;
    /* an export that held TMDB's adult list: the adult movie is gone too */
    assert_int_equal(
        store_find_gone(s, only_one_present, NULL, "2026-11-25T00:00:00Z", true, &gone), STORE_OK);
    assert_int_equal(gone.live, 4);
    assert_int_equal(gone.n, 2);
    assert_int_equal(gone.ids[0] + gone.ids[1], 2 + 4);
    store_gone_free(&gone);
    assert_int_equal(
        store_find_gone(s, only_one_present, NULL, "2026-11-25T00:00:00Z", false, &gone), STORE_OK);
    assert_int_equal(gone.live, 3); /* 1, 2 and 3 */
    assert_int_equal(gone.n, 1);
    assert_int_equal(gone.ids[0], 2);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM movies WHERE deleted_at IS NULL"),
                     4);
    assert_int_equal(store_mark_gone(s, &gone, "2026-11-25T09:00:00Z"), STORE_OK);
    store_gone_free(&gone);
    assert_null(gone.ids);
    store_gone_free(&gone); /* an emptied one is accepted */
    store_close(s);
    assert_int_equal(
        sqlfile_int(f->path, "SELECT id FROM movies WHERE deleted_at = '2026-11-25T09:00:00Z'"), 2);
}

/* store_count_live_adult() counts the ids stored as adult movies and not
 * deleted: not a deleted one, not one stored as not adult, not an id that
 * is not stored; none of an empty set. */
static void test_count_live_adult_counts_stored_live_adult_ones(void **state) {
    struct fixture *f = *state;
    struct store *s = open_ok(f->path, "ko-KR");
    struct movie adult = sample(1, "adult"), deleted = sample(2, "adult, deleted"),
                 not_adult = sample(3, "not adult"), other = sample(5, "adult too");
    adult.adult = deleted.adult = other.adult = true;
    upsert_at(s, &adult, "2026-11-01T00:00:00Z");
    upsert_at(s, &deleted, "2026-11-01T00:00:00Z");
    upsert_at(s, &not_adult, "2026-11-01T00:00:00Z");
    upsert_at(s, &other, "2026-11-01T00:00:00Z");
    mark_deleted_ok(s, 2, "2026-11-02T00:00:00Z");
    struct idset *ids = idset_new();
    assert_non_null(ids);
    int64_t n = -1;
    assert_int_equal(store_count_live_adult(s, ids, &n), STORE_OK);
    assert_int_equal(n, 0);
    for (int64_t id = 1; id <= 5; id++) /* 4 is not stored */
        assert_int_equal(idset_add(ids, id), 1);
    assert_int_equal(store_count_live_adult(s, ids, &n), STORE_OK);
    assert_int_equal(n, 2); /* 1 and 5 */
    idset_free(ids);
    store_close(s);
}

/* A failed COMMIT leaves its transaction open; store_mark_gone() must
 * roll it back, or the store's next transaction cannot begin. */
static void test_mark_gone_rolls_back_a_failed_commit(void **state) {
    struct fixture *f = *state;
    struct store *s = open_ok(f->path, "ko-KR");
    struct movie a = sample(1, "a"), b = sample(2, "b");
    upsert_ok(s, &a);
    upsert_ok(s, &b);
    /* a constraint checked only at COMMIT, violated by every deletion */
    exec_by_hand(f->path, "CREATE TABLE parent (id INTEGER PRIMARY KEY); "
                          "CREATE TABLE gone_log (movie_id INTEGER REFERENCES parent (id) "
                          "DEFERRABLE INITIALLY DEFERRED); "
                          "CREATE TRIGGER gone_logged AFTER UPDATE OF deleted_at ON movies "
                          "BEGIN INSERT INTO gone_log VALUES (NEW.id); END;");
    struct store_gone gone;
    assert_int_equal(store_find_gone(s, never_present, NULL, "2099-01-01T00:00:00Z", false, &gone),
                     STORE_OK);
    assert_int_equal(gone.n, 2);
    assert_int_not_equal(store_mark_gone(s, &gone, "2026-11-25T00:00:00Z"), STORE_OK);
    store_gone_free(&gone);
    assert_int_equal(store_begin(s), STORE_OK); /* no transaction was left open */
    assert_int_equal(store_rollback(s), STORE_OK);
    store_close(s);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM movies WHERE deleted_at IS NULL"),
                     2);
}

/* --db file:x is the file named "file:x", not a URI (the connection is
 * opened with SQLITE_OPEN_URI for merge): "?mode=ro" must not make it a
 * read-only open of "x". */
static void test_path_starting_with_file_is_a_path(void **state) {
    struct fixture *f = *state;
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(f->dir), 0);
    struct store *s = open_ok("file:t.sqlite3?mode=ro", "ko-KR");
    struct movie m = sample(1, "one");
    assert_int_equal(store_begin(s), STORE_OK);
    assert_int_equal(store_upsert_movie(s, &m, "t", NULL), STORE_OK);
    assert_int_equal(store_commit(s), STORE_OK);
    store_close(s);
    assert_int_equal(access("file:t.sqlite3?mode=ro", F_OK), 0);
    assert_int_not_equal(access("t.sqlite3", F_OK), 0);
    assert_int_equal(chdir(cwd), 0);
}

/* A database made by an earlier build of version 3 (other triggers, and no
 * schema digest, or another one) gets this build's search triggers; one
 * this build set up is left alone (nothing re-applied, sqlite_schema
 * untouched). */
static void test_open_replaces_older_search_triggers(void **state) {
    struct fixture *f = *state;
    static const char *const triggers[] = {
        "movies_fts_insert",         "movies_fts_update",         "movies_fts_delete",
        "movie_keywords_fts_insert", "movie_keywords_fts_delete", "movie_keywords_fts_update",
        "keywords_fts_update",
    };
    static const char all[] = "SELECT group_concat(name || ': ' || sql, '; ') FROM (SELECT name, "
                              "sql FROM sqlite_schema WHERE type = 'trigger' AND name LIKE '%fts%' "
                              "ORDER BY name)";
    char ref[160], expected[8192], got[8192], sql[256];
    store_close(open_ok(file_in(f, "ref.sqlite3", ref, sizeof ref), "ko-KR"));
    store_close(open_ok(f->path, "ko-KR"));
    for (size_t i = 0; i < sizeof triggers / sizeof *triggers; i++) {
        snprintf(sql, sizeof sql,
                 "DROP TRIGGER %s; CREATE TRIGGER %s AFTER DELETE ON fts_pending BEGIN "
                 "SELECT 1; END",
                 triggers[i], triggers[i]);
        exec_by_hand(f->path, sql);
    }
    /* as this build left it: the file's schema is not rewritten */
    int64_t cookie = sqlfile_int(f->path, "PRAGMA schema_version");
    store_close(open_ok(f->path, "ko-KR"));
    assert_int_equal(sqlfile_int(f->path, "PRAGMA schema_version"), cookie);
    /* as an older build left it: replaced */
    exec_by_hand(f->path, "UPDATE meta SET value = 'older build' WHERE key = 'schema_digest'");
    store_close(open_ok(f->path, "ko-KR"));
    assert_string_equal(qs(f->path, all, got, sizeof got), qs(ref, all, expected, sizeof expected));
    int64_t after = sqlfile_int(f->path, "PRAGMA schema_version");
    store_close(open_ok(f->path, "ko-KR")); /* and recorded: the next open skips it */
    assert_int_equal(sqlfile_int(f->path, "PRAGMA schema_version"), after);
}

/* The statements a connection runs, recorded by a trace installed on every
 * connection opened while it is registered (sqlite3_auto_extension). */
#define MAX_TRACED 64
static char traced[MAX_TRACED][2048];
static int n_traced;

static int record_statement(unsigned type, void *ctx, void *stmt, void *x) {
    (void)ctx;
    (void)x;
    const char *sql = sqlite3_sql(stmt);
    if (type == SQLITE_TRACE_STMT && sql && n_traced < MAX_TRACED)
        snprintf(traced[n_traced++], sizeof traced[0], "%s", sql);
    return 0;
}

static int install_trace(sqlite3 *db, char **err, const sqlite3_api_routines *api) {
    (void)err;
    (void)api;
    return sqlite3_trace_v2(db, SQLITE_TRACE_STMT, record_statement, NULL);
}

/* A store holding movie 1, and a reader of `path` inside a snapshot taken
 * then (end it with end_snapshot()). */
static sqlite3 *store_and_snapshot(const char *path, struct store **s) {
    *s = open_ok(path, "ko-KR");
    struct movie m = sample(1, "One");
    upsert_ok(*s, &m);
    sqlite3 *reader;
    assert_int_equal(sqlite3_open_v2(path, &reader, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM movies", NULL, NULL, NULL),
                     SQLITE_OK);
    return reader;
}

static void end_snapshot(sqlite3 *reader) {
    sqlite3_exec(reader, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(reader);
}

/* store_shrink_wal() empties DB-wal at the end of a load; a reader holding
 * a snapshot keeps its pages, and the call does not wait for it. */
static void test_shrink_wal_does_not_wait_for_readers(void **state) {
    struct fixture *f = *state;
    struct store *s;
    sqlite3 *reader = store_and_snapshot(f->path, &s);
    struct movie m = sample(2, "Two");
    upsert_ok(s, &m);
    int64_t wal = -1;
    time_t t0 = time(NULL);
    char path[4096];
    assert_int_equal(store_shrink_wal(s, &wal, path, sizeof path), STORE_OK);
    assert_true(time(NULL) - t0 <= 1); /* not the 5 s busy timeout */
    assert_non_null(strstr(path, "-wal"));
    assert_true(wal > 0); /* the reader's snapshot needs it */
    end_snapshot(reader);
    assert_int_equal(store_shrink_wal(s, &wal, path, sizeof path), STORE_OK);
    assert_int_equal(wal, 0);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM movies"), 2);
    store_close(s);
}

/* A reader whose snapshot needs nothing the checkpoint could not copy
 * (it began after the last commit) still keeps DB-wal from being cut at
 * that instant: that is no reader holding the log, and reads as 0. */
static void test_shrink_wal_ignores_a_reader_that_holds_nothing(void **state) {
    struct fixture *f = *state;
    struct store *s;
    sqlite3 *reader = store_and_snapshot(f->path, &s);
    int64_t wal = -1;
    char path[4096];
    assert_int_equal(store_shrink_wal(s, &wal, path, sizeof path), STORE_OK);
    assert_int_equal(wal, 0);
    end_snapshot(reader);
    store_close(s);
}

/* dump --since TIME counts a run going on at that time from its start: its
 * rows are stamped when written and committed later, so a row stamped
 * before a dump can appear after it (a consumer passing the time of its
 * last dump lost them). A run id is resolved in the dump's own snapshot. */
static void test_dump_since_a_time_covers_runs_going_on(void **state) {
    struct fixture *f = *state;
    struct store *s = open_ok(f->path, "ko-KR");
    int64_t run;
    assert_int_equal(store_run_begin(s, "tmdb-ingest ids -", "ids -", "2026-11-24T03:00:00Z", &run),
                     STORE_OK);
    struct movie m = sample(7, "Early");
    upsert_ok(s, &m); /* stamped 03:00:00, as the run starts */
    int rows = 0;
    int64_t next;
    struct store_since at = {.time = "2026-11-24T03:00:05Z"};
    /* still running at that time */
    assert_int_equal(store_dump(s, "movies", &at, count_row, &rows, &next), STORE_OK);
    assert_int_equal(rows, 1);
    struct run_counts counts = {.requested = 1, .fetched = 1};
    assert_int_equal(
        store_run_finish(s, run, &(struct run_end){"2026-11-24T03:00:09Z", "ok", 0, NULL}, &counts),
        STORE_OK);
    /* it ended after that time: still counted from its start */
    rows = 0;
    assert_int_equal(store_dump(s, "movies", &at, count_row, &rows, &next), STORE_OK);
    assert_int_equal(rows, 1);
    /* a time after it ended: nothing */
    rows = 0;
    at.time = "2026-11-24T03:00:10Z";
    assert_int_equal(store_dump(s, "movies", &at, count_row, &rows, &next), STORE_OK);
    assert_int_equal(rows, 0);
    /* after the run itself: nothing; a run that does not exist: said */
    rows = 0;
    assert_int_equal(
        store_dump(s, "movies", &(struct store_since){.run = run}, count_row, &rows, &next),
        STORE_OK);
    assert_int_equal(rows, 0);
    assert_int_equal(next, run);
    assert_int_equal(
        store_dump(s, "movies", &(struct store_since){.run = run + 1}, count_row, &rows, &next),
        STORE_ERR_QUERY);
    store_close(s);
}

/* The machine's clock stepped back while a run went on (NTP setting right
 * a clock that was ahead when the run started): what the run writes is
 * dated no earlier than its start, where dump --since the run before it
 * begins. (Dated by the clock, the movie fetched, the one marked deleted
 * and the failure recorded after the step came before the run's start:
 * --since the run before sent none of them, and its next time, the run
 * itself, went on after them.) SQLite's clock, which dates the failure,
 * reads long before these runs. */
static void test_dump_since_a_run_sends_what_it_wrote_after_the_clock_stepped_back(void **state) {
    struct fixture *f = *state;
    struct store *s = open_ok(f->path, "ko-KR");
    struct run_counts counts = {.requested = 2, .fetched = 2};
    int64_t first, run;
    assert_int_equal(
        store_run_begin(s, "tmdb-ingest ids 7 8", "ids", "2100-01-01T03:00:00Z", &first), STORE_OK);
    struct movie kept = sample(7, "Kept"), gone = sample(8, "Gone");
    upsert_at(s, &kept, "2100-01-01T03:00:00Z");
    upsert_at(s, &gone, "2100-01-01T03:00:00Z");
    assert_int_equal(store_run_finish(s, first,
                                      &(struct run_end){"2100-01-01T03:00:01Z", "ok", 0, NULL},
                                      &counts),
                     STORE_OK);
    /* started 5 minutes ahead; the clock set right at once */
    assert_int_equal(
        store_run_begin(s, "tmdb-ingest ids 7 8 9", "ids", "2100-01-01T04:05:00Z", &run), STORE_OK);
    upsert_at(s, &kept, "2100-01-01T04:00:02Z");
    mark_deleted_ok(s, 8, "2100-01-01T04:00:03Z");
    assert_int_equal(store_begin(s), STORE_OK);
    assert_int_equal(store_record_failure(s, run, 9, "failed", 500, "HTTP 500", 5), STORE_OK);
    assert_int_equal(store_commit(s), STORE_OK);
    assert_int_equal(store_run_finish(s, run,
                                      &(struct run_end){"2100-01-01T04:00:04Z", "partial", 3, NULL},
                                      &counts),
                     STORE_OK);
    struct store_since since = {.run = first};
    int rows = 0;
    int64_t next = 0;
    assert_int_equal(store_dump(s, "movies", &since, count_row, &rows, &next), STORE_OK);
    assert_int_equal(rows, 2); /* the one fetched again and the one marked deleted */
    assert_int_equal(next, run);
    rows = 0;
    assert_int_equal(store_dump(s, "fetch_failures", &since, count_row, &rows, &next), STORE_OK);
    assert_int_equal(rows, 1);
    store_close(s);
}

/* A database upgraded to version 6 got movie_parts rows for the movies it
 * held, dated at their fetches (meta notes the upgrade): a dump since a
 * time before the upgrade sends movie_parts whole, one since a time after
 * it only the rows of the movies written since. */
static void test_dump_since_a_time_after_the_parts_upgrade_sends_what_changed(void **state) {
    struct fixture *f = *state;
    struct store *s = open_ok(f->path, "ko-KR");
    struct movie old = sample_with_parts(1), later = sample_with_parts(2);
    upsert_at(s, &old, "2026-11-20T00:00:00Z");
    exec_by_hand(f->path, "INSERT OR REPLACE INTO meta (key, value) VALUES "
                          "('movie_parts_after_run', '0'), "
                          "('movie_parts_made_at', '2026-11-21T00:00:00Z')");
    upsert_at(s, &later, "2026-11-26T00:00:00Z");
    int64_t changed = sqlfile_int(f->path, "SELECT count(*) FROM movie_parts WHERE movie_id = 2");
    int64_t all = sqlfile_int(f->path, "SELECT count(*) FROM movie_parts");
    assert_true(changed > 0);
    assert_true(all > changed);
    int rows = 0;
    int64_t next;
    assert_int_equal(store_dump(s, "movie_parts",
                                &(struct store_since){.time = "2026-11-20T12:00:00Z"}, count_row,
                                &rows, &next),
                     STORE_OK);
    assert_int_equal(rows, all);
    rows = 0;
    assert_int_equal(store_dump(s, "movie_parts",
                                &(struct store_since){.time = "2026-11-24T00:00:00Z"}, count_row,
                                &rows, &next),
                     STORE_OK);
    assert_int_equal(rows, changed);
    store_close(s);
}

/* dump --since finds the movies written since then through the indexes on
 * fetched_at and deleted_at, and their rows through their keys: no table
 * of movie data is scanned (runs and failures are small and not checked). */
static void test_dump_since_searches_by_index(void **state) {
    struct fixture *f = *state;
    char plan[4096];
    struct movie before = sample_with_parts(1), deleted = sample_with_parts(2);
    struct movie after = sample_with_parts(3);
    assert_int_equal(sqlite3_auto_extension((void (*)(void))install_trace), SQLITE_OK);
    struct store *s = open_ok(f->path, "ko-KR");
    upsert_at(s, &before, "2026-11-20T00:00:00Z");
    upsert_at(s, &deleted, "2026-11-20T00:00:00Z");
    upsert_at(s, &after, "2026-11-26T00:00:00Z");
    mark_deleted_ok(s, 2, "2026-11-25T00:00:00Z");
    char tables[1024];
    assert_true(strlen(store_dump_tables) < sizeof tables);
    snprintf(tables, sizeof tables, "%s", store_dump_tables);
    for (char *save, *t = strtok_r(tables, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        int rows = 0;
        int64_t next;
        n_traced = 0;
        if (store_dump(s, t, &(struct store_since){.time = "2026-11-24T00:00:00Z"}, count_row,
                       &rows, &next) != STORE_OK)
            fail_msg("store_dump %s: %s", t, store_errmsg(s));
        if (strcmp(t, "movies") == 0)
            assert_int_equal(rows, 2);
        if (strcmp(t, "movie_cast") == 0)
            assert_int_equal(rows, 4);
        if (strcmp(t, "runs") == 0 || strcmp(t, "fetch_failures") == 0)
            continue;
        const char *sql = NULL; /* the dump's query: the last SELECT it ran */
        for (int i = 0; i < n_traced; i++)
            if (strncmp(traced[i], "WITH", 4) == 0 || strncmp(traced[i], "SELECT", 6) == 0)
                sql = traced[i];
        assert_non_null(sql);
        query_plan(f->path, sql, plan, sizeof plan);
        for (const char *p = strstr(plan, "SCAN "); p; p = strstr(p + 1, "SCAN "))
            if (strncmp(p, "SCAN written", 12) != 0)
                fail_msg("dump --since of %s scans: %s\n%s", t, plan, sql);
    }
    store_close(s);
    sqlite3_reset_auto_extension();
}

/* Movies a and b fetched on 2026-11-20, c on 2026-11-26 and marked deleted
 * (its id 3), into `path`; the store opened again with every statement
 * traced from then on (sqlite3_reset_auto_extension() when done). */
static struct store *three_movies_traced(const char *path, struct movie *a, struct movie *b,
                                         struct movie *c) {
    struct store *s = open_ok(path, "ko-KR");
    upsert_at(s, a, "2026-11-20T00:00:00Z");
    upsert_at(s, b, "2026-11-20T00:00:00Z");
    upsert_at(s, c, "2026-11-26T00:00:00Z");
    mark_deleted_ok(s, c->id, "2026-11-26T01:00:00Z");
    store_close(s);
    assert_int_equal(sqlite3_auto_extension((void (*)(void))install_trace), SQLITE_OK);
    s = open_ok(path, "ko-KR");
    n_traced = 0;
    return s;
}

/* Fails when a statement traced since n_traced was zeroed reads rows of
 * movies (a scan or search of it not through a covering index); returns
 * how many statements read movies. */
static int traced_read_indexes_only(const char *path) {
    static const char *const reads[] = {"SCAN movies", "SEARCH movies"};
    char plan[4096];
    int checked = 0;
    for (int i = 0; i < n_traced; i++) {
        if (!strstr(traced[i], "FROM movies"))
            continue;
        query_plan(path, traced[i], plan, sizeof plan);
        for (size_t r = 0; r < sizeof reads / sizeof *reads; r++)
            for (const char *p = strstr(plan, reads[r]); p; p = strstr(p + 1, reads[r]))
                if (strncmp(p + strlen(reads[r]), " USING COVERING INDEX", 21) != 0)
                    fail_msg("reads the table: %s\n%s", plan, traced[i]);
        checked++;
    }
    return checked;
}

/* stats (store_overview()) and a load's check of the parts stored
 * (store_parts_of_most()) read indexes only: a movie's row holds raw_json
 * (overflow pages) before deleted_at and appended, and a scan of movies
 * read the whole table at every stats poll. */
static void test_overview_and_parts_read_indexes_only(void **state) {
    struct fixture *f = *state;
    struct movie a = sample_with_parts(1), b = sample_with_parts(2), c = sample(3, "Three");
    b.parts = MOVIE_PART_CREDITS;
    struct store *s = three_movies_traced(f->path, &a, &b, &c);
    struct store_overview o;
    int64_t movies = 0;
    unsigned most = 0;
    assert_int_equal(store_overview(s, &o), STORE_OK);
    assert_int_equal(store_parts_of_most(s, &movies, &most), STORE_OK);
    assert_int_equal(o.movies, 3);
    assert_int_equal(o.deleted, 1);
    assert_int_equal(o.with_part[0], 2); /* credits: a and b */
    for (int i = 1; i < MOVIE_PART_COUNT; i++)
        assert_int_equal(o.with_part[i], 1); /* keywords and the others: a */
    assert_int_equal(movies, 3);
    assert_int_equal(most, MOVIE_PART_CREDITS); /* 2 of 3; keywords and the others 1 of 3 */
    assert_true(traced_read_indexes_only(f->path) >= 5); /* counts, deleted, ages, oldest,
                                                           newest (and the parts) */
    store_close(s);
    sqlite3_reset_auto_extension();
}

static int count_id(void *ctx, int64_t id) {
    (void)id;
    ++*(int *)ctx;
    return 0;
}

/* How many movies store_fresh_ids() finds fetched since `since`, the
 * earliest of their fetches into oldest (of `size` bytes). */
static int fresh_since(struct store *s, const char *since, char *oldest, size_t size) {
    int fresh = 0;
    assert_int_equal(store_fresh_ids(s, since, NULL, count_id, &fresh, oldest, size), STORE_OK);
    return fresh;
}

/* What an export asks of every stored movie (live? adult? fetched before
 * its day?), the movies a --max-age run skips and the shard check read
 * movies_fetched_at alone, and the deleted ones it fetches when it names
 * them movies_deleted_at: a row's columns after raw_json are on its
 * overflow pages, and a scan of the table read the whole file. */
static void test_export_reads_indexes_only(void **state) {
    struct fixture *f = *state;
    char oldest[32];
    struct movie a = sample(1, "One"), b = sample(2, "Two"), c = sample(3, "Three");
    b.adult = true;
    struct store *s = three_movies_traced(f->path, &a, &b, &c);
    struct store_gone gone;
    assert_int_equal(store_find_gone(s, never_present, NULL, "2026-11-25T00:00:00Z", false, &gone),
                     STORE_OK);
    assert_int_equal(gone.live, 1); /* 1: 2 is adult, 3 deleted */
    assert_int_equal(gone.n, 1);
    store_gone_free(&gone);
    bool found = false;
    assert_int_equal(store_has_other_shards(s, 1, 2, true, &found), STORE_OK);
    assert_true(found); /* 2 */
    assert_int_equal(fresh_since(s, "2026-11-01T00:00:00Z", oldest, sizeof oldest), 2);
    int deleted = 0;
    assert_int_equal(store_deleted_ids(s, count_id, &deleted), STORE_OK);
    assert_int_equal(deleted, 1); /* 3 */
    assert_int_equal(traced_read_indexes_only(f->path), 4);
    store_close(s);
    sqlite3_reset_auto_extension();
}

/* The movies a --max-age run skips come with the earliest of their
 * fetched_at (an export's changes cursor waits for it): deleted ones do
 * not count, and none fresh leaves it "". */
static void test_fresh_ids_give_the_oldest_fetch(void **state) {
    struct fixture *f = *state;
    char oldest[32] = "unset";
    struct store *s = open_ok(f->path, "ko-KR");
    struct movie a = sample(1, "One"), b = sample(2, "Two"), c = sample(3, "Three"),
                 gone = sample(4, "Gone");
    assert_int_equal(store_begin(s), STORE_OK);
    assert_int_equal(store_upsert_movie(s, &a, "2026-11-24T03:00:00Z", NULL), STORE_OK);
    assert_int_equal(store_upsert_movie(s, &b, "2026-11-23T05:00:00Z", NULL), STORE_OK);
    assert_int_equal(store_upsert_movie(s, &c, "2026-11-25T01:00:00Z", NULL), STORE_OK);
    assert_int_equal(store_upsert_movie(s, &gone, "2026-11-22T00:00:00Z", NULL), STORE_OK);
    assert_int_equal(store_commit(s), STORE_OK);
    mark_deleted_ok(s, 4, "2026-11-25T02:00:00Z");
    assert_int_equal(fresh_since(s, "2026-11-01T00:00:00Z", oldest, sizeof oldest), 3);
    assert_string_equal(oldest, "2026-11-23T05:00:00Z");
    assert_int_equal(fresh_since(s, "2026-11-24T00:00:00Z", oldest, sizeof oldest), 2);
    assert_string_equal(oldest, "2026-11-24T03:00:00Z");
    assert_int_equal(fresh_since(s, "2026-11-26T00:00:00Z", oldest, sizeof oldest), 0);
    assert_string_equal(oldest, "");
    store_close(s);
}

/* The VM steps of the statements run since zeroed whose SQL holds
 * rebuild_note_sql (schema.sql's note of the documents to rebuild),
 * counted by a profile trace on every connection opened while
 * install_profile is registered. */
static const char rebuild_note_sql[] = "INSERT INTO fts_pending (movie_id)\nSELECT f.rowid";
static int rebuild_note_steps;

static int profile_statement(unsigned type, void *ctx, void *stmt, void *x) {
    (void)ctx;
    (void)x;
    const char *sql = sqlite3_sql(stmt);
    if (type == SQLITE_TRACE_PROFILE && sql && strstr(sql, rebuild_note_sql))
        rebuild_note_steps += sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_VM_STEP, 0);
    return 0;
}

static int install_profile(sqlite3 *db, char **err, const sqlite3_api_routines *api) {
    (void)err;
    (void)api;
    return sqlite3_trace_v2(db, SQLITE_TRACE_PROFILE, profile_statement, NULL);
}

/* Applying the schema to a database whose movie_search_text is already
 * the current one (an upgrade of a later build: version 7 and on) notes
 * no document, and reads none: the check of the earlier view's documents
 * (7baf98f) ran its scan of every search document, each step testing a
 * condition that could not hold. */
static void test_schema_reads_no_document_when_the_view_is_current(void **state) {
    struct fixture *f = *state;
    struct store *s = open_ok(f->path, "ko-KR");
    for (int64_t id = 1; id <= 200; id++) {
        struct movie m = sample(id, "Title");
        upsert_ok(s, &m);
    }
    store_close(s);
    exec_by_hand(f->path, "UPDATE meta SET value = 'older build' WHERE key = 'schema_digest'");
    assert_int_equal(sqlite3_auto_extension((void (*)(void))install_profile), SQLITE_OK);
    rebuild_note_steps = 0;
    s = open_ok(f->path, "ko-KR");
    sqlite3_reset_auto_extension();
    store_close(s);
    assert_true(rebuild_note_steps > 0); /* it ran */
    if (rebuild_note_steps >= 200)
        fail_msg("%d steps for 200 documents: the search index was read", rebuild_note_steps);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM fts_pending"), 0);
}

/* ---- a load's connection: no triggers, no statement journal ---- */

/* Pages written to statement journals, counted by a VFS that wraps the
 * default one and gives each statement journal it opens an xWrite that
 * counts. main() has SQLite write statement journals to disk at once
 * (SQLITE_CONFIG_STMTJRNL_SPILL 0), not first to memory. */
static sqlite3_vfs counting_vfs;
static sqlite3_vfs *real_vfs;
static sqlite3_io_methods counting_methods;
static const sqlite3_io_methods *real_methods;
static int subjournal_writes;

static int counting_write(sqlite3_file *file, const void *buf, int amount, sqlite3_int64 offset) {
    subjournal_writes++;
    return real_methods->xWrite(file, buf, amount, offset);
}

/* The same VFS fails this many writes to a main database file next, as a
 * disk that returns EIO for a moment would (test_open_fails_when_the_
 * switch_to_wal_cannot_be_written()). */
static int db_writes_to_fail;
static sqlite3_io_methods failing_db_methods;
static const sqlite3_io_methods *real_db_methods;

static int failing_db_write(sqlite3_file *file, const void *buf, int amount, sqlite3_int64 offset) {
    if (db_writes_to_fail > 0) {
        db_writes_to_fail--;
        return SQLITE_IOERR_WRITE;
    }
    return real_db_methods->xWrite(file, buf, amount, offset);
}

/* Give an opened file the methods `wrapped`: its own, as the first file
 * wrapped so had them (kept in *real), with `write` for xWrite. */
static void wrap_writes(sqlite3_file *file, const sqlite3_io_methods **real,
                        sqlite3_io_methods *wrapped,
                        int (*write)(sqlite3_file *, const void *, int, sqlite3_int64)) {
    if (!*real) {
        *real = file->pMethods;
        *wrapped = **real;
        wrapped->xWrite = write;
    }
    if (file->pMethods == *real)
        file->pMethods = wrapped;
}

static int counting_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags,
                         int *out_flags) {
    (void)vfs;
    int rc = real_vfs->xOpen(real_vfs, name, file, flags, out_flags);
    if (rc == SQLITE_OK && (flags & SQLITE_OPEN_MAIN_DB) && file->pMethods && db_writes_to_fail > 0)
        wrap_writes(file, &real_db_methods, &failing_db_methods, failing_db_write);
    if (rc == SQLITE_OK && (flags & SQLITE_OPEN_SUBJOURNAL) && file->pMethods)
        wrap_writes(file, &real_methods, &counting_methods, counting_write);
    return rc;
}

static void count_subjournal_writes(void) {
    if (sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, 0) != SQLITE_OK ||
        !(real_vfs = sqlite3_vfs_find(NULL)))
        abort();
    counting_vfs = *real_vfs;
    counting_vfs.zName = "counting";
    counting_vfs.xOpen = counting_open;
    if (sqlite3_vfs_register(&counting_vfs, 1) != SQLITE_OK)
        abort();
}

/* A new database is switched to WAL by a write to its file: when that
 * write fails (EIO, a full disk), SQLite still answers "wal" and reports
 * the failure only when the statement is finalized, and the database
 * stays in rollback-journal mode (a store opened anyway would load in it,
 * readers waiting on its writes). The open fails, naming the step; the
 * next one, the disk well again, makes the database in WAL mode. */
static void test_open_fails_when_the_switch_to_wal_cannot_be_written(void **state) {
    struct fixture *f = *state;
    char err[256] = "", buf[64];
    struct store *s = NULL;
    db_writes_to_fail = 1;
    enum store_status st = store_open(f->path, "ko-KR", &s, err, sizeof err);
    int unfailed = db_writes_to_fail;
    db_writes_to_fail = 0;
    store_close(s);
    assert_int_equal(unfailed, 0); /* the write was failed */
    if (st != STORE_ERR || !strstr(err, "switch to WAL journal mode: disk I/O error"))
        fail_msg("status %d, \"%s\"", (int)st, err);
    store_close(open_ok(f->path, "ko-KR"));
    assert_string_equal(qs(f->path, "PRAGMA journal_mode", buf, sizeof buf), "wal");
}

/* Three new movies, then the same three fetched again with new titles,
 * a batch each: the pages their upserts wrote to statement journals (the
 * commits' are test_search_index_needs_no_statement_journal()'s). */
static int journal_writes_of_upserts(struct store *s, int64_t first) {
    int writes = 0;
    for (int64_t id = first; id < first + 3; id++)
        for (int again = 0; again <= 1; again++) {
            struct movie m = sample(id, again ? "fetched again" : "new");
            assert_int_equal(store_begin(s), STORE_OK);
            int before = subjournal_writes;
            if (store_upsert_movie(s, &m, "2026-11-24T03:00:00Z", NULL) != STORE_OK)
                fail_msg("store_upsert_movie: %s", store_errmsg(s));
            writes += subjournal_writes - before;
            assert_int_equal(store_commit(s), STORE_OK);
        }
    return writes;
}

/* A commit drops the noted documents from the search index and adds them
 * again a row at a time, with no statement journal: one statement for
 * them all (DELETE ... IN, INSERT ... SELECT) wrote many rows of a virtual
 * table, which SQLite runs in a statement transaction, and each page of
 * the index it changed went to the journal (at 20,000 movies, 90 MB). New
 * documents and ones indexed anew (a stored movie's title changed), on
 * either kind of connection. */
static void test_search_index_needs_no_statement_journal(void **state) {
    struct fixture *f = *state;
    struct store *s = open_ok(f->path, "ko-KR");
    int writes = 0;
    for (int batch = 0; batch < 6; batch++) {
        assert_int_equal(store_begin(s), STORE_OK);
        for (int64_t i = 1; i <= 40; i++) {
            char title[64];
            snprintf(title, sizeof title, "%s movie number %lld", batch < 3 ? "first" : "again",
                     (long long)i);
            struct movie m = sample(i * 7 + 1000 * (batch % 3), title);
            if (store_upsert_movie(s, &m, "2026-11-24T03:00:00Z", NULL) != STORE_OK)
                fail_msg("store_upsert_movie: %s", store_errmsg(s));
        }
        int before = subjournal_writes;
        assert_int_equal(store_commit(s), STORE_OK);
        writes += subjournal_writes - before;
    }
    assert_int_equal(writes, 0);
    struct hits h;
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM movies_fts WHERE movies_fts MATCH "
                                          "'title:again'"),
                     120);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM fts_pending"), 0);
    assert_string_equal(search_ids(s, "first", 0, &h), "");
    store_close(s);
}

/* A commit that cannot write the search index says why (here the database
 * may not grow: "database or disk is full"), not "not an error"; after the
 * rollback the store writes and indexes again. */
static void test_search_index_failure_says_why(void **state) {
    struct fixture *f = *state;
    struct store *s = open_ok(f->path, "ko-KR");
    static char overview[200 * 1000];
    for (size_t i = 0; i + 1 < sizeof overview; i++)
        overview[i] = i % 7 == 6 ? ' ' : (char)('a' + (i / 7 + i % 7) % 26);
    assert_int_equal(store_begin(s), STORE_OK);
    for (int64_t id = 1; id <= 20; id++) {
        struct movie m = sample(id, "big");
        m.overview = overview;
        if (store_upsert_movie(s, &m, "2026-11-24T03:00:00Z", NULL) != STORE_OK)
            fail_msg("store_upsert_movie: %s", store_errmsg(s));
    }
    int64_t pages = 0;
    assert_int_equal(store_query_ints(s->db, "PRAGMA page_count", &pages, 1), SQLITE_OK);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", (long long)pages + 5);
    assert_int_equal(sqlite3_exec(s->db, sql, NULL, NULL, NULL), SQLITE_OK);
    /* SQLite's temporary files fill a disk the same way: both are named */
    char spill[192], named[256];
    snprintf(spill, sizeof spill, "%s/spill", f->dir);
    assert_int_equal(mkdir(spill, 0700), 0);
    /* as SQLite takes it: $SQLITE_TMPDIR before $TMPDIR */
    const char *tmpdir = getenv("TMPDIR");
    char *saved_tmpdir = tmpdir ? strdup(tmpdir) : NULL;
    assert_int_equal(setenv("SQLITE_TMPDIR", spill, 1), 0);
    assert_int_equal(setenv("TMPDIR", f->dir, 1), 0);
    assert_int_not_equal(store_commit(s), STORE_OK);
    unsetenv("SQLITE_TMPDIR");
    if (saved_tmpdir)
        setenv("TMPDIR", saved_tmpdir, 1);
    else
        unsetenv("TMPDIR");
    free(saved_tmpdir);
    if (!strstr(store_errmsg(s), "update the search index: database or disk is full"))
        fail_msg("store_commit failed with: %s", store_errmsg(s));
    snprintf(named, sizeof named, "SQLite's temporary files, %s: SQLITE_TMPDIR moves them", spill);
    if (!strstr(store_errmsg(s), named))
        fail_msg("no word of the temporary files' directory %s: %s", spill, store_errmsg(s));
    assert_int_equal(store_rollback(s), STORE_OK);
    snprintf(sql, sizeof sql, "PRAGMA max_page_count = %d", 1 << 30);
    assert_int_equal(sqlite3_exec(s->db, sql, NULL, NULL, NULL), SQLITE_OK);
    struct movie m = sample(1, "small");
    upsert_ok(s, &m);
    struct hits h;
    assert_string_equal(search_ids(s, "small", 0, &h), "1");
    store_close(s);
}

/* A load's connection writes new movies, and stored ones again, with no
 * statement journal (each batch needs one when the triggers fire), and
 * its rows, search index and updated_at are those the triggers make. */
static void test_load_writes_need_no_statement_journal(void **state) {
    struct fixture *f = *state;
    struct store *s = open_ok(f->path, "ko-KR");
    assert_true(journal_writes_of_upserts(s, 1) >= 6);
    store_close(s);
    s = open_as(f->path, "ko-KR", true);
    assert_int_equal(journal_writes_of_upserts(s, 11), 0);
    /* the same rows either way */
    assert_int_equal(sqlfile_int(f->path,
                                 "SELECT count(*) FROM movies WHERE title = 'fetched again' AND "
                                 "collection_id = 10 AND deleted_at IS NULL"),
                     6);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM movie_genres"), 18);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM collections WHERE updated_at LIKE "
                                          "'20__-__-__T__:__:__Z'"),
                     1);
    /* a new collection, then none: the row follows (with a journal: a
     * foreign key changes) */
    struct movie m = sample(11, "fetched again");
    m.collection = (struct movie_collection){20, "Another", NULL, NULL};
    upsert_ok(s, &m);
    assert_int_equal(sqlfile_int(f->path, "SELECT collection_id FROM movies WHERE id = 11"), 20);
    m.has_collection = false;
    upsert_ok(s, &m);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM movies WHERE id = 11 AND "
                                          "collection_id IS NULL"),
                     1);
    struct hits h;
    assert_string_equal(search_ids(s, "fetched again", 0, &h), "1,2,3,11,12,13");
    store_close(s);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM fts_pending"), 0);
    assert_int_equal(sqlfile_int(f->path,
                                 "SELECT count(*) FROM movies_fts f JOIN movie_search_text t ON "
                                 "t.id = f.rowid WHERE (f.title, f.overview) IS (t.title, "
                                 "t.overview)"),
                     6);
}

/* A load's store turns the triggers off before it prepares its
 * statements, not after: turning them off expires every prepared
 * statement, and SQLite would prepare each again at its first step.
 * (FTS5's own statements, prepared while the schema is applied, are
 * prepared again: two, once.) */
static void test_load_prepares_its_statements_once(void **state) {
    struct fixture *f = *state;
    struct store *s = open_as(f->path, "ko-KR", true);
    struct movie m = sample(1, "new");
    upsert_ok(s, &m);
    m = sample(1, "fetched again");
    upsert_ok(s, &m);
    int steps = 0, prepared_again = 0;
    for (int i = 0; i < ST_COUNT; i++) {
        steps += sqlite3_stmt_status(s->stmts[i], SQLITE_STMTSTATUS_RUN, 0);
        prepared_again += sqlite3_stmt_status(s->stmts[i], SQLITE_STMTSTATUS_REPREPARE, 0);
    }
    assert_true(steps >= 10); /* the upserts ran the store's statements */
    assert_int_equal(prepared_again, 0);
    store_close(s);
}

/* A fetch that changes one field of a movie's document, and nothing else
 * of its body, reaches the index. */
static void test_each_document_field_reaches_the_index(void **state) {
    struct fixture *f = *state;
    char raw[256];
    struct hits h;
    struct store *s = open_ok(f->path, "ko-KR");
    struct movie m = text_movie(7, "Plain", "Nothing yet", 1.0, NULL, 0, raw, sizeof raw);
    upsert_ok(s, &m);
    static const struct {
        size_t offset;
        const char *text;
    } fields[] = {{offsetof(struct movie, title), "Renamed"},
                  {offsetof(struct movie, original_title), "Originally"},
                  {offsetof(struct movie, overview), "Overhauled"},
                  {offsetof(struct movie, tagline), "Taglined"}};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        memcpy((char *)&m + fields[i].offset, &fields[i].text, sizeof fields[i].text);
        upsert_ok(s, &m);
        if (strcmp(search_ids(s, fields[i].text, 0, &h), "7") != 0)
            fail_msg("%s: not found", fields[i].text);
    }
    assert_string_equal(search_ids(s, "Plain", 0, &h), "");
    store_close(s);
}

/* The search index's structure record (FTS5's segments): rewritten by every
 * document written, and by nothing else. */
static const char *fts_structure(const char *path, char *buf, size_t size) {
    return qs(path, "SELECT hex(block) FROM movies_fts_data WHERE id = 10", buf, size);
}

/* A refetch whose body differs only outside the document (popularity, vote
 * counts: TMDB's change daily for nearly every movie, so a weekly export
 * rewrote every document) leaves the index alone; one whose keywords alone
 * change reaches it. */
static void test_refetch_of_the_same_text_leaves_the_index_alone(void **state) {
    struct fixture *f = *state;
    char raw[256], before[4096], after[4096];
    struct hits h;
    struct store *s = open_ok(f->path, "ko-KR");
    struct movie_genre zombie[] = {{290004, "좀비"}};
    struct movie m = text_movie(7, "부산행", "기차", 1.0, zombie, 1, raw, sizeof raw);
    upsert_ok(s, &m);
    fts_structure(f->path, before, sizeof before);
    assert_true(before[0] != '\0');
    m = text_movie(7, "부산행", "기차", 2.5, zombie, 1, raw, sizeof raw);
    static char other_raw[] = "{\"id\":7,\"popularity\":2.5,"
                              "\"keywords\":{\"keywords\":[{\"id\":290004,\"name\":\"좀비\"}]}}";
    m.raw_json = other_raw;
    m.raw_len = sizeof other_raw - 1;
    upsert_ok(s, &m);
    assert_string_equal(fts_structure(f->path, after, sizeof after), before);
    m = text_movie(7, "부산행", "기차", 2.5, NULL, 0, raw, sizeof raw); /* without keywords */
    upsert_ok(s, &m);
    assert_string_equal(fts_structure(f->path, after, sizeof after), before);
    assert_string_equal(search_ids(s, "좀비", 0, &h), "7");
    /* the keywords alone change */
    struct movie_genre train[] = {{290005, "열차"}};
    m = text_movie(7, "부산행", "기차", 2.5, train, 1, raw, sizeof raw);
    upsert_ok(s, &m);
    assert_string_equal(search_ids(s, "열차", 0, &h), "7");
    assert_string_equal(search_ids(s, "좀비", 0, &h), "");
    m = text_movie(7, "부산행", "기차", 2.5, train, 0, raw, sizeof raw); /* emptied */
    upsert_ok(s, &m);
    assert_string_equal(search_ids(s, "열차", 0, &h), "");
    assert_string_equal(search_ids(s, "부산행", 0, &h), "7");
    store_close(s);
}

/* A keyword renamed by a later fetch reaches the search documents of the
 * movies that have it, on a load's connection as with the triggers. */
static void test_renamed_keyword_reaches_the_index(void **state) {
    struct fixture *f = *state;
    char raw[2][256];
    struct hits h;
    struct store *s = open_ok(f->path, "ko-KR");
    struct movie_genre before[] = {{290004, "좀비"}};
    struct movie_genre after[] = {{290004, "좀비들"}};
    struct movie a = text_movie(1, "부산행", "기차", 1.0, before, 1, raw[0], sizeof raw[0]);
    struct movie b = text_movie(2, "반도", "서울", 1.0, before, 1, raw[1], sizeof raw[1]);
    upsert_ok(s, &a);
    upsert_ok(s, &b);
    store_close(s);
    /* movie 1's keywords by hand, as a merge or an analyst leaves them:
     * its document is built from the keyword rows */
    exec_by_hand(f->path, "UPDATE movies SET appended = NULL WHERE id = 1");
    s = open_ok(f->path, "ko-KR");
    b = text_movie(2, "반도", "서울", 1.0, after, 1, raw[1], sizeof raw[1]);
    upsert_ok(s, &b);
    assert_string_equal(search_ids(s, "좀비들", 0, &h), "2,1");
    store_close(s);
}

/* store_backup()'s callback: on its first call, another connection
 * commits a movie (as a load would); `stop` asks the copy to stop. */
struct backup_probe {
    const char *path;
    int calls;
    bool stop;
};

static int backup_step(void *ctx, int64_t copied, int64_t total) {
    struct backup_probe *p = ctx;
    assert_true(copied > 0 && copied < total);
    if (p->calls++ == 0 && !p->stop) {
        struct store *w = open_ok(p->path, "ko-KR");
        struct movie m = sample(2, "committed during the copy");
        upsert_ok(w, &m);
        store_close(w);
    }
    return p->stop;
}

/* A database of one movie and enough other pages (a table of blobs) for
 * the copy to take several steps. */
static struct store *database_to_copy(const char *path) {
    struct store *s = open_ok(path, "ko-KR");
    struct movie m = sample(1, "before the copy");
    upsert_ok(s, &m);
    store_close(s);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db,
                     "CREATE TABLE filler (b BLOB); "
                     "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                     "WHERE i < 24) INSERT INTO filler SELECT zeroblob(1000000) FROM n",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    char err[256];
    assert_int_equal(store_open_readonly(path, &s, err, sizeof err), STORE_OK);
    return s;
}

/* The empty file a backup is made in, beside the database. */
static void empty_copy(const struct fixture *f, char *copy, size_t size) {
    snprintf(copy, size, "%s/copy.sqlite3", f->dir);
    fclose(fopen(copy, "w"));
}

/* The copy is what the database held when it began, whatever is committed
 * during it: one file in rollback mode, whole. */
static void test_backup_is_one_snapshot(void **state) {
    struct fixture *f = *state;
    struct store *s = database_to_copy(f->path);
    char copy[160], buf[32];
    empty_copy(f, copy, sizeof copy);
    struct backup_probe p = {.path = f->path};
    struct store_backup_result r;
    if (store_backup(s, copy, backup_step, &p, &r) != STORE_OK)
        fail_msg("store_backup: %s", store_errmsg(s));
    store_close(s);
    assert_true(p.calls >= 1);
    assert_int_equal(sqlfile_int(f->path, "SELECT count(*) FROM movies"), 2);
    assert_int_equal(sqlfile_int(copy, "SELECT count(*) FROM movies"), 1);
    assert_int_equal(r.movies, 1);
    assert_int_equal(r.last_run, 0);
    assert_int_equal(r.bytes,
                     sqlfile_int(copy, "SELECT page_count * page_size FROM pragma_page_count, "
                                       "pragma_page_size"));
    assert_true(r.bytes > 24 * 1000000);
    assert_string_equal(qs(copy, "PRAGMA journal_mode", buf, sizeof buf), "delete");
    assert_string_equal(qs(copy, "PRAGMA integrity_check", buf, sizeof buf), "ok");
    assert_int_equal(access(strcat(copy, "-wal"), F_OK), -1);
}

/* A backup's copy put in place: its first run takes an id
 * STORE_RESTORED_RUN_GAP past the highest (no id of the lost database's
 * later runs), and only the first. */
static void test_first_run_of_a_restored_copy_skips_the_lost_ids(void **state) {
    struct fixture *f = *state;
    struct store *s = database_to_copy(f->path);
    char copy[160], buf[64];
    empty_copy(f, copy, sizeof copy);
    struct store_backup_result r;
    assert_int_equal(store_backup(s, copy, NULL, NULL, &r), STORE_OK);
    store_close(s);
    assert_true(strlen(qs(copy, "SELECT value FROM meta WHERE key = 'backup_made_at'", buf,
                          sizeof buf)) == 20);
    s = open_ok(copy, "ko-KR");
    int64_t first, second;
    assert_int_equal(
        store_run_begin(s, "tmdb-ingest ids 1", "ids 1", "2026-11-28T06:30:00Z", &first), STORE_OK);
    assert_int_equal(
        store_run_begin(s, "tmdb-ingest ids 2", "ids 2", "2026-11-28T06:40:00Z", &second),
        STORE_OK);
    store_close(s);
    assert_int_equal(first, STORE_RESTORED_RUN_GAP);
    assert_int_equal(second, STORE_RESTORED_RUN_GAP + 1);
    assert_int_equal(sqlfile_int(copy, "SELECT count(*) FROM meta WHERE key = 'backup_made_at'"),
                     0);
}

/* A dump while the first run of a restored copy goes on: its next --since
 * is the copy's last run, an id the next dump accepts, not the one below
 * the running run's (STORE_RESTORED_RUN_GAP left no run there). */
static void test_dump_next_since_names_a_run_across_the_restore_gap(void **state) {
    struct fixture *f = *state;
    struct store *s = open_ok(f->path, "ko-KR");
    int64_t kept, running, next = -1;
    struct run_counts counts = {0};
    assert_int_equal(
        store_run_begin(s, "tmdb-ingest ids 1", "ids 1", "2026-11-27T06:30:00Z", &kept), STORE_OK);
    assert_int_equal(store_run_finish(s, kept,
                                      &(struct run_end){"2026-11-27T06:31:00Z", "ok", 0, NULL},
                                      &counts),
                     STORE_OK);
    assert_int_equal(store_meta_set(s, "backup_made_at", "2026-11-27T07:00:00Z"), STORE_OK);
    assert_int_equal(
        store_run_begin(s, "tmdb-ingest ids 2", "ids 2", "2026-11-28T06:30:00Z", &running),
        STORE_OK);
    assert_int_equal(running, kept + STORE_RESTORED_RUN_GAP);
    int rows = 0;
    assert_int_equal(store_dump(s, "runs", NULL, count_row, &rows, &next), STORE_OK);
    assert_int_equal(next, kept);
    assert_int_equal(
        store_dump(s, "movies", &(struct store_since){.run = next}, count_row, &rows, &next),
        STORE_OK);
    store_close(s);
}

/* A callback that asks to stop stops the copy between two steps. */
static void test_backup_stops_when_asked(void **state) {
    struct fixture *f = *state;
    struct store *s = database_to_copy(f->path);
    char copy[160];
    empty_copy(f, copy, sizeof copy);
    struct backup_probe p = {.path = f->path, .stop = true};
    struct store_backup_result r;
    assert_int_equal(store_backup(s, copy, backup_step, &p, &r), STORE_ERR_STOPPED);
    assert_int_equal(p.calls, 1);
    store_close(s);
}

/* A copy that cannot be opened (its directory is gone) names it. */
static void test_backup_names_the_copy_it_cannot_write(void **state) {
    struct fixture *f = *state;
    struct store *s = database_to_copy(f->path);
    char copy[160];
    snprintf(copy, sizeof copy, "%s/gone/copy.sqlite3", f->dir);
    struct store_backup_result r;
    assert_int_equal(store_backup(s, copy, NULL, NULL, &r), STORE_ERR);
    assert_non_null(strstr(store_errmsg(s), copy));
    assert_non_null(strstr(store_errmsg(s), "(No such file or directory)"));
    store_close(s);
}

/* A VFS that reads as the default one does, counting the reads; at the
 * STOP_AT_READ-th it requests a stop (a signal, in the middle of a check),
 * and each read after it takes a millisecond. */
#define STOP_AT_READ 50
static sqlite3_vfs slow_vfs;
static sqlite3_io_methods slow_methods;
static const sqlite3_io_methods *real_methods;
static int slow_reads;

static int slow_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 offset) {
    if (++slow_reads == STOP_AT_READ)
        stop_request(STOP_SIGNAL);
    if (slow_reads > STOP_AT_READ)
        usleep(1000);
    return real_methods->xRead(f, buf, n, offset);
}

/* The default VFS's file with the methods above (its own but xRead). */
static int slow_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out) {
    sqlite3_vfs *real = vfs->pAppData;
    int rc = real->xOpen(real, name, f, flags, out);
    if (rc == SQLITE_OK && f->pMethods) {
        real_methods = f->pMethods;
        slow_methods = *f->pMethods;
        slow_methods.xRead = slow_read;
        f->pMethods = &slow_methods;
    }
    return rc;
}

/* The check of a copy reads every page of it (seconds a gigabyte): a stop
 * (a signal) that comes during it ends it within a read or two, not at the
 * end of the file. SQLite calls no progress handler inside the check. */
static void test_check_of_a_copy_ends_at_a_stop_during_it(void **state) {
    struct fixture *f = *state;
    assert_int_equal(stop_init(), 0);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TABLE t (a INTEGER, b BLOB); "
                                  "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                                  "WHERE i < 40000) INSERT INTO t SELECT i, randomblob(60) FROM n; "
                                  "CREATE INDEX t_b ON t (b)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    int64_t pages = 0;
    assert_int_equal(store_query_ints(db, "PRAGMA page_count", &pages, 1), SQLITE_OK);
    sqlite3_close(db);
    assert_true(pages > 1000);
    sqlite3_vfs *real = sqlite3_vfs_find(NULL);
    slow_vfs = *real;
    slow_vfs.zName = "slow";
    slow_vfs.pAppData = real;
    slow_vfs.xOpen = slow_open;
    assert_int_equal(sqlite3_vfs_register(&slow_vfs, 0), SQLITE_OK);
    assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, "slow"), SQLITE_OK);
    char buf[64];
    assert_int_equal(store_quick_check(db, "main", buf, sizeof buf), SQLITE_INTERRUPT);
    assert_string_equal(buf, "");
    sqlite3_close(db);
    sqlite3_vfs_unregister(&slow_vfs);
    assert_true(stop_requested());
    assert_true(slow_reads >= STOP_AT_READ);
    assert_true(slow_reads < STOP_AT_READ + 20); /* of more than a thousand */
}

/* A stop (a signal) ends the check of a backup's or a restore's copy: the
 * copy is left unused, nothing said as a damage. The stop is for good in
 * this process: these tests run last. */
static void test_check_of_a_copy_ends_at_a_stop(void **state) {
    struct fixture *f = *state;
    struct store *s = database_to_copy(f->path);
    char copy[160], buf[64];
    empty_copy(f, copy, sizeof copy);
    assert_true(stop_requested()); /* the test before's */
    struct backup_probe p = {.path = f->path, .stop = false};
    struct store_backup_result r;
    assert_int_equal(store_backup(s, copy, backup_step, &p, &r), STORE_ERR_STOPPED);
    assert_true(p.calls >= 1); /* the pages were copied: the check was stopped */
    store_close(s);

    /* a copy made some other way is not marked: the check comes first */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(copy, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db, "DELETE FROM meta WHERE key = 'backup_made_at'", NULL, NULL, NULL),
        SQLITE_OK);
    /* the check's verdict is none, and the connection is not left
     * interrupting every statement after it */
    assert_int_equal(store_quick_check(db, "main", buf, sizeof buf), SQLITE_INTERRUPT);
    assert_string_equal(buf, "");
    assert_int_equal(sqlfile_int(copy, "SELECT count(*) FROM movies"), 1);
    int64_t n = 0; /* a statement of many steps */
    assert_int_equal(store_query_ints(db,
                                      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
                                      "FROM n WHERE i < 100000) SELECT count(*) FROM n",
                                      &n, 1),
                     SQLITE_OK);
    assert_int_equal(n, 100000);
    sqlite3_close(db);
    struct store_restore_info info;
    char err[256] = "";
    assert_int_equal(store_prepare_restore(copy, "backup.sqlite3", 0, &info, err, sizeof err),
                     STORE_ERR_STOPPED);
    assert_string_equal(err, "");
    assert_string_equal(qs(copy,
                           "SELECT count(*) FROM meta WHERE key IN ('backup_made_at', "
                           "'replaced_last_run')",
                           buf, sizeof buf),
                        "0");
}

int main(void) {
    count_subjournal_writes();
#define OWN_NOTES(t)                                                                               \
    { "own notes: " #t, t, setup_own, teardown_own, NULL }
#define BOTH_WAYS(t) cmocka_unit_test_setup_teardown(t, setup, teardown), OWN_NOTES(t)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_load_prepares_its_statements_once, setup, teardown),
        BOTH_WAYS(test_search_index_needs_no_statement_journal),
        BOTH_WAYS(test_search_index_failure_says_why),
        cmocka_unit_test_setup_teardown(test_load_writes_need_no_statement_journal, setup,
                                        teardown),
        BOTH_WAYS(test_renamed_keyword_reaches_the_index),
        BOTH_WAYS(test_each_document_field_reaches_the_index),
        BOTH_WAYS(test_refetch_of_the_same_text_leaves_the_index_alone),
        cmocka_unit_test_setup_teardown(test_open_creates_schema_wal_and_language, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_fails_when_the_switch_to_wal_cannot_be_written,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_cache_is_sized, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_uid_is_random_hex_and_unique, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_language_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oldest_unrefreshed_by_fetch_and_by_copy, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_non_database_is_refused_and_untouched, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_foreign_sqlite_database_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_row_of_an_undone_movie_is_written_again, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_shared_row_with_new_values_is_updated_in_the_same_run,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_upsert_then_replace_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failing_movie_is_undone_with_its_batch, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rollback_discards_the_batch, setup, teardown),
        /* (a connection that fires no trigger cannot be refused by one) */
        cmocka_unit_test_setup_teardown(test_shared_row_refused_fails_its_movie, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parts_are_stored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restoring_replaces_present_parts_only, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_parts_of_two_movies_share_people, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reload_leaves_unchanged_rows_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reload_replaces_what_differs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reload_compares_every_column, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reload_rewrites_changed_keys_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failing_part_leaves_nothing_of_the_movie, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_upsert_clears_deleted_at, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overview_and_parts_read_indexes_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export_reads_indexes_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fresh_ids_give_the_oldest_fetch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_reads_no_document_when_the_view_is_current,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_runs_and_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recent_runs_newest_first_and_stop_early, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_stale_copies_are_noted_and_cleared, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_made_at_the_epoch_is_a_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_copy_older_than_the_stored_one_is_noted, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_failed_fetches_are_noted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_views_read_as_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_rows_know_when_they_changed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_out_of_memory_says_so, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_korean_two_syllables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_splits_on_unicode_spaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_keeps_punctuation_in_its_word, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_search_short_word_snippet_keeps_16_characters_each_side, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_english_ranking_and_case, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_titles_holding_every_word_first, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_search_takes_the_query_literally, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_hits_are_one_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_year_is_one_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_errors_and_no_match, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_out_of_memory_says_so, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_index_follows_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_keeps_parts_the_newer_fetch_lacks, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_merge_of_every_part_moves_the_cursor_on, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_merge_takes_a_later_deletion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_takes_newer_shared_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_notes_a_later_fetch_of_an_older_copy, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_merge_reads_its_input_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_input_of_another_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_input_foreign_or_of_another_language, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_merge_copies_runs_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_updates_a_run_copied_while_running, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_find_gone_counts_and_picks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_count_live_adult_counts_stored_live_adult_ones, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_mark_gone_rolls_back_a_failed_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_replaces_older_search_triggers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_path_starting_with_file_is_a_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dump_since_searches_by_index, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_dump_since_a_run_sends_what_it_wrote_after_the_clock_stepped_back, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_dump_since_a_time_covers_runs_going_on, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_dump_since_a_time_after_the_parts_upgrade_sends_what_changed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shrink_wal_ignores_a_reader_that_holds_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_shrink_wal_does_not_wait_for_readers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backup_is_one_snapshot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backup_stops_when_asked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_first_run_of_a_restored_copy_skips_the_lost_ids, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_dump_next_since_names_a_run_across_the_restore_gap,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_backup_names_the_copy_it_cannot_write, setup,
                                        teardown),
        /* the writes of a load, again on a connection that fires no trigger */
        OWN_NOTES(test_shared_row_of_an_undone_movie_is_written_again),
        OWN_NOTES(test_shared_row_with_new_values_is_updated_in_the_same_run),
        OWN_NOTES(test_upsert_then_replace_links),
        OWN_NOTES(test_failing_movie_is_undone_with_its_batch),
        OWN_NOTES(test_rollback_discards_the_batch),
        OWN_NOTES(test_parts_are_stored),
        OWN_NOTES(test_restoring_replaces_present_parts_only),
        OWN_NOTES(test_parts_of_two_movies_share_people),
        OWN_NOTES(test_reload_leaves_unchanged_rows_alone),
        OWN_NOTES(test_reload_replaces_what_differs),
        OWN_NOTES(test_reload_compares_every_column),
        OWN_NOTES(test_reload_rewrites_changed_keys_only),
        OWN_NOTES(test_failing_part_leaves_nothing_of_the_movie),
        OWN_NOTES(test_upsert_clears_deleted_at),
        OWN_NOTES(test_stale_copies_are_noted_and_cleared),
        OWN_NOTES(test_views_read_as_lists),
        OWN_NOTES(test_shared_rows_know_when_they_changed),
        OWN_NOTES(test_search_korean_two_syllables),
        OWN_NOTES(test_search_english_ranking_and_case),
        OWN_NOTES(test_search_titles_holding_every_word_first),
        OWN_NOTES(test_search_index_follows_writes),
        /* last: the stop is for good */
        cmocka_unit_test_setup_teardown(test_check_of_a_copy_ends_at_a_stop_during_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_check_of_a_copy_ends_at_a_stop, setup, teardown),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
