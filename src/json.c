/* json.c - see json.h. */
#include "json.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

bool json_int64(const cJSON *item, int64_t *out) {
    if (!cJSON_IsNumber(item))
        return false;
    double d = item->valuedouble;
    if (!isfinite(d) || d != floor(d) || fabs(d) >= JSON_EXACT_LIMIT)
        return false;
    *out = (int64_t)d;
    return true;
}

/* Set by json_global_init() before threads start; read-only afterwards. */
static bool hooks_installed;
/* The arena of the parse running on this thread, NULL outside one. */
static _Thread_local struct arena *parse_arena;
/* Whether an allocation of this thread's parse failed: cJSON then returns
 * NULL, as for a syntax error, and json_parse_in_arena() tells them apart. */
static _Thread_local bool parse_out_of_memory;

static void *hook_malloc(size_t size) {
    void *p = parse_arena ? arena_alloc(parse_arena, size) : malloc(size);
    if (!p)
        parse_out_of_memory = true;
    return p;
}

/* Inside a parse, cJSON frees only what that parse allocated (a node it
 * abandons on a syntax error): the arena takes it back at arena_free(). */
static void hook_free(void *p) {
    if (!parse_arena)
        free(p);
}

void json_global_init(void) {
    cJSON_Hooks hooks = {.malloc_fn = hook_malloc, .free_fn = hook_free};
    cJSON_InitHooks(&hooks);
    hooks_installed = true;
}

/* One parse with this thread's allocations in `a` (NULL: on the heap),
 * telling a failed allocation from text that is not JSON. */
static cJSON *parse(struct arena *a, const char *s, size_t len, const char **end,
                    bool *out_of_memory) {
    parse_arena = a;
    parse_out_of_memory = false;
    cJSON *root = cJSON_ParseWithLengthOpts(s, len, end, 0);
    parse_arena = NULL;
    *out_of_memory = !root && parse_out_of_memory;
    return root;
}

cJSON *json_parse_in_arena(struct arena *a, const char *s, size_t len, const char **end,
                           bool *in_arena, bool *out_of_memory) {
    *in_arena = hooks_installed;
    return parse(hooks_installed ? a : NULL, s, len, end, out_of_memory);
}

cJSON *json_parse(const char *s, size_t len, const char **end, bool *out_of_memory) {
    return parse(NULL, s, len, end, out_of_memory);
}

const char *json_library_version(void) {
    return cJSON_Version();
}

/* Eight bytes at a time, for the two scans every body takes (UTF-8, then
 * strict JSON): tests that never miss a byte they look for, so that a word
 * they pass is skipped and any other is read byte by byte. */
#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

static uint64_t load8(const void *s) {
    uint64_t w;
    memcpy(&w, s, sizeof w);
    return w;
}

/* Nonzero when some byte of w is below b (b <= 0x80). */
static uint64_t any_below(uint64_t w, unsigned b) {
    return (w - ONES * b) & ~w & HIGHS;
}

/* Nonzero when some byte of w is b. */
static uint64_t any_equal(uint64_t w, unsigned b) {
    return any_below(w ^ (ONES * b), 1);
}

/* How many bytes of a word come before the first one a test flagged, or 8
 * when it flagged none. A flag may be false (a borrow from a true one),
 * never missing: stopping early only leaves a byte to the byte loop. */
static size_t skip_to(uint64_t found) {
    if (!found)
        return 8;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return (size_t)__builtin_clzll(found) / 8; /* the first byte is the top one */
#else
    return (size_t)__builtin_ctzll(found) / 8;
#endif
}

bool json_utf8_valid(const char *str, size_t len) {
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        if (len - i >= 8) {
            uint64_t high = load8(s + i) & HIGHS;
            if (!high || s[i] < 0x80) {
                i += skip_to(high); /* the ASCII bytes before the first other one */
                continue;
            }
        }
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        unsigned cp;
        if (c >= 0xC2 && c <= 0xDF)
            n = 1, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            n = 2, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            n = 3, cp = c & 0x07;
        else
            return false; /* continuation byte, overlong lead C0/C1, or > U+10FFFF */
        if (len - i <= n) /* truncated sequence */
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

/* How many bytes the well-formed UTF-8 sequence starting at s[0] (a byte
 * >= 0x80) has, or 0 when none starts there: a stray continuation byte,
 * an overlong form, a surrogate, beyond U+10FFFF, cut short by len. */
static size_t utf8_sequence(const char *s, size_t len) {
    unsigned char lead = (unsigned char)s[0];
    size_t n = lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    return n <= len && json_utf8_valid(s, n) ? n : 0;
}

void json_write_string(FILE *out, const char *s, size_t len) {
    fputc('"', out);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            size_t n = utf8_sequence(s + i, len - i);
            if (n == 0) {
                fputs("\\ufffd", out);
                continue;
            }
            /* NEL, LINE and PARAGRAPH SEPARATOR: line ends to some readers */
            unsigned char c1 = (unsigned char)s[i + 1], c2 = n == 3 ? (unsigned char)s[i + 2] : 0;
            if (n == 2 && c == 0xC2 && c1 == 0x85)
                fputs("\\u0085", out);
            else if (n == 3 && c == 0xE2 && c1 == 0x80 && (c2 == 0xA8 || c2 == 0xA9))
                fputs(c2 == 0xA8 ? "\\u2028" : "\\u2029", out);
            else
                fwrite(s + i, 1, n, out);
            i += n - 1;
        } else if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", out);
        else if (c == '\t')
            fputs("\\t", out);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

char *json_utf8_repaired(const char *s, size_t len, size_t *out_len) {
    char *out = malloc(3 * len + 1); /* U+FFFD is 3 bytes a bad byte */
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        size_t n = (unsigned char)s[i] < 0x80 ? 1 : utf8_sequence(s + i, len - i);
        if (n == 0) {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            continue;
        }
        memcpy(out + o, s + i, n);
        o += n;
        i += n - 1;
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    return out;
}

/* -- strict validation (RFC 8259) ----------------------------------------- */

struct strict {
    const char *s;
    size_t len, i;
    const char *error; /* what is wrong at i; NULL while all is well */
};

static void skip_ws(struct strict *p) {
    while (p->i < p->len && strchr(" \t\n\r", p->s[p->i]) && p->s[p->i])
        p->i++;
}

static bool fail(struct strict *p, const char *what) {
    p->error = what;
    return false;
}

static bool digits(struct strict *p) {
    size_t start = p->i;
    while (p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '9')
        p->i++;
    return p->i > start;
}

static bool number(struct strict *p) {
    if (p->s[p->i] == '-')
        p->i++;
    if (p->i < p->len && p->s[p->i] == '0')
        p->i++;
    else if (p->i >= p->len || p->s[p->i] < '1' || p->s[p->i] > '9' || !digits(p))
        return fail(p, "a number without digits");
    if (p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '9')
        return fail(p, "a number with a leading zero");
    if (p->i < p->len && p->s[p->i] == '.') {
        p->i++;
        if (!digits(p))
            return fail(p, "a number with no digit after its point");
    }
    if (p->i < p->len && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
        p->i++;
        if (p->i < p->len && (p->s[p->i] == '+' || p->s[p->i] == '-'))
            p->i++;
        if (!digits(p))
            return fail(p, "a number with no digit in its exponent");
    }
    return true;
}

static bool string(struct strict *p) {
    p->i++; /* the opening quote */
    while (p->i < p->len) {
        /* skip eight bytes with no quote, backslash or control character */
        while (p->len - p->i >= 8) {
            uint64_t w = load8(p->s + p->i);
            size_t n = skip_to(any_below(w, 0x20) | any_equal(w, '"') | any_equal(w, '\\'));
            p->i += n;
            if (n < 8)
                break;
        }
        if (p->i >= p->len)
            break;
        unsigned char c = (unsigned char)p->s[p->i];
        if (c == '"') {
            p->i++;
            return true;
        }
        if (c < 0x20)
            return fail(p, "a control character inside a string");
        if (c != '\\') {
            p->i++;
            continue;
        }
        if (++p->i >= p->len)
            break;
        c = (unsigned char)p->s[p->i++];
        if (c == 'u') {
            for (int k = 0; k < 4; k++, p->i++)
                if (p->i >= p->len || !strchr("0123456789abcdefABCDEF", p->s[p->i]) ||
                    !p->s[p->i])
                    return fail(p, "a \\u escape without four hex digits");
        } else if (!strchr("\"\\/bfnrt", c) || !c) {
            return fail(p, "an undefined escape in a string");
        }
    }
    return fail(p, "a string that does not end");
}

static bool literal(struct strict *p, const char *word) {
    size_t n = strlen(word);
    if (p->len - p->i < n || memcmp(p->s + p->i, word, n) != 0)
        return fail(p, "an unexpected character");
    p->i += n;
    return true;
}

static bool value(struct strict *p, int depth);

/* An object or array at s[i] ('{' or '['). */
static bool container(struct strict *p, int depth) {
    if (depth >= JSON_MAX_DEPTH)
        return fail(p, "nesting too deep");
    char close = p->s[p->i] == '{' ? '}' : ']';
    p->i++;
    skip_ws(p);
    if (p->i < p->len && p->s[p->i] == close) {
        p->i++;
        return true;
    }
    for (;;) {
        if (close == '}') {
            if (p->i >= p->len || p->s[p->i] != '"')
                return fail(p, "an object key that is not a string");
            if (!string(p))
                return false;
            skip_ws(p);
            if (p->i >= p->len || p->s[p->i] != ':')
                return fail(p, "a key without ':'");
            p->i++;
        }
        if (!value(p, depth + 1))
            return false;
        skip_ws(p);
        if (p->i < p->len && p->s[p->i] == ',') {
            p->i++;
            skip_ws(p);
            continue;
        }
        if (p->i < p->len && p->s[p->i] == close) {
            p->i++;
            return true;
        }
        return fail(p, close == '}' ? "an object not closed" : "an array not closed");
    }
}

static bool value(struct strict *p, int depth) {
    skip_ws(p);
    if (p->i >= p->len)
        return fail(p, "a value missing");
    switch (p->s[p->i]) {
    case '{':
    case '[':
        return container(p, depth);
    case '"':
        return string(p);
    case 't':
        return literal(p, "true");
    case 'f':
        return literal(p, "false");
    case 'n':
        return literal(p, "null");
    default:
        if (p->s[p->i] == '-' || (p->s[p->i] >= '0' && p->s[p->i] <= '9'))
            return number(p);
        return fail(p, "an unexpected character");
    }
}

bool json_strict_valid(const char *s, size_t len, char *why, size_t why_size) {
    struct strict p = {.s = s, .len = len};
    if (value(&p, 0)) {
        skip_ws(&p);
        if (p.i == len)
            return true;
        fail(&p, "trailing data after the value");
    }
    if (why && why_size)
        snprintf(why, why_size, "not strict JSON: %s at byte %zu", p.error, p.i);
    return false;
}

/* The value of the four hex digits at s, or -1. */
static long hex4(const char *s) {
    long v = 0;
    for (int k = 0; k < 4; k++) {
        char c = s[k];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

size_t json_repair_escapes(char *s, size_t len) {
    size_t replaced = 0;
    const char *bs;
    for (size_t i = 0; i < len && (bs = memchr(s + i, '\\', len - i));) {
        i = (size_t)(bs - s);
        if (i + 6 > len || s[i + 1] != 'u') {
            i += 2; /* a one-letter escape: \\ must not start another */
            continue;
        }
        long v = hex4(s + i + 2);
        if (v >= 0xD800 && v <= 0xDBFF && i + 12 <= len && s[i + 6] == '\\' && s[i + 7] == 'u') {
            long low = hex4(s + i + 8);
            if (low >= 0xDC00 && low <= 0xDFFF) {
                i += 12; /* a pair */
                continue;
            }
        }
        if (v == 0 || (v >= 0xD800 && v <= 0xDFFF)) {
            /* inside the string: its terminator is further on */
            memcpy(s + i + 2, "FFFD", 4); // NOLINT(bugprone-not-null-terminated-result)
            replaced++;
        }
        i += 6;
    }
    return replaced;
}

bool json_top_level_int64(const char *s, size_t len, const char *key, int64_t *out) {
    struct strict p = {.s = s, .len = len};
    size_t key_len = strlen(key);
    int depth = 0;
    while (p.i < len) {
        char c = s[p.i];
        if (c == '{' || c == '[') {
            depth++;
            p.i++;
        } else if (c == '}' || c == ']') {
            depth--;
            p.i++;
        } else if (c == '"') {
            size_t start = p.i + 1;
            if (!string(&p))
                return false;
            size_t end = p.i - 1; /* the closing quote */
            skip_ws(&p);
            bool is_key = p.i < len && s[p.i] == ':';
            if (!(depth == 1 && is_key && end - start == key_len &&
                  memcmp(s + start, key, key_len) == 0))
                continue;
            p.i++;
            skip_ws(&p);
            size_t num = p.i;
            if (p.i >= len || !number(&p) || p.i - num >= 32)
                return false;
            char literal_text[32];
            memcpy(literal_text, s + num, p.i - num);
            literal_text[p.i - num] = '\0';
            if (strpbrk(literal_text, ".eE"))
                return false;
            errno = 0;
            long long v = strtoll(literal_text, NULL, 10);
            if (errno == ERANGE)
                return false;
            *out = v;
            return true;
        } else {
            p.i++;
        }
    }
    return false;
}
