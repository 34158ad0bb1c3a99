/* test_ratelimit.c - the shared limiter: spacing, throttling, order, stop.
 * The limit is about the slots the limiter grants (ratelimit.h), so the
 * tests assert on those, which no scheduling delay can move, and never on
 * when a thread read the clock after it woke: one descheduled for 40 ms
 * between its slot and that reading records a time 40 ms late, and eleven
 * slots 1.02 s apart then look like 0.98 s (on a loaded machine). Times
 * the test reads itself are read only where a delay makes an assertion
 * looser, never stricter (before the call that starts a pause, after the
 * acquires a bound is about); one upper bound, eight times what the test
 * takes, where the defect it catches takes more than twice that. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "ratelimit.h"
#include "stop.h"

/* The window no more than R slots may share: one second and a 2% margin
 * (ratelimit.h). */
#define WINDOW_S 1.02
/* Slots are sums of doubles near the monotonic clock's value: room for
 * their rounding, far under any spacing asserted. */
#define EPSILON_S 1e-6

/* One send from this thread: its slot. The acquire never returns before
 * its slot (later, by however long the scheduler takes). */
static double acquire_slot(struct ratelimit *rl) {
    double slot;
    assert_int_equal(ratelimit_acquire_slot(rl, &slot), 0);
    assert_true(clock_monotonic_s() >= slot);
    return slot;
}

/* Consecutive slots of `slot[0..n)` (in order) are at least `gap_s` apart. */
static void assert_spaced(const double *slot, int n, double gap_s) {
    for (int i = 1; i < n; i++) {
        if (slot[i] - slot[i - 1] < gap_s - EPSILON_S)
            print_error("slots %d and %d %.6f s apart, under %.6f\n", i - 1, i,
                        slot[i] - slot[i - 1], gap_s);
        assert_true(slot[i] - slot[i - 1] >= gap_s - EPSILON_S);
    }
}

static void test_spaces_requests_evenly(void **state) {
    (void)state;
    struct ratelimit *rl = ratelimit_new(40);
    assert_non_null(rl);
    double slot[21];
    for (int i = 0; i < 21; i++)
        slot[i] = acquire_slot(rl);
    assert_spaced(slot, 21, 1 / 40.0); /* no burst */
    ratelimit_free(rl);
}

/* `n` sends (at most 32) at `rate`: no window holds more than `per_second`
 * of their slots. */
static void assert_per_second(double rate, int n, int per_second) {
    struct ratelimit *rl = ratelimit_new(rate);
    double slot[32];
    assert_true(n <= 32);
    for (int i = 0; i < n; i++)
        slot[i] = acquire_slot(rl);
    for (int i = per_second; i < n; i++) {
        double span = slot[i] - slot[i - per_second]; /* per_second + 1 slots */
        if (span < WINDOW_S - EPSILON_S)
            print_error("slots %d..%d within %.6f s\n", i - per_second, i, span);
        assert_true(span >= WINDOW_S - EPSILON_S);
    }
    ratelimit_free(rl);
}

/* Every window holds at most R sends, whatever the timing. */
static void test_no_window_holds_more_than_the_rate(void **state) {
    (void)state;
    assert_per_second(10, 30, 10);
}

/* A rate that is not whole: no second holds more than floor(R) sends (four
 * sends in one second are over 3.5 a second). */
static void test_a_fractional_rate_never_rounds_up(void **state) {
    (void)state;
    assert_per_second(2.5, 6, 2);
}

static void test_throttle_pauses_everybody_and_lowers_the_rate(void **state) {
    (void)state;
    struct ratelimit *rl = ratelimit_new(40);
    double t0 = clock_monotonic_s(); /* before the pause starts */
    ratelimit_throttle(rl, 300, RATELIMIT_TOO_MANY);
    assert_true(ratelimit_current_rate(rl) <= 20.0 + 1e-9);
    assert_true(acquire_slot(rl) >= t0 + 0.3 - EPSILON_S);
    ratelimit_free(rl);
}

/* A 503 (the service is down, not this client too fast) pauses everybody
 * but keeps a configured rate: each of a flaky CDN's 503s halved it, and
 * 3 % of 600 movies answered one each made a run at --rate 35 take 66 s
 * instead of 25. */
static void test_a_503_pauses_but_keeps_a_configured_rate(void **state) {
    (void)state;
    struct ratelimit *rl = ratelimit_new(40);
    double t0 = clock_monotonic_s(); /* before the pause starts */
    ratelimit_throttle(rl, 300, RATELIMIT_UNAVAILABLE);
    assert_true(ratelimit_current_rate(rl) == 40);
    assert_true(acquire_slot(rl) >= t0 + 0.3 - EPSILON_S);
    for (int i = 0; i < 5; i++) /* one after another pause: still none lowers it */
        ratelimit_throttle(rl, 0, RATELIMIT_UNAVAILABLE);
    assert_true(ratelimit_current_rate(rl) == 40);
    ratelimit_free(rl);
}

static void test_answers_within_one_pause_lower_the_rate_once(void **state) {
    (void)state;
    struct ratelimit *rl = ratelimit_new(40);
    for (int i = 0; i < 5; i++) /* five workers' 429s from one burst */
        ratelimit_throttle(rl, 1000, RATELIMIT_TOO_MANY);
    assert_true(ratelimit_current_rate(rl) >= 19.9);
    ratelimit_free(rl);
}

/* A long pause is said once: by the answer that began it, not by those in
 * flight with it (even seconds later, from a slow server); one that ends
 * later than the pause under way by more than a quarter of its length, or
 * comes after it, begins another. */
static void test_the_answer_that_begins_a_pause_is_told(void **state) {
    (void)state;
    struct ratelimit *rl = ratelimit_new(40);
    assert_true(ratelimit_throttle(rl, 60000, RATELIMIT_TOO_MANY));
    for (int i = 0; i < 9; i++) /* the others in flight, a little later each */
        assert_false(ratelimit_throttle(rl, 60000, RATELIMIT_TOO_MANY));
    assert_false(ratelimit_throttle(rl, 200, RATELIMIT_UNAVAILABLE)); /* within it */
    assert_false(ratelimit_throttle(rl, 70000, RATELIMIT_TOO_MANY));  /* 10 s later: the same */
    assert_true(ratelimit_throttle(rl, 120000, RATELIMIT_TOO_MANY));  /* a minute longer */
    ratelimit_free(rl);
    rl = ratelimit_new(40);
    assert_true(ratelimit_throttle(rl, 0, RATELIMIT_TOO_MANY)); /* no pause under way */
    assert_true(ratelimit_throttle(rl, 0, RATELIMIT_TOO_MANY)); /* that one is over */
    ratelimit_free(rl);
}

/* Under MIN_RATE a throttle still lowers the rate, never raises it. */
static void test_a_slow_rate_is_never_raised_by_a_throttle(void **state) {
    (void)state;
    struct ratelimit *rl = ratelimit_new(0.2);
    ratelimit_throttle(rl, 0, RATELIMIT_TOO_MANY);
    assert_true(fabs(ratelimit_current_rate(rl) - 0.1) < 1e-3);
    ratelimit_throttle(rl, 0, RATELIMIT_TOO_MANY); /* the floor: half the configured rate */
    assert_true(fabs(ratelimit_current_rate(rl) - 0.1) < 1e-3);
    ratelimit_free(rl);
}

static void test_unlimited_still_honours_a_pause(void **state) {
    (void)state;
    struct ratelimit *rl = ratelimit_new(0);
    assert_true(ratelimit_current_rate(rl) == 0);
    acquire_slot(rl);
    double t0 = clock_monotonic_s();
    ratelimit_throttle(rl, 200, RATELIMIT_TOO_MANY);
    assert_true(acquire_slot(rl) >= t0 + 0.2 - EPSILON_S);
    ratelimit_free(rl);
}

/* A limiter with no configured rate that has just granted 20 sends, at
 * once (what the server sees in its last second before a 429). */
static struct ratelimit *unlimited_after_20_sends(void) {
    struct ratelimit *rl = ratelimit_new(0);
    assert_non_null(rl);
    for (int i = 0; i < 20; i++)
        acquire_slot(rl);
    return rl;
}

/* Without a configured rate, a throttle still leaves a rate behind: half
 * of what was sent in the second before (20 here), climbing back by 5 % of
 * that (1/s) a second. Without one, every worker sent at once when the
 * pause ended and most were refused again: with 20 workers against a
 * server allowing 10 a second, 422 429s for 300 movies and 8 movies given
 * up. */
static void test_unlimited_learns_a_rate_from_a_throttle(void **state) {
    (void)state;
    struct ratelimit *rl = unlimited_after_20_sends();
    double t0 = clock_monotonic_s();
    ratelimit_throttle(rl, 0, RATELIMIT_TOO_MANY);
    double rate = ratelimit_current_rate(rl);
    assert_true(rate > 0);
    /* 10, and the recovery since, however slow the machine was */
    assert_true(rate <= 10 + 1.0 * (clock_monotonic_s() - t0) + 1e-9);
    double slot[6];
    for (int i = 0; i < 6; i++)
        slot[i] = acquire_slot(rl);
    /* spaced at the rate learnt: no faster than it had recovered to */
    assert_spaced(slot, 6, 1 / (10 + 1.0 * (clock_monotonic_s() - t0)));
    ratelimit_free(rl);
}

/* A learnt rate climbs with no ceiling; the next 429 halves what the
 * server saw in its last second, not the rate reached since: after 10
 * quiet minutes a learnt 10/s would have been 310/s, and halving that
 * ended the pause in a storm again. */
static void test_unlimited_halves_what_was_sent(void **state) {
    (void)state;
    struct ratelimit *rl = unlimited_after_20_sends();
    ratelimit_throttle(rl, 0, RATELIMIT_TOO_MANY); /* learns 20, halved: 10 */
    double learnt = ratelimit_current_rate(rl);
    struct timespec quiet = {1, 500000000};
    nanosleep(&quiet, NULL); /* the rate climbs past 11; nothing sent */
    /* a learnt rate climbs back: by 5 % of the 20 learnt a second, 1.5 in
     * the 1.5 s (at least; 1 allows for sends that left the second) */
    assert_true(ratelimit_current_rate(rl) >= learnt + 1.0);
    acquire_slot(rl);
    acquire_slot(rl); /* the server saw 2 in its last second */
    double t0 = clock_monotonic_s();
    ratelimit_throttle(rl, 0, RATELIMIT_TOO_MANY);
    /* half of 2, and the recovery since (1/s), however slow the machine */
    assert_true(ratelimit_current_rate(rl) <= 1.0 + 1.0 * (clock_monotonic_s() - t0) + 1e-9);
    ratelimit_free(rl);
}

/* Without a configured rate, a 503 pauses but sets no rate: the service
 * being down says nothing about this client's pace, and a flaky CDN would
 * ratchet a run that asked for no limit down to half a request a second. */
static void test_unlimited_learns_nothing_from_a_503(void **state) {
    (void)state;
    struct ratelimit *rl = unlimited_after_20_sends();
    double t0 = clock_monotonic_s();
    ratelimit_throttle(rl, 200, RATELIMIT_UNAVAILABLE);
    assert_true(ratelimit_current_rate(rl) == 0);
    assert_true(acquire_slot(rl) >= t0 + 0.2 - EPSILON_S); /* the pause holds */
    ratelimit_free(rl);
}

/* Without a configured rate, a 429 for the only request sent in the
 * server's last second (a run's first, the address's quota used up by
 * another client) pauses but sets no rate: learnt from it, the rate was
 * half a request a second, climbing back by 0.05/s a second (300 movies in
 * 102 s instead of 13 against a server allowing 40/s). The first 429 that
 * comes with more sent still teaches one. */
static void test_unlimited_learns_nothing_from_its_only_request(void **state) {
    (void)state;
    struct ratelimit *rl = ratelimit_new(0);
    assert_non_null(rl);
    acquire_slot(rl);
    double t0 = clock_monotonic_s();
    ratelimit_throttle(rl, 200, RATELIMIT_TOO_MANY);
    assert_true(ratelimit_current_rate(rl) == 0);
    assert_true(acquire_slot(rl) >= t0 + 0.2 - EPSILON_S); /* the pause holds */
    for (int i = 0; i < 19; i++)
        acquire_slot(rl); /* 20 sent at once since the pause, 21 in the second */
    t0 = clock_monotonic_s();
    ratelimit_throttle(rl, 0, RATELIMIT_TOO_MANY); /* learns 21, halved: 10.5 */
    double rate = ratelimit_current_rate(rl);
    assert_true(rate >= 10 - 1e-9); /* 20 if the first slot left the second */
    /* and the recovery since (1.05/s), however slow the machine */
    assert_true(rate <= 10.5 + 1.05 * (clock_monotonic_s() - t0) + 1e-9);
    ratelimit_free(rl);
}

/* Two sends in the server's last second are enough to learn from: the
 * first 429 after them sets a rate (half of 2), where a lone request's
 * 429 sets none. */
static void test_unlimited_learns_from_two_requests(void **state) {
    (void)state;
    struct ratelimit *rl = ratelimit_new(0);
    assert_non_null(rl);
    acquire_slot(rl);
    acquire_slot(rl);
    double t0 = clock_monotonic_s();
    ratelimit_throttle(rl, 0, RATELIMIT_TOO_MANY);
    double rate = ratelimit_current_rate(rl);
    assert_true(rate >= 1.0 - 1e-9);
    /* and the recovery since (0.1/s), however slow the machine */
    assert_true(rate <= 1.0 + 0.1 * (clock_monotonic_s() - t0) + 1e-9);
    ratelimit_free(rl);
}

/* One acquire in its own thread (cmocka asserts only in the test's own
 * thread: the results are checked there, by check_waiter()). */
struct waiter {
    struct ratelimit *rl;
    sem_t *asking; /* posted just before the acquire, or NULL */
    int rc;
    double slot_s;
    double returned_s;
};

static void *acquire_once(void *arg) {
    struct waiter *w = arg;
    if (w->asking)
        sem_post(w->asking);
    w->rc = ratelimit_acquire_slot(w->rl, &w->slot_s);
    w->returned_s = clock_monotonic_s();
    return NULL;
}

/* Start a thread that asks `rl` for one slot (into *w), and return once
 * it is about to ask: threads started one after another ask in order. */
static void start_waiter(struct ratelimit *rl, sem_t *asking, struct waiter *w, pthread_t *t) {
    *w = (struct waiter){.rl = rl, .asking = asking};
    assert_int_equal(pthread_create(t, NULL, acquire_once, w), 0);
    assert_int_equal(sem_wait(asking), 0);
}

static void check_waiter(const struct waiter *w) {
    assert_int_equal(w->rc, 0);
    assert_true(w->returned_s >= w->slot_s);
}

/* A thread that takes a slot, says so (its `asking`), and asks for the
 * next: at 5/s that one is 0.2 s after the first, within the lookahead, so
 * it is reserved at once and slept for. The first slot being the thread's
 * own, however late the thread started, it says so 0.2 s before the slot
 * it then sleeps for. */
struct second_asker {
    struct waiter w;
    int first_rc;
    double first_slot_s;
};

static void *acquire_twice(void *arg) {
    struct second_asker *a = arg;
    a->first_rc = ratelimit_acquire_slot(a->w.rl, &a->first_slot_s);
    return acquire_once(&a->w);
}

/* A thread already asleep for its slot when a 429 comes does not send
 * before the pause is over (it used to send at its slot, inside it). The
 * 429 comes halfway between the thread's asking and its slot; when this
 * thread was so late that it may have come after the slot (and the thread
 * may have sent, rightly), the test starts over. */
static void test_a_pause_holds_for_threads_already_waiting(void **state) {
    (void)state;
    for (int attempt = 0; attempt < 5; attempt++) {
        struct ratelimit *rl = ratelimit_new(5); /* a slot every 0.2 s */
        assert_non_null(rl);
        sem_t asking;
        assert_int_equal(sem_init(&asking, 0, 0), 0);
        struct second_asker a = {.w = {.rl = rl, .asking = &asking}};
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, acquire_twice, &a), 0);
        assert_int_equal(sem_wait(&asking), 0);
        double nap_s = a.first_slot_s + 0.1 - clock_monotonic_s();
        if (nap_s > 0) {
            struct timespec nap = {0, (long)(nap_s * 1e9)};
            nanosleep(&nap, NULL);
        }
        double throttled_s = clock_monotonic_s();
        ratelimit_throttle(rl, 1000, RATELIMIT_TOO_MANY);
        bool before_slot = clock_monotonic_s() < a.first_slot_s + 0.2 - EPSILON_S;
        pthread_join(t, NULL);
        sem_destroy(&asking);
        assert_int_equal(a.first_rc, 0);
        check_waiter(&a.w);
        if (before_slot)
            assert_true(a.w.slot_s >= throttled_s + 1.0 - EPSILON_S);
        ratelimit_free(rl);
        if (before_slot)
            return;
    }
    fail_msg("the throttle never came before the waiting thread's slot");
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* `n` threads (at most 16) each acquire once, all at the same time; their
 * slots into `slot`, in time order. */
static void acquire_in_threads(struct ratelimit *rl, int n, double *slot) {
    struct waiter w[16];
    pthread_t t[16];
    assert_true(n <= 16);
    for (int i = 0; i < n; i++) {
        w[i] = (struct waiter){.rl = rl};
        assert_int_equal(pthread_create(&t[i], NULL, acquire_once, &w[i]), 0);
    }
    for (int i = 0; i < n; i++) {
        pthread_join(t[i], NULL);
        check_waiter(&w[i]);
        slot[i] = w[i].slot_s;
    }
    qsort(slot, (size_t)n, sizeof *slot, compare_doubles);
}

/* After throttles brought the rate to its floor (one send per 2 s), many
 * threads asking at once must not each fix a slot at that rate: as the
 * rate recovers (here 20/s more every second), the waiting threads send
 * sooner. Booked at the floor rate, the last of 10 would wait 18 s. */
static void test_waiting_threads_gain_from_the_recovery(void **state) {
    (void)state;
    enum { THREADS = 10 };
    struct ratelimit *rl = ratelimit_new(400);
    for (int i = 0; i < 12; i++)
        ratelimit_throttle(rl, 0, RATELIMIT_TOO_MANY);
    assert_true(ratelimit_current_rate(rl) < 1.0);
    double t0 = clock_monotonic_s();
    double slot[THREADS];
    acquire_in_threads(rl, THREADS, slot);
    /* about 1 s; the bound is loose, far under the 18 s of fixed slots */
    assert_true(slot[THREADS - 1] - t0 < 8.0);
    ratelimit_free(rl);
}

/* With more threads than fit in the lookahead, the spacing still holds. */
static void test_many_threads_keep_the_spacing(void **state) {
    (void)state;
    enum { THREADS = 16 };
    struct ratelimit *rl = ratelimit_new(20);
    double slot[THREADS];
    acquire_in_threads(rl, THREADS, slot);
    assert_spaced(slot, THREADS, 1 / 20.0);
    ratelimit_free(rl);
}

/* A thread that acquires `per_thread` slots in a row, each with the time it
 * returned: what a worker sends, and when. */
struct repeater {
    struct ratelimit *rl;
    int rc;
    double slot_s[4];
    double returned_s[4];
};

static void *acquire_four(void *arg) {
    struct repeater *r = arg;
    for (int i = 0; i < 4 && r->rc == 0; i++) {
        r->rc = ratelimit_acquire_slot(r->rl, &r->slot_s[i]);
        r->returned_s[i] = clock_monotonic_s();
    }
    return NULL;
}

/* A process stopped while its threads sleep for their slots (Ctrl-Z and
 * fg, kill -STOP and -CONT, a debugger) does not send those slots, now
 * seconds old, all at once when it goes on: each thread books again. They
 * used to go out together, and with the slots after them (spaced from the
 * old ones) the server saw 13 requests in the second after `fg` at --rate
 * 10, 42 at --rate 35 (TMDB's CDN throttles at 40: 429s, and the rate
 * halved). Here the test stops itself for 2 s from a child process; a
 * slot is never returned more than 1 s after it (the lookahead, 0.25 s,
 * and room for a loaded machine), where a stale one is 1.75 s late. */
static void test_a_stopped_process_books_its_slots_again(void **state) {
    (void)state;
    enum { THREADS = 6 };
    struct ratelimit *rl = ratelimit_new(10); /* 24 slots: 2.4 s, with threads asleep */
    pid_t stopper = fork();
    assert_true(stopper >= 0);
    if (stopper == 0) {
        struct timespec before = {0, 600 * 1000000L}, stopped = {2, 0};
        nanosleep(&before, NULL);
        kill(getppid(), SIGSTOP);
        nanosleep(&stopped, NULL);
        kill(getppid(), SIGCONT);
        _exit(0);
    }
    struct repeater r[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        r[i] = (struct repeater){.rl = rl};
        assert_int_equal(pthread_create(&t[i], NULL, acquire_four, &r[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(waitpid(stopper, NULL, 0), stopper);
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(r[i].rc, 0);
        for (int j = 0; j < 4; j++) {
            double late_s = r[i].returned_s[j] - r[i].slot_s[j];
            if (late_s >= 1.0)
                print_error("thread %d returned its slot %d %.3f s after it\n", i, j, late_s);
            assert_true(late_s >= 0 && late_s < 1.0);
        }
    }
    ratelimit_free(rl);
}

/* Threads are served in the order they asked, also when their slots are
 * too far ahead to reserve at once (it used to be whoever woke first).
 * The order of asking is the order of entering the limiter, which a test
 * cannot see: each thread says it is about to ask, and the next is started
 * 40 ms after that (only a thread stalled that long between the two could
 * still overtake). */
static void test_threads_are_served_in_order(void **state) {
    (void)state;
    enum { THREADS = 8 };
    struct ratelimit *rl = ratelimit_new(3); /* a slot every 0.33 s */
    struct waiter w[THREADS];
    pthread_t t[THREADS];
    sem_t asking;
    assert_int_equal(sem_init(&asking, 0, 0), 0);
    for (int i = 0; i < THREADS; i++) {
        start_waiter(rl, &asking, &w[i], &t[i]);
        struct timespec gap = {0, 40 * 1000000L}; /* ask 40 ms apart */
        nanosleep(&gap, NULL);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        check_waiter(&w[i]);
    }
    for (int i = 1; i < THREADS; i++)
        assert_true(w[i].slot_s > w[i - 1].slot_s);
    sem_destroy(&asking);
    ratelimit_free(rl);
}

/* A stop ends the waits of the threads already in the limiter (one
 * waiting for its slot, 60 s off, the other for its turn behind it), at
 * once rather than at the pause's end (a run stops within 2 s of a
 * signal); and a thread asking after it is refused. */
static void test_stop_ends_a_wait(void **state) {
    (void)state;
    enum { THREADS = 2 };
    struct ratelimit *rl = ratelimit_new(1);
    ratelimit_throttle(rl, 60000, RATELIMIT_TOO_MANY);
    struct waiter w[THREADS];
    pthread_t t[THREADS];
    sem_t asking;
    assert_int_equal(sem_init(&asking, 0, 0), 0);
    for (int i = 0; i < THREADS; i++)
        start_waiter(rl, &asking, &w[i], &t[i]);
    struct timespec settle = {0, 50 * 1000000L}; /* both inside the limiter */
    nanosleep(&settle, NULL);
    double stopped_s = clock_monotonic_s();
    stop_request(STOP_SIGNAL);
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].rc, -1);
        assert_true(w[i].returned_s - stopped_s < 2.0);
    }
    assert_int_equal(ratelimit_acquire(rl), -1);
    sem_destroy(&asking);
    ratelimit_free(rl);
}

static int setup(void **state) {
    (void)state;
    return stop_init();
}

/* Workers waiting L s an answer send at most workers / L a second: under
 * 80 % of the rate, the workers that reach it, each busy 90 % at most. */
static void test_workers_for_a_rate(void **state) {
    (void)state;
    assert_int_equal(ratelimit_workers_for(35, 5, 0.3), 12);  /* 16.7/s: 35 * 0.3 / 0.9 = 11.7 */
    assert_int_equal(ratelimit_workers_for(35, 1, 0.04), 2);  /* 25/s */
    assert_int_equal(ratelimit_workers_for(35, 5, 0.02), 0);  /* 250/s: they keep up */
    assert_int_equal(ratelimit_workers_for(35, 28, 1.0), 0);  /* 28/s: 80 % exactly */
    assert_int_equal(ratelimit_workers_for(35, 27, 1.0), 39); /* 27/s: 35 / 0.9 = 38.9 */
    assert_int_equal(ratelimit_workers_for(0, 5, 0.3), 0);    /* no rate to reach */
    assert_int_equal(ratelimit_workers_for(35, 5, 0), 0);     /* no pace known */
    assert_int_equal(ratelimit_workers_for(1e5, 1, 1e9), INT_MAX);
}

static int teardown(void **state) {
    (void)state;
    stop_cleanup();
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spaces_requests_evenly),
        cmocka_unit_test(test_no_window_holds_more_than_the_rate),
        cmocka_unit_test(test_a_fractional_rate_never_rounds_up),
        cmocka_unit_test(test_throttle_pauses_everybody_and_lowers_the_rate),
        cmocka_unit_test(test_a_503_pauses_but_keeps_a_configured_rate),
        cmocka_unit_test(test_answers_within_one_pause_lower_the_rate_once),
        cmocka_unit_test(test_the_answer_that_begins_a_pause_is_told),
        cmocka_unit_test(test_a_slow_rate_is_never_raised_by_a_throttle),
        cmocka_unit_test(test_unlimited_still_honours_a_pause),
        cmocka_unit_test(test_unlimited_learns_a_rate_from_a_throttle),
        cmocka_unit_test(test_unlimited_halves_what_was_sent),
        cmocka_unit_test(test_unlimited_learns_nothing_from_a_503),
        cmocka_unit_test(test_unlimited_learns_nothing_from_its_only_request),
        cmocka_unit_test(test_unlimited_learns_from_two_requests),
        cmocka_unit_test(test_a_pause_holds_for_threads_already_waiting),
        cmocka_unit_test(test_waiting_threads_gain_from_the_recovery),
        cmocka_unit_test(test_many_threads_keep_the_spacing),
        cmocka_unit_test(test_threads_are_served_in_order),
        cmocka_unit_test(test_a_stopped_process_books_its_slots_again),
        cmocka_unit_test(test_workers_for_a_rate),
        cmocka_unit_test(test_stop_ends_a_wait), /* last: the stop is for good */
    };
    return cmocka_run_group_tests_name("ratelimit", tests, setup, teardown);
}
