/*
 * log.h - every line the program writes to stderr goes through here.
 *
 * Messages are one line each, prefixed "tmdb-ingest: ", and written whole
 * under one lock, so lines from different threads never interleave, and
 * each with one write(2), so neither do another process's writing the
 * same log file; the
 * control bytes a message holds (a file name's newline, a server's escape
 * sequence) are written as \xNN. When
 * stderr is a terminal and progress is on, a progress line is redrawn in
 * place (cut to the terminal's width: one that wrapped could not be) and
 * cleared before any message; when stderr is not a terminal
 * (cron, systemd), no progress line is ever written.
 *
 * With --log-format json every line is one JSON object instead, for log
 * collectors: {"time":"2026-11-26T03:30:00Z","level":"warn","event":"message",
 * "message":"..."}; events with fields (the run summary) carry them as keys.
 * No progress line is drawn in JSON mode.
 *
 * With -q (LOG_ERROR) warnings are held back, and written only when the
 * run turns out not to end ok (log_show_held()).
 *
 * Callers never pass a credential or a URL with its query string: URLs go
 * through tmdb_redact_url() first.
 */
#ifndef TMDB_LOG_H
#define TMDB_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum log_level {
    LOG_ERROR = 0,
    LOG_WARN = 1,
    LOG_INFO = 2,  /* shown with --verbose */
    LOG_DEBUG = 3, /* shown with -vv */
};

enum log_format {
    LOG_FORMAT_TEXT = 0,
    LOG_FORMAT_JSON = 1,
};

/* Configure once from main before threads start: the most verbose level
 * shown, whether progress lines may be drawn (only if stderr is a tty and
 * the format is text), and the format.
 *
 * At LOG_ERROR (-q) warnings are not written but held (log_warn_setup()'s
 * are written), the first
 * LOG_HELD_MAX of them: a run that ends ok says nothing, one that does not
 * shows them with log_show_held(), since they say why (a line that was not
 * a movie id, changes not marked complete). */
void log_init(enum log_level max_level, bool progress, enum log_format format);

#define LOG_HELD_MAX 32

/* The bytes of an error line as log_first_error() gives it, its NUL
 * included. */
#define LOG_ERROR_SIZE 4096

/* The first error logged since log_init() (by any thread), as its text
 * line says it without the prefix (control bytes as \xNN): why the run
 * ended as it did, for its row in runs (runs.error). Copied into buf (cut
 * to `size`); false, and "", when no error was logged. Thread-safe. */
bool log_first_error(char *buf, size_t size);

/* Write the warnings held back (-q), then how many more there were, and
 * show warnings from now on. No-op unless the level is LOG_ERROR. Main's
 * thread only, while no other thread logs (before or after the pipeline),
 * as log_init(). */
void log_show_held(void);

/* One field of a structured event. */
struct log_field {
    const char *key;
    const char *text; /* a string value, or NULL for the number */
    double number;
};

/*
 * A structured event on stderr, written whatever the level (the
 * end-of-run summary): in text mode `text` (log_summary()); in JSON mode an object
 * with time, level "info", event, and the fields (log_event_json()).
 */
void log_event(const char *event, const char *text, const struct log_field *fields,
               size_t n_fields);

/* The JSON object of an event, one line, on `out` whatever the format: a
 * command's result on stdout (a dry run's, with --log-format json), in the
 * shape of the log's events. Unlocked, unflushed: for the main thread's
 * own output (log_output_flushed()). */
void log_event_json(FILE *out, const char *event, const struct log_field *fields, size_t n_fields);

/* True when progress lines will be drawn. */
bool log_progress_enabled(void);

void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A warning about how the run is set up (a token file others may read, an
 * http:// API base, more workers than TMDB's connections, --append or
 * --include-adult left out of a line the database was loaded with, --shard
 * on a database of other shards, an export file of unknown day, `ids -`
 * reading no id: the command feeding it failed, a token with a gateway's
 * user:password@ in the API base, a database file that cannot take its
 * DB-wal: a full disk, a file-size limit), which
 * comes back at every run until the setup changes: written even with -q,
 * whose cron mail is where its operator learns of it. So is, once, that an
 * earlier run died (kill -9, out of memory, a power loss), which nothing
 * else tells a cron job's operator, and what asks for action after a
 * command that went well (a load's database replaced under it; a restore
 * that could not read the replaced database's runs: reset downstream jobs'
 * --since). A warning of what a run met (a bad id,
 * a stale copy) is log_warn(), held back with -q. */
void log_warn_setup(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* Draw `line` as the progress line (no-op unless progress is enabled). */
void log_progress(const char *line);

/* Erase the progress line, if any (before the final summary). */
void log_progress_clear(void);

/* Write `line` to stderr, plus a newline, whatever the level (the
 * end-of-run summary, a usage error in text): its control bytes as \xNN,
 * as a message's. */
void log_summary(const char *line);

/* Flush `out`, where a command wrote its result (a report, a dump, a dry
 * run's count), and return 0; or, when it did not all get there (a full
 * disk, a closed file), log "writing WHAT: why" ('the dump', '--help') and
 * return -1. */
int log_output_flushed(FILE *out, const char *what);

#endif
