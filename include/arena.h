/*
 * arena.h - a bump allocator for the memory of one record.
 *
 * A parsed movie is hundreds of small allocations (cJSON makes a node and a
 * string for every member); allocating them one by one on a worker and
 * freeing them one by one on the writer cost more than the parse itself.
 * An arena hands them out from a few large blocks and frees the blocks at
 * once with arena_free().
 *
 * Threading: an arena has one owner at a time (the thread that holds the
 * record it belongs to); it has no lock. Ownership moves with the record.
 *
 * Memory: blocks are allocated with malloc as needed, each at least twice
 * the previous one, so a record of n bytes costs O(log n) blocks.
 * Individual allocations are never freed before arena_free().
 */
#ifndef TMDB_ARENA_H
#define TMDB_ARENA_H

#include <stddef.h>

struct arena;

/* A new arena whose first block holds about `first_block` bytes. NULL when
 * out of memory. Free with arena_free(). */
struct arena *arena_new(size_t first_block);

/* `size` bytes aligned for any type, valid until arena_free(); NULL when
 * out of memory (or size overflows). Not zeroed. */
void *arena_alloc(struct arena *a, size_t size);

/* `n` zeroed elements of `size` bytes; NULL when out of memory or n * size
 * overflows. */
void *arena_calloc(struct arena *a, size_t n, size_t size);

/* Bytes of all blocks, for tests and memory accounting. */
size_t arena_capacity(const struct arena *a);

/* Free every block; NULL is ignored. */
void arena_free(struct arena *a);

#endif
