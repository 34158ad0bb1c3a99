/*
 * loopback.h - a server of canned HTTP answers for a unit test, in a child
 * process on 127.0.0.1.
 *
 * loopback_listen() opens the listening socket on a free port, and unsets
 * the proxy variables, which libcurl would follow for 127.0.0.1 too.
 * loopback_serve() forks the child: for each connection it reads the
 * request's head and calls answer(fd, request, arg), which writes the
 * answer (loopback_write() for the usual one), then closes the connection.
 * loopback_serve_raw() leaves each connection to a function of its own
 * (what is not HTTP: a SOCKS proxy). The child serves until loopback_stop()
 * kills it, or for 60 s at most, so a test that hangs never leaves it
 * behind. One request a connection.
 *
 * Header-only, for the test binaries (each is one .c file).
 */
#ifndef TMDB_TESTS_LOOPBACK_H
#define TMDB_TESTS_LOOPBACK_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

struct loopback {
    int listener;
    int port;
    pid_t server; /* 0: none serving */
};

/* Writes the answer to the request (NUL-terminated head) on fd. In the
 * child: on a failed write, _exit(1). */
typedef void loopback_answer_fn(int fd, const char *request, void *arg);

static void loopback_listen(struct loopback *lb) {
    static const char *const proxies[] = {"http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"};
    for (size_t i = 0; i < sizeof proxies / sizeof *proxies; i++)
        unsetenv(proxies[i]);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    lb->server = 0;
    lb->listener = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(lb->listener >= 0);
    assert_int_equal(bind(lb->listener, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(lb->listener, 4), 0);
    assert_int_equal(getsockname(lb->listener, (struct sockaddr *)&a, &alen), 0);
    lb->port = ntohs(a.sin_port);
}

static void loopback_stop(struct loopback *lb) {
    if (lb->server > 0) {
        kill(lb->server, SIGKILL);
        assert_int_equal(waitpid(lb->server, NULL, 0), lb->server);
    }
    lb->server = 0;
}

/* Serves with `converse` from now on, in place of the server before:
 * converse(fd, arg) for each connection, which it then closes. For what is
 * not an HTTP answer (a SOCKS proxy: the client speaks first, with no
 * header lines to wait for); loopback_serve() for an HTTP one. */
static void loopback_serve_raw(struct loopback *lb, void (*converse)(int fd, void *arg),
                               void *arg) {
    loopback_stop(lb);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid > 0) {
        lb->server = pid;
        return;
    }
    alarm(60);
    for (;;) {
        int c = accept(lb->listener, NULL, NULL);
        if (c < 0)
            _exit(1);
        converse(c, arg);
        close(c);
    }
}

struct loopback_http {
    loopback_answer_fn *answer;
    void *arg;
};

/* loopback_serve_raw()'s converse for loopback_serve(): the request's head
 * read, then answered. In the child. */
static void loopback_answer_request(int c, void *arg) {
    const struct loopback_http *h = arg;
    char req[4096];
    size_t n = 0;
    ssize_t r;
    req[0] = '\0';
    while (n < sizeof req - 1 && (r = read(c, req + n, sizeof req - 1 - n)) > 0) {
        n += (size_t)r;
        req[n] = '\0';
        if (strstr(req, "\r\n\r\n"))
            break;
    }
    h->answer(c, req, h->arg);
}

/* Serves with `answer` from now on, in place of the answers before. */
static void loopback_serve(struct loopback *lb, loopback_answer_fn *answer, void *arg) {
    /* in the parent's memory, copied into the child by fork() */
    struct loopback_http h = {.answer = answer, .arg = arg};
    loopback_serve_raw(lb, loopback_answer_request, &h);
}

static void loopback_close(struct loopback *lb) {
    loopback_stop(lb);
    close(lb->listener);
}

/* A JSON answer: the status line's "200 OK", more header lines (each
 * ending "\r\n"), the body. In the child. */
static void loopback_write(int fd, const char *status, const char *headers, const char *body) {
    char head[1024];
    int len = snprintf(head, sizeof head,
                       "HTTP/1.1 %s\r\n%sContent-Type: application/json\r\n"
                       "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                       status, headers, strlen(body));
    if (len < 0 || (size_t)len >= sizeof head || write(fd, head, (size_t)len) != len ||
        write(fd, body, strlen(body)) != (ssize_t)strlen(body))
        _exit(1);
}

#endif
