/* store_parts.c - the appended parts of a movie (credits, keywords,
 * release_dates, external_ids, translations) in their tables; see
 * store_internal.h. Writer thread only, like all of the store. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

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
    /* One row per movie: replaced in place, no delete needed. */
    [PS_UPSERT_EXTERNAL_IDS] =
        "INSERT INTO external_ids (movie_id, imdb_id, wikidata_id, facebook_id, instagram_id, "
        "twitter_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (movie_id) DO UPDATE SET "
        "imdb_id = excluded.imdb_id, wikidata_id = excluded.wikidata_id, facebook_id = "
        "excluded.facebook_id, instagram_id = excluded.instagram_id, twitter_id = "
        "excluded.twitter_id",
    [PS_INSERT_TRANSLATION] =
        "INSERT INTO translations (movie_id, iso_639_1, iso_3166_1, name, english_name, title, "
        "overview, tagline, homepage, runtime) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
        "ON CONFLICT DO NOTHING",
    [PS_DELETE_CAST] = "DELETE FROM movie_cast WHERE movie_id = ?1",
    [PS_DELETE_CREW] = "DELETE FROM movie_crew WHERE movie_id = ?1",
    [PS_DELETE_KEYWORDS] = "DELETE FROM movie_keywords WHERE movie_id = ?1",
    [PS_DELETE_RELEASE_DATES] = "DELETE FROM release_dates WHERE movie_id = ?1",
    [PS_DELETE_TRANSLATIONS] = "DELETE FROM translations WHERE movie_id = ?1",
};

/* Owned by the struct store that points to it; only its thread uses it. */
struct store_parts {
    sqlite3_stmt *stmts[PS_COUNT]; /* prepared at store_open, finalized at store_close */
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

static int write_credits(struct store *s, const struct movie *m) {
    for (size_t i = 0; i < m->n_cast; i++) {
        const struct movie_cast *c = &m->cast[i];
        int rc = write_person(s, &c->person);
        if (rc != SQLITE_OK)
            return rc;
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
    for (size_t i = 0; i < m->n_crew; i++) {
        const struct movie_crew *c = &m->crew[i];
        int rc = write_person(s, &c->person);
        if (rc != SQLITE_OK)
            return rc;
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

static int write_keywords(struct store *s, const struct movie *m) {
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
        struct binder b = bind_begin(s, PS_LINK_KEYWORD);
        bind_int(&b, 1, m->id);
        bind_int(&b, 2, m->keywords[i].id);
        bind_int(&b, 3, (int64_t)i);
        if ((rc = bind_step(&b)) != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

static int write_release_dates(struct store *s, const struct movie *m) {
    for (size_t i = 0; i < m->n_release_dates; i++) {
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

static int write_external_ids(struct store *s, const struct movie *m) {
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

static int write_translations(struct store *s, const struct movie *m) {
    for (size_t i = 0; i < m->n_translations; i++) {
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

/* Each part: the rows it replaces (deleted first when the movie existed)
 * and how its new rows are written. */
static const struct {
    enum movie_part bit;
    enum part_stmt deletes[2];
    size_t n_deletes;
    int (*write)(struct store *s, const struct movie *m);
} parts[] = {
    {MOVIE_PART_CREDITS, {PS_DELETE_CAST, PS_DELETE_CREW}, 2, write_credits},
    {MOVIE_PART_KEYWORDS, {PS_DELETE_KEYWORDS}, 1, write_keywords},
    {MOVIE_PART_RELEASE_DATES, {PS_DELETE_RELEASE_DATES}, 1, write_release_dates},
    {MOVIE_PART_EXTERNAL_IDS, {0}, 0, write_external_ids},
    {MOVIE_PART_TRANSLATIONS, {PS_DELETE_TRANSLATIONS}, 1, write_translations},
};

int store_write_parts(struct store *s, const struct movie *m, bool existed) {
    if (!m->parts)
        return SQLITE_OK;
    if (!s->parts)
        return SQLITE_MISUSE; /* a store opened without its part statements */
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        if (!(m->parts & (unsigned)parts[i].bit))
            continue;
        /* A new movie has no rows to replace; skipping the deletes spares a
         * temporary b-tree each (foreign keys are on), as for the links. */
        for (size_t j = 0; existed && j < parts[i].n_deletes; j++) {
            struct binder b = bind_begin(s, parts[i].deletes[j]);
            bind_int(&b, 1, m->id);
            int rc = bind_step(&b);
            if (rc != SQLITE_OK)
                return rc;
        }
        int rc = parts[i].write(s, m);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}
