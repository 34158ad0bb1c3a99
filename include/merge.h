/*
 * merge.h - `tmdb-ingest merge OUT IN...`: shard databases (--shard K/N
 * loads, or any databases of this tool in one language) merged into OUT.
 *
 * Every input is checked before OUT is created or written: readable, a
 * tmdb-ingest database, in the first input's language. OUT is opened under
 * its lock (a load or another merge on it: exit 6) and each input merged in
 * its own transaction, in order (store_merge(): per movie the later fetch
 * wins; runs copied, numbered after OUT's); then, when every part came
 * again and complete, the changes cursor is theirs
 * (store_merge_settle_cursor()). What a downstream job or the next
 * `changes` must know is warned of: an input with no changes cursor, runs
 * still running, copies older than the fetch kept.
 *
 * Main's thread only. Local files only: no credential, no network.
 */
#ifndef TMDB_MERGE_H
#define TMDB_MERGE_H

struct options;

/* Merge `opt->merge_inputs` into `opt->merge_out`, saying what each input
 * brought unless -q (an event "merged" each with --log-format json).
 * Returns an exit status (cli.h), the reason logged: EXIT_OK; EXIT_USAGE
 * for an input that is not a database of this tool or in another language
 * (nothing merged); EXIT_LOCKED when OUT's lock is held; EXIT_FATAL when an
 * input is missing or unreadable, or a merge fails (the inputs merged
 * before it stay merged, that one not at all). */
int merge_run(const struct options *opt);

#endif
