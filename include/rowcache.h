/*
 * rowcache.h - which shared rows the store has already written.
 *
 * Genres, companies, countries, languages, collections, people and
 * keywords are shared by many movies: a load names the same twenty genres
 * and the same few hundred countries and languages over and over. Their
 * upserts change nothing after the first, yet each costs a statement and a
 * b-tree search. The store notes each row it has written (its key and a
 * digest of its values) and skips the upsert when a movie names the same
 * row with the same values again.
 *
 * A direct-mapped table of fixed size: a newer row evicts an older one in
 * its slot, which only costs the next upsert of the older one. Keys are
 * exact (the table, an id, or a text code of up to ROWCACHE_CODE_MAX
 * bytes; longer codes are never cached). Values are compared by a 64-bit
 * digest: two different values agree by chance with odds of about 2^-64.
 *
 * Rows noted in a transaction that is then rolled back were never
 * written: store_rollback() clears the whole cache.
 *
 * Threading: owned by its store, used by the store's one thread.
 */
#ifndef TMDB_ROWCACHE_H
#define TMDB_ROWCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ROWCACHE_CODE_MAX 7

enum rowcache_table {
    ROWCACHE_GENRE = 1,
    ROWCACHE_COMPANY,
    ROWCACHE_COUNTRY,
    ROWCACHE_LANGUAGE,
    ROWCACHE_COLLECTION,
    ROWCACHE_PERSON,
    ROWCACHE_KEYWORD,
};

/* A row: its table, and its integer id or (when code is not NULL) its
 * text code; `digest` is built with the rowcache_digest_* functions. */
struct rowcache_row {
    enum rowcache_table table;
    int64_t id;
    const char *code;
    uint64_t digest;
};

struct rowcache;

/* A cache of `slots` rows (rounded up to a power of two). NULL when out of
 * memory. Free with rowcache_free(). */
struct rowcache *rowcache_new(size_t slots);
void rowcache_free(struct rowcache *c); /* NULL is ignored */

/* True when `row` was noted with the same digest and not evicted since. */
bool rowcache_seen(const struct rowcache *c, const struct rowcache_row *row);

/* Note `row` as written with its values. */
void rowcache_note(struct rowcache *c, const struct rowcache_row *row);

/* Forget every row. */
void rowcache_clear(struct rowcache *c);

/* Digest of a row's values, field by field in a fixed order: start with
 * ROWCACHE_DIGEST_START, then fold each field. NULL, "" and absent numbers
 * each digest differently from any value. */
#define ROWCACHE_DIGEST_START UINT64_C(0xcbf29ce484222325)
uint64_t rowcache_digest_text(uint64_t d, const char *s);
uint64_t rowcache_digest_int(uint64_t d, bool present, int64_t v);
uint64_t rowcache_digest_double(uint64_t d, bool present, double v);

#endif
