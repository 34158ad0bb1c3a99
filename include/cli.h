/*
 * cli.h - the command line: parsing, validation, --help text.
 *
 *   tmdb-ingest [OPTIONS] list NAME [--pages N|all]
 *   tmdb-ingest [OPTIONS] ids ID... | ids -
 *   tmdb-ingest [OPTIONS] export [--date YYYY-MM-DD | --file PATH]
 *   tmdb-ingest [OPTIONS] changes [--since YYYY-MM-DD]
 *   tmdb-ingest merge OUT.sqlite3 IN.sqlite3...
 *   tmdb-ingest [--db PATH] stats [--format text|json]
 *   tmdb-ingest [--db PATH] dump [--since RUN_ID|TIME] [--format jsonl|csv] [--table NAME]
 *   tmdb-ingest [--db PATH] search QUERY [--limit N]
 *   tmdb-ingest [--db PATH] backup DEST
 *   tmdb-ingest [--db PATH] optimize
 *   tmdb-ingest [--db PATH] restore BACKUP
 *
 * Options may come before or after the command (GNU style, getopt_long
 * permutation). Credentials never come from the command line: main reads
 * them from the environment or --token-file.
 *
 * Called once from main's thread before anything else runs. The struct
 * options owns the id array and `args`, the copy of argv's pointers that
 * merge_inputs points into (free both with cli_free()); every string in
 * it points into argv or the environment.
 */
#ifndef TMDB_CLI_H
#define TMDB_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dump.h"
#include "export.h"
#include "log.h"
#include "source.h"
#include "sync.h"
#include "tmdb.h"

/* Exit statuses: scripts and schedulers rely on these. */
enum exit_status {
    EXIT_OK = 0,          /* everything fetched (404s for deleted movies included) */
    EXIT_FATAL = 1,       /* the run could not go on (credential rejected, database error, ...) */
    EXIT_USAGE = 2,       /* usage or configuration error; nothing was requested */
    EXIT_PARTIAL = 3,     /* the run finished but some movies failed after all retries, or
                             an export's deletions were held back (--max-deletions) */
    EXIT_NO_MATCH = 4,    /* search found nothing */
    EXIT_UNRECORDED = 5,  /* a load ended, but its end could not be written to the database
                             (locked or full past the retries): runs says it is running */
    EXIT_LOCKED = 6,      /* another tmdb-ingest run holds the database's lock file: nothing
                             was done (a skip, not an outage: schedulers can tell) */
    EXIT_UNAVAILABLE = 7, /* TMDB or the network did not answer (an outage): the run stopped;
                             what was fetched is committed, and a later run resumes */
    EXIT_SIGINT = 130,    /* interrupted by SIGINT; what was fetched is committed */
    EXIT_SIGTERM = 143,   /* stopped by SIGTERM; what was fetched is committed */
    EXIT_SIGHUP = 129,    /* stopped by SIGHUP (the terminal closed); likewise */
};

#define DEFAULT_DB "tmdb.sqlite3"
#define DEFAULT_EXPORT_BASE EXPORT_DEFAULT_BASE
#define DEFAULT_API_BASE TMDB_API_BASE
#define DEFAULT_LANGUAGE "ko-KR"
#define DEFAULT_WORKERS 5
#define DEFAULT_QUEUE_SIZE 5
/* TMDB's CDN allows about 40 requests/s per address; stay clearly below. */
#define DEFAULT_RATE 35.0
#define DEFAULT_RETRIES 4
/* Movies in a row failing with no answer TMDB meant before a load
 * stops as an outage (writer.h): at the default retries each takes about
 * 7 s of back-off, so 50 take about a minute and a quarter with 5 workers
 * (69 s measured, every request answered 503 without Retry-After: retry.h)
 * (hours when the server asks for long pauses: Retry-After is honoured up
 * to RETRY_AFTER_CAP_MS); TMDB's few movies that always answer 500 are
 * never 50 in a row. */
#define DEFAULT_GIVE_UP_AFTER 50
#define DEFAULT_TIMEOUT_S 30
#define DEFAULT_MAX_BODY (8u * 1024 * 1024)
/* The largest --max-body: TMDB's biggest answers (a movie with every part
 * appended) are a few MiB; each worker may hold a body this big. */
#define MAX_MAX_BODY ((size_t)1 << 30)
/* Rows per transaction. Only a load faster than this many movies a second
 * fills a batch before its second is up (at TMDB's rate a batch holds about
 * 35). Such a load writes each page a transaction touches once, however
 * many of the batch's movies touched it: 2,000 took 12 % less CPU than 500
 * for 100,000 movies, for a WAL of some ten pages a movie of the open batch
 * (docs/benchmarks.md). */
#define DEFAULT_BATCH_ROWS 2000
#define DEFAULT_BATCH_MS 1000L
/* SQLite's own default page cache: the load's memory stays flat however
 * many movies it writes (docs/benchmarks.md, scenario c). */
#define DEFAULT_DB_CACHE (2u * 1024 * 1024)
#define MIN_DB_CACHE (64u * 1024)
#define MAX_WORKERS 256

enum command {
    COMMAND_LOAD,  /* list, ids, export, changes: run the pipeline */
    COMMAND_MERGE, /* merge shard databases */
    COMMAND_STATS, /* what the database holds */
    COMMAND_DUMP,  /* rows written since a point */
    COMMAND_SEARCH, /* full-text search */
    COMMAND_BACKUP, /* a copy of the database (backup.h) */
    COMMAND_OPTIMIZE, /* the search index compacted */
    COMMAND_RESTORE,  /* a backup put in place of the database (restore.h) */
};

struct options {
    enum command command;
    struct source source;
    int64_t *ids; /* owned; source.ids points here */
    const char *db_path;
    const char *api_base;
    const char *language;
    const char *cacert;
    const char *token_file;
    int workers;
    size_t queue_size;
    double rate;
    int retries;
    int give_up_after; /* 0 never */
    long timeout_s;
    size_t max_body;
    int batch_rows;
    size_t db_cache; /* bytes of SQLite page cache for the writing connection */
    int verbosity; /* 0 default, -1 quiet, 1 verbose, 2 debug */
    bool progress;
    bool refresh; /* fetch again what an interrupted run already stored */
    char append[512]; /* normalised --append list, "" for none */
    enum log_format log_format; /* --log-format */
    bool dry_run;         /* enumerate and count; no detail request, nothing written */
    long long max_age_s;  /* skip movies fetched less than this ago; 0 = off */
    const char *export_date; /* export --date, or NULL for the newest */
    const char *export_base; /* export --export-base */
    /* The export's day (sync_plan()), -1 when unknown, and whether the
     * export read held TMDB's adult list. Written during the pipeline by
     * the producer thread only (through source.export_day and
     * source.adult_listed: the day before's export taken, the adult one
     * read); main reads them only after pipeline_run() has joined it. */
    long export_day;
    bool export_adult_listed;
    struct deletion_limit max_deletions; /* export --max-deletions */
    const char *since;       /* changes: a date (NULL: the stored cursor); dump: a run or time */
    const char *dump_table;  /* dump --table, default "movies" */
    const char *search_query; /* search QUERY (points into argv) */
    int limit;                /* search --limit, default 10 */
    enum dump_format dump_format;
    bool stats_json;    /* stats --format json */
    const char *format; /* --format as given (checked for its command) */
    /* merge: the output database and the inputs (argv's strings;
     * merge_inputs points into args) */
    const char *merge_out;
    char **merge_inputs;
    int n_merge_inputs;
    const char *backup_dest; /* backup DEST (argv's string) */
    const char *restore_from; /* restore BACKUP (argv's string) */
    /* argv's pointers, for getopt_long() to reorder (operands after the
     * options): argv itself stays as typed, for the runs table */
    char **args;
    const char *printed; /* CLI_DONE: "--help" or "--version", on stdout */
};

enum cli_result {
    CLI_RUN,   /* options filled: go on */
    CLI_DONE,  /* --help or --version printed (opt->printed): exit 0 if it got there */
    CLI_USAGE, /* an error was printed: exit EXIT_USAGE */
};

/* Parse argv into *opt (defaults applied, TMDB_API_BASE honoured), leaving
 * argv as it is. Errors are printed to stderr with a hint to --help. Call
 * cli_free() whatever it returns. */
enum cli_result cli_parse(int argc, char **argv, struct options *opt);

/* Free what cli_parse() allocated. */
void cli_free(struct options *opt);

/* The exit status of a run stopped by signal `sig` (stop_signal()):
 * EXIT_SIGTERM, EXIT_SIGHUP, else EXIT_SIGINT. */
int cli_exit_of_signal(int sig);

/* Write `seconds` (>= 0) as the duration --max-age reads back, in the
 * largest unit that divides it: "6d", "36h", "1w", "0". */
void cli_format_duration(long long seconds, char *buf, size_t size);

/* Write how long `requests` take at --rate `rate` (requests/s; 0 = none),
 * to the minute: "about 7h56m at 35 requests/s", or "no --rate limit". */
void cli_format_eta(long long requests, double rate, char *buf, size_t size);

/* The full --help text. */
void cli_print_help(FILE *out);

/* `tmdb-ingest COMMAND --help`: that command's help, or the full text when
 * `command` is NULL or not a command. */
void cli_print_command_help(FILE *out, const char *command);

#endif
