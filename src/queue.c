/* queue.c - see queue.h. */
#define _GNU_SOURCE /* sem_clockwait() (glibc 2.30) */
#include "queue.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "clock.h"

struct queue {
    sem_t free_slots;   /* counts empty slots; producers wait on it */
    sem_t filled_slots; /* counts queued items, plus one token from the last close or abort */
    /* One producer only (refill_at set): a full queue puts the producer to
     * sleep here until consumers have drained it to refill_at items, so it
     * is woken once per few items rather than once per item. Posted once
     * per sleep, by the consumer that clears producer_asleep (or by abort). */
    sem_t refill;
    /* posted once when consumer_gathering is cleared: by the push that
     * brings the queue to gather_at items, by the last close, or by abort */
    sem_t gathered;
    pthread_mutex_t lock;
    /* producers waiting for weight to be taken (queue_set_weights()) */
    pthread_cond_t room;
    /* guarded by lock: */
    size_t head, count;
    unsigned open_producers;
    bool producer_asleep;
    bool consumer_gathering;
    size_t *weights;      /* per slot, beside ring; NULL until queue_set_weights() */
    size_t weight;        /* of the items queued */
    size_t gather_weight; /* queue_wait_fill() wakes at this much too; 0 off */
    size_t weight_limit;  /* a push waits while this much is queued; 0 off */
    unsigned over_weight; /* producers waiting on `room` */
    /* immutable after queue_new: */
    size_t capacity, item_size;
    size_t refill_at; /* SIZE_MAX: several producers, no refill wake-ups */
    size_t gather_at; /* half full: where queue_wait_fill() wakes */
    unsigned char *ring;
    /* set once by queue_abort(), possibly from a signal handler */
    atomic_bool aborted;
};

struct queue *queue_new(size_t capacity, size_t item_size, unsigned n_producers) {
    if (capacity == 0 || item_size == 0 || n_producers == 0 || capacity > 1u << 24)
        return NULL;
    struct queue *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->ring = calloc(capacity, item_size);
    q->capacity = capacity;
    q->item_size = item_size;
    q->open_producers = n_producers;
    q->refill_at = n_producers == 1 ? capacity / 2 : SIZE_MAX;
    q->gather_at = (capacity + 1) / 2;
    atomic_init(&q->aborted, false);
    /* Initialised in this order, destroyed in reverse on failure. */
    sem_t *sems[] = {&q->free_slots, &q->filled_slots, &q->refill, &q->gathered};
    unsigned values[] = {(unsigned)capacity, 0, 0, 0};
    size_t n_sems = 0;
    bool ok = q->ring != NULL;
    while (ok && n_sems < sizeof values / sizeof *values) {
        ok = sem_init(sems[n_sems], 0, values[n_sems]) == 0;
        n_sems += ok;
    }
    if (ok && pthread_mutex_init(&q->lock, NULL) == 0) {
        pthread_condattr_t attr;
        bool cond = pthread_condattr_init(&attr) == 0;
        cond = cond && pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
               pthread_cond_init(&q->room, &attr) == 0;
        pthread_condattr_destroy(&attr);
        if (cond)
            return q;
        pthread_mutex_destroy(&q->lock);
    }
    while (n_sems > 0)
        sem_destroy(sems[--n_sems]);
    free(q->ring);
    free(q);
    return NULL;
}

void queue_free(struct queue *q) {
    if (!q)
        return;
    pthread_cond_destroy(&q->room);
    pthread_mutex_destroy(&q->lock);
    sem_destroy(&q->gathered);
    sem_destroy(&q->refill);
    sem_destroy(&q->filled_slots);
    sem_destroy(&q->free_slots);
    free(q->weights);
    free(q->ring);
    free(q);
}

int queue_set_weights(struct queue *q, size_t gather_weight, size_t limit) {
    size_t *weights = calloc(q->capacity, sizeof *weights);
    if (!weights)
        return -1;
    pthread_mutex_lock(&q->lock);
    q->weights = weights;
    q->gather_weight = gather_weight;
    q->weight_limit = limit;
    pthread_mutex_unlock(&q->lock);
    return 0;
}

/* Enough has come for a gathering consumer: half the slots, or the
 * weight it waits for. Under lock. */
static bool gathered_enough(const struct queue *q) {
    return q->count >= q->gather_at || (q->gather_weight > 0 && q->weight >= q->gather_weight);
}

/* A producer holding a free slot, under lock: while the weight queued is
 * at the limit, wait for the consumer to take some (room is signalled by
 * take()). An empty queue takes any item, so one heavier than the limit
 * still passes. Abort is seen within QUEUE_ABORT_POLL_MS: queue_abort()
 * runs in signal handlers, which cannot signal a condition variable. */
#define QUEUE_ABORT_POLL_MS 100
static void wait_for_room(struct queue *q) {
    while (q->weight_limit > 0 && q->weight >= q->weight_limit && q->count > 0 &&
           !atomic_load(&q->aborted)) {
        struct timespec deadline = clock_deadline_in(CLOCK_MONOTONIC, QUEUE_ABORT_POLL_MS);
        q->over_weight++;
        pthread_cond_timedwait(&q->room, &q->lock, &deadline);
        q->over_weight--;
    }
}

/* sem_wait that retries on EINTR (signals are delivered to worker threads too). */
static void wait_retrying(sem_t *s) {
    while (sem_wait(s) != 0 && errno == EINTR) {
    }
}

/* The single producer, before it takes a free slot: while the queue is
 * full, sleep until the consumers have drained it to refill_at items. The
 * flag is set and cleared under the lock, so the consumer that drains the
 * queue far enough always sees it; a post that comes before the sleep is
 * kept by the semaphore. */
static void wait_for_refill(struct queue *q) {
    pthread_mutex_lock(&q->lock);
    while (q->count == q->capacity && !atomic_load(&q->aborted)) {
        q->producer_asleep = true;
        pthread_mutex_unlock(&q->lock);
        wait_retrying(&q->refill);
        pthread_mutex_lock(&q->lock);
    }
    pthread_mutex_unlock(&q->lock);
}

enum queue_status queue_push(struct queue *q, const void *item) {
    return queue_push_weighted(q, item, 0);
}

enum queue_status queue_push_weighted(struct queue *q, const void *item, size_t weight) {
    if (atomic_load(&q->aborted))
        return QUEUE_ABORTED;
    if (q->refill_at != SIZE_MAX)
        wait_for_refill(q);
    wait_retrying(&q->free_slots); /* at most a moment: a slot is free or being freed */
    if (atomic_load(&q->aborted)) {
        sem_post(&q->free_slots); /* pass the wake-up on to the next blocked producer */
        return QUEUE_ABORTED;
    }
    pthread_mutex_lock(&q->lock);
    wait_for_room(q);
    if (atomic_load(&q->aborted)) {
        pthread_mutex_unlock(&q->lock);
        sem_post(&q->free_slots);
        return QUEUE_ABORTED;
    }
    size_t tail = (q->head + q->count) % q->capacity;
    memcpy(q->ring + tail * q->item_size, item, q->item_size);
    if (q->weights) {
        q->weights[tail] = weight;
        q->weight += weight;
    }
    q->count++;
    bool gathered = q->consumer_gathering && gathered_enough(q);
    if (gathered)
        q->consumer_gathering = false;
    pthread_mutex_unlock(&q->lock);
    sem_post(&q->filled_slots);
    if (gathered)
        sem_post(&q->gathered);
    return QUEUE_OK;
}

/* Called after a successful wait on filled_slots: take an item, or learn
 * that the wake-up was a close/abort token (and pass it on). */
static enum queue_status take(struct queue *q, void *item) {
    if (atomic_load(&q->aborted)) {
        sem_post(&q->filled_slots);
        return QUEUE_ABORTED;
    }
    pthread_mutex_lock(&q->lock);
    if (q->count == 0) {
        /* Only close posts a token without an item: the queue is finished. */
        pthread_mutex_unlock(&q->lock);
        sem_post(&q->filled_slots);
        return QUEUE_CLOSED;
    }
    memcpy(item, q->ring + q->head * q->item_size, q->item_size);
    if (q->weights) {
        q->weight -= q->weights[q->head];
        if (q->over_weight > 0 && q->weight < q->weight_limit)
            pthread_cond_broadcast(&q->room);
    }
    q->head = (q->head + 1) % q->capacity;
    q->count--;
    bool wake = q->producer_asleep && q->count <= q->refill_at;
    if (wake)
        q->producer_asleep = false;
    pthread_mutex_unlock(&q->lock);
    sem_post(&q->free_slots);
    if (wake)
        sem_post(&q->refill);
    return QUEUE_OK;
}

enum queue_status queue_pop(struct queue *q, void *item) {
    wait_retrying(&q->filled_slots);
    return take(q, item);
}

/* Timed waits run on CLOCK_MONOTONIC: with sem_timedwait's CLOCK_REALTIME,
 * a clock stepped back (NTP, a VM restored) would stretch the writer's wait
 * for a batch's deadline by as much, and hold its movies uncommitted.
 * ThreadSanitizer (gcc 12, clang 14) does not intercept sem_clockwait(),
 * so a signal caught by a thread inside it would wait for the timeout:
 * its builds use sem_timedwait(). */
#if defined(__SANITIZE_THREAD__)
#define QUEUE_TIMED_WAIT_REALTIME 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define QUEUE_TIMED_WAIT_REALTIME 1
#endif
#endif

#ifdef QUEUE_TIMED_WAIT_REALTIME
#define QUEUE_CLOCK CLOCK_REALTIME
#else
#define QUEUE_CLOCK CLOCK_MONOTONIC
#endif

/* sem_timedwait() with a deadline on QUEUE_CLOCK. */
static int timed_wait(sem_t *sem, const struct timespec *deadline) {
#ifdef QUEUE_TIMED_WAIT_REALTIME
    return sem_timedwait(sem, deadline);
#else
    return sem_clockwait(sem, QUEUE_CLOCK, deadline);
#endif
}

enum queue_status queue_pop_timed(struct queue *q, void *item, long timeout_ms) {
    struct timespec deadline = clock_deadline_in(QUEUE_CLOCK, timeout_ms);
    while (timed_wait(&q->filled_slots, &deadline) != 0) {
        if (errno == ETIMEDOUT)
            return atomic_load(&q->aborted) ? QUEUE_ABORTED : QUEUE_TIMEOUT;
        /* EINTR: wait again for the rest of the time */
    }
    return take(q, item);
}

void queue_wait_fill(struct queue *q, long timeout_ms) {
    pthread_mutex_lock(&q->lock);
    if (gathered_enough(q) || q->open_producers == 0 || atomic_load(&q->aborted)) {
        pthread_mutex_unlock(&q->lock);
        return;
    }
    q->consumer_gathering = true;
    pthread_mutex_unlock(&q->lock);
    struct timespec deadline = clock_deadline_in(QUEUE_CLOCK, timeout_ms);
    int rc;
    while ((rc = timed_wait(&q->gathered, &deadline)) != 0 && errno == EINTR) {
    }
    pthread_mutex_lock(&q->lock);
    bool cleared_by_other = !q->consumer_gathering;
    q->consumer_gathering = false;
    pthread_mutex_unlock(&q->lock);
    /* Timed out just as a push or close cleared the flag: its post is on
     * its way; take it now so that it cannot end the next wait early. */
    if (rc != 0 && cleared_by_other)
        wait_retrying(&q->gathered);
}

void queue_close(struct queue *q) {
    pthread_mutex_lock(&q->lock);
    bool last = q->open_producers > 0 && --q->open_producers == 0;
    bool gathering = last && q->consumer_gathering;
    if (gathering)
        q->consumer_gathering = false;
    pthread_mutex_unlock(&q->lock);
    if (last)
        sem_post(&q->filled_slots); /* the close token, passed from consumer to consumer */
    if (gathering)
        sem_post(&q->gathered);
}

void queue_abort(struct queue *q) {
    if (atomic_exchange(&q->aborted, true))
        return;
    sem_post(&q->free_slots);
    sem_post(&q->filled_slots);
    sem_post(&q->refill);
    sem_post(&q->gathered);
}

size_t queue_length(struct queue *q) {
    pthread_mutex_lock(&q->lock);
    size_t n = q->count;
    pthread_mutex_unlock(&q->lock);
    return n;
}
