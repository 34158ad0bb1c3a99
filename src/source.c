/* source.c - see source.h. */
#include "source.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fetch.h"
#include "idset.h"
#include "log.h"
#include "queue.h"
#include "stats.h"
#include "stop.h"

/* Longest token accepted as an id (INT64_MAX has 19 digits). */
#define MAX_TOKEN 32

struct producer {
    struct queue *work;
    struct stats *stats;
    struct idset *seen;        /* ids seen so far this run */
    const struct idset *skip;  /* ids settled by the run being resumed, or NULL */
};

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

/* Push `id` unless already seen. Returns 0, or -1 when the queue was
 * aborted or memory ran out (logged). */
static int push_id(struct producer *p, int64_t id) {
    int added = idset_add(p->seen, id);
    if (added < 0) {
        if (stop_request(STOP_FATAL))
            log_error("out of memory remembering movie ids");
        return -1;
    }
    if (added == 0)
        return 0; /* lists shift while paging, so ids repeat: enqueue once */
    if (p->skip && idset_contains(p->skip, id)) {
        stats_add(&p->stats->skipped, 1);
        return 0;
    }
    if (queue_push(p->work, &id) != QUEUE_OK)
        return -1;
    stats_add(&p->stats->requested, 1);
    return 0;
}

static enum source_status fail_fatal(const char *what, int page, const char *reason) {
    if (stop_request(STOP_FATAL))
        log_error("%s page %d: %s", what, page, reason);
    return SOURCE_FATAL;
}

static enum source_status produce_list(const struct source *src, struct fetcher *f,
                                       struct producer *p) {
    const char *name = tmdb_list_name(src->list);
    int last = src->pages > 0 ? src->pages : TMDB_MAX_PAGE;
    if (last > TMDB_MAX_PAGE)
        last = TMDB_MAX_PAGE;
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
        char reason[192];
        enum retry_action a = fetch_get(f, f->url, &r, &attempts, reason, sizeof reason);
        if (a == RETRY_FATAL)
            return stop_requested() && stop_reason() != STOP_FATAL ? SOURCE_STOPPED
                                                                   : fail_fatal(name, n, reason);
        if (a == RETRY_FAILED && (r.status == 400 || r.status == 422) && n > 1) {
            /* TMDB refuses pages past its cap (400/22 or 422): the list ends here. */
            log_info("%s page %d refused (%s); stopping there", name, n, reason);
            return SOURCE_OK;
        }
        if (a != RETRY_DONE) {
            log_error("%s page %d: %s", name, n, reason);
            return SOURCE_ERROR;
        }
        if (tmdb_parse_list_page(r.body, r.len, &page, reason, sizeof reason) != 0) {
            log_error("%s page %d: bad payload: %s", name, n, reason);
            return SOURCE_ERROR;
        }
        if (page.total_pages < last)
            last = page.total_pages;
        if (n == 1) {
            long long expected = page.total_results;
            long long cap = (long long)last * 20;
            stats_add(&p->stats->expected, expected < cap ? expected : cap);
        }
        for (size_t i = 0; i < page.n_ids; i++)
            if (push_id(p, page.ids[i]) != 0)
                return SOURCE_STOPPED;
    }
    return SOURCE_OK;
}

static enum source_status produce_ids(const struct source *src, struct producer *p) {
    stats_add(&p->stats->expected, (long long)src->n_ids);
    for (size_t i = 0; i < src->n_ids; i++)
        if (push_id(p, src->ids[i]) != 0)
            return SOURCE_STOPPED;
    return SOURCE_OK;
}

/* Wait until `fd` is readable or a stop is requested. 0 readable, -1 stop. */
static int wait_readable(int fd) {
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

/* One token finished on standard input: push it or report it. */
static int take_token(struct producer *p, const char *tok, size_t len, long line) {
    int64_t id;
    if (len > 0 && source_parse_id(tok, len, &id) == 0)
        return push_id(p, id);
    log_warn("standard input line %ld: \"%.*s\" is not a movie id; skipped", line,
             (int)(len > MAX_TOKEN ? MAX_TOKEN : len), tok);
    stats_add(&p->stats->failed, 1);
    return 0;
}

static enum source_status produce_stdin(const struct source *src, struct producer *p) {
    char buf[8192], tok[MAX_TOKEN + 1];
    size_t tok_len = 0;
    bool too_long = false;
    long line = 1;
    for (;;) {
        if (wait_readable(src->fd) != 0)
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
                if (take_token(p, tok, too_long ? MAX_TOKEN + 1 : tok_len, line) != 0)
                    return SOURCE_STOPPED;
            }
            tok_len = 0;
            too_long = false;
            if (i < n && buf[i] == '\n')
                line++;
        }
        if (n == 0)
            return SOURCE_OK;
    }
}

char *source_describe(const struct source *src) {
    size_t size = 64 + src->n_ids * 21;
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
    } else {
        size_t len = (size_t)snprintf(s, size, "ids");
        for (size_t i = 0; i < src->n_ids; i++)
            len += (size_t)snprintf(s + len, size - len, " %" PRId64, src->ids[i]);
    }
    return s;
}

enum source_status source_run(const struct source *src, struct fetcher *f, struct queue *work,
                              struct stats *stats) {
    struct producer p = {.work = work, .stats = stats, .seen = idset_new(), .skip = src->skip};
    enum source_status st;
    if (!p.seen) {
        if (stop_request(STOP_FATAL))
            log_error("out of memory");
        st = SOURCE_FATAL;
    } else if (src->kind == SOURCE_LIST) {
        st = produce_list(src, f, &p);
    } else if (src->kind == SOURCE_IDS) {
        st = produce_ids(src, &p);
    } else {
        st = produce_stdin(src, &p);
    }
    idset_free(p.seen);
    queue_close(work);
    return st;
}
