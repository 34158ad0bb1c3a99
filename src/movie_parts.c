/* movie_parts.c - the appended parts of a details body (append_to_response):
 * credits, keywords, release_dates, external_ids, translations. See movie.h
 * for the mapping rules and movie_internal.h for the readers used here. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "movie.h"
#include "movie_internal.h"

/* The fields every credit carries about its person. */
static enum movie_status map_person(struct movie_parse *p, const cJSON *el,
                                    struct movie_person *out) {
    MOVIE_TRY(movie_required_int(p, el, "id", &out->id));
    MOVIE_TRY(movie_required_string(p, el, "name", &out->name));
    MOVIE_TRY(movie_get_string(p, el, "original_name", &out->original_name));
    MOVIE_TRY(movie_get_int(p, el, "gender", &out->gender, &out->has_gender));
    MOVIE_TRY(movie_get_string(p, el, "known_for_department", &out->known_for_department));
    MOVIE_TRY(movie_get_string(p, el, "profile_path", &out->profile_path));
    MOVIE_TRY(movie_get_bool(p, el, "adult", &out->adult));
    MOVIE_TRY(movie_get_double(p, el, "popularity", &out->popularity, &out->has_popularity));
    return MOVIE_OK;
}

static enum movie_status map_cast(struct movie_parse *p, struct movie *m, const cJSON *arr) {
    if (!m->n_cast)
        return MOVIE_OK;
    if (!(m->cast = arena_calloc(m->arena, m->n_cast, sizeof *m->cast)))
        return MOVIE_ERR_NOMEM;
    const cJSON *el;
    size_t i = 0;
    cJSON_ArrayForEach(el, arr) {
        struct movie_cast *c = &m->cast[i];
        movie_parse_enter(p, "credits.cast[%zu]", i);
        MOVIE_TRY(map_person(p, el, &c->person));
        MOVIE_TRY(movie_get_string(p, el, "character", &c->character));
        MOVIE_TRY(movie_get_int(p, el, "order", &c->order, &c->has_order));
        MOVIE_TRY(movie_get_int(p, el, "cast_id", &c->cast_id, &c->has_cast_id));
        MOVIE_TRY(movie_required_string(p, el, "credit_id", &c->credit_id));
        i++;
    }
    return MOVIE_OK;
}

static enum movie_status map_crew(struct movie_parse *p, struct movie *m, const cJSON *arr) {
    if (!m->n_crew)
        return MOVIE_OK;
    if (!(m->crew = arena_calloc(m->arena, m->n_crew, sizeof *m->crew)))
        return MOVIE_ERR_NOMEM;
    const cJSON *el;
    size_t i = 0;
    cJSON_ArrayForEach(el, arr) {
        struct movie_crew *c = &m->crew[i];
        movie_parse_enter(p, "credits.crew[%zu]", i);
        MOVIE_TRY(map_person(p, el, &c->person));
        MOVIE_TRY(movie_get_string(p, el, "department", &c->department));
        MOVIE_TRY(movie_get_string(p, el, "job", &c->job));
        MOVIE_TRY(movie_required_string(p, el, "credit_id", &c->credit_id));
        i++;
    }
    return MOVIE_OK;
}

/* credits: {cast: [...], crew: [...]} */
static enum movie_status map_credits(struct movie_parse *p, struct movie *m, const cJSON *obj) {
    const cJSON *cast, *crew;
    movie_parse_enter(p, "credits");
    MOVIE_TRY(movie_get_array(p, obj, "cast", &cast, &m->n_cast));
    MOVIE_TRY(movie_get_array(p, obj, "crew", &crew, &m->n_crew));
    MOVIE_TRY(map_cast(p, m, cast));
    return map_crew(p, m, crew);
}

/* keywords: {keywords: [{id, name}]} */
static enum movie_status map_keywords(struct movie_parse *p, struct movie *m, const cJSON *obj) {
    const cJSON *arr, *el;
    movie_parse_enter(p, "keywords");
    MOVIE_TRY(movie_get_array(p, obj, "keywords", &arr, &m->n_keywords));
    if (!m->n_keywords)
        return MOVIE_OK;
    if (!(m->keywords = arena_calloc(m->arena, m->n_keywords, sizeof *m->keywords)))
        return MOVIE_ERR_NOMEM;
    size_t i = 0;
    cJSON_ArrayForEach(el, arr) {
        movie_parse_enter(p, "keywords.keywords[%zu]", i);
        MOVIE_TRY(movie_required_int(p, el, "id", &m->keywords[i].id));
        MOVIE_TRY(movie_required_string(p, el, "name", &m->keywords[i].name));
        i++;
    }
    return MOVIE_OK;
}

/* Check every result of release_dates.results (a country and an array of
 * objects) and count their dates, so the flattened list is allocated once. */
static enum movie_status count_release_dates(struct movie_parse *p, const cJSON *results,
                                             size_t *n) {
    const cJSON *result, *dates;
    const char *country;
    size_t i = 0;
    *n = 0;
    cJSON_ArrayForEach(result, results) {
        size_t n_dates;
        movie_parse_enter(p, "release_dates.results[%zu]", i++);
        MOVIE_TRY(movie_required_string(p, result, "iso_3166_1", &country));
        MOVIE_TRY(movie_get_array(p, result, "release_dates", &dates, &n_dates));
        *n += n_dates;
    }
    return MOVIE_OK;
}

static enum movie_status map_release_date(struct movie_parse *p, const cJSON *el,
                                          struct movie_release_date *d) {
    MOVIE_TRY(movie_get_string(p, el, "release_date", &d->release_date));
    MOVIE_TRY(movie_get_int(p, el, "type", &d->type, &d->has_type));
    MOVIE_TRY(movie_get_string(p, el, "certification", &d->certification));
    MOVIE_TRY(movie_get_string(p, el, "iso_639_1", &d->iso_639_1));
    return movie_get_string(p, el, "note", &d->note);
}

/* release_dates: {results: [{iso_3166_1, release_dates: [{...}]}]}, flattened
 * in TMDB's order; position is the index in the flattened list. */
static enum movie_status map_release_dates(struct movie_parse *p, struct movie *m,
                                           const cJSON *obj) {
    const cJSON *results, *result, *el;
    size_t n_results;
    movie_parse_enter(p, "release_dates");
    MOVIE_TRY(movie_get_array(p, obj, "results", &results, &n_results));
    MOVIE_TRY(count_release_dates(p, results, &m->n_release_dates));
    if (!m->n_release_dates)
        return MOVIE_OK;
    if (!(m->release_dates = arena_calloc(m->arena, m->n_release_dates, sizeof *m->release_dates)))
        return MOVIE_ERR_NOMEM;
    size_t i = 0, k = 0;
    cJSON_ArrayForEach(result, results) {
        /* Both checked by count_release_dates(). */
        const char *country = cJSON_GetObjectItemCaseSensitive(result, "iso_3166_1")->valuestring;
        const cJSON *dates = cJSON_GetObjectItemCaseSensitive(result, "release_dates");
        size_t j = 0;
        cJSON_ArrayForEach(el, dates) {
            struct movie_release_date *d = &m->release_dates[k];
            movie_parse_enter(p, "release_dates.results[%zu].release_dates[%zu]", i, j++);
            d->iso_3166_1 = country;
            d->position = k++;
            MOVIE_TRY(map_release_date(p, el, d));
        }
        i++;
    }
    return MOVIE_OK;
}

/* external_ids: {imdb_id, wikidata_id, facebook_id, instagram_id, twitter_id} */
static enum movie_status map_external_ids(struct movie_parse *p, struct movie *m,
                                          const cJSON *obj) {
    struct movie_external_ids *x = &m->external_ids;
    movie_parse_enter(p, "external_ids");
    MOVIE_TRY(movie_get_string(p, obj, "imdb_id", &x->imdb_id));
    MOVIE_TRY(movie_get_string(p, obj, "wikidata_id", &x->wikidata_id));
    MOVIE_TRY(movie_get_string(p, obj, "facebook_id", &x->facebook_id));
    MOVIE_TRY(movie_get_string(p, obj, "instagram_id", &x->instagram_id));
    return movie_get_string(p, obj, "twitter_id", &x->twitter_id);
}

/* One translation: its country and language, and the texts in `data`. */
static enum movie_status map_translation(struct movie_parse *p, const cJSON *el, size_t i,
                                         struct movie_translation *t) {
    const cJSON *data;
    movie_parse_enter(p, "translations.translations[%zu]", i);
    MOVIE_TRY(movie_required_string(p, el, "iso_3166_1", &t->iso_3166_1));
    MOVIE_TRY(movie_required_string(p, el, "iso_639_1", &t->iso_639_1));
    MOVIE_TRY(movie_get_string(p, el, "name", &t->name));
    MOVIE_TRY(movie_get_string(p, el, "english_name", &t->english_name));
    MOVIE_TRY(movie_get_object(p, el, "data", &data));
    if (!data)
        return MOVIE_OK;
    movie_parse_enter(p, "translations.translations[%zu].data", i);
    MOVIE_TRY(movie_get_string(p, data, "title", &t->title));
    MOVIE_TRY(movie_get_string(p, data, "overview", &t->overview));
    MOVIE_TRY(movie_get_string(p, data, "tagline", &t->tagline));
    MOVIE_TRY(movie_get_string(p, data, "homepage", &t->homepage));
    MOVIE_TRY(movie_get_int(p, data, "runtime", &t->runtime, &t->has_runtime));
    if (t->has_runtime && t->runtime == 0)
        t->has_runtime = false; /* 0 means unknown, as for the movie */
    return MOVIE_OK;
}

/* translations: {translations: [{iso_3166_1, iso_639_1, name, english_name, data}]} */
static enum movie_status map_translations(struct movie_parse *p, struct movie *m,
                                          const cJSON *obj) {
    const cJSON *arr, *el;
    movie_parse_enter(p, "translations");
    MOVIE_TRY(movie_get_array(p, obj, "translations", &arr, &m->n_translations));
    if (!m->n_translations)
        return MOVIE_OK;
    if (!(m->translations = arena_calloc(m->arena, m->n_translations, sizeof *m->translations)))
        return MOVIE_ERR_NOMEM;
    size_t i = 0;
    cJSON_ArrayForEach(el, arr) {
        MOVIE_TRY(map_translation(p, el, i, &m->translations[i]));
        i++;
    }
    return MOVIE_OK;
}

/* The parts mapped into tables, in the order movies.appended lists them. */
static const struct {
    enum movie_part bit;
    const char *key; /* the body's key, also the part's name in append_to_response */
    enum movie_status (*map)(struct movie_parse *, struct movie *, const cJSON *);
} parts[] = {
    {MOVIE_PART_CREDITS, "credits", map_credits},
    {MOVIE_PART_KEYWORDS, "keywords", map_keywords},
    {MOVIE_PART_RELEASE_DATES, "release_dates", map_release_dates},
    {MOVIE_PART_EXTERNAL_IDS, "external_ids", map_external_ids},
    {MOVIE_PART_TRANSLATIONS, "translations", map_translations},
};

enum movie_status movie_parse_parts(struct movie_parse *p, struct movie *m) {
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        const cJSON *obj;
        movie_parse_top(p);
        MOVIE_TRY(movie_get_object(p, m->root, parts[i].key, &obj));
        if (!obj)
            continue;
        MOVIE_TRY(parts[i].map(p, m, obj));
        m->parts |= (unsigned)parts[i].bit;
    }
    return MOVIE_OK;
}

unsigned movie_parts_bits(const char *list) {
    unsigned bits = 0;
    for (const char *p = list ? list : ""; *p;) {
        size_t n = strcspn(p, ",");
        for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
            if (strlen(parts[i].key) == n && strncmp(p, parts[i].key, n) == 0)
                bits |= (unsigned)parts[i].bit;
        p += n + (p[n] == ',');
    }
    return bits;
}

bool movie_lacks_part(const struct movie *m, const char *append, char *name, size_t size) {
    for (const char *p = append ? append : ""; *p;) {
        size_t n = strcspn(p, ",");
        char key[32];
        if (n > 0 && n < sizeof key) {
            memcpy(key, p, n);
            key[n] = '\0';
            const cJSON *part = cJSON_GetObjectItemCaseSensitive(m->root, key);
            if (!part || cJSON_IsNull(part)) {
                snprintf(name, size, "%s", key);
                return true;
            }
        }
        p += n + (p[n] == ',');
    }
    return false;
}

char *movie_parts_list(unsigned bits, char *buf, size_t size) {
    size_t len = 0;
    if (size == 0)
        return buf;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        if (!(bits & (unsigned)parts[i].bit))
            continue;
        size_t n = (len ? 1 : 0) + strlen(parts[i].key);
        if (len + n >= size)
            break; /* whole names only */
        snprintf(buf + len, size - len, "%s%s", len ? "," : "", parts[i].key);
        len += n;
    }
    return buf;
}
