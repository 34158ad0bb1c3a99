/*
 * report.h - what `tmdb-ingest stats` prints: the database at a glance
 * (movies, deleted, parts, failures, how complete the changes are, how
 * fresh the movies are, the last runs), and what `tmdb-ingest search` prints.
 * Whether a run that says "running" still runs is asked of the database's
 * lock (lock_query()), after the snapshot the report is read from, and of
 * the run's status read again after that (store_run_status()).
 * Main's thread only.
 */
#ifndef TMDB_REPORT_H
#define TMDB_REPORT_H

#include <stdbool.h>
#include <stdio.h>

struct store;

/* How many recent runs the report lists. */
#define REPORT_RUNS 10

/* Write the report on `path`'s database `s` to `out`: text for people, or
 * with `json` one JSON object and a newline, for monitoring (its fields are
 * in docs/schema.md, "stats --format json"). Returns 0, or -1 with the
 * error logged (also when `out` could not take all of it: a full disk, a
 * closed pipe); a lock that cannot be asked is said in the report, not an
 * error. */
int report_stats(struct store *s, const char *path, bool json, FILE *out);

/* `tmdb-ingest search QUERY`: the best `limit` matches, one per line
 * ("ID  TITLE (YEAR)  SNIPPET"), on `out`, as UTF-8 (a byte of stored text
 * that is not, edited in by hand, as U+FFFD). Returns 0 with *n_hits set, 1
 * for a query with no word or more than STORE_SEARCH_MAX_WORDS (logged: a
 * usage error), -1 on error (logged; also when `out` could not take all
 * the matches). */
int report_search(struct store *s, const char *query, int limit, FILE *out, int *n_hits);

/* The commands: report_stats() and report_search() of the database at
 * `db_path` (read-only, database_open_existing(): an older one upgraded
 * first) on stdout. Return an exit status (cli.h), the reason logged:
 * EXIT_OK; EXIT_USAGE for a missing database or a query of no word;
 * EXIT_FATAL; and for search, like grep, EXIT_NO_MATCH when nothing
 * matches, so that scripts can test for it. */
int report_stats_run(const char *db_path, bool json);
int report_search_run(const char *db_path, const char *query, int limit);

#endif
