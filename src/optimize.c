/* optimize.c - see optimize.h. */
#include "optimize.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "clock.h"
#include "database.h"
#include "log.h"
#include "store.h"

int optimize_run(const struct options *opt) {
    int lock_fd;
    struct store *s;
    int code = database_open_for_optimize(opt, &lock_fd, &s);
    if (code != 0)
        return code;
    long long started_ms = clock_monotonic_ms();
    int64_t before = 0, after = 0;
    if (store_optimize_search(s, &before, &after) != STORE_OK) {
        log_error("%s", store_errmsg(s));
        code = EXIT_FATAL;
    } else
        database_empty_wal(s, "optimize"); /* it held the index written anew */
    database_close(s, lock_fd);
    if (code != 0 || opt->verbosity < 0)
        return code;
    double seconds = (double)(clock_monotonic_ms() - started_ms) / 1000.0;
    char line[PATH_MAX + 160];
    snprintf(line, sizeof line,
             "tmdb-ingest: optimized the search index of %s: %.1f MiB before, %.1f MiB after, "
             "in %.1f s",
             opt->db_path, (double)before / (1024.0 * 1024.0), (double)after / (1024.0 * 1024.0),
             seconds);
    const struct log_field fields[] = {
        {"database", opt->db_path, 0},
        {"index_bytes_before", NULL, (double)before},
        {"index_bytes_after", NULL, (double)after},
        {"seconds", NULL, seconds},
    };
    log_event("optimized", line, fields, sizeof fields / sizeof *fields);
    return EXIT_OK;
}
