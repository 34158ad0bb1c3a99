/* rowcache.c - see rowcache.h. */
#include "rowcache.h"

#include <stdlib.h>
#include <string.h>

struct slot {
    uint64_t digest;
    int64_t id;
    char code[ROWCACHE_CODE_MAX + 1]; /* "" for integer keys */
    unsigned char table;              /* 0: empty */
};

struct rowcache {
    size_t mask; /* slots - 1 */
    struct slot slots[];
};

#define FNV_PRIME UINT64_C(0x100000001b3)

static uint64_t fold_byte(uint64_t d, unsigned char b) {
    return (d ^ b) * FNV_PRIME;
}

static uint64_t fold_u64(uint64_t d, uint64_t v) {
    for (int i = 0; i < 8; i++)
        d = fold_byte(d, (unsigned char)(v >> (8 * i)));
    return d;
}

uint64_t rowcache_digest_text(uint64_t d, const char *s) {
    if (!s)
        return fold_byte(d, 0xfe); /* NULL: a tag no text starts with */
    d = fold_byte(d, 0x01);
    for (; *s; s++)
        d = fold_byte(d, (unsigned char)*s);
    return fold_byte(d, 0x00); /* "ab","c" differs from "a","bc" */
}

uint64_t rowcache_digest_int(uint64_t d, bool present, int64_t v) {
    if (!present)
        return fold_byte(d, 0xfe);
    return fold_u64(fold_byte(d, 0x02), (uint64_t)v);
}

uint64_t rowcache_digest_double(uint64_t d, bool present, double v) {
    if (!present)
        return fold_byte(d, 0xfe);
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    return fold_u64(fold_byte(d, 0x03), bits);
}

struct rowcache *rowcache_new(size_t slots) {
    size_t n = 1;
    while (n < slots && n < (SIZE_MAX >> 1) / sizeof(struct slot))
        n <<= 1;
    struct rowcache *c = calloc(1, sizeof *c + n * sizeof(struct slot));
    if (c)
        c->mask = n - 1;
    return c;
}

void rowcache_free(struct rowcache *c) {
    free(c);
}

/* The row's slot, or NULL when its code is too long to cache. */
static struct slot *slot_of(const struct rowcache *c, const struct rowcache_row *row) {
    uint64_t h = fold_byte(ROWCACHE_DIGEST_START, (unsigned char)row->table);
    if (row->code) {
        size_t len = strlen(row->code);
        if (len > ROWCACHE_CODE_MAX)
            return NULL;
        h = rowcache_digest_text(h, row->code);
    } else {
        h = fold_u64(h, (uint64_t)row->id);
    }
    h ^= h >> 29; /* FNV's low bits mix poorly; the mask keeps only those */
    return (struct slot *)&c->slots[h & c->mask];
}

static bool same_key(const struct slot *s, const struct rowcache_row *row) {
    if (s->table != (unsigned char)row->table)
        return false;
    return row->code ? strcmp(s->code, row->code) == 0 : s->code[0] == '\0' && s->id == row->id;
}

bool rowcache_seen(const struct rowcache *c, const struct rowcache_row *row) {
    const struct slot *s = slot_of(c, row);
    return s && same_key(s, row) && s->digest == row->digest;
}

void rowcache_note(struct rowcache *c, const struct rowcache_row *row) {
    struct slot *s = slot_of(c, row);
    if (!s)
        return;
    *s = (struct slot){
        .digest = row->digest, .id = row->code ? 0 : row->id, .table = (unsigned char)row->table};
    if (row->code)
        memcpy(s->code, row->code, strlen(row->code) + 1); /* length checked by slot_of() */
}

void rowcache_clear(struct rowcache *c) {
    memset(c->slots, 0, (c->mask + 1) * sizeof *c->slots);
}
