/* idset.c - see idset.h. Small ids: a chunked bitmap. Others: open
 * addressing with linear probing, slot value 0 meaning empty (ids are > 0). */
#include "idset.h"

#include <stdlib.h>

#define BITMAP_LIMIT (INT64_C(1) << 24)          /* ids below this use the bitmap */
#define CHUNK_BITS (64 * 1024 * 8)               /* ids covered by one 64 KiB chunk */
#define N_CHUNKS (BITMAP_LIMIT / CHUNK_BITS)     /* 32 chunks: at most 2 MiB */

struct idset {
    unsigned char *chunks[N_CHUNKS]; /* NULL until an id in its range arrives */
    int64_t *slots;                  /* hash table for ids >= BITMAP_LIMIT */
    size_t capacity;                 /* a power of two */
    size_t hashed;                   /* ids in the hash table */
    size_t count;                    /* all ids */
};

enum { IDSET_INITIAL_CAPACITY = 1024 };

struct idset *idset_new(void) {
    struct idset *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->slots = calloc(IDSET_INITIAL_CAPACITY, sizeof *s->slots);
    if (!s->slots) {
        free(s);
        return NULL;
    }
    s->capacity = IDSET_INITIAL_CAPACITY;
    return s;
}

void idset_free(struct idset *s) {
    if (!s)
        return;
    for (size_t i = 0; i < N_CHUNKS; i++)
        free(s->chunks[i]);
    free(s->slots);
    free(s);
}

/* Fibonacci hashing spreads sequential ids over the table. */
static size_t slot_of(int64_t id, size_t capacity) {
    return (size_t)(((uint64_t)id * 11400714819323198485ull) >> 20) & (capacity - 1);
}

/* Insert into a table known to have room. Returns 1 if new, 0 if present. */
static int insert(int64_t *slots, size_t capacity, int64_t id) {
    for (size_t i = slot_of(id, capacity);; i = (i + 1) & (capacity - 1)) {
        if (slots[i] == id)
            return 0;
        if (slots[i] == 0) {
            slots[i] = id;
            return 1;
        }
    }
}

static int grow(struct idset *s) {
    size_t capacity = s->capacity * 2;
    int64_t *slots = calloc(capacity, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < s->capacity; i++)
        if (s->slots[i] != 0)
            insert(slots, capacity, s->slots[i]);
    free(s->slots);
    s->slots = slots;
    s->capacity = capacity;
    return 0;
}

/* Byte offset of `id` within its chunk. */
static size_t bitmap_offset(int64_t id) {
    return (size_t)(id % CHUNK_BITS) / 8;
}

int idset_add(struct idset *s, int64_t id) {
    if (id <= 0)
        return 0;
    int added;
    if (id < BITMAP_LIMIT) {
        unsigned char **chunk = &s->chunks[id / CHUNK_BITS];
        if (!*chunk && !(*chunk = calloc(CHUNK_BITS / 8, 1)))
            return -1;
        unsigned char *byte = *chunk + bitmap_offset(id);
        unsigned char mask = (unsigned char)(1u << (id % 8));
        added = !(*byte & mask);
        *byte |= mask;
    } else {
        if ((s->hashed + 1) * 2 > s->capacity && grow(s) != 0)
            return -1;
        added = insert(s->slots, s->capacity, id);
        s->hashed += (size_t)added;
    }
    s->count += (size_t)added;
    return added;
}

bool idset_contains(const struct idset *s, int64_t id) {
    if (id <= 0)
        return false;
    if (id < BITMAP_LIMIT) {
        const unsigned char *chunk = s->chunks[id / CHUNK_BITS];
        return chunk && (chunk[bitmap_offset(id)] & (1u << (id % 8)));
    }
    for (size_t i = slot_of(id, s->capacity);; i = (i + 1) & (s->capacity - 1)) {
        if (s->slots[i] == id)
            return true;
        if (s->slots[i] == 0)
            return false;
    }
}

size_t idset_count(const struct idset *s) {
    return s->count;
}

int idset_each(const struct idset *s, int (*fn)(int64_t id, void *ctx), void *ctx) {
    for (size_t c = 0; c < N_CHUNKS; c++) {
        const unsigned char *chunk = s->chunks[c];
        for (size_t byte = 0; chunk && byte < CHUNK_BITS / 8; byte++)
            for (unsigned bit = 0; chunk[byte] >> bit; bit++)
                if (chunk[byte] & (1u << bit)) {
                    int rc = fn((int64_t)(c * CHUNK_BITS + byte * 8 + bit), ctx);
                    if (rc != 0)
                        return rc;
                }
    }
    for (size_t i = 0; i < s->capacity; i++)
        if (s->slots[i] != 0) {
            int rc = fn(s->slots[i], ctx);
            if (rc != 0)
                return rc;
        }
    return 0;
}
