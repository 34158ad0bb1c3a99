/* test_http.c - the libcurl layer against canned answers of a server in a
 * child process: the server's clock read from an answer's Date and Age. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "http.h"

/* Answers each request on 127.0.0.1 with 200 and the header lines of the
 * path asked for: /cached (a CDN's copy: a Date and an Age), /epoch (the
 * same from a clock at 1 January 1970 00:00:00), /no-date (an Age
 * alone). The child serves until killed. */
static pid_t serve_headers(int listener) {
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    alarm(60); /* never outlives a test that hangs */
    for (;;) {
        int c = accept(listener, NULL, NULL);
        if (c < 0)
            _exit(1);
        char req[4096];
        size_t n = 0;
        ssize_t r;
        while (n < sizeof req - 1 && (r = read(c, req + n, sizeof req - 1 - n)) > 0) {
            n += (size_t)r;
            req[n] = '\0';
            if (strstr(req, "\r\n\r\n"))
                break;
        }
        req[n] = '\0';
        const char *headers = strncmp(req, "GET /cached ", 12) == 0
                                  ? "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\nAge: 300\r\n"
                              : strncmp(req, "GET /epoch ", 11) == 0
                                  ? "Date: Thu, 01 Jan 1970 00:00:00 GMT\r\nAge: 5\r\n"
                                  : "Age: 300\r\n";
        char head[512];
        int len = snprintf(head, sizeof head,
                           "HTTP/1.1 200 OK\r\n%sContent-Type: application/json\r\n"
                           "Content-Length: 2\r\nConnection: close\r\n\r\n{}",
                           headers);
        if (write(c, head, (size_t)len) != len)
            _exit(1);
        close(c);
    }
}

/* The server's time is its Date plus its Age, also when the Date is the
 * epoch itself (0 is a time; only -1 is none); the copy's time is its Date
 * alone; without a Date, neither is known. */
static void test_server_time_is_date_plus_age(void **state) {
    (void)state;
    /* libcurl would take a build host's proxy for 127.0.0.1 too */
    static const char *const proxies[] = {"http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"};
    for (size_t i = 0; i < sizeof proxies / sizeof *proxies; i++)
        unsetenv(proxies[i]);
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(listener >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    assert_int_equal(bind(listener, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(listener, 4), 0);
    assert_int_equal(getsockname(listener, (struct sockaddr *)&a, &alen), 0);
    pid_t server = serve_headers(listener);
    assert_true(server > 0);

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
        snprintf(url, sizeof url, "http://127.0.0.1:%d/%s", ntohs(a.sin_port), cases[i].path);
        struct http_result r;
        http_get(c, url, &r);
        assert_int_equal(r.error, HTTP_OK);
        assert_int_equal(r.status, 200);
        if (http_server_time(c) != cases[i].server || http_copy_time(c) != cases[i].copy)
            fail_msg("/%s: server time %lld, copy time %lld, not %lld and %lld", cases[i].path,
                     http_server_time(c), http_copy_time(c), cases[i].server, cases[i].copy);
    }
    kill(server, SIGKILL);
    assert_int_equal(waitpid(server, NULL, 0), server);
    close(listener);
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
