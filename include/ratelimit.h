/*
 * ratelimit.h - one request-rate limiter shared by every thread that talks
 * to TMDB (the producer and all workers).
 *
 * TMDB's CDN limits each client address (about 40 requests/s), not each
 * connection, so the limit must be global. Requests are spaced evenly at
 * 1/R, and no sliding window of one second (plus a 2% margin) ever holds
 * more than R of them: scheduling jitter cannot bunch requests into a 429,
 * so a run at the server's own limit sees none.
 *
 * When the server throttles anyway (429, or 503: the service is offline),
 * ratelimit_throttle() makes every thread wait together until the pause
 * is over. A 429 (this client too fast) also lowers the rate
 * (multiplicative decrease); the rate climbs back to the configured one
 * while no 429 is seen (additive increase). A 503 (the service is down,
 * not this client too fast) only pauses: a flaky CDN must not ratchet a
 * run down, at a configured rate or without one.
 * Threads are served in the order they asked, each at the rate of the
 * moment, not the rate when it started waiting: as the rate climbs back,
 * waiting threads send sooner.
 *
 * Without a configured rate (0) there is no limit until the first 429.
 * The server is obeyed all the same: the 429 pauses every thread, and the
 * limiter then learns a rate, half of what was sent in the second before,
 * which climbs back (by 5 % of the learnt rate a second) with no ceiling,
 * so that once the server stops refusing, the limit stops mattering; a
 * further 429 halves it again. A 503 only pauses, as above. So does a 429
 * before any rate is learnt for the only request this client sent in that
 * second (a run's first request, the address's quota used up by another
 * client): half of one request a second, climbing back by 5 % of that,
 * would crawl for many minutes.
 *
 * Thread safety: all functions may be called from any thread; the state is
 * guarded by the limiter's mutex. Waiting happens outside the lock and ends
 * early when a stop is requested (stop.h).
 */
#ifndef TMDB_RATELIMIT_H
#define TMDB_RATELIMIT_H

#include <stdbool.h>

struct ratelimit;

/* A limiter allowing `rate_per_s` requests per second (0 = unlimited until
 * the server throttles, see above). Returns NULL when out of memory. Free
 * with ratelimit_free(). */
struct ratelimit *ratelimit_new(double rate_per_s);

/* Accepts NULL. */
void ratelimit_free(struct ratelimit *rl);

/* Block until this thread may send one request. Returns 0, or -1 when a stop
 * was requested while waiting (send nothing then). */
int ratelimit_acquire(struct ratelimit *rl);

/* ratelimit_acquire(), also giving (when it returns 0) the slot this thread
 * was granted, in clock_monotonic_s() seconds (clock.h). The limit above
 * holds for the slots; a thread returns at or after its slot, and sends
 * however much later its scheduling lets it, which is what the 2% margin
 * absorbs (and why tests assert on slots, not on when threads woke). One
 * that wakes more than 0.25 s after its slot (the process was stopped, by
 * Ctrl-Z or a debugger) books another, once, rather than send on a stale
 * one. */
int ratelimit_acquire_slot(struct ratelimit *rl, double *slot_s);

/* What the server said. */
enum ratelimit_signal {
    RATELIMIT_TOO_MANY,    /* 429: this address sends too fast */
    RATELIMIT_UNAVAILABLE, /* 503: the service is offline or overloaded */
};

/* The server said "slow down": nobody sends before `pause_ms` from now;
 * only RATELIMIT_TOO_MANY sets or lowers the rate (see above). Returns true when no pause is under
 * way, or this one ends later than it by more than a quarter of its own
 * length (1 s at least): true for the answer that began a pause, false for
 * those in flight with it, so that a caller says a long pause once. */
bool ratelimit_throttle(struct ratelimit *rl, long pause_ms, enum ratelimit_signal why);

/* The current allowed rate, requests per second (0 = unlimited: none was
 * configured and no throttle came yet). */
double ratelimit_current_rate(struct ratelimit *rl);

/* Workers that wait `answer_s` seconds for each answer send at most
 * workers / answer_s requests a second, whatever the limiter allows: with
 * slow answers, too few workers keep a run under its rate (5 at 300 ms an
 * answer: 16.7 a second of 35). When that is under 80 % of `rate`, returns
 * how many workers would reach `rate`, each busy at most 90 % of the time;
 * otherwise (or without a rate, or an answer time) 0. Pure. */
int ratelimit_workers_for(double rate, int workers, double answer_s);

#endif
