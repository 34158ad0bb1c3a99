/* source_export.c - the export source: TMDB's daily id export, downloaded
 * into an unlinked temporary file (or read from --file), its ids pushed in
 * ascending order. See source.h and source_internal.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "export.h"
#include "fetch.h"
#include "http.h"
#include "idset.h"
#include "log.h"
#include "source_internal.h"
#include "stats.h"
#include "stop.h"

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
    else if (r->status >= 300 && r->status < 400 && r->message[0]) {
        /* a Location rebuilt with --export-base's user:password@ shows *** */
        char shown[sizeof r->message];
        tmdb_redact_url(r->message, shown, sizeof shown);
        snprintf(what, size, "HTTP %ld: redirected to %s, which is not followed", r->status, shown);
    } else
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
        long wait_ms =
            r.retry_after_ms >= 0 ? r.retry_after_ms : retry_backoff_ms(attempt, &f->rng);
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
        if (source_wait_readable(fd) != 0)
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
            if (w < 0) { /* a full $TMPDIR, not the input: say where */
                log_error("copying %s to a temporary file in %s ($TMPDIR): %s", path,
                          export_temp_dir(), strerror(errno));
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

/* idset_each()'s source_push_id(): non-zero once the queue is aborted. */
static int push_each(int64_t id, void *ctx) {
    return source_push_id(ctx, id);
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
enum source_status source_produce_export(const struct source *src, struct fetcher *f,
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
