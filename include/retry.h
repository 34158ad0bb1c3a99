/*
 * retry.h - the HTTP retry policy, in one place.
 *
 * Pure functions: given what one attempt produced, decide what to do next.
 * No I/O, no clock; randomness (jitter) comes from a caller-owned state so
 * every thread keeps its own and tests are deterministic.
 *
 *   2xx                      -> RETRY_DONE
 *   404                      -> RETRY_MISSING (a deleted movie: a normal outcome,
 *                               once fetch_movie() has seen TMDB's "not found" body)
 *   401                      -> RETRY_FATAL   (the credential was rejected)
 *   429, 503                 -> RETRY_AGAIN after max(Retry-After, backoff); throttle
 *                               (Retry-After counted up to RETRY_AFTER_CAP_MS), every
 *                               thread pausing that long, also after the last attempt
 *                               (a 503: every other thread only the Retry-After, and
 *                               without one, or with 0, at most
 *                               RETRY_UNAVAILABLE_PAUSE_MS)
 *   other 5xx, 408           -> RETRY_AGAIN after backoff
 *   2xx, body not a page     -> RETRY_AGAIN after backoff (retry_decide_unreadable():
 *                               a cut transfer or a proxy's page may pass next time)
 *   timeout, reset, network  -> RETRY_AGAIN after backoff
 *   connect/resolve failure  -> RETRY_AGAIN, and RETRY_FATAL once retries run out
 *                               (the host is unreachable for everybody)
 *   TLS failure              -> RETRY_FATAL at once (retrying cannot help)
 *   out of file descriptors  -> RETRY_FATAL at once (this machine's limit, not
 *                               the server's fault: never recorded against a movie)
 *   other 4xx, body too big  -> RETRY_FAILED (recorded with TMDB's message)
 *   retries exhausted        -> RETRY_FAILED
 * Backoff: exponential from RETRY_BASE_MS, doubling, capped at RETRY_CAP_MS,
 * with "equal jitter" (half fixed, half random) so workers spread out.
 */
#ifndef TMDB_RETRY_H
#define TMDB_RETRY_H

#include <stdbool.h>
#include <stdint.h>

#include "http.h"

#define RETRY_BASE_MS 500L
#define RETRY_CAP_MS 30000L
/* Back-off for a 429 without Retry-After (the CDN often sends none). */
#define RETRY_THROTTLE_DEFAULT_MS 2000L
/* The longest every thread pauses for a 503 without Retry-After, or with
 * 0 (the request that got it still waits its own backoff): the service
 * offline says nothing of how long, and the workers' backoffs, each
 * pausing all, would add up. With a Retry-After, the others pause that
 * long and no longer, the request its backoff if longer. */
#define RETRY_UNAVAILABLE_PAUSE_MS (RETRY_BASE_MS / 2)
/* The longest pause a Retry-After buys (TMDB's are seconds): a longer one
 * (a misbehaving proxy, a maintenance window) would stall an unattended
 * run for hours per attempt; after this the attempt is made anyway. */
#define RETRY_AFTER_CAP_MS 300000L

enum retry_action {
    RETRY_DONE,
    RETRY_MISSING,
    RETRY_FAILED,
    RETRY_FATAL,
    RETRY_AGAIN,
};

struct retry_decision {
    enum retry_action action;
    long delay_ms; /* RETRY_AGAIN: wait this long before the next attempt */
    bool throttle; /* the server asked everybody to slow down (429/503) */
    /* throttle: how long every thread pauses: delay_ms with a retry (for
     * a 503 the Retry-After, or with none or 0 at most
     * RETRY_UNAVAILABLE_PAUSE_MS), and without one (the retries spent)
     * still what the server asked for */
    long pause_ms;
    /* RETRY_FAILED or RETRY_FATAL because the retries ran out on a
     * failure that may pass (a 5xx, 429, 408, timeout, reset, a body that
     * is not one): what every movie fails with while TMDB or the network
     * is down (writer.h) */
    bool spent;
};

/*
 * Decide after attempt number `attempt` (1 for the first request) of at
 * most 1 + `max_retries`. `rng` is the caller's jitter state (any non-zero
 * seed).
 */
struct retry_decision retry_decide(const struct http_result *r, int attempt, int max_retries,
                                   uint64_t *rng);

/*
 * Decide after attempt `attempt` answered 2xx with a body that cannot be
 * read as what was asked for (a list page that is not JSON, a CDN's HTML
 * page): as a 5xx, RETRY_AGAIN after backoff, RETRY_FAILED once
 * `max_retries` are spent.
 */
struct retry_decision retry_decide_unreadable(int attempt, int max_retries, uint64_t *rng);

/* The backoff before attempt `attempt` + 1, with jitter. */
long retry_backoff_ms(int attempt, uint64_t *rng);

#endif
