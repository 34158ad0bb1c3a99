/* test_sync.c - how many deletions one export may make (--max-deletions). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sync.h"

/* The default: 10 % of the stored movies, never fewer than 100. */
static void test_default_is_ten_percent_at_least_100(void **state) {
    (void)state;
    const struct deletion_limit def = {0};
    assert_int_equal(sync_deletions_allowed(&def, 0), 100);
    assert_int_equal(sync_deletions_allowed(&def, 300), 100);
    assert_int_equal(sync_deletions_allowed(&def, 1000), 100);
    assert_int_equal(sync_deletions_allowed(&def, 1009), 100);
    assert_int_equal(sync_deletions_allowed(&def, 1010), 101);
    assert_int_equal(sync_deletions_allowed(&def, 1000000), 100000);
}

/* A given count is exact; a given percentage has no floor and rounds down. */
static void test_given_limits(void **state) {
    (void)state;
    const struct deletion_limit none = {.given = true, .value = 0};
    const struct deletion_limit count = {.given = true, .value = 250};
    const struct deletion_limit half = {.given = true, .percent = true, .value = 5000};
    const struct deletion_limit all = {.given = true, .percent = true, .value = 1000000};
    /* 0.57 % is not a double: computed in floating point, 0.57 % of 10,000 was 56 */
    const struct deletion_limit odd = {.given = true, .percent = true, .value = 5700};
    assert_int_equal(sync_deletions_allowed(&odd, 10000), 57);
    assert_int_equal(sync_deletions_allowed(&odd, 100000), 570);
    assert_int_equal(sync_deletions_allowed(&none, 1000000), 0);
    assert_int_equal(sync_deletions_allowed(&count, 10), 250);
    assert_int_equal(sync_deletions_allowed(&count, 1000000), 250);
    assert_int_equal(sync_deletions_allowed(&half, 1000), 5);
    assert_int_equal(sync_deletions_allowed(&half, 199), 0);
    assert_int_equal(sync_deletions_allowed(&all, 987654), 987654);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_is_ten_percent_at_least_100),
        cmocka_unit_test(test_given_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
