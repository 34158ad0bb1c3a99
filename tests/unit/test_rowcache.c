/* test_rowcache.c - the memory of shared rows already written. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "rowcache.h"

static uint64_t name_digest(const char *name) {
    return rowcache_digest_text(ROWCACHE_DIGEST_START, name);
}

static void test_noted_rows_are_seen_with_the_same_values_only(void **state) {
    (void)state;
    struct rowcache *c = rowcache_new(64);
    assert_non_null(c);
    struct rowcache_row drama = {ROWCACHE_GENRE, 18, NULL, name_digest("Drama")};
    assert_false(rowcache_seen(c, &drama));
    rowcache_note(c, &drama);
    assert_true(rowcache_seen(c, &drama));
    struct rowcache_row renamed = {ROWCACHE_GENRE, 18, NULL, name_digest("드라마")};
    assert_false(rowcache_seen(c, &renamed));
    /* the same id in another table is another row */
    struct rowcache_row keyword = {ROWCACHE_KEYWORD, 18, NULL, name_digest("Drama")};
    assert_false(rowcache_seen(c, &keyword));
    struct rowcache_row kr = {ROWCACHE_COUNTRY, 0, "KR", name_digest("South Korea")};
    struct rowcache_row kp = {ROWCACHE_COUNTRY, 0, "KP", name_digest("South Korea")};
    rowcache_note(c, &kr);
    assert_true(rowcache_seen(c, &kr));
    assert_false(rowcache_seen(c, &kp));
    rowcache_clear(c);
    assert_false(rowcache_seen(c, &drama));
    assert_false(rowcache_seen(c, &kr));
    rowcache_free(c);
    rowcache_free(NULL);
}

static void test_long_codes_are_never_cached(void **state) {
    (void)state;
    struct rowcache *c = rowcache_new(8);
    struct rowcache_row row = {ROWCACHE_LANGUAGE, 0, "x-very-long", name_digest("?")};
    rowcache_note(c, &row);
    assert_false(rowcache_seen(c, &row));
    rowcache_free(c);
}

static void test_a_full_cache_evicts_and_stays_exact(void **state) {
    (void)state;
    struct rowcache *c = rowcache_new(16);
    for (int64_t id = 1; id <= 1000; id++) {
        struct rowcache_row row = {ROWCACHE_PERSON, id, NULL, name_digest("p")};
        rowcache_note(c, &row);
    }
    int seen = 0;
    for (int64_t id = 1; id <= 1000; id++) {
        struct rowcache_row row = {ROWCACHE_PERSON, id, NULL, name_digest("p")};
        seen += rowcache_seen(c, &row);
    }
    assert_true(seen > 0 && seen <= 16); /* at most one row a slot */
    struct rowcache_row never = {ROWCACHE_PERSON, 5000, NULL, name_digest("p")};
    assert_false(rowcache_seen(c, &never));
    rowcache_free(c);
}

/* A code of ROWCACHE_CODE_MAX bytes is the longest cached: it is seen,
 * and under the table and code it was noted with only. */
static void test_codes_up_to_the_limit_are_cached(void **state) {
    (void)state;
    struct rowcache *c = rowcache_new(8);
    struct rowcache_row longest = {ROWCACHE_LANGUAGE, 0, "zh-Hant", name_digest("?")};
    struct rowcache_row shorter = {ROWCACHE_LANGUAGE, 0, "zh-Han", name_digest("?")};
    assert_int_equal(strlen(longest.code), ROWCACHE_CODE_MAX);
    rowcache_note(c, &longest);
    assert_true(rowcache_seen(c, &longest));
    rowcache_note(c, &shorter);
    assert_true(rowcache_seen(c, &shorter));
    rowcache_free(c);
}

/* Rows of different tables that share a slot (one slot here: they all
 * do) are told apart by their table, even with the same key and values. */
static void test_a_shared_slot_still_tells_tables_apart(void **state) {
    (void)state;
    struct rowcache *c = rowcache_new(1);
    struct rowcache_row genre = {ROWCACHE_GENRE, 18, NULL, name_digest("Drama")};
    struct rowcache_row keyword = {ROWCACHE_KEYWORD, 18, NULL, name_digest("Drama")};
    rowcache_note(c, &genre);
    assert_true(rowcache_seen(c, &genre));
    assert_false(rowcache_seen(c, &keyword));
    rowcache_note(c, &keyword);
    assert_true(rowcache_seen(c, &keyword));
    assert_false(rowcache_seen(c, &genre));
    rowcache_free(c);
}

/* After a rollback's clear no row is seen, whichever slot it was in. */
static void test_clear_forgets_every_slot(void **state) {
    (void)state;
    struct rowcache *c = rowcache_new(16);
    int seen = 0;
    for (int64_t id = 1; id <= 1000; id++) {
        struct rowcache_row row = {ROWCACHE_PERSON, id, NULL, name_digest("p")};
        rowcache_note(c, &row);
    }
    rowcache_clear(c);
    for (int64_t id = 1; id <= 1000; id++) {
        struct rowcache_row row = {ROWCACHE_PERSON, id, NULL, name_digest("p")};
        seen += rowcache_seen(c, &row);
    }
    assert_int_equal(seen, 0);
    rowcache_free(c);
}

static void test_digests_tell_fields_apart(void **state) {
    (void)state;
    uint64_t s = ROWCACHE_DIGEST_START;
    assert_int_not_equal(rowcache_digest_text(s, NULL), rowcache_digest_text(s, ""));
    /* field boundaries count: ("ab", "c") is not ("a", "bc") */
    assert_int_not_equal(rowcache_digest_text(rowcache_digest_text(s, "ab"), "c"),
                         rowcache_digest_text(rowcache_digest_text(s, "a"), "bc"));
    assert_int_not_equal(rowcache_digest_int(s, false, 0), rowcache_digest_int(s, true, 0));
    assert_int_not_equal(rowcache_digest_int(s, true, 1), rowcache_digest_int(s, true, 2));
    assert_int_not_equal(rowcache_digest_double(s, true, 15.5),
                         rowcache_digest_double(s, true, 15.25));
    assert_int_not_equal(rowcache_digest_double(s, false, 0), rowcache_digest_double(s, true, 0));
    assert_int_equal(rowcache_digest_text(s, "same"), rowcache_digest_text(s, "same"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_noted_rows_are_seen_with_the_same_values_only),
        cmocka_unit_test(test_long_codes_are_never_cached),
        cmocka_unit_test(test_a_full_cache_evicts_and_stays_exact),
        cmocka_unit_test(test_codes_up_to_the_limit_are_cached),
        cmocka_unit_test(test_a_shared_slot_still_tells_tables_apart),
        cmocka_unit_test(test_clear_forgets_every_slot),
        cmocka_unit_test(test_digests_tell_fields_apart),
    };
    return cmocka_run_group_tests_name("rowcache", tests, NULL, NULL);
}
