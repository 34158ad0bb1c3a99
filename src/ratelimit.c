/* ratelimit.c - see ratelimit.h. Each acquire reserves the next free send
 * slot under the lock and sleeps until it outside the lock. A slot is the
 * latest of: now, one interval (at the current rate) after the previous
 * slot, the end of a throttle pause, and (with a configured rate) one
 * window after the slot `window_n` sends ago.
 *
 * A slot is reserved only when it is at most LOOKAHEAD_S away. Reserving
 * further ahead would fix each thread's slot at the rate of the moment:
 * after a throttle, 64 workers at the lowered rate would book a minute of
 * slots that the rate's recovery could no longer bring forward. Threads
 * are served in arrival order: each takes a ticket, and only the oldest
 * ticket may reserve; it sleeps until its slot is within reach while the
 * others wait on `turn` (without the order, every waiter would wake for
 * the same slot and the luckiest would take it: waits of 16 s beside
 * waits of 1 s). */
#include "ratelimit.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "stop.h"

/* After a throttle the rate drops to this fraction... */
#define THROTTLE_FACTOR 0.5
/* ...and regains this fraction of the reference rate (the configured one,
 * or without one the rate learnt at the first throttle) per second. */
#define RECOVERY_PER_S 0.05
/* Never below this (or half a configured rate under it), so a run always
 * progresses; never above the configured rate either. */
#define MIN_RATE 0.5
/* Without a configured rate, the rate learnt at the first throttle is what
 * was sent in the server's last second: at least this much. */
#define MIN_LEARNT_RATE 1.0
/* ...and it is learnt only from a 429 that came with at least this many
 * sends in the server's last second, the refused one included. */
#define MIN_LEARNING_SENDS 2
/* The sliding window is this much longer than the server's second. */
#define WINDOW_MARGIN 1.02
/* Sends remembered for the sliding window (rates above this are spacing-only),
 * and without a configured rate, to count the last second's sends. */
#define MAX_WINDOW_N 4096
/* No slot is reserved further ahead than this. */
#define LOOKAHEAD_S 0.25
/* A thread waiting for its turn looks for a stop this often. */
#define STOP_CHECK_MS 200

struct ratelimit {
    pthread_mutex_t lock;
    pthread_cond_t turn; /* broadcast when `serving` moves */
    double configured;   /* immutable; 0 = none: unlimited until the first throttle */
    size_t window_n;     /* immutable: the ring's size; with a configured rate, */
    double window_s;     /* at most window_n sends per window_s (immutable) */
    /* guarded by lock: */
    double rate;           /* current allowed rate; 0 = unlimited */
    double reference;      /* the recovery's unit: configured, or the rate learnt */
    double last_slot_s;    /* monotonic time of the last slot reserved */
    double paused_until_s; /* no slot before this */
    double last_adjust_s;  /* when `rate` last changed */
    double *recent;        /* ring of the last window_n slots */
    size_t recent_head;    /* index of the oldest */
    uint64_t next_ticket;  /* the ticket the next thread to ask takes */
    uint64_t serving;      /* the ticket whose turn it is to reserve */
};

struct ratelimit *ratelimit_new(double rate_per_s) {
    struct ratelimit *rl = calloc(1, sizeof *rl);
    if (!rl)
        return NULL;
    rl->configured = rate_per_s > 0 ? rate_per_s : 0;
    rl->rate = rl->configured;
    rl->reference = rl->configured;
    rl->window_n = MAX_WINDOW_N; /* no configured rate: the last second's sends */
    rl->window_s = 1.0;
    if (rl->configured > 0) {
        /* A second holds floor(R) sends at most (3 for 3.5/s: a fourth
         * would be over); below one a second, one send per 1/R seconds;
         * above MAX_WINDOW_N a second, the window shrinks with it. */
        size_t n = rl->configured >= 1 ? (size_t)rl->configured : 1;
        rl->window_n = n < MAX_WINDOW_N ? n : MAX_WINDOW_N;
        double per_s = rl->configured >= 1 ? 1.0 : 1.0 / rl->configured;
        rl->window_s = per_s * (double)rl->window_n / (double)n * WINDOW_MARGIN;
    }
    /* -1e9: "long ago", so the first window_n sends are not held back */
    rl->recent = malloc(rl->window_n * sizeof *rl->recent);
    if (!rl->recent) {
        free(rl);
        return NULL;
    }
    for (size_t i = 0; i < rl->window_n; i++)
        rl->recent[i] = -1e9;
    pthread_condattr_t attr;
    bool attr_ok = pthread_condattr_init(&attr) == 0;
    bool cond_ok = attr_ok && pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
                   pthread_cond_init(&rl->turn, &attr) == 0;
    if (attr_ok)
        pthread_condattr_destroy(&attr);
    if (!cond_ok || pthread_mutex_init(&rl->lock, NULL) != 0) {
        if (cond_ok)
            pthread_cond_destroy(&rl->turn);
        free(rl->recent);
        free(rl);
        return NULL;
    }
    rl->last_adjust_s = clock_monotonic_s();
    rl->last_slot_s = -1e9;
    return rl;
}

void ratelimit_free(struct ratelimit *rl) {
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->lock);
    pthread_cond_destroy(&rl->turn);
    free(rl->recent);
    free(rl);
}

/* Additive increase: back to the configured rate, or without one, on past
 * the rate learnt (the limit stops mattering once the workers cannot keep
 * up with it). Lock held. */
static void recover(struct ratelimit *rl, double now) {
    if (rl->rate <= 0 || (rl->configured > 0 && rl->rate >= rl->configured))
        return;
    double gained = (now - rl->last_adjust_s) * RECOVERY_PER_S * rl->reference;
    if (gained <= 0)
        return;
    rl->rate += gained;
    if (rl->configured > 0 && rl->rate > rl->configured)
        rl->rate = rl->configured;
    rl->last_adjust_s = now;
}

static double later(double a, double b) {
    return a > b ? a : b;
}

/* The earliest slot a send may take now. Lock held. */
static double next_slot(struct ratelimit *rl, double now) {
    double slot = later(now, rl->paused_until_s);
    recover(rl, now);
    if (rl->rate <= 0)
        return slot;
    slot = later(slot, rl->last_slot_s + 1.0 / rl->rate);
    if (rl->configured <= 0)
        return slot; /* a learnt rate: spacing only */
    return later(slot, rl->recent[rl->recent_head] + rl->window_s);
}

/* Slots taken in the second before `now`: what the server last saw.
 * Lock held. */
static double sent_last_second(const struct ratelimit *rl, double now) {
    size_t n = 0;
    for (size_t i = 0; i < rl->window_n; i++)
        n += rl->recent[i] > now - 1.0 && rl->recent[i] <= now;
    return (double)n;
}

/* Take `slot`, and pass the turn on. Lock held. */
static void reserve(struct ratelimit *rl, double slot) {
    rl->last_slot_s = slot;
    rl->recent[rl->recent_head] = slot;
    rl->recent_head = (rl->recent_head + 1) % rl->window_n;
    rl->serving++;
    pthread_cond_broadcast(&rl->turn);
}

/* Wait, lock held, until it is `ticket`'s turn. Returns 0, or -1 on a stop
 * (which is for good: the tickets after this one stop too). */
static int wait_turn(struct ratelimit *rl, uint64_t ticket) {
    while (rl->serving != ticket) {
        if (stop_requested())
            return -1;
        struct timespec deadline = clock_deadline_in(CLOCK_MONOTONIC, STOP_CHECK_MS);
        pthread_cond_timedwait(&rl->turn, &rl->lock, &deadline);
    }
    return stop_requested() ? -1 : 0;
}

/* This thread's slot: reserved in ticket order, at most LOOKAHEAD_S ahead.
 * Returns 0 with *slot set, or -1 on a stop. */
static int take_slot(struct ratelimit *rl, double *slot) {
    pthread_mutex_lock(&rl->lock);
    uint64_t ticket = rl->next_ticket++;
    for (;;) {
        if (wait_turn(rl, ticket) != 0) {
            pthread_mutex_unlock(&rl->lock);
            return -1;
        }
        double now = clock_monotonic_s();
        *slot = next_slot(rl, now);
        if (*slot - now <= LOOKAHEAD_S)
            break;
        /* Ask again once the slot is within reach, or sooner: the rate may
         * recover meanwhile and bring it forward. Still this ticket's turn. */
        double until_reach = *slot - now - LOOKAHEAD_S;
        pthread_mutex_unlock(&rl->lock);
        int stopped = stop_sleep_ms(
            (long)ceil((until_reach < LOOKAHEAD_S ? until_reach : LOOKAHEAD_S) * 1000));
        pthread_mutex_lock(&rl->lock);
        if (stopped != 0) {
            pthread_mutex_unlock(&rl->lock);
            return -1;
        }
    }
    reserve(rl, *slot);
    pthread_mutex_unlock(&rl->lock);
    return 0;
}

int ratelimit_acquire(struct ratelimit *rl) {
    double slot_s;
    return ratelimit_acquire_slot(rl, &slot_s);
}

int ratelimit_acquire_slot(struct ratelimit *rl, double *slot_s) {
    bool rebooked_stale = false;
    for (;;) {
        double slot;
        if (take_slot(rl, &slot) != 0)
            return -1;
        *slot_s = slot;
        double wait_s = slot - clock_monotonic_s();
        if (wait_s > 0 && stop_sleep_ms((long)ceil(wait_s * 1000)) != 0)
            return -1;
        /* A throttle that came while this thread slept for its slot and
         * whose pause covers the slot holds for this thread too: book
         * again, after it. So does a thread that woke more than the
         * lookahead after its slot: the process was stopped (Ctrl-Z, kill
         * -STOP, a debugger), and every thread asleep for a slot then would
         * send at once on going on, with the slots after them spaced from
         * theirs: over the rate in the second after `fg`. Once: a machine
         * so loaded that a thread wakes that late each time must not keep
         * it from sending at all. */
        pthread_mutex_lock(&rl->lock);
        bool paused = rl->paused_until_s > slot;
        pthread_mutex_unlock(&rl->lock);
        bool stale = !rebooked_stale && clock_monotonic_s() - slot > LOOKAHEAD_S;
        if (!paused && !stale)
            return stop_requested() ? -1 : 0;
        rebooked_stale = rebooked_stale || stale;
    }
}

bool ratelimit_throttle(struct ratelimit *rl, long pause_ms, enum ratelimit_signal why) {
    pthread_mutex_lock(&rl->lock);
    double now = clock_monotonic_s();
    double until = now + (double)pause_ms / 1000.0;
    /* Answers in flight with the one that began a pause come in over its
     * requests' time (seconds, for a slow or distant server): the same
     * pause unless this one ends a quarter of its length (1 s at least)
     * after it. */
    double slack = (double)pause_ms / 4000.0 > 1.0 ? (double)pause_ms / 4000.0 : 1.0;
    bool longer = rl->paused_until_s <= now || until > rl->paused_until_s + slack;
    if (until > rl->paused_until_s)
        rl->paused_until_s = until;
    /* Only a 429 says this client is too fast. A 503 says the service is
     * down: lowering a rate for it let a flaky CDN ratchet a run down (3 %
     * of 600 movies answered one 503 each by CloudFront: 66 s at --rate
     * 35 instead of 25; an outage took minutes longer to give up on). And
     * requests already in flight when the first 429 came answer 429 too:
     * lower the rate once per pause, not once per answer. */
    bool lower = why == RATELIMIT_TOO_MANY;
    /* No rate yet, and the refused request was the only one this client
     * sent in the server's last second (a run's first request, with the
     * address's quota used by another client or the run just before): it
     * says nothing of this client's pace. Learnt from it, the rate was
     * half a request a second, climbing back by 1/20 of a request a second
     * each second: 300 movies took 102 s instead of 13. Only the pause. */
    if (lower && rl->configured <= 0 && rl->rate <= 0 &&
        sent_last_second(rl, now) < MIN_LEARNING_SENDS)
        lower = false;
    if (lower && now >= rl->last_adjust_s) {
        recover(rl, now);
        if (rl->configured <= 0) {
            /* No configured rate: what the server just refused is about
             * what was sent in its last second. With no rate yet, that is
             * the rate learnt (without it, every pause ended with all
             * workers sending at once, most refused again: a storm of
             * 429s); a learnt rate climbs with no ceiling, so after a
             * quiet while it is far above what was sent, and halving it
             * would bring the storm back: halve what the server saw. */
            double sent = sent_last_second(rl, now);
            sent = sent > MIN_LEARNT_RATE ? sent : MIN_LEARNT_RATE;
            if (rl->rate <= 0)
                rl->rate = rl->reference = sent;
            else if (sent < rl->rate)
                rl->rate = sent;
        }
        double lowered = rl->rate * THROTTLE_FACTOR;
        double floor_rate = rl->reference * THROTTLE_FACTOR;
        if (floor_rate > MIN_RATE)
            floor_rate = MIN_RATE;
        rl->rate = lowered > floor_rate ? lowered : floor_rate;
        rl->last_adjust_s = until; /* recovery starts once the pause ends */
    }
    pthread_mutex_unlock(&rl->lock);
    return longer;
}

double ratelimit_current_rate(struct ratelimit *rl) {
    pthread_mutex_lock(&rl->lock);
    recover(rl, clock_monotonic_s());
    double r = rl->rate;
    pthread_mutex_unlock(&rl->lock);
    return r;
}

int ratelimit_workers_for(double rate, int workers, double answer_s) {
    if (rate <= 0 || answer_s <= 0 || workers <= 0 || (double)workers / answer_s >= 0.8 * rate)
        return 0;
    double needed = ceil(rate * answer_s / 0.9);
    return needed < INT_MAX ? (int)needed : INT_MAX;
}
