/* stop.c - see stop.h. */
#include "stop.h"

#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

/* Written by stop_request() from any thread or signal handler. */
static atomic_int stop_state = STOP_NONE;
/* pipe_fds[1] is written once on the first stop; [0] stays readable after.
 * The descriptors are set by stop_init() before any thread starts and reset
 * by stop_cleanup() once every thread is joined; in between, any thread and
 * on_signal() read them without a lock. The handlers outlive the pipe: a
 * signal after stop_cleanup() finds -1 and writes nothing. */
static int pipe_fds[2] = {-1, -1};
/* The signal that stopped the run. Set by the handler, which may run on any
 * thread: a lock-free atomic, async-signal-safe. */
static atomic_int caught_signal;

static int set_flags(int fd) {
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

int stop_init(void) {
    if (pipe(pipe_fds) != 0)
        return -1;
    if (set_flags(pipe_fds[0]) != 0 || set_flags(pipe_fds[1]) != 0) {
        stop_cleanup();
        return -1;
    }
    return 0;
}

void stop_cleanup(void) {
    for (int i = 0; i < 2; i++) {
        if (pipe_fds[i] >= 0)
            close(pipe_fds[i]);
        pipe_fds[i] = -1;
    }
}

bool stop_request(enum stop_reason reason) {
    int expected = STOP_NONE;
    if (!atomic_compare_exchange_strong(&stop_state, &expected, (int)reason))
        return false;
    if (pipe_fds[1] >= 0) {
        int saved = errno;
        ssize_t w = write(pipe_fds[1], "x", 1);
        (void)w; /* a full pipe already wakes readers */
        errno = saved;
    }
    return true;
}

bool stop_requested(void) {
    return atomic_load_explicit(&stop_state, memory_order_acquire) != STOP_NONE;
}

enum stop_reason stop_reason(void) {
    return (enum stop_reason)atomic_load(&stop_state);
}

int stop_fd(void) {
    return pipe_fds[0];
}

/* The deadline is exact: one in whole milliseconds of the truncated clock
 * ended the sleep up to 1 ms short whenever the clock passed into the next
 * millisecond between two readings, and the rate limiter then let a
 * thread send before its slot (test_ratelimit saw it under TSan). */
int stop_sleep_ms(long ms) {
    double deadline_s = clock_monotonic_s() + (double)ms / 1000.0;
    for (;;) {
        if (stop_requested())
            return -1;
        double left_ms = (deadline_s - clock_monotonic_s()) * 1000.0;
        if (left_ms <= 0)
            return 0;
        struct pollfd p = {.fd = pipe_fds[0], .events = POLLIN};
        int r = poll(&p, pipe_fds[0] >= 0 ? 1 : 0, left_ms > 1000 ? 1000 : (int)ceil(left_ms));
        if (r < 0 && errno != EINTR)
            return stop_requested() ? -1 : 0;
    }
}

static void on_signal(int sig) {
    int none = 0;
    /* A Ctrl-C while already stopping (after a first Ctrl-C or a SIGTERM):
     * leave now; WAL keeps the database consistent. */
    if (!atomic_compare_exchange_strong(&caught_signal, &none, sig) && sig == SIGINT)
        _exit(128 + SIGINT);
    stop_request(STOP_SIGNAL);
}

int stop_ignore_write_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGPIPE, &sa, NULL) == 0 && sigaction(SIGXFSZ, &sa, NULL) == 0 ? 0 : -1;
}

/* A signal ignored when the process started stays ignored: `nohup` ignores
 * SIGHUP, a shell script's background job SIGINT, and a run started so
 * must outlive the terminal or the Ctrl-C. */
int stop_catch_signals(void) {
    static const int stops[] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof stops / sizeof *stops; i++) {
        if (sigaction(stops[i], NULL, &old) != 0)
            return -1;
        if (old.sa_handler != SIG_IGN && sigaction(stops[i], &sa, NULL) != 0)
            return -1;
    }
    return stop_ignore_write_signals();
}

int stop_signal(void) {
    return atomic_load(&caught_signal);
}
