/*
 * main.c - tmdb-ingest: load TMDB movie details into SQLite.
 *
 * Wiring only: parse the command line (cli.h), set up logging, the standard
 * descriptors, signals and the libraries, load the credential, and hand the
 * command to its module: a load to load.h, stats and search to report.h,
 * dump to dump.h, merge to merge.h, optimize to optimize.h, backup to
 * backup.h, restore to restore.h, each database opened by database.h.
 * Returns the exit status the command gave (cli.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup.h"
#include "cli.h"
#include "credential.h"
#include "dump.h"
#include "http.h"
#include "json.h"
#include "load.h"
#include "log.h"
#include "merge.h"
#include "optimize.h"
#include "report.h"
#include "restore.h"
#include "stop.h"
#include "store.h"

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
        int code = opt.command == COMMAND_STATS ? report_stats_run(opt.db_path, opt.stats_json)
                   : opt.command == COMMAND_DUMP
                       ? dump_run(opt.db_path, opt.dump_table, opt.since, opt.dump_format)
                       : report_search_run(opt.db_path, opt.search_query, opt.limit);
        cli_free(&opt);
        return said_why(code);
    }
    if (opt.command == COMMAND_MERGE) {
        protect_credential();
        int code = merge_run(&opt); /* local files only: no credential, no network */
        cli_free(&opt);
        return said_why(code);
    }
    if (opt.command == COMMAND_OPTIMIZE) {
        protect_credential();
        int code = optimize_run(&opt); /* a signal ends it: its transaction is never committed */
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
