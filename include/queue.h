/*
 * queue.h - a bounded, blocking, multi-producer multi-consumer FIFO.
 *
 * The pipeline's two hand-offs use it: producer -> workers (movie ids) and
 * workers -> writer (results). Items are fixed-size and copied in and out
 * of a ring allocated once, so a hand-off never allocates.
 *
 * Synchronisation: POSIX counting semaphores — `free_slots` (starts at
 * the capacity) and `filled_slots` (starts at 0), plus `refill` and
 * `gathered` below — and one mutex guarding the ring indices, the two
 * sleep flags and the weights (queue_set_weights(); producers waiting for
 * weight to be taken sleep on the condition variable `room`, under that
 * mutex). Memory stays bounded: a producer blocks while the queue is
 * full. A queue created with one producer (the work queue; the result
 * queue too when there is one worker) adds hysteresis: a producer that
 * finds it full sleeps on `refill` until consumers have drained it to
 * capacity / 2 items (rounded down), then refills it in one go: one
 * wake-up of the producer per few items, not one per item (each wake-up
 * costs two context switches; at thousands of movies a second that was 7 %
 * of the CPU). queue_wait_fill() is the consumer's side of the same idea,
 * on `gathered`.
 *
 * Shutdown is a message: each producer calls queue_close() after its last
 * push; when the last producer has closed, consumers drain what is left and
 * then get QUEUE_CLOSED. queue_abort() is the fast path for fatal errors
 * and signals: every blocked or later push and pop returns QUEUE_ABORTED
 * at once (a push waiting for weight to be taken, queue_set_weights(),
 * within 100 ms: it sleeps on a condition variable, which queue_abort()
 * cannot signal), and items still queued are dropped. queue_abort() only
 * stores an atomic and posts semaphores, so it is async-signal-safe.
 */
#ifndef TMDB_QUEUE_H
#define TMDB_QUEUE_H

#include <stddef.h>

enum queue_status {
    QUEUE_OK = 0,
    QUEUE_CLOSED = 1,  /* pop: every producer closed and the queue is drained */
    QUEUE_ABORTED = 2, /* queue_abort() was called */
    QUEUE_TIMEOUT = 3, /* queue_pop_timed(): nothing arrived in time */
};

struct queue;

/*
 * A queue of `capacity` items of `item_size` bytes, to be closed by
 * `n_producers` calls to queue_close(). Returns NULL when an argument is 0,
 * the capacity is above 2^24, or memory, a semaphore or the mutex cannot
 * be had. Free with queue_free() once no thread uses it.
 */
struct queue *queue_new(size_t capacity, size_t item_size, unsigned n_producers);

/* Release the queue. Items still inside are dropped (the caller owns any
 * pointers they hold). Accepts NULL. */
void queue_free(struct queue *q);

/* Copy `item` in, blocking while the queue is full.
 * QUEUE_OK, or QUEUE_ABORTED (the item was not queued). */
enum queue_status queue_push(struct queue *q, const void *item);

/*
 * Weigh the items (the result queue: the bytes of the movie each holds),
 * so that what a queue holds is bounded in weight as well as in slots:
 * queue_push_weighted() also blocks while `limit` or more is queued (an
 * empty queue takes an item of any weight), and queue_wait_fill() also
 * wakes once `gather_weight` is queued. 0 turns either off. Call once,
 * before the first push. Returns 0, or -1 when out of memory.
 */
int queue_set_weights(struct queue *q, size_t gather_weight, size_t limit);

/* queue_push() of an item that weighs `weight` (0 for queue_push()). */
enum queue_status queue_push_weighted(struct queue *q, const void *item, size_t weight);

/* Copy the oldest item into `item`, blocking while empty.
 * QUEUE_OK, QUEUE_CLOSED (drained after the last close), or QUEUE_ABORTED. */
enum queue_status queue_pop(struct queue *q, void *item);

/* As queue_pop(), but gives up after `timeout_ms` with QUEUE_TIMEOUT. */
enum queue_status queue_pop_timed(struct queue *q, void *item, long timeout_ms);

/*
 * For a queue with one consumer: sleep until the queue is half full
 * ((capacity + 1) / 2 items) or holds its gather weight (queue_set_weights()),
 * the last producer has closed, the queue is
 * aborted, or `timeout_ms` (>= 0) has passed, whichever comes first. It
 * pops nothing: pop as usual afterwards. The consumer wakes once per half
 * a queue instead of once per item (the writer uses it: its wake-ups cost
 * two context switches a movie), and producers never wait on it: the
 * other half is free.
 */
void queue_wait_fill(struct queue *q, long timeout_ms);

/* One producer is done. Call exactly once per producer, after its last push. */
void queue_close(struct queue *q);

/* Wake everybody and refuse all further traffic. Async-signal-safe. */
void queue_abort(struct queue *q);

/* Items queued right now (a snapshot, for progress display). */
size_t queue_length(struct queue *q);

#endif
