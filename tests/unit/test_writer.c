/* test_writer.c - the writer thread's batches: when a result is committed,
 * seen from a second connection to the real database file, as a reader
 * would see it. Results are failures (no movie to build); the writer
 * treats every result alike when batching. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fetch.h"
#include "queue.h"
#include "stats.h"
#include "stop.h"
#include "store.h"
#include "writer.h"
#include "capture.h"
#include "tempdir.h"

struct fixture {
    char dir[64];
    char path[128];
    struct store *store;
    struct queue *results;
    struct stats stats;
    struct writer_config cfg;
    pthread_t thread;
    bool running; /* thread started, not joined */
    enum writer_status status;
};

static int setup(void **state) {
    struct fixture *f = calloc(1, sizeof *f);
    char err[256] = "";
    strcpy(f->dir, "/tmp/test_writer.XXXXXX");
    if (!f || !mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/t.sqlite3", f->dir);
    if (store_open(f->path, "en-US", &f->store, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "store_open: %s\n", err);
        return -1;
    }
    if (store_run_begin(f->store, "tmdb-ingest ids -", "ids:-", "2026-11-27T00:00:00Z",
                        &f->cfg.run_id) != STORE_OK)
        return -1;
    f->results = queue_new(64, sizeof(struct fetch_result), 1);
    stats_init(&f->stats);
    *state = f;
    return f->results ? 0 : -1;
}

static int teardown(void **state) {
    struct fixture *f = *state;
    if (f->running) { /* a failed test: the writer still waits */
        queue_close(f->results);
        pthread_join(f->thread, NULL);
    }
    queue_free(f->results);
    store_close(f->store);
    int rc = tempdir_remove(f->dir);
    free(f);
    return rc == 0 ? 0 : -1;
}

static void *writer_thread(void *arg) {
    struct fixture *f = arg;
    f->status = writer_run(f->store, f->results, &f->cfg, &f->stats);
    return NULL;
}

static void start_writer(struct fixture *f, int batch_rows, long batch_ms) {
    f->cfg.batch_rows = batch_rows;
    f->cfg.batch_ms = batch_ms;
    assert_int_equal(pthread_create(&f->thread, NULL, writer_thread, f), 0);
    f->running = true;
}

static void stop_writer(struct fixture *f) {
    queue_close(f->results);
    f->running = false;
    assert_int_equal(pthread_join(f->thread, NULL), 0);
    assert_int_equal(f->status, WRITER_OK);
}

/* A failed fetch of movie `id`, queued by a worker `age_ms` ago. */
static void push_result(struct fixture *f, int64_t id, long long age_ms) {
    struct fetch_result r = {
        .movie_id = id, .kind = FETCH_FAILED, .http_status = 500, .attempts = 1, .copy_made_s = -1};
    snprintf(r.reason, sizeof r.reason, "HTTP 500");
    r.queued_ms = clock_monotonic_ms() - age_ms;
    assert_int_equal(queue_push(f->results, &r), QUEUE_OK);
}

/* TMDB's answer for movie `id`: a 404 (FETCH_MISSING) or a failure, from a
 * copy made at `copy_made_s` (-1 none), queued now. */
static void push_answer(struct fixture *f, int64_t id, enum fetch_kind kind,
                        long long copy_made_s) {
    struct fetch_result r = {.movie_id = id,
                             .kind = kind,
                             .http_status = kind == FETCH_MISSING ? 404 : 500,
                             .attempts = 1,
                             .copy_made_s = copy_made_s,
                             .queued_ms = clock_monotonic_ms()};
    snprintf(r.reason, sizeof r.reason, "HTTP %ld", r.http_status);
    assert_int_equal(queue_push(f->results, &r), QUEUE_OK);
}

/* One integer a reader reads with `sql`, -1 when there is no row. */
static long long read_int(const char *path, const char *sql) {
    sqlite3 *db;
    sqlite3_stmt *st;
    long long n = -1;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 1000);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* The failures a reader sees committed. */
static long long committed(const char *path) {
    return read_int(path, "SELECT count(*) FROM fetch_failures");
}

/* Milliseconds until a reader sees `n` failures, polling every 10 ms;
 * -1 when not within `limit_ms`. */
static long long ms_until_committed(const char *path, long long n, long long limit_ms) {
    long long start = clock_monotonic_ms();
    const struct timespec tick = {0, 10 * 1000 * 1000};
    while (committed(path) < n) {
        if (clock_monotonic_ms() - start > limit_ms)
            return -1;
        nanosleep(&tick, NULL);
    }
    return clock_monotonic_ms() - start;
}

/* A lone result (far from half a queue, which wakes the writer) is
 * committed once it has waited the batch's time: not at once, as a
 * transaction per row would, and not never. */
static void test_lone_result_committed_after_batch_time(void **state) {
    struct fixture *f = *state;
    start_writer(f, 500, 400);
    long long start = clock_monotonic_ms();
    push_result(f, 11, 0);
    long long took = ms_until_committed(f->path, 1, 10000);
    assert_true(took >= 0);
    took = clock_monotonic_ms() - start;
    if (took < 300)
        fail_msg("committed %lld ms after it was queued: before its batch's time (400 ms)", took);
    stop_writer(f);
}

/* The deadline counts from when the worker queued the result, not from
 * when the writer woke for it: a writer asleep until half a queue is there
 * (or a batch's time has passed) commits a result it finds, queued while it
 * slept, at once, so that the result waits no more than the batch's time. */
static void test_deadline_counts_from_queueing(void **state) {
    struct fixture *f = *state;
    const struct timespec nap = {0, 500 * 1000 * 1000};
    start_writer(f, 500, 2000);
    nanosleep(&nap, NULL); /* the writer is asleep, no batch open */
    push_result(f, 12, 0);
    long long took = ms_until_committed(f->path, 1, 10000);
    /* from the writer's waking (1.5 s from now) it would be 3.5 s */
    if (took < 0 || took > 2900)
        fail_msg("a result queued while the writer slept was committed after %lld ms "
                 "(--batch time 2 s)",
                 took);
    stop_writer(f);
}

/* Results that arrive one by one while the writer waits join one batch:
 * a reader sees none of them until the first has waited the batch's time,
 * then all of them (not a transaction per result). */
static void test_results_gathered_into_one_batch(void **state) {
    struct fixture *f = *state;
    const struct timespec gap = {0, 20 * 1000 * 1000};
    start_writer(f, 500, 3000);
    for (int64_t id = 1; id <= 20; id++) {
        push_result(f, id, 0);
        nanosleep(&gap, NULL);
    }
    assert_int_equal(committed(f->path), 0); /* 0.4 s of 3 */
    assert_true(ms_until_committed(f->path, 20, 10000) >= 0);
    stop_writer(f);
}

/* A batch that holds batch_rows results is committed then, not when its
 * time has passed: a reader sees all four full batches of 10 at once
 * (batch time 20 s), none waiting to hold an eleventh. The results are
 * queued before the writer starts: it finds them all at once. */
static void test_full_batch_committed_at_once(void **state) {
    struct fixture *f = *state;
    for (int64_t id = 1; id <= 40; id++)
        push_result(f, id, 0);
    start_writer(f, 10, 20000);
    long long took = ms_until_committed(f->path, 40, 5000);
    if (took < 0)
        fail_msg("%lld of 40 results committed after 5 s (batches of 10)", committed(f->path));
    stop_writer(f);
}

/* The last worker closing the queue ends the writer's wait at once: the
 * run's end does not wait for the batch's time. */
static void test_close_ends_the_wait(void **state) {
    struct fixture *f = *state;
    start_writer(f, 500, 20000);
    push_result(f, 14, 0);
    long long start = clock_monotonic_ms();
    stop_writer(f);
    long long took = clock_monotonic_ms() - start;
    if (took > 5000)
        fail_msg("the writer ended %lld ms after the queue closed (batch time 20 s)", took);
    assert_int_equal(committed(f->path), 1);
}

/* A reader with a snapshot open: BEGIN and one read. */
static sqlite3 *hold_snapshot(const char *path) {
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db, "BEGIN; SELECT count(*) FROM fetch_failures", NULL, NULL, NULL),
        SQLITE_OK);
    return db;
}

/* Two batches of 5 failures under a reader that holds a snapshot from
 * before the first: through both commits (`across`), or released between
 * them, the writer warning past `warn_bytes` (0: its default). What the
 * writer said. */
static const char *two_batches_under_reader(struct fixture *f, bool across, int64_t warn_bytes) {
    f->cfg.wal_warn_bytes = warn_bytes;
    sqlite3 *reader = hold_snapshot(f->path);
    capture_stderr_start(f->dir);
    start_writer(f, 100, 200); /* the first five committed when due, 0.2 s on */
    for (int64_t id = 1; id <= 5; id++)
        push_result(f, id, 0);
    assert_true(ms_until_committed(f->path, 5, 10000) >= 0); /* the first commit */
    if (!across) {
        assert_int_equal(sqlite3_exec(reader, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(reader);
    }
    for (int64_t id = 6; id <= 10; id++)
        push_result(f, id, 0);
    stop_writer(f); /* the second commit */
    const char *said = capture_stderr_end(f->dir);
    if (across) {
        assert_int_equal(sqlite3_exec(reader, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(reader);
    }
    assert_int_equal(committed(f->path), 10);
    return said;
}

/* A reader that holds its snapshot across commits, while DB-wal grows, is
 * warned of once the log passes the size: at the second commit. */
static void test_reader_holding_the_wal_is_warned_of(void **state) {
    struct fixture *f = *state;
    const char *said = two_batches_under_reader(f, true, 1); /* any log held */
    if (!strstr(said, "and growing: a reader holds a snapshot open"))
        fail_msg("no warning; the writer said: %s", said);
}

/* A reader in the middle of a query at one commit, gone by the next, holds
 * that commit's pages for a moment only: no warning (a batch of a fast load
 * can write more than the size by itself). */
static void test_reader_held_at_one_commit_only_is_not(void **state) {
    struct fixture *f = *state;
    const char *said = two_batches_under_reader(f, false, 1);
    if (strstr(said, "a reader holds a snapshot open"))
        fail_msg("warned: %s", said);
}

/* Without a size given, the writer's is STORE_WAL_LIMIT_BYTES: a reader
 * holding a log of a few pages across commits is not warned of. */
static void test_reader_holding_a_small_wal_is_not(void **state) {
    struct fixture *f = *state;
    const char *said = two_batches_under_reader(f, true, 0);
    if (strstr(said, "a reader holds a snapshot open"))
        fail_msg("warned under %lld bytes: %s", (long long)STORE_WAL_LIMIT_BYTES, said);
}

/* A 404 is recorded as missing, any other failure as failed; the copy
 * times of the answers (a 404's too) give the run's oldest copy, -1
 * (none) aside. */
static void test_missing_and_failed_kept_apart_with_the_oldest_copy(void **state) {
    struct fixture *f = *state;
    const long long t = 1795000000; /* 2026-11-18 */
    start_writer(f, 500, 200);
    push_answer(f, 1, FETCH_MISSING, t);
    push_answer(f, 2, FETCH_MISSING, t - 3600);
    push_answer(f, 3, FETCH_MISSING, -1);
    push_answer(f, 4, FETCH_MISSING, t + 60);
    push_answer(f, 5, FETCH_FAILED, -1);
    stop_writer(f);
    assert_int_equal(
        read_int(f->path, "SELECT count(*) FROM fetch_failures WHERE kind = 'missing'"), 4);
    assert_int_equal(read_int(f->path, "SELECT movie_id FROM fetch_failures WHERE kind = 'failed'"),
                     5);
    assert_int_equal(stats_get(&f->stats.missing), 4);
    assert_int_equal(stats_get(&f->stats.failed), 1);
    assert_int_equal(stats_get(&f->stats.oldest_copy), t - 3600);
}

/* A database error: the writer says it once, rolls the batch back (the
 * run's counts in runs too: they were the batch's), drains the queue
 * without writing more, and fails. */
static void test_database_error_fails_the_writer(void **state) {
    struct fixture *f = *state;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "DROP TABLE fetch_failures", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    capture_stderr_start(f->dir);
    start_writer(f, 500, 200);
    for (int64_t id = 1; id <= 3; id++)
        push_result(f, id, 0);
    queue_close(f->results);
    f->running = false;
    assert_int_equal(pthread_join(f->thread, NULL), 0);
    const char *said = capture_stderr_end(f->dir);
    assert_int_equal(f->status, WRITER_FAILED);
    const char *error = strstr(said, "no such table: fetch_failures");
    if (!error || strstr(error + 1, "no such table"))
        fail_msg("not said once: %s", said);
    assert_int_equal(read_int(f->path, "SELECT failed FROM runs"), 0);
    assert_int_equal(stats_get(&f->stats.failed), 0);
}

/* An unanswered failure of movie `id` (its retries spent on 5xx), or one
 * TMDB answered (a body of the wrong shape). */
static void push_failure(struct fixture *f, int64_t id, bool unanswered) {
    struct fetch_result r = {.movie_id = id,
                             .kind = FETCH_FAILED,
                             .http_status = unanswered ? 503 : 200,
                             .attempts = 1,
                             .unanswered = unanswered,
                             .unusable = !unanswered,
                             .copy_made_s = -1,
                             .queued_ms = clock_monotonic_ms()};
    snprintf(r.reason, sizeof r.reason, unanswered ? "HTTP 503" : "bad payload");
    assert_int_equal(queue_push(f->results, &r), QUEUE_OK);
}

/* give_up_after unanswered failures in a row stop the run, said once with
 * the last one's reason; an answer in between (a 404, a failure TMDB
 * answered) starts the count again; every result is still written. The
 * stop is the process's own: this test runs before the database error's,
 * which requests one too (and says its error whatever the stop). */
static void test_unanswered_failures_in_a_row_stop_the_run(void **state) {
    struct fixture *f = *state;
    f->cfg.give_up_after = 3;
    capture_stderr_start(f->dir);
    start_writer(f, 500, 200);
    push_failure(f, 1, true);
    push_failure(f, 2, true);
    push_answer(f, 3, FETCH_MISSING, -1);
    push_failure(f, 4, true);
    push_failure(f, 5, true);
    push_failure(f, 6, false);
    push_failure(f, 7, true);
    push_failure(f, 8, true);
    push_failure(f, 9, true);
    push_failure(f, 10, true);
    stop_writer(f);
    const char *said = capture_stderr_end(f->dir);
    assert_int_equal(stop_reason(), STOP_UNAVAILABLE);
    const char *error =
        strstr(said, "3 movies in a row failed with no answer TMDB meant (the last, movie 9: "
                     "HTTP 503)");
    if (!error || strstr(error, "error:"))
        fail_msg("not said once, at movie 9: %s", said);
    assert_int_equal(committed(f->path), 10);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lone_result_committed_after_batch_time, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_deadline_counts_from_queueing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_gathered_into_one_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_batch_committed_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_ends_the_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_holding_the_wal_is_warned_of, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_held_at_one_commit_only_is_not, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reader_holding_a_small_wal_is_not, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_and_failed_kept_apart_with_the_oldest_copy,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_unanswered_failures_in_a_row_stop_the_run, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_database_error_fails_the_writer, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
