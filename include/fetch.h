/*
 * fetch.h - one TMDB request with the retry policy applied, and the
 * per-movie job of a worker: fetch, retry, parse.
 *
 * Threading: a struct fetcher belongs to one thread (a worker, or the
 * producer for list pages): it holds that thread's http_client, URL buffer
 * and jitter state. The rate limiter and stats it points to are shared and
 * thread-safe.
 */
#ifndef TMDB_FETCH_H
#define TMDB_FETCH_H

#include <stdint.h>

#include "http.h"
#include "retry.h"
#include "stop.h"

struct ratelimit;
struct stats;
struct movie;
struct tmdb_list_page;
struct work_item;

struct fetch_config {
    const char *api_base; /* e.g. https://api.themoviedb.org/3 */
    const char *language; /* e.g. ko-KR */
    const char *api_key;  /* v3 key for api_key=, or NULL (bearer token in http_config) */
    const char *bearer_token; /* the v4 token or NULL: only to scrub it from what servers say */
    /* A gateway's user:password@ in api_base (libcurl sends it as Basic
     * authentication), decoded, and as the header carries it (base64); ""
     * for none: only to scrub them from what servers say
     * (fetch_config_gateway()). */
    char gateway_login[512];
    char gateway_basic[700];
    const char *credential_source;   /* where the credential came from (credential.h), for a 401 */
    const char *credential_also_set; /* sources set but not read, or NULL (credential.h) */
    const char *append;   /* append_to_response parts ("credits,keywords"), or NULL */
    int max_retries;
};

/* Fill cfg->gateway_login and cfg->gateway_basic from cfg->api_base's
 * user:password@ (a user alone is sent as "user:"): both "" when it has
 * none, or when they do not fit. Once, before the fetchers start. */
void fetch_config_gateway(struct fetch_config *cfg);

struct fetcher {
    struct http_client *http;     /* owned by this fetcher's thread */
    struct ratelimit *ratelimit;  /* shared */
    struct stats *stats;          /* shared */
    const struct fetch_config *config;
    uint64_t rng;                 /* jitter state, this thread's own */
    long long answers;            /* requests that got an HTTP answer, */
    double answer_s;              /* and the seconds they took: this thread's own */
    bool spent;                   /* the last request's retries ran out (retry_decision.spent) */
    char url[2048];
};

/* What became of one movie. Copied through the result queue to the writer. */
enum fetch_kind {
    FETCH_STORED = 0, /* `movie` holds the record (ownership travels with it) */
    FETCH_MISSING,    /* TMDB's 404 "not found": deleted or never existed */
    FETCH_FAILED,     /* given up: see http_status and reason */
};

/* The bytes of a reason (a failure's, a page's), its NUL included: room for
 * the longest prefix (a 401 naming three credential sources) and TMDB's
 * longest message. */
#define FETCH_REASON_SIZE 256

struct fetch_result {
    int64_t movie_id;
    enum fetch_kind kind;
    struct movie *movie; /* FETCH_STORED only; the receiver frees it */
    long http_status;    /* last HTTP status, 0 for a transport error */
    int attempts;
    char reason[FETCH_REASON_SIZE]; /* FETCH_FAILED / FETCH_MISSING: why, for the failures table */
    /* FETCH_FAILED: TMDB answered with well-formed JSON of the wrong shape
     * (a field of the wrong type, another id): asking again cannot help
     * until the movie changes. Other failures (5xx, timeouts, broken or
     * non-JSON bodies, too large) may pass. */
    bool unusable;
    /* FETCH_FAILED: its retries ran out on failures that may pass (5xx,
     * 429, timeouts, resets), or its 2xx body was not JSON or not UTF-8, or
     * its error was not TMDB's own JSON (a proxy's, portal's or firewall's
     * page, a redirect: not asked again), or its transfer failed in a way
     * not asked again (HTTP_ERR_OTHER: an answer that is not HTTP; not this
     * machine's memory running out), with no answer TMDB meant for it:
     * a run of these is an outage (writer.h). */
    bool unanswered;
    /* FETCH_STORED / FETCH_MISSING: when the copy answered was made (its
     * Date, seconds since the epoch: from TMDB's CDN, hours old maybe), or
     * -1 when it had none, or one no copy can have (more than
     * HTTP_COPY_AGE_MAX_S old, or ahead of this machine's clock by more
     * than SOURCE_CLOCK_SKEW_MAX_S). */
    long long copy_made_s;
    /* The copy the movie needs, from the work item (source.h): 0 none. */
    long long copy_needed_s;
    /* When the worker queued it for the writer (clock_monotonic_ms(), set
     * by pipeline.c): the writer's batch deadline counts from it. */
    long long queued_ms;
};

/*
 * GET `url` (built by the caller in f->url or elsewhere) honouring the rate
 * limit and retry policy. Returns the final action (never RETRY_AGAIN):
 * RETRY_DONE with *out holding the 2xx response; RETRY_MISSING,
 * RETRY_FAILED or RETRY_FATAL with `reason` explaining (no credential).
 * *attempts counts requests sent. A stop request ends it with RETRY_FATAL
 * and the reason "interrupted"; *out then holds the last response, or
 * HTTP_ERR_ABORTED with status 0 if none was sent.
 */
enum retry_action fetch_get(struct fetcher *f, const char *url, struct http_result *out,
                            int *attempts, char *reason, size_t reason_size);

/*
 * fetch_get() for page `number` of a list or /movie/changes, parsed into
 * *page (tmdb_parse_list_page()). A 2xx body that is not a page (cut
 * short, a proxy's HTML, no `results` array), or that says it is another
 * page (a cache that keys pages without their query string answers page
 * 1 to every page), counts as a failed attempt and is
 * asked again as a 5xx would be (retry_decide_unreadable()); when the
 * retries run out, RETRY_FAILED with "bad payload: ..." in `reason`.
 * *page is filled only with RETRY_DONE.
 */
enum retry_action fetch_page(struct fetcher *f, const char *url, int number,
                             struct tmdb_list_page *page, struct http_result *out, int *attempts,
                             char *reason, size_t reason_size);

/*
 * Fetch and parse the movie of `item` into *out. Returns RETRY_FATAL when
 * the run must stop (why in out->reason; out->movie is NULL), else
 * RETRY_DONE with out->kind saying what became of the movie.
 */
enum retry_action fetch_movie(struct fetcher *f, const struct work_item *item,
                              struct fetch_result *out);

/*
 * The stop a request of f's that ends the run calls for: STOP_UNAVAILABLE
 * when its retries ran out on what may pass (f->spent: TMDB or the network
 * did not answer, exit 7), STOP_FATAL otherwise (a 401, a TLS failure, ...).
 */
enum stop_reason fetch_stop_reason(const struct fetcher *f);

#endif
