/*
 * json.h - small JSON helpers shared by the parsers of TMDB bodies
 * (movie.c, tmdb.c, export.c) and the writers of JSON (log.c, dump.c).
 * Any thread; json_write_string() writes only to the stream it is given.
 * One race is cJSON's own and accepted: every cJSON parse (1.7.x) clears
 * a process-wide error position that cJSON_GetErrorPtr() would read, from
 * whichever thread parses. Nothing here reads it (a failed parse is told
 * by its NULL result and `end`), so the threads never see each other's.
 */
#ifndef TMDB_JSON_H
#define TMDB_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct arena;
struct cJSON;

/*
 * Route cJSON's allocations through json_parse_in_arena()'s arena while it
 * runs on the calling thread, and through malloc/free otherwise. Call once
 * from main before any thread starts (cJSON's hooks are process-wide).
 * Without it, json_parse_in_arena() still works, with malloc.
 */
void json_global_init(void);

/*
 * cJSON_ParseWithLengthOpts(s, len, end, 0) with every node and string
 * allocated in `a`. Returns the root or NULL. *in_arena tells whether the
 * tree lives in `a` (then it is freed with the arena and must never reach
 * cJSON_Delete) or on the heap (json_global_init() was not called: the
 * caller frees it with cJSON_Delete). *out_of_memory tells a NULL of a
 * failed allocation from one of text that is not JSON (known only with
 * json_global_init(): its hooks see the allocations).
 */
struct cJSON *json_parse_in_arena(struct arena *a, const char *s, size_t len, const char **end,
                                  bool *in_arena, bool *out_of_memory);

/*
 * cJSON_ParseWithLengthOpts(s, len, end, 0) on the heap (free with
 * cJSON_Delete), with *out_of_memory as json_parse_in_arena() sets it.
 */
struct cJSON *json_parse(const char *s, size_t len, const char **end, bool *out_of_memory);

/* 2^52: from here on a double holds integers only, so a literal's fraction
 * may have been rounded away (4503599627370497.5 reads as ...498), and from
 * 2^53 on not every integer (9007199254740993 reads as ...992). A number
 * this large is read from its text (json_top_level_int64()) or refused. */
#define JSON_EXACT_LIMIT 4503599627370496.0

/*
 * Read an integral JSON number through cJSON's double, never through
 * valueint, which saturates at 2^31. Returns false when the item is NULL
 * or not a number, is not integral, or is at least JSON_EXACT_LIMIT in
 * magnitude (where the double may not be the literal's value).
 */
bool json_int64(const struct cJSON *item, int64_t *out);

/* True when `len` bytes of `s` are well-formed UTF-8 (no overlongs, no
 * surrogates, nothing beyond U+10FFFF). */
bool json_utf8_valid(const char *s, size_t len);

/* Deepest nesting json_strict_valid() accepts (TMDB's bodies nest < 10). */
#define JSON_MAX_DEPTH 256

/*
 * True when `len` bytes of `s` are exactly one JSON value with optional
 * white space around it, by RFC 8259's grammar: numbers without leading
 * zeros or bare dots, strings without raw control characters and with
 * only the defined escapes, nothing after the value, nesting at most
 * JSON_MAX_DEPTH. cJSON is laxer; SQLite's JSON functions are not, and a
 * body stored in raw_json must stay readable by them (json_extract, the
 * search document). On false, `why` (if any) says what and where.
 * Encoding is not checked here: see json_utf8_valid().
 */
bool json_strict_valid(const char *s, size_t len, char *why, size_t why_size);

/*
 * Replace, in place, each \u escape of `s` (JSON text; anything else is
 * left as it is: only a \u and four hex digits are ever rewritten) that
 * no C string can hold or that cJSON refuses by \uFFFD,
 * which has the same length: \u0000 (cJSON's string would end there, so
 * the rest of the text was lost without a word) and a surrogate escape
 * without its pair (RFC 8259 allows one; cJSON fails the whole body). A
 * well-formed pair is kept. Returns how many escapes were replaced.
 */
size_t json_repair_escapes(char *s, size_t len);

/*
 * The exact value of the integer literal of `key` in the top-level object
 * of `s` (a body json_strict_valid() accepted): what a double may not hold
 * exactly, from JSON_EXACT_LIMIT (2^52) on. False when the key is absent at the top level, its value is
 * not an integer literal, or it does not fit in 64 bits.
 */
bool json_top_level_int64(const char *s, size_t len, const char *key, int64_t *out);

/*
 * Write `len` bytes of `s` to `out` as a JSON string, quotes included:
 * quotes, backslashes and control characters escaped, and the characters
 * other line splitters take for line ends (U+0085, U+2028, U+2029: Python's
 * str.splitlines(), JavaScript before ES2019), so that a JSON line is one
 * line for any reader; each byte that is not part of a well-formed UTF-8
 * sequence written as \ufffd (text from SQLite or a log message may hold
 * anything; JSON must be UTF-8).
 */
void json_write_string(FILE *out, const char *s, size_t len);

/* A copy of the `len` bytes of `s` (malloc'd and NUL-terminated; NULL
 * when memory is short) with each byte that is not part of a well-formed
 * UTF-8 sequence replaced by U+FFFD, as json_write_string() writes it: for
 * text handed to cJSON, which copies such bytes into its output as they
 * are, and for CSV. A NUL byte is kept, so the copy's length (set in
 * *out_len unless NULL) may exceed its strlen(). */
char *json_utf8_repaired(const char *s, size_t len, size_t *out_len);

/* cJSON's version ("1.7.15"). */
const char *json_library_version(void);

#endif
