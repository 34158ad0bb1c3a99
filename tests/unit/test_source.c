/* test_source.c - what a run's source description (runs.source) says of
 * its kind, read back by stats to tell what comes of a dead run: every
 * kind source_describe() writes is read back as itself, with the filters
 * and shard it adds; a text it does not write is no kind. And a list's
 * paging against a server in a child process; a changes range longer than
 * a run reads, refused before any request; standard input read through
 * reads that fail with EINTR and EAGAIN. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "fetch.h"
#include "http.h"
#include "loopback.h"
#include "queue.h"
#include "ratelimit.h"
#include "source.h"
#include "stats.h"
#include "tempdir.h"

/* read() as the code under test calls it (linked with -Wl,--wrap=read,
 * Makefile): on descriptor failing_fd, each errno of failing_reads in turn
 * (up to a 0) is a read that fails with it; then, and on any other
 * descriptor, the read itself. */
static int failing_fd = -1;
static const int *failing_reads;

ssize_t __real_read(int fd, void *buf, size_t count);
ssize_t __wrap_read(int fd, void *buf, size_t count);

ssize_t __wrap_read(int fd, void *buf, size_t count) {
    if (fd == failing_fd && failing_reads && *failing_reads) {
        errno = *failing_reads++;
        return -1;
    }
    return __real_read(fd, buf, count);
}

static void check_round_trip(struct source src) {
    char *described = source_describe(&src);
    assert_non_null(described);
    enum source_kind kind = SOURCE_LIST;
    if (source_kind_described(described, &kind) != 0 || kind != src.kind)
        fail_msg("%s: read back as %d, not %d", described, (int)kind, (int)src.kind);
    free(described);
}

static void test_each_description_names_its_kind(void **state) {
    (void)state;
    static const int64_t ids[] = {550, 603};
    check_round_trip((struct source){.kind = SOURCE_LIST, .pages = 3});
    check_round_trip((struct source){.kind = SOURCE_IDS, .ids = ids, .n_ids = 2});
    check_round_trip((struct source){.kind = SOURCE_STDIN});
    check_round_trip((struct source){.kind = SOURCE_STDIN, .has_min_popularity = true});
    check_round_trip((struct source){.kind = SOURCE_EXPORT, .has_min_popularity = true});
    check_round_trip((struct source){.kind = SOURCE_CHANGES, .changes_first_day = 20000});
}

static void test_a_text_it_does_not_write_is_no_kind(void **state) {
    (void)state;
    enum source_kind kind;
    assert_int_equal(source_kind_described(NULL, &kind), -1);
    assert_int_equal(source_kind_described("", &kind), -1);
    assert_int_equal(source_kind_described("changesets", &kind), -1);
    assert_int_equal(source_kind_described("by hand", &kind), -1);
}

/* Only changes does not resume (its movies may have changed since). */
static void test_every_kind_but_changes_resumes(void **state) {
    (void)state;
    assert_true(source_kind_resumes(SOURCE_LIST));
    assert_true(source_kind_resumes(SOURCE_IDS));
    assert_true(source_kind_resumes(SOURCE_STDIN));
    assert_true(source_kind_resumes(SOURCE_EXPORT));
    assert_false(source_kind_resumes(SOURCE_CHANGES));
}

/* A list: page 1 names movie 550 and says there are 3 pages; page 2
 * answers TMDB's refusal of a page number (400, status_code 22), as past
 * its cap. Each page asked for is written to the pipe *asked (one byte). */
static void answer_list(int fd, const char *request, void *asked) {
    const char *page = strstr(request, "page=");
    char p = page ? page[5] : '?';
    if (write(*(int *)asked, &p, 1) != 1)
        _exit(1);
    if (p == '1')
        loopback_write(fd, "200 OK", "",
                       "{\"page\":1,\"results\":[{\"id\":550,\"title\":\"Fight Club\"}],"
                       "\"total_pages\":3,\"total_results\":41}");
    else
        loopback_write(fd, "400 Bad Request", "",
                       "{\"status_code\":22,\"status_message\":\"Invalid page: Pages start at 1 "
                       "and max at 500. They are expected to be an integer.\",\"success\":false}");
}

/* TMDB refuses pages past its cap (400 with status_code 22) although
 * total_pages says there are more: the list ends there, as exhausted
 * normally, with the ids of the pages before; no page after is asked. */
static void test_a_list_ends_at_the_page_tmdb_refuses(void **state) {
    (void)state;
    struct loopback lb;
    loopback_listen(&lb);
    int asked[2];
    assert_int_equal(pipe(asked), 0);
    loopback_serve(&lb, answer_list, &asked[1]);
    close(asked[1]);

    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%d/3", lb.port);
    assert_int_equal(http_global_init(), 0);
    struct http_shared *sh = http_shared_new();
    struct http_config hcfg = {.timeout_s = 10, .connect_timeout_s = 5, .max_body = 1 << 20};
    struct fetch_config cfg = {.api_base = base, .language = "en-US", .api_key = "k"};
    static struct stats stats;
    stats_init(&stats);
    struct fetcher f = {.http = http_client_new(sh, &hcfg),
                        .ratelimit = ratelimit_new(0),
                        .stats = &stats,
                        .config = &cfg,
                        .rng = 1};
    struct queue *work = queue_new(8, sizeof(struct work_item), 1);
    assert_non_null(f.http);
    assert_non_null(f.ratelimit);
    assert_non_null(work);
    struct source src = {.kind = SOURCE_LIST, .list = TMDB_LIST_TOP_RATED};

    enum source_status st = source_run(&src, &f, work, &stats);
    loopback_stop(&lb);
    char pages[8] = "";
    ssize_t n = read(asked[0], pages, sizeof pages - 1);
    close(asked[0]);
    loopback_close(&lb);
    struct work_item item;
    assert_int_equal(st, SOURCE_OK);
    assert_int_equal(queue_pop(work, &item), QUEUE_OK);
    assert_int_equal(item.movie_id, 550);
    assert_int_equal(queue_pop(work, &item), QUEUE_CLOSED);
    assert_int_equal(n, 2);
    assert_string_equal(pages, "12");
    queue_free(work);
    ratelimit_free(f.ratelimit);
    http_client_free(f.http);
    http_shared_free(sh);
    http_global_cleanup();
}

/* A changes range one day past SOURCE_CHANGES_MAX_DAYS (sync_plan()
 * refuses it first; source_run() must not overrun its windows either): an
 * error before any request, naming the range's length in days, first and
 * last day both counted. */
static void test_a_changes_range_past_its_cap_is_refused(void **state) {
    (void)state;
    char dir[] = "/tmp/test_source.XXXXXX";
    assert_non_null(mkdtemp(dir));
    static struct stats stats;
    stats_init(&stats);
    struct fetcher f = {.stats = &stats}; /* no request may be made */
    struct queue *work = queue_new(8, sizeof(struct work_item), 1);
    assert_non_null(work);
    struct source src = {.kind = SOURCE_CHANGES,
                         .changes_first_day = 20000,
                         .changes_last_day = 20000 + SOURCE_CHANGES_MAX_DAYS};

    capture_stderr_start(dir);
    enum source_status st = source_run(&src, &f, work, &stats);
    const char *said = capture_stderr_end(dir);
    struct work_item item;
    assert_int_equal(st, SOURCE_ERROR);
    assert_int_equal(queue_pop(work, &item), QUEUE_CLOSED);
    char expected[96];
    snprintf(expected, sizeof expected, "changes: %d days is too long a range",
             SOURCE_CHANGES_MAX_DAYS + 1);
    if (!strstr(said, expected))
        fail_msg("said \"%s\", not \"%s\"", said, expected);
    queue_free(work);
    assert_int_equal(tempdir_remove(dir), 0);
}

/* A read of standard input interrupted by a signal (EINTR), or finding
 * nothing on an input that is non-blocking (EAGAIN: another reader of the
 * same pipe took the bytes poll() announced) is tried again, not an
 * error: every id is still read. */
static void test_stdin_reads_again_after_eintr_and_eagain(void **state) {
    (void)state;
    int in[2];
    assert_int_equal(pipe(in), 0);
    assert_int_equal(write(in[1], "550\n603\n", 8), 8);
    close(in[1]);
    static const int errors[] = {EINTR, EAGAIN, 0};
    failing_fd = in[0];
    failing_reads = errors;
    static struct stats stats;
    stats_init(&stats);
    struct fetcher f = {.stats = &stats}; /* a dry run asks nothing */
    struct queue *work = queue_new(8, sizeof(struct work_item), 1);
    assert_non_null(work);
    struct source src = {.kind = SOURCE_STDIN, .fd = in[0], .count_only = true};

    enum source_status st = source_run(&src, &f, work, &stats);
    failing_fd = -1;
    close(in[0]);
    assert_int_equal(st, SOURCE_OK);
    assert_int_equal(stats_get(&stats.requested), 2);
    assert_int_equal(*failing_reads, 0); /* both failures were met */
    queue_free(work);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_description_names_its_kind),
        cmocka_unit_test(test_a_text_it_does_not_write_is_no_kind),
        cmocka_unit_test(test_every_kind_but_changes_resumes),
        cmocka_unit_test(test_a_list_ends_at_the_page_tmdb_refuses),
        cmocka_unit_test(test_a_changes_range_past_its_cap_is_refused),
        cmocka_unit_test(test_stdin_reads_again_after_eintr_and_eagain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
