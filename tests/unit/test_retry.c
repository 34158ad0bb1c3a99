/* test_retry.c - the retry policy: each HTTP outcome and the backoff. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>

#include "retry.h"

static struct http_result status(long code, long retry_after_ms) {
    struct http_result r = {.error = HTTP_OK, .status = code, .retry_after_ms = retry_after_ms};
    return r;
}

static struct http_result transport(enum http_error e) {
    struct http_result r = {.error = e, .retry_after_ms = -1};
    return r;
}

static void test_success_is_done(void **state) {
    (void)state;
    uint64_t rng = 1;
    struct http_result r = status(200, -1);
    assert_int_equal(retry_decide(&r, 1, 3, &rng).action, RETRY_DONE);
}

/* Only 2xx is success: a 3xx (TMDB sends none; a proxy might) or a 1xx
 * fails without a retry, like any other unexpected status. */
static void test_only_2xx_is_done(void **state) {
    (void)state;
    uint64_t rng = 1;
    long codes[] = {100, 199, 300, 301, 304};
    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++) {
        struct http_result r = status(codes[i], -1);
        assert_int_equal(retry_decide(&r, 1, 3, &rng).action, RETRY_FAILED);
    }
    struct http_result r = status(299, -1);
    assert_int_equal(retry_decide(&r, 1, 3, &rng).action, RETRY_DONE);
}

static void test_404_is_missing_not_failure(void **state) {
    (void)state;
    uint64_t rng = 1;
    struct http_result r = status(404, -1);
    assert_int_equal(retry_decide(&r, 1, 3, &rng).action, RETRY_MISSING);
}

static void test_401_is_fatal_at_once(void **state) {
    (void)state;
    uint64_t rng = 1;
    struct http_result r = status(401, -1);
    assert_int_equal(retry_decide(&r, 1, 3, &rng).action, RETRY_FATAL);
}

static void test_other_4xx_fail_without_retry(void **state) {
    (void)state;
    uint64_t rng = 1;
    long codes[] = {400, 403, 422};
    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++) {
        struct http_result r = status(codes[i], -1);
        assert_int_equal(retry_decide(&r, 1, 3, &rng).action, RETRY_FAILED);
    }
}

static void test_429_waits_at_least_retry_after_and_throttles(void **state) {
    (void)state;
    uint64_t rng = 1;
    struct http_result r = status(429, 7000);
    struct retry_decision d = retry_decide(&r, 1, 3, &rng);
    assert_int_equal(d.action, RETRY_AGAIN);
    assert_true(d.throttle);
    assert_true(d.delay_ms >= 7000);
}

/* Two hours of Retry-After would stall an unattended run for hours per
 * attempt: the pause stops at RETRY_AFTER_CAP_MS. */
static void test_retry_after_is_capped(void **state) {
    (void)state;
    uint64_t rng = 1;
    long statuses[] = {429, 503};
    for (size_t i = 0; i < sizeof statuses / sizeof *statuses; i++) {
        struct http_result r = status(statuses[i], 7200000);
        struct retry_decision d = retry_decide(&r, 1, 3, &rng);
        assert_int_equal(d.action, RETRY_AGAIN);
        assert_int_equal(d.delay_ms, RETRY_AFTER_CAP_MS);
    }
}

static void test_429_without_retry_after_backs_off_anyway(void **state) {
    (void)state;
    uint64_t rng = 1;
    struct http_result r = status(429, -1);
    struct retry_decision d = retry_decide(&r, 1, 3, &rng);
    assert_int_equal(d.action, RETRY_AGAIN);
    assert_true(d.delay_ms >= RETRY_THROTTLE_DEFAULT_MS);
}

/* "Retry-After: 0" is the server's answer, not its absence: no pause of
 * the default's length, only the backoff (which the retry waits anyway). */
static void test_retry_after_zero_is_no_pause(void **state) {
    (void)state;
    uint64_t rng = 1;
    struct http_result r = status(429, 0);
    struct retry_decision d = retry_decide(&r, 4, 3, &rng);
    assert_int_equal(d.action, RETRY_FAILED);
    assert_true(d.throttle);
    assert_int_equal(d.pause_ms, 0);
    d = retry_decide(&r, 1, 3, &rng);
    assert_int_equal(d.action, RETRY_AGAIN);
    assert_true(d.delay_ms <= RETRY_BASE_MS); /* the first backoff, not 2 s */
}

static void test_503_honours_retry_after(void **state) {
    (void)state;
    uint64_t rng = 1;
    struct http_result r = status(503, 3000);
    struct retry_decision d = retry_decide(&r, 1, 3, &rng);
    assert_int_equal(d.action, RETRY_AGAIN);
    assert_true(d.delay_ms >= 3000);
}

/* The retries spent (or --retries 0), this request gives up, but what the
 * server asked for still holds for every thread: a 429 with Retry-After
 * pauses them all, one without it the default throttle pause. */
static void test_a_throttle_on_the_last_attempt_still_pauses_everybody(void **state) {
    (void)state;
    uint64_t rng = 1;
    struct http_result r = status(429, 7000);
    struct retry_decision d = retry_decide(&r, 4, 3, &rng);
    assert_int_equal(d.action, RETRY_FAILED);
    assert_true(d.throttle);
    assert_int_equal(d.pause_ms, 7000);
    d = retry_decide(&r, 1, 0, &rng);
    assert_int_equal(d.action, RETRY_FAILED);
    assert_int_equal(d.pause_ms, 7000);
    r = status(429, -1);
    assert_int_equal(retry_decide(&r, 4, 3, &rng).pause_ms, RETRY_THROTTLE_DEFAULT_MS);
    r = status(503, 3000);
    assert_int_equal(retry_decide(&r, 4, 3, &rng).pause_ms, 3000);
    /* with a retry, the pause is that retry's delay */
    r = status(429, 7000);
    d = retry_decide(&r, 1, 3, &rng);
    assert_int_equal(d.pause_ms, d.delay_ms);
    r = status(503, 7000);
    d = retry_decide(&r, 1, 3, &rng);
    assert_int_equal(d.pause_ms, d.delay_ms);
}

/* A 503 that names no pause (no Retry-After, or 0: also a date already
 * past, a maintenance page's end time that came and went): the request
 * backs off as for a 5xx, everybody else pauses briefly. Each worker's
 * backoff pausing all added up over an outage: 50 movies in a row took
 * 280 s to fail at the defaults, 69 now. */
static void test_503_naming_no_pause_pauses_the_others_briefly(void **state) {
    (void)state;
    uint64_t rng = 5;
    long retry_after[] = {-1, 0};
    for (size_t i = 0; i < sizeof retry_after / sizeof *retry_after; i++) {
        struct http_result r = status(503, retry_after[i]);
        for (int attempt = 1; attempt <= 4; attempt++) {
            struct retry_decision d = retry_decide(&r, attempt, 4, &rng);
            assert_int_equal(d.action, RETRY_AGAIN);
            assert_true(d.throttle);
            assert_true(d.pause_ms > 0);
            assert_true(d.pause_ms <= RETRY_UNAVAILABLE_PAUSE_MS);
            assert_true(d.pause_ms <= d.delay_ms);
            if (attempt >= 2) /* its own backoff doubles; the others' pause does not */
                assert_true(d.delay_ms > RETRY_UNAVAILABLE_PAUSE_MS);
        }
        struct retry_decision d = retry_decide(&r, 5, 4, &rng);
        assert_int_equal(d.action, RETRY_FAILED);
        assert_int_equal(d.pause_ms, 0);
    }
}

/* A 503 whose Retry-After is shorter than the request's backoff: the
 * others pause what the server asked, the request alone its backoff. Each
 * backoff taken for everybody's pause, an outage answering Retry-After: 1
 * took 378 s to stop at the defaults instead of 257. A 429 (this client
 * too fast) still pauses everybody its request's delay. */
static void test_503_pauses_the_others_what_the_server_asked(void **state) {
    (void)state;
    uint64_t rng = 5;
    struct http_result r = status(503, 1000);
    struct retry_decision d = retry_decide(&r, 4, 4, &rng);
    assert_int_equal(d.action, RETRY_AGAIN);
    assert_true(d.delay_ms >= 2000); /* the fourth backoff: 2 to 4 s */
    assert_int_equal(d.pause_ms, 1000);
    r = status(429, 1000);
    d = retry_decide(&r, 4, 4, &rng);
    assert_true(d.delay_ms >= 2000);
    assert_int_equal(d.pause_ms, d.delay_ms);
}

static void test_5xx_and_transport_errors_retry_then_fail(void **state) {
    (void)state;
    uint64_t rng = 1;
    struct http_result rs[] = {status(500, -1), status(502, -1), status(504, -1),
                               transport(HTTP_ERR_TIMEOUT), transport(HTTP_ERR_NETWORK)};
    for (size_t i = 0; i < sizeof rs / sizeof *rs; i++) {
        assert_int_equal(retry_decide(&rs[i], 1, 2, &rng).action, RETRY_AGAIN);
        assert_int_equal(retry_decide(&rs[i], 2, 2, &rng).action, RETRY_AGAIN);
        assert_int_equal(retry_decide(&rs[i], 3, 2, &rng).action, RETRY_FAILED);
    }
}

/* `spent`: the retries ran out on a failure that may pass (what an outage
 * fails every movie with), and only then. */
static void test_spent_only_when_the_retries_ran_out_on_what_may_pass(void **state) {
    (void)state;
    uint64_t rng = 3;
    struct http_result may_pass[] = {status(500, -1),
                                     status(503, -1),
                                     status(429, -1),
                                     status(408, -1),
                                     transport(HTTP_ERR_TIMEOUT),
                                     transport(HTTP_ERR_NETWORK)};
    for (size_t i = 0; i < sizeof may_pass / sizeof *may_pass; i++) {
        assert_false(retry_decide(&may_pass[i], 2, 2, &rng).spent);
        struct retry_decision d = retry_decide(&may_pass[i], 3, 2, &rng);
        assert_int_equal(d.action, RETRY_FAILED);
        assert_true(d.spent);
        assert_true(retry_decide(&may_pass[i], 1, 0, &rng).spent);
    }
    assert_true(retry_decide_unreadable(3, 2, &rng).spent);
    assert_false(retry_decide_unreadable(2, 2, &rng).spent);
    struct http_result answered[] = {status(200, -1),
                                     status(404, -1),
                                     status(400, -1),
                                     status(401, -1),
                                     transport(HTTP_ERR_TOO_LARGE),
                                     transport(HTTP_ERR_TLS)};
    for (size_t i = 0; i < sizeof answered / sizeof *answered; i++)
        assert_false(retry_decide(&answered[i], 3, 2, &rng).spent);
}

/* A 200 whose body is not the page asked for (cut short, a CDN's HTML
 * page): retried as a 500 is, with the same backoff, not throttled. */
static void test_unreadable_body_retries_as_a_5xx(void **state) {
    (void)state;
    uint64_t rng_a = 5, rng_b = 5;
    struct http_result r = status(500, -1);
    for (int attempt = 1; attempt <= 3; attempt++) {
        struct retry_decision d = retry_decide_unreadable(attempt, 2, &rng_a);
        struct retry_decision e = retry_decide(&r, attempt, 2, &rng_b);
        assert_int_equal(d.action, attempt <= 2 ? RETRY_AGAIN : RETRY_FAILED);
        assert_int_equal(d.action, e.action);
        assert_int_equal(d.delay_ms, e.delay_ms);
        assert_false(d.throttle);
    }
    assert_int_equal(retry_decide_unreadable(1, 0, &rng_a).action, RETRY_FAILED);
}

static void test_unreachable_host_becomes_fatal_when_retries_run_out(void **state) {
    (void)state;
    uint64_t rng = 1;
    struct http_result r = transport(HTTP_ERR_CONNECT);
    assert_int_equal(retry_decide(&r, 1, 1, &rng).action, RETRY_AGAIN);
    assert_int_equal(retry_decide(&r, 2, 1, &rng).action, RETRY_FATAL);
    /* the host is down, not asking anybody to slow down: no throttle */
    assert_false(retry_decide(&r, 1, 1, &rng).throttle);
    assert_false(retry_decide(&r, 2, 1, &rng).throttle);
}

static void test_tls_failure_is_fatal_at_once(void **state) {
    (void)state;
    uint64_t rng = 1;
    struct http_result r = transport(HTTP_ERR_TLS);
    assert_int_equal(retry_decide(&r, 1, 5, &rng).action, RETRY_FATAL);
}

/* This machine's open files limit: the server did nothing wrong, so the
 * movie is not given up as failed, and waiting does not raise the limit. */
static void test_no_descriptors_is_fatal_at_once(void **state) {
    (void)state;
    uint64_t rng = 1;
    struct http_result r = transport(HTTP_ERR_NO_FDS);
    assert_int_equal(retry_decide(&r, 1, 5, &rng).action, RETRY_FATAL);
}

static void test_too_large_fails_without_retry(void **state) {
    (void)state;
    uint64_t rng = 1;
    struct http_result r = transport(HTTP_ERR_TOO_LARGE);
    assert_int_equal(retry_decide(&r, 1, 5, &rng).action, RETRY_FAILED);
}

static void test_zero_retries_means_one_attempt(void **state) {
    (void)state;
    uint64_t rng = 1;
    struct http_result r = status(500, -1);
    assert_int_equal(retry_decide(&r, 1, 0, &rng).action, RETRY_FAILED);
}

static void test_backoff_grows_with_jitter_and_is_capped(void **state) {
    (void)state;
    uint64_t rng = 42;
    for (int attempt = 1; attempt <= 12; attempt++) {
        long full = RETRY_BASE_MS;
        for (int i = 1; i < attempt && full < RETRY_CAP_MS; i++)
            full *= 2;
        if (full > RETRY_CAP_MS)
            full = RETRY_CAP_MS;
        for (int k = 0; k < 50; k++) {
            long d = retry_backoff_ms(attempt, &rng);
            assert_true(d >= full / 2);
            assert_true(d <= full);
        }
    }
}

static void test_jitter_spreads_delays(void **state) {
    (void)state;
    uint64_t rng = 7;
    long first = retry_backoff_ms(3, &rng);
    int different = 0;
    for (int k = 0; k < 20; k++)
        different += retry_backoff_ms(3, &rng) != first;
    assert_true(different > 10);
}

/* The random half spans all of it: every delay from half the backoff to
 * the whole backoff comes up (251 values for the first, 500 ms). */
static void test_jitter_reaches_the_whole_backoff(void **state) {
    (void)state;
    uint64_t rng = 3;
    bool drawn[RETRY_BASE_MS + 1] = {false};
    for (int k = 0; k < 20000; k++) {
        long d = retry_backoff_ms(1, &rng);
        assert_true(d >= RETRY_BASE_MS / 2 && d <= RETRY_BASE_MS);
        drawn[d] = true;
    }
    for (long ms = RETRY_BASE_MS / 2; ms <= RETRY_BASE_MS; ms++)
        if (!drawn[ms])
            fail_msg("a delay of %ld ms never drawn", ms);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_success_is_done),
        cmocka_unit_test(test_only_2xx_is_done),
        cmocka_unit_test(test_404_is_missing_not_failure),
        cmocka_unit_test(test_401_is_fatal_at_once),
        cmocka_unit_test(test_other_4xx_fail_without_retry),
        cmocka_unit_test(test_429_waits_at_least_retry_after_and_throttles),
        cmocka_unit_test(test_429_without_retry_after_backs_off_anyway),
        cmocka_unit_test(test_retry_after_is_capped),
        cmocka_unit_test(test_retry_after_zero_is_no_pause),
        cmocka_unit_test(test_503_honours_retry_after),
        cmocka_unit_test(test_503_naming_no_pause_pauses_the_others_briefly),
        cmocka_unit_test(test_503_pauses_the_others_what_the_server_asked),
        cmocka_unit_test(test_a_throttle_on_the_last_attempt_still_pauses_everybody),
        cmocka_unit_test(test_5xx_and_transport_errors_retry_then_fail),
        cmocka_unit_test(test_spent_only_when_the_retries_ran_out_on_what_may_pass),
        cmocka_unit_test(test_unreadable_body_retries_as_a_5xx),
        cmocka_unit_test(test_unreachable_host_becomes_fatal_when_retries_run_out),
        cmocka_unit_test(test_tls_failure_is_fatal_at_once),
        cmocka_unit_test(test_no_descriptors_is_fatal_at_once),
        cmocka_unit_test(test_too_large_fails_without_retry),
        cmocka_unit_test(test_zero_retries_means_one_attempt),
        cmocka_unit_test(test_backoff_grows_with_jitter_and_is_capped),
        cmocka_unit_test(test_jitter_spreads_delays),
        cmocka_unit_test(test_jitter_reaches_the_whole_backoff),
    };
    return cmocka_run_group_tests_name("retry", tests, NULL, NULL);
}
