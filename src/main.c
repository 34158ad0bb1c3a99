/*
 * main.c - tmdb-ingest: load TMDB movie details into SQLite.
 *
 * Wiring only: parse the command line (cli.h), set up logging, the standard
 * descriptors, signals and the libraries, load the credential, and hand the
 * command to its module: a load to load.h, stats and search to report.h,
 * dump to dump.h, merge and optimize to store.h, backup to backup.h,
 * restore to restore.h, each database
 * opened by database.h.
 * Returns the exit status the command gave (cli.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup.h"
#include "cli.h"
#include "clock.h"
#include "credential.h"
#include "database.h"
#include "dump.h"
#include "http.h"
#include "json.h"
#include "load.h"
#include "log.h"
#include "report.h"
#include "restore.h"
#include "stop.h"
#include "store.h"

/* stats: the database read-only, a report on stdout. */
static int stats(const struct options *opt) {
    struct store *s = NULL;
    int code = database_open_existing(opt->db_path, &s);
    if (code != 0)
        return code;
    int rc = report_stats(s, opt->db_path, opt->stats_json, stdout);
    store_close(s);
    return rc == 0 ? EXIT_OK : EXIT_FATAL;
}

/* dump: rows written since a point, on stdout; where to start next time,
 * on stderr, also with -q: it is part of the result, which a downstream job
 * needs for its next dump. */
static int dump(const struct options *opt) {
    struct store *s = NULL;
    int code = database_open_existing(opt->db_path, &s);
    if (code != 0)
        return code;
    int64_t rows = 0, next = 0;
    int rc = dump_run(s, opt->dump_table, opt->since, opt->dump_format, stdout, &rows, &next);
    store_close(s);
    if (rc != 0)
        return rc == 2 ? EXIT_USAGE : EXIT_FATAL;
    char line[256];
    snprintf(line, sizeof line,
             "tmdb-ingest: dumped %" PRId64 " row(s) of %s; next time: --since %" PRId64, rows,
             opt->dump_table, next);
    const struct log_field fields[] = {
        {"table", opt->dump_table, 0},
        {"rows", NULL, (double)rows},
        {"next_since", NULL, (double)next},
    };
    log_event("dumped", line, fields, sizeof fields / sizeof *fields);
    return EXIT_OK;
}

/* search QUERY: ranked matches on stdout; like grep, exit 4 (EXIT_NO_MATCH)
 * when nothing matches, so scripts can test for it. */
static int search(const struct options *opt) {
    struct store *s = NULL;
    int code = database_open_existing(opt->db_path, &s);
    if (code != 0)
        return code;
    int hits = 0;
    int rc = report_search(s, opt->search_query, opt->limit, stdout, &hits);
    store_close(s);
    if (rc != 0)
        return rc > 0 ? EXIT_USAGE : EXIT_FATAL;
    return hits > 0 ? EXIT_OK : EXIT_NO_MATCH;
}

/* The language of merge input `path` into `language`: 0, or an exit
 * status (logged) when it is missing or unreadable (1), not a database of
 * this schema version (2), or not in `expected`'s language (2). */
static int merge_input_language(const char *path, const char *expected, char *language,
                                size_t size) {
    if (access(path, R_OK) != 0) {
        log_error("%s: %s (nothing merged)", path, strerror(errno));
        return EXIT_FATAL;
    }
    int code = database_language(path, language, size);
    if (code == 0 && expected && strcmp(language, expected) != 0) {
        log_error("%s holds %s text, the first input %s: nothing merged", path, language,
                  expected);
        code = EXIT_USAGE;
    }
    return code;
}

/* After merging `input`, OUT holds no changes cursor, for `why`. */
static void warn_no_cursor(const struct options *opt, const char *input, const char *why) {
    log_warn("%s: no changes cursor after merging %s: %s; run 'tmdb-ingest --db %s export "
             "--max-age 7d' (it fetches only what is older) before the next changes, or merge "
             "every part again once its export has finished",
             opt->merge_out, input, why, opt->merge_out);
}

/* merge OUT IN...: each input in its own transaction, in order; then,
 * when every part came again, the changes cursor is theirs
 * (store_merge_settle_cursor()). */
static int merge(const struct options *opt) {
    /* the output holds the language of the first input */
    char language[64];
    int code = merge_input_language(opt->merge_inputs[0], NULL, language, sizeof language);
    /* every input is checked before the output is created or written */
    for (int i = 1; i < opt->n_merge_inputs && code == 0; i++) {
        char other[64];
        code = merge_input_language(opt->merge_inputs[i], language, other, sizeof other);
    }
    if (code != 0)
        return code;
    int lock_fd;
    struct store *out;
    code = database_open_for_merge(opt->merge_out, language, opt, &lock_fd, &out);
    if (code == EXIT_OK && store_merge_begin(out) != STORE_OK) {
        log_error("%s", store_errmsg(out));
        code = EXIT_FATAL;
    }
    bool incomplete = false, here_incomplete = false; /* for the warnings */
    for (int i = 0; i < opt->n_merge_inputs && code == EXIT_OK; i++) {
        struct store_merge_counts c;
        enum store_status ss = store_merge(out, opt->merge_inputs[i], &c);
        if (ss != STORE_OK) {
            log_error("%s", store_errmsg(out));
            code = ss == STORE_ERR_LANGUAGE || ss == STORE_ERR_SCHEMA ? EXIT_USAGE : EXIT_FATAL;
            continue;
        }
        incomplete |= c.input_incomplete;
        here_incomplete |= c.here_incomplete;
        if (c.input_incomplete)
            warn_no_cursor(opt, opt->merge_inputs[i],
                           "it has none (its export or changes has not finished: still running, "
                           "or stopped before its end; or it read a file of unknown day)");
        if (c.older_copies > 0)
            log_warn("%s: %" PRId64 " movie(s) of %s and %s were fetched later from a copy "
                     "older than the earlier fetch's (TMDB's cache): the later fetch is kept, "
                     "noted in stale_copies; the next 'changes' run fetches them again",
                     opt->merge_out, c.older_copies, opt->merge_out, opt->merge_inputs[i]);
        if (c.running > 0)
            log_warn("%s: %" PRId64 " run(s) of %s were still running (or were merged into it "
                     "while running): merge it again once they have ended (until then, dump's "
                     "next --since stays before them); a run whose load was killed ends only "
                     "when the next load on %s marks it aborted",
                     opt->merge_out, c.running, opt->merge_inputs[i], opt->merge_inputs[i]);
        if (opt->verbosity >= 0) {
            char line[1024];
            snprintf(line, sizeof line,
                     "tmdb-ingest: merged %s: movies=%" PRId64 " taken=%" PRId64 " runs=%" PRId64,
                     opt->merge_inputs[i], c.movies_read, c.movies_taken, c.runs);
            const struct log_field fields[] = {
                {"input", opt->merge_inputs[i], 0},
                {"movies", NULL, (double)c.movies_read},
                {"taken", NULL, (double)c.movies_taken},
                {"runs", NULL, (double)c.runs},
            };
            log_event("merged", line, fields, sizeof fields / sizeof *fields);
        }
    }
    /* every part merged again, complete: the cursor is theirs (a part
     * incomplete before may have left none) */
    bool settled = false;
    if (code == EXIT_OK && store_merge_settle_cursor(out, &settled) != STORE_OK) {
        log_error("%s", store_errmsg(out));
        code = EXIT_FATAL;
    }
    if (code == EXIT_OK && here_incomplete && !incomplete && !settled)
        warn_no_cursor(opt, opt->merge_inputs[opt->n_merge_inputs - 1],
                       "a part merged before had none");
    database_close(out, lock_fd);
    return code;
}

/* optimize: the search index compacted under the lock, the WAL emptied. */
static int optimize(const struct options *opt) {
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

/* Started with standard input, output or error closed (`>&-`, a careless
 * daemon), the next file opened would take its number: log lines would
 * land in the stop pipe or the database. /dev/null takes their place.
 * Returns which were closed (bit 1 << fd). */
static unsigned open_standard_fds(void) {
    unsigned closed = 0;
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        closed |= 1u << fd;
        int got = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (got >= 0 && got != fd) { /* cannot happen: lower ones are open */
            dup2(got, fd);
            close(got);
        }
    }
    return closed;
}

/* stats, dump and search: they read the database and write a report to
 * standard output; no credential, no network. */
static bool is_report(const struct options *opt) {
    return opt->command == COMMAND_STATS || opt->command == COMMAND_DUMP ||
           opt->command == COMMAND_SEARCH;
}

/* Whether the command's product is standard output. */
static bool writes_stdout(const struct options *opt) {
    return is_report(opt) || opt->dry_run;
}

/* A command whose product is standard output (stats, dump, search, a dry
 * run), or whose ids come from standard input (`ids -`), cannot work with
 * it closed (`closed`: open_standard_fds()): /dev/null in its place would
 * make a dump "succeed" with its rows gone, and a downstream job move its
 * cursor past them. True, said, when it is. */
static bool standard_fd_missing(const struct options *opt, unsigned closed) {
    if (writes_stdout(opt) && (closed & 1u << STDOUT_FILENO)) {
        log_error("standard output is closed: nowhere to write the %s",
                  opt->dry_run ? "dry run's result" : "output");
        return true;
    }
    if (opt->source.kind == SOURCE_STDIN && (closed & 1u << STDIN_FILENO)) {
        log_error("%s", "ids -: standard input is closed: no ids to read");
        return true;
    }
    return false;
}

/* After --help or --version (`what`): like GNU tools, a text that did not
 * reach standard output (a full disk; `>&-`, /dev/null in its place) is an
 * error, not a silent success. */
static int printed_status(const char *what, unsigned closed) {
    const char *why;
    /* --help is longer than stdout's buffer: the printf itself failed, and
     * left why in errno; the flush would have nothing left to tell. */
    if (closed & 1u << STDOUT_FILENO)
        why = "standard output is closed";
    else if (ferror(stdout))
        why = errno ? strerror(errno) : "output error";
    else
        return log_output_flushed(stdout, what) == 0 ? EXIT_OK : EXIT_FATAL;
    log_error("writing %s: %s", what, why);
    return EXIT_FATAL;
}

/* -q: a command that did not succeed shows the warnings it held back
 * (log.h), which may say why; search finding nothing is no failure. */
static int said_why(int code) {
    if (code != EXIT_OK && code != EXIT_NO_MATCH)
        log_show_held();
    return code;
}

/* Core dumps off, the credential's variables scrubbed (credential.h), for
 * every command: a crontab that exports the token hands it to stats, dump,
 * search and merge too, whose environ and core file would show it. */
static void protect_credential(void) {
    if (credential_protect() != 0)
        log_warn("could not disable core dumps; a crash could leave the credential in a core file");
}

/* A variable set to something: credential_load() takes one set empty
 * (`Environment=TMDB_API_TOKEN=`, `TMDB_API_TOKEN=$(cat missing)`) as not
 * set, and so does the choice of whether to load one. */
static bool env_given(const char *name) {
    const char *value = getenv(name);
    return value && *value;
}

/* The load's credential into *cred (credential.h; all zero for a dry run
 * of export given none). Returns 0, or -1 with the reason logged. */
static int load_credential(const struct options *opt, struct credential *cred) {
    char err[256];
    /* A dry run of export reads the export only: the files host wants no
     * credential, so none is needed (every other load talks to the API). */
    bool needs_credential = !(opt->dry_run && opt->source.kind == SOURCE_EXPORT);
    if (!needs_credential && !opt->token_file && !env_given("TMDB_API_TOKEN") &&
        !env_given("TMDB_API_KEY")) {
        memset(cred, 0, sizeof *cred);
        return 0;
    }
    if (credential_load(opt->token_file, cred, err, sizeof err) != 0) {
        log_error("%s", err);
        return -1;
    }
    char warning[512];
    if (credential_file_warning(opt->token_file, cred, warning, sizeof warning))
        log_warn_setup("%s", warning);
    return 0;
}

int main(int argc, char **argv) {
    unsigned closed = open_standard_fds();
    /* `dump | head`, a file past `ulimit -f`: a write error, exit 1 said
     * why, not a silent death (sigaction cannot fail for these and SIG_IGN) */
    (void)stop_ignore_write_signals();
    struct options opt;
    enum cli_result cr = cli_parse(argc, argv, &opt);
    if (cr != CLI_RUN) {
        int code = cr == CLI_DONE ? printed_status(opt.printed, closed) : EXIT_USAGE;
        cli_free(&opt);
        return code;
    }
    enum log_level level = opt.verbosity < 0    ? LOG_ERROR
                           : opt.verbosity == 0 ? LOG_WARN
                           : opt.verbosity == 1 ? LOG_INFO
                                                : LOG_DEBUG;
    log_init(level, opt.progress && opt.verbosity >= 0, opt.log_format);
    if (standard_fd_missing(&opt, closed)) {
        cli_free(&opt);
        return EXIT_FATAL;
    }
    if (is_report(&opt)) {
        protect_credential();
        int code = opt.command == COMMAND_STATS  ? stats(&opt)
                   : opt.command == COMMAND_DUMP ? dump(&opt)
                                                 : search(&opt);
        cli_free(&opt);
        return said_why(code);
    }
    if (opt.command == COMMAND_MERGE) {
        protect_credential();
        int code = merge(&opt); /* local files only: no credential, no network */
        cli_free(&opt);
        return said_why(code);
    }
    if (opt.command == COMMAND_OPTIMIZE) {
        protect_credential();
        int code = optimize(&opt); /* a signal ends it: its transaction is never committed */
        cli_free(&opt);
        return said_why(code);
    }
    if (opt.command == COMMAND_BACKUP || opt.command == COMMAND_RESTORE) {
        protect_credential();
        /* a signal stops the copy, and its temporary file is removed
         * (backup.h, restore.h) */
        int code = EXIT_FATAL;
        if (stop_init() != 0 || stop_catch_signals() != 0)
            log_error("could not set up signal handling");
        else if (opt.command == COMMAND_BACKUP)
            code = backup_run(opt.db_path, opt.backup_dest, opt.verbosity >= 0);
        else
            code = restore_run(opt.db_path, opt.restore_from, opt.verbosity >= 0);
        stop_cleanup();
        cli_free(&opt);
        return said_why(code);
    }

    struct credential cred;
    if (load_credential(&opt, &cred) != 0) {
        cli_free(&opt);
        return EXIT_USAGE;
    }
    protect_credential();
    int code = EXIT_FATAL;
    json_global_init(); /* before any thread: cJSON's hooks are process-wide */
    if (stop_init() != 0 || stop_catch_signals() != 0) {
        log_error("could not set up signal handling");
    } else if (store_global_init() != 0) {
        log_error("could not initialise SQLite");
    } else if (http_global_init() != 0) {
        log_error("could not initialise libcurl");
    } else {
        code = load_run(argc, argv, &opt, &cred);
        http_global_cleanup();
    }
    stop_cleanup();
    credential_free(&cred);
    cli_free(&opt);
    return said_why(code);
}
