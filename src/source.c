/* source.c - see source.h. */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "export.h"
#include "fetch.h"
#include "http.h"
#include "idset.h"
#include "log.h"
#include "queue.h"
#include "stats.h"
#include "stop.h"

/* Longest token accepted as an id (INT64_MAX has 19 digits). */
#define MAX_TOKEN 32

struct producer {
    const struct source *src;
    struct queue *work;
    struct stats *stats;
    struct idset *seen;        /* ids seen so far this run */
    const struct idset *skip;  /* ids settled by the run being resumed, or NULL */
    long bad_results;          /* results of list or changes pages without a usable id */
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

bool source_in_shard(const struct source *src, int64_t id) {
    return src->shard_count == 0 || (uint64_t)id % src->shard_count == src->shard_index;
}

/* Push `id` unless already seen, needing a copy made at `copy_needed_s`
 * or later (work_item; 0 none). Returns 0, or -1 when the queue was
 * aborted or memory ran out (logged). */
static int push_item(struct producer *p, int64_t id, long long copy_needed_s) {
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

/*
 * Skip the results of page `n` that have no usable movie id, as a bad
 * `ids -` token or export line is: named with the page and position (the
 * first BAD_RESULTS_SHOWN of the run), counted as failed, so the run ends
 * partial; the page's other results go on. `where` names the pages
 * ("top_rated", "changes 2026-11-20..2026-11-25"). With `drop_adult`, an
 * adult result is left out unnamed, as its id would have been.
 */
static void skip_bad_results(struct producer *p, const char *where, int n,
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

/* push_item() for sources that say nothing of when a movie changed. */
static int push_id(struct producer *p, int64_t id) {
    return push_item(p, id, 0);
}

/* A page that ends the run: its host unreachable through every retry (f's
 * last request spent them: an outage), a 401, a TLS failure. */
static enum source_status fail_fatal(const struct fetcher *f, const char *what, int page,
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

/* A page given up (its last answer `r` and its reason, after `attempts`
 * requests: a 4xx, or 5xx or unreadable bodies through every retry, which
 * f's last request spent: TMDB or the network did not answer). TMDB's own
 * 404 for a list or changes page, which v3 always serves, is a wrong API
 * base (a missing /3, /4 for /3): said as the /configuration check says it. */
static enum source_status fail_page(const struct fetcher *f, const struct http_result *r,
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
            return stop_reason() == STOP_SIGNAL ? SOURCE_STOPPED : fail_fatal(f, name, n, reason);
        if (a == RETRY_FAILED && (r.status == 400 || r.status == 422) && n > 1 &&
            tmdb_is_page_refusal(r.body, r.len)) {
            /* TMDB refuses pages past its cap (400/22 or 422): the list ends here. */
            log_info("%s page %d refused (%s); stopping there", name, n, reason);
            return SOURCE_OK;
        }
        if (a != RETRY_DONE)
            return fail_page(f, &r, name, n, reason, attempts);
        /* lists grow and shrink while paged: the latest total_pages holds */
        last = page.total_pages < limit ? page.total_pages : limit;
        if (n == 1) {
            long long expected = page.total_results;
            long long cap = (long long)last * 20;
            stats_add(&p->stats->expected, expected < cap ? expected : cap);
        }
        skip_bad_results(p, name, n, &page, false); /* lists are not filtered */
        for (size_t i = 0; i < page.n_ids; i++)
            if (push_id(p, page.ids[i]) != 0)
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
        return push_id(p, id);
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

/* Whether an export entry or changed id passes the filters. */
static bool wanted(const struct source *src, bool adult, bool video, double popularity) {
    if (adult && !src->include_adult)
        return false;
    if (video && !src->include_video)
        return false;
    return !src->has_min_popularity || popularity >= src->min_popularity;
}

/* Whether an export entry is one of the stored movies marked deleted
 * (source.deleted): fetched whatever the filters, but adult ones only
 * with --include-adult, as a database without it holds none. */
static bool named_again(const struct source *src, const struct export_entry *e) {
    return src->deleted && (!e->adult || src->include_adult) && idset_contains(src->deleted, e->id);
}

/* Sleep up to `ms`, cut short by a stop. Returns -1 when stopped. */
static int sleep_unless_stopped(long ms) {
    struct pollfd fd = {.fd = stop_fd(), .events = POLLIN};
    if (poll(&fd, 1, (int)ms) != 0 || stop_requested())
        return -1;
    return 0;
}

/* The longest wait between download attempts, whatever Retry-After says. */
#define MAX_DOWNLOAD_WAIT_MS (5L * 60 * 1000)

/* Where the export's copy goes: $TMPDIR, else /tmp. */
static const char *export_temp_dir(void) {
    const char *dir = getenv("TMPDIR");
    return dir && *dir ? dir : "/tmp";
}

/* An unlinked temporary file for a copy of the export, in
 * export_temp_dir(): its space is freed however the process ends. -1 when
 * it cannot be had (logged). */
static int export_temp_file(void) {
    char path[4096];
    snprintf(path, sizeof path, "%s/tmdb-ingest-export.XXXXXX", export_temp_dir());
    int fd = mkstemp(path);
    if (fd < 0) {
        log_error("could not create a temporary file for the export in %s: %s", export_temp_dir(),
                  strerror(errno));
        return -1;
    }
    unlink(path);
    return fd;
}

/* Why an export download failed, for the log. */
static void describe_download_failure(const struct http_result *r, char *what, size_t size) {
    if (r->write_errno) /* a full disk here, not the server: say where */
        snprintf(what, size, "writing the download to a temporary file in %s ($TMPDIR): %s",
                 export_temp_dir(), strerror(r->write_errno));
    else if (r->error != HTTP_OK)
        snprintf(what, size, "%s", r->message);
    else if (r->status == 403 || r->status == 404)
        snprintf(what, size,
                 "HTTP %ld: no such file (TMDB keeps about three months "
                 "of exports, and publishes the day's around 08:00 UTC)",
                 r->status);
    else if (r->status >= 300 && r->status < 400 && r->message[0])
        snprintf(what, size, "HTTP %ld: redirected to %s, which is not followed", r->status,
                 r->message);
    else
        snprintf(what, size, "HTTP %ld", r->status);
}

enum download {
    DL_OK,
    DL_MISSING, /* 403/404: no such file (TMDB's S3 answers 403) */
    DL_FAILED,  /* logged, or stopped by a signal */
};

/* Download `url` into fd from offset `at` on (dropping what is after it
 * first), retrying transient failures as API requests are, then check the
 * whole file's gzip (a connection lost without a word: download again).
 * A missing file is logged unless `missing_is_quiet`. */
static enum download download_into(int fd, off_t at, const char *url, bool missing_is_quiet,
                                   struct fetcher *f, struct stats *stats) {
    int max_attempts = f->config->max_retries + 1;
    f->spent = false;
    char safe_url[2048]; /* a password in --export-base stays out of the log */
    tmdb_redact_url(url, safe_url, sizeof safe_url);
    for (int attempt = 1;; attempt++) {
        if (ftruncate(fd, at) != 0 || lseek(fd, at, SEEK_SET) != at) {
            log_error("temporary export file: %s", strerror(errno));
            return DL_FAILED;
        }
        struct http_result r;
        log_info("downloading %s", safe_url);
        http_download(f->http, url, fd, &r);
        stats_add(&stats->http_requests, 1);
        char what[320];
        bool cut = false;
        if (r.error == HTTP_OK && r.status == 200) {
            log_info("downloaded: %zu bytes", r.len);
            int check = export_check_whole(fd, at, what, sizeof what);
            if (check == 0)
                return DL_OK;
            if (check == -3)
                return DL_FAILED; /* a stop */
            if (check == -2) {
                log_error("temporary export file: %s", what);
                return DL_FAILED;
            }
            if (check == -4) { /* a gzip bomb: downloading it again would only burn a core */
                log_error("export %s: %s", safe_url, what);
                return DL_FAILED;
            }
            cut = true; /* `what` holds the check's reason */
        } else {
            describe_download_failure(&r, what, sizeof what);
        }
        bool missing = r.error == HTTP_OK && (r.status == 403 || r.status == 404);
        if (missing && missing_is_quiet)
            return DL_MISSING;
        bool transient = cut || r.error == HTTP_ERR_TIMEOUT || r.error == HTTP_ERR_NETWORK ||
                         r.error == HTTP_ERR_CONNECT || r.status == 429 || r.status >= 500;
        if (r.error == HTTP_ERR_ABORTED || !transient || attempt >= max_attempts) {
            f->spent = transient && r.error != HTTP_ERR_ABORTED; /* an outage: SOURCE_UNAVAILABLE */
            if (r.error != HTTP_ERR_ABORTED)
                log_error("export %s: %s", safe_url, what);
            return missing ? DL_MISSING : DL_FAILED;
        }
        long wait_ms = r.retry_after_ms >= 0 ? r.retry_after_ms : retry_backoff_ms(attempt, &f->rng);
        if (wait_ms > MAX_DOWNLOAD_WAIT_MS)
            wait_ms = MAX_DOWNLOAD_WAIT_MS;
        log_warn("export download failed (%s); retrying in %.1fs", what, (double)wait_ms / 1000);
        stats_add(&stats->retries, 1);
        if (sleep_unless_stopped(wait_ms) != 0)
            return DL_FAILED;
    }
}

/* The export of `url` into fd from offset 0 and, with --include-adult, the
 * same day's adult export after it, as a second gzip member of the same
 * file (TMDB lists adult movies only there since July 2023). */
static enum download download_day(const struct source *src, int fd, const char *url,
                                  bool missing_is_quiet, struct fetcher *f, struct stats *stats) {
    enum download d = download_into(fd, 0, url, missing_is_quiet, f, stats);
    if (d != DL_OK || !src->include_adult)
        return d;
    /* A gzip member holding one "\n" between the two: the main export's
     * last line must not run into the adult export's first (empty lines
     * are skipped). */
    static const unsigned char newline_gz[] = {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00,
                                               0x00, 0x02, 0x03, 0xe3, 0x02, 0x00, 0x93,
                                               0x06, 0xd7, 0x32, 0x01, 0x00, 0x00, 0x00};
    char adult[2048];
    off_t size = lseek(fd, 0, SEEK_END);
    if (size < 0 || export_adult_url(url, adult, sizeof adult) != 0 ||
        pwrite(fd, newline_gz, sizeof newline_gz, size) != (ssize_t)sizeof newline_gz) {
        char safe_url[2048];
        tmdb_redact_url(url, safe_url, sizeof safe_url);
        log_error("export %s: could not add the adult export to it", safe_url);
        return DL_FAILED;
    }
    d = download_into(fd, size + (off_t)sizeof newline_gz, adult, missing_is_quiet, f, stats);
    if (d == DL_OK && src->adult_listed)
        *src->adult_listed = true;
    return d;
}

/* Download the export into an unlinked temporary file and return its
 * descriptor at offset 0, or -1 (logged): the newest, or the day before's
 * while the newest is not all there (src->export_fallback_url). */
static int download_export(const struct source *src, struct fetcher *f, struct stats *stats) {
    int fd = export_temp_file();
    if (fd < 0)
        return -1;
    bool fallback = src->export_fallback_url != NULL;
    enum download d = download_day(src, fd, src->export_url, fallback, f, stats);
    if (d == DL_MISSING && fallback) {
        char day[CLOCK_DATE_SIZE];
        clock_format_date(src->export_day ? *src->export_day : 0, day);
        log_warn("the export of %s is not %s yet: taking the day before's", day,
                 src->include_adult ? "all there (with the adult one)" : "there");
        if (src->export_day)
            --*src->export_day;
        d = download_day(src, fd, src->export_fallback_url, false, f, stats);
    }
    if (d == DL_OK && lseek(fd, 0, SEEK_SET) == 0)
        return fd;
    close(fd);
    return -1;
}

/* Bad lines are reported (the first few) and counted; the load goes on. */
#define EXPORT_BAD_LINES_SHOWN 5

/* Copy all of `fd` (a pipe, a FIFO) into `out`, reading only when poll()
 * says there is something, so that a stop is seen at once. 0, -1 (logged)
 * or -2 (a stop). */
static int copy_watching_stop(int fd, int out, const char *path) {
    static char buf[1 << 16]; /* the producer's thread only */
    for (;;) {
        if (wait_readable(fd) != 0)
            return -2;
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0) {
            log_error("%s: %s", path, strerror(errno));
            return -1;
        }
        if (n == 0)
            return 0;
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(out, buf + done, (size_t)(n - done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                log_error("copying %s: %s", path, strerror(errno));
                return -1;
            }
            done += w;
        }
    }
}

/* Open --file at offset 0: a regular file as it is; anything else (a
 * FIFO, a pipe given as /dev/stdin) is copied into a temporary file first,
 * watching for a stop: a blocking open or read of a pipe waits for its
 * writer, and a signal would wait with it. -1 (logged) or -2 (a stop). */
static int open_export_file(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO without writer too */
    if (fd < 0) {
        log_error("%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        int flags = fcntl(fd, F_GETFL);
        if (flags != -1)
            fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
        return fd;
    }
    int copy = export_temp_file();
    int rc = copy < 0 ? -1 : copy_watching_stop(fd, copy, path);
    close(fd);
    if (rc == 0 && lseek(copy, 0, SEEK_SET) != 0) {
        log_error("temporary export file: %s", strerror(errno));
        rc = -1;
    }
    if (rc != 0 && copy >= 0)
        close(copy);
    return rc == 0 ? copy : rc;
}

/* idset_each()'s push_id(): non-zero once the queue is aborted. */
static int push_each(int64_t id, void *ctx) {
    return push_id(ctx, id);
}

/*
 * The export's ids, fetched in ascending order once the whole file is read
 * (about half a second a million lines), not in the file's: a movie's rows
 * then land beside the previous movie's in the table and the link tables,
 * so a batch writes and rereads far fewer pages (docs/benchmarks.md: the
 * writer's CPU halves, and what it writes, on a first load of 100,000
 * movies). The set of ids to fetch is a bitmap (idset.h): memory stays
 * flat. A file that cannot be read to its end fetches nothing.
 */
static enum source_status produce_export(const struct source *src, struct fetcher *f,
                                         struct producer *p) {
    int fd;
    if (src->export_path) {
        fd = open_export_file(src->export_path);
        if (fd == -2)
            return SOURCE_STOPPED;
        if (fd < 0)
            return SOURCE_FATAL;
    } else if ((fd = download_export(src, f, p->stats)) < 0) {
        if (stop_reason() == STOP_SIGNAL)
            return SOURCE_STOPPED;
        return f->spent ? SOURCE_UNAVAILABLE : SOURCE_FATAL;
    }
    const char *name = src->export_path ? src->export_path : "the export";
    struct export_reader *r = export_reader_open(fd);
    if (!r) {
        log_error("out of memory");
        return SOURCE_FATAL;
    }
    struct idset *fetch = idset_new();
    enum source_status st = fetch ? SOURCE_OK : SOURCE_FATAL;
    if (!fetch && stop_request(STOP_FATAL))
        log_error("out of memory remembering movie ids");
    long bad = 0, entries = 0, adult_entries = 0;
    while (st == SOURCE_OK) {
        struct export_entry e;
        char reason[160];
        enum export_next n = export_reader_next(r, &e, reason, sizeof reason);
        if (n == EXPORT_END)
            break;
        if (n == EXPORT_STOPPED) {
            st = SOURCE_STOPPED;
            break;
        }
        if (n == EXPORT_ERROR) {
            log_error("%s, after line %ld: %s", name, export_reader_line(r), reason);
            st = SOURCE_ERROR;
            break;
        }
        if (n == EXPORT_BAD_LINE) {
            stats_add(&p->stats->failed, 1);
            stats_add(&p->stats->bad_input, 1);
            if (++bad <= EXPORT_BAD_LINES_SHOWN)
                log_warn("%s, line %ld: %s; skipped", name, export_reader_line(r), reason);
            continue;
        }
        entries++;
        adult_entries += e.adult;
        /* a --file holding TMDB's adult list too (the two files concatenated) */
        if (e.adult && src->export_path && src->include_adult && src->adult_listed)
            *src->adult_listed = true;
        bool keep = wanted(src, e.adult, e.video, e.popularity) || named_again(src, &e);
        int added = keep ? idset_add(fetch, e.id) : 0;
        if (added < 0 || (p->src->named && idset_add(p->src->named, e.id) < 0)) {
            if (stop_request(STOP_FATAL))
                log_error("out of memory remembering movie ids");
            st = SOURCE_FATAL;
        } else if (added && source_in_shard(src, e.id)) {
            stats_add(&p->stats->expected, 1); /* the progress line's total: this shard's ids */
        }
    }
    if (bad > 0)
        log_warn("%s: %ld line(s) were not movie entries and were skipped", name, bad);
    if (st == SOURCE_OK && entries == 0) {
        /* An empty export would make every stored movie look deleted. */
        log_error("%s holds no movie entries", name);
        st = SOURCE_ERROR;
    } else if (st == SOURCE_OK && adult_entries == 0 && src->adult_listed && *src->adult_listed) {
        /* Downloaded whole but empty: taken as no adult list, as a --file
         * without adult entries is, or every stored adult movie would look
         * deleted (fewer than --max-deletions allows, often). */
        *src->adult_listed = false;
        log_warn("the adult export holds no movie entries: stored adult movies are not marked "
                 "deleted this time");
    }
    export_reader_close(r);
    if (st == SOURCE_OK && idset_each(fetch, push_each, p) != 0)
        st = SOURCE_STOPPED;
    idset_free(fetch);
    return st;
}

/* How messages name the pages of the changes of [first, last]:
 * "changes 2026-11-20..2026-11-25". */
static void name_window(long first, long last, char *buf, size_t size) {
    char from[CLOCK_DATE_SIZE], to[CLOCK_DATE_SIZE];
    clock_format_date(first, from);
    clock_format_date(last, to);
    snprintf(buf, size, "changes %s..%s", from, to);
}

/* Fetch one page of /movie/changes for [first, last] into *page, and into
 * *copy the time of the copy it came from when TMDB's CDN made that copy
 * before the window ended (0 when it lists the whole window). */
static enum source_status changes_page(struct fetcher *f, long first, long last, int n,
                                       struct tmdb_list_page *page, long long *copy) {
    const struct fetch_config *cfg = f->config;
    char from[CLOCK_DATE_SIZE], to[CLOCK_DATE_SIZE], reason[FETCH_REASON_SIZE];
    clock_format_date(first, from);
    clock_format_date(last, to);
    if (tmdb_url_changes(f->url, sizeof f->url, cfg->api_base, from, to, n, cfg->api_key) < 0) {
        log_error("changes %s..%s page %d: URL too long", from, to, n);
        return SOURCE_ERROR;
    }
    struct http_result r;
    int attempts;
    enum retry_action a = fetch_page(f, f->url, n, page, &r, &attempts, reason, sizeof reason);
    if (a == RETRY_FATAL)
        return stop_reason() == STOP_SIGNAL ? SOURCE_STOPPED : fail_fatal(f, "changes", n, reason);
    if (a != RETRY_DONE) {
        char where[64];
        name_window(first, last, where, sizeof where);
        return fail_page(f, &r, where, n, reason, attempts);
    }
    /* A copy TMDB's CDN made before the window ended (on its last day or
     * earlier) lists none of the changes made after it: sync_finish() marks
     * days complete only up to the oldest such copy's day. A copy made
     * after its window is whole, however old. Only this thread writes the
     * counter. */
    long long made = http_copy_time(f->http);
    *copy = made > 0 && clock_day_of(made) <= last ? made : 0;
    stats_keep_earliest(&f->stats->changes_copy, *copy);
    return SOURCE_OK;
}

/* Every id of page `n` of the changes of [first, last], adult ones only
 * when asked for; results without a usable id skipped. /movie/changes
 * says the day of no change: any may have been made up to the window's
 * end, so each needs a copy made after it (TMDB's CDN serves copies hours
 * old). */
static int push_changes_page(const struct source *src, struct producer *p, long first, long last,
                             int n, const struct tmdb_list_page *page) {
    if (page->n_bad > 0) {
        char where[64];
        name_window(first, last, where, sizeof where);
        skip_bad_results(p, where, n, page, !src->include_adult);
    }
    long long needed_s = (long long)(last + 1) * 86400;
    for (size_t i = 0; i < page->n_ids; i++) {
        if (page->adult[i] && !src->include_adult) {
            /* another shard's is not left out by the missing --include-adult */
            if (src->adult_left_out && source_in_shard(src, page->ids[i]) &&
                idset_add(src->adult_left_out, page->ids[i]) < 0) {
                if (stop_request(STOP_FATAL))
                    log_error("out of memory remembering movie ids");
                return -1;
            }
        } else if (push_item(p, page->ids[i], needed_s) != 0) {
            return -1;
        }
    }
    return 0;
}

/* The movies earlier runs stored from copies older than their change, or
 * failed to fetch: fetched again after the windows (an id a window named
 * is pushed with that window's need; the writer keeps the later of the two). */
static int push_stale(const struct source *src, struct producer *p) {
    for (size_t i = 0; i < src->n_stale_ids; i++)
        if (push_id(p, src->stale_ids[i]) != 0)
            return -1;
    return 0;
}

/* The windows still to read: at most one per 14 days of the range
 * (SOURCE_CHANGES_MAX_DAYS: 32) plus the halves of split windows (each
 * split adds one; a window halves at most log2(14) times). */
#define CHANGES_MAX_WINDOWS 64

/* Why each needs the right day (check_clock()). */
#define CLOCK_WHY_CHANGES                                                                          \
    "changes reads by UTC day and marks the days it read complete, so a clock this far off "       \
    "would skip days or mark ones not over"
#define CLOCK_WHY_EXPORT                                                                           \
    "export picks the newest file by UTC day, so a clock this far off would read another "         \
    "day's file (or ask for one not published yet) and stamp what it fetches with a wrong time"

/*
 * changes reads by UTC day, through yesterday by this machine's clock, and
 * then marks those days complete: a clock days ahead would mark days that
 * have not ended, and their changes would never be read (the next run,
 * with the clock right, refuses a cursor after today, but the days between
 * are lost to it). export without --file or --date picks the newest file
 * by the same clock: days behind, it would read an old one, fetch again
 * what it names and stamp it all with the wrong time. TMDB's answer (the
 * first changes page, or /configuration) gives TMDB's clock: its Date
 * header, plus its Age when a cache kept it (http_server_time()).
 */
static enum source_status check_clock(struct fetcher *f, const char *why) {
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

/*
 * /movie/changes serves at most 500 pages (50,000 ids) of a window: a
 * window with more is split in halves and read again, down to single
 * days; a single day with more cannot be read whole (an error, so the
 * cursor stays where it was and export is the way forward). Windows are
 * read latest first: an id is pushed once a run, with the need of the
 * first window naming it, which must be the latest (push_changes_page()).
 * Then the movies left waiting by earlier runs, also with no window.
 */
static enum source_status produce_changes(const struct source *src, struct fetcher *f,
                                          struct producer *p) {
    struct tmdb_list_page page;
    long stack[CHANGES_MAX_WINDOWS][2];
    int top = 0;
    bool clock_checked = false;
    /* pushed first window first, so the latest is read first */
    long first_day = src->changes_first_day, last_day = src->changes_last_day;
    long n_windows = last_day >= first_day
                         ? (last_day - first_day) / SOURCE_CHANGES_WINDOW_DAYS + 1
                         : 0;
    if (n_windows > CHANGES_MAX_WINDOWS / 2) { /* sync_plan() refused it already */
        log_error("changes: %ld days is too long a range; run export instead",
                  last_day - first_day + 1);
        return SOURCE_ERROR;
    }
    for (long w = 0; w < n_windows; w++) {
        long start = first_day + w * SOURCE_CHANGES_WINDOW_DAYS;
        long end = start + SOURCE_CHANGES_WINDOW_DAYS - 1; /* 13 days apart: within the cap */
        stack[top][0] = start;
        stack[top++][1] = end > last_day ? last_day : end;
    }
    while (top > 0) {
        top--;
        long first = stack[top][0], last = stack[top][1];
        long long copy, first_copy;
        enum source_status st = changes_page(f, first, last, 1, &page, &first_copy);
        if (st == SOURCE_OK && !clock_checked) {
            st = check_clock(f, CLOCK_WHY_CHANGES);
            clock_checked = true;
        }
        if (st != SOURCE_OK)
            return st;
        if (page.total_pages > TMDB_MAX_PAGE) {
            if (first == last) {
                char day[CLOCK_DATE_SIZE];
                clock_format_date(first, day);
                log_error("changes on %s: %" PRId64 " ids, more than TMDB serves for one day "
                          "(%d pages); run export to bring the catalogue up to date",
                          day, page.total_results, TMDB_MAX_PAGE);
                return SOURCE_ERROR;
            }
            long mid = first + (last - first) / 2;
            log_info("changes: %" PRId64 " ids in one window, more than %d pages; reading it "
                     "in halves",
                     page.total_results, TMDB_MAX_PAGE);
            stack[top][0] = first;
            stack[top++][1] = mid;
            stack[top][0] = mid + 1;
            stack[top++][1] = last;
            continue;
        }
        stats_add(&p->stats->expected, page.total_results);
        if (push_changes_page(src, p, first, last, 1, &page) != 0)
            return SOURCE_STOPPED;
        int last_page = page.total_pages;
        bool mixed = false;
        for (int n = 2; n <= last_page; n++) {
            if ((st = changes_page(f, first, last, n, &page, &copy)) != SOURCE_OK)
                return st;
            if (copy != first_copy && !mixed) {
                /* One of them lists the window as it stood before it ended,
                 * the other as it stood at another time: results moved
                 * between pages as the list grew, and a change made long
                 * before either copy may be on neither page. */
                char where[64];
                name_window(first, last, where, sizeof where);
                log_info("%s: page 1 and page %d came from copies TMDB's cache made at different "
                         "times, one before the window ended",
                         where, n);
                stats_keep_earliest(&p->stats->changes_mixed, first);
                mixed = true;
            }
            if (page.total_pages < last_page)
                last_page = page.total_pages;
            if (push_changes_page(src, p, first, last, n, &page) != 0)
                return SOURCE_STOPPED;
        }
    }
    /* not added to `expected`: a window may have named them already */
    return push_stale(src, p) != 0 ? SOURCE_STOPPED : SOURCE_OK;
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
                                (st = check_clock(f, CLOCK_WHY_EXPORT)) != SOURCE_OK))) {
        /* logged */
    } else if (src->kind == SOURCE_LIST) {
        st = produce_list(src, f, &p);
    } else if (src->kind == SOURCE_IDS) {
        st = produce_ids(src, &p);
    } else if (src->kind == SOURCE_EXPORT) {
        st = produce_export(src, f, &p);
    } else if (src->kind == SOURCE_CHANGES) {
        st = produce_changes(src, f, &p);
    } else {
        st = produce_stdin(src, &p);
    }
    count_bad_results(&p);
    idset_free(p.seen);
    queue_close(work);
    return st;
}
