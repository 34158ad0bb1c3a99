/* test_http.c - the libcurl layer against canned answers of a server in a
 * child process: the server's clock read from an answer's Date and Age. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_time_is_date_plus_age),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
