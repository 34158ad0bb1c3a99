/* test_fetch.c - a worker's fetch of one movie against a server in a child
 * process on 127.0.0.1 that gives every request the same answer: what a
 * redirect's reason says, which copy times (Date) are believed, which bad
 * bodies are unusable (asking again cannot help) and which are no answer
 * at all (an outage's, writer.h), and the warning of a long pause the
 * server asks for. One request a movie (no retries). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fetch.h"
#include "http.h"
#include "log.h"
#include "loopback.h"
#include "movie.h"
#include "ratelimit.h"
#include "source.h"
#include "stats.h"
#include "capture.h"
#include "tempdir.h"

/* What the server answers. */
struct answer {
    const char *status;  /* "200 OK"; NULL: the body alone, not HTTP */
    const char *headers; /* more header lines, each ending "\r\n" */
    const char *body;
    bool dated; /* with a Date header: now + date_from_now_s */
    long long date_from_now_s;
};

struct fixture {
    char dir[64];
    struct loopback lb;
    char base[64];
    struct http_shared *shared;
    struct fetch_config cfg;
    struct stats stats;
    struct fetcher fetcher;
};

static int setup(void **state) {
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    strcpy(f->dir, "/tmp/test_fetch.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    loopback_listen(&f->lb);
    snprintf(f->base, sizeof f->base, "http://127.0.0.1:%d/3", f->lb.port);
    if (http_global_init() != 0 || !(f->shared = http_shared_new()))
        return -1;
    struct http_config hcfg = {.timeout_s = 10, .connect_timeout_s = 5, .max_body = 1 << 20};
    f->cfg = (struct fetch_config){.api_base = f->base, .language = "en-US", .api_key = "k"};
    stats_init(&f->stats);
    f->fetcher = (struct fetcher){.http = http_client_new(f->shared, &hcfg),
                                  .ratelimit = ratelimit_new(0),
                                  .stats = &f->stats,
                                  .config = &f->cfg,
                                  .rng = 1};
    *state = f;
    return f->fetcher.http && f->fetcher.ratelimit ? 0 : -1;
}

static int teardown(void **state) {
    struct fixture *f = *state;
    loopback_close(&f->lb);
    ratelimit_free(f->fetcher.ratelimit);
    http_client_free(f->fetcher.http);
    http_shared_free(f->shared);
    http_global_cleanup();
    log_init(LOG_WARN, false, LOG_FORMAT_TEXT);
    int rc = tempdir_remove(f->dir);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* Writes the answer *an (its Date computed now) to every request. */
static void answer(int fd, const char *request, void *arg) {
    const struct answer *an = arg;
    (void)request;
    char headers[1024] = "";
    if (an->dated) {
        time_t t = (time_t)((long long)time(NULL) + an->date_from_now_s);
        struct tm tm;
        strftime(headers, sizeof headers, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", gmtime_r(&t, &tm));
    }
    snprintf(headers + strlen(headers), sizeof headers - strlen(headers), "%s", an->headers);
    if (!an->status) {
        if (write(fd, an->body, strlen(an->body)) != (ssize_t)strlen(an->body))
            _exit(1);
        return;
    }
    loopback_write(fd, an->status, headers, an->body);
}

/* Serve `an` to every request, in place of the answer before (the child
 * never returns from loopback_serve(), so `an` lives as long as it). */
static void serve(struct fixture *f, struct answer an) {
    loopback_serve(&f->lb, answer, &an);
}

/* fetch_movie() of movie 550 (no retries); returns RETRY_DONE. */
static void fetch(struct fixture *f, struct fetch_result *out) {
    struct work_item item = {.movie_id = 550};
    assert_int_equal(fetch_movie(&f->fetcher, &item, out), RETRY_DONE);
}

static void release(struct fetch_result *out) {
    movie_free(out->movie);
    out->movie = NULL;
}

/* A 3xx is not followed, and the reason says where it pointed: from 300
 * (Multiple Choices, whose Location is the server's pick) to 399. */
static void test_a_redirect_says_where_it_pointed(void **state) {
    struct fixture *f = *state;
    static const char *const statuses[] = {"300 Multiple Choices", "308 Permanent Redirect"};
    for (size_t i = 0; i < sizeof statuses / sizeof *statuses; i++) {
        serve(f, (struct answer){.status = statuses[i],
                                 .headers = "Location: http://127.0.0.1:1/3/movie/550\r\n",
                                 .body = ""});
        struct fetch_result out;
        fetch(f, &out);
        assert_int_equal(out.kind, FETCH_FAILED);
        if (!strstr(out.reason,
                    "redirected to http://127.0.0.1:1/3/movie/550, which is not followed"))
            fail_msg("%s: %s", statuses[i], out.reason);
    }
}

/* The copy time of movie 550 answered with Date `date`, or (NULL) with a
 * Date `from_now_s` from the server's now; asked again until the server's
 * now, the fetch's and *now fell in one second. */
static long long copy_made(struct fixture *f, const char *date, long long from_now_s,
                           long long *now) {
    struct fetch_result out;
    for (int tries = 0; tries < 20; tries++) {
        char headers[96] = "";
        if (date)
            snprintf(headers, sizeof headers, "Date: %s\r\n", date);
        serve(f, (struct answer){.status = "200 OK",
                                 .headers = headers,
                                 .body = "{\"id\":550}",
                                 .dated = !date,
                                 .date_from_now_s = from_now_s});
        *now = (long long)time(NULL);
        fetch(f, &out);
        release(&out);
        assert_int_equal(out.kind, FETCH_STORED);
        if ((long long)time(NULL) == *now) /* the server's now and the fetch's were this one */
            return out.copy_made_s;
    }
    fail_msg("no fetch within one second in 20 tries");
    return 0;
}

/* A copy older than HTTP_COPY_AGE_MAX_S (1 January 1970 included: Date's
 * zero), or ahead by more than SOURCE_CLOCK_SKEW_MAX_S, has no copy time. */
static void test_a_copy_date_no_copy_can_have_is_none(void **state) {
    struct fixture *f = *state;
    long long now;
    assert_int_equal(copy_made(f, "Thu, 01 Jan 1970 00:00:00 GMT", 0, &now), -1);
    assert_int_equal(copy_made(f, NULL, -HTTP_COPY_AGE_MAX_S - 1, &now), -1);
    assert_int_equal(copy_made(f, NULL, SOURCE_CLOCK_SKEW_MAX_S + 1, &now), -1);
}

/* One exactly that old, or that far ahead, is believed; one of now too. */
static void test_a_copy_up_to_the_oldest_believable_is_kept(void **state) {
    struct fixture *f = *state;
    long long now, made = copy_made(f, NULL, -HTTP_COPY_AGE_MAX_S, &now);
    assert_int_equal(made, now - HTTP_COPY_AGE_MAX_S);
    made = copy_made(f, NULL, SOURCE_CLOCK_SKEW_MAX_S, &now);
    assert_int_equal(made, now + SOURCE_CLOCK_SKEW_MAX_S);
    made = copy_made(f, NULL, 0, &now);
    assert_int_equal(made, now);
}

/* An answer without a Date has no copy time, and nothing is said of a
 * Date it does not have. */
static void test_an_answer_without_a_date_has_no_copy_time(void **state) {
    struct fixture *f = *state;
    serve(f, (struct answer){.status = "200 OK", .headers = "", .body = "{\"id\":550}"});
    log_init(LOG_DEBUG, false, LOG_FORMAT_TEXT);
    capture_stderr_start(f->dir);
    struct fetch_result out;
    fetch(f, &out);
    const char *said = capture_stderr_end(f->dir);
    release(&out);
    assert_int_equal(out.kind, FETCH_STORED);
    assert_int_equal(out.copy_made_s, -1);
    if (strstr(said, "Date"))
        fail_msg("said: %s", said);
}

/* A 200 body that fails is one of two things. Well-formed JSON of the
 * wrong shape, or of another movie, is TMDB's answer for certain
 * (unusable: asking again cannot help until the movie changes). A body
 * that is not JSON or not UTF-8 (a proxy's page in the way, a body cut
 * short) may pass next time, and is no answer TMDB meant: counted towards
 * an outage (unanswered, writer.h). */
static void test_a_failed_body_is_unusable_or_unanswered(void **state) {
    struct fixture *f = *state;
    static const struct {
        const char *body;
        bool unusable, unanswered;
    } cases[] = {
        {"{\"id\":550,\"genres\":7}", true, false},
        {"{\"id\":551}", true, false},
        {"{\"id\":550,\"title\":\"Fight", false, true},
        {"{\"id\":550,\"title\":\"\xff\"}", false, true},
        {"<!DOCTYPE html><html><body>Access denied</body></html>", false, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        serve(f, (struct answer){.status = "200 OK", .headers = "", .body = cases[i].body});
        struct fetch_result out;
        fetch(f, &out);
        assert_int_equal(out.kind, FETCH_FAILED);
        if (out.unusable != cases[i].unusable || out.unanswered != cases[i].unanswered)
            fail_msg("%s: unusable %d, unanswered %d (%s)", cases[i].body, out.unusable,
                     out.unanswered, out.reason);
    }
}

/* An error that is not TMDB's (a proxy's, portal's or firewall's page, a
 * redirect) is no answer TMDB meant: counted towards an outage, as every
 * movie gets it while that is in the way; TMDB's own JSON error is an
 * answer, and is not. */
static void test_an_error_that_is_not_tmdbs_is_unanswered(void **state) {
    struct fixture *f = *state;
    static const struct {
        const char *status;
        const char *headers;
        const char *body;
        bool unanswered;
    } cases[] = {
        {"403 Forbidden", "", "<html><body>Request blocked</body></html>", true},
        {"404 Not Found", "", "<html><body>Not Found</body></html>", true},
        {"301 Moved Permanently", "Location: http://127.0.0.1:1/portal\r\n", "", true},
        {"400 Bad Request", "", "{\"message\":\"bad\"}", true},
        {"400 Bad Request", "",
         "{\"success\":false,\"status_code\":5,\"status_message\":\"Invalid parameters\"}", false},
        {"422 Unprocessable Entity", "", "{\"errors\":[\"page must be less than 500\"]}", false},
        /* not HTTP at all (a server that speaks another protocol there):
         * a transfer curl gives up at once, never asked again */
        {NULL, "", "SSH-2.0-OpenSSH_9.2\r\n", true},
        {"404 Not Found", "", "{\"success\":false,\"status_code\":7,\"status_message\":\"x\"}",
         false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        serve(f, (struct answer){.status = cases[i].status,
                                 .headers = cases[i].headers,
                                 .body = cases[i].body});
        struct fetch_result out;
        fetch(f, &out);
        assert_int_equal(out.kind, FETCH_FAILED);
        if (out.unanswered != cases[i].unanswered)
            fail_msg("%s %s: unanswered %d (%s)", cases[i].status ? cases[i].status : "(not HTTP)",
                     cases[i].body, out.unanswered, out.reason);
    }
}

/* A Retry-After of 30 s or more pauses every request, and the run says so:
 * a cron job should not look hung. */
static void test_a_pause_of_30_s_is_said(void **state) {
    struct fixture *f = *state;
    serve(f, (struct answer){.status = "429 Too Many Requests",
                             .headers = "Retry-After: 30\r\n",
                             .body = "{\"status_code\":25,\"status_message\":\"slow down\"}"});
    capture_stderr_start(f->dir);
    struct fetch_result out;
    fetch(f, &out);
    const char *said = capture_stderr_end(f->dir);
    assert_int_equal(out.kind, FETCH_FAILED);
    if (!strstr(said, "HTTP 429 with Retry-After: every request pauses 30 s"))
        fail_msg("said: %s", said);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_redirect_says_where_it_pointed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_copy_date_no_copy_can_have_is_none, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_copy_up_to_the_oldest_believable_is_kept, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_an_answer_without_a_date_has_no_copy_time, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_failed_body_is_unusable_or_unanswered, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_an_error_that_is_not_tmdbs_is_unanswered, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_pause_of_30_s_is_said, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
