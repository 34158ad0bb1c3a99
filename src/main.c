/*
 * main.c - tmdb-ingest: load TMDB movie details into SQLite.
 *
 * Wiring only: parse the command line, load the credential, open the
 * database, run the pipeline (pipeline.h), record the run, print the
 * summary, and map the outcome to an exit status (cli.h).
 */
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "credential.h"
#include "http.h"
#include "idset.h"
#include "lock.h"
#include "log.h"
#include "pipeline.h"
#include "stats.h"
#include "stop.h"
#include "store.h"

/* The signal that stopped the run. Set by the handler, which may run on any
 * thread, and read by main: a lock-free atomic, async-signal-safe. */
static atomic_int stop_signal;

static void on_signal(int sig) {
    int none = 0;
    if (!atomic_compare_exchange_strong(&stop_signal, &none, sig) && sig == SIGINT &&
        atomic_load(&stop_signal) == SIGINT)
        _exit(EXIT_SIGINT); /* a second Ctrl-C: leave now; WAL keeps the file consistent */
    stop_request(STOP_SIGNAL);
}

static int install_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
        return -1;
    sa.sa_handler = SIG_IGN;
    return sigaction(SIGPIPE, &sa, NULL);
}

/* The command line for the runs table. It never holds the credential: no
 * option takes one. */
static char *join_args(int argc, char **argv) {
    size_t n = 1;
    for (int i = 0; i < argc; i++)
        n += strlen(argv[i]) + 1;
    char *s = malloc(n);
    if (!s)
        return NULL;
    s[0] = '\0';
    for (int i = 0; i < argc; i++) {
        if (i)
            strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

static void build_config(const struct options *opt, const struct credential *cred,
                         int64_t run_id, const struct idset *skip, struct pipeline_config *pc) {
    memset(pc, 0, sizeof *pc);
    pc->source = opt->source;
    pc->source.skip = skip;
    pc->fetch = (struct fetch_config){
        .api_base = opt->api_base,
        .language = opt->language,
        .api_key = cred->api_key,
        .append = opt->append[0] ? opt->append : NULL,
        .max_retries = opt->retries,
    };
    pc->http = (struct http_config){
        .bearer_token = cred->token,
        .timeout_s = opt->timeout_s,
        .connect_timeout_s = opt->timeout_s < 10 ? opt->timeout_s : 10,
        .max_body = opt->max_body,
        .cacert = opt->cacert,
    };
    pc->workers = opt->workers;
    pc->queue_size = opt->queue_size;
    pc->rate = opt->rate;
    pc->batch_rows = opt->batch_rows;
    pc->batch_ms = DEFAULT_BATCH_MS;
    pc->run_id = run_id;
}

static const char *run_status_name(enum pipeline_status ps, const struct run_counts *c) {
    switch (ps) {
    case PIPELINE_OK:
        return c->failed > 0 ? "partial" : "ok";
    case PIPELINE_INTERRUPTED:
        return "interrupted";
    case PIPELINE_SOURCE_ERROR:
    case PIPELINE_FATAL:
    case PIPELINE_SETUP_ERROR:
        break;
    }
    return "failed";
}

static int exit_status_of(enum pipeline_status ps, const struct run_counts *c) {
    switch (ps) {
    case PIPELINE_OK:
        return c->failed > 0 ? EXIT_PARTIAL : EXIT_OK;
    case PIPELINE_INTERRUPTED:
        return atomic_load(&stop_signal) == SIGTERM ? EXIT_SIGTERM : EXIT_SIGINT;
    case PIPELINE_SOURCE_ERROR:
    case PIPELINE_FATAL:
    case PIPELINE_SETUP_ERROR:
        break;
    }
    return EXIT_FATAL;
}

static void print_summary(int64_t run_id, const char *status, const struct run_counts *c,
                          long long throttled, double elapsed_s) {
    char line[512];
    snprintf(line, sizeof line,
             "tmdb-ingest: run %" PRId64 " %s: requested=%" PRId64 " stored=%" PRId64
             " missing=%" PRId64 " failed=%" PRId64 " skipped=%" PRId64 " requests=%" PRId64
             " retries=%" PRId64 " throttled=%lld elapsed=%.1fs",
             run_id, status, c->requested, c->fetched, c->missing, c->failed, c->skipped,
             c->http_requests, c->retries, throttled, elapsed_s);
    log_summary(line);
}

static int add_to_set(void *ctx, int64_t id) {
    return idset_add(ctx, id) < 0 ? -1 : 0;
}

/* Runs left "running" by a dead process become "aborted"; then record this
 * run and, unless --refresh, collect what the interrupted runs it follows
 * already settled. Returns 0, or -1 (logged). */
static int begin_run(struct store *store, const struct options *opt, const char *command,
                     int64_t *run_id, struct idset **skip) {
    char now[CLOCK_ISO_SIZE];
    clock_utc_iso(now);
    int64_t n_aborted = 0, from = 0;
    char *source = source_describe(&opt->source);
    if (!source) {
        log_error("out of memory");
        return -1;
    }
    enum store_status ss = store_mark_aborted(store, now, &n_aborted);
    if (ss == STORE_OK)
        ss = store_run_begin(store, command, source, now, run_id);
    if (ss == STORE_OK && !opt->refresh && !(*skip = idset_new()))
        ss = STORE_ERR_NOMEM;
    if (ss == STORE_OK && !opt->refresh)
        ss = store_resume_ids(store, source, *run_id, add_to_set, *skip, &from);
    free(source);
    if (ss != STORE_OK) {
        log_error("%s", ss == STORE_ERR_NOMEM && !*skip ? "out of memory" : store_errmsg(store));
        return -1;
    }
    if (n_aborted > 0)
        log_warn("%" PRId64 " earlier run(s) had died without finishing; marked aborted",
                 n_aborted);
    if (from > 0)
        log_info("resuming after run %" PRId64 ": %zu movies it settled are not fetched again "
                 "(--refresh fetches them)",
                 from, idset_count(*skip));
    return 0;
}

static int run(int argc, char **argv, const struct options *opt, const struct credential *cred) {
    char err[512];
    int lock_fd;
    enum lock_status ls = lock_acquire(opt->db_path, &lock_fd, err, sizeof err);
    if (ls != LOCK_OK) {
        log_error("%s", err);
        return EXIT_FATAL;
    }
    struct store *store = NULL;
    enum store_status ss = store_open(opt->db_path, opt->language, &store, err, sizeof err);
    if (ss != STORE_OK) {
        log_error("%s", err);
        lock_release(lock_fd);
        return ss == STORE_ERR_LANGUAGE ? EXIT_USAGE : EXIT_FATAL;
    }
    char finished[CLOCK_ISO_SIZE];
    char *command = join_args(argc, argv);
    int64_t run_id = 0;
    struct idset *skip = NULL;
    if (!command || begin_run(store, opt, command, &run_id, &skip) != 0) {
        if (!command)
            log_error("out of memory");
        free(command);
        idset_free(skip);
        store_close(store);
        lock_release(lock_fd);
        return EXIT_FATAL;
    }
    free(command);

    struct pipeline_config pc;
    build_config(opt, cred, run_id, skip, &pc);
    struct stats stats;
    stats_init(&stats);
    double t0 = clock_monotonic_s();
    enum pipeline_status ps = pipeline_run(&pc, store, &stats);
    double elapsed_s = clock_monotonic_s() - t0;

    struct run_counts counts;
    stats_to_counts(&stats, &counts);
    const char *status = run_status_name(ps, &counts);
    int code = exit_status_of(ps, &counts);
    clock_utc_iso(finished);
    if (store_run_finish(store, run_id, finished, status, &counts) != STORE_OK) {
        log_error("%s", store_errmsg(store));
        code = EXIT_FATAL;
    }
    store_close(store);
    lock_release(lock_fd);
    idset_free(skip);
    if (opt->verbosity >= 0)
        print_summary(run_id, status, &counts, stats_get(&stats.throttled), elapsed_s);
    return code;
}

int main(int argc, char **argv) {
    struct options opt;
    enum cli_result cr = cli_parse(argc, argv, &opt);
    if (cr != CLI_RUN) {
        cli_free(&opt);
        return cr == CLI_DONE ? EXIT_OK : EXIT_USAGE;
    }
    enum log_level level = opt.verbosity < 0    ? LOG_ERROR
                           : opt.verbosity == 0 ? LOG_WARN
                           : opt.verbosity == 1 ? LOG_INFO
                                                : LOG_DEBUG;
    log_init(level, opt.progress && opt.verbosity >= 0);

    struct credential cred;
    char err[256];
    if (credential_load(opt.token_file, &cred, err, sizeof err) != 0) {
        log_error("%s", err);
        cli_free(&opt);
        return EXIT_USAGE;
    }
    if (credential_protect() != 0)
        log_warn("could not disable core dumps; a crash could leave the credential in a core file");
    int code = EXIT_FATAL;
    if (stop_init() != 0 || install_signals() != 0) {
        log_error("could not set up signal handling");
    } else if (http_global_init() != 0) {
        log_error("could not initialise libcurl");
    } else {
        code = run(argc, argv, &opt, &cred);
        http_global_cleanup();
    }
    stop_cleanup();
    credential_free(&cred);
    cli_free(&opt);
    return code;
}
