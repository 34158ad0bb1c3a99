/* store_parts.c - the appended parts of a movie (credits, keywords,
 * release_dates, external_ids, translations) in their tables; see
 * store_internal.h. Writer thread only, like all of the store. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "movie.h"
#include "store_internal.h"

enum part_stmt {
    PS_UPSERT_PERSON,
    PS_INSERT_CAST,
    PS_INSERT_CREW,
    PS_UPSERT_KEYWORD,
    PS_NOTE_KEYWORD_MOVIES,
    PS_LINK_KEYWORD,
    PS_INSERT_RELEASE_DATE,
    PS_UPSERT_EXTERNAL_IDS,
    PS_INSERT_TRANSLATION,
    PS_DELETE_CAST,
    PS_DELETE_CREW,
    PS_DELETE_KEYWORDS,
    PS_DELETE_RELEASE_DATES,
    PS_DELETE_TRANSLATIONS,
    PS_CAST_ROWS,
    PS_CREW_ROWS,
    PS_KEYWORD_LINKS,
    PS_RELEASE_DATE_ROWS,
    PS_TRANSLATION_ROWS,
    PS_NOTE_PART_FETCH,
    PS_COUNT,
};

/* A body naming the same credit, keyword, (country, position) or
 * translation twice keeps the first: DO NOTHING on the row's key. People
 * and keywords are shared by movies and take the latest description. */
static const char *const part_sql[PS_COUNT] = {
    [PS_UPSERT_PERSON] =
        "INSERT INTO people (id, name, original_name, gender, known_for_department, "
        "profile_path, adult, popularity, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
        "?8, " STORE_NOW_SQL
        ") ON CONFLICT (id) DO UPDATE SET name = excluded.name, original_name = "
        "excluded.original_name, gender = excluded.gender, known_for_department = "
        "excluded.known_for_department, profile_path = excluded.profile_path, adult = "
        "excluded.adult, popularity = excluded.popularity, updated_at = excluded.updated_at "
        "WHERE (name, original_name, gender, known_for_department, profile_path, adult, "
        "popularity) IS NOT (excluded.name, excluded.original_name, excluded.gender, "
        "excluded.known_for_department, excluded.profile_path, excluded.adult, "
        "excluded.popularity)",
    [PS_INSERT_CAST] = "INSERT INTO movie_cast (movie_id, credit_id, person_id, character, "
                       "cast_order, cast_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                       "ON CONFLICT DO NOTHING",
    [PS_INSERT_CREW] = "INSERT INTO movie_crew (movie_id, credit_id, person_id, department, job) "
                       "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
    [PS_UPSERT_KEYWORD] =
        "INSERT INTO keywords (id, name, updated_at) VALUES (?1, ?2, " STORE_NOW_SQL
        ") ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
        "updated_at = excluded.updated_at "
        "WHERE name IS NOT excluded.name",
    /* A renamed keyword's movies, for a connection that fires no trigger
     * (keywords_fts_update; store_open_for_load()). */
    [PS_NOTE_KEYWORD_MOVIES] = "INSERT INTO fts_pending (movie_id) SELECT movie_id FROM "
                               "movie_keywords WHERE keyword_id = ?1 ON CONFLICT DO NOTHING",
    [PS_LINK_KEYWORD] = "INSERT INTO movie_keywords (movie_id, keyword_id, position) "
                        "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
    [PS_INSERT_RELEASE_DATE] =
        "INSERT INTO release_dates (movie_id, iso_3166_1, position, release_date, type, "
        "certification, iso_639_1, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
        "ON CONFLICT DO NOTHING",
    /* One row per movie: replaced in place, no delete needed, and left
     * alone when the same. */
    [PS_UPSERT_EXTERNAL_IDS] =
        "INSERT INTO external_ids (movie_id, imdb_id, wikidata_id, facebook_id, instagram_id, "
        "twitter_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (movie_id) DO UPDATE SET "
        "imdb_id = excluded.imdb_id, wikidata_id = excluded.wikidata_id, facebook_id = "
        "excluded.facebook_id, instagram_id = excluded.instagram_id, twitter_id = "
        "excluded.twitter_id WHERE (imdb_id, wikidata_id, facebook_id, instagram_id, "
        "twitter_id) IS NOT (excluded.imdb_id, excluded.wikidata_id, excluded.facebook_id, "
        "excluded.instagram_id, excluded.twitter_id)",
    [PS_INSERT_TRANSLATION] =
        "INSERT INTO translations (movie_id, iso_639_1, iso_3166_1, name, english_name, title, "
        "overview, tagline, homepage, runtime) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
        "ON CONFLICT DO NOTHING",
    [PS_DELETE_CAST] = "DELETE FROM movie_cast WHERE movie_id = ?1",
    [PS_DELETE_CREW] = "DELETE FROM movie_crew WHERE movie_id = ?1",
    [PS_DELETE_KEYWORDS] = "DELETE FROM movie_keywords WHERE movie_id = ?1",
    [PS_DELETE_RELEASE_DATES] = "DELETE FROM release_dates WHERE movie_id = ?1",
    [PS_DELETE_TRANSLATIONS] = "DELETE FROM translations WHERE movie_id = ?1",
    /* A stored movie's rows, to compare with its body's: keyed by position
     * (store_links_same()), or in the order of their key (rows_same()). */
    [PS_CAST_ROWS] = "SELECT credit_id, person_id, character, cast_order, cast_id FROM movie_cast "
                     "WHERE movie_id = ?1 ORDER BY credit_id",
    [PS_CREW_ROWS] = "SELECT credit_id, person_id, department, job FROM movie_crew "
                     "WHERE movie_id = ?1 ORDER BY credit_id",
    [PS_KEYWORD_LINKS] = "SELECT keyword_id, position FROM movie_keywords WHERE movie_id = ?1",
    [PS_RELEASE_DATE_ROWS] = "SELECT iso_3166_1, position, release_date, type, certification, "
                             "iso_639_1, note FROM release_dates WHERE movie_id = ?1",
    [PS_TRANSLATION_ROWS] =
        "SELECT iso_639_1, iso_3166_1, name, english_name, title, overview, tagline, homepage, "
        "runtime FROM translations WHERE movie_id = ?1 ORDER BY iso_639_1, iso_3166_1",
    /* The fetch a part's rows came from (movie_parts), which merge compares. */
    [PS_NOTE_PART_FETCH] =
        "INSERT INTO movie_parts (movie_id, part, fetched_at) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (movie_id, part) DO UPDATE SET fetched_at = "
        "excluded.fetched_at",
};

/* Owned by the struct store that points to it; only its thread uses it. */
struct store_parts {
    sqlite3_stmt *stmts[PS_COUNT]; /* prepared at store_open, finalized at store_close */
    const void **order;            /* rows_same()'s items in key order; grown, kept */
    size_t order_cap;
};

enum store_status store_parts_prepare(struct store *s) {
    if (!(s->parts = calloc(1, sizeof *s->parts))) {
        snprintf(s->errmsg, sizeof s->errmsg, "%s: out of memory", s->path);
        return STORE_ERR_NOMEM;
    }
    for (int i = 0; i < PS_COUNT; i++)
        if (sqlite3_prepare_v3(s->db, part_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                               &s->parts->stmts[i], NULL) != SQLITE_OK)
            return store_fail(s, "prepare appended-part statement %d", i);
    return STORE_OK;
}

void store_parts_finalize(struct store *s) {
    if (!s->parts)
        return;
    for (int i = 0; i < PS_COUNT; i++)
        sqlite3_finalize(s->parts->stmts[i]);
    free(s->parts->order);
    free(s->parts);
    s->parts = NULL;
}

/* Binds the parameters of one statement and keeps the first failure, so a
 * row is bound field by field and checked once, at the step. */
struct binder {
    sqlite3_stmt *st;
    int rc;
};

static struct binder bind_begin(struct store *s, enum part_stmt k) {
    struct binder b = {s->parts->stmts[k], SQLITE_OK};
    return b;
}

static void bind_int(struct binder *b, int i, int64_t v) {
    if (b->rc == SQLITE_OK)
        b->rc = sqlite3_bind_int64(b->st, i, v);
}

/* An integer, or NULL when the body had none. */
static void bind_opt_int(struct binder *b, int i, bool has, int64_t v) {
    if (b->rc == SQLITE_OK)
        b->rc = has ? sqlite3_bind_int64(b->st, i, v) : sqlite3_bind_null(b->st, i);
}

static void bind_opt_double(struct binder *b, int i, bool has, double v) {
    if (b->rc == SQLITE_OK)
        b->rc = has ? sqlite3_bind_double(b->st, i, v) : sqlite3_bind_null(b->st, i);
}

/* A string borrowed from the movie (it outlives the step), or NULL. */
static void bind_text(struct binder *b, int i, const char *v) {
    if (b->rc == SQLITE_OK)
        b->rc = v ? sqlite3_bind_text(b->st, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(b->st, i);
}

/* Step the bound statement (or give up on a failed bind); SQLITE_OK or the error. */
static int bind_step(struct binder *b) {
    if (b->rc != SQLITE_OK) {
        sqlite3_reset(b->st);
        sqlite3_clear_bindings(b->st);
        return b->rc;
    }
    return store_step_reset(b->st);
}

static int write_person(struct store *s, const struct movie_person *p) {
    uint64_t d = rowcache_digest_text(ROWCACHE_DIGEST_START, p->name);
    d = rowcache_digest_text(d, p->original_name);
    d = rowcache_digest_int(d, p->has_gender, p->gender);
    d = rowcache_digest_text(d, p->known_for_department);
    d = rowcache_digest_text(d, p->profile_path);
    d = rowcache_digest_int(d, true, p->adult);
    d = rowcache_digest_double(d, p->has_popularity, p->popularity);
    struct rowcache_row row = {ROWCACHE_PERSON, p->id, NULL, d};
    struct binder b = bind_begin(s, PS_UPSERT_PERSON);
    bind_int(&b, 1, p->id);
    bind_text(&b, 2, p->name);
    bind_text(&b, 3, p->original_name);
    bind_opt_int(&b, 4, p->has_gender, p->gender);
    bind_text(&b, 5, p->known_for_department);
    bind_text(&b, 6, p->profile_path);
    bind_int(&b, 7, p->adult);
    bind_opt_double(&b, 8, p->has_popularity, p->popularity);
    return store_upsert_shared(s, b.st, b.rc, &row);
}

/* rows_same()'s order of items, the order of the rows' keys in SQLite
 * (BINARY: strcmp()'s); a NULL key (which the insert refuses) first. */
static int key_cmp(const char *a, const char *b) {
    return !a || !b ? (a != NULL) - (b != NULL) : strcmp(a, b);
}

/* Whether the rows stored for movie `m` in a table keyed by values of its
 * items (the credits, the translations) are exactly those its body's list
 * of `n` items makes. The items (`size` bytes each from `items`), sorted
 * by `cmp` (qsort()'s, on pointers to them) into the order in which `read`
 * returns the stored rows, must each find a row holding what it writes
 * (row_is). Sets *same; returns SQLITE_OK or the error. Items of equal
 * keys never compare the same (the first is stored), so they are written
 * again; so are the items when there is no memory to sort them. */
static int rows_same(struct store *s, const struct movie *m, enum part_stmt read, const void *items,
                     size_t n, size_t size, int (*cmp)(const void *, const void *),
                     bool (*row_is)(sqlite3_stmt *row, const void *item), bool *same) {
    struct store_parts *p = s->parts;
    *same = false;
    if (n > p->order_cap) {
        const void **grown = realloc(p->order, n * sizeof *grown);
        if (!grown)
            return SQLITE_OK; /* not compared: written again, as without the check */
        p->order = grown;
        p->order_cap = n;
    }
    for (size_t i = 0; i < n; i++)
        p->order[i] = (const char *)items + i * size;
    if (n > 1)
        qsort(p->order, n, sizeof *p->order, cmp);
    for (size_t i = 1; i < n; i++)
        if (cmp(&p->order[i - 1], &p->order[i]) == 0)
            return SQLITE_OK;
    sqlite3_stmt *st = p->stmts[read];
    size_t rows = 0;
    bool all = true;
    int rc = sqlite3_bind_int64(st, 1, m->id);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        rc = SQLITE_OK;
        if (rows == n || !row_is(st, p->order[rows])) {
            all = false;
            break;
        }
        rows++;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    *same = all && rows == n;
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int cast_cmp(const void *a, const void *b) {
    return key_cmp((*(const struct movie_cast *const *)a)->credit_id,
                   (*(const struct movie_cast *const *)b)->credit_id);
}

static bool cast_row_is(sqlite3_stmt *row, const void *item) {
    const struct movie_cast *c = item;
    return store_column_is_text(row, 0, c->credit_id) &&
           store_column_is_int(row, 1, true, c->person.id) &&
           store_column_is_text(row, 2, c->character) &&
           store_column_is_int(row, 3, c->has_order, c->order) &&
           store_column_is_int(row, 4, c->has_cast_id, c->cast_id);
}

static int cast_same(struct store *s, const struct movie *m, bool *same) {
    return rows_same(s, m, PS_CAST_ROWS, m->cast, m->n_cast, sizeof *m->cast, cast_cmp, cast_row_is,
                     same);
}

static int crew_cmp(const void *a, const void *b) {
    return key_cmp((*(const struct movie_crew *const *)a)->credit_id,
                   (*(const struct movie_crew *const *)b)->credit_id);
}

static bool crew_row_is(sqlite3_stmt *row, const void *item) {
    const struct movie_crew *c = item;
    return store_column_is_text(row, 0, c->credit_id) &&
           store_column_is_int(row, 1, true, c->person.id) &&
           store_column_is_text(row, 2, c->department) && store_column_is_text(row, 3, c->job);
}

static int crew_same(struct store *s, const struct movie *m, bool *same) {
    return rows_same(s, m, PS_CREW_ROWS, m->crew, m->n_crew, sizeof *m->crew, crew_cmp, crew_row_is,
                     same);
}

static bool keyword_is(sqlite3_stmt *row, const struct movie *m, size_t i) {
    return store_column_is_int(row, 0, true, m->keywords[i].id);
}

static int keywords_same(struct store *s, const struct movie *m, bool *same) {
    return store_links_same(s->parts->stmts[PS_KEYWORD_LINKS], m, m->n_keywords, keyword_is, same);
}

static bool release_date_is(sqlite3_stmt *row, const struct movie *m, size_t i) {
    const struct movie_release_date *d = &m->release_dates[i];
    return d->position == i && d->iso_3166_1 && store_column_is_text(row, 0, d->iso_3166_1) &&
           store_column_is_text(row, 2, d->release_date) &&
           store_column_is_int(row, 3, d->has_type, d->type) &&
           store_column_is_text(row, 4, d->certification) &&
           store_column_is_text(row, 5, d->iso_639_1) && store_column_is_text(row, 6, d->note);
}

static int release_dates_same(struct store *s, const struct movie *m, bool *same) {
    return store_links_same(s->parts->stmts[PS_RELEASE_DATE_ROWS], m, m->n_release_dates,
                            release_date_is, same);
}

static int translation_cmp(const void *a, const void *b) {
    const struct movie_translation *x = *(const struct movie_translation *const *)a;
    const struct movie_translation *y = *(const struct movie_translation *const *)b;
    int c = key_cmp(x->iso_639_1, y->iso_639_1);
    return c ? c : key_cmp(x->iso_3166_1, y->iso_3166_1);
}

static bool translation_row_is(sqlite3_stmt *row, const void *item) {
    const struct movie_translation *t = item;
    return store_column_is_text(row, 0, t->iso_639_1) &&
           store_column_is_text(row, 1, t->iso_3166_1) && store_column_is_text(row, 2, t->name) &&
           store_column_is_text(row, 3, t->english_name) &&
           store_column_is_text(row, 4, t->title) && store_column_is_text(row, 5, t->overview) &&
           store_column_is_text(row, 6, t->tagline) && store_column_is_text(row, 7, t->homepage) &&
           store_column_is_int(row, 8, t->has_runtime, t->runtime);
}

static int translations_same(struct store *s, const struct movie *m, bool *same) {
    return rows_same(s, m, PS_TRANSLATION_ROWS, m->translations, m->n_translations,
                     sizeof *m->translations, translation_cmp, translation_row_is, same);
}

/* Each part's writing: the shared rows it names (people, keywords) always,
 * the movie's own rows when `rows`. */
static int write_cast(struct store *s, const struct movie *m, bool rows) {
    for (size_t i = 0; i < m->n_cast; i++) {
        const struct movie_cast *c = &m->cast[i];
        int rc = write_person(s, &c->person);
        if (rc != SQLITE_OK)
            return rc;
        if (!rows)
            continue;
        struct binder b = bind_begin(s, PS_INSERT_CAST);
        bind_int(&b, 1, m->id);
        bind_text(&b, 2, c->credit_id);
        bind_int(&b, 3, c->person.id);
        bind_text(&b, 4, c->character);
        bind_opt_int(&b, 5, c->has_order, c->order);
        bind_opt_int(&b, 6, c->has_cast_id, c->cast_id);
        if ((rc = bind_step(&b)) != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

static int write_crew(struct store *s, const struct movie *m, bool rows) {
    for (size_t i = 0; i < m->n_crew; i++) {
        const struct movie_crew *c = &m->crew[i];
        int rc = write_person(s, &c->person);
        if (rc != SQLITE_OK)
            return rc;
        if (!rows)
            continue;
        struct binder b = bind_begin(s, PS_INSERT_CREW);
        bind_int(&b, 1, m->id);
        bind_text(&b, 2, c->credit_id);
        bind_int(&b, 3, c->person.id);
        bind_text(&b, 4, c->department);
        bind_text(&b, 5, c->job);
        if ((rc = bind_step(&b)) != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

static int write_keywords(struct store *s, const struct movie *m, bool rows) {
    if (rows && s->own_notes) {
        /* its keyword rows are written: its document changes
         * (movie_keywords_fts_insert, _delete) */
        sqlite3_stmt *st = s->stmts[ST_NOTE_SEARCH];
        sqlite3_bind_int64(st, 1, m->id);
        int rc = store_step_reset(st);
        if (rc != SQLITE_OK)
            return rc;
    }
    for (size_t i = 0; i < m->n_keywords; i++) {
        struct rowcache_row row = {
            ROWCACHE_KEYWORD, m->keywords[i].id, NULL,
            rowcache_digest_text(ROWCACHE_DIGEST_START, m->keywords[i].name)};
        struct binder up = bind_begin(s, PS_UPSERT_KEYWORD);
        bind_int(&up, 1, m->keywords[i].id);
        bind_text(&up, 2, m->keywords[i].name);
        bool changed = false;
        int rc = store_upsert_shared_changed(s, up.st, up.rc, &row, &changed);
        if (rc == SQLITE_OK && changed && s->own_notes) {
            /* inserted or renamed: only a renamed one has movies to note */
            struct binder note = bind_begin(s, PS_NOTE_KEYWORD_MOVIES);
            bind_int(&note, 1, m->keywords[i].id);
            rc = bind_step(&note);
        }
        if (rc != SQLITE_OK)
            return rc;
        if (!rows)
            continue;
        struct binder b = bind_begin(s, PS_LINK_KEYWORD);
        bind_int(&b, 1, m->id);
        bind_int(&b, 2, m->keywords[i].id);
        bind_int(&b, 3, (int64_t)i);
        if ((rc = bind_step(&b)) != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

static int write_release_dates(struct store *s, const struct movie *m, bool rows) {
    for (size_t i = 0; rows && i < m->n_release_dates; i++) {
        const struct movie_release_date *d = &m->release_dates[i];
        struct binder b = bind_begin(s, PS_INSERT_RELEASE_DATE);
        bind_int(&b, 1, m->id);
        bind_text(&b, 2, d->iso_3166_1);
        bind_int(&b, 3, (int64_t)d->position);
        bind_text(&b, 4, d->release_date);
        bind_opt_int(&b, 5, d->has_type, d->type);
        bind_text(&b, 6, d->certification);
        bind_text(&b, 7, d->iso_639_1);
        bind_text(&b, 8, d->note);
        int rc = bind_step(&b);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

/* One row, upserted whatever `rows` (its WHERE keeps an unchanged row). */
static int write_external_ids(struct store *s, const struct movie *m, bool rows) {
    (void)rows;
    const struct movie_external_ids *x = &m->external_ids;
    struct binder b = bind_begin(s, PS_UPSERT_EXTERNAL_IDS);
    bind_int(&b, 1, m->id);
    bind_text(&b, 2, x->imdb_id);
    bind_text(&b, 3, x->wikidata_id);
    bind_text(&b, 4, x->facebook_id);
    bind_text(&b, 5, x->instagram_id);
    bind_text(&b, 6, x->twitter_id);
    return bind_step(&b);
}

static int write_translations(struct store *s, const struct movie *m, bool rows) {
    for (size_t i = 0; rows && i < m->n_translations; i++) {
        const struct movie_translation *t = &m->translations[i];
        struct binder b = bind_begin(s, PS_INSERT_TRANSLATION);
        bind_int(&b, 1, m->id);
        bind_text(&b, 2, t->iso_639_1);
        bind_text(&b, 3, t->iso_3166_1);
        bind_text(&b, 4, t->name);
        bind_text(&b, 5, t->english_name);
        bind_text(&b, 6, t->title);
        bind_text(&b, 7, t->overview);
        bind_text(&b, 8, t->tagline);
        bind_text(&b, 9, t->homepage);
        bind_opt_int(&b, 10, t->has_runtime, t->runtime);
        int rc = bind_step(&b);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

/* Each table of a part: how its stored rows are compared with the body's
 * (NULL: never, the row is upserted in place), deleted (PS_COUNT: never),
 * and written. */
static const struct {
    enum movie_part bit;
    int (*same)(struct store *s, const struct movie *m, bool *same);
    enum part_stmt clear;
    int (*write)(struct store *s, const struct movie *m, bool rows);
} parts[] = {
    {MOVIE_PART_CREDITS, cast_same, PS_DELETE_CAST, write_cast},
    {MOVIE_PART_CREDITS, crew_same, PS_DELETE_CREW, write_crew},
    {MOVIE_PART_KEYWORDS, keywords_same, PS_DELETE_KEYWORDS, write_keywords},
    {MOVIE_PART_RELEASE_DATES, release_dates_same, PS_DELETE_RELEASE_DATES, write_release_dates},
    {MOVIE_PART_EXTERNAL_IDS, NULL, PS_COUNT, write_external_ids},
    {MOVIE_PART_TRANSLATIONS, translations_same, PS_DELETE_TRANSLATIONS, write_translations},
};

/* Each part the body carried, with the time of this fetch (movie_parts). */
static int note_part_fetches(struct store *s, const struct movie *m, const char *fetched_at) {
    for (unsigned bit = 1; bit && bit <= m->parts; bit <<= 1) {
        if (!(m->parts & bit))
            continue;
        char name[MOVIE_PARTS_LIST_SIZE];
        struct binder b = bind_begin(s, PS_NOTE_PART_FETCH);
        bind_int(&b, 1, m->id);
        bind_text(&b, 2, movie_parts_list(bit, name, sizeof name));
        bind_text(&b, 3, fetched_at);
        int rc = bind_step(&b);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

int store_write_parts(struct store *s, const struct movie *m, bool existed,
                      const char *fetched_at) {
    if (!m->parts)
        return SQLITE_OK;
    if (!s->parts)
        return SQLITE_MISUSE; /* a store opened without its part statements */
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        if (!(m->parts & (unsigned)parts[i].bit))
            continue;
        sqlite3_stmt *clear = parts[i].clear == PS_COUNT ? NULL : s->parts->stmts[parts[i].clear];
        int rc = store_replace_rows(s, m, existed, parts[i].same, clear, parts[i].write);
        if (rc != SQLITE_OK)
            return rc;
    }
    return note_part_fetches(s, m, fetched_at);
}
