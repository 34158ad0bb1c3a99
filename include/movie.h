/*
 * movie.h - the movie details record, and its mapping from TMDB's JSON.
 *
 * movie_parse() validates one `GET /movie/{id}` body and turns it into a
 * struct movie. It runs on worker threads; the record is then handed to the
 * writer thread through the result queue, which frees it with movie_free().
 * A record has exactly one owner at a time and is never shared.
 *
 * Memory: the record keeps the parsed cJSON tree alive and its string
 * pointers borrow from that tree (no copy per field); the raw body is
 * copied once. Arrays are allocated once per list. movie_free() releases
 * everything.
 *
 * Mapping rules (what analysts see in the database):
 *  - Strings that TMDB sends as "" or null to mean "unknown" (release_date,
 *    imdb_id, homepage, tagline, overview, paths) become NULL.
 *  - runtime 0 or null becomes "unknown" (has_runtime = false).
 *  - Integers are read exactly (up to 2^53): revenue and budget can pass
 *    2^31, where cJSON's valueint saturates.
 *  - A body of the wrong shape is rejected as a whole, with a reason; no
 *    partial record is ever produced.
 */
#ifndef TMDB_MOVIE_H
#define TMDB_MOVIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;

/* genres, keywords: {id, name} */
struct movie_genre {
    int64_t id;
    const char *name;
};

struct movie_company {
    int64_t id;
    const char *name;
    const char *logo_path;      /* NULL when null or "" */
    const char *origin_country; /* NULL when null or "" */
};

struct movie_country {
    const char *iso_3166_1;
    const char *name;
};

struct movie_language {
    const char *iso_639_1;
    const char *english_name; /* may be NULL */
    const char *name;         /* may be NULL */
};

struct movie_collection {
    int64_t id;
    const char *name;
    const char *poster_path;   /* may be NULL */
    const char *backdrop_path; /* may be NULL */
};

struct movie {
    int64_t id;
    const char *imdb_id; /* NULL when null or "" (same rule for every string below) */
    const char *title;
    const char *original_title;
    const char *original_language;
    const char *overview;
    const char *tagline;
    const char *status;
    const char *release_date; /* "YYYY-MM-DD" or NULL */
    const char *homepage;
    const char *poster_path;
    const char *backdrop_path;
    int64_t budget;
    int64_t revenue;
    bool has_runtime;
    int64_t runtime; /* minutes; meaningful only when has_runtime */
    double popularity;
    double vote_average;
    int64_t vote_count;
    bool adult;
    bool video;

    bool has_collection;
    struct movie_collection collection;

    struct movie_genre *genres;
    size_t n_genres;
    struct movie_company *companies;
    size_t n_companies;
    struct movie_country *countries;
    size_t n_countries;
    struct movie_language *languages;
    size_t n_languages;

    char *raw_json; /* the body exactly as received, NUL-terminated; owned */
    size_t raw_len;
    struct cJSON *root; /* owned; every const char * above points into it */
};

enum movie_status {
    MOVIE_OK = 0,
    MOVIE_ERR_NOMEM = -1,
    MOVIE_ERR_JSON = -2,  /* not JSON, truncated, or not an object */
    MOVIE_ERR_SHAPE = -3, /* JSON of the wrong shape (type of a field, missing id) */
    MOVIE_ERR_ID = -4,    /* id differs from the one requested */
    MOVIE_ERR_UTF8 = -5,  /* body is not valid UTF-8 */
};

/*
 * Parse `len` bytes of `body` (need not be NUL-terminated) as the details of
 * movie `expected_id`. On MOVIE_OK, *out is a new record the caller owns
 * (free with movie_free()). On error, *out is NULL and `reason` holds a short
 * human reason naming the field ("genres is not an array"), never the body.
 */
enum movie_status movie_parse(const char *body, size_t len, int64_t expected_id,
                              struct movie **out, char *reason, size_t reason_size);

/* Free a record and everything it owns. Accepts NULL. */
void movie_free(struct movie *m);

/* True when `len` bytes of `s` are well-formed UTF-8 (no overlongs, no surrogates). */
bool movie_utf8_valid(const char *s, size_t len);

#endif
