/* test_stop.c - the process-wide stop: the first reason wins, sleeps end
 * early, and signals become a stop (stop_catch_signals) except one that was
 * ignored when the process started. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "stop.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_nothing_stops_by_itself(void **state) {
    (void)state;
    assert_false(stop_requested());
    assert_int_equal(stop_reason(), STOP_NONE);
    assert_int_equal(stop_signal(), 0);
    double t0 = now_s();
    assert_int_equal(stop_sleep_ms(20), 0); /* a full sleep */
    assert_true(now_s() - t0 >= 0.020);
}

/* A sleep longer than one poll (1 s) still lasts its whole length. */
static void test_a_long_sleep_lasts_its_whole_length(void **state) {
    (void)state;
    double t0 = now_s();
    assert_int_equal(stop_sleep_ms(1300), 0);
    assert_true(now_s() - t0 >= 1.3);
}

static void on_usr1(int sig) {
    (void)sig;
}

static void *signal_soon(void *arg) {
    struct timespec nap = {0, 50 * 1000000L};
    nanosleep(&nap, NULL);
    pthread_kill(*(pthread_t *)arg, SIGUSR1);
    return NULL;
}

/* A signal that is no stop (a handler's, which interrupts poll()) does
 * not end a sleep: it goes on to its end. */
static void test_another_signal_does_not_end_a_sleep(void **state) {
    (void)state;
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
    pthread_t self = pthread_self(), t;
    assert_int_equal(pthread_create(&t, NULL, signal_soon, &self), 0);
    double t0 = now_s();
    assert_int_equal(stop_sleep_ms(300), 0);
    double slept = now_s() - t0;
    pthread_join(t, NULL);
    assert_true(slept >= 0.3);
    assert_false(stop_requested());
    assert_int_equal(sigaction(SIGUSR1, &old, NULL), 0);
}

static void *terminate_soon(void *arg) {
    (void)arg;
    struct timespec nap = {0, 100 * 1000000L};
    nanosleep(&nap, NULL);
    raise(SIGTERM); /* to this thread: the sleeping one is woken by the pipe alone */
    return NULL;
}

/* An ignored SIGHUP (nohup) stays ignored; SIGTERM becomes a stop that
 * ends a sleep under way at once (the self-pipe wakes it: without it the
 * sleep would notice within its 1 s polls), and the first reason wins. */
static void test_a_signal_is_a_stop(void **state) {
    (void)state;
    struct sigaction ign, old;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    assert_int_equal(sigaction(SIGHUP, &ign, NULL), 0);
    assert_int_equal(stop_catch_signals(), 0);
    assert_int_equal(sigaction(SIGHUP, NULL, &old), 0);
    assert_true(old.sa_handler == SIG_IGN);
    assert_int_equal(sigaction(SIGPIPE, NULL, &old), 0);
    assert_true(old.sa_handler == SIG_IGN);
    /* a write past `ulimit -f` fails with EFBIG: no death by SIGXFSZ */
    assert_int_equal(sigaction(SIGXFSZ, NULL, &old), 0);
    assert_true(old.sa_handler == SIG_IGN);
    raise(SIGHUP); /* ignored: no stop */
    assert_false(stop_requested());
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, terminate_soon, NULL), 0);
    double t0 = now_s();
    assert_int_equal(stop_sleep_ms(60000), -1);
    double slept = now_s() - t0;
    pthread_join(t, NULL);
    assert_true(slept < 0.9); /* about 0.1 s */
    assert_true(stop_requested());
    assert_int_equal(stop_reason(), STOP_SIGNAL);
    assert_int_equal(stop_signal(), SIGTERM);
    assert_false(stop_request(STOP_FATAL)); /* not the first */
    assert_int_equal(stop_reason(), STOP_SIGNAL);
}

static int setup(void **state) {
    (void)state;
    return stop_init();
}

static int teardown(void **state) {
    (void)state;
    stop_cleanup();
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nothing_stops_by_itself),
        cmocka_unit_test(test_a_long_sleep_lasts_its_whole_length),
        cmocka_unit_test(test_another_signal_does_not_end_a_sleep),
        cmocka_unit_test(test_a_signal_is_a_stop), /* last: the stop is for good */
    };
    return cmocka_run_group_tests_name("stop", tests, setup, teardown);
}
