/* fetch.c - see fetch.h. */
#include "fetch.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "credential.h"
#include "log.h"
#include "movie.h"
#include "ratelimit.h"
#include "source.h"
#include "stats.h"
#include "stop.h"
#include "tmdb.h"

void fetch_config_gateway(struct fetch_config *cfg) {
    char login[sizeof cfg->gateway_login + 1];
    cfg->gateway_login[0] = cfg->gateway_basic[0] = '\0';
    int n = tmdb_url_login(cfg->api_base, login, sizeof login - 1);
    if (n <= 0 || (size_t)n >= sizeof cfg->gateway_login)
        return;
    memcpy(cfg->gateway_login, login, (size_t)n + 1);
    if (!strchr(login, ':')) /* as libcurl sends a user with no password */
        memcpy(login + n, ":", 2); /* login has a byte to spare past n */
    /* fits: the longest login and its ':' (512 bytes) take 684 */
    (void)credential_basic(login, cfg->gateway_basic, sizeof cfg->gateway_basic);
}

/* The credential, either kind, and a gateway's login out of `text` (what a
 * server said). */
static void scrub(const struct fetch_config *cfg, char *text, size_t size) {
    credential_scrub(text, size, cfg->api_key);
    credential_scrub(text, size, cfg->bearer_token);
    credential_scrub(text, size, cfg->gateway_login);
    credential_scrub(text, size, cfg->gateway_basic);
}

/* Describe a finished attempt for the failures table and messages. What
 * the server said is scrubbed of the credential: an error message may echo
 * the request (api_key=...), and reasons reach the database and the logs. */
static void describe(const struct fetch_config *cfg, const struct http_result *r, char *reason,
                     size_t size) {
    if (r->error != HTTP_OK) {
        snprintf(reason, size, "%s: %s", http_error_name(r->error), r->message);
        scrub(cfg, reason, size);
        return;
    }
    int code = 0;
    char message[128];
    tmdb_parse_error(r->body, r->len, &code, message, sizeof message);
    scrub(cfg, message, sizeof message); /* cut to fit already: a key at its end may be too */
    /* Which credential was sent: TMDB's 401 says "Invalid API key" of a
     * token too, and a right key beside a stale token read first is not sent */
    char prefix[160] = "";
    const char *suffix = "";
    if (r->status == 401) {
        if (!tmdb_is_own_error(r->body, r->len))
            /* not TMDB's JSON, nor its word on the credential: a gateway's
             * or proxy's own login refused (a base's user:password, say) */
            suffix = ", not TMDB's answer (a gateway's or proxy's own login? check --api-base)";
        else if (cfg->credential_also_set)
            snprintf(prefix, sizeof prefix,
                     "the API credential from %s was rejected (read before %s, also set): ",
                     cfg->credential_source, cfg->credential_also_set);
        else if (cfg->credential_source)
            snprintf(prefix, sizeof prefix,
                     "the API credential from %s was rejected: ", cfg->credential_source);
        else
            snprintf(prefix, sizeof prefix, "the API credential was rejected: ");
    }
    if (r->status >= 300 && r->status < 400 && r->message[0])
        snprintf(reason, size, "HTTP %ld: redirected to %s, which is not followed", r->status,
                 r->message);
    else if (code)
        snprintf(reason, size, "%sHTTP %ld (TMDB %d): %s", prefix, r->status, code, message);
    else if (message[0])
        snprintf(reason, size, "%sHTTP %ld: %s%s", prefix, r->status, message, suffix);
    else
        snprintf(reason, size, "%sHTTP %ld%s", prefix, r->status, suffix);
    scrub(cfg, reason, size);
}

/* Whether a 2xx answer to a request for page `number` is that page:
 * parsed into *page when it is; when not, why in `reason`. NULL `page`:
 * any body is. */
static bool is_readable(const struct http_result *r, struct tmdb_list_page *page, int number,
                        char *reason, size_t reason_size) {
    char why[160];
    if (!page)
        return true;
    if (tmdb_parse_list_page(r->body, r->len, page, why, sizeof why) != 0) {
        snprintf(reason, reason_size, "bad payload: %s", why);
        return false;
    }
    /* A cache that keys pages without their query string answers page 1
     * to every page: taken as the page asked for, it would end the list
     * with repeats, every later page's movies left out unsaid. */
    if (page->page != 0 && page->page != number) {
        snprintf(reason, reason_size, "bad payload: page %d answered for page %d", page->page,
                 number);
        page->n_ids = page->n_bad = 0;
        return false;
    }
    return true;
}

/* fetch_get() and fetch_page(): with `page`, a 2xx answer that is not
 * page `number` is a failed attempt, as a 5xx is. */
static enum retry_action fetch_attempts(struct fetcher *f, const char *url, int number,
                                        struct tmdb_list_page *page, struct http_result *out,
                                        int *attempts, char *reason, size_t reason_size) {
    reason[0] = '\0';
    *out = (struct http_result){.error = HTTP_ERR_ABORTED, .body = "", .retry_after_ms = -1};
    for (int attempt = 1;; attempt++) {
        if (ratelimit_acquire(f->ratelimit) != 0) {
            snprintf(reason, reason_size, "interrupted");
            return RETRY_FATAL;
        }
        *attempts = attempt;
        stats_add(&f->stats->http_requests, 1);
        if (attempt > 1)
            stats_add(&f->stats->retries, 1);
        double sent_s = clock_monotonic_s();
        http_get(f->http, url, out);
        if (out->error == HTTP_OK) {
            f->answers++;
            f->answer_s += clock_monotonic_s() - sent_s;
        }
        struct retry_decision d = retry_decide(out, attempt, f->config->max_retries, &f->rng);
        if (d.throttle) {
            stats_add(&f->stats->throttled, 1);
            bool began =
                ratelimit_throttle(f->ratelimit, d.pause_ms,
                                   out->status == 429 ? RATELIMIT_TOO_MANY : RATELIMIT_UNAVAILABLE);
            /* a cron job should not look hung; said once a pause, not by
             * every answer in flight with the one that began it */
            if (began && d.pause_ms >= 30000)
                log_warn("HTTP %ld with Retry-After: every request pauses %ld s", out->status,
                         (d.pause_ms + 500) / 1000);
        }
        if (d.action != RETRY_DONE)
            describe(f->config, out, reason, reason_size);
        else if (!is_readable(out, page, number, reason, reason_size))
            d = retry_decide_unreadable(attempt, f->config->max_retries, &f->rng);
        if (out->error == HTTP_ERR_ABORTED)
            snprintf(reason, reason_size, "interrupted");
        f->spent = d.spent;
        if (d.action != RETRY_AGAIN)
            return d.action;
        /* which request: five workers' retries interleave */
        char shown[512];
        tmdb_redact_url(url, shown, sizeof shown);
        log_debug("%s: attempt %d failed (%s); retrying in %ld ms", shown, attempt, reason,
                  d.delay_ms);
        if (stop_sleep_ms(d.delay_ms) != 0) {
            snprintf(reason, reason_size, "interrupted");
            return RETRY_FATAL;
        }
    }
}

enum retry_action fetch_get(struct fetcher *f, const char *url, struct http_result *out,
                            int *attempts, char *reason, size_t reason_size) {
    return fetch_attempts(f, url, 0, NULL, out, attempts, reason, reason_size);
}

enum retry_action fetch_page(struct fetcher *f, const char *url, int number,
                             struct tmdb_list_page *page, struct http_result *out, int *attempts,
                             char *reason, size_t reason_size) {
    return fetch_attempts(f, url, number, page, out, attempts, reason, reason_size);
}

/* When the copy answered was made (its Date), or -1 when it had none or
 * one no copy can have: older than HTTP_COPY_AGE_MAX_S, or later than now
 * beyond the clocks' tolerance. Taken as sent, one broken Date would hold
 * an export's changes cursor back by months, or note the movie stale at
 * every changes run. */
static long long copy_time(struct fetcher *f) {
    long long made = http_copy_time(f->http), now = (long long)time(NULL);
    if (made >= 0 && (made < now - HTTP_COPY_AGE_MAX_S || made > now + SOURCE_CLOCK_SKEW_MAX_S)) {
        log_debug("a Date no copy can have (%lld s from now): taken as none", made - now);
        return -1;
    }
    return made;
}

enum stop_reason fetch_stop_reason(const struct fetcher *f) {
    return f->spent ? STOP_UNAVAILABLE : STOP_FATAL;
}

enum retry_action fetch_movie(struct fetcher *f, const struct work_item *item,
                              struct fetch_result *out) {
    int64_t id = item->movie_id;
    memset(out, 0, sizeof *out);
    out->movie_id = id;
    out->kind = FETCH_FAILED;
    out->copy_needed_s = item->copy_needed_s;
    out->copy_made_s = -1;
    const struct fetch_config *cfg = f->config;
    if (tmdb_url_movie(f->url, sizeof f->url, cfg->api_base, id, cfg->language, cfg->append,
                       cfg->api_key) < 0) {
        snprintf(out->reason, sizeof out->reason, "URL too long");
        return RETRY_DONE;
    }
    struct http_result r;
    enum retry_action a = fetch_get(f, f->url, &r, &out->attempts, out->reason, sizeof out->reason);
    out->http_status = r.status;
    out->copy_made_s = copy_time(f);
    switch (a) {
    case RETRY_FATAL:
        return RETRY_FATAL;
    case RETRY_MISSING:
        /* Only TMDB's own answer means the movie is gone: a 404 from a
         * proxy or a wrong --api-base path must not mark it deleted. */
        if (tmdb_is_not_found(r.body, r.len)) {
            out->kind = FETCH_MISSING;
        } else {
            size_t n = strlen(out->reason);
            snprintf(out->reason + n, sizeof out->reason - n,
                     ", not TMDB's \"not found\" (a proxy? a wrong --api-base?)");
            out->unanswered = !tmdb_is_own_error(r.body, r.len);
        }
        return RETRY_DONE;
    case RETRY_FAILED:
        /* its retries spent, an error that is not TMDB's (a proxy's or
         * portal's 403 or 404 page, a redirect), or a transfer that failed
         * in a way never asked again (a server that does not speak HTTP):
         * what every movie gets while it is in the way, an outage the
         * writer must see; not this machine's memory running out */
        out->unanswered = f->spent || (r.error == HTTP_ERR_OTHER && !r.out_of_memory) ||
                          (r.error == HTTP_OK && !tmdb_is_own_error(r.body, r.len));
        return RETRY_DONE;
    case RETRY_AGAIN:
        return RETRY_DONE;
    case RETRY_DONE:
        break;
    }
    char why[160], part[32];
    enum movie_status st = movie_parse(r.body, r.len, id, &out->movie, why, sizeof why);
    if (st == MOVIE_ERR_NOMEM) {
        /* this machine's limit (ulimit -v, a cgroup), not the body's fault */
        snprintf(out->reason, sizeof out->reason, "out of memory reading a body of %zu bytes",
                 r.len);
    } else if (st != MOVIE_OK) {
        snprintf(out->reason, sizeof out->reason, "bad payload: %s", why);
        /* Only a whole, well-formed body of the wrong shape is TMDB's
         * answer for certain; broken JSON or UTF-8 may be a cut transfer
         * or a proxy's page, and may pass next time. */
        out->unusable = st == MOVIE_ERR_SHAPE || st == MOVIE_ERR_ID;
        /* Not JSON or not UTF-8 at all: no answer TMDB meant. A proxy's
         * or portal's page served as a 200 is what every movie gets while
         * it is in the way, an outage the writer must see (not asked again,
         * so at once, as retries spent). */
        out->unanswered = st == MOVIE_ERR_JSON || st == MOVIE_ERR_UTF8;
    } else if (movie_lacks_part(out->movie, cfg->append, part, sizeof part)) {
        /* the query was cut on its way: stored, the movie would lose
         * the part's rows for this fetch; asked again, it may pass */
        snprintf(out->reason, sizeof out->reason,
                 "bad payload: no \"%s\", which append_to_response asked for (a proxy that "
                 "drops the query?)",
                 part);
        movie_free(out->movie);
        out->movie = NULL;
    } else
        out->kind = FETCH_STORED;
    return RETRY_DONE;
}
