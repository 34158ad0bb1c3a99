/*
 * idset.h - a set of positive movie ids (open addressing, linear probing).
 *
 * The producer uses it to enqueue each id once per run: TMDB's list pages
 * shift while they are paged through, so the same id can appear twice.
 * Main fills another with the ids not to fetch (source.skip) before the
 * pipeline starts, and the producer fills one with the ids an export names
 * (source.named) that main reads after the join, and one with the ids of
 * an export to fetch, enqueued in id order once the file is read.
 * Not thread-safe: one thread uses a set at a time, and a set passes from
 * one thread to another only at a thread's start or join.
 * Memory: ids below 2^24 (all of TMDB's today, about 1.6 million) live in a
 * bitmap allocated in 64 KiB chunks as ids arrive: a million ids cost at
 * most 2 MiB, whatever their number. Larger ids go to a hash table kept at
 * most half full: 16 to 32 bytes per id.
 * Ids <= 0 are never stored (callers validate ids before adding).
 */
#ifndef TMDB_IDSET_H
#define TMDB_IDSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct idset;

/* An empty set, or NULL when out of memory. Free with idset_free(). */
struct idset *idset_new(void);

/* Accepts NULL. */
void idset_free(struct idset *s);

/* Add `id` (> 0). Returns 1 when it was new, 0 when already present,
 * -1 when out of memory (the set is unchanged). */
int idset_add(struct idset *s, int64_t id);

/* True when `id` is in the set. */
bool idset_contains(const struct idset *s, int64_t id);

/* Number of ids in the set. */
size_t idset_count(const struct idset *s);

/* Call fn(id, ctx) for each id of the set: those below 2^24 (all of
 * TMDB's) in ascending order, then the others in no particular order.
 * Stops at the first call that returns non-zero and returns that value;
 * 0 when every id was visited. The set must not change meanwhile. */
int idset_each(const struct idset *s, int (*fn)(int64_t id, void *ctx), void *ctx);

#endif
