/*
 * rlimits.h - the machine's limits a load runs into before the server's:
 * file descriptors (RLIMIT_NOFILE) and thread stacks.
 *
 * A load holds, at once, a socket per curl handle (each worker's, the
 * producer's) plus the pair libcurl keeps to wake each handle, the resolver's
 * pair and DNS socket while one connects, the database, its -wal, -shm,
 * journal and lock file, SQLite's temporary files, the export's files and
 * the standard descriptors. Too few, and socket() fails with EMFILE, which
 * libcurl reports as "Couldn't connect to server": a run that reads as if
 * TMDB refused it. So, as mature servers do, the load raises its soft limit
 * to what it needs (never past the hard limit) before anything opens, and
 * refuses to start, saying so, when the hard limit is too low.
 *
 * Threading: rlimits_reserve_fds() and rlimits_fit_address_space() are
 * called once by main's thread before any thread starts; what the first
 * records is only read afterwards, so the other functions may be called
 * from any thread.
 */
#ifndef TMDB_RLIMITS_H
#define TMDB_RLIMITS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Make room for a load with `workers` workers (0 for a dry run: only the
 * producer's handle) and, when `export_files`, the export's files: raise
 * the soft RLIMIT_NOFILE to the descriptors that need (those open now
 * counted) when it is lower, up to the hard limit. Returns 0, or -1 when
 * the hard limit is too low (nothing changed), with the message (see
 * rlimits_describe_fds()) in `err`.
 */
int rlimits_reserve_fds(int workers, bool export_files, char *err, size_t err_size);

/* "too many open files (ulimit -n is N; tmdb-ingest needs about M for W
 * workers)", from the limit now and the needs rlimits_reserve_fds() found
 * (without it: the limit only). For EMFILE/ENFILE wherever they happen. */
void rlimits_describe_fds(char *buf, size_t size);

/*
 * Thread stacks. By default each thread reserves RLIMIT_STACK (8 MiB) of
 * address space: under `ulimit -v` 400 MB, 20 workers could not start
 * (pthread_create: EAGAIN), though each uses a few dozen KiB. Our threads
 * (producer, workers, writer) get RLIMITS_THREAD_STACK instead. Deepest use
 * measured, in KiB (each thread's stack filled with a pattern by an
 * LD_PRELOAD wrapper of pthread_create, the untouched bytes counted when it
 * ends; TLS included), a list of 300 with every --append part, over HTTP
 * and over TLS to a named host, -O2 / ASan+UBSan -O1:
 *   writer: SQLite upserts, the search index, commits           13 / 16
 *   producer: list pages, curl                                   18 / 20
 *   worker: curl, an OpenSSL handshake, zlib, and a body nested
 *     254 deep (json_strict_valid() takes up to JSON_MAX_DEPTH,
 *     256) into cJSON                                            34 / 36
 *   cJSON (the distribution's, uninstrumented) on an error body or
 *     a list page nested 998 deep (its own limit is 1000), in a
 *     thread of a test program: tmdb_parse_error(), list pages  100 / 102
 * 1 MiB is ten times the deepest. Least `ulimit -v` a list of 300 loaded
 * under (MB, steps of 25-50), 8 MiB stacks before, 1 MiB and the arena cap
 * below now: 20 workers 550 and 50; 50 workers 1050 and 100; 256 workers
 * 300 now.
 */
#define RLIMITS_THREAD_STACK ((size_t)1 << 20)

/*
 * Under `ulimit -v`, glibc's malloc is the other taker of address space:
 * each thread that allocates gets an arena reserving 64 MiB, up to 8 per
 * core, first come first served, so the next thread's stack found no room
 * (50 workers at 1 MiB stacks started under -v 100 MB, not under 200,
 * 400 or 600). With a finite RLIMIT_AS this caps the arenas at one per 256 MiB of
 * it (at least 1, at most 8): threads then share them (the load is bound
 * by the network), and 50 workers start at any limit from 100 MB. Without
 * a limit, or another C library, nothing changes. Main's thread, before
 * any thread starts.
 */
void rlimits_fit_address_space(void);

/* Initialise `attr` for one of our threads (RLIMITS_THREAD_STACK).
 * Returns 0 or an errno value; the caller destroys it. */
int rlimits_thread_attr(pthread_attr_t *attr);

/* Why pthread_create() failed with `err` for one of `n_threads`: its
 * strerror, and for EAGAIN the limits that cause it (ulimit -v, -u, and
 * a control group's task limit: systemd's TasksMax=, under a timer). */
void rlimits_describe_thread_error(int err, unsigned n_threads, char *buf, size_t size);

/* Why an allocation a load cannot go without (a thread's curl handle, the
 * pipeline's queues) failed: "out of memory", and under a finite
 * `ulimit -v` the limit and what to do, since the threads' stacks and
 * malloc's arenas share it ("out of memory under the virtual memory limit
 * (ulimit -v: 150 MiB): raise it or give fewer --workers"). A thread that
 * started as the address space ran out says this where its starter's
 * rlimits_describe_thread_error() would have said the rest. */
void rlimits_describe_oom(char *buf, size_t size);

/* Whether the process cannot open one more descriptor now (EMFILE/ENFILE):
 * asked after a connection failed for no reason curl could name. */
bool rlimits_fds_exhausted(void);

#endif
