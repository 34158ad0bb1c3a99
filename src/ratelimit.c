/* ratelimit.c - see ratelimit.h. Each acquire reserves the next free send
 * slot under the lock and sleeps until it outside the lock. A slot is the
 * latest of: now, one interval (at the current rate) after the previous
 * slot, the end of a throttle pause, and one window after the slot
 * `window_n` sends ago.
 *
 * A slot is reserved only when it is at most LOOKAHEAD_S away; a thread
 * whose slot would be later sleeps and asks again. Reserving far ahead
 * would fix each thread's slot at the rate of the moment: after a
 * throttle, 64 workers at the lowered rate would book a minute of slots
 * that the rate's recovery could no longer bring forward. */
#include "ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "clock.h"
#include "stop.h"

/* After a throttle the rate drops to this fraction... */
#define THROTTLE_FACTOR 0.5
/* ...and regains this fraction of the configured rate per second without throttles. */
#define RECOVERY_PER_S 0.05
/* Never below this, so a run always progresses. */
#define MIN_RATE 0.5
/* The sliding window is this much longer than the server's second. */
#define WINDOW_MARGIN 1.02
/* Sends remembered for the sliding window (rates above this are spacing-only). */
#define MAX_WINDOW_N 4096
/* No slot is reserved further ahead than this. */
#define LOOKAHEAD_S 0.25

struct ratelimit {
    pthread_mutex_t lock;
    double configured; /* immutable; 0 = unlimited */
    size_t window_n;   /* immutable: at most window_n sends per window_s */
    double window_s;   /* immutable */
    /* guarded by lock: */
    double rate;           /* current allowed rate */
    double last_slot_s;    /* monotonic time of the last slot reserved */
    double paused_until_s; /* no slot before this */
    double last_adjust_s;  /* when `rate` last changed */
    double *recent;        /* ring of the last window_n slots */
    size_t recent_head;    /* index of the oldest */
};

struct ratelimit *ratelimit_new(double rate_per_s) {
    struct ratelimit *rl = calloc(1, sizeof *rl);
    if (!rl)
        return NULL;
    rl->configured = rate_per_s > 0 ? rate_per_s : 0;
    rl->rate = rl->configured;
    if (rl->configured > 0) {
        size_t n = rl->configured >= 1 ? (size_t)rl->configured : 1;
        rl->window_n = n < MAX_WINDOW_N ? n : MAX_WINDOW_N;
        rl->window_s = (double)rl->window_n / rl->configured * WINDOW_MARGIN;
        /* -1e9: "long ago", so the first window_n sends are not held back */
        rl->recent = malloc(rl->window_n * sizeof *rl->recent);
        if (!rl->recent) {
            free(rl);
            return NULL;
        }
        for (size_t i = 0; i < rl->window_n; i++)
            rl->recent[i] = -1e9;
    }
    if (pthread_mutex_init(&rl->lock, NULL) != 0) {
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
    free(rl->recent);
    free(rl);
}

/* Additive increase back towards the configured rate. Lock held. */
static void recover(struct ratelimit *rl, double now) {
    if (rl->rate >= rl->configured)
        return;
    double gained = (now - rl->last_adjust_s) * RECOVERY_PER_S * rl->configured;
    if (gained <= 0)
        return;
    rl->rate = rl->rate + gained < rl->configured ? rl->rate + gained : rl->configured;
    rl->last_adjust_s = now;
}

static double later(double a, double b) {
    return a > b ? a : b;
}

/* When the current throttle pause ends (0 if none came). */
static double paused_end(struct ratelimit *rl) {
    pthread_mutex_lock(&rl->lock);
    double end = rl->paused_until_s;
    pthread_mutex_unlock(&rl->lock);
    return end;
}

/* The next free slot, reserved when it is at most LOOKAHEAD_S from now.
 * Sets *reserved. Lock held. */
static double reserve(struct ratelimit *rl, double now, bool *reserved) {
    double slot = later(now, rl->paused_until_s);
    *reserved = true;
    if (rl->configured <= 0)
        return slot;
    recover(rl, now);
    slot = later(slot, rl->last_slot_s + 1.0 / rl->rate);
    slot = later(slot, rl->recent[rl->recent_head] + rl->window_s);
    if (slot - now > LOOKAHEAD_S) {
        *reserved = false;
        return slot;
    }
    rl->last_slot_s = slot;
    rl->recent[rl->recent_head] = slot;
    rl->recent_head = (rl->recent_head + 1) % rl->window_n;
    return slot;
}

int ratelimit_acquire(struct ratelimit *rl) {
    for (;;) {
        if (stop_requested())
            return -1;
        pthread_mutex_lock(&rl->lock);
        double now = clock_monotonic_s();
        bool reserved;
        double slot = reserve(rl, now, &reserved);
        pthread_mutex_unlock(&rl->lock);
        double wait_s = slot - now;
        if (!reserved) {
            /* Ask again once the slot is within reach, or sooner: the rate
             * may recover meanwhile and bring it forward. */
            double until_reach = wait_s - LOOKAHEAD_S;
            if (until_reach > LOOKAHEAD_S)
                until_reach = LOOKAHEAD_S;
            if (stop_sleep_ms((long)ceil(until_reach * 1000)) != 0)
                return -1;
            continue;
        }
        if (wait_s > 0 && stop_sleep_ms((long)ceil(wait_s * 1000)) != 0)
            return -1;
        /* A throttle that came while this thread slept for its slot and
         * whose pause covers the slot holds for this thread too: book
         * again, after it. */
        if (paused_end(rl) <= slot)
            return stop_requested() ? -1 : 0;
    }
}

void ratelimit_throttle(struct ratelimit *rl, long pause_ms) {
    pthread_mutex_lock(&rl->lock);
    double now = clock_monotonic_s();
    double until = now + (double)pause_ms / 1000.0;
    if (until > rl->paused_until_s)
        rl->paused_until_s = until;
    /* Requests already in flight when the first 429 came answer 429 too:
     * lower the rate once per pause, not once per answer. */
    if (rl->configured > 0 && now >= rl->last_adjust_s) {
        recover(rl, now);
        double lowered = rl->rate * THROTTLE_FACTOR;
        rl->rate = lowered > MIN_RATE ? lowered : MIN_RATE;
        rl->last_adjust_s = until; /* recovery starts once the pause ends */
    }
    pthread_mutex_unlock(&rl->lock);
}

double ratelimit_current_rate(struct ratelimit *rl) {
    pthread_mutex_lock(&rl->lock);
    recover(rl, clock_monotonic_s());
    double r = rl->rate;
    pthread_mutex_unlock(&rl->lock);
    return r;
}
