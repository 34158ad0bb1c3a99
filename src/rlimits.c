/* rlimits.c - see rlimits.h. */
#include "rlimits.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Per curl handle at its busiest: its connection, the socket pair libcurl
 * keeps to wake it, and while it connects the threaded resolver's pair,
 * its DNS socket, a second address family tried at once (happy eyeballs)
 * and the CA bundle OpenSSL reads. Measured on the fake over HTTP: 3 held
 * per handle; the rest is what connecting to a named host over TLS adds. */
#define FDS_PER_HANDLE 8
/* The database, -wal, -shm, the rollback journal of an upgrade, the lock
 * file, SQLite's temporary files (sorts, statement journals). */
#define FDS_DATABASE 8
/* The pipeline's done pipe. */
#define FDS_PIPELINE 2
/* An export's download (an unlinked temporary file), --file, zlib's copy. */
#define FDS_EXPORT 3
/* Whatever the C library opens on the way (resolv.conf, hosts, ...). */
#define FDS_MARGIN 16

/* Written by rlimits_reserve_fds() before any thread starts, then only
 * read. 0 until then. */
static long fds_needed;
static int fds_workers;

/* Descriptors open now (standard ones, the stop pipe, inherited ones). */
static long count_open_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        long n = 0;
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            if (e->d_name[0] != '.')
                n++;
        closedir(d);
        return n - 1; /* the directory's own */
    }
    struct rlimit rl;
    long most =
        getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 ? (long)rl.rlim_cur : 65536;
    long n = 0;
    for (int fd = 0; fd < most; fd++)
        if (fcntl(fd, F_GETFD) != -1)
            n++;
    return n;
}

/* "unlimited" or the number. */
static void format_limit(rlim_t v, char *buf, size_t size) {
    if (v == RLIM_INFINITY)
        snprintf(buf, size, "unlimited");
    else
        snprintf(buf, size, "%llu", (unsigned long long)v);
}

void rlimits_describe_fds(char *buf, size_t size) {
    struct rlimit rl;
    char now[32] = "unknown";
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        format_limit(rl.rlim_cur, now, sizeof now);
    if (fds_needed > 0)
        snprintf(buf, size,
                 "too many open files (ulimit -n is %s; tmdb-ingest needs about %ld for %d "
                 "worker%s)",
                 now, fds_needed, fds_workers, fds_workers == 1 ? "" : "s");
    else
        snprintf(buf, size, "too many open files (ulimit -n is %s)", now);
}

int rlimits_reserve_fds(int workers, bool export_files, char *err, size_t err_size) {
    fds_workers = workers;
    fds_needed = count_open_fds() + (long)(workers + 1) * FDS_PER_HANDLE + FDS_DATABASE +
                 FDS_PIPELINE + (export_files ? FDS_EXPORT : 0) + FDS_MARGIN;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0; /* cannot tell: go on, and name EMFILE if it comes */
    rlim_t need = (rlim_t)fds_needed;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
            char hard[32];
            format_limit(rl.rlim_max, hard, sizeof hard);
            rlimits_describe_fds(err, err_size);
            size_t n = strlen(err);
            n += (size_t)snprintf(err + n, err_size - n,
                                  ": its hard limit is %s; raise it (ulimit -Hn, LimitNOFILE= for "
                                  "systemd)",
                                  hard);
            /* the workers that fit under it, each a handle's descriptors */
            long over = fds_needed - (long)rl.rlim_max;
            long fit = workers - (over + FDS_PER_HANDLE - 1) / FDS_PER_HANDLE;
            if (n < err_size && fit >= 1)
                snprintf(err + n, err_size - n, " or give --workers %ld or fewer", fit);
            else if (n < err_size)
                snprintf(err + n, err_size - n, ": not even one worker fits under it");
            return -1;
        }
        rl.rlim_cur = need;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
            snprintf(err, err_size, "could not raise the open files limit to %ld: %s", fds_needed,
                     strerror(errno));
            return -1;
        }
    }
    return 0;
}

bool rlimits_fds_exhausted(void) {
    int fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0);
    if (fd >= 0) {
        close(fd);
        return false;
    }
    return errno == EMFILE || errno == ENFILE;
}

int rlimits_thread_attr(pthread_attr_t *attr) {
    int err = pthread_attr_init(attr);
    if (err != 0)
        return err;
    err = pthread_attr_setstacksize(attr, RLIMITS_THREAD_STACK);
    if (err != 0)
        pthread_attr_destroy(attr);
    return err;
}

/* A limit in bytes as "unlimited" or MiB. */
static void format_mib(rlim_t v, char *buf, size_t size) {
    if (v == RLIM_INFINITY)
        snprintf(buf, size, "unlimited");
    else
        snprintf(buf, size, "%llu MiB", (unsigned long long)(v >> 20));
}

void rlimits_describe_thread_error(int err, unsigned n_threads, char *buf, size_t size) {
    if (err != EAGAIN) {
        snprintf(buf, size, "%s", strerror(err));
        return;
    }
    struct rlimit as, nproc;
    char vm[32] = "unknown", procs[32] = "unknown";
    if (getrlimit(RLIMIT_AS, &as) == 0)
        format_mib(as.rlim_cur, vm, sizeof vm);
    if (getrlimit(RLIMIT_NPROC, &nproc) == 0)
        format_limit(nproc.rlim_cur, procs, sizeof procs);
    snprintf(buf, size,
             "%s: %u threads of %zu KiB of stack each, with the memory libraries reserve "
             "per thread, do not fit the virtual memory limit (ulimit -v: %s) or the "
             "processes limit (ulimit -u: %s) or the control group's task limit (systemd "
             "TasksMax=); raise them or give fewer --workers",
             strerror(err), n_threads, RLIMITS_THREAD_STACK >> 10, vm, procs);
}

void rlimits_describe_oom(char *buf, size_t size) {
    struct rlimit as;
    if (getrlimit(RLIMIT_AS, &as) != 0 || as.rlim_cur == RLIM_INFINITY) {
        snprintf(buf, size, "out of memory");
        return;
    }
    char vm[32];
    format_mib(as.rlim_cur, vm, sizeof vm);
    snprintf(buf, size,
             "out of memory under the virtual memory limit (ulimit -v: %s): raise it or give "
             "fewer --workers",
             vm);
}

void rlimits_fit_address_space(void) {
#if defined(__GLIBC__) && defined(M_ARENA_MAX)
    struct rlimit as;
    if (getrlimit(RLIMIT_AS, &as) != 0 || as.rlim_cur == RLIM_INFINITY)
        return;
    rlim_t arenas = as.rlim_cur / ((rlim_t)256 << 20);
    (void)mallopt(M_ARENA_MAX, arenas < 1 ? 1 : arenas > 8 ? 8 : (int)arenas);
#endif
}
