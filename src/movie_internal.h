/*
 * movie_internal.h - what the movie module's source files share
 * (src/movie*.c): the state of one parse and the readers of cJSON members
 * that apply movie.h's mapping rules. Not part of any other module's
 * contract: include/movie.h is.
 *
 * Threading: a struct movie_parse lives on the stack of the worker thread
 * parsing one body; nothing here has global state.
 *
 * Error messages name the field by its path in the body
 * ("credits.cast[3].id is not an integer"): a reader prefixes the key it
 * reads with `where`, the path of the object being read, which a mapper
 * sets with movie_parse_enter() before reading an element.
 */
#ifndef TMDB_MOVIE_INTERNAL_H
#define TMDB_MOVIE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "movie.h"

struct cJSON;

/* Slots of the index of the body's top-level object: a power of two, at
 * least 4/3 of the members indexed (MOVIE_INDEX_MAX). */
#define MOVIE_INDEX_SLOTS 128
#define MOVIE_INDEX_MAX 96

struct movie_parse {
    char *reason; /* the caller's buffer for the reason of a rejection */
    size_t reason_size;
    char where[160]; /* path of the object being read ("credits.cast[3]"), "" at the top */
    /* The body's top-level object, and an index of its members by name
     * (the first of each name), built by the first reader that asks for
     * one of them: readers ask for 30 of its 26-40 members, and finding
     * each by walking the list cost 18 k instructions a movie (4 % of a
     * load's). index_state: 0 not built, 1 built, -1 too many members. */
    const struct cJSON *top;
    int index_state;
    const struct cJSON *index[MOVIE_INDEX_SLOTS];
};

/* Return from the calling mapper when `expr` is not MOVIE_OK. */
#define MOVIE_TRY(expr)                                                                            \
    do {                                                                                           \
        enum movie_status st_ = (expr);                                                            \
        if (st_ != MOVIE_OK)                                                                       \
            return st_;                                                                            \
    } while (0)

/* Format the reason of a rejection into p->reason; returns MOVIE_ERR_SHAPE. */
__attribute__((format(printf, 2, 3))) enum movie_status movie_shape(struct movie_parse *p,
                                                                    const char *fmt, ...);

/* Set the path of the object read next (printf-style); movie_parse_top() resets it. */
__attribute__((format(printf, 2, 3))) void movie_parse_enter(struct movie_parse *p, const char *fmt,
                                                             ...);
void movie_parse_top(struct movie_parse *p);

/*
 * Readers of member `key` of `obj`. Absent and null are "no value": a string
 * gives NULL (so does ""), a number gives 0 with *present false (present may
 * be NULL), a boolean gives false. A member of another type is a shape error
 * naming the field.
 */
enum movie_status movie_get_string(struct movie_parse *p, const struct cJSON *obj, const char *key,
                                   const char **out);
enum movie_status movie_get_int(struct movie_parse *p, const struct cJSON *obj, const char *key,
                                int64_t *out, bool *present);
enum movie_status movie_get_double(struct movie_parse *p, const struct cJSON *obj, const char *key,
                                   double *out, bool *present);
enum movie_status movie_get_bool(struct movie_parse *p, const struct cJSON *obj, const char *key,
                                 bool *out);

/* An object member: *out is NULL when absent or null. */
enum movie_status movie_get_object(struct movie_parse *p, const struct cJSON *obj, const char *key,
                                   const struct cJSON **out);

/* An array of objects: *n its length (0 when absent or null), *arr the array
 * (NULL when absent or null). Any element not an object is a shape error. */
enum movie_status movie_get_array(struct movie_parse *p, const struct cJSON *obj, const char *key,
                                  const struct cJSON **arr, size_t *n);

/* Members an element cannot do without: "genres[0] has no id". */
enum movie_status movie_required_int(struct movie_parse *p, const struct cJSON *obj,
                                     const char *key, int64_t *out);
enum movie_status movie_required_string(struct movie_parse *p, const struct cJSON *obj,
                                        const char *key, const char **out);

/*
 * Map the appended parts (credits, keywords, release_dates, external_ids,
 * translations) of m->root into m and set m->parts (movie_parts.c). Arrays
 * it allocates are m's, freed by movie_free() even when it fails.
 */
enum movie_status movie_parse_parts(struct movie_parse *p, struct movie *m);

#endif
