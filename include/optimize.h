/*
 * optimize.h - `tmdb-ingest optimize`: the search index compacted.
 *
 * FTS5 keeps the text a refetch replaced until its segments are merged;
 * this merges them into one (store_optimize_search(), one statement in its
 * own transaction), under the database's lock (LOCK_FOR_OPTIMIZE: a load
 * or a merge running makes it exit 6), then empties DB-wal, which held the
 * index written anew (database_empty_wal()).
 *
 * Main's thread only. A signal ends it with the default action: its
 * transaction is never committed, and the index stays as it was.
 */
#ifndef TMDB_OPTIMIZE_H
#define TMDB_OPTIMIZE_H

struct options;

/* Optimize `opt->db_path`'s search index, saying its size before and
 * after unless -q (an event "optimized" with --log-format json). Returns
 * an exit status (cli.h), the reason logged: EXIT_OK; EXIT_USAGE when the
 * database is missing; EXIT_LOCKED when its lock is held; EXIT_FATAL when
 * the optimize fails (the index as it was). */
int optimize_run(const struct options *opt);

#endif
