/* test_http.c - the libcurl layer against canned answers of a server in a
 * child process: the server's clock read from an answer's Date and Age; a
 * SOCKS proxy that cannot reach the host, and one that refuses for good. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "loopback.h"

/* The header lines of the path asked for: /cached (a CDN's copy: a Date
 * and an Age), /epoch (the same from a clock at 1 January 1970 00:00:00),
 * /no-date (an Age alone). */
static void answer_headers(int fd, const char *request, void *arg) {
    (void)arg;
    loopback_write(fd, "200 OK",
                   strncmp(request, "GET /cached ", 12) == 0
                       ? "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\nAge: 300\r\n"
                   : strncmp(request, "GET /epoch ", 11) == 0
                       ? "Date: Thu, 01 Jan 1970 00:00:00 GMT\r\nAge: 5\r\n"
                       : "Age: 300\r\n",
                   "{}");
}

/* The server's time is its Date plus its Age, also when the Date is the
 * epoch itself (0 is a time; only -1 is none); the copy's time is its Date
 * alone; without a Date, neither is known. */
static void test_server_time_is_date_plus_age(void **state) {
    (void)state;
    struct loopback lb;
    loopback_listen(&lb);
    loopback_serve(&lb, answer_headers, NULL);

    assert_int_equal(http_global_init(), 0);
    struct http_shared *sh = http_shared_new();
    struct http_config cfg = {.timeout_s = 10, .connect_timeout_s = 5, .max_body = 1 << 20};
    struct http_client *c = http_client_new(sh, &cfg);
    assert_non_null(c);
    static const struct {
        const char *path;
        long long server, copy;
    } cases[] = {
        {"cached", 784111777LL + 300, 784111777LL},
        {"epoch", 5, 0},
        {"no-date", -1, -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char url[64];
        snprintf(url, sizeof url, "http://127.0.0.1:%d/%s", lb.port, cases[i].path);
        struct http_result r;
        http_get(c, url, &r);
        assert_int_equal(r.error, HTTP_OK);
        assert_int_equal(r.status, 200);
        if (http_server_time(c) != cases[i].server || http_copy_time(c) != cases[i].copy)
            fail_msg("/%s: server time %lld, copy time %lld, not %lld and %lld", cases[i].path,
                     http_server_time(c), http_copy_time(c), cases[i].server, cases[i].copy);
    }
    loopback_close(&lb);
    http_client_free(c);
    http_shared_free(sh);
    http_global_cleanup();
}

/* A SOCKS5 proxy that refuses: it takes the greeting (no authentication)
 * and the CONNECT request for an IPv4 address, then replies *arg (4: host
 * unreachable, 5: refused, as an ssh -D tunnel whose remote end lost its
 * network does; 2: not allowed by its rules). In the child. */
static void refuse_socks(int fd, void *arg) {
    unsigned char in[10], no_auth[] = {5, 0};
    unsigned char refusal[] = {5, *(const unsigned char *)arg, 0, 1, 0, 0, 0, 0, 0, 0};
    size_t n = 0;
    ssize_t r;
    while (n < 3 && (r = read(fd, in + n, 3 - n)) > 0) /* 5, 1 method, 0: none */
        n += (size_t)r;
    if (n < 3 || write(fd, no_auth, sizeof no_auth) != (ssize_t)sizeof no_auth)
        _exit(1);
    for (n = 0; n < sizeof in && (r = read(fd, in + n, sizeof in - n)) > 0;)
        n += (size_t)r;
    if (n < sizeof in || write(fd, refusal, sizeof refusal) != (ssize_t)sizeof refusal)
        _exit(1);
}

/* A request through a SOCKS proxy giving each of the `n` replies fails
 * with `want`. */
static void expect_socks_replies(const unsigned char *replies, size_t n, enum http_error want) {
    struct loopback lb;
    loopback_listen(&lb);
    assert_int_equal(http_global_init(), 0);
    struct http_shared *sh = http_shared_new();
    struct http_config cfg = {.timeout_s = 10, .connect_timeout_s = 5, .max_body = 1 << 20};
    struct http_client *c = http_client_new(sh, &cfg);
    assert_non_null(c);
    char proxy[64];
    snprintf(proxy, sizeof proxy, "socks5://127.0.0.1:%d", lb.port);
    assert_int_equal(setenv("all_proxy", proxy, 1), 0);
    for (size_t i = 0; i < n; i++) {
        unsigned char reply = replies[i]; /* copied into the child by fork() */
        loopback_serve_raw(&lb, refuse_socks, &reply);
        struct http_result r;
        /* port 9 (discard): nothing is meant to reach it */
        http_get(c, "http://127.0.0.1:9/3/movie/550", &r);
        if (r.error != want)
            fail_msg("SOCKS reply %d: %s (%s), not %s", replies[i], http_error_name(r.error),
                     r.message, http_error_name(want));
        loopback_stop(&lb);
    }
    unsetenv("all_proxy");
    loopback_close(&lb);
    http_client_free(c);
    http_shared_free(sh);
    http_global_cleanup();
}

/* Behind a SOCKS proxy (all_proxy=socks5://), a host the proxy cannot
 * reach is a failed connection, as it is without the proxy: retried, and
 * an outage when it lasts; not a failure of the one movie, asked once. */
static void test_a_socks_proxy_that_cannot_reach_the_host_is_a_failed_connection(void **state) {
    (void)state;
    static const unsigned char replies[] = {1, 3, 4, 5}; /* failure, network, host, refused */
    expect_socks_replies(replies, sizeof replies, HTTP_ERR_CONNECT);
}

/* A SOCKS proxy that refuses this client for good (2: its rules do not
 * allow the host; 7: it serves no CONNECT; 8: nor that address type), as
 * one rejecting the credentials does: no retry changes it, so it is not a
 * failed connection, retried and then read as TMDB or the network down. */
static void test_a_socks_proxy_that_refuses_for_good_is_not_a_failed_connection(void **state) {
    (void)state;
    static const unsigned char replies[] = {2, 7, 8};
    expect_socks_replies(replies, sizeof replies, HTTP_ERR_OTHER);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_time_is_date_plus_age),
        cmocka_unit_test(test_a_socks_proxy_that_cannot_reach_the_host_is_a_failed_connection),
        cmocka_unit_test(test_a_socks_proxy_that_refuses_for_good_is_not_a_failed_connection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
