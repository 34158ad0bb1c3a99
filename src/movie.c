/* movie.c - see movie.h. */
#include "movie.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "json.h"
#include "movie_internal.h"

/* The first block of a movie's arena: bodies beyond a few hundred KiB
 * (credits of a long series) grow it by doubling instead. */
#define ARENA_FIRST_LIMIT (1024 * 1024)

enum movie_status movie_shape(struct movie_parse *p, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->reason, p->reason_size, fmt, ap);
    va_end(ap);
    return MOVIE_ERR_SHAPE;
}

void movie_parse_enter(struct movie_parse *p, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->where, sizeof p->where, fmt, ap);
    va_end(ap);
}

void movie_parse_top(struct movie_parse *p) {
    p->where[0] = '\0';
}

/* A shape error about member `key` of the object at p->where. */
static enum movie_status field_error(struct movie_parse *p, const char *key, const char *what) {
    return movie_shape(p, "%s%s%s %s", p->where, p->where[0] ? "." : "", key, what);
}

static uint32_t key_hash(const char *key) {
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *c = (const unsigned char *)key; *c; c++)
        h = (h ^ *c) * 16777619u;
    return h;
}

/* The slot of p->index that holds the member named `name`, or the empty
 * one where it would go (probing linearly from its hash). */
static const cJSON **slot_of(struct movie_parse *p, const char *name) {
    for (uint32_t i = key_hash(name);; i++) {
        const cJSON **slot = &p->index[i & (MOVIE_INDEX_SLOTS - 1)];
        if (!*slot || strcmp((*slot)->string, name) == 0)
            return slot;
    }
}

/* Index p->top's members: the first member of each name keeps its slot,
 * as cJSON_GetObjectItemCaseSensitive() finds the first. */
static void build_index(struct movie_parse *p) {
    size_t n = 0;
    for (const cJSON *c = p->top->child; c; c = c->next)
        if (++n > MOVIE_INDEX_MAX || !c->string) {
            p->index_state = -1;
            return;
        }
    for (const cJSON *c = p->top->child; c; c = c->next) {
        const cJSON **slot = slot_of(p, c->string);
        if (!*slot)
            *slot = c;
    }
    p->index_state = 1;
}

/* Member `key` of `obj`, or NULL: cJSON_GetObjectItemCaseSensitive(),
 * through the index when `obj` is the top-level object. */
static const cJSON *member(struct movie_parse *p, const cJSON *obj, const char *key) {
    if (obj && obj == p->top && p->index_state == 0)
        build_index(p);
    if (!obj || obj != p->top || p->index_state < 0)
        return cJSON_GetObjectItemCaseSensitive(obj, key);
    return *slot_of(p, key);
}

enum movie_status movie_get_string(struct movie_parse *p, const cJSON *obj, const char *key,
                                   const char **out) {
    const cJSON *item = member(p, obj, key);
    *out = NULL;
    if (!item || cJSON_IsNull(item))
        return MOVIE_OK;
    if (!cJSON_IsString(item))
        return field_error(p, key, "is not a string");
    if (item->valuestring[0])
        *out = item->valuestring;
    return MOVIE_OK;
}

enum movie_status movie_get_int(struct movie_parse *p, const cJSON *obj, const char *key,
                                int64_t *out, bool *present) {
    const cJSON *item = member(p, obj, key);
    *out = 0;
    if (present)
        *present = false;
    if (!item || cJSON_IsNull(item))
        return MOVIE_OK;
    if (!json_int64(item, out))
        return field_error(p, key, "is not an integer");
    if (present)
        *present = true;
    return MOVIE_OK;
}

enum movie_status movie_get_double(struct movie_parse *p, const cJSON *obj, const char *key,
                                   double *out, bool *present) {
    const cJSON *item = member(p, obj, key);
    *out = 0;
    if (present)
        *present = false;
    if (!item || cJSON_IsNull(item))
        return MOVIE_OK;
    if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble))
        return field_error(p, key, "is not a number");
    *out = item->valuedouble;
    if (present)
        *present = true;
    return MOVIE_OK;
}

enum movie_status movie_get_bool(struct movie_parse *p, const cJSON *obj, const char *key,
                                 bool *out) {
    const cJSON *item = member(p, obj, key);
    *out = false;
    if (!item || cJSON_IsNull(item))
        return MOVIE_OK;
    if (!cJSON_IsBool(item))
        return field_error(p, key, "is not a boolean");
    *out = cJSON_IsTrue(item);
    return MOVIE_OK;
}

enum movie_status movie_get_object(struct movie_parse *p, const cJSON *obj, const char *key,
                                   const cJSON **out) {
    const cJSON *item = member(p, obj, key);
    *out = NULL;
    if (!item || cJSON_IsNull(item))
        return MOVIE_OK;
    if (!cJSON_IsObject(item))
        return field_error(p, key, "is not an object");
    *out = item;
    return MOVIE_OK;
}

enum movie_status movie_get_array(struct movie_parse *p, const cJSON *obj, const char *key,
                                  const cJSON **arr, size_t *n) {
    const cJSON *item = member(p, obj, key);
    *arr = NULL;
    *n = 0;
    if (!item || cJSON_IsNull(item))
        return MOVIE_OK;
    if (!cJSON_IsArray(item))
        return field_error(p, key, "is not an array");
    const cJSON *el;
    cJSON_ArrayForEach(el, item) {
        if (!cJSON_IsObject(el))
            return movie_shape(p, "%s%s%s[%zu] is not an object", p->where, p->where[0] ? "." : "",
                               key, *n);
        (*n)++;
    }
    *arr = item;
    return MOVIE_OK;
}

enum movie_status movie_required_int(struct movie_parse *p, const cJSON *obj, const char *key,
                                     int64_t *out) {
    bool present;
    MOVIE_TRY(movie_get_int(p, obj, key, out, &present));
    if (!present)
        return movie_shape(p, "%s has no %s", p->where, key);
    return MOVIE_OK;
}

enum movie_status movie_required_string(struct movie_parse *p, const cJSON *obj, const char *key,
                                        const char **out) {
    MOVIE_TRY(movie_get_string(p, obj, key, out));
    if (!*out)
        return movie_shape(p, "%s has no %s", p->where, key);
    return MOVIE_OK;
}

static enum movie_status map_genres(struct movie_parse *p, struct movie *m, const cJSON *root) {
    const cJSON *arr, *el;
    MOVIE_TRY(movie_get_array(p, root, "genres", &arr, &m->n_genres));
    if (!m->n_genres)
        return MOVIE_OK;
    if (!(m->genres = arena_calloc(m->arena, m->n_genres, sizeof *m->genres)))
        return MOVIE_ERR_NOMEM;
    size_t i = 0;
    cJSON_ArrayForEach(el, arr) {
        movie_parse_enter(p, "genres[%zu]", i);
        MOVIE_TRY(movie_required_int(p, el, "id", &m->genres[i].id));
        MOVIE_TRY(movie_required_string(p, el, "name", &m->genres[i].name));
        i++;
    }
    return MOVIE_OK;
}

static enum movie_status map_companies(struct movie_parse *p, struct movie *m, const cJSON *root) {
    const cJSON *arr, *el;
    MOVIE_TRY(movie_get_array(p, root, "production_companies", &arr, &m->n_companies));
    if (!m->n_companies)
        return MOVIE_OK;
    if (!(m->companies = arena_calloc(m->arena, m->n_companies, sizeof *m->companies)))
        return MOVIE_ERR_NOMEM;
    size_t i = 0;
    cJSON_ArrayForEach(el, arr) {
        struct movie_company *c = &m->companies[i];
        movie_parse_enter(p, "production_companies[%zu]", i);
        MOVIE_TRY(movie_required_int(p, el, "id", &c->id));
        MOVIE_TRY(movie_required_string(p, el, "name", &c->name));
        MOVIE_TRY(movie_get_string(p, el, "logo_path", &c->logo_path));
        MOVIE_TRY(movie_get_string(p, el, "origin_country", &c->origin_country));
        i++;
    }
    return MOVIE_OK;
}

static enum movie_status map_countries(struct movie_parse *p, struct movie *m, const cJSON *root) {
    const cJSON *arr, *el;
    MOVIE_TRY(movie_get_array(p, root, "production_countries", &arr, &m->n_countries));
    if (!m->n_countries)
        return MOVIE_OK;
    if (!(m->countries = arena_calloc(m->arena, m->n_countries, sizeof *m->countries)))
        return MOVIE_ERR_NOMEM;
    size_t i = 0;
    cJSON_ArrayForEach(el, arr) {
        struct movie_country *c = &m->countries[i];
        movie_parse_enter(p, "production_countries[%zu]", i);
        MOVIE_TRY(movie_required_string(p, el, "iso_3166_1", &c->iso_3166_1));
        MOVIE_TRY(movie_get_string(p, el, "name", &c->name));
        i++;
    }
    return MOVIE_OK;
}

static enum movie_status map_languages(struct movie_parse *p, struct movie *m, const cJSON *root) {
    const cJSON *arr, *el;
    MOVIE_TRY(movie_get_array(p, root, "spoken_languages", &arr, &m->n_languages));
    if (!m->n_languages)
        return MOVIE_OK;
    if (!(m->languages = arena_calloc(m->arena, m->n_languages, sizeof *m->languages)))
        return MOVIE_ERR_NOMEM;
    size_t i = 0;
    cJSON_ArrayForEach(el, arr) {
        struct movie_language *l = &m->languages[i];
        movie_parse_enter(p, "spoken_languages[%zu]", i);
        MOVIE_TRY(movie_required_string(p, el, "iso_639_1", &l->iso_639_1));
        MOVIE_TRY(movie_get_string(p, el, "english_name", &l->english_name));
        MOVIE_TRY(movie_get_string(p, el, "name", &l->name));
        i++;
    }
    return MOVIE_OK;
}

static enum movie_status map_collection(struct movie_parse *p, struct movie *m, const cJSON *root) {
    const cJSON *c;
    MOVIE_TRY(movie_get_object(p, root, "belongs_to_collection", &c));
    if (!c)
        return MOVIE_OK;
    movie_parse_enter(p, "belongs_to_collection");
    MOVIE_TRY(movie_required_int(p, c, "id", &m->collection.id));
    MOVIE_TRY(movie_get_string(p, c, "name", &m->collection.name));
    MOVIE_TRY(movie_get_string(p, c, "poster_path", &m->collection.poster_path));
    MOVIE_TRY(movie_get_string(p, c, "backdrop_path", &m->collection.backdrop_path));
    m->has_collection = true;
    return MOVIE_OK;
}

/* budget and revenue: exact 64-bit integers. cJSON reads numbers as
 * doubles, which from JSON_EXACT_LIMIT (2^52) on may not be the literal's
 * value; from there the literal is read from the body's text (the
 * top-level object is m->root), and refused unless an integer. */
static enum movie_status get_exact_int(struct movie_parse *p, const struct movie *m,
                                       const char *key, int64_t *out) {
    const cJSON *item = member(p, m->root, key);
    if (cJSON_IsNumber(item) && isfinite(item->valuedouble) &&
        fabs(item->valuedouble) >= JSON_EXACT_LIMIT) {
        if (json_top_level_int64(m->raw_json, m->raw_len, key, out))
            return MOVIE_OK;
        return field_error(p, key, "is not a 64-bit integer");
    }
    return movie_get_int(p, m->root, key, out, NULL);
}

static enum movie_status map_scalars(struct movie_parse *p, struct movie *m, const cJSON *root) {
    static const struct {
        const char *key;
        size_t offset;
    } strings[] = {
        {"imdb_id", offsetof(struct movie, imdb_id)},
        {"title", offsetof(struct movie, title)},
        {"original_title", offsetof(struct movie, original_title)},
        {"original_language", offsetof(struct movie, original_language)},
        {"overview", offsetof(struct movie, overview)},
        {"tagline", offsetof(struct movie, tagline)},
        {"status", offsetof(struct movie, status)},
        {"release_date", offsetof(struct movie, release_date)},
        {"homepage", offsetof(struct movie, homepage)},
        {"poster_path", offsetof(struct movie, poster_path)},
        {"backdrop_path", offsetof(struct movie, backdrop_path)},
    };
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++)
        MOVIE_TRY(movie_get_string(p, root, strings[i].key,
                                   (const char **)((char *)m + strings[i].offset)));
    MOVIE_TRY(get_exact_int(p, m, "budget", &m->budget));
    MOVIE_TRY(get_exact_int(p, m, "revenue", &m->revenue));
    MOVIE_TRY(movie_get_int(p, root, "vote_count", &m->vote_count, &m->has_vote_count));
    MOVIE_TRY(movie_get_int(p, root, "runtime", &m->runtime, &m->has_runtime));
    if (m->has_runtime && m->runtime == 0)
        m->has_runtime = false; /* TMDB sends 0 for "unknown" */
    MOVIE_TRY(movie_get_double(p, root, "popularity", &m->popularity, &m->has_popularity));
    MOVIE_TRY(movie_get_double(p, root, "vote_average", &m->vote_average, &m->has_vote_average));
    MOVIE_TRY(movie_get_bool(p, root, "adult", &m->adult));
    MOVIE_TRY(movie_get_bool(p, root, "video", &m->video));
    return MOVIE_OK;
}

/* Each mapper reads from the top of the body; the list mappers leave p->where
 * at their last element, so it is reset between them. */
static enum movie_status map_movie(struct movie_parse *p, struct movie *m, int64_t expected_id) {
    static enum movie_status (*const mappers[])(struct movie_parse *, struct movie *,
                                                const cJSON *) = {
        map_scalars, map_collection, map_genres, map_companies, map_countries, map_languages,
    };
    const cJSON *root = m->root;
    p->top = root;
    bool has_id;
    MOVIE_TRY(movie_get_int(p, root, "id", &m->id, &has_id));
    if (!has_id)
        return movie_shape(p, "id is missing");
    if (m->id != expected_id) {
        snprintf(p->reason, p->reason_size, "id %lld in the body, %lld requested", (long long)m->id,
                 (long long)expected_id);
        return MOVIE_ERR_ID;
    }
    for (size_t i = 0; i < sizeof mappers / sizeof *mappers; i++) {
        movie_parse_top(p);
        MOVIE_TRY(mappers[i](p, m, root));
    }
    movie_parse_top(p);
    return movie_parse_parts(p, m);
}

enum movie_status movie_parse(const char *body, size_t len, int64_t expected_id, struct movie **out,
                              char *reason, size_t reason_size) {
    struct movie_parse p = {.reason = reason, .reason_size = reason_size};
    *out = NULL;
    if (reason_size)
        reason[0] = '\0';
    if (memchr(body, '\0', len)) {
        snprintf(reason, reason_size, "body contains a NUL byte");
        return MOVIE_ERR_JSON;
    }
    if (!json_utf8_valid(body, len)) {
        snprintf(reason, reason_size, "body is not valid UTF-8");
        return MOVIE_ERR_UTF8;
    }
    /* What cJSON would take but SQLite's JSON functions would not (a
     * leading zero, a raw tab in a string) must not reach raw_json: the
     * search document and every json_extract() over the table read it. */
    char why[96];
    if (!json_strict_valid(body, len, why, sizeof why)) {
        snprintf(reason, reason_size, "body is %s", why);
        return MOVIE_ERR_JSON;
    }
    /* Room for the copy and a tree of the usual size: cJSON nodes and
     * strings take about three times the body. */
    struct arena *a = arena_new(len < ARENA_FIRST_LIMIT ? 4 * len + 4096 : ARENA_FIRST_LIMIT);
    struct movie *m = a ? arena_calloc(a, 1, sizeof *m) : NULL;
    char *copy = m ? arena_alloc(a, len + 1) : NULL;
    if (!copy) {
        arena_free(a);
        snprintf(reason, reason_size, "out of memory");
        return MOVIE_ERR_NOMEM;
    }
    m->arena = a;
    m->raw_json = copy;
    memcpy(m->raw_json, body, len);
    m->raw_json[len] = '\0';
    m->raw_len = len;
    json_repair_escapes(m->raw_json, len); /* raw_json too: SQLite reads what the columns hold */
    const char *end = NULL;
    bool out_of_memory = false;
    m->root = json_parse_in_arena(a, m->raw_json, len + 1, &end, &m->root_in_arena, &out_of_memory);
    enum movie_status st = MOVIE_OK;
    if (out_of_memory) {
        st = MOVIE_ERR_NOMEM; /* the body passed the strict check: not its fault */
    } else if (!m->root || !cJSON_IsObject(m->root)) {
        snprintf(reason, reason_size,
                 m->root ? "body is not a JSON object" : "body is not valid JSON (truncated?)");
        st = MOVIE_ERR_JSON;
    } else {
        for (; end && *end; end++) {
            if (*end != ' ' && *end != '\n' && *end != '\r' && *end != '\t') {
                snprintf(reason, reason_size, "trailing data after the JSON object");
                st = MOVIE_ERR_JSON;
                break;
            }
        }
    }
    if (st == MOVIE_OK)
        st = map_movie(&p, m, expected_id);
    if (st != MOVIE_OK) {
        if (st == MOVIE_ERR_NOMEM)
            snprintf(reason, reason_size, "out of memory");
        movie_free(m);
        return st;
    }
    *out = m;
    return MOVIE_OK;
}

size_t movie_bytes(const struct movie *m) {
    return m ? arena_capacity(m->arena) : 0;
}

void movie_free(struct movie *m) {
    if (!m)
        return;
    if (!m->root_in_arena)
        cJSON_Delete(m->root);
    arena_free(m->arena); /* m itself lives there */
}
