/* test_rlimits.c - descriptors and thread stacks: the soft open files limit
 * raised for a load, a hard limit too low refused with the figures, a
 * connection that fails for want of a descriptor named as such (not as the
 * server's refusal), a thread start failure named with its cause. Each test
 * restores the limits it lowers (the hard limit only goes down where a
 * process may raise it back: root, or in a child). opendir() and mallopt()
 * are wrapped (linked into the test, before the C library's): to count
 * descriptors as without /proc, and to see the arena cap asked for. */
#define _GNU_SOURCE /* RTLD_NEXT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "http.h"
#include "rlimits.h"

/* When set, /proc/self/fd cannot be opened (a chroot, a container without
 * /proc). */
static bool hide_proc_fds;

DIR *opendir(const char *name) {
    static DIR *(*real)(const char *);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "opendir");
    assert_non_null(real);
    if (hide_proc_fds && strcmp(name, "/proc/self/fd") == 0) {
        errno = ENOENT;
        return NULL;
    }
    return real(name);
}

/* The last M_ARENA_MAX asked for, -1 none; the C library's is left alone. */
static int arena_max = -1;

int mallopt(int param, int value) {
    if (param == M_ARENA_MAX)
        arena_max = value;
    return 1;
}

/* Take every descriptor still free under the soft limit (at most `max`,
 * into `fds`). Returns how many. */
static int take_all_fds(int *fds, int max) {
    int n = 0;
    while (n < max && (fds[n] = dup(STDERR_FILENO)) >= 0)
        n++;
    return n;
}

/* Lower the soft open-files limit to `n`, the limit as it was in *saved
 * (setrlimit(RLIMIT_NOFILE, saved) puts it back). */
static void lower_fd_limit(rlim_t n, struct rlimit *saved) {
    assert_int_equal(getrlimit(RLIMIT_NOFILE, saved), 0);
    struct rlimit rl = *saved;
    rl.rlim_cur = n;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

/* Before rlimits_reserve_fds(), the message has the limit only (first:
 * what it records stays for the process). */
static void test_without_a_reservation_only_the_limit_is_said(void **state) {
    (void)state;
    struct rlimit rl;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    char want[64], said[256];
    snprintf(want, sizeof want, "too many open files (ulimit -n is %llu)",
             (unsigned long long)rl.rlim_cur);
    rlimits_describe_fds(said, sizeof said);
    assert_string_equal(said, want);
}

/* What rlimits_reserve_fds() found a load of `workers` needs, from its
 * message. */
static long fds_needed(int workers) {
    char err[256] = "", said[256];
    assert_int_equal(rlimits_reserve_fds(workers, false, err, sizeof err), 0);
    rlimits_describe_fds(said, sizeof said);
    const char *n = strstr(said, "needs about ");
    if (!n)
        fail_msg("%s", said);
    return strtol(n + strlen("needs about "), NULL, 10);
}

/* The descriptors open now are part of the need, each counted once, read
 * from /proc or, without it, found one by one. */
static void test_open_descriptors_are_counted(void **state) {
    (void)state;
    long need = fds_needed(3);
    hide_proc_fds = true;
    long need_without_proc = fds_needed(3);
    hide_proc_fds = false;
    int taken[20];
    for (int i = 0; i < 20; i++)
        assert_true((taken[i] = dup(STDERR_FILENO)) >= 0);
    long need_more = fds_needed(3);
    hide_proc_fds = true;
    long need_more_without_proc = fds_needed(3);
    hide_proc_fds = false;
    for (int i = 0; i < 20; i++)
        close(taken[i]);
    assert_int_equal(need_without_proc, need);
    assert_int_equal(need_more, need + 20);
    assert_int_equal(need_more_without_proc, need + 20);
}

/* A soft limit above the need is left as it is: never lowered. */
static void test_soft_limit_above_the_need_is_kept(void **state) {
    (void)state;
    struct rlimit saved, rl;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
    if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max < 1000)
        skip();
    lower_fd_limit(1000, &saved);
    char err[256] = "";
    assert_int_equal(rlimits_reserve_fds(5, false, err, sizeof err), 0);
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
    assert_int_equal(rl.rlim_cur, 1000);
}

static void test_soft_limit_is_raised_to_what_a_load_needs(void **state) {
    (void)state;
    struct rlimit saved, rl;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
    if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max < 200)
        skip();
    rl = saved;
    rl.rlim_cur = 12;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
    char err[256] = "";
    assert_int_equal(rlimits_reserve_fds(5, false, err, sizeof err), 0);
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    /* 6 handles of 8, the database's, the margin: well above 12 */
    assert_true(rl.rlim_cur >= 6 * 8 + 16);
    assert_true(rl.rlim_cur < 200);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
}

/* The limit the child sets before asking for 5 workers (0: it could not
 * tell, a failure). */
typedef rlim_t (*limit_fn)(void);

/* In a child (the hard limit cannot be raised again by a user): set soft
 * and hard limits to limit(), ask rlimits_reserve_fds() for 5 workers, and
 * hand its refusal back in err; the child must have been refused. */
static void refusal_in_child(limit_fn limit, char *err, size_t size) {
    int out[2];
    assert_int_equal(pipe(out), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        rlim_t l = limit();
        if (l == 0)
            _exit(2);
        struct rlimit rl = {.rlim_cur = l, .rlim_max = l};
        char msg[320] = "";
        int rc = setrlimit(RLIMIT_NOFILE, &rl) == 0 ? rlimits_reserve_fds(5, false, msg, sizeof msg)
                                                    : -2;
        ssize_t w = write(out[1], msg, strlen(msg));
        (void)w;
        _exit(rc == -1 ? 0 : 1);
    }
    close(out[1]);
    ssize_t n = read(out[0], err, size - 1);
    close(out[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_true(n > 0);
    err[n] = '\0';
}

static rlim_t twenty(void) {
    return 20;
}

static void test_hard_limit_too_low_is_refused_with_figures(void **state) {
    (void)state;
    char err[320] = "";
    refusal_in_child(twenty, err, sizeof err);
    assert_non_null(strstr(err, "too many open files (ulimit -n is 20; tmdb-ingest needs about "));
    assert_non_null(strstr(err, " for 5 workers)"));
    assert_non_null(strstr(err, "hard limit is 20"));
    /* fewer workers would not help: it does not say to give fewer */
    assert_non_null(strstr(err, ": not even one worker fits under it"));
    assert_null(strstr(err, "fewer"));
}

/* What 2 workers need, read back from the message, and 7 more: not enough
 * for a third. */
static rlim_t two_workers(void) {
    char msg[320] = "";
    long need2 = 0;
    if (rlimits_reserve_fds(2, false, msg, sizeof msg) != 0)
        return 0;
    rlimits_describe_fds(msg, sizeof msg);
    const char *at = strstr(msg, "needs about ");
    if (!at || sscanf(at, "needs about %ld", &need2) != 1)
        return 0;
    return (rlim_t)need2 + 7;
}

/* A hard limit that 2 workers fit under, not 5: the message says how many
 * do. */
static void test_hard_limit_names_the_workers_that_fit(void **state) {
    (void)state;
    char err[320] = "";
    refusal_in_child(two_workers, err, sizeof err);
    assert_non_null(strstr(err, " for 5 workers)"));
    assert_non_null(strstr(err, "or give --workers 2 or fewer"));
}

/* A socket() that fails with EMFILE: libcurl says only "Couldn't connect
 * to server", as if the server had refused. */
static void test_connect_without_descriptors_names_the_limit(void **state) {
    (void)state;
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(listener >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(listener, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(listener, 4), 0);
    assert_int_equal(getsockname(listener, (struct sockaddr *)&a, &len), 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/3/movie/1", ntohs(a.sin_port));

    assert_int_equal(http_global_init(), 0);
    struct http_shared *sh = http_shared_new();
    struct http_config cfg = {.timeout_s = 5, .connect_timeout_s = 5, .max_body = 1 << 20};
    struct http_client *c = http_client_new(sh, &cfg);
    assert_non_null(c);
    struct rlimit saved;
    lower_fd_limit(64, &saved);
    int taken[64];
    int n_taken = take_all_fds(taken, 64); /* not one left */
    struct http_result r;
    http_get(c, url, &r);
    for (int i = 0; i < n_taken; i++)
        close(taken[i]);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
    assert_int_equal(r.error, HTTP_ERR_NO_FDS);
    assert_non_null(strstr(r.message, "too many open files (ulimit -n is "));
    http_client_free(c);
    http_shared_free(sh);
    http_global_cleanup();
    close(listener);
}

/* A connection that fails for a reason curl cannot name (the resolver's
 * socket pair failing as socket() would) is put down to the limit only
 * when the process cannot open a descriptor now. */
static void test_exhausted_descriptors_are_seen(void **state) {
    (void)state;
    assert_false(rlimits_fds_exhausted());
    struct rlimit saved;
    lower_fd_limit(64, &saved);
    int taken[64];
    int n_taken = take_all_fds(taken, 64);
    bool exhausted = rlimits_fds_exhausted();
    if (n_taken > 0)
        close(taken[--n_taken]);
    bool one_free = rlimits_fds_exhausted();
    for (int i = 0; i < n_taken; i++)
        close(taken[i]);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
    assert_true(exhausted);
    assert_false(one_free);
}

/* Asking whether descriptors are exhausted takes none (the lowest free
 * one may be 0: stdin closed), and a closed stderr is not exhaustion. */
static void test_exhaustion_check_takes_no_descriptor(void **state) {
    (void)state;
    int saved_stdin = dup(STDIN_FILENO), saved_stderr = dup(STDERR_FILENO);
    assert_true(saved_stdin >= 0 && saved_stderr >= 0);
    close(STDIN_FILENO);
    bool exhausted = rlimits_fds_exhausted();
    bool stdin_taken = fcntl(STDIN_FILENO, F_GETFD) != -1;
    assert_int_equal(dup2(saved_stdin, STDIN_FILENO), STDIN_FILENO);
    fflush(stderr);
    close(STDERR_FILENO);
    bool exhausted_without_stderr = rlimits_fds_exhausted();
    assert_int_equal(dup2(saved_stderr, STDERR_FILENO), STDERR_FILENO);
    close(saved_stdin);
    close(saved_stderr);
    assert_false(stdin_taken);
    assert_false(exhausted);
    assert_false(exhausted_without_stderr);
}

/* Set the soft address space limit to `bytes` (RLIM_INFINITY: none), the
 * limit as it was in *saved. Skips where the hard limit is lower. */
static void set_as_limit(rlim_t bytes, struct rlimit *saved) {
    assert_int_equal(getrlimit(RLIMIT_AS, saved), 0);
    if (saved->rlim_max != RLIM_INFINITY && (bytes == RLIM_INFINITY || saved->rlim_max < bytes))
        skip();
    struct rlimit rl = *saved;
    rl.rlim_cur = bytes;
    assert_int_equal(setrlimit(RLIMIT_AS, &rl), 0);
}

/* The thread failure names `ulimit -v` as it is: in MiB, or unlimited. */
static void test_thread_failure_names_the_address_space_limit(void **state) {
    (void)state;
    struct rlimit saved;
    char why[512];
    set_as_limit((rlim_t)4096 << 20, &saved);
    rlimits_describe_thread_error(EAGAIN, 7, why, sizeof why);
    assert_int_equal(setrlimit(RLIMIT_AS, &saved), 0);
    assert_non_null(strstr(why, "(ulimit -v: 4096 MiB)"));
    set_as_limit(RLIM_INFINITY, &saved);
    rlimits_describe_thread_error(EAGAIN, 7, why, sizeof why);
    assert_int_equal(setrlimit(RLIMIT_AS, &saved), 0);
    assert_non_null(strstr(why, "(ulimit -v: unlimited)"));
}

/* Out of memory under a finite `ulimit -v` names it and what to do;
 * without one it is only that. */
static void test_out_of_memory_names_the_address_space_limit(void **state) {
    (void)state;
    struct rlimit saved;
    char why[256];
    set_as_limit((rlim_t)4096 << 20, &saved);
    rlimits_describe_oom(why, sizeof why);
    assert_int_equal(setrlimit(RLIMIT_AS, &saved), 0);
    assert_string_equal(why, "out of memory under the virtual memory limit (ulimit -v: 4096 MiB): "
                             "raise it or give fewer --workers");
    set_as_limit(RLIM_INFINITY, &saved);
    rlimits_describe_oom(why, sizeof why);
    assert_int_equal(setrlimit(RLIMIT_AS, &saved), 0);
    assert_string_equal(why, "out of memory");
}

/* The arena cap rlimits_fit_address_space() asks for under an address
 * space limit of `mib` MiB (0: none), -1 when it asks for none. */
static int arenas_under(rlim_t mib) {
    struct rlimit saved;
    set_as_limit(mib ? mib << 20 : RLIM_INFINITY, &saved);
    arena_max = -1;
    rlimits_fit_address_space();
    assert_int_equal(setrlimit(RLIMIT_AS, &saved), 0);
    return arena_max;
}

/* glibc's arenas are capped at one per 256 MiB of a finite limit, at least
 * 1, at most 8; without a limit they are left alone. */
static void test_arenas_fit_the_address_space(void **state) {
    (void)state;
    assert_int_equal(arenas_under(0), -1);
    assert_int_equal(arenas_under(100), 1);
    assert_int_equal(arenas_under(1024), 4);
    assert_int_equal(arenas_under(16384), 8);
}

static void test_thread_failure_names_its_cause(void **state) {
    (void)state;
    char why[512];
    rlimits_describe_thread_error(EAGAIN, 7, why, sizeof why);
    assert_non_null(strstr(why, strerror(EAGAIN)));
    assert_non_null(strstr(why, "7 threads of 1024 KiB"));
    assert_non_null(strstr(why, "ulimit -v"));
    assert_non_null(strstr(why, "ulimit -u"));
    rlimits_describe_thread_error(EPERM, 7, why, sizeof why);
    assert_string_equal(why, strerror(EPERM));
}

static void test_threads_get_the_small_stack(void **state) {
    (void)state;
    pthread_attr_t attr;
    assert_int_equal(rlimits_thread_attr(&attr), 0);
    size_t size = 0;
    assert_int_equal(pthread_attr_getstacksize(&attr, &size), 0);
    assert_int_equal(size, RLIMITS_THREAD_STACK);
    pthread_attr_destroy(&attr);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_without_a_reservation_only_the_limit_is_said),
        cmocka_unit_test(test_open_descriptors_are_counted),
        cmocka_unit_test(test_soft_limit_above_the_need_is_kept),
        cmocka_unit_test(test_soft_limit_is_raised_to_what_a_load_needs),
        cmocka_unit_test(test_hard_limit_too_low_is_refused_with_figures),
        cmocka_unit_test(test_hard_limit_names_the_workers_that_fit),
        cmocka_unit_test(test_connect_without_descriptors_names_the_limit),
        cmocka_unit_test(test_exhausted_descriptors_are_seen),
        cmocka_unit_test(test_exhaustion_check_takes_no_descriptor),
        cmocka_unit_test(test_thread_failure_names_its_cause),
        cmocka_unit_test(test_thread_failure_names_the_address_space_limit),
        cmocka_unit_test(test_out_of_memory_names_the_address_space_limit),
        cmocka_unit_test(test_arenas_fit_the_address_space),
        cmocka_unit_test(test_threads_get_the_small_stack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
