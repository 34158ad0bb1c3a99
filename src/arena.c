/* arena.c - see arena.h. The arena's header lives at the start of its
 * first block, so a small record costs one malloc in all. */
#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN alignof(max_align_t)
#define ARENA_MIN_BLOCK 1024

/* Under AddressSanitizer every allocation is followed by a poisoned red
 * zone and free space stays poisoned, so an overrun inside a block is
 * reported as it would be between two mallocs. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN 1
#endif
#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define ARENA_REDZONE ARENA_ALIGN
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define ARENA_REDZONE 0
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

struct block {
    struct block *next; /* the previously filled block, or NULL */
    size_t size;        /* usable bytes after the header */
    size_t used;
};

struct arena {
    struct block *current; /* allocations come from here; older blocks follow ->next */
    size_t capacity;       /* sum of every block's size */
};

static size_t round_up(size_t n) {
    return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

/* Header sizes rounded so that what follows a header is aligned. */
#define BLOCK_HEADER round_up(sizeof(struct block))
#define ARENA_HEADER round_up(sizeof(struct arena))

static struct block *block_new(size_t size) {
    if (size > SIZE_MAX - BLOCK_HEADER)
        return NULL;
    struct block *b = malloc(BLOCK_HEADER + size);
    if (!b)
        return NULL;
    *b = (struct block){.size = size};
    POISON((char *)b + BLOCK_HEADER, size);
    return b;
}

struct arena *arena_new(size_t first_block) {
    size_t size = round_up(first_block < ARENA_MIN_BLOCK ? ARENA_MIN_BLOCK : first_block);
    struct block *b = block_new(ARENA_HEADER + size);
    if (!b)
        return NULL;
    /* The arena is the first allocation of its own first block. */
    struct arena *a = (struct arena *)((char *)b + BLOCK_HEADER);
    UNPOISON(a, sizeof *a);
    b->used = ARENA_HEADER;
    *a = (struct arena){.current = b, .capacity = b->size};
    return a;
}

void *arena_alloc(struct arena *a, size_t size) {
    if (size > SIZE_MAX / 2)
        return NULL;
    size_t asked = size ? size : 1;
    size = round_up(asked) + ARENA_REDZONE;
    struct block *b = a->current;
    if (b->size - b->used < size) {
        size_t grow = b->size * 2 > size ? b->size * 2 : size;
        struct block *fresh = block_new(grow);
        if (!fresh)
            return NULL;
        fresh->next = b;
        a->current = b = fresh;
        a->capacity += grow;
    }
    void *p = (char *)b + BLOCK_HEADER + b->used;
    b->used += size;
    UNPOISON(p, asked);
    return p;
}

void *arena_calloc(struct arena *a, size_t n, size_t size) {
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *p = arena_alloc(a, n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

size_t arena_capacity(const struct arena *a) {
    return a->capacity;
}

void arena_free(struct arena *a) {
    if (!a)
        return;
    /* The arena lives in the oldest block: read the chain before freeing. */
    struct block *b = a->current;
    while (b) {
        struct block *next = b->next;
        UNPOISON((char *)b + BLOCK_HEADER, b->size);
        free(b);
        b = next;
    }
}
