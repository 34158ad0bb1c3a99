/* retry.c - see retry.h. */
#include "retry.h"

/* xorshift64*: small, fast, good enough for jitter. */
static uint64_t next_random(uint64_t *state) {
    uint64_t x = *state ? *state : 0x9E3779B97F4A7C15ull;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 2685821657736338717ull;
}

long retry_backoff_ms(int attempt, uint64_t *rng) {
    long ms = RETRY_BASE_MS;
    for (int i = 1; i < attempt && ms < RETRY_CAP_MS; i++)
        ms *= 2;
    if (ms > RETRY_CAP_MS)
        ms = RETRY_CAP_MS;
    long half = ms / 2;
    return half + (long)(next_random(rng) % (uint64_t)(half + 1));
}

static struct retry_decision again(int attempt, int max_retries, uint64_t *rng, long at_least,
                                   bool throttle, enum retry_action when_exhausted) {
    struct retry_decision d = {.action = when_exhausted, .delay_ms = 0, .throttle = throttle};
    if (attempt > max_retries) {
        d.spent = true;
        return d;
    }
    d.action = RETRY_AGAIN;
    d.delay_ms = retry_backoff_ms(attempt, rng);
    if (d.delay_ms < at_least)
        d.delay_ms = at_least;
    return d;
}

/* A 5xx, a timeout, a reset: may pass next time, within the retries. */
static struct retry_decision again_after_backoff(int attempt, int max_retries, uint64_t *rng) {
    return again(attempt, max_retries, rng, 0, false, RETRY_FAILED);
}

struct retry_decision retry_decide_unreadable(int attempt, int max_retries, uint64_t *rng) {
    return again_after_backoff(attempt, max_retries, rng);
}

static struct retry_decision decide_transport(const struct http_result *r, int attempt,
                                              int max_retries, uint64_t *rng) {
    struct retry_decision d = {.action = RETRY_FAILED};
    switch (r->error) {
    case HTTP_ERR_TLS:
    case HTTP_ERR_ABORTED:
    case HTTP_ERR_NO_FDS:
        d.action = RETRY_FATAL;
        return d;
    case HTTP_ERR_TOO_LARGE:
    case HTTP_ERR_OTHER:
        return d;
    case HTTP_ERR_CONNECT:
        return again(attempt, max_retries, rng, 0, false, RETRY_FATAL);
    case HTTP_ERR_TIMEOUT:
    case HTTP_ERR_NETWORK:
    case HTTP_OK:
        break;
    }
    return again_after_backoff(attempt, max_retries, rng);
}

struct retry_decision retry_decide(const struct http_result *r, int attempt, int max_retries,
                                   uint64_t *rng) {
    struct retry_decision d = {.action = RETRY_FAILED};
    if (r->error != HTTP_OK)
        return decide_transport(r, attempt, max_retries, rng);
    long s = r->status;
    if (s >= 200 && s < 300) {
        d.action = RETRY_DONE;
        return d;
    }
    if (s == 404) {
        d.action = RETRY_MISSING;
        return d;
    }
    if (s == 401) {
        d.action = RETRY_FATAL;
        return d;
    }
    if (s == 429 || s == 503) {
        long wait = r->retry_after_ms >= 0 ? r->retry_after_ms
                                           : (s == 429 ? RETRY_THROTTLE_DEFAULT_MS : 0);
        if (wait > RETRY_AFTER_CAP_MS)
            wait = RETRY_AFTER_CAP_MS;
        d = again(attempt, max_retries, rng, wait, true, RETRY_FAILED);
        /* How long every other thread pauses. What the server asked holds
         * for all, also when this request has no retry left (and so no
         * delay of its own). A 429 (this client too fast) pauses everybody
         * this request's delay. A 503 (the service down) pauses the others
         * only what it asked, and briefly when it asked nothing (no
         * Retry-After, or 0: a date already past), this request alone
         * waiting out its longer backoff: each worker's backoff made
         * everybody's pause, the longest in flight won, and an outage took
         * 50 movies times the longest backoff to be told (280 s at the
         * defaults, not 70; with Retry-After: 1 on every answer, 378 s,
         * not 257). */
        if (d.action != RETRY_AGAIN || (s == 503 && wait > 0))
            d.pause_ms = wait;
        else if (s == 429 || d.delay_ms < RETRY_UNAVAILABLE_PAUSE_MS)
            d.pause_ms = d.delay_ms;
        else
            d.pause_ms = RETRY_UNAVAILABLE_PAUSE_MS;
        return d;
    }
    if (s >= 500 || s == 408)
        return again_after_backoff(attempt, max_retries, rng);
    return d; /* other 4xx (and 1xx/3xx, which TMDB does not send) */
}
