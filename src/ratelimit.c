/* ratelimit.c - see ratelimit.h. Scheduling by "next free slot" time
 * (GCRA): each acquire reserves the next slot and sleeps until it. */
#include "ratelimit.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "stop.h"

/* After a throttle the rate drops to this fraction... */
#define THROTTLE_FACTOR 0.5
/* ...and regains this fraction of the configured rate per second without throttles. */
#define RECOVERY_PER_S 0.05
/* Never below this, so a run always progresses. */
#define MIN_RATE 0.5

struct ratelimit {
    pthread_mutex_t lock;
    double configured; /* immutable; 0 = unlimited */
    /* guarded by lock: */
    double rate;            /* current allowed rate */
    double next_slot_s;     /* monotonic time of the next free slot */
    double paused_until_s;  /* no slot before this */
    double last_adjust_s;   /* when `rate` last changed */
};

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct ratelimit *ratelimit_new(double rate_per_s) {
    struct ratelimit *rl = calloc(1, sizeof *rl);
    if (!rl)
        return NULL;
    if (pthread_mutex_init(&rl->lock, NULL) != 0) {
        free(rl);
        return NULL;
    }
    rl->configured = rate_per_s > 0 ? rate_per_s : 0;
    rl->rate = rl->configured;
    rl->next_slot_s = rl->last_adjust_s = now_s();
    return rl;
}

void ratelimit_free(struct ratelimit *rl) {
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->lock);
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

int ratelimit_acquire(struct ratelimit *rl) {
    if (stop_requested())
        return -1;
    pthread_mutex_lock(&rl->lock);
    double now = now_s();
    double slot = now;
    if (rl->configured > 0) {
        recover(rl, now);
        double interval = 1.0 / rl->rate;
        /* An idle limiter grants at most one second's burst. */
        double earliest = now - 1.0 + interval;
        slot = rl->next_slot_s > earliest ? rl->next_slot_s : earliest;
        if (slot < rl->paused_until_s)
            slot = rl->paused_until_s;
        rl->next_slot_s = slot + interval;
    } else if (rl->paused_until_s > now) {
        slot = rl->paused_until_s;
    }
    pthread_mutex_unlock(&rl->lock);
    double wait_s = slot - now;
    if (wait_s > 0.0005 && stop_sleep_ms((long)(wait_s * 1000 + 0.5)) != 0)
        return -1;
    return stop_requested() ? -1 : 0;
}

void ratelimit_throttle(struct ratelimit *rl, long pause_ms) {
    pthread_mutex_lock(&rl->lock);
    double now = now_s();
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
        if (rl->next_slot_s < until)
            rl->next_slot_s = until;
    }
    pthread_mutex_unlock(&rl->lock);
}

double ratelimit_current_rate(struct ratelimit *rl) {
    pthread_mutex_lock(&rl->lock);
    recover(rl, now_s());
    double r = rl->rate;
    pthread_mutex_unlock(&rl->lock);
    return r;
}
