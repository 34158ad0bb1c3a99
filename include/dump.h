/*
 * dump.h - `tmdb-ingest dump`: rows written since a point, as JSON lines or
 * CSV on standard output, for jobs that load the data elsewhere. This is
 * the supported interface for downstream extracts: columns come out under
 * their schema names (docs/schema.md), one table per call.
 *
 *   tmdb-ingest dump [--since RUN_ID|TIMESTAMP] [--format jsonl|csv] [--table NAME]
 *
 * JSON lines: one object per row, values typed (numbers, strings, null).
 * CSV: RFC 4180, a header row, NULL as an empty field and an empty string
 * as "". Text that is not UTF-8 (edited in by hand) comes out with U+FFFD
 * for each stray byte in both formats. Main's thread only.
 */
#ifndef TMDB_DUMP_H
#define TMDB_DUMP_H

#include <stdint.h>
#include <stdio.h>

struct store;

enum dump_format {
    DUMP_JSONL = 0,
    DUMP_CSV = 1,
};

/*
 * Write `table`'s rows written since `since` ("" or NULL for all; a run id
 * in digits, or an ISO-8601 date or UTC time) to `out`. On success
 * *n_rows is how many and *next_since the run id to pass next time.
 * Returns 0, or -1 with the error logged; 2 when `since` names no run or
 * is not a time (logged, a usage error).
 */
int dump_rows(struct store *s, const char *table, const char *since, enum dump_format format,
              FILE *out, int64_t *n_rows, int64_t *next_since);

/*
 * The command: dump_rows() of the database at `db_path` (read-only,
 * database_open_existing()) on stdout, then where to start next time on
 * stderr ("dumped N row(s) of TABLE; next time: --since R", an event
 * "dumped"), also with -q: it is part of the result, which a downstream job
 * needs for its next dump. Returns an exit status (cli.h), the reason
 * logged: EXIT_OK, EXIT_USAGE (no such database, run or time), EXIT_FATAL.
 */
int dump_run(const char *db_path, const char *table, const char *since, enum dump_format format);

#endif
