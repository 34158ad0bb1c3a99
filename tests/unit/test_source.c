/* test_source.c - what a run's source description (runs.source) says of
 * its kind, read back by stats to tell what comes of a dead run: every
 * kind source_describe() writes is read back as itself, with the filters
 * and shard it adds; a text it does not write is no kind. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "source.h"

static void check_round_trip(struct source src) {
    char *described = source_describe(&src);
    assert_non_null(described);
    enum source_kind kind = SOURCE_LIST;
    if (source_kind_described(described, &kind) != 0 || kind != src.kind)
        fail_msg("%s: read back as %d, not %d", described, (int)kind, (int)src.kind);
    free(described);
}

static void test_each_description_names_its_kind(void **state) {
    (void)state;
    static const int64_t ids[] = {550, 603};
    check_round_trip((struct source){.kind = SOURCE_LIST, .pages = 3});
    check_round_trip((struct source){.kind = SOURCE_IDS, .ids = ids, .n_ids = 2});
    check_round_trip((struct source){.kind = SOURCE_STDIN});
    check_round_trip((struct source){.kind = SOURCE_STDIN, .has_min_popularity = true});
    check_round_trip((struct source){.kind = SOURCE_EXPORT, .has_min_popularity = true});
    check_round_trip((struct source){.kind = SOURCE_CHANGES, .changes_first_day = 20000});
}

static void test_a_text_it_does_not_write_is_no_kind(void **state) {
    (void)state;
    enum source_kind kind;
    assert_int_equal(source_kind_described(NULL, &kind), -1);
    assert_int_equal(source_kind_described("", &kind), -1);
    assert_int_equal(source_kind_described("changesets", &kind), -1);
    assert_int_equal(source_kind_described("by hand", &kind), -1);
}

/* Only changes does not resume (its movies may have changed since). */
static void test_every_kind_but_changes_resumes(void **state) {
    (void)state;
    assert_true(source_kind_resumes(SOURCE_LIST));
    assert_true(source_kind_resumes(SOURCE_IDS));
    assert_true(source_kind_resumes(SOURCE_STDIN));
    assert_true(source_kind_resumes(SOURCE_EXPORT));
    assert_false(source_kind_resumes(SOURCE_CHANGES));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_description_names_its_kind),
        cmocka_unit_test(test_a_text_it_does_not_write_is_no_kind),
        cmocka_unit_test(test_every_kind_but_changes_resumes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
