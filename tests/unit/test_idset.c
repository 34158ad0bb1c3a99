/* test_idset.c - the id set behind "each id enqueued once per run", and
 * the order an export's ids are fetched in. */
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
    /* nor found, also beside stored ids (a bitmap chunk holds id 3: a
     * negative id must not index it, nor any chunk before the first) */
    assert_int_equal(idset_add(s, 3), 1);
    assert_false(idset_contains(s, 0));
    assert_false(idset_contains(s, -5));
    assert_false(idset_contains(s, -3));
    assert_false(idset_contains(s, INT64_MIN));
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
        assert_true(idset_contains(s, (INT64_C(1) << 24) + id * 13));
        assert_false(idset_contains(s, (INT64_C(1) << 24) + id * 13 + 1));
    }
    assert_int_equal(idset_add(s, INT64_MAX), 1);
    assert_true(idset_contains(s, INT64_MAX));
    assert_int_equal(idset_add(s, (INT64_C(1) << 24) - 1), 1);
    assert_int_equal(idset_count(s), 200002);
    idset_free(s);
}

/* What idset_each() visits, and where it stops. */
struct visit {
    int64_t ids[64];
    size_t n;
    size_t stop_at; /* return 7 at this visit (1-based); 0 never */
};

static int visit(int64_t id, void *ctx) {
    struct visit *v = ctx;
    if (v->n < sizeof v->ids / sizeof *v->ids)
        v->ids[v->n] = id;
    return ++v->n == v->stop_at ? 7 : 0;
}

/* Every id once: TMDB's (below 2^24) in ascending order whatever the order
 * they came in, across the bitmap's chunks and the byte's bits, then the
 * larger ones; a non-zero return stops the walk and is returned. */
static void test_each_visits_small_ids_in_order(void **state) {
    (void)state;
    static const int64_t in[] = {1600000,  8,  524288, 1,
                                 524287,   7,  9,      (INT64_C(1) << 24) + 5,
                                 16777215, 64, 8,      INT64_C(1) << 24};
    static const int64_t want[] = {1, 7, 8, 9, 64, 524287, 524288, 1600000, 16777215};
    struct idset *s = idset_new();
    for (size_t i = 0; i < sizeof in / sizeof *in; i++)
        assert_true(idset_add(s, in[i]) >= 0);
    struct visit v = {.n = 0};
    assert_int_equal(idset_each(s, visit, &v), 0);
    assert_int_equal(v.n, 11);
    assert_memory_equal(v.ids, want, sizeof want);
    /* 2^24 and 2^24 + 5 after the bitmap's, in either order */
    assert_int_equal(v.ids[9] + v.ids[10], (INT64_C(1) << 25) + 5);
    struct visit stop = {.stop_at = 3};
    assert_int_equal(idset_each(s, visit, &stop), 7);
    assert_int_equal(stop.n, 3);
    assert_int_equal(stop.ids[2], 8);
    struct visit stop_large = {.stop_at = 10}; /* at the first of the large ids */
    assert_int_equal(idset_each(s, visit, &stop_large), 7);
    assert_int_equal(stop_large.n, 10);
    idset_free(s);
    struct idset *empty = idset_new();
    struct visit none = {.n = 0};
    assert_int_equal(idset_each(empty, visit, &none), 0);
    assert_int_equal(none.n, 0);
    idset_free(empty);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_reports_new_and_repeated),
        cmocka_unit_test(test_non_positive_ids_are_never_stored),
        cmocka_unit_test(test_growth_keeps_every_id),
        cmocka_unit_test(test_each_visits_small_ids_in_order),
    };
    return cmocka_run_group_tests_name("idset", tests, NULL, NULL);
}
