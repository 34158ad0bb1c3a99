/* store_movie.c - a movie's own rows: its row in movies, its collection,
 * its links to the shared genres, companies, countries and spoken
 * languages, and (through store_parts.c) its appended parts; the upsert
 * of store.h, store_upsert_movie(). A stored movie's sets of rows are read
 * first and left alone when the body makes them again. See
 * store_internal.h. Writer thread only, like all of the store. */
#include <sqlite3.h>
#include <stdint.h>
#include <string.h>

#include "movie.h"
#include "rowcache.h"
#include "store.h"
#include "store_internal.h"

static int write_collection(struct store *s, const struct movie *m) {
    const struct movie_collection *c = &m->collection;
    uint64_t d = rowcache_digest_text(ROWCACHE_DIGEST_START, c->name);
    d = rowcache_digest_text(rowcache_digest_text(d, c->poster_path), c->backdrop_path);
    struct rowcache_row row = {ROWCACHE_COLLECTION, c->id, NULL, d};
    sqlite3_stmt *st = s->stmts[ST_UPSERT_COLLECTION];
    sqlite3_bind_int64(st, 1, c->id);
    store_bind_text(st, 2, c->name);
    store_bind_text(st, 3, c->poster_path);
    store_bind_text(st, 4, c->backdrop_path);
    return store_upsert_shared(s, st, SQLITE_OK, &row);
}

/* What write_movie_row() needs of a stored movie's row: whether the body
 * keeps its collection, release date and revenue. */
struct movie_row_before {
    bool same_keys;
};

/* The movie's row, its values bound to ?1..?26 of ST_INSERT_MOVIE. */
static void bind_movie(sqlite3_stmt *st, const struct store *s, const struct movie *m,
                       const char *fetched_at, const char *copy_made_at, const char *appended) {
    sqlite3_bind_int64(st, 1, m->id);
    store_bind_text(st, 2, m->imdb_id);
    store_bind_text(st, 3, m->title);
    store_bind_text(st, 4, m->original_title);
    store_bind_text(st, 5, m->original_language);
    store_bind_text(st, 6, m->overview);
    store_bind_text(st, 7, m->tagline);
    store_bind_text(st, 8, m->status);
    store_bind_text(st, 9, m->release_date);
    if (m->has_runtime)
        sqlite3_bind_int64(st, 10, m->runtime);
    sqlite3_bind_int64(st, 11, m->budget);
    sqlite3_bind_int64(st, 12, m->revenue);
    if (m->has_popularity)
        sqlite3_bind_double(st, 13, m->popularity);
    if (m->has_vote_average)
        sqlite3_bind_double(st, 14, m->vote_average);
    if (m->has_vote_count)
        sqlite3_bind_int64(st, 15, m->vote_count);
    sqlite3_bind_int(st, 16, m->adult);
    sqlite3_bind_int(st, 17, m->video);
    store_bind_text(st, 18, m->homepage);
    store_bind_text(st, 19, m->poster_path);
    store_bind_text(st, 20, m->backdrop_path);
    if (m->has_collection)
        sqlite3_bind_int64(st, 21, m->collection.id);
    sqlite3_bind_text(st, 22, m->raw_json, (int)m->raw_len, SQLITE_STATIC);
    store_bind_text(st, 23, s->language);
    store_bind_text(st, 24, fetched_at);
    store_bind_text(st, 25, appended[0] ? appended : NULL);
    store_bind_text(st, 26, copy_made_at);
}

/* Note the movie's search document for rebuilding, as the schema's
 * triggers would have: a new movie always, a stored one when a field of
 * its document changes (called before its row is updated). */
static int note_search(struct store *s, const struct movie *m, bool existed) {
    if (!existed) {
        sqlite3_stmt *st = s->stmts[ST_NOTE_SEARCH];
        sqlite3_bind_int64(st, 1, m->id);
        return store_step_reset(st);
    }
    sqlite3_stmt *st = s->stmts[ST_NOTE_SEARCH_CHANGED];
    sqlite3_bind_int64(st, 1, m->id);
    store_bind_text(st, 2, m->title);
    store_bind_text(st, 3, m->original_title);
    store_bind_text(st, 4, m->overview);
    store_bind_text(st, 5, m->tagline);
    return store_step_reset(st);
}

/* Insert the movie's row, or update it in place when it is stored (`old`:
 * what the stored row holds, when `existed`). */
static int write_movie_row(struct store *s, const struct movie *m, const char *fetched_at,
                           const char *copy_made_at, bool existed,
                           const struct movie_row_before *old) {
    char appended[MOVIE_PARTS_LIST_SIZE];
    movie_parts_list(m->parts, appended, sizeof appended);
    if (s->own_notes) {
        int rc = note_search(s, m, existed);
        if (rc != SQLITE_OK)
            return rc;
    }
    enum stmt k = ST_INSERT_MOVIE;
    if (existed)
        k = old->same_keys ? ST_UPDATE_MOVIE : ST_UPDATE_MOVIE_ALL;
    sqlite3_stmt *st = s->stmts[k];
    bind_movie(st, s, m, fetched_at, copy_made_at, appended);
    return store_step_reset(st);
}

/* Link row: (movie id, key, position), the key an integer or a text. */
static int link_row(struct store *s, enum stmt k, int64_t movie_id, int64_t int_key,
                    const char *text_key, size_t position) {
    sqlite3_stmt *st = s->stmts[k];
    sqlite3_bind_int64(st, 1, movie_id);
    if (text_key)
        sqlite3_bind_text(st, 2, text_key, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(st, 2, int_key);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)position);
    return store_step_reset(st);
}

static int write_genres(struct store *s, const struct movie *m, bool link) {
    for (size_t i = 0; i < m->n_genres; i++) {
        struct rowcache_row row = {ROWCACHE_GENRE, m->genres[i].id, NULL,
                                   rowcache_digest_text(ROWCACHE_DIGEST_START, m->genres[i].name)};
        sqlite3_stmt *st = s->stmts[ST_UPSERT_GENRE];
        sqlite3_bind_int64(st, 1, m->genres[i].id);
        store_bind_text(st, 2, m->genres[i].name);
        int rc = store_upsert_shared(s, st, SQLITE_OK, &row);
        if (rc == SQLITE_OK && link)
            rc = link_row(s, ST_LINK_GENRE, m->id, m->genres[i].id, NULL, i);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

static int write_companies(struct store *s, const struct movie *m, bool link) {
    for (size_t i = 0; i < m->n_companies; i++) {
        const struct movie_company *c = &m->companies[i];
        uint64_t d = rowcache_digest_text(ROWCACHE_DIGEST_START, c->name);
        d = rowcache_digest_text(rowcache_digest_text(d, c->logo_path), c->origin_country);
        struct rowcache_row row = {ROWCACHE_COMPANY, c->id, NULL, d};
        sqlite3_stmt *st = s->stmts[ST_UPSERT_COMPANY];
        sqlite3_bind_int64(st, 1, c->id);
        store_bind_text(st, 2, c->name);
        store_bind_text(st, 3, c->logo_path);
        store_bind_text(st, 4, c->origin_country);
        int rc = store_upsert_shared(s, st, SQLITE_OK, &row);
        if (rc == SQLITE_OK && link)
            rc = link_row(s, ST_LINK_COMPANY, m->id, c->id, NULL, i);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

static int write_countries(struct store *s, const struct movie *m, bool link) {
    for (size_t i = 0; i < m->n_countries; i++) {
        const struct movie_country *c = &m->countries[i];
        struct rowcache_row row = {ROWCACHE_COUNTRY, 0, c->iso_3166_1,
                                   rowcache_digest_text(ROWCACHE_DIGEST_START, c->name)};
        sqlite3_stmt *st = s->stmts[ST_UPSERT_COUNTRY];
        store_bind_text(st, 1, c->iso_3166_1);
        store_bind_text(st, 2, c->name);
        int rc = store_upsert_shared(s, st, SQLITE_OK, &row);
        if (rc == SQLITE_OK && link)
            rc = link_row(s, ST_LINK_COUNTRY, m->id, 0, c->iso_3166_1, i);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

static int write_languages(struct store *s, const struct movie *m, bool link) {
    for (size_t i = 0; i < m->n_languages; i++) {
        const struct movie_language *l = &m->languages[i];
        uint64_t d = rowcache_digest_text(ROWCACHE_DIGEST_START, l->english_name);
        struct rowcache_row row = {ROWCACHE_LANGUAGE, 0, l->iso_639_1,
                                   rowcache_digest_text(d, l->name)};
        sqlite3_stmt *st = s->stmts[ST_UPSERT_LANGUAGE];
        store_bind_text(st, 1, l->iso_639_1);
        store_bind_text(st, 2, l->english_name);
        store_bind_text(st, 3, l->name);
        int rc = store_upsert_shared(s, st, SQLITE_OK, &row);
        if (rc == SQLITE_OK && link)
            rc = link_row(s, ST_LINK_LANGUAGE, m->id, 0, l->iso_639_1, i);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

/* Whether movie m is already stored: sets *exists, and *old when it is;
 * SQLITE_OK or an error. */
static int movie_exists(struct store *s, const struct movie *m, bool *exists,
                        struct movie_row_before *old) {
    sqlite3_stmt *st = s->stmts[ST_MOVIE_EXISTS];
    sqlite3_bind_int64(st, 1, m->id);
    int rc = sqlite3_step(st);
    *exists = rc == SQLITE_ROW;
    if (*exists)
        old->same_keys = store_column_is_int(st, 0, m->has_collection, m->collection.id) &&
                         store_column_is_text(st, 1, m->release_date) &&
                         store_column_is_int(st, 2, true, m->revenue);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int store_links_same(sqlite3_stmt *read, const struct movie *m, size_t n,
                     bool (*row_is)(sqlite3_stmt *row, const struct movie *m, size_t i),
                     bool *same) {
    /* Each stored row must hold item p's key at its position p. Rows have
     * distinct keys, so no two map to one position, and n of them map onto
     * all n positions. */
    size_t rows = 0;
    bool all = true;
    int rc = sqlite3_bind_int64(read, 1, m->id);
    while (rc == SQLITE_OK && (rc = sqlite3_step(read)) == SQLITE_ROW) {
        bool integer = sqlite3_column_type(read, 1) == SQLITE_INTEGER;
        sqlite3_int64 p = sqlite3_column_int64(read, 1);
        rows++;
        rc = SQLITE_OK;
        if (!integer || p < 0 || (uint64_t)p >= n || !row_is(read, m, (size_t)p)) {
            all = false;
            break;
        }
    }
    sqlite3_reset(read);
    sqlite3_clear_bindings(read);
    *same = all && rows == n;
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

bool store_column_is_int(sqlite3_stmt *row, int col, bool has, int64_t v) {
    if (!has)
        return sqlite3_column_type(row, col) == SQLITE_NULL;
    return sqlite3_column_type(row, col) == SQLITE_INTEGER && sqlite3_column_int64(row, col) == v;
}

bool store_column_is_text(sqlite3_stmt *row, int col, const char *v) {
    if (!v)
        return sqlite3_column_type(row, col) == SQLITE_NULL;
    const unsigned char *t = sqlite3_column_text(row, col);
    size_t n = strlen(v); /* all of the stored text: it may hold a NUL (SQL by hand) */
    return t && (size_t)sqlite3_column_bytes(row, col) == n && memcmp(t, v, n) == 0;
}

/* Whether a link row's key (column 0) is item i's, in each list. */
static bool genre_is(sqlite3_stmt *row, const struct movie *m, size_t i) {
    return store_column_is_int(row, 0, true, m->genres[i].id);
}

static bool company_is(sqlite3_stmt *row, const struct movie *m, size_t i) {
    return store_column_is_int(row, 0, true, m->companies[i].id);
}

static bool country_is(sqlite3_stmt *row, const struct movie *m, size_t i) {
    return m->countries[i].iso_3166_1 && store_column_is_text(row, 0, m->countries[i].iso_3166_1);
}

static bool language_is(sqlite3_stmt *row, const struct movie *m, size_t i) {
    return m->languages[i].iso_639_1 && store_column_is_text(row, 0, m->languages[i].iso_639_1);
}

/* Whether each list's stored links are those the body makes. */
static int genres_same(struct store *s, const struct movie *m, bool *same) {
    return store_links_same(s->stmts[ST_GENRE_LINKS], m, m->n_genres, genre_is, same);
}

static int companies_same(struct store *s, const struct movie *m, bool *same) {
    return store_links_same(s->stmts[ST_COMPANY_LINKS], m, m->n_companies, company_is, same);
}

static int countries_same(struct store *s, const struct movie *m, bool *same) {
    return store_links_same(s->stmts[ST_COUNTRY_LINKS], m, m->n_countries, country_is, same);
}

static int languages_same(struct store *s, const struct movie *m, bool *same) {
    return store_links_same(s->stmts[ST_LANGUAGE_LINKS], m, m->n_languages, language_is, same);
}

/* A body's lists that link the movie to shared rows: how the links stored
 * are compared, deleted, and written (store_replace_rows()). */
static const struct {
    int (*same)(struct store *s, const struct movie *m, bool *same);
    enum stmt clear;
    int (*write)(struct store *s, const struct movie *m, bool link);
} link_lists[] = {
    {genres_same, ST_DELETE_GENRES, write_genres},
    {companies_same, ST_DELETE_COMPANIES, write_companies},
    {countries_same, ST_DELETE_COUNTRIES, write_countries},
    {languages_same, ST_DELETE_LANGUAGES, write_languages},
};

int store_replace_rows(struct store *s, const struct movie *m, bool existed,
                       int (*same)(struct store *s, const struct movie *m, bool *same),
                       sqlite3_stmt *clear,
                       int (*write)(struct store *s, const struct movie *m, bool rows)) {
    /* A new movie has no rows to replace. A stored one keeps those its
     * body makes again, as it nearly always does: reading them costs far
     * less than replacing them (with foreign keys on, each DELETE builds a
     * temporary b-tree and each INSERT looks up both parents). */
    bool kept = false;
    int rc = SQLITE_OK;
    if (existed && same)
        rc = same(s, m, &kept);
    if (rc == SQLITE_OK && existed && !kept && clear) {
        rc = sqlite3_bind_int64(clear, 1, m->id);
        if (rc == SQLITE_OK)
            rc = store_step_reset(clear);
        else
            sqlite3_reset(clear);
    }
    return rc == SQLITE_OK ? write(s, m, !kept) : rc;
}

/* The movie and its links; SQLITE_OK or the first error. */
static int write_all(struct store *s, const struct movie *m, const char *fetched_at,
                     const char *copy_made_at) {
    bool existed = false;
    struct movie_row_before old = {false};
    int rc = movie_exists(s, m, &existed, &old);
    if (rc == SQLITE_OK && m->has_collection)
        rc = write_collection(s, m);
    if (rc == SQLITE_OK)
        rc = write_movie_row(s, m, fetched_at, copy_made_at, existed, &old);
    for (size_t i = 0; rc == SQLITE_OK && i < sizeof link_lists / sizeof *link_lists; i++)
        rc = store_replace_rows(s, m, existed, link_lists[i].same, s->stmts[link_lists[i].clear],
                                link_lists[i].write);
    if (rc == SQLITE_OK)
        rc = store_write_parts(s, m, existed, fetched_at);
    return rc;
}

enum store_status store_upsert_movie(struct store *s, const struct movie *m, const char *fetched_at,
                                     const char *copy_made_at) {
    if (write_all(s, m, store_run_time(s, fetched_at), copy_made_at) == SQLITE_OK)
        return STORE_OK;
    return store_fail(s, "upsert movie %lld", (long long)m->id);
}
