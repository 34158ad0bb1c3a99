/* json.c - see json.h. */
#include "json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "arena.h"

/* 2^53: beyond it a double no longer holds every integer. */
#define JSON_EXACT_LIMIT 9007199254740992.0

bool json_int64(const cJSON *item, int64_t *out) {
    if (!cJSON_IsNumber(item))
        return false;
    double d = item->valuedouble;
    if (!isfinite(d) || d != floor(d) || fabs(d) > JSON_EXACT_LIMIT)
        return false;
    *out = (int64_t)d;
    return true;
}

/* Set by json_global_init() before threads start; read-only afterwards. */
static bool hooks_installed;
/* The arena of the parse running on this thread, NULL outside one. */
static _Thread_local struct arena *parse_arena;

static void *hook_malloc(size_t size) {
    return parse_arena ? arena_alloc(parse_arena, size) : malloc(size);
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

cJSON *json_parse_in_arena(struct arena *a, const char *s, size_t len, const char **end,
                           bool *in_arena) {
    *in_arena = hooks_installed;
    if (hooks_installed)
        parse_arena = a;
    cJSON *root = cJSON_ParseWithLengthOpts(s, len, end, 0);
    parse_arena = NULL;
    return root;
}

const char *json_library_version(void) {
    return cJSON_Version();
}

bool json_utf8_valid(const char *str, size_t len) {
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
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
