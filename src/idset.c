/* idset.c - see idset.h. Slot value 0 means empty (ids are > 0). */
#include "idset.h"

#include <stdlib.h>

struct idset {
    int64_t *slots;
    size_t capacity; /* a power of two */
    size_t count;
};

enum { IDSET_INITIAL_CAPACITY = 1024 };

struct idset *idset_new(void) {
    struct idset *s = malloc(sizeof *s);
    if (!s)
        return NULL;
    s->slots = calloc(IDSET_INITIAL_CAPACITY, sizeof *s->slots);
    if (!s->slots) {
        free(s);
        return NULL;
    }
    s->capacity = IDSET_INITIAL_CAPACITY;
    s->count = 0;
    return s;
}

void idset_free(struct idset *s) {
    if (!s)
        return;
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

int idset_add(struct idset *s, int64_t id) {
    if (id <= 0)
        return 0;
    if ((s->count + 1) * 2 > s->capacity && grow(s) != 0)
        return -1;
    int added = insert(s->slots, s->capacity, id);
    s->count += (size_t)added;
    return added;
}

bool idset_contains(const struct idset *s, int64_t id) {
    if (id <= 0)
        return false;
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
