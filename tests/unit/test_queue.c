/* test_queue.c - the bounded queue: order, bounds, close and abort. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "queue.h"

static void test_fifo_order(void **state) {
    (void)state;
    struct queue *q = queue_new(4, sizeof(int64_t), 1);
    assert_non_null(q);
    for (int64_t i = 1; i <= 4; i++)
        assert_int_equal(queue_push(q, &i), QUEUE_OK);
    assert_int_equal(queue_length(q), 4);
    for (int64_t i = 1; i <= 4; i++) {
        int64_t v = 0;
        assert_int_equal(queue_pop(q, &v), QUEUE_OK);
        assert_int_equal(v, i);
    }
    queue_free(q);
}

static void test_rejects_bad_arguments(void **state) {
    (void)state;
    assert_null(queue_new(0, 8, 1));
    assert_null(queue_new(4, 0, 1));
    assert_null(queue_new(4, 8, 0));
    queue_free(NULL);
}

/* The capacity goes up to 2^24 items, no further. */
static void test_capacity_is_bounded_at_2_to_the_24(void **state) {
    (void)state;
    struct queue *q = queue_new((size_t)1 << 24, 1, 1);
    assert_non_null(q);
    queue_free(q);
    assert_null(queue_new(((size_t)1 << 24) + 1, 1, 1));
}

static void test_close_drains_then_reports_closed(void **state) {
    (void)state;
    struct queue *q = queue_new(3, sizeof(int64_t), 1);
    int64_t v = 7;
    assert_int_equal(queue_push(q, &v), QUEUE_OK);
    queue_close(q);
    assert_int_equal(queue_pop(q, &v), QUEUE_OK);
    assert_int_equal(v, 7);
    assert_int_equal(queue_pop(q, &v), QUEUE_CLOSED);
    assert_int_equal(queue_pop(q, &v), QUEUE_CLOSED); /* the token is passed on */
    queue_free(q);
}

static void test_closed_only_after_every_producer(void **state) {
    (void)state;
    struct queue *q = queue_new(3, sizeof(int64_t), 2);
    int64_t v;
    queue_close(q);
    assert_int_equal(queue_pop_timed(q, &v, 50), QUEUE_TIMEOUT);
    queue_close(q);
    assert_int_equal(queue_pop_timed(q, &v, 50), QUEUE_CLOSED);
    queue_free(q);
}

static void test_pop_timed_times_out(void **state) {
    (void)state;
    struct queue *q = queue_new(1, sizeof(int64_t), 1);
    int64_t v;
    assert_int_equal(queue_pop_timed(q, &v, 20), QUEUE_TIMEOUT);
    queue_free(q);
}

/* A thread about to call what may block posts a semaphore first; the test
 * waits for that, and then a moment for the call to reach its wait, before
 * it asserts that the call has not returned. A fixed nap from the thread's
 * creation passed without testing when the thread had not started yet:
 * "not returned" held anyway. */
static void wait_until_called(sem_t *calling, int n_calls) {
    for (int i = 0; i < n_calls; i++)
        assert_int_equal(sem_wait(calling), 0);
    usleep(50 * 1000);
}

struct pusher {
    struct queue *q;
    sem_t *pushing; /* posted before each push, or NULL */
    atomic_int pushed;
    enum queue_status last;
};

static void *push_many(void *arg) {
    struct pusher *p = arg;
    for (int64_t i = 1; i <= 10; i++) {
        if (p->pushing)
            sem_post(p->pushing);
        p->last = queue_push(p->q, &i);
        if (p->last != QUEUE_OK)
            break;
        atomic_fetch_add(&p->pushed, 1);
    }
    return NULL;
}

static void test_push_blocks_when_full(void **state) {
    (void)state;
    struct pusher p = {.q = queue_new(2, sizeof(int64_t), 1)};
    pthread_t t;
    pthread_create(&t, NULL, push_many, &p);
    /* wait until the producer has filled the queue, however slow the
     * machine (a fixed 100 ms was too short under load), then give it time to
     * push a third */
    for (int i = 0; i < 5000 && atomic_load(&p.pushed) < 2; i++)
        usleep(1000);
    usleep(50 * 1000);
    /* memory stays bounded: the producer is stuck at the capacity */
    assert_int_equal(atomic_load(&p.pushed), 2);
    assert_int_equal(queue_length(p.q), 2);
    int64_t v;
    for (int i = 0; i < 10; i++) {
        assert_int_equal(queue_pop(p.q, &v), QUEUE_OK);
        assert_int_equal(v, i + 1);
    }
    pthread_join(t, NULL);
    assert_int_equal(atomic_load(&p.pushed), 10);
    queue_free(p.q);
}

static void test_abort_wakes_blocked_producer(void **state) {
    (void)state;
    sem_t pushing;
    assert_int_equal(sem_init(&pushing, 0, 0), 0);
    struct pusher p = {.q = queue_new(1, sizeof(int64_t), 1), .pushing = &pushing};
    pthread_t t;
    pthread_create(&t, NULL, push_many, &p);
    wait_until_called(&pushing, 2);              /* the second push finds the queue full */
    assert_int_equal(atomic_load(&p.pushed), 1); /* blocked in it */
    queue_abort(p.q);
    pthread_join(t, NULL);
    assert_int_equal(p.last, QUEUE_ABORTED);
    assert_int_equal(atomic_load(&p.pushed), 1);
    int64_t v;
    assert_int_equal(queue_pop(p.q, &v), QUEUE_ABORTED);
    queue_free(p.q);
    sem_destroy(&pushing);
}

/* A push after an abort (the producer between two ids when a signal
 * came) is refused at once and queues nothing, whatever room is left. */
static void test_push_after_abort_is_refused(void **state) {
    (void)state;
    struct queue *q = queue_new(4, sizeof(int64_t), 2);
    int64_t v = 1;
    assert_int_equal(queue_push(q, &v), QUEUE_OK);
    queue_abort(q);
    v = 2;
    assert_int_equal(queue_push(q, &v), QUEUE_ABORTED);
    assert_int_equal(queue_push_weighted(q, &v, 10), QUEUE_ABORTED);
    assert_int_equal(queue_length(q), 1);
    queue_free(q);
}

struct popper {
    struct queue *q;
    sem_t *popping; /* posted before the pop */
    atomic_bool done;
    enum queue_status st;
};

static void *pop_one(void *arg) {
    struct popper *p = arg;
    int64_t v;
    sem_post(p->popping);
    p->st = queue_pop(p->q, &v);
    atomic_store(&p->done, true);
    return NULL;
}

static void on_usr1(int sig) {
    (void)sig;
}

/* SIGUSR1 caught by a handler that does nothing, without SA_RESTART: a
 * wait it interrupts fails with EINTR. What it was before into *old. */
static void catch_usr1(struct sigaction *old) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGUSR1, &sa, old), 0);
}

/* Signals reach the workers' threads too: a pop that one interrupts
 * (sem_wait's EINTR, never restarted) goes on waiting, and returns the
 * item pushed afterwards, the one item, not a close. */
static void test_a_signal_does_not_end_a_pop(void **state) {
    (void)state;
    struct sigaction old;
    catch_usr1(&old);
    struct queue *q = queue_new(2, sizeof(int64_t), 1);
    struct popper p = {.q = q, .st = QUEUE_OK};
    sem_t popping;
    assert_int_equal(sem_init(&popping, 0, 0), 0);
    p.popping = &popping;
    atomic_init(&p.done, false);
    pthread_t t;
    pthread_create(&t, NULL, pop_one, &p);
    wait_until_called(&popping, 1);
    assert_int_equal(pthread_kill(t, SIGUSR1), 0);
    usleep(50 * 1000);
    assert_false(atomic_load(&p.done)); /* still waiting */
    int64_t v = 7;
    assert_int_equal(queue_push(q, &v), QUEUE_OK);
    for (int i = 0; i < 2000 && !atomic_load(&p.done); i++)
        usleep(1000);
    if (!atomic_load(&p.done)) {
        pthread_detach(t); /* stuck for good: left, with its queue */
        fail_msg("the pop did not return the item pushed after the signal");
    }
    pthread_join(t, NULL);
    assert_int_equal(p.st, QUEUE_OK);
    assert_int_equal(queue_length(q), 0);
    sem_destroy(&popping);
    queue_free(q);
    assert_int_equal(sigaction(SIGUSR1, &old, NULL), 0);
}

#define N_POPPERS 4

/* N_POPPERS threads each in a pop of an empty queue, blocked there; then
 * `end` (queue_abort or queue_close) wakes each, its pop returning `want`. */
static void blocked_consumers_woken_by(void (*end)(struct queue *), enum queue_status want) {
    struct queue *q = queue_new(2, sizeof(int64_t), 1);
    struct popper pops[N_POPPERS];
    pthread_t t[N_POPPERS];
    sem_t popping;
    assert_int_equal(sem_init(&popping, 0, 0), 0);
    for (int i = 0; i < N_POPPERS; i++) {
        pops[i] = (struct popper){.q = q, .popping = &popping, .st = QUEUE_OK};
        atomic_init(&pops[i].done, false);
        pthread_create(&t[i], NULL, pop_one, &pops[i]);
    }
    wait_until_called(&popping, N_POPPERS);
    for (int i = 0; i < N_POPPERS; i++)
        assert_false(atomic_load(&pops[i].done));
    end(q);
    for (int i = 0; i < N_POPPERS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(pops[i].st, want);
    }
    sem_destroy(&popping);
    queue_free(q);
}

static void test_abort_wakes_every_blocked_consumer(void **state) {
    (void)state;
    blocked_consumers_woken_by(queue_abort, QUEUE_ABORTED);
}

static void test_close_wakes_every_blocked_consumer(void **state) {
    (void)state;
    blocked_consumers_woken_by(queue_close, QUEUE_CLOSED);
}

/* Many producers and consumers: every item arrives exactly once. */
#define N_THREADS 4
#define PER_PRODUCER 5000

struct mp {
    struct queue *q;
    int64_t base;
    int64_t sum;
    int64_t count;
};

static void *mp_produce(void *arg) {
    struct mp *m = arg;
    for (int64_t i = 0; i < PER_PRODUCER; i++) {
        int64_t v = m->base + i;
        queue_push(m->q, &v);
    }
    queue_close(m->q);
    return NULL;
}

static void *mp_consume(void *arg) {
    struct mp *m = arg;
    int64_t v;
    while (queue_pop(m->q, &v) == QUEUE_OK) {
        m->sum += v;
        m->count++;
    }
    return NULL;
}

struct mp_n {
    struct mp *m;
    int64_t n;
};

static void *mp_produce_n(void *arg) {
    struct mp_n *a = arg;
    for (int64_t i = 0; i < a->n; i++) {
        int64_t v = a->m->base + i;
        queue_push(a->m->q, &v);
    }
    queue_close(a->m->q);
    return NULL;
}

static void test_many_producers_many_consumers(void **state) {
    (void)state;
    struct queue *q = queue_new(5, sizeof(int64_t), N_THREADS);
    struct mp prod[N_THREADS], cons[N_THREADS];
    pthread_t tp[N_THREADS], tc[N_THREADS];
    int64_t expected = 0;
    for (int i = 0; i < N_THREADS; i++) {
        prod[i] = (struct mp){.q = q, .base = (int64_t)i * PER_PRODUCER + 1};
        cons[i] = (struct mp){.q = q};
        for (int64_t k = 0; k < PER_PRODUCER; k++)
            expected += prod[i].base + k;
        pthread_create(&tc[i], NULL, mp_consume, &cons[i]);
        pthread_create(&tp[i], NULL, mp_produce, &prod[i]);
    }
    int64_t sum = 0, count = 0;
    for (int i = 0; i < N_THREADS; i++) {
        pthread_join(tp[i], NULL);
        pthread_join(tc[i], NULL);
    }
    for (int i = 0; i < N_THREADS; i++) {
        sum += cons[i].sum;
        count += cons[i].count;
    }
    assert_int_equal(count, N_THREADS * PER_PRODUCER);
    assert_int_equal(sum, expected);
    queue_free(q);
}

/* The work queue's shape: one producer, many consumers. The producer
 * sleeps through its hysteresis wait over and over; nothing may be lost,
 * duplicated or left stuck. */
static void test_one_producer_many_consumers(void **state) {
    (void)state;
    enum { ITEMS = 200000 };
    struct queue *q = queue_new(5, sizeof(int64_t), 1);
    struct mp prod = {.q = q, .base = 1}, cons[N_THREADS];
    pthread_t tp, tc[N_THREADS];
    for (int i = 0; i < N_THREADS; i++) {
        cons[i] = (struct mp){.q = q};
        pthread_create(&tc[i], NULL, mp_consume, &cons[i]);
    }
    int64_t sum = 0, count = 0;
    struct mp_n args = {&prod, ITEMS};
    pthread_create(&tp, NULL, mp_produce_n, &args);
    pthread_join(tp, NULL);
    for (int i = 0; i < N_THREADS; i++) {
        pthread_join(tc[i], NULL);
        sum += cons[i].sum;
        count += cons[i].count;
    }
    assert_int_equal(count, ITEMS);
    assert_int_equal(sum, (int64_t)ITEMS * (ITEMS + 1) / 2);
    queue_free(q);
}

/* A single producer that found the queue full is woken when consumers have
 * drained it to half, not at the first free slot, and then fills it again. */
static void test_single_producer_refills_at_half(void **state) {
    (void)state;
    sem_t pushing;
    assert_int_equal(sem_init(&pushing, 0, 0), 0);
    struct pusher p = {.q = queue_new(4, sizeof(int64_t), 1), .pushing = &pushing};
    pthread_t t;
    pthread_create(&t, NULL, push_many, &p);
    wait_until_called(&pushing, 5);              /* the fifth push finds the queue full */
    assert_int_equal(atomic_load(&p.pushed), 4); /* asleep in it */
    int64_t v;
    assert_int_equal(queue_pop(p.q, &v), QUEUE_OK); /* 3 left: above half */
    usleep(50 * 1000);
    assert_int_equal(atomic_load(&p.pushed), 4); /* still asleep */
    assert_int_equal(queue_length(p.q), 3);
    assert_int_equal(queue_pop(p.q, &v), QUEUE_OK); /* 2 left: half */
    for (int i = 0; i < 2000 && queue_length(p.q) < 4; i++)
        usleep(1000);
    assert_int_equal(queue_length(p.q), 4); /* refilled */
    assert_int_equal(atomic_load(&p.pushed), 6);
    for (int64_t want = 3; want <= 10; want++) {
        assert_int_equal(queue_pop(p.q, &v), QUEUE_OK);
        assert_int_equal(v, want);
    }
    pthread_join(t, NULL);
    queue_free(p.q);
    sem_destroy(&pushing);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct later {
    struct queue *q;
    int pushes; /* items to push, 20 ms apart */
    bool close; /* then close */
    bool abort; /* or abort */
};

static void *act_later(void *arg) {
    struct later *l = arg;
    for (int64_t i = 1; i <= l->pushes; i++) {
        usleep(20 * 1000);
        queue_push(l->q, &i);
    }
    usleep(20 * 1000);
    if (l->close)
        queue_close(l->q);
    if (l->abort)
        queue_abort(l->q);
    return NULL;
}

/* The writer's wait: wakes when the queue is half full (3 of 6 here), when
 * the last producer closes, on abort, and at the timeout; never for one item. */
static void test_wait_fill_wakes_for_enough_items_close_abort_or_time(void **state) {
    (void)state;
    struct queue *q = queue_new(6, sizeof(int64_t), 1);
    struct later l = {.q = q, .pushes = 3};
    pthread_t t;
    pthread_create(&t, NULL, act_later, &l);
    double t0 = now_s();
    queue_wait_fill(q, 10000);
    assert_true(now_s() - t0 < 5);     /* woken by the third push, not the timeout */
    assert_true(queue_length(q) >= 3); /* not by the first */
    pthread_join(t, NULL);
    queue_wait_fill(q, 10000); /* already half full: at once */
    int64_t v;
    for (int i = 0; i < 3; i++)
        assert_int_equal(queue_pop(q, &v), QUEUE_OK);
    t0 = now_s();
    queue_wait_fill(q, 60); /* nothing comes: the timeout */
    assert_true(now_s() - t0 >= 0.05);
    l = (struct later){.q = q, .pushes = 1, .close = true};
    pthread_create(&t, NULL, act_later, &l);
    t0 = now_s();
    queue_wait_fill(q, 10000); /* one item, then the close */
    assert_true(now_s() - t0 < 5);
    pthread_join(t, NULL);
    assert_int_equal(queue_pop(q, &v), QUEUE_OK);
    assert_int_equal(queue_pop(q, &v), QUEUE_CLOSED);
    queue_wait_fill(q, 10000); /* closed: at once */
    queue_free(q);

    q = queue_new(8, sizeof(int64_t), 1);
    l = (struct later){.q = q, .abort = true};
    pthread_create(&t, NULL, act_later, &l);
    t0 = now_s();
    queue_wait_fill(q, 10000);
    assert_true(now_s() - t0 < 5);
    pthread_join(t, NULL);
    assert_int_equal(queue_pop(q, &v), QUEUE_ABORTED);
    queue_free(q);
}

struct filler {
    struct queue *q;
    sem_t *waiting;
    atomic_bool done;
    size_t length; /* the queue's length when the wait returned */
};

static void *wait_fill_once(void *arg) {
    struct filler *w = arg;
    sem_post(w->waiting);
    queue_wait_fill(w->q, 10000);
    w->length = queue_length(w->q);
    atomic_store(&w->done, true);
    return NULL;
}

/* The writer's thread takes signals too: a wait that one interrupts
 * (EINTR) goes on waiting until the queue is half full; and a wake-up is
 * one whatever errno held before it (sem_clockwait() leaves it as it was
 * on success). */
static void test_wait_fill_outlasts_a_signal_and_a_stale_errno(void **state) {
    (void)state;
    struct sigaction old;
    catch_usr1(&old);
    struct queue *q = queue_new(6, sizeof(int64_t), 1);
    sem_t waiting;
    assert_int_equal(sem_init(&waiting, 0, 0), 0);
    struct filler w = {.q = q, .waiting = &waiting};
    atomic_init(&w.done, false);
    pthread_t t;
    pthread_create(&t, NULL, wait_fill_once, &w);
    wait_until_called(&waiting, 1);
    for (int i = 0; i < 5; i++) { /* one lands in the wait at least */
        assert_int_equal(pthread_kill(t, SIGUSR1), 0);
        usleep(10 * 1000);
    }
    assert_false(atomic_load(&w.done)); /* still waiting */
    for (int64_t i = 1; i <= 3; i++)
        assert_int_equal(queue_push(q, &i), QUEUE_OK);
    pthread_join(t, NULL);
    assert_true(w.length >= 3); /* woken by the pushes */

    int64_t v;
    for (int i = 0; i < 3; i++)
        assert_int_equal(queue_pop(q, &v), QUEUE_OK);
    struct later l = {.q = q, .pushes = 3};
    pthread_create(&t, NULL, act_later, &l);
    double t0 = now_s();
    errno = EINTR; /* left by some call before */
    queue_wait_fill(q, 10000);
    assert_true(now_s() - t0 < 5); /* woken by the third push, not the timeout */
    pthread_join(t, NULL);
    sem_destroy(&waiting);
    queue_free(q);
    assert_int_equal(sigaction(SIGUSR1, &old, NULL), 0);
}

/* A wait that timed out leaves nothing behind: items that arrive after it
 * do not cut the next wait short (its own timeout here, the queue empty). */
static void test_a_timed_out_wait_fill_leaves_no_wake_up(void **state) {
    (void)state;
    struct queue *q = queue_new(4, sizeof(int64_t), 1);
    queue_wait_fill(q, 20); /* nothing comes: the timeout */
    int64_t v = 1;
    assert_int_equal(queue_push(q, &v), QUEUE_OK);
    assert_int_equal(queue_push(q, &v), QUEUE_OK); /* half full, nobody waiting */
    assert_int_equal(queue_pop(q, &v), QUEUE_OK);
    assert_int_equal(queue_pop(q, &v), QUEUE_OK);
    double t0 = now_s();
    queue_wait_fill(q, 200);
    assert_true(now_s() - t0 >= 0.15);
    queue_free(q);
}

/* With two producers, the first close does not end the writer's wait:
 * only the last does (the other may still send). */
static void test_wait_fill_waits_for_the_last_close(void **state) {
    (void)state;
    struct queue *q = queue_new(8, sizeof(int64_t), 2);
    struct later l = {.q = q, .close = true};
    pthread_t t;
    pthread_create(&t, NULL, act_later, &l);
    double t0 = now_s();
    queue_wait_fill(q, 300);
    assert_true(now_s() - t0 >= 0.25); /* the timeout, not the close 20 ms in */
    pthread_join(t, NULL);
    queue_close(q);
    int64_t v;
    assert_int_equal(queue_pop(q, &v), QUEUE_CLOSED);
    queue_free(q);
}

/* One push of `weight`, in a thread, for the weight tests. */
struct weighed {
    struct queue *q;
    size_t weight;
    sem_t pushing; /* posted before the push */
    atomic_bool done;
    enum queue_status st;
};

static void *push_weighed(void *arg) {
    struct weighed *w = arg;
    int64_t v = 7;
    sem_post(&w->pushing);
    w->st = queue_push_weighted(w->q, &v, w->weight);
    atomic_store(&w->done, true);
    return NULL;
}

/* Start that push of `weight` into `q` in thread *t. */
static void start_push_weighed(struct weighed *w, struct queue *q, size_t weight, pthread_t *t) {
    w->q = q;
    w->weight = weight;
    atomic_init(&w->done, false);
    assert_int_equal(sem_init(&w->pushing, 0, 0), 0);
    pthread_create(t, NULL, push_weighed, w);
}

/* Wait for that thread to end. */
static void join_push_weighed(struct weighed *w, pthread_t t) {
    pthread_join(t, NULL);
    sem_destroy(&w->pushing);
}

/* The result queue's bound in bytes: with its weight limit queued, a push
 * waits (however many slots are free) until the consumer takes some; an
 * empty queue takes an item heavier than the limit. */
static void test_weight_limit_blocks_push_until_taken(void **state) {
    (void)state;
    struct queue *q = queue_new(8, sizeof(int64_t), 1);
    assert_int_equal(queue_set_weights(q, 0, 100), 0);
    int64_t v = 1;
    assert_int_equal(queue_push_weighted(q, &v, 1000), QUEUE_OK); /* empty: passes */
    assert_int_equal(queue_pop(q, &v), QUEUE_OK);
    assert_int_equal(queue_push_weighted(q, &v, 60), QUEUE_OK);
    assert_int_equal(queue_push_weighted(q, &v, 60), QUEUE_OK); /* 60 < 100: passes */
    struct weighed w;
    pthread_t t;
    start_push_weighed(&w, q, 1, &t);
    wait_until_called(&w.pushing, 1);
    assert_false(atomic_load(&w.done));           /* 120 queued, 6 slots free: it waits */
    assert_int_equal(queue_pop(q, &v), QUEUE_OK); /* 60 left */
    join_push_weighed(&w, t);
    assert_int_equal(w.st, QUEUE_OK);
    assert_int_equal(queue_length(q), 2);
    queue_free(q);
}

/* A producer waiting for weight to be taken sees an abort (signal
 * handlers abort, and cannot signal its condition variable). */
static void test_abort_wakes_producer_waiting_for_weight(void **state) {
    (void)state;
    struct queue *q = queue_new(8, sizeof(int64_t), 1);
    assert_int_equal(queue_set_weights(q, 0, 10), 0);
    int64_t v = 1;
    assert_int_equal(queue_push_weighted(q, &v, 20), QUEUE_OK);
    struct weighed w;
    pthread_t t;
    start_push_weighed(&w, q, 1, &t);
    wait_until_called(&w.pushing, 1);
    assert_false(atomic_load(&w.done)); /* 20 queued, over 10: it waits */
    double t0 = now_s();
    queue_abort(q);
    join_push_weighed(&w, t);
    assert_true(now_s() - t0 < 5);
    assert_int_equal(w.st, QUEUE_ABORTED);
    queue_free(q);
}

/* The writer's wait also ends once the gather weight is queued, long
 * before half the slots are used (2 of 64 here). */
static void test_wait_fill_wakes_at_gather_weight(void **state) {
    (void)state;
    struct queue *q = queue_new(64, sizeof(int64_t), 1);
    assert_int_equal(queue_set_weights(q, 100, 0), 0);
    int64_t v = 1;
    assert_int_equal(queue_push_weighted(q, &v, 60), QUEUE_OK);
    double t0 = now_s();
    queue_wait_fill(q, 200); /* 60 of 100, 1 of 32 items: the timeout */
    assert_true(now_s() - t0 >= 0.15);
    struct weighed w;
    pthread_t t;
    start_push_weighed(&w, q, 60, &t);
    t0 = now_s();
    queue_wait_fill(q, 10000);
    assert_true(now_s() - t0 < 5); /* woken by the weight: 120 of 100 */
    join_push_weighed(&w, t);
    assert_int_equal(queue_pop(q, &v), QUEUE_OK);
    assert_int_equal(queue_pop(q, &v), QUEUE_OK);
    queue_free(q);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo_order),
        cmocka_unit_test(test_rejects_bad_arguments),
        cmocka_unit_test(test_capacity_is_bounded_at_2_to_the_24),
        cmocka_unit_test(test_close_drains_then_reports_closed),
        cmocka_unit_test(test_closed_only_after_every_producer),
        cmocka_unit_test(test_pop_timed_times_out),
        cmocka_unit_test(test_push_blocks_when_full),
        cmocka_unit_test(test_abort_wakes_blocked_producer),
        cmocka_unit_test(test_push_after_abort_is_refused),
        cmocka_unit_test(test_abort_wakes_every_blocked_consumer),
        cmocka_unit_test(test_close_wakes_every_blocked_consumer),
        cmocka_unit_test(test_a_signal_does_not_end_a_pop),
        cmocka_unit_test(test_many_producers_many_consumers),
        cmocka_unit_test(test_one_producer_many_consumers),
        cmocka_unit_test(test_single_producer_refills_at_half),
        cmocka_unit_test(test_wait_fill_wakes_for_enough_items_close_abort_or_time),
        cmocka_unit_test(test_wait_fill_outlasts_a_signal_and_a_stale_errno),
        cmocka_unit_test(test_a_timed_out_wait_fill_leaves_no_wake_up),
        cmocka_unit_test(test_wait_fill_waits_for_the_last_close),
        cmocka_unit_test(test_weight_limit_blocks_push_until_taken),
        cmocka_unit_test(test_abort_wakes_producer_waiting_for_weight),
        cmocka_unit_test(test_wait_fill_wakes_at_gather_weight),
    };
    return cmocka_run_group_tests_name("queue", tests, NULL, NULL);
}
