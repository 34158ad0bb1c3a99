/* test_json.c - the JSON helpers every parser and writer of JSON shares
 * (json.h): where cJSON's trees live and how a failed parse tells memory
 * from bad text; the exact integers; the UTF-8 check; the strict RFC 8259
 * check and what it names; the escapes repaired; the top-level integer
 * read from the text; the JSON strings written and the UTF-8 repaired.
 * Each function's contract, its edges, and its refusals. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "json.h"

/* The Makefile links this test with -Wl,--wrap=malloc: the project's own
 * calls to malloc (the arena's blocks, json.c's, and cJSON's once
 * json_global_init() routes them through json.c) come here, are counted,
 * and fail while fail_mallocs is set, as on a machine out of memory.
 * Volatile: built with -flto, the optimiser sees json.c call malloc(),
 * which it takes to read and write neither, and dropped the store that
 * set fail_mallocs around json_utf8_repaired() (the linker makes that
 * call __wrap_malloc only after), as test_clock's clock was. */
static volatile bool fail_mallocs;
static volatile size_t n_mallocs;
void *__real_malloc(size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_malloc(size_t size) {
    n_mallocs++;
    return fail_mallocs ? NULL : __real_malloc(size);
}

/* A JSON array of `n` small objects, malloc'd: a tree of some 4 n nodes. */
static char *array_of_objects(int n, size_t *len) {
    size_t size = (size_t)n * 32 + 8;
    char *s = malloc(size);
    assert_non_null(s);
    size_t o = (size_t)snprintf(s, size, "[");
    for (int i = 0; i < n; i++)
        o +=
            (size_t)snprintf(s + o, size - o, "%s{\"id\":%d,\"name\":\"n%d\"}", i ? "," : "", i, i);
    o += (size_t)snprintf(s + o, size - o, "]");
    *len = o;
    return s;
}

/* -- json_parse_in_arena(), json_parse(), json_global_init() ------------- */

/* This one runs first: cJSON's hooks are process-wide, and the next test's
 * json_global_init() cannot be taken back. Before json_global_init() the
 * arena is not used: the tree is on the heap, said by *in_arena, and the
 * caller deletes it. */
static void test_parse_before_global_init_is_on_the_heap(void **state) {
    (void)state;
    struct arena *a = arena_new(1024);
    assert_non_null(a);
    size_t capacity = arena_capacity(a);
    size_t len;
    char *text = array_of_objects(200, &len); /* far beyond the arena's first block */
    const char *end = NULL;
    bool in_arena = true, out_of_memory = true;
    cJSON *root = json_parse_in_arena(a, text, len, &end, &in_arena, &out_of_memory);
    assert_non_null(root);
    assert_false(in_arena);
    assert_false(out_of_memory);
    assert_int_equal(arena_capacity(a), capacity); /* nothing of it in the arena */
    assert_int_equal(cJSON_GetArraySize(root), 200);
    cJSON_Delete(root);
    /* text that is not JSON: NULL, and not for want of memory */
    in_arena = true;
    out_of_memory = true;
    assert_null(json_parse_in_arena(a, "[1,", 3, &end, &in_arena, &out_of_memory));
    assert_false(in_arena);
    assert_false(out_of_memory);
    arena_free(a);
    free(text);
}

/* After json_global_init(), every node and string of the tree comes from
 * the arena: nothing else is allocated, the arena grows for a tree larger
 * than its first block, and the tree goes with arena_free() (no
 * cJSON_Delete: ASan's leak check would see one missed). */
static void test_parse_after_global_init_is_in_the_arena(void **state) {
    (void)state;
    json_global_init();
    struct arena *a = arena_new(1 << 16);
    assert_non_null(a);
    const char *end = NULL;
    bool in_arena = false, out_of_memory = true;
    const char *small = "{\"title\":\"Heat\",\"genres\":[{\"id\":80}]}";
    n_mallocs = 0;
    cJSON *root = json_parse_in_arena(a, small, strlen(small), &end, &in_arena, &out_of_memory);
    assert_int_equal(n_mallocs, 0); /* the first block held it all */
    assert_non_null(root);
    assert_true(in_arena);
    assert_false(out_of_memory);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(root, "title")->valuestring, "Heat");
    arena_free(a);

    /* a tree larger than the first block: the arena grows for it */
    a = arena_new(1024);
    assert_non_null(a);
    size_t capacity = arena_capacity(a), len;
    char *text = array_of_objects(200, &len);
    root = json_parse_in_arena(a, text, len, &end, &in_arena, &out_of_memory);
    assert_non_null(root);
    assert_true(in_arena);
    assert_true(arena_capacity(a) > capacity);
    assert_int_equal(cJSON_GetArraySize(root), 200);
    arena_free(a);
    free(text);
}

/* json_parse() stays on the heap after json_global_init() too (through
 * malloc: the caller deletes it), and so does whatever cJSON allocates
 * outside a parse, also right after a parse in an arena. */
static void test_parse_on_the_heap_after_global_init(void **state) {
    (void)state;
    bool out_of_memory = true;
    n_mallocs = 0;
    cJSON *root = json_parse("[\"a\",{\"b\":2}]", 13, NULL, &out_of_memory);
    assert_non_null(root);
    assert_true(n_mallocs > 0);
    assert_false(out_of_memory);
    assert_string_equal(cJSON_GetArrayItem(root, 0)->valuestring, "a");
    cJSON_Delete(root);

    struct arena *a = arena_new(1 << 16);
    assert_non_null(a);
    bool in_arena;
    assert_non_null(json_parse_in_arena(a, "[1]", 3, NULL, &in_arena, &out_of_memory));
    n_mallocs = 0;
    cJSON *made = cJSON_CreateString("outside a parse");
    assert_non_null(made);
    assert_true(n_mallocs > 0); /* not in the arena of the parse before */
    arena_free(a);
    assert_string_equal(made->valuestring, "outside a parse");
    cJSON_Delete(made);
}

/* A parse that fails half-way in the arena: cJSON frees the nodes it made,
 * which the arena keeps until arena_free() (freeing one would be freeing
 * the middle of a block). */
static void test_failed_parse_in_the_arena_leaves_its_nodes_to_the_arena(void **state) {
    (void)state;
    struct arena *a = arena_new(1024);
    assert_non_null(a);
    static const char *const broken[] = {"[1,2,{\"a\":", "{\"a\":[\"x\",\"y\"", "[{},{},x]"};
    for (size_t i = 0; i < sizeof broken / sizeof *broken; i++) {
        bool in_arena = false, out_of_memory = true;
        assert_null(
            json_parse_in_arena(a, broken[i], strlen(broken[i]), NULL, &in_arena, &out_of_memory));
        assert_true(in_arena);
        assert_false(out_of_memory);
    }
    arena_free(a);
}

/* A NULL for want of memory is told from one of text that is not JSON,
 * in the arena and on the heap, and each parse tells its own: a failed
 * allocation is not held against the next parse. */
static void test_out_of_memory_told_from_text_that_is_not_json(void **state) {
    (void)state;
    size_t len;
    char *text = array_of_objects(200, &len);
    struct arena *a = arena_new(1024);
    assert_non_null(a);
    bool in_arena, out_of_memory = false;
    fail_mallocs = true; /* the arena's next block cannot be had */
    cJSON *root = json_parse_in_arena(a, text, len, NULL, &in_arena, &out_of_memory);
    fail_mallocs = false;
    assert_null(root);
    assert_true(out_of_memory);
    assert_null(json_parse_in_arena(a, "[1,", 3, NULL, &in_arena, &out_of_memory));
    assert_false(out_of_memory); /* bad text, memory back */
    arena_free(a);

    fail_mallocs = true;
    root = json_parse("{\"a\":1}", 7, NULL, &out_of_memory);
    fail_mallocs = false;
    assert_null(root);
    assert_true(out_of_memory);
    assert_null(json_parse("{\"a\" 1}", 7, NULL, &out_of_memory));
    assert_false(out_of_memory);
    root = json_parse("{\"a\":1}", 7, NULL, &out_of_memory);
    assert_non_null(root);
    assert_false(out_of_memory);
    cJSON_Delete(root);
    free(text);
}

/* As cJSON_ParseWithLengthOpts(s, len, end, 0): the first value is
 * parsed, whatever follows it is left to the caller through `end` (not an
 * error), and nothing past `len` is read. */
static void test_parse_reads_one_value_of_len_bytes(void **state) {
    (void)state;
    bool out_of_memory;
    const char *end = NULL;
    const char *text = "[1] x";
    cJSON *root = json_parse(text, strlen(text), &end, &out_of_memory);
    assert_non_null(root);
    assert_ptr_equal(end, text + 3);
    cJSON_Delete(root);
    /* cut by len: the array does not end, the number is 12 */
    assert_null(json_parse("[1,2]", 3, &end, &out_of_memory));
    assert_false(out_of_memory);
    root = json_parse("12345", 2, &end, &out_of_memory);
    assert_non_null(root);
    assert_true(cJSON_IsNumber(root));
    assert_true(root->valuedouble == 12.0);
    cJSON_Delete(root);
}

/* -- json_int64() -------------------------------------------------------- */

/* json_int64() of a number item holding `d`: whether it is taken, and as what. */
static bool int64_of(double d, int64_t *out) {
    cJSON *item = cJSON_CreateNumber(d);
    assert_non_null(item);
    bool ok = json_int64(item, out);
    cJSON_Delete(item);
    return ok;
}

/* Integral numbers below 2^52 in magnitude are read exactly, beyond the
 * 2^31 where cJSON's valueint saturates; a fraction, 2^52 and beyond
 * (either sign), NaN and infinities are refused. */
static void test_int64_reads_exact_integers_only(void **state) {
    (void)state;
    const struct {
        double in;
        int64_t out;
    } taken[] = {
        {0, 0},
        {-7, -7},
        {3000000000.0, INT64_C(3000000000)}, /* valueint says 2147483647 */
        {-3000000000.0, -INT64_C(3000000000)},
        {JSON_EXACT_LIMIT - 1, INT64_C(4503599627370495)},
        {-(JSON_EXACT_LIMIT - 1), -INT64_C(4503599627370495)},
    };
    for (size_t i = 0; i < sizeof taken / sizeof *taken; i++) {
        int64_t v = 0;
        if (!int64_of(taken[i].in, &v) || v != taken[i].out)
            fail_msg("%.17g: not read as %lld", taken[i].in, (long long)taken[i].out);
    }
    const double refused[] = {1.5,
                              -0.5,
                              JSON_EXACT_LIMIT,
                              -JSON_EXACT_LIMIT,
                              1e300,
                              (double)NAN,
                              (double)INFINITY,
                              -(double)INFINITY,
                              1e-9,
                              JSON_EXACT_LIMIT * 4};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        int64_t v = 0;
        if (int64_of(refused[i], &v))
            fail_msg("%.17g: taken as %lld", refused[i], (long long)v);
    }
}

/* NULL and items that are not numbers are refused. */
static void test_int64_refuses_what_is_not_a_number(void **state) {
    (void)state;
    int64_t v = 0;
    assert_false(json_int64(NULL, &v));
    cJSON *items[] = {cJSON_CreateString("12"), cJSON_CreateTrue(), cJSON_CreateNull(),
                      cJSON_CreateArray()};
    for (size_t i = 0; i < sizeof items / sizeof *items; i++) {
        assert_non_null(items[i]);
        assert_false(json_int64(items[i], &v));
        cJSON_Delete(items[i]);
    }
}

/* -- json_utf8_valid() --------------------------------------------------- */

/* Each edge of well-formed UTF-8: the first and last code point of each
 * length, the overlong forms just below them, the surrogates, U+10FFFF
 * and beyond, stray and missing continuation bytes. */
static void test_utf8_valid_at_each_edge(void **state) {
    (void)state;
    const struct {
        const char *s;
        size_t len;
        bool valid;
    } cases[] = {
        {"", 0, true},
        {"\x00", 1, true}, /* U+0000 */
        {"\x7f", 1, true},
        {"\xc2\x80", 2, true}, /* U+0080 */
        {"\xc0\x80", 2, false},
        {"\xc1\xbf", 2, false}, /* overlong U+007F */
        {"\xdf\xbf", 2, true},  /* U+07FF */
        {"\xe0\x9f\xbf", 3, false},
        {"\xe0\xa0\x80", 3, true},  /* U+0800 */
        {"\xed\x9f\xbf", 3, true},  /* U+D7FF */
        {"\xed\xa0\x80", 3, false}, /* U+D800 */
        {"\xed\xbf\xbf", 3, false}, /* U+DFFF */
        {"\xee\x80\x80", 3, true},  /* U+E000 */
        {"\xef\xbf\xbf", 3, true},  /* U+FFFF */
        {"\xf0\x8f\xbf\xbf", 4, false},
        {"\xf0\x90\x80\x80", 4, true}, /* U+10000 */
        {"\xf4\x8f\xbf\xbf", 4, true}, /* U+10FFFF */
        {"\xf4\x90\x80\x80", 4, false},
        {"\xf5\x80\x80\x80", 4, false},
        {"\xff", 1, false},
        {"\x80", 1, false},
        {"\x80"
         "abcdefghij",
         11, false}, /* at the start of a word */
        {"\xbf", 1, false},
        {"a\xc3\x28", 3, false}, /* a continuation that is not one */
        {"\xc3\xc3\xa9", 3, false},
        {"\xe2\x82", 2, false}, /* cut short */
        {"\xf0\x9f\x8e", 3, false},
        {"caf\xc3\xa9 \xf0\x9f\x8e\xac \xea\xb4\xb4", 14, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        if (json_utf8_valid(cases[i].s, cases[i].len) != cases[i].valid)
            fail_msg("case %zu: not %s", i, cases[i].valid ? "valid" : "refused");
}

/* Only `len` bytes are judged: a sequence cut by len is cut, whatever
 * follows it in the buffer, and a bad byte after len is not seen. */
static void test_utf8_valid_reads_len_bytes_only(void **state) {
    (void)state;
    assert_false(json_utf8_valid("\xc3\xa9", 1));
    assert_false(json_utf8_valid("ab\xe2\x82\xac", 4));
    assert_false(json_utf8_valid("0123456789\xf0\x9f\x8e\xac", 13));
    assert_true(json_utf8_valid("a\xff", 1));
    assert_true(json_utf8_valid("0123456789abcdef\xff", 16));
}

/* The check reads eight bytes at a time where it can: a bad byte, a good
 * sequence and a cut one are each found at every offset of a word and in
 * the tail. */
static void test_utf8_valid_finds_every_offset(void **state) {
    (void)state;
    char buf[40];
    for (size_t at = 0; at < sizeof buf; at++) {
        memset(buf, 'a', sizeof buf);
        buf[at] = (char)0xC0;
        if (json_utf8_valid(buf, sizeof buf))
            fail_msg("a stray byte at %zu not seen", at);
        buf[at] = (char)0x80;
        if (json_utf8_valid(buf, sizeof buf))
            fail_msg("a stray continuation byte at %zu not seen", at);
        buf[at] = 0x7F;
        assert_true(json_utf8_valid(buf, sizeof buf));
        if (at + 3 > sizeof buf)
            continue;
        memcpy(buf + at, "\xea\xb4\xb4", 3);
        if (!json_utf8_valid(buf, sizeof buf))
            fail_msg("a good sequence at %zu refused", at);
        buf[at + 2] = 'a';
        if (json_utf8_valid(buf, sizeof buf))
            fail_msg("a cut sequence at %zu not seen", at);
    }
}

/* -- json_strict_valid() ------------------------------------------------- */

/* json_strict_valid() of `s` (len: strlen(s) when 0), with its reason. */
static bool strict(const char *s, size_t len, char *why, size_t why_size) {
    return json_strict_valid(s, len ? len : strlen(s), why, why_size);
}

/* Every form RFC 8259 allows: numbers with sign, fraction and exponent,
 * each defined escape, the literals, empty and nested containers, the four
 * white space characters around anything; bytes of 0x7F and beyond in a
 * string (encoding is json_utf8_valid()'s). */
static void test_strict_accepts_rfc_8259(void **state) {
    (void)state;
    static const char *const valid[] = {
        "0",
        "-0",
        "7",
        "10",
        "-10",
        "1.5",
        "0.5",
        "-0.0",
        "1e5",
        "1E5",
        "1e+5",
        "1e-5",
        "-1.5E-10",
        "true",
        "false",
        "null",
        "\"\"",
        "\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"",
        "\"\\u00e9\\uABCD\\uabcd\\u0000\"",
        "\"\x7f \xff \xc3\xa9\"",
        "[]",
        "{}",
        "[ ]",
        "{ }",
        " \t\r\n1 \t\r\n",
        "[1,\"a\",{\"b\":[null,true,false]},-2.5e3]",
        "{\"a\" : 1 , \"b\":{\"c\":[]}}",
        "[[[]]]",
    };
    char why[96];
    for (size_t i = 0; i < sizeof valid / sizeof *valid; i++)
        if (!strict(valid[i], 0, why, sizeof why))
            fail_msg("refused %s: %s", valid[i], why);
}

/* What cJSON would take but RFC 8259 does not, and text that is not JSON
 * at all: refused, with what is wrong and the byte where it was seen. */
static void test_strict_refuses_and_says_what_and_where(void **state) {
    (void)state;
    const struct {
        const char *s;
        size_t len; /* 0: strlen(s) */
        const char *why;
    } cases[] = {
        {"", 0, "a value missing at byte 0"},
        {"   ", 0, "a value missing at byte 3"},
        {"01", 0, "a number with a leading zero at byte 1"},
        {"-01", 0, "a number with a leading zero at byte 2"},
        {"[00]", 0, "a number with a leading zero at byte 2"},
        {".5", 0, "an unexpected character at byte 0"},
        {"+1", 0, "an unexpected character at byte 0"},
        {"-", 0, "a number without digits at byte 1"},
        {"-a", 0, "a number without digits at byte 1"},
        {"1.", 0, "a number with no digit after its point at byte 2"},
        {"1.e5", 0, "a number with no digit after its point at byte 2"},
        {"1e", 0, "a number with no digit in its exponent at byte 2"},
        {"1e+", 0, "a number with no digit in its exponent at byte 3"},
        {"1 2", 0, "trailing data after the value at byte 2"},
        {"{}x", 0, "trailing data after the value at byte 2"},
        {"\"a\x01\"", 0, "a control character inside a string at byte 2"},
        {"\"\t\"", 0, "a control character inside a string at byte 1"},
        {"\"\x1f\"", 0, "a control character inside a string at byte 1"},
        {"\"\\x\"", 0, "an undefined escape in a string at byte 3"},
        {"\"\\U0041\"", 0, "an undefined escape in a string at byte 3"},
        {"\"\\u12\"", 0, "a \\u escape without four hex digits at byte 5"},
        {"\"\\u12G4\"", 0, "a \\u escape without four hex digits at byte 5"},
        {"\"abc", 0, "a string that does not end at byte 4"},
        {"\"\\", 0, "a string that does not end at byte 2"},
        {"[1,]", 0, "an unexpected character at byte 3"},
        {"{\"a\":1,}", 0, "an object key that is not a string at byte 7"},
        {"{1:2}", 0, "an object key that is not a string at byte 1"},
        {"{\"a\" 1}", 0, "a key without ':' at byte 5"},
        {"{\"a\"", 0, "a key without ':' at byte 4"},
        {"{\"a\":1", 0, "an object not closed at byte 6"},
        {"{\"a\":1]", 0, "an object not closed at byte 6"},
        {"[1 2]", 0, "an array not closed at byte 3"},
        {"[1", 0, "an array not closed at byte 2"},
        {"tru", 0, "an unexpected character at byte 0"},
        {"True", 0, "an unexpected character at byte 0"},
        {"nulls", 0, "trailing data after the value at byte 4"},
        {"'a'", 0, "an unexpected character at byte 0"},
        {"\f1", 0, "an unexpected character at byte 0"}, /* not JSON's white space */
        {"\v1", 0, "an unexpected character at byte 0"},
        /* a NUL byte is neither white space, nor an escape, nor a hex digit */
        {"1\0", 2, "trailing data after the value at byte 1"},
        {"\0 1", 3, "an unexpected character at byte 0"},
        {"\"\\\0\"", 4, "an undefined escape in a string at byte 3"},
        {"\"\\u00\0"
         "0\"",
         8, "a \\u escape without four hex digits at byte 5"},
        {"\"a\0\"", 4, "a control character inside a string at byte 2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char why[128] = "";
        char expected[128];
        snprintf(expected, sizeof expected, "not strict JSON: %s", cases[i].why);
        if (strict(cases[i].s, cases[i].len, why, sizeof why))
            fail_msg("case %zu (%s): accepted", i, cases[i].why);
        if (strcmp(why, expected) != 0)
            fail_msg("case %zu: \"%s\", not \"%s\"", i, why, expected);
    }
}

/* Nesting is refused from JSON_MAX_DEPTH + 1 levels on, arrays and objects
 * alike, and accepted up to JSON_MAX_DEPTH. */
static void test_strict_nesting_limit(void **state) {
    (void)state;
    char buf[6 * (JSON_MAX_DEPTH + 1) + 16]; /* {"a": and } a level */
    char why[96];
    for (int depth = JSON_MAX_DEPTH; depth <= JSON_MAX_DEPTH + 1; depth++) {
        size_t n = 0;
        for (int k = 0; k < depth; k++)
            buf[n++] = '[';
        for (int k = 0; k < depth; k++)
            buf[n++] = ']';
        bool valid = json_strict_valid(buf, n, why, sizeof why);
        if (depth <= JSON_MAX_DEPTH && !valid)
            fail_msg("%d nested arrays refused: %s", depth, why);
        if (depth > JSON_MAX_DEPTH) {
            assert_false(valid);
            assert_string_equal(why, "not strict JSON: nesting too deep at byte 256");
        }
        /* {"a":{"a":...{}...}} */
        n = 0;
        for (int k = 1; k < depth; k++) {
            memcpy(buf + n, "{\"a\":", 5);
            n += 5;
        }
        buf[n++] = '{';
        for (int k = 0; k < depth; k++)
            buf[n++] = '}';
        valid = json_strict_valid(buf, n, why, sizeof why);
        if (valid != (depth <= JSON_MAX_DEPTH))
            fail_msg("%d nested objects: %s", depth, valid ? "accepted" : why);
    }
}

/* The reason is written only where the caller gave room for it, cut to
 * that room and NUL-terminated. */
static void test_strict_reason_fits_its_buffer(void **state) {
    (void)state;
    assert_false(json_strict_valid("[1,", 3, NULL, 0));
    assert_false(json_strict_valid("[1,", 3, NULL, 64));
    char why[16];
    memset(why, 'x', sizeof why);
    assert_false(json_strict_valid("[1,", 3, why, 0));
    assert_int_equal(why[0], 'x');
    assert_false(json_strict_valid("[1,", 3, why, 10));
    assert_string_equal(why, "not stric");
    assert_int_equal(why[10], 'x');
}

/* Only `len` bytes are judged (a buffer of exactly that size: ASan sees
 * a read past it): a value cut by len is cut, whatever follows it. */
static void test_strict_reads_len_bytes_only(void **state) {
    (void)state;
    static const char *const whole[] = {"1", "-0", "1.5", "2E+7", "true", "\"a\"", "[1]", " {} "};
    static const char *const cut[] = {"-",       "1.", "1e",     "tru",     "\"ab", "\"\\",
                                      "\"\\u12", "[1", "{\"a\"", "{\"a\":", "[1,",  "{"};
    char why[96];
    for (size_t i = 0; i < sizeof whole / sizeof *whole + sizeof cut / sizeof *cut; i++) {
        bool is_whole = i < sizeof whole / sizeof *whole;
        const char *text = is_whole ? whole[i] : cut[i - sizeof whole / sizeof *whole];
        size_t n = strlen(text);
        char *exact = malloc(n);
        assert_non_null(exact);
        memcpy(exact, text, n);
        bool valid = json_strict_valid(exact, n, why, sizeof why);
        free(exact);
        if (valid != is_whole)
            fail_msg("%s: %s", text, valid ? "accepted" : "refused");
    }
    /* what follows would change the verdict if it were read */
    assert_true(json_strict_valid("1.5", 1, why, sizeof why));
    assert_true(json_strict_valid("[1]]", 3, why, sizeof why));
    assert_false(json_strict_valid("true", 3, why, sizeof why));
    assert_string_equal(why, "not strict JSON: an unexpected character at byte 0");
    assert_false(json_strict_valid("\"\\u12345\"", 6, why, sizeof why));
    assert_string_equal(why, "not strict JSON: a \\u escape without four hex digits at byte 6");
}

/* A string is scanned eight bytes at a time where it can: a quote, a
 * backslash or a control character is found at every offset of a word
 * and in the tail. */
static void test_strict_finds_every_offset(void **state) {
    (void)state;
    static const char run[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    static const char *const bad[] = {"\x01", "\x1f", "\t", "\n", "\\q", "\\u12x4", "\"x"};
    static const char *const good[] = {"\\\"",         "\\\\", "\\n", "\\u00e9",
                                       "\xea\xb4\xb4", "\x7f", " "};
    char buf[128];
    char why[96];
    for (int at = 0; at < 40; at++) {
        for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
            snprintf(buf, sizeof buf, "[\"%.*s%s%.*s\"]", at, run, bad[k], 39 - at, run);
            if (json_strict_valid(buf, strlen(buf), why, sizeof why))
                fail_msg("accepted %s at %d", bad[k], at);
        }
        for (size_t k = 0; k < sizeof good / sizeof *good; k++) {
            snprintf(buf, sizeof buf, "[\"%.*s%s%.*s\"]", at, run, good[k], 39 - at, run);
            if (!json_strict_valid(buf, strlen(buf), why, sizeof why))
                fail_msg("refused %s at %d: %s", good[k], at, why);
        }
        /* the closing quote at every offset; without it, no end */
        snprintf(buf, sizeof buf, "[\"%.*s\"]", at, run);
        assert_true(json_strict_valid(buf, strlen(buf), why, sizeof why));
        assert_false(json_strict_valid(buf, strlen(buf) - 2, why, sizeof why));
    }
}

/* -- json_repair_escapes() ----------------------------------------------- */

/* \u0000 and surrogate escapes without their pair become \uFFFD (same
 * length), and nothing else: other escapes, well-formed pairs, text that
 * only looks like an escape, escapes cut by len. The count says how many. */
static void test_repair_escapes_replaces_only_what_cjson_cannot_take(void **state) {
    (void)state;
    const struct {
        const char *in;
        size_t len; /* 0: strlen(in) */
        const char *out;
        size_t replaced;
    } cases[] = {
        {"\"abc\"", 0, "\"abc\"", 0},
        {"\"\\u0000\"", 0, "\"\\uFFFD\"", 1},
        {"\"a\\u0000b\\u0000c\"", 0, "\"a\\uFFFDb\\uFFFDc\"", 2},
        {"\"\\u0001\\u00e9\\uFFFF\"", 0, "\"\\u0001\\u00e9\\uFFFF\"", 0},
        {"\"\\ud800\"", 0, "\"\\uFFFD\"", 1},
        {"\"\\uDBFF\"", 0, "\"\\uFFFD\"", 1},
        {"\"\\udc00\"", 0, "\"\\uFFFD\"", 1},
        {"\"\\uDFFF\"", 0, "\"\\uFFFD\"", 1},
        {"\"\\ud9ff\"", 0, "\"\\uFFFD\"", 1},
        {"\"\\uD81G\"", 0, "\"\\uD81G\"", 0}, /* not four hex digits */
        {"\"\\uD7FF\\uE000\"", 0, "\"\\uD7FF\\uE000\"", 0},
        {"\"\\ud83c\\udfac\"", 0, "\"\\ud83c\\udfac\"", 0}, /* a pair */
        {"\"\\uD800\\uDC00\\uDBFF\\uDFFF\"", 0, "\"\\uD800\\uDC00\\uDBFF\\uDFFF\"", 0},
        {"\"\\ud800\\ud800\\udc00\"", 0, "\"\\uFFFD\\ud800\\udc00\"", 1},
        {"\"\\udc00\\ud800\"", 0, "\"\\uFFFD\\uFFFD\"", 2}, /* low before high: no pair */
        {"\"\\udc00\\udc00\"", 0, "\"\\uFFFD\\uFFFD\"", 2},
        {"\"\\ud800\\\\dc00\"", 0, "\"\\uFFFD\\\\dc00\"", 1}, /* then a backslash */
        {"\"\\uD800\\u0041\"", 0, "\"\\uFFFD\\u0041\"", 1},
        {"\"\\ud800\\ue000\"", 0, "\"\\uFFFD\\ue000\"", 1},
        {"\"\\ud800x\\udc00\"", 0, "\"\\uFFFDx\\uFFFD\"", 2},
        {"\"\\\\u0000\"", 0, "\"\\\\u0000\"", 0},     /* an escaped backslash */
        {"\"\\\\\\u0000\"", 0, "\"\\\\\\uFFFD\"", 1}, /* then an escape */
        {"\"\\n\\u0000\\\"\\u0000\"", 0, "\"\\n\\uFFFD\\\"\\uFFFD\"", 2},
        {"\"\\uZZZZ\\u00\"", 0, "\"\\uZZZZ\\u00\"", 0},
        {"\"\\U0000\"", 0, "\"\\U0000\"", 0},
        {"\"\\u0000\"", 6, "\"\\u0000\"", 0}, /* cut by len */
        {"\"\\u0000\"", 7, "\"\\uFFFD\"", 1}, /* just within len */
        {"\"\\ud83c\\udfac\"", 13, "\"\\ud83c\\udfac\"", 0},
        {"\"\\ud83c\\udfac\"", 12, "\"\\uFFFD\\udfac\"", 1}, /* its pair past len */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char buf[64];
        size_t n = strlen(cases[i].in);
        memcpy(buf, cases[i].in, n + 1);
        size_t replaced = json_repair_escapes(buf, cases[i].len ? cases[i].len : n);
        if (replaced != cases[i].replaced || strcmp(buf, cases[i].out) != 0)
            fail_msg("case %zu: %s (%zu replaced), not %s (%zu)", i, buf, replaced, cases[i].out,
                     cases[i].replaced);
    }
    /* a backslash as the last byte, in a buffer of exactly len bytes: the
     * scan ends there (ASan sees a read past it) */
    char *exact = malloc(2);
    assert_non_null(exact);
    memcpy(exact, "x\\", 2);
    assert_int_equal(json_repair_escapes(exact, 2), 0);
    assert_memory_equal(exact, "x\\", 2);
    free(exact);
}

/* What it repairs, cJSON then reads, to the end of the string. */
static void test_repaired_escapes_parse_whole(void **state) {
    (void)state;
    char text[] = "[\"abc\\u0000def\",\"lone \\ud800 high\"]";
    assert_int_equal(json_repair_escapes(text, strlen(text)), 2);
    bool out_of_memory;
    cJSON *root = json_parse(text, strlen(text), NULL, &out_of_memory);
    assert_non_null(root);
    assert_string_equal(cJSON_GetArrayItem(root, 0)->valuestring, "abc\xef\xbf\xbd"
                                                                  "def");
    assert_string_equal(cJSON_GetArrayItem(root, 1)->valuestring, "lone \xef\xbf\xbd high");
    cJSON_Delete(root);
}

/* -- json_top_level_int64() ---------------------------------------------- */

/* The literal of a key of the top-level object, exactly, over all of
 * int64_t; refused when it is not an integer literal, does not fit, or the
 * key is not at the top level (nested, a value, another key it begins or
 * ends, inside a string). */
static void test_top_level_int64_reads_the_literal(void **state) {
    (void)state;
    const struct {
        const char *json;
        bool found;
        int64_t value;
    } cases[] = {
        {"{\"budget\":4503599627370497}", true, INT64_C(4503599627370497)},
        {"{\"budget\":9007199254740993}", true, INT64_C(9007199254740993)},
        {"{\"budget\":9223372036854775807}", true, INT64_MAX},
        {"{\"budget\":-9223372036854775808}", true, INT64_MIN},
        {"{\"budget\":0}", true, 0},
        {"{\"budget\":-5}", true, -5},
        {"{\"budget\" :\n 8 }", true, 8},
        {"{\"budget\":9223372036854775808}", false, 0},
        {"{\"budget\":-9223372036854775809}", false, 0},
        {"{\"budget\":123456789012345678901234567890123456789}", false, 0},
        {"{\"budget\":12345678901234567890123456789012}", false, 0}, /* 32 digits */
        {"{\"budget\":1.5}", false, 0},
        {"{\"budget\":4503599627370497.0}", false, 0},
        {"{\"budget\":1e20}", false, 0},
        {"{\"budget\":1E3}", false, 0},
        {"{\"budget\":\"5\"}", false, 0},
        {"{\"budget\":null}", false, 0},
        {"{\"budget\":[1]}", false, 0},
        {"{}", false, 0},
        {"[{\"budget\":1}]", false, 0},
        {"{\"a\":{\"budget\":1}}", false, 0},
        {"{\"a\":{\"budget\":1},\"budget\":2}", true, 2},
        {"{\"a\":[[{\"budget\":1}]],\"budget\":3}", true, 3},
        {"{\"x\":\"budget\",\"budget\":4}", true, 4},
        {"{\"budget_x\":1,\"xbudget\":2,\"budget\":5}", true, 5},
        {"{\"budg\":1}", false, 0},
        {"{\"t\":\"a\\\"budget\\\":1\",\"budget\":6}", true, 6},
        {"{\"t\":\"{[{[\",\"budget\":7}", true, 7},
        {"{\"budget", false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int64_t v = -1;
        bool found = json_top_level_int64(cases[i].json, strlen(cases[i].json), "budget", &v);
        if (found != cases[i].found || (found && v != cases[i].value))
            fail_msg("%s: %s %lld", cases[i].json, found ? "read" : "not read", (long long)v);
    }
    /* only len bytes: the key past them is not found */
    int64_t v = 0;
    const char *text = "{\"a\":1,\"budget\":2}";
    assert_false(json_top_level_int64(text, 8, "budget", &v));
    assert_true(json_top_level_int64(text, strlen(text), "budget", &v));
    assert_int_equal(v, 2);
}

/* -- json_write_string() ------------------------------------------------- */

/* What json_write_string() writes for the `len` bytes of `s`, malloc'd. */
static char *written(const char *s, size_t len) {
    char *buf = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&buf, &size);
    assert_non_null(out);
    json_write_string(out, s, len);
    assert_int_equal(fclose(out), 0);
    return buf;
}

/* Quotes, backslashes and control characters escaped (\n and \t by name,
 * others as \u00XX); U+0085, U+2028 and U+2029 escaped, their neighbours
 * not; every other character as it is; each byte of a malformed sequence
 * as \ufffd; `len` bytes, NULs among them. */
static void test_write_string_escapes_what_json_lines_need(void **state) {
    (void)state;
    const struct {
        const char *in;
        size_t len; /* 0: strlen(in) */
        const char *out;
    } cases[] = {
        {"", 0, "\"\""},
        {"plain / text ~", 0, "\"plain / text ~\""},
        {"\"\\", 0, "\"\\\"\\\\\""},
        {"a\nb\tc", 0, "\"a\\nb\\tc\""},
        {"\r\b\f\x01\x1f", 0, "\"\\u000d\\u0008\\u000c\\u0001\\u001f\""},
        {"\x7f", 0, "\"\x7f\""},
        {"a\0b", 3, "\"a\\u0000b\""},
        {"nel\xc2\x85ls\xe2\x80\xa8ps\xe2\x80\xa9.", 0, "\"nel\\u0085ls\\u2028ps\\u2029.\""},
        {"\xc2\x84\xc2\x86\xe2\x80\xa7\xe2\x80\xaa\xe2\x81\xa8", 0,
         "\"\xc2\x84\xc2\x86\xe2\x80\xa7\xe2\x80\xaa\xe2\x81\xa8\""},
        {"caf\xc3\xa9 \xf0\x9f\x8e\xac \xea\xb4\xb4", 0,
         "\"caf\xc3\xa9 \xf0\x9f\x8e\xac \xea\xb4\xb4\""},
        {"\xff", 0, "\"\\ufffd\""},
        {"\x80x", 0, "\"\\ufffdx\""},
        {"\xc0\x80", 0, "\"\\ufffd\\ufffd\""},
        {"\xed\xa0\x80", 0, "\"\\ufffd\\ufffd\\ufffd\""},
        {"cut \xe2\x80", 0, "\"cut \\ufffd\\ufffd\""},
        {"\xe2\x80\xa8", 2, "\"\\ufffd\\ufffd\""}, /* cut by len */
        {"ab", 1, "\"a\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *got = written(cases[i].in, cases[i].len ? cases[i].len : strlen(cases[i].in));
        if (strcmp(got, cases[i].out) != 0)
            fail_msg("case %zu: %s, not %s", i, got, cases[i].out);
        free(got);
    }
}

/* Whatever the bytes, what is written is one strict JSON string, valid
 * UTF-8, on one line for any reader, that reads back as the bytes with
 * their malformed sequences repaired (json_utf8_repaired()). */
static void test_write_string_of_any_bytes_reads_back(void **state) {
    (void)state;
    uint32_t rng = 12345;
    char in[48];
    char why[96];
    for (int round = 0; round < 2000; round++) {
        size_t len = (size_t)round % sizeof in;
        for (size_t k = 0; k < len; k++) {
            rng = rng * 1103515245u + 12345u;
            unsigned b = (rng >> 16) & 0xFF;
            in[k] = (char)(b ? b : 'z'); /* a NUL ends cJSON's string: not here */
        }
        char *out = written(in, len);
        size_t n = strlen(out);
        if (!json_utf8_valid(out, n) || !json_strict_valid(out, n, why, sizeof why))
            fail_msg("round %d: %s", round, out);
        if (strpbrk(out, "\n\r") || strstr(out, "\xc2\x85") || strstr(out, "\xe2\x80\xa8") ||
            strstr(out, "\xe2\x80\xa9"))
            fail_msg("round %d: a line end in %s", round, out);
        bool out_of_memory;
        cJSON *back = json_parse(out, n, NULL, &out_of_memory);
        assert_true(cJSON_IsString(back));
        char *repaired = json_utf8_repaired(in, len, NULL);
        assert_non_null(repaired);
        if (strcmp(back->valuestring, repaired) != 0)
            fail_msg("round %d: %s read back differs", round, out);
        free(repaired);
        cJSON_Delete(back);
        free(out);
    }
}

/* -- json_utf8_repaired() ------------------------------------------------ */

/* Well-formed text copied as it is; each byte of a malformed sequence
 * becomes U+FFFD, as json_write_string() writes it; all `len` bytes, a NUL
 * among them, with the length said. */
static void test_utf8_repaired_replaces_each_stray_byte(void **state) {
    (void)state;
    const struct {
        const char *in;
        size_t len; /* 0: strlen(in) */
        const char *out;
        size_t out_len; /* 0: strlen(out) */
    } cases[] = {
        {"", 0, "", 0},
        {"\xed\x9f\xbf \xf4\x8f\xbf\xbf \xc2\x80", 0, "\xed\x9f\xbf \xf4\x8f\xbf\xbf \xc2\x80", 0},
        {"ids-\xff\xfe", 0, "ids-\xef\xbf\xbd\xef\xbf\xbd", 0},
        {"\xc0\xafx", 0, "\xef\xbf\xbd\xef\xbf\xbdx", 0},                 /* overlong */
        {"\xed\xa0\x80x", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdx", 0}, /* a surrogate */
        {"\xf4\x90\x80\x80", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 0},
        {"cut \xf0\x9f\x8e", 0, "cut \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 0},
        {"\xc3\xa9\xc3\xa9", 3, "\xc3\xa9\xef\xbf\xbd", 0}, /* cut by len */
        {"a\0b\xff"
         "c",
         5,
         "a\0b\xef\xbf\xbd"
         "c",
         7},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
        size_t out_len = cases[i].out_len ? cases[i].out_len : strlen(cases[i].out);
        size_t n = 99;
        char *got = json_utf8_repaired(cases[i].in, len, &n);
        assert_non_null(got);
        if (n != out_len || memcmp(got, cases[i].out, out_len + 1) != 0)
            fail_msg("case %zu: %zu bytes, not %zu, or others", i, n, out_len);
        assert_true(json_utf8_valid(got, n));
        free(got);
    }
    char *got = json_utf8_repaired("x\xff", 2, NULL); /* no length asked */
    assert_string_equal(got, "x\xef\xbf\xbd");
    free(got);
}

/* Out of memory: NULL, nothing written. */
static void test_utf8_repaired_out_of_memory_is_null(void **state) {
    (void)state;
    size_t n = 99;
    fail_mallocs = true;
    char *got = json_utf8_repaired("abc", 3, &n);
    fail_mallocs = false;
    assert_null(got);
    assert_int_equal(n, 99);
}

/* -- json_library_version() ---------------------------------------------- */

/* The version of the cJSON linked in, as `--version` prints it. */
static void test_library_version_is_cjsons(void **state) {
    (void)state;
    const char *v = json_library_version();
    assert_non_null(v);
    assert_string_equal(v, cJSON_Version());
    char header[32];
    snprintf(header, sizeof header, "%d.%d.", CJSON_VERSION_MAJOR, CJSON_VERSION_MINOR);
    assert_memory_equal(v, header, strlen(header));
}

int main(void) {
    /* a scan that stops advancing fails the binary (SIGALRM) rather than
     * holding the run: every test here takes milliseconds */
    alarm(10);
    const struct CMUnitTest tests[] = {
        /* first, in this order: json_global_init() is for good */
        cmocka_unit_test(test_parse_before_global_init_is_on_the_heap),
        cmocka_unit_test(test_parse_after_global_init_is_in_the_arena),
        cmocka_unit_test(test_parse_on_the_heap_after_global_init),
        cmocka_unit_test(test_failed_parse_in_the_arena_leaves_its_nodes_to_the_arena),
        cmocka_unit_test(test_out_of_memory_told_from_text_that_is_not_json),
        cmocka_unit_test(test_parse_reads_one_value_of_len_bytes),
        cmocka_unit_test(test_int64_reads_exact_integers_only),
        cmocka_unit_test(test_int64_refuses_what_is_not_a_number),
        cmocka_unit_test(test_utf8_valid_at_each_edge),
        cmocka_unit_test(test_utf8_valid_reads_len_bytes_only),
        cmocka_unit_test(test_utf8_valid_finds_every_offset),
        cmocka_unit_test(test_strict_accepts_rfc_8259),
        cmocka_unit_test(test_strict_refuses_and_says_what_and_where),
        cmocka_unit_test(test_strict_nesting_limit),
        cmocka_unit_test(test_strict_reason_fits_its_buffer),
        cmocka_unit_test(test_strict_reads_len_bytes_only),
        cmocka_unit_test(test_strict_finds_every_offset),
        cmocka_unit_test(test_repair_escapes_replaces_only_what_cjson_cannot_take),
        cmocka_unit_test(test_repaired_escapes_parse_whole),
        cmocka_unit_test(test_top_level_int64_reads_the_literal),
        cmocka_unit_test(test_write_string_escapes_what_json_lines_need),
        cmocka_unit_test(test_write_string_of_any_bytes_reads_back),
        cmocka_unit_test(test_utf8_repaired_replaces_each_stray_byte),
        cmocka_unit_test(test_utf8_repaired_out_of_memory_is_null),
        cmocka_unit_test(test_library_version_is_cjsons),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
