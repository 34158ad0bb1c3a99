/*
 * stop.h - the one process-wide stop signal, for fatal errors and signals.
 *
 * Normal shutdown is a message through the queues (see queue.h). This is
 * the exception the house style allows: a single atomic flag plus a
 * self-pipe, so that any thread can end the run promptly from any state:
 *  - threads blocked on a queue are woken by queue_abort();
 *  - a producer blocked reading standard input polls stop_fd();
 *  - requests in flight see stop_requested() in curl's progress callback;
 *  - backoff sleeps use stop_sleep_ms(), which returns early.
 *
 * stop_request() is async-signal-safe (an atomic store and a write(2)), so
 * signal handlers may call it. The first reason given wins.
 *
 * stop_catch_signals() makes SIGINT, SIGTERM and SIGHUP such a stop.
 */
#ifndef TMDB_STOP_H
#define TMDB_STOP_H

#include <stdbool.h>

enum stop_reason {
    STOP_NONE = 0,
    STOP_FATAL = 1,  /* 401, database error, ...: the run cannot go on */
    STOP_SIGNAL = 2, /* SIGINT / SIGTERM / SIGHUP */
    /* TMDB or the network did not answer (an unreachable host, retries
     * spent, --give-up-after movies in a row): the run cannot go on now,
     * a later one can */
    STOP_UNAVAILABLE = 3,
};

/* Create the self-pipe. Call once from main before any thread starts.
 * Returns 0, or -1 with errno set. */
int stop_init(void);

/* Close the self-pipe. Call once after every thread is joined. */
void stop_cleanup(void);

/* Ask every thread to stop. Async-signal-safe; idempotent. Returns true
 * for the call that stopped the run (so one caller reports why). */
bool stop_request(enum stop_reason reason);

/* True once stop_request() has been called. Cheap; any thread. */
bool stop_requested(void);

/* The first reason given to stop_request(), or STOP_NONE. */
enum stop_reason stop_reason(void);

/* Ignore SIGPIPE and SIGXFSZ: a write to a pipe whose reader is gone
 * (`dump | head`) fails with EPIPE, and one past the file-size limit
 * (`ulimit -f`, systemd's LimitFSIZE=) with EFBIG, which the command
 * reports as any failed write (exit 1; a load's run is recorded failed),
 * instead of killing the process without a word. Call from main before
 * any output and any thread. Returns 0 or -1. */
int stop_ignore_write_signals(void);

/* Make SIGINT, SIGTERM and SIGHUP request a stop (STOP_SIGNAL), except one
 * ignored when the process started (`nohup`, a script's background job);
 * a second SIGINT while stopping exits at once with 128 + SIGINT. Ignores
 * SIGPIPE and SIGXFSZ too (stop_ignore_write_signals()). Call once from
 * main, after stop_init(), before any thread. Returns 0 or -1. */
int stop_catch_signals(void);

/* The signal that stopped the run (SIGINT, SIGTERM, SIGHUP), or 0. */
int stop_signal(void);

/* A file descriptor that becomes readable once a stop is requested. */
int stop_fd(void);

/* Sleep `ms` milliseconds unless a stop is requested first.
 * Returns 0 after a full sleep, -1 when woken by a stop. */
int stop_sleep_ms(long ms);

#endif
