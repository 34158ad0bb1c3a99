/* test_pipeline.c - a whole run's threads wired as pipeline.h says: ids
 * from the source through the workers to the writer and into the real
 * database file, each fetched once; a dry run that fetches nothing; and
 * how a run ends when it is cut short (a signal, a fatal answer, movies
 * unanswered in a row, a source failing part-way, a database error, threads
 * that cannot start): its status, and that what was fetched before is
 * stored. TMDB is a server of canned answers in a child process on
 * 127.0.0.1 (loopback.h), one request a connection; each run is in a child
 * process of its own, as the stop it may request is for good (stop.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "http.h"
#include "pipeline.h"
#include "stats.h"
#include "stop.h"
#include "store.h"
#include "loopback.h"
#include "sqlfile.h"
#include "tempdir.h"

/* read() and pthread_create() as the code under test calls them (linked
 * with -Wl,--wrap=read,--wrap=pthread_create, Makefile). A read of
 * failing_fd after its first fails with EIO, as a disk or a terminal gone
 * away does; the failing_thread-th call of pthread_create() (0: none)
 * fails with EAGAIN, as at a thread limit, and the calls after it do not.
 * Only the child process that runs the pipeline meets them. */
static int failing_fd = -1;
static int reads_of_failing_fd;
static int failing_thread;
static int n_threads_asked;

ssize_t __real_read(int fd, void *buf, size_t count);
ssize_t __wrap_read(int fd, void *buf, size_t count);
ssize_t __wrap_read(int fd, void *buf, size_t count) {
    if (fd == failing_fd && reads_of_failing_fd++ > 0) {
        errno = EIO;
        return -1;
    }
    return __real_read(fd, buf, count);
}

int __real_pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *),
                          void *arg);
int __wrap_pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *),
                          void *arg);
int __wrap_pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *),
                          void *arg) {
    if (++n_threads_asked == failing_thread)
        return EAGAIN;
    return __real_pthread_create(thread, attr, start, arg);
}

/* -- the fake TMDB ------------------------------------------------------- */

/*
 * What the server answers, by movie id:
 *   1..99     200, the movie
 *   100..199  404, TMDB's "not found": missing
 *   200..299  500: failed, unanswered (no retries here)
 *   401       401, the credential refused: the run cannot go on
 *   900..999  nothing for 20 s (a request in flight when the run stops)
 * and /configuration (the API base's check) 200. Each movie id asked is
 * appended to the file `path` ("id\n") once it is answered (before the
 * wait of 900..999).
 */
static void note_asked(const char *path, long long id) {
    char line[32];
    int n = snprintf(line, sizeof line, "%lld\n", id);
    int log = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600);
    if (log < 0 || write(log, line, (size_t)n) != n)
        _exit(1);
    close(log);
}

static void answer(int fd, const char *request, void *path) {
    const char *movie = strstr(request, "/movie/");
    if (!movie) {
        loopback_write(fd, "200 OK", "", "{\"images\":{}}");
        return;
    }
    long long id = strtoll(movie + 7, NULL, 10);
    char body[128];
    if (id < 100) {
        snprintf(body, sizeof body, "{\"id\":%lld,\"title\":\"Movie %lld\"}", id, id);
        loopback_write(fd, "200 OK", "", body);
    } else if (id < 200) {
        loopback_write(fd, "404 Not Found", "",
                       "{\"success\":false,\"status_code\":34,\"status_message\":\"The resource "
                       "you requested could not be found.\"}");
    } else if (id < 300) {
        loopback_write(fd, "500 Internal Server Error", "", "{}");
    } else if (id == 401) {
        loopback_write(fd, "401 Unauthorized", "",
                       "{\"status_code\":7,\"status_message\":\"Invalid API key: You must be "
                       "granted a valid key.\",\"success\":false}");
    } else {
        note_asked(path, id);
        sleep(20);
        return;
    }
    note_asked(path, id);
}

/* -- the run, in a child process ----------------------------------------- */

/* What a thread of the child does while the pipeline runs. */
enum during {
    DURING_NOTHING,
    /* ids 1 2 3 on the input, stored; then 900 asked (and not answered),
     * then a signal's stop */
    DURING_SIGNAL_WITH_A_REQUEST_IN_FLIGHT,
    /* id 201 on the input, answered (a 500); then a signal's stop, before
     * the writer (asleep for its batch) has seen that result */
    DURING_SIGNAL_BEFORE_THE_WRITER_SEES_A_RESULT,
    /* ids 1 2 3 on the input, stored; then the server gone (its port
     * refuses), and id 4 */
    DURING_SERVER_GONE,
};

struct fixture {
    char dir[64];
    char db[128];
    char requests[128]; /* the ids the server was asked, a line each */
    char stderr_path[128];
    struct loopback lb;
    char api_base[64];
    int64_t ids[64];
    struct pipeline_config cfg;
    enum during during;
    int input[2]; /* SOURCE_STDIN: the run reads input[0]; the child's thread writes input[1] */
    bool drop_fetch_failures; /* the table gone: the writer's database error */
};

/* What the child reports of its run. */
struct outcome {
    enum pipeline_status status;
    enum stop_reason stop;
    long long requested, stored, missing, failed, answers;
    long long ms; /* pipeline_run()'s duration */
};

struct child {
    struct fixture *f;
    struct stats *stats;
};

static int setup(void **state) {
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    strcpy(f->dir, "/tmp/test_pipeline.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->db, sizeof f->db, "%s/t.sqlite3", f->dir);
    snprintf(f->requests, sizeof f->requests, "%s/requests", f->dir);
    snprintf(f->stderr_path, sizeof f->stderr_path, "%s/stderr", f->dir);
    loopback_listen(&f->lb);
    snprintf(f->api_base, sizeof f->api_base, "http://127.0.0.1:%d/3", f->lb.port);
    loopback_serve(&f->lb, answer, f->requests);
    f->input[0] = f->input[1] = -1;
    f->cfg = (struct pipeline_config){
        .source = {.kind = SOURCE_IDS, .ids = f->ids},
        .fetch = {.api_base = f->api_base, .language = "en-US", .api_key = "k"},
        .http = {.timeout_s = 30, .connect_timeout_s = 5, .max_body = 1 << 20},
        .workers = 3,
        .queue_size = 4,
        .batch_rows = 1,
        .batch_ms = 50,
        .run_id = 1,
    };
    *state = f;
    return 0;
}

static int teardown(void **state) {
    struct fixture *f = *state;
    loopback_close(&f->lb);
    for (int i = 0; i < 2; i++)
        if (f->input[i] >= 0)
            close(f->input[i]);
    int rc = tempdir_remove(f->dir);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* Whether the server has been asked for movie `id` (so far). */
static bool asked(const struct fixture *f, long long id) {
    FILE *in = fopen(f->requests, "r");
    bool found = false;
    long long v;
    while (in && !found && fscanf(in, "%lld", &v) == 1)
        found = v == id;
    if (in)
        fclose(in);
    return found;
}

static void nap_ms(long ms) {
    const struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* Wait (up to 30 s) until `done` holds. */
static bool wait_until(bool (*done)(struct child *), struct child *c) {
    for (int i = 0; i < 3000; i++) { /* 30 s: a sanitizer build on a loaded machine */
        if (done(c))
            return true;
        nap_ms(10);
    }
    return false;
}

static bool three_stored(struct child *c) {
    return stats_get(&c->stats->stored) >= 3;
}

static bool asked_900(struct child *c) {
    return asked(c->f, 900);
}

static bool asked_201(struct child *c) {
    return asked(c->f, 201);
}

/* Whether a connection to the server's port is refused: its listening
 * socket closed, with the server's death. */
static bool port_refuses(struct child *c) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        return false;
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)c->f->lb.port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool refused = connect(s, (struct sockaddr *)&a, sizeof a) != 0 && errno == ECONNREFUSED;
    close(s);
    return refused;
}

/* In the child: `text` on the run's input. */
static void put(int fd, const char *text) {
    if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        _exit(3);
}

/* The child's thread that acts while the pipeline runs. */
static void *during_main(void *arg) {
    struct child *c = arg;
    struct fixture *f = c->f;
    if (f->during == DURING_SIGNAL_WITH_A_REQUEST_IN_FLIGHT) {
        put(f->input[1], "1 2 3\n");
        if (!wait_until(three_stored, c))
            _exit(4);
        put(f->input[1], "900\n");
        if (!wait_until(asked_900, c))
            _exit(4);
        stop_request(STOP_SIGNAL);
    } else if (f->during == DURING_SIGNAL_BEFORE_THE_WRITER_SEES_A_RESULT) {
        put(f->input[1], "201\n");
        if (!wait_until(asked_201, c))
            _exit(4);
        nap_ms(1000); /* its answer, sent, is read: the worker's result is queued (a
                       * second: a TSan build on a loaded machine is slow to) */
        stop_request(STOP_SIGNAL);
    } else if (f->during == DURING_SERVER_GONE) {
        put(f->input[1], "1 2 3\n");
        /* id 4 once the port refuses: sent to a server killed but not yet
         * gone (a loaded machine), it was a failure of its own, unanswered,
         * and the run waited on its input until its alarm */
        if (!wait_until(three_stored, c) || kill(f->lb.server, SIGKILL) != 0 ||
            !wait_until(port_refuses, c))
            _exit(4);
        put(f->input[1], "4\n");
    }
    return NULL;
}

/* In the child: the store, the stop's pipe, the run, its outcome written
 * to `out`. Exits (never returns); exit() rather than _exit(), so that
 * the sanitizers' checks at exit run. */
static void run_child(struct fixture *f, int out) {
    if (!freopen(f->stderr_path, "w", stderr) || stop_init() != 0)
        _exit(2);
    alarm(60); /* a run that hangs fails the test, not the whole suite */
    struct store *store;
    char err[256];
    int64_t run_id = 0;
    if (store_open(f->db, "en-US", &store, err, sizeof err) != STORE_OK ||
        store_run_begin(store, "tmdb-ingest ids", "ids", "2026-11-27T00:00:00Z", &run_id) !=
            STORE_OK)
        _exit(2);
    if (f->drop_fetch_failures) {
        sqlite3 *db;
        if (sqlite3_open(f->db, &db) != SQLITE_OK ||
            sqlite3_exec(db, "DROP TABLE fetch_failures", NULL, NULL, NULL) != SQLITE_OK)
            _exit(2);
        sqlite3_close(db);
    }
    f->cfg.run_id = run_id;
    static struct stats stats;
    stats_init(&stats);
    struct child c = {.f = f, .stats = &stats};
    pthread_t during;
    bool acting = f->during != DURING_NOTHING;
    if (acting && __real_pthread_create(&during, NULL, during_main, &c) != 0)
        _exit(2);
    long long start = clock_monotonic_ms();
    struct outcome o = {.status = pipeline_run(&f->cfg, store, &stats)};
    o.ms = clock_monotonic_ms() - start;
    if (acting)
        pthread_join(during, NULL);
    o.stop = stop_reason();
    o.requested = stats_get(&stats.requested);
    o.stored = stats_get(&stats.stored);
    o.missing = stats_get(&stats.missing);
    o.failed = stats_get(&stats.failed);
    o.answers = stats_get(&stats.answers);
    store_close(store);
    stop_cleanup();
    if (write(out, &o, sizeof o) != (ssize_t)sizeof o)
        _exit(2);
    exit(0);
}

/* Run the pipeline with f->cfg in a child process; its outcome. */
static struct outcome run(struct fixture *f) {
    int report[2];
    assert_int_equal(pipe(report), 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(report[0]);
        run_child(f, report[1]);
    }
    close(report[1]);
    struct outcome o;
    ssize_t n = read(report[0], &o, sizeof o);
    close(report[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        fail_msg("the run was killed by signal %d (%s)", WTERMSIG(status),
                 WTERMSIG(status) == SIGALRM ? "it hung" : "it crashed");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || n != (ssize_t)sizeof o)
        fail_msg("the run's process exited %d", WEXITSTATUS(status));
    return o;
}

/* How many times the server was asked for each movie id, the most asked. */
static int most_asks(const struct fixture *f, int *n_distinct) {
    int counts[1000] = {0};
    FILE *in = fopen(f->requests, "r");
    long long v;
    int most = 0;
    *n_distinct = 0;
    while (in && fscanf(in, "%lld", &v) == 1) {
        assert_true(v >= 0 && v < 1000);
        if (counts[v]++ == 0)
            ++*n_distinct;
        if (counts[v] > most)
            most = counts[v];
    }
    if (in)
        fclose(in);
    return most;
}

/* What the run wrote to stderr. */
static const char *said(const struct fixture *f) {
    static char text[4096];
    FILE *in = fopen(f->stderr_path, "r");
    size_t n = in ? fread(text, 1, sizeof text - 1, in) : 0;
    text[n] = '\0';
    if (in)
        fclose(in);
    return text;
}

static void use_input(struct fixture *f) {
    assert_int_equal(pipe(f->input), 0);
    f->cfg.source = (struct source){.kind = SOURCE_STDIN, .fd = f->input[0]};
}

/* -- the tests ----------------------------------------------------------- */

/* More ids than the work queue holds, a repeat among them, through three
 * workers: each id asked for once, each result written (movies stored,
 * TMDB's 404s and the failures noted), the counters agreeing, and the run
 * ends OK once the source is exhausted. */
static void test_every_id_fetched_once_and_its_result_written(void **state) {
    struct fixture *f = *state;
    size_t n = 0;
    for (int64_t id = 1; id <= 30; id++)
        f->ids[n++] = id;
    f->ids[n++] = 5; /* a repeat */
    f->ids[n++] = 101;
    f->ids[n++] = 102;
    f->ids[n++] = 201;
    f->cfg.source.n_ids = n;
    struct outcome o = run(f);
    assert_int_equal(o.status, PIPELINE_OK);
    assert_int_equal(o.stop, STOP_NONE);
    assert_int_equal(sqlfile_int(f->db, "SELECT count(*) FROM movies"), 30);
    assert_int_equal(sqlfile_int(f->db, "SELECT count(*) FROM movies WHERE title = 'Movie ' || id"),
                     30);
    assert_int_equal(sqlfile_int(f->db,
                                 "SELECT count(*) FROM fetch_failures WHERE kind = 'missing' AND "
                                 "movie_id IN (101, 102)"),
                     2);
    assert_int_equal(sqlfile_int(f->db,
                                 "SELECT count(*) FROM fetch_failures WHERE kind = 'failed' AND "
                                 "movie_id = 201"),
                     1);
    int distinct;
    assert_int_equal(most_asks(f, &distinct), 1);
    assert_int_equal(distinct, 33);
    assert_int_equal(o.requested, 33);
    assert_int_equal(o.stored, 30);
    assert_int_equal(o.missing, 2);
    assert_int_equal(o.failed, 1);
    assert_int_equal(o.answers, 33); /* each worker's, added as it ends */
}

/* With one worker and a queue of one, the same: nothing is lost at the
 * queue's ends. */
static void test_one_worker_and_a_queue_of_one(void **state) {
    struct fixture *f = *state;
    for (int64_t id = 1; id <= 10; id++)
        f->ids[f->cfg.source.n_ids++] = id;
    f->cfg.workers = 1;
    f->cfg.queue_size = 1;
    struct outcome o = run(f);
    assert_int_equal(o.status, PIPELINE_OK);
    assert_int_equal(sqlfile_int(f->db, "SELECT count(*) FROM movies"), 10);
    assert_int_equal(o.answers, 10);
}

/* A dry run: the workers take the ids off the queue and drop them; no
 * movie is asked for, no result reaches the writer, the run is OK. */
static void test_a_dry_run_fetches_and_writes_nothing(void **state) {
    struct fixture *f = *state;
    for (int64_t id = 1; id <= 10; id++)
        f->ids[f->cfg.source.n_ids++] = id;
    f->ids[f->cfg.source.n_ids++] = 201;
    f->cfg.dry_run = true;
    struct outcome o = run(f);
    assert_int_equal(o.status, PIPELINE_OK);
    assert_int_equal(o.requested, 11);
    int distinct;
    assert_int_equal(most_asks(f, &distinct), 0);
    assert_int_equal(sqlfile_int(f->db, "SELECT count(*) FROM movies"), 0);
    assert_int_equal(sqlfile_int(f->db, "SELECT count(*) FROM fetch_failures"), 0);
    assert_int_equal(o.stored + o.failed + o.answers, 0);
}

/* A signal while the input is still open and a request is in flight: the
 * run ends promptly as interrupted (not after the request's 20 s), with
 * what was fetched before stored, and the request cut short noted nowhere
 * (it was not TMDB's failure). */
static void test_a_signal_stops_the_run_and_keeps_what_was_fetched(void **state) {
    struct fixture *f = *state;
    use_input(f);
    f->during = DURING_SIGNAL_WITH_A_REQUEST_IN_FLIGHT;
    struct outcome o = run(f);
    assert_int_equal(o.status, PIPELINE_INTERRUPTED);
    assert_int_equal(o.stop, STOP_SIGNAL);
    if (o.ms > 5000)
        fail_msg("the run took %lld ms to stop", o.ms);
    assert_int_equal(sqlfile_int(f->db, "SELECT count(*) FROM movies WHERE id IN (1, 2, 3)"), 3);
    assert_int_equal(sqlfile_int(f->db, "SELECT count(*) FROM fetch_failures"), 0);
    assert_int_equal(o.failed, 0);
}

/* TMDB refusing the credential (401) stops the run as fatal, said once
 * with the movie; what was fetched before it is stored, and no movie after
 * it is asked for (one worker, in order). */
static void test_a_fatal_answer_stops_the_run(void **state) {
    struct fixture *f = *state;
    const int64_t ids[] = {1, 2, 3, 401, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    memcpy(f->ids, ids, sizeof ids);
    f->cfg.source.n_ids = sizeof ids / sizeof *ids;
    f->cfg.workers = 1;
    f->cfg.queue_size = 1;
    struct outcome o = run(f);
    assert_int_equal(o.status, PIPELINE_FATAL);
    assert_int_equal(o.stop, STOP_FATAL);
    assert_int_equal(sqlfile_int(f->db, "SELECT count(*) FROM movies WHERE id IN (1, 2, 3)"), 3);
    for (long long id = 4; id <= 12; id++)
        if (asked(f, id))
            fail_msg("movie %lld asked for after the 401", id);
    const char *text = said(f);
    const char *line = strstr(text, "movie 401: ");
    if (!line || strstr(line + 1, "movie 401: "))
        fail_msg("not said once: %s", text);
}

/* Movies failing unanswered, give_up_after of them in a row: TMDB or the
 * network is down, and the run ends as unavailable (a later one resumes),
 * not as fatal nor OK. */
static void test_failures_unanswered_in_a_row_make_the_run_unavailable(void **state) {
    struct fixture *f = *state;
    for (int64_t id = 201; id <= 230; id++)
        f->ids[f->cfg.source.n_ids++] = id;
    f->cfg.workers = 1;
    f->cfg.give_up_after = 3;
    struct outcome o = run(f);
    assert_int_equal(o.status, PIPELINE_UNAVAILABLE);
    assert_int_equal(o.stop, STOP_UNAVAILABLE);
    assert_true(sqlfile_int(f->db, "SELECT count(*) FROM fetch_failures") >= 3);
}

/* An API base where nothing listens: the producer's check of it fails for
 * want of an answer, and the run is unavailable, with nothing asked. */
static void test_an_unreachable_host_makes_the_run_unavailable(void **state) {
    struct fixture *f = *state;
    f->ids[f->cfg.source.n_ids++] = 1;
    struct loopback closed;
    loopback_listen(&closed);
    snprintf(f->api_base, sizeof f->api_base, "http://127.0.0.1:%d/3", closed.port);
    loopback_close(&closed); /* the port refuses from now on */
    struct outcome o = run(f);
    assert_int_equal(o.status, PIPELINE_UNAVAILABLE);
    assert_int_equal(sqlfile_int(f->db, "SELECT count(*) FROM movies"), 0);
}

/* The server gone in the middle of a run (its port refuses): the worker
 * that cannot reach it through its retries ends the run as unavailable (a
 * later run resumes), said with the movie; what was fetched before is
 * stored. */
static void test_a_host_gone_mid_run_makes_the_run_unavailable(void **state) {
    struct fixture *f = *state;
    use_input(f);
    /* the server's copy of the listening socket is the only one left */
    close(f->lb.listener);
    f->lb.listener = -1;
    f->during = DURING_SERVER_GONE;
    struct outcome o = run(f);
    assert_int_equal(o.status, PIPELINE_UNAVAILABLE);
    assert_int_equal(o.stop, STOP_UNAVAILABLE);
    assert_int_equal(sqlfile_int(f->db, "SELECT count(*) FROM movies WHERE id IN (1, 2, 3)"), 3);
    assert_non_null(strstr(said(f), "movie 4: "));
}

/* The input failing to read after some ids (EIO): the run ends as a
 * source error, and the movies of the ids read before are stored. */
static void test_a_source_failing_part_way_keeps_what_was_fetched(void **state) {
    struct fixture *f = *state;
    use_input(f);
    assert_int_equal(write(f->input[1], "1 2 3\n", 6), 6);
    close(f->input[1]); /* readable again: the read that fails */
    f->input[1] = -1;
    failing_fd = f->input[0]; /* in the child's copy */
    struct outcome o = run(f);
    failing_fd = -1;
    assert_int_equal(o.status, PIPELINE_SOURCE_ERROR);
    assert_int_equal(o.stop, STOP_NONE);
    assert_int_equal(sqlfile_int(f->db, "SELECT count(*) FROM movies WHERE id IN (1, 2, 3)"), 3);
    assert_non_null(strstr(said(f), "reading standard input: "));
}

/* A database error while the writer drains after a signal: the run is
 * fatal, not interrupted, whose exit status would say that every result
 * fetched was committed. */
static void test_a_database_error_outranks_a_signal_before_it(void **state) {
    struct fixture *f = *state;
    use_input(f);
    f->drop_fetch_failures = true;
    f->cfg.batch_rows = 500;
    /* the writer sleeps through the signal: its first wait runs from its
     * start, not from the result's, and 5 s ran out before the answer on
     * a loaded machine (the result then written, its error first: a
     * clean-clone CI run under ASan); the run ends at the signal anyway */
    f->cfg.batch_ms = 50000;
    f->during = DURING_SIGNAL_BEFORE_THE_WRITER_SEES_A_RESULT;
    struct outcome o = run(f);
    assert_int_equal(o.stop, STOP_SIGNAL);
    assert_int_equal(o.status, PIPELINE_FATAL);
    assert_non_null(strstr(said(f), "no such table: fetch_failures"));
}

/* The writer, a worker or the producer that cannot start: no thread is
 * started after it, those started are ended and joined (none waits for
 * good on a queue), it is said, and the run is a setup error with nothing
 * stored. */
static void test_threads_that_cannot_start_are_a_setup_error(void **state) {
    struct fixture *f = *state;
    for (int64_t id = 1; id <= 10; id++)
        f->ids[f->cfg.source.n_ids++] = id;
    const struct {
        int failing; /* the writer is the 1st, the workers 2nd to 4th, the producer 5th */
        const char *said;
    } cases[] = {
        {1, "could not start the writer thread"},
        {3, "could not start 5 threads (2 started)"},
        {5, "could not start 5 threads (4 started)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        failing_thread = cases[i].failing; /* in the child's copy */
        struct outcome o = run(f);
        failing_thread = 0;
        assert_int_equal(o.status, PIPELINE_SETUP_ERROR);
        if (!strstr(said(f), cases[i].said))
            fail_msg("thread %d failing: said \"%s\"", cases[i].failing, said(f));
        assert_int_equal(o.stored, 0);
    }
}

int main(void) {
    if (http_global_init() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_id_fetched_once_and_its_result_written, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_one_worker_and_a_queue_of_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_dry_run_fetches_and_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_signal_stops_the_run_and_keeps_what_was_fetched,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_fatal_answer_stops_the_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failures_unanswered_in_a_row_make_the_run_unavailable,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_unreachable_host_makes_the_run_unavailable, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_host_gone_mid_run_makes_the_run_unavailable, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_source_failing_part_way_keeps_what_was_fetched,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_database_error_outranks_a_signal_before_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_threads_that_cannot_start_are_a_setup_error, setup,
                                        teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    http_global_cleanup();
    return failed;
}
