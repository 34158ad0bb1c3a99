/* test_stats.c - the run's counters: adds from many threads lose none, a
 * time counter keeps the earliest time, and the runs table's counts come
 * from the counters of their names. */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "stats.h"
#include "store.h"

#define ADDERS 4
#define ADDS_EACH 100000

static void *add_many(void *arg) {
    struct stats *s = arg;
    for (int i = 0; i < ADDS_EACH; i++) {
        stats_add(&s->http_requests, 1);
        stats_add(&s->answer_us, 3);
    }
    return NULL;
}

static void test_adds_from_many_threads_lose_none(void **state) {
    (void)state;
    struct stats s;
    stats_init(&s);
    pthread_t threads[ADDERS];
    for (int i = 0; i < ADDERS; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, add_many, &s), 0);
    for (int i = 0; i < ADDERS; i++)
        pthread_join(threads[i], NULL);
    assert_int_equal(stats_get(&s.http_requests), (long long)ADDERS * ADDS_EACH);
    assert_int_equal(stats_get(&s.answer_us), 3LL * ADDERS * ADDS_EACH);
    assert_int_equal(stats_get(&s.retries), 0); /* the others untouched */
}

/* oldest_copy is kept per batch: a batch with no copy time (only 404s, or
 * answers without a Date) gives 0, which must not clear the time of an
 * earlier batch's copy, nor a later copy replace an earlier one. */
static void test_a_time_counter_keeps_the_earliest_time(void **state) {
    (void)state;
    struct stats s;
    stats_init(&s);
    stats_keep_earliest(&s.oldest_copy, 0);
    assert_int_equal(stats_get(&s.oldest_copy), 0); /* none yet */
    stats_keep_earliest(&s.oldest_copy, 1764300000);
    assert_int_equal(stats_get(&s.oldest_copy), 1764300000); /* the first */
    stats_keep_earliest(&s.oldest_copy, 1764400000);
    assert_int_equal(stats_get(&s.oldest_copy), 1764300000); /* a later one: kept */
    stats_keep_earliest(&s.oldest_copy, 0);
    assert_int_equal(stats_get(&s.oldest_copy), 1764300000); /* none: kept */
    stats_keep_earliest(&s.oldest_copy, -1);
    assert_int_equal(stats_get(&s.oldest_copy), 1764300000); /* no time: kept */
    stats_keep_earliest(&s.oldest_copy, 1764200000);
    assert_int_equal(stats_get(&s.oldest_copy), 1764200000); /* an earlier one */
    assert_int_equal(stats_get(&s.changes_copy), 0);         /* its own counter */
    assert_int_equal(stats_get(&s.changes_mixed), 0);        /* and its own */
}

static void test_the_runs_counts_come_from_their_counters(void **state) {
    (void)state;
    struct stats s;
    stats_init(&s);
    atomic_llong *each[] = {&s.requested, &s.stored,        &s.missing, &s.failed,
                            &s.unusable,  &s.http_requests, &s.retries, &s.skipped};
    for (size_t i = 0; i < sizeof each / sizeof *each; i++)
        stats_add(each[i], (long long)(i + 1) * 10);
    stats_add(&s.expected, 1000); /* for the progress line only */
    stats_add(&s.throttled, 2000);
    struct run_counts c;
    stats_to_counts(&s, &c);
    assert_int_equal(c.requested, 10);
    assert_int_equal(c.fetched, 20); /* the movies stored */
    assert_int_equal(c.missing, 30);
    assert_int_equal(c.failed, 40);
    assert_int_equal(c.unusable, 50);
    assert_int_equal(c.http_requests, 60);
    assert_int_equal(c.retries, 70);
    assert_int_equal(c.skipped, 80);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_adds_from_many_threads_lose_none),
        cmocka_unit_test(test_a_time_counter_keeps_the_earliest_time),
        cmocka_unit_test(test_the_runs_counts_come_from_their_counters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
