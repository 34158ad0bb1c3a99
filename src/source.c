/* source.c - see source.h. */
#include "source.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fetch.h"
#include "http.h"
#include "idset.h"
#include "log.h"
#include "queue.h"
#include "stats.h"
#include "stop.h"
#include "source_internal.h"

/* Longest token accepted as an id (INT64_MAX has 19 digits). */
#define MAX_TOKEN 32

int source_parse_id(const char *token, size_t len, int64_t *id) {
    if (len == 0 || len > 19)
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (token[i] < '0' || token[i] > '9')
            return -1;
        int digit = token[i] - '0';
        if (v > (INT64_MAX - digit) / 10)
            return -1;
        v = v * 10 + digit;
    }
    if (v <= 0)
        return -1;
    *id = v;
    return 0;
}

bool source_in_shard(const struct source *src, int64_t id) {
    return src->shard_count == 0 || (uint64_t)id % src->shard_count == src->shard_index;
}

int source_push_item(struct producer *p, int64_t id, long long copy_needed_s) {
    int added = idset_add(p->seen, id);
    if (added < 0) {
        if (stop_request(STOP_FATAL))
            log_error("out of memory remembering movie ids");
        return -1;
    }
    if (added == 0)
        return 0; /* lists shift while paging, so ids repeat: enqueue once */
    if (!source_in_shard(p->src, id))
        return 0; /* another shard's */
    if (p->skip && idset_contains(p->skip, id)) {
        stats_add(&p->stats->skipped, 1);
        return 0;
    }
    struct work_item item = {.movie_id = id, .copy_needed_s = copy_needed_s};
    if (!p->src->count_only && queue_push(p->work, &item) != QUEUE_OK)
        return -1;
    stats_add(&p->stats->requested, 1);
    return 0;
}

/* Unusable results of pages named one by one; after that only counted (a
 * list of broken pages would be 20 lines a page). */
#define BAD_RESULTS_SHOWN 5

void source_skip_bad_results(struct producer *p, const char *where, int n,
                             const struct tmdb_list_page *page, bool drop_adult) {
    for (size_t i = 0; i < page->n_bad; i++) {
        const struct tmdb_bad_result *b = &page->bad[i];
        if (drop_adult && b->adult)
            continue;
        stats_add(&p->stats->failed, 1);
        stats_add(&p->stats->bad_input, 1);
        if (++p->bad_results <= BAD_RESULTS_SHOWN)
            log_warn("%s, result %d of page %d: %s; skipped", where, b->position, n, b->why);
    }
}

/* After the pages: how many were skipped, when not all were named. */
static void count_bad_results(const struct producer *p) {
    const struct source *src = p->src;
    if (p->bad_results > BAD_RESULTS_SHOWN)
        log_warn("%s: %ld result(s) without a usable movie id were skipped (the first %d named "
                 "above)",
                 src->kind == SOURCE_LIST ? tmdb_list_name(src->list) : "changes", p->bad_results,
                 BAD_RESULTS_SHOWN);
}

int source_push_id(struct producer *p, int64_t id) {
    return source_push_item(p, id, 0);
}

enum source_status source_fail_fatal(const struct fetcher *f, const char *what, int page,
                                     const char *reason) {
    if (stop_request(fetch_stop_reason(f)))
        log_error("%s page %d: %s", what, page, reason);
    return SOURCE_FATAL;
}

/* The API base as messages name it: its password as ***, and without the
 * trailing '/' the requests leave out (named as requested). */
static void api_base_shown(const struct fetch_config *cfg, char *safe, size_t size) {
    tmdb_redact_url(cfg->api_base, safe, size);
    safe[tmdb_base_length(safe)] = '\0';
}

/* How a message that finds the API base is not TMDB's v3 ends. */
#define CHECK_API_BASE "Check --api-base or TMDB_API_BASE (" TMDB_API_BASE ")"

enum source_status source_fail_page(const struct fetcher *f, const struct http_result *r,
                                    const char *what, int page, const char *reason, int attempts) {
    char tries[32] = "", hint[768] = "";
    if (attempts > 1)
        snprintf(tries, sizeof tries, " (%d attempts)", attempts);
    if (r->status == 404 && tmdb_is_not_found(r->body, r->len)) {
        char safe[512];
        api_base_shown(f->config, safe, sizeof safe);
        snprintf(hint, sizeof hint,
                 "; %s is not TMDB's API (v3), which serves every list and changes "
                 "page. " CHECK_API_BASE,
                 safe);
    }
    log_error("%s page %d: %s%s%s", what, page, reason, tries, hint);
    return f->spent ? SOURCE_UNAVAILABLE : SOURCE_ERROR;
}

static enum source_status produce_list(const struct source *src, struct fetcher *f,
                                       struct producer *p) {
    const char *name = tmdb_list_name(src->list);
    int limit = src->pages > 0 ? src->pages : TMDB_MAX_PAGE;
    if (limit > TMDB_MAX_PAGE)
        limit = TMDB_MAX_PAGE;
    int last = limit;
    struct tmdb_list_page page;
    for (int n = 1; n <= last; n++) {
        const struct fetch_config *cfg = f->config;
        if (tmdb_url_list(f->url, sizeof f->url, cfg->api_base, src->list, n, cfg->language,
                          cfg->api_key) < 0) {
            log_error("%s page %d: URL too long", name, n);
            return SOURCE_ERROR;
        }
        struct http_result r;
        int attempts;
        char reason[FETCH_REASON_SIZE];
        enum retry_action a = fetch_page(f, f->url, n, &page, &r, &attempts, reason, sizeof reason);
        if (a == RETRY_FATAL)
            return stop_reason() == STOP_SIGNAL ? SOURCE_STOPPED
                                                : source_fail_fatal(f, name, n, reason);
        if (a == RETRY_FAILED && (r.status == 400 || r.status == 422) && n > 1 &&
            tmdb_is_page_refusal(r.body, r.len)) {
            /* TMDB refuses pages past its cap (400/22 or 422): the list ends here. */
            log_info("%s page %d refused (%s); stopping there", name, n, reason);
            return SOURCE_OK;
        }
        if (a != RETRY_DONE)
            return source_fail_page(f, &r, name, n, reason, attempts);
        /* lists grow and shrink while paged: the latest total_pages holds */
        last = page.total_pages < limit ? page.total_pages : limit;
        if (n == 1) {
            long long expected = page.total_results;
            long long cap = (long long)last * 20;
            stats_add(&p->stats->expected, expected < cap ? expected : cap);
        }
        source_skip_bad_results(p, name, n, &page, false); /* lists are not filtered */
        for (size_t i = 0; i < page.n_ids; i++)
            if (source_push_id(p, page.ids[i]) != 0)
                return SOURCE_STOPPED;
    }
    return SOURCE_OK;
}

/* The progress line's total for ids given on the command line: each of
 * this shard's once (a cron line may repeat one). Out of memory, all of
 * them: a display, not worth failing the run for. */
static long long ids_to_fetch(const struct source *src) {
    struct idset *once = idset_new();
    if (!once)
        return (long long)src->n_ids;
    for (size_t i = 0; i < src->n_ids; i++)
        if (source_in_shard(src, src->ids[i]) && idset_add(once, src->ids[i]) < 0) {
            idset_free(once);
            return (long long)src->n_ids;
        }
    long long n = (long long)idset_count(once);
    idset_free(once);
    return n;
}

static enum source_status produce_ids(const struct source *src, struct producer *p) {
    stats_add(&p->stats->expected, ids_to_fetch(src));
    for (size_t i = 0; i < src->n_ids; i++)
        if (source_push_id(p, src->ids[i]) != 0)
            return SOURCE_STOPPED;
    return SOURCE_OK;
}

int source_wait_readable(int fd) {
    struct pollfd fds[2] = {{.fd = fd, .events = POLLIN}, {.fd = stop_fd(), .events = POLLIN}};
    for (;;) {
        if (stop_requested())
            return -1;
        int r = poll(fds, 2, -1);
        if (r < 0 && errno != EINTR)
            return 0; /* let read() report the problem */
        if (fds[1].revents)
            return -1;
        if (fds[0].revents)
            return 0;
    }
}

/* A token as a warning quotes it: a byte that is not printable ASCII as
 * \xNN, so that the quote shows what was read and nothing of it acts on a
 * terminal: a control byte (a NUL of UTF-16 input, an escape sequence),
 * and any byte of a non-ASCII character, which a movie id never holds and
 * which may not show (a UTF-8 byte-order mark, a no-break or zero-width
 * space) or look like a digit (a full-width one). */
static const char *quoted_token(const char *tok, size_t len, char *out, size_t size) {
    size_t o = 0;
    for (size_t i = 0; i < len && o + 4 < size; i++) {
        unsigned char c = (unsigned char)tok[i];
        if (c < 0x20 || c >= 0x7f)
            o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
        else
            out[o++] = (char)c;
    }
    out[o] = '\0';
    return out;
}

/* One token finished on standard input: push it or report it. */
static int take_token(struct producer *p, const char *tok, size_t len, long line) {
    int64_t id;
    if (len > 0 && source_parse_id(tok, len, &id) == 0)
        return source_push_id(p, id);
    char quoted[4 * MAX_TOKEN + 1];
    /* a longer token is kept to its first MAX_TOKEN bytes: "..." says so */
    log_warn("standard input line %ld: \"%s%s\" is not a movie id; skipped", line,
             quoted_token(tok, len > MAX_TOKEN ? MAX_TOKEN : len, quoted, sizeof quoted),
             len > MAX_TOKEN ? "..." : "");
    stats_add(&p->stats->failed, 1);
    stats_add(&p->stats->bad_input, 1);
    return 0;
}

static enum source_status produce_stdin(const struct source *src, struct producer *p) {
    char buf[8192], tok[MAX_TOKEN + 1];
    size_t tok_len = 0;
    bool too_long = false, any = false;
    long line = 1;
    for (;;) {
        if (source_wait_readable(src->fd) != 0)
            return SOURCE_STOPPED;
        ssize_t n = read(src->fd, buf, sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0) {
            log_error("reading standard input: %s", strerror(errno));
            return SOURCE_ERROR;
        }
        for (ssize_t i = 0; i <= n; i++) {
            bool end = i == n ? n == 0 : (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' ||
                                          buf[i] == '\r' || buf[i] == ',');
            if (i == n && n != 0)
                break; /* the token may continue in the next read */
            if (!end) {
                if (tok_len < MAX_TOKEN)
                    tok[tok_len++] = buf[i];
                else
                    too_long = true;
                continue;
            }
            if (tok_len > 0 || too_long) {
                any = true;
                if (take_token(p, tok, too_long ? MAX_TOKEN + 1 : tok_len, line) != 0)
                    return SOURCE_STOPPED;
            }
            tok_len = 0;
            too_long = false;
            if (i < n && buf[i] == '\n')
                line++;
        }
        if (n == 0) {
            /* `cut -f1 ids.txt | tmdb-ingest ids -` with no ids.txt: an
             * ok run of nothing, said also with -q (a cron line's mail is
             * where its owner learns that its feed is broken) */
            if (!any)
                log_warn_setup("standard input held no movie id: nothing to fetch (did the "
                               "command feeding it fail?)");
            return SOURCE_OK;
        }
    }
}

/* Why each needs the right day (source_check_clock()). */
#define CLOCK_WHY_EXPORT                                                                           \
    "export picks the newest file by UTC day, so a clock this far off would read another "         \
    "day's file (or ask for one not published yet) and stamp what it fetches with a wrong time"

enum source_status source_check_clock(struct fetcher *f, const char *why) {
    long long server = http_server_time(f->http);
    long long here = (long long)time(NULL);
    long long apart_s = llabs(here - server);
    if (server < 0 || apart_s <= SOURCE_CLOCK_SKEW_MAX_S)
        return SOURCE_OK;
    char here_s[32], server_s[32];
    time_t t = (time_t)here, u = (time_t)server;
    struct tm tm;
    strftime(here_s, sizeof here_s, "%Y-%m-%d %H:%M:%S", gmtime_r(&t, &tm));
    strftime(server_s, sizeof server_s, "%Y-%m-%d %H:%M:%S", gmtime_r(&u, &tm));
    log_error("this machine's clock reads %s UTC, TMDB's %s UTC (its Date header, plus Age when a "
              "cache kept it): %lld minutes apart. %s; set the clock (NTP) and run again. Nothing "
              "was marked",
              here_s, server_s, apart_s / 60, why);
    return SOURCE_ERROR;
}

bool source_kind_resumes(enum source_kind kind) {
    return kind != SOURCE_CHANGES;
}

int source_kind_described(const char *described, enum source_kind *kind) {
    if (!described)
        return -1;
    size_t word = strcspn(described, " ");
    const char *rest = described + word;
    static const struct {
        const char *word;
        enum source_kind kind;
    } firsts[] = {{"list", SOURCE_LIST},
                  {"export", SOURCE_EXPORT},
                  {"changes", SOURCE_CHANGES},
                  {"ids", SOURCE_IDS}};
    for (size_t i = 0; i < sizeof firsts / sizeof *firsts; i++)
        if (strlen(firsts[i].word) == word && strncmp(described, firsts[i].word, word) == 0) {
            /* "ids -" reads standard input; "ids 550 603" names them */
            bool stdin_ids = strcmp(rest, " -") == 0 || strncmp(rest, " - ", 3) == 0;
            *kind = firsts[i].kind == SOURCE_IDS && stdin_ids ? SOURCE_STDIN : firsts[i].kind;
            return 0;
        }
    return -1;
}

char *source_describe(const struct source *src) {
    size_t size = 160 + src->n_ids * 21;
    char *s = malloc(size);
    if (!s)
        return NULL;
    if (src->kind == SOURCE_LIST) {
        char pages[16] = "all";
        if (src->pages > 0)
            snprintf(pages, sizeof pages, "%d", src->pages);
        snprintf(s, size, "list %s --pages %s", tmdb_list_name(src->list), pages);
    } else if (src->kind == SOURCE_STDIN) {
        snprintf(s, size, "ids -");
    } else if (src->kind == SOURCE_EXPORT) {
        snprintf(s, size, "export");
    } else if (src->kind == SOURCE_CHANGES) {
        char first[CLOCK_DATE_SIZE];
        clock_format_date(src->changes_first_day, first);
        snprintf(s, size, "changes --since %s", first);
    } else {
        size_t len = (size_t)snprintf(s, size, "ids");
        for (size_t i = 0; i < src->n_ids; i++)
            len += (size_t)snprintf(s + len, size - len, " %" PRId64, src->ids[i]);
    }
    size_t len = strlen(s);
    if (src->has_min_popularity)
        len += (size_t)snprintf(s + len, size - len, " --min-popularity %g", src->min_popularity);
    if (src->include_adult)
        len += (size_t)snprintf(s + len, size - len, " --include-adult");
    if (src->include_video)
        len += (size_t)snprintf(s + len, size - len, " --include-video");
    if (src->shard_count > 0)
        snprintf(s + len, size - len, " --shard %u/%u", src->shard_index, src->shard_count);
    return s;
}

/*
 * Before a load whose detail answers can mark stored movies deleted (ids,
 * export: their ids come from no request to the API base): is the API base
 * TMDB's v3? A wrong path on TMDB's own host (/4 for /3, a missing /3)
 * answers every movie with TMDB's own 404, which reads as "deleted": a run
 * would mark the whole catalogue deleted and exit 0. One request to
 * /configuration, which v3 answers whatever the movies, tells. (list and
 * changes read their ids from the API base itself, so a wrong one fails
 * there first.)
 */
static enum source_status check_api_base(struct fetcher *f) {
    const struct fetch_config *cfg = f->config;
    char safe[512], reason[FETCH_REASON_SIZE];
    api_base_shown(cfg, safe, sizeof safe);
    if (tmdb_url_configuration(f->url, sizeof f->url, cfg->api_base, cfg->api_key) < 0) {
        if (stop_request(STOP_FATAL))
            log_error("--api-base %s: URL too long", safe);
        return SOURCE_FATAL;
    }
    struct http_result r = {0};
    int attempts;
    enum retry_action a = fetch_get(f, f->url, &r, &attempts, reason, sizeof reason);
    if (a == RETRY_DONE)
        return SOURCE_OK;
    if (a == RETRY_FATAL && stop_reason() == STOP_SIGNAL)
        return SOURCE_STOPPED;
    /* unreachable, or 5xx through every retry: TMDB or the network down */
    if (stop_request(fetch_stop_reason(f))) {
        if (r.status == 404 && tmdb_is_not_found(r.body, r.len))
            log_error("%s is not TMDB's API (v3): GET /configuration answered TMDB's 404, as "
                      "every movie would, each read as deleted. " CHECK_API_BASE
                      "; nothing was fetched",
                      safe);
        else
            log_error("%s/configuration: %s", safe, reason);
    }
    return SOURCE_FATAL;
}

enum source_status source_run(const struct source *src, struct fetcher *f, struct queue *work,
                              struct stats *stats) {
    struct producer p = {
        .src = src, .work = work, .stats = stats, .seen = idset_new(), .skip = src->skip};
    enum source_status st;
    /* list and changes read their ids from the API base; a dry run asks nothing */
    bool needs_check = src->kind != SOURCE_LIST && src->kind != SOURCE_CHANGES && !src->count_only;
    if (!p.seen) {
        if (stop_request(STOP_FATAL))
            log_error("out of memory");
        st = SOURCE_FATAL;
    } else if (needs_check && ((st = check_api_base(f)) != SOURCE_OK ||
                               /* the newest file, picked by the clock: only then a
                                * fallback (the day before's) is set */
                               (src->kind == SOURCE_EXPORT && src->export_fallback_url &&
                                (st = source_check_clock(f, CLOCK_WHY_EXPORT)) != SOURCE_OK))) {
        /* logged */
    } else if (src->kind == SOURCE_LIST) {
        st = produce_list(src, f, &p);
    } else if (src->kind == SOURCE_IDS) {
        st = produce_ids(src, &p);
    } else if (src->kind == SOURCE_EXPORT) {
        st = source_produce_export(src, f, &p);
    } else if (src->kind == SOURCE_CHANGES) {
        st = source_produce_changes(src, f, &p);
    } else {
        st = produce_stdin(src, &p);
    }
    count_bad_results(&p);
    idset_free(p.seen);
    queue_close(work);
    return st;
}
