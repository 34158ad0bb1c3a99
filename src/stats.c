/* stats.c - see stats.h. */
#include "stats.h"

#include "store.h"

void stats_init(struct stats *s) {
    atomic_init(&s->requested, 0);
    atomic_init(&s->expected, 0);
    atomic_init(&s->stored, 0);
    atomic_init(&s->missing, 0);
    atomic_init(&s->failed, 0);
    atomic_init(&s->unusable, 0);
    atomic_init(&s->stale, 0);
    atomic_init(&s->oldest_copy, 0);
    atomic_init(&s->changes_copy, 0);
    atomic_init(&s->changes_mixed, 0);
    atomic_init(&s->http_requests, 0);
    atomic_init(&s->retries, 0);
    atomic_init(&s->throttled, 0);
    atomic_init(&s->answers, 0);
    atomic_init(&s->answer_us, 0);
    atomic_init(&s->skipped, 0);
    atomic_init(&s->bad_input, 0);
}

void stats_add(atomic_llong *counter, long long n) {
    atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

long long stats_get(atomic_llong *counter) {
    return atomic_load_explicit(counter, memory_order_relaxed);
}

void stats_keep_earliest(atomic_llong *counter, long long t) {
    long long kept = stats_get(counter);
    if (t > 0 && (kept == 0 || t < kept))
        atomic_store(counter, t);
}

void stats_to_counts(struct stats *s, struct run_counts *out) {
    out->requested = stats_get(&s->requested);
    out->fetched = stats_get(&s->stored);
    out->missing = stats_get(&s->missing);
    out->failed = stats_get(&s->failed);
    out->unusable = stats_get(&s->unusable);
    out->http_requests = stats_get(&s->http_requests);
    out->retries = stats_get(&s->retries);
    out->skipped = stats_get(&s->skipped);
}
