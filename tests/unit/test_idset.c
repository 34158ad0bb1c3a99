/* test_idset.c - the id set behind "each id enqueued once per run". */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "idset.h"

static void test_add_reports_new_and_repeated(void **state) {
    (void)state;
    struct idset *s = idset_new();
    assert_non_null(s);
    assert_int_equal(idset_add(s, 550), 1);
    assert_int_equal(idset_add(s, 550), 0);
    assert_int_equal(idset_add(s, 551), 1);
    assert_int_equal(idset_count(s), 2);
    idset_free(s);
    idset_free(NULL);
}

static void test_non_positive_ids_are_never_stored(void **state) {
    (void)state;
    struct idset *s = idset_new();
    assert_int_equal(idset_add(s, 0), 0);
    assert_int_equal(idset_add(s, -5), 0);
    assert_int_equal(idset_count(s), 0);
    idset_free(s);
}

static void test_growth_keeps_every_id(void **state) {
    (void)state;
    struct idset *s = idset_new();
    /* small ids (bitmap) and large ones (hash table, grown many times) */
    for (int64_t id = 1; id <= 100000; id++) {
        assert_int_equal(idset_add(s, id * 7), 1);
        assert_int_equal(idset_add(s, (INT64_C(1) << 24) + id * 13), 1);
    }
    for (int64_t id = 1; id <= 100000; id++) {
        assert_int_equal(idset_add(s, id * 7), 0);
        assert_int_equal(idset_add(s, (INT64_C(1) << 24) + id * 13), 0);
        assert_true(idset_contains(s, id * 7));
        assert_false(idset_contains(s, id * 7 + 1));
    }
    assert_int_equal(idset_add(s, INT64_MAX), 1);
    assert_true(idset_contains(s, INT64_MAX));
    assert_int_equal(idset_add(s, (INT64_C(1) << 24) - 1), 1);
    assert_int_equal(idset_count(s), 200002);
    idset_free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_reports_new_and_repeated),
        cmocka_unit_test(test_non_positive_ids_are_never_stored),
        cmocka_unit_test(test_growth_keeps_every_id),
    };
    return cmocka_run_group_tests_name("idset", tests, NULL, NULL);
}
