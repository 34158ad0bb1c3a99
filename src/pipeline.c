/* pipeline.c - see pipeline.h. */
#include "pipeline.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "movie.h"
#include "queue.h"
#include "ratelimit.h"
#include "rlimits.h"
#include "stats.h"
#include "stop.h"
#include "writer.h"

#define PROGRESS_INTERVAL_MS 250
/* The result queue holds what workers parsed while the writer commits or
 * sleeps: the writer wakes once per half of it (writer.h), so it holds at
 * least RESULT_QUEUE_MIN (5 workers at 20 ms latency: a wake-up per 32
 * movies, not per 10, took a fifth off the writer's CPU). What it holds is
 * bounded in bytes too (queue_set_weights(), movie_bytes()): the writer
 * also wakes once RESULT_GATHER_BYTES are queued, and workers wait while
 * RESULT_QUEUE_BYTES are, so that large movies (up to --max-body each) do
 * not pile up by the slot. */
#define RESULT_QUEUE_PER_WORKER 4
#define RESULT_QUEUE_MIN 64
#define RESULT_GATHER_BYTES (2u << 20)
#define RESULT_QUEUE_BYTES (8u << 20)

/* Shared by every thread of the run: pipeline_run() fills it before the
 * first thread starts, and no field changes while they run but the two
 * statuses at its end. What the fields point to has its own rule: cfg is
 * read-only, stats are atomics (stats.h), and the queues, the limiter and
 * the curl share are thread-safe, each with its own locks. */
struct pipeline {
    const struct pipeline_config *cfg;
    struct store *store; /* touched only by the writer thread */
    struct stats *stats;
    struct queue *work;    /* producer -> workers: struct work_item */
    struct queue *results; /* workers -> writer: struct fetch_result */
    struct http_shared *http_shared;
    struct ratelimit *ratelimit;
    int done_pipe[2]; /* the writer writes one byte when it has finished */
    /* each written by its own thread before it exits, read after the join */
    enum source_status source_status;
    enum writer_status writer_status;
};

struct worker {
    struct pipeline *p;
    pthread_t thread;
    unsigned index;
};

static uint64_t seed_for(unsigned index) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ((uint64_t)ts.tv_nsec << 16) ^ ((uint64_t)index * 0x9E3779B97F4A7C15ull) ^ 1u;
}

/* Set up a fetcher with this thread's own curl handle. NULL-safe cleanup
 * through http_client_free(f->http). Returns 0 or -1 (logged). */
static int fetcher_open(struct pipeline *p, struct fetcher *f, unsigned index) {
    f->http = http_client_new(p->http_shared, &p->cfg->http);
    f->ratelimit = p->ratelimit;
    f->stats = p->stats;
    f->config = &p->cfg->fetch;
    f->rng = seed_for(index);
    f->answers = 0;
    f->answer_s = 0;
    f->spent = false;
    if (!f->http) {
        if (stop_request(STOP_FATAL)) {
            char why[256];
            rlimits_describe_oom(why, sizeof why);
            log_error("could not create an HTTP handle: %s", why);
        }
        return -1;
    }
    return 0;
}

static void *producer_main(void *arg) {
    struct pipeline *p = arg;
    struct fetcher f;
    if (fetcher_open(p, &f, 0) != 0) {
        p->source_status = SOURCE_FATAL;
        queue_close(p->work);
    } else {
        p->source_status = source_run(&p->cfg->source, &f, p->work, p->stats);
    }
    http_client_free(f.http);
    log_debug("producer: %.3f s of CPU", clock_thread_cpu_s());
    return NULL;
}

static void *worker_main(void *arg) {
    struct worker *w = arg;
    struct pipeline *p = w->p;
    struct fetcher f;
    if (fetcher_open(p, &f, w->index) == 0) {
        struct work_item item;
        while (queue_pop(p->work, &item) == QUEUE_OK) {
            if (p->cfg->dry_run)
                continue; /* counted by the producer as requested */
            struct fetch_result r;
            if (fetch_movie(&f, &item, &r) == RETRY_FATAL) {
                /* the host unreachable through every retry, or no going on */
                if (stop_request(fetch_stop_reason(&f)))
                    log_error("movie %" PRId64 ": %s", item.movie_id, r.reason);
                break;
            }
            /* The writer drains until every worker has closed: never aborted. */
            r.queued_ms = clock_monotonic_ms();
            if (queue_push_weighted(p->results, &r, movie_bytes(r.movie)) != QUEUE_OK)
                movie_free(r.movie);
        }
        stats_add(&p->stats->answers, f.answers);
        stats_add(&p->stats->answer_us, (long long)(f.answer_s * 1e6));
        log_debug("worker %u: %ld connection(s) opened, %.3f s of CPU", w->index,
                  http_client_connections(f.http), clock_thread_cpu_s());
    }
    http_client_free(f.http);
    queue_close(p->results);
    return NULL;
}

static void *writer_main(void *arg) {
    struct pipeline *p = arg;
    struct writer_config wc = {
        .run_id = p->cfg->run_id,
        .batch_rows = p->cfg->batch_rows,
        .batch_ms = p->cfg->batch_ms,
        .give_up_after = p->cfg->give_up_after,
        .adult_gone = p->cfg->adult_gone,
    };
    p->writer_status = writer_run(p->store, p->results, &wc, p->stats);
    log_debug("writer: %.3f s of CPU", clock_thread_cpu_s());
    /* One byte into a pipe nobody else writes: it cannot block or fail,
     * and the supervisor waits for nothing else. */
    ssize_t w = write(p->done_pipe[1], "d", 1);
    (void)w;
    return NULL;
}

/* `ids -` typed at a terminal waits for input as cat does: the progress
 * line (on a terminal only) says where the ids come from and what ends them. */
static void draw_progress(struct pipeline *p, double elapsed_s, bool ids_from_terminal) {
    struct stats *s = p->stats;
    /* the ids a resume or --max-age skips are in the source's total, so
     * they count as done, or a resumed run never reached its total */
    /* each counter read once: a commit between two reads made "done" differ
     * from the sum of the parts the line shows */
    long long skipped = stats_get(&s->skipped), stored = stats_get(&s->stored),
              missing = stats_get(&s->missing), failed = stats_get(&s->failed);
    long long done = stored + missing + failed + skipped;
    long long expected = stats_get(&s->expected);
    /* the failed count holds the tokens, lines and results that were not
     * ids, done once read: the total holds them too, or a bad token made
     * "10/2 done" while the 2 movies were still being fetched */
    long long read = stats_get(&s->requested) + stats_get(&s->bad_input) + skipped;
    long long total = expected > read ? expected : read;
    /* ETA from the pace so far; none until something is done */
    char eta[32] = "ETA --";
    if (done > 0 && total > done && elapsed_s > 1) {
        long long left_s = (long long)((double)(total - done) * elapsed_s / (double)done);
        snprintf(eta, sizeof eta, "ETA %lldh%02lldm%02llds", left_s / 3600, left_s / 60 % 60,
                 left_s % 60);
    }
    char line[320];
    snprintf(line, sizeof line,
             "%s%lld/%lld done (%lld stored, %lld missing, %lld failed, %lld skipped) | %.1f "
             "req/s | %lld retries | %s",
             ids_from_terminal ? "ids from the terminal, Ctrl-D ends them | " : "", done, total,
             stored, missing, failed, skipped,
             elapsed_s > 0 ? (double)stats_get(&s->http_requests) / elapsed_s : 0.0,
             stats_get(&s->retries), eta);
    log_progress(line);
}

/* Main thread: wait for the writer, drawing progress and turning a stop
 * request into an abort of the work queue. */
static void supervise(struct pipeline *p) {
    double t0 = clock_monotonic_s();
    bool aborted = false, writer_done = false;
    int timeout = log_progress_enabled() ? PROGRESS_INTERVAL_MS : -1;
    bool ids_from_terminal = p->cfg->source.kind == SOURCE_STDIN && isatty(p->cfg->source.fd);
    for (;;) {
        struct pollfd fds[2] = {{.fd = p->done_pipe[0], .events = POLLIN},
                                {.fd = stop_fd(), .events = POLLIN}};
        int r = poll(fds, aborted ? 1 : 2, timeout);
        if (r < 0 && errno != EINTR)
            break;
        if (fds[0].revents) {
            writer_done = true;
            break;
        }
        if (!aborted && stop_requested()) {
            queue_abort(p->work); /* producer and workers stop; the writer drains */
            aborted = true;
        }
        draw_progress(p, clock_monotonic_s() - t0, ids_from_terminal);
    }
    /* The writer is done, so every worker has gone: nothing will take from
     * the work queue again. A producer still blocked on it (the workers
     * left on a fatal error the loop above had not seen yet) must not be
     * joined forever; after a normal end it has closed the queue and no
     * thread uses it any more. (After a failed poll the threads are simply
     * joined, as they finish.) */
    if (writer_done)
        queue_abort(p->work);
    log_progress_clear();
}

static int make_pipe(int fds[2]) {
    if (pipe(fds) != 0)
        return -1;
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
}

static enum pipeline_status result_of(const struct pipeline *p) {
    /* A database failure outranks a signal that came before it: the
     * signal's exit status would say that all parsed work was committed. */
    if (p->writer_status != WRITER_OK)
        return PIPELINE_FATAL;
    switch (stop_reason()) {
    case STOP_SIGNAL:
        return PIPELINE_INTERRUPTED;
    case STOP_UNAVAILABLE:
        return PIPELINE_UNAVAILABLE;
    case STOP_FATAL:
        return PIPELINE_FATAL;
    case STOP_NONE:
        break;
    }
    if (p->source_status == SOURCE_FATAL)
        return PIPELINE_FATAL;
    if (p->source_status == SOURCE_UNAVAILABLE)
        return PIPELINE_UNAVAILABLE;
    if (p->source_status == SOURCE_ERROR)
        return PIPELINE_SOURCE_ERROR;
    return PIPELINE_OK;
}

enum pipeline_status pipeline_run(const struct pipeline_config *cfg, struct store *store,
                                  struct stats *stats) {
    unsigned n_workers = (unsigned)cfg->workers;
    struct pipeline p = {.cfg = cfg, .store = store, .stats = stats, .done_pipe = {-1, -1}};
    struct worker *workers = calloc(n_workers, sizeof *workers);
    p.work = queue_new(cfg->queue_size, sizeof(struct work_item), 1);
    size_t results_size = (size_t)n_workers * RESULT_QUEUE_PER_WORKER;
    p.results = queue_new(results_size > RESULT_QUEUE_MIN ? results_size : RESULT_QUEUE_MIN,
                          sizeof(struct fetch_result), n_workers);
    p.http_shared = http_shared_new();
    p.ratelimit = ratelimit_new(cfg->rate);
    enum pipeline_status status = PIPELINE_SETUP_ERROR;
    if (!workers || !p.work || !p.results || !p.http_shared || !p.ratelimit ||
        queue_set_weights(p.results, RESULT_GATHER_BYTES, RESULT_QUEUE_BYTES) != 0 ||
        make_pipe(p.done_pipe) != 0) {
        char why[256];
        rlimits_describe_oom(why, sizeof why);
        log_error("could not set up the pipeline: %s", why);
        goto out;
    }

    pthread_t producer, writer;
    pthread_attr_t attr;
    int err = rlimits_thread_attr(&attr);
    if (err != 0) {
        log_error("could not set up threads: %s", strerror(err));
        goto out;
    }
    err = pthread_create(&writer, &attr, writer_main, &p);
    if (err != 0) {
        pthread_attr_destroy(&attr);
        char why[256];
        rlimits_describe_thread_error(err, n_workers + 2, why, sizeof why);
        log_error("could not start the writer thread: %s", why);
        goto out;
    }
    unsigned started = 0;
    for (; started < n_workers; started++) {
        workers[started] = (struct worker){.p = &p, .index = started + 1};
        err = pthread_create(&workers[started].thread, &attr, worker_main, &workers[started]);
        if (err != 0)
            break;
    }
    bool producer_started = false;
    if (err == 0) {
        err = pthread_create(&producer, &attr, producer_main, &p);
        producer_started = err == 0;
    }
    pthread_attr_destroy(&attr);
    if (!producer_started) {
        /* Unwind: close for the threads that never ran, then join the rest. */
        if (stop_request(STOP_FATAL)) {
            char why[256];
            rlimits_describe_thread_error(err, n_workers + 2, why, sizeof why);
            log_error("could not start %u threads (%u started): %s", n_workers + 2, started + 1,
                      why);
        }
        queue_abort(p.work);
        for (unsigned i = started; i < n_workers; i++)
            queue_close(p.results);
    } else {
        double cpu_s = clock_thread_cpu_s();
        supervise(&p);
        log_debug("supervisor: %.3f s of CPU", clock_thread_cpu_s() - cpu_s);
        pthread_join(producer, NULL);
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(workers[i].thread, NULL);
    pthread_join(writer, NULL);
    status = producer_started ? result_of(&p) : PIPELINE_SETUP_ERROR;
out:
    for (int i = 0; i < 2; i++)
        if (p.done_pipe[i] >= 0)
            close(p.done_pipe[i]);
    ratelimit_free(p.ratelimit);
    http_shared_free(p.http_shared);
    queue_free(p.results);
    queue_free(p.work);
    free(workers);
    return status;
}
