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
 * copied once. The record, the copy, the tree (once json_global_init() has
 * run) and its arrays (one per list: the release dates of all countries in
 * one array) live in one arena (arena.h): a parse costs a few mallocs, not
 * hundreds, and movie_free() releases everything at once.
 *
 * Mapping rules (what analysts see in the database):
 *  - Strings that TMDB sends as "" or null to mean "unknown" (release_date,
 *    imdb_id, homepage, tagline, overview, paths) become NULL.
 *  - runtime 0 or null becomes "unknown" (has_runtime = false).
 *  - Integers are read exactly: through cJSON's double below 2^52 (never
 *    its valueint, which saturates at 2^31; from 2^52 on a double may have
 *    rounded the literal), budget and revenue from the body's text from
 *    2^52 on (any 64-bit integer); any other integer field from 2^52 on,
 *    or with a fraction, is refused ("FIELD is not an integer").
 *  - The body must be strict JSON (RFC 8259: no leading zeros, no raw
 *    control characters in strings, nothing after the object), which
 *    SQLite's JSON functions need to read raw_json; cJSON alone is laxer.
 *  - A body of the wrong shape is rejected as a whole, with a reason naming
 *    the field by its path ("credits.cast[3].id is not an integer"); no
 *    partial record is ever produced.
 *
 * Appended parts (append_to_response): the body may carry the keys
 * credits, keywords, release_dates, external_ids and translations. Each one
 * present as an object sets its MOVIE_PART_* bit in `parts` and fills its
 * arrays, by the same rules; a part absent (or null) leaves its bit clear
 * and its arrays empty, which the store reads as "keep what you have".
 * Other parts (videos, images, ...) are not mapped: they stay in raw_json.
 * A load refuses a body without a part it asked for (movie_lacks_part()),
 * so a movie is never stored short of the parts its run asked for.
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

/* Bits of movie.parts: the appended parts a body carried, in the order
 * movie_parts_list() names them. */
enum movie_part {
    MOVIE_PART_CREDITS = 1 << 0,
    MOVIE_PART_KEYWORDS = 1 << 1,
    MOVIE_PART_RELEASE_DATES = 1 << 2,
    MOVIE_PART_EXTERNAL_IDS = 1 << 3,
    MOVIE_PART_TRANSLATIONS = 1 << 4,
};

/* How many there are: bit i, for i below this, is a part. */
#define MOVIE_PART_COUNT 5

/* Room for the longest movie_parts_list(): all five names, commas, NUL. */
#define MOVIE_PARTS_LIST_SIZE 64

/* A person as a credit describes them (credits.cast[] and .crew[]). */
struct movie_person {
    int64_t id;                       /* required */
    const char *name;                 /* required */
    const char *original_name;        /* may be NULL */
    bool has_gender;                  /* false when absent or null */
    int64_t gender;                   /* 0 not set, 1 female, 2 male, 3 non-binary */
    const char *known_for_department; /* may be NULL */
    const char *profile_path;         /* NULL when null or "" */
    bool adult;
    bool has_popularity;
    double popularity;
};

/* credits.cast[] */
struct movie_cast {
    struct movie_person person;
    const char *character; /* NULL when "" (TMDB's "no character") */
    bool has_order;
    int64_t order; /* billing order, 0 first */
    bool has_cast_id;
    int64_t cast_id;
    const char *credit_id; /* required: the row's key */
};

/* credits.crew[]: one entry per job, so a person can appear twice. */
struct movie_crew {
    struct movie_person person;
    const char *department; /* may be NULL */
    const char *job;        /* may be NULL */
    const char *credit_id;  /* required */
};

/* release_dates.results[].release_dates[], flattened over the countries. */
struct movie_release_date {
    const char *iso_3166_1;   /* the country of the result it came from; required */
    size_t position;          /* index in the movie's flattened list: TMDB's order */
    const char *release_date; /* ISO-8601 as sent ("2019-05-30T00:00:00.000Z"), may be NULL */
    bool has_type;
    int64_t type;              /* 1 premiere ... 6 TV */
    const char *certification; /* NULL when "" */
    const char *iso_639_1;     /* NULL when "" */
    const char *note;          /* NULL when "" */
};

/* external_ids: NULL where TMDB has none (null or ""). */
struct movie_external_ids {
    const char *imdb_id;
    const char *wikidata_id;
    const char *facebook_id;
    const char *instagram_id;
    const char *twitter_id;
};

/* translations.translations[]: the country and language are required; the
 * texts come from its `data` object, "" as NULL, runtime 0 as unknown. */
struct movie_translation {
    const char *iso_3166_1;
    const char *iso_639_1;
    const char *name;
    const char *english_name;
    const char *title;
    const char *overview;
    const char *tagline;
    const char *homepage;
    bool has_runtime;
    int64_t runtime;
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
    /* null or absent in the body: has_* false, stored as NULL (not 0,
     * which would count as a score in every average) */
    bool has_popularity, has_vote_average, has_vote_count;
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

    /* Appended parts. Each array is set only when its part's bit is in
     * `parts`; an empty list in a present part gives NULL and 0. */
    unsigned parts; /* MOVIE_PART_* bits of the parts the body carried */
    struct movie_cast *cast;
    size_t n_cast;
    struct movie_crew *crew;
    size_t n_crew;
    struct movie_genre *keywords; /* keywords.keywords[]: {id, name}, both required */
    size_t n_keywords;
    struct movie_release_date *release_dates;
    size_t n_release_dates;
    struct movie_external_ids external_ids; /* meaningful with MOVIE_PART_EXTERNAL_IDS */
    struct movie_translation *translations;
    size_t n_translations;

    /* the body as received, NUL-terminated, except escapes no C string or
     * cJSON can hold (\u0000, an unpaired surrogate) made \uFFFD in place
     * (json_repair_escapes()); in `arena` */
    char *raw_json;
    size_t raw_len;
    struct cJSON *root;  /* every const char * above points into it */
    bool root_in_arena;  /* else on the heap: movie_free() deletes it */
    struct arena *arena; /* owns this record and all it points to */
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
enum movie_status movie_parse(const char *body, size_t len, int64_t expected_id, struct movie **out,
                              char *reason, size_t reason_size);

/* Free a record and everything it owns. Accepts NULL. */
void movie_free(struct movie *m);

/* The bytes a record holds in its arena (the body, the parsed tree, the
 * record): what it weighs in the result queue. 0 for NULL. */
size_t movie_bytes(const struct movie *m);

/*
 * Write the names of the parts in `parts` (MOVIE_PART_* bits), comma
 * separated in the order credits,keywords,release_dates,external_ids,
 * translations, into buf (at least MOVIE_PARTS_LIST_SIZE bytes to hold them
 * all; names that do not fit are left out). Writes "" when `parts` has none.
 * Returns buf. Any thread.
 */
char *movie_parts_list(unsigned parts, char *buf, size_t size);

/* The MOVIE_PART_* bits of the parts a comma-separated append_to_response
 * list names; names of parts kept only in raw_json (videos, images, ...)
 * have none. Any thread. */
unsigned movie_parts_bits(const char *list);

/*
 * Whether the body of `m` lacks a part the append_to_response list `append`
 * asks for (a normalised list, tmdb_append_normalise(); NULL or "" asks for
 * none), mapped or not. TMDB answers every part asked for under its own
 * name, so one absent (or null) means the query did not reach TMDB whole:
 * a proxy that drops it, or libcurl 7.88.1 cutting it when an allocation
 * fails. The first such name is written to `name` (`size` bytes). Any
 * thread.
 */
bool movie_lacks_part(const struct movie *m, const char *append, char *name, size_t size);

#endif
