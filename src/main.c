/*
 * main.c - tmdb-ingest: load TMDB movie details into SQLite.
 *
 * Wiring only: parse the command line, load the credential, open the
 * database, run the pipeline (pipeline.h), record the run, print the
 * summary, and map the outcome to an exit status (cli.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "credential.h"
#include "dump.h"
#include "http.h"
#include "idset.h"
#include "json.h"
#include "lock.h"
#include "log.h"
#include "pipeline.h"
#include "report.h"
#include "stats.h"
#include "stop.h"
#include "store.h"
#include "sync.h"

/* The signal that stopped the run. Set by the handler, which may run on any
 * thread, and read by main: a lock-free atomic, async-signal-safe. */
static atomic_int stop_signal;

static void on_signal(int sig) {
    int none = 0;
    /* A Ctrl-C while already stopping (after a first Ctrl-C or a SIGTERM):
     * leave now; WAL keeps the file consistent. */
    if (!atomic_compare_exchange_strong(&stop_signal, &none, sig) && sig == SIGINT)
        _exit(EXIT_SIGINT);
    stop_request(STOP_SIGNAL);
}

/* Stop on SIGINT, SIGTERM and SIGHUP, except one that was ignored when the
 * process started: `nohup` ignores SIGHUP, a shell script's background job
 * SIGINT, and a run started so must outlive the terminal or the Ctrl-C. */
static int install_signals(void) {
    static const int stops[] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof stops / sizeof *stops; i++) {
        if (sigaction(stops[i], NULL, &old) != 0)
            return -1;
        if (old.sa_handler != SIG_IGN && sigaction(stops[i], &sa, NULL) != 0)
            return -1;
    }
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

static void build_config(const struct options *opt, const struct credential *cred, int64_t run_id,
                         const struct idset *skip, struct pipeline_config *pc) {
    memset(pc, 0, sizeof *pc);
    pc->source = opt->source;
    pc->source.skip = skip;
    pc->fetch = (struct fetch_config){
        .api_base = opt->api_base,
        .language = opt->language,
        .api_key = cred->api_key,
        .bearer_token = cred->token,
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
        switch (atomic_load(&stop_signal)) {
        case SIGTERM:
            return EXIT_SIGTERM;
        case SIGHUP:
            return EXIT_SIGHUP;
        default:
            return EXIT_SIGINT;
        }
    case PIPELINE_SOURCE_ERROR:
    case PIPELINE_FATAL:
    case PIPELINE_SETUP_ERROR:
        break;
    }
    return EXIT_FATAL;
}

static void print_summary(int64_t run_id, const char *status, const struct run_counts *c,
                          long long throttled, double elapsed_s) {
    const struct log_field fields[] = {
        {"run", NULL, (double)run_id},
        {"status", status, 0},
        {"requested", NULL, (double)c->requested},
        {"stored", NULL, (double)c->fetched},
        {"missing", NULL, (double)c->missing},
        {"failed", NULL, (double)c->failed},
        {"skipped", NULL, (double)c->skipped},
        {"requests", NULL, (double)c->http_requests},
        {"retries", NULL, (double)c->retries},
        {"throttled", NULL, (double)throttled},
        {"elapsed_s", NULL, (double)(long long)(elapsed_s * 10) / 10},
    };
    char line[512];
    snprintf(line, sizeof line,
             "tmdb-ingest: run %" PRId64 " %s: requested=%" PRId64 " stored=%" PRId64
             " missing=%" PRId64 " failed=%" PRId64 " skipped=%" PRId64 " requests=%" PRId64
             " retries=%" PRId64 " throttled=%lld elapsed=%.1fs",
             run_id, status, c->requested, c->fetched, c->missing, c->failed, c->skipped,
             c->http_requests, c->retries, throttled, elapsed_s);
    log_event("run_finished", line, fields, sizeof fields / sizeof *fields);
}

static int add_to_set(void *ctx, int64_t id) {
    return idset_add(ctx, id) < 0 ? -1 : 0;
}

/* Ids not to fetch: what the interrupted runs of the same source settled
 * (unless --refresh; never for changes, whose movies may have changed again
 * since), and with --max-age what was fetched recently. Notes in *facts how
 * old what is skipped may be (sync.h). */
static int collect_skip(struct store *store, const struct options *opt, const char *source,
                        int64_t run_id, struct idset *skip, struct sync_facts *facts) {
    int64_t from = 0;
    enum store_status ss = STORE_OK;
    if (!opt->refresh && opt->source.kind != SOURCE_CHANGES)
        ss = store_resume_ids(store, source, opt->append, run_id, add_to_set, skip, &from);
    if (ss == STORE_OK && from > 0) {
        char started[CLOCK_ISO_SIZE];
        log_info("resuming after run %" PRId64 ": %zu movies it settled are not fetched again "
                 "(--refresh fetches them)",
                 from, idset_count(skip));
        ss = store_run_started(store, from, started, sizeof started);
        facts->resumed_from_day = clock_day_of_iso(started);
    }
    size_t before = idset_count(skip);
    if (ss == STORE_OK && opt->max_age_s > 0) {
        char since[CLOCK_ISO_SIZE];
        clock_utc_iso_ago(opt->max_age_s, since);
        ss = store_fresh_ids(store, since, opt->append, add_to_set, skip);
        if (ss == STORE_OK)
            log_info("%zu movies fetched since %s are fresh enough (--max-age) and skipped",
                     idset_count(skip) - before, since);
        if (idset_count(skip) > before)
            facts->max_age_day = clock_day_of_iso(since);
    }
    if (ss != STORE_OK) {
        log_error("%s", store_errmsg(store));
        return -1;
    }
    return 0;
}

/* Runs left "running" by a dead process become "aborted"; then record this
 * run. Returns 0, or -1 (logged). */
static int begin_run(struct store *store, const char *command, const char *source,
                     int64_t *run_id) {
    char now[CLOCK_ISO_SIZE];
    clock_utc_iso(now);
    int64_t n_aborted = 0;
    enum store_status ss = store_mark_aborted(store, now, &n_aborted);
    if (ss == STORE_OK)
        ss = store_run_begin(store, command, source, now, run_id);
    if (ss != STORE_OK) {
        log_error("%s", store_errmsg(store));
        return -1;
    }
    if (n_aborted > 0)
        log_warn("%" PRId64 " earlier run(s) had died without finishing; marked aborted",
                 n_aborted);
    return 0;
}

/* What a dry run found, on standard output: it is what was asked for.
 * Returns 0, or -1 (logged) when standard output did not take it. */
static int print_dry_run(const struct options *opt, struct stats *stats) {
    long long n = stats_get(&stats->requested);
    long long pages = stats_get(&stats->http_requests);
    char eta[64] = "no --rate limit";
    if (opt->rate > 0) {
        long long m = llround((double)n / opt->rate / 60); /* whole minutes */
        snprintf(eta, sizeof eta, "about %lldh%02lldm at %g requests/s", m / 60, m % 60, opt->rate);
    }
    if (opt->log_format == LOG_FORMAT_JSON) {
        const struct log_field fields[] = {
            {"would_fetch", NULL, (double)n},
            {"seconds_at_rate", NULL, opt->rate > 0 ? (double)n / opt->rate : 0},
            {"rate", NULL, opt->rate},
            {"skipped", NULL, (double)stats_get(&stats->skipped)},
            {"failed", NULL, (double)stats_get(&stats->failed)},
            {"listing_requests", NULL, (double)pages},
        };
        log_event("dry_run", "", fields, sizeof fields / sizeof *fields);
        return 0;
    }
    printf("tmdb-ingest: dry run: would fetch %lld movie(s) with %lld request(s), %s; "
           "skipped=%lld failed=%lld (listing took %lld request(s))\n",
           n, n, eta, stats_get(&stats->skipped), stats_get(&stats->failed), pages);
    return log_output_flushed(stdout, "dry run's result");
}

/* Open an existing database for reading (stats, dump, --dry-run). One made
 * by an older version is upgraded first, under the lock. Returns 0 or an
 * exit status (logged). */
static int open_for_reading(const char *path, struct store **s) {
    char err[512];
    enum store_status ss = store_open_readonly(path, s, err, sizeof err);
    if (ss == STORE_ERR_OLD) {
        int lock_fd;
        if (lock_acquire(path, &lock_fd, err, sizeof err) != LOCK_OK) {
            log_error("%s (its schema needs an upgrade, which a load running on it does; try "
                      "again when it has finished)",
                      err);
            return EXIT_FATAL;
        }
        log_info("%s: upgrading the schema to version %d", path, STORE_SCHEMA_VERSION);
        ss = store_upgrade(path, err, sizeof err);
        lock_release(lock_fd);
        if (ss == STORE_OK)
            ss = store_open_readonly(path, s, err, sizeof err);
    }
    if (ss != STORE_OK) {
        log_error("%s", err);
        return ss == STORE_ERR_LANGUAGE ? EXIT_USAGE : EXIT_FATAL;
    }
    return 0;
}

/* open_for_reading() a database that must exist (stats, dump, search).
 * Returns 0 or an exit status (logged). */
static int open_existing(const char *path, struct store **s) {
    if (access(path, F_OK) != 0) {
        log_error("%s: no such database (give --db, or load something first)", path);
        return EXIT_USAGE;
    }
    return open_for_reading(path, s);
}

/* Give the connection that writes its --db-cache. Returns 0 or an exit status. */
static int size_cache(struct store *store, const struct options *opt) {
    if (store_set_cache(store, opt->db_cache) != STORE_OK) {
        log_error("%s", store_errmsg(store));
        return EXIT_FATAL;
    }
    log_debug("database page cache: %zu KiB", store_cache_bytes(store) / 1024);
    return 0;
}

/* Open the database for a load (locked, upgraded, writable) or for a dry
 * run (read-only when it exists, else none). Returns 0 or an exit status. */
static int open_database(const struct options *opt, int *lock_fd, struct store **store) {
    char err[512];
    *lock_fd = -1;
    *store = NULL;
    if (opt->dry_run) {
        if (access(opt->db_path, F_OK) != 0)
            return 0;
        return open_for_reading(opt->db_path, store);
    }
    enum lock_status ls = lock_acquire(opt->db_path, lock_fd, err, sizeof err);
    if (ls != LOCK_OK) {
        log_error("%s", err);
        return EXIT_FATAL;
    }
    enum store_status ss = store_open(opt->db_path, opt->language, store, err, sizeof err);
    if (ss != STORE_OK) {
        log_error("%s", err);
        lock_release(*lock_fd);
        return ss == STORE_ERR_LANGUAGE ? EXIT_USAGE : EXIT_FATAL;
    }
    int code = size_cache(*store, opt);
    if (code != 0) {
        store_close(*store);
        *store = NULL;
        lock_release(*lock_fd);
        *lock_fd = -1;
    }
    return code;
}

/* At the end of a load: empty DB-wal, or say why it stays big. */
static void empty_wal(struct store *store) {
    int64_t wal = 0;
    char path[PATH_MAX];
    if (store_shrink_wal(store, &wal, path, sizeof path) != STORE_OK)
        log_warn("%s", store_errmsg(store));
    else if (wal >= STORE_WAL_LIMIT_BYTES)
        log_warn("%s is %lld MiB: a reader held a snapshot open during the load, so SQLite "
                 "could not reuse it; it empties at the end of a load that no long query spans",
                 path, (long long)(wal >> 20));
}

static void close_database(struct store *store, int lock_fd) {
    store_close(store);
    if (lock_fd >= 0)
        lock_release(lock_fd);
}

/* A run opens a connection per worker, and one more for list or changes
 * pages; a dry run opens no worker's. Above TMDB's ceiling: a warning. */
static void warn_connections(const struct options *opt) {
    bool pages = opt->source.kind == SOURCE_LIST || opt->source.kind == SOURCE_CHANGES;
    int n_connections = opt->workers + (pages ? 1 : 0);
    if (tmdb_is_official_base(opt->api_base) && !opt->dry_run &&
        n_connections > TMDB_MAX_CONNECTIONS)
        log_warn("--workers %d opens %d connections to TMDB, which allows about %d per IP "
                 "address: expect 429s; %d workers stay within it",
                 opt->workers, n_connections, TMDB_MAX_CONNECTIONS,
                 TMDB_MAX_CONNECTIONS - (pages ? 1 : 0));
}

static int run(int argc, char **argv, struct options *opt, const struct credential *cred) {
    warn_connections(opt);
    int lock_fd;
    struct store *store;
    int code = open_database(opt, &lock_fd, &store);
    if (code != 0)
        return code;
    char export_url[2048], fallback_url[sizeof export_url];
    enum sync_status sy = sync_plan(opt, store, export_url, fallback_url, sizeof export_url);
    if (sy != SYNC_OK) {
        close_database(store, lock_fd);
        return sy == SYNC_USAGE ? EXIT_USAGE : EXIT_FATAL;
    }
    struct sync_facts facts = {
        .started_day = clock_today(), .resumed_from_day = LONG_MAX, .max_age_day = LONG_MAX};
    char *command = join_args(argc, argv);
    char *source = source_describe(&opt->source);
    int64_t run_id = 0;
    struct idset *skip = idset_new();
    /* Export: which ids TMDB still has, to mark the others deleted. */
    struct idset *named = opt->source.kind == SOURCE_EXPORT && !opt->dry_run ? idset_new() : NULL;
    bool ready =
        command && source && skip && (named || opt->source.kind != SOURCE_EXPORT || opt->dry_run);
    if (!ready)
        log_error("out of memory");
    else if ((!opt->dry_run && begin_run(store, command, source, &run_id) != 0) ||
             (store && collect_skip(store, opt, source, opt->dry_run ? INT64_MAX : run_id, skip,
                                    &facts) != 0))
        ready = false;
    facts.run_id = run_id;
    free(command);
    free(source);
    if (!ready) {
        idset_free(skip);
        idset_free(named);
        close_database(store, lock_fd);
        return EXIT_FATAL;
    }

    struct pipeline_config pc;
    build_config(opt, cred, run_id, skip, &pc);
    pc.source.named = named;
    pc.dry_run = opt->dry_run;
    pc.source.count_only = opt->dry_run;
    struct stats stats;
    stats_init(&stats);
    double t0 = clock_monotonic_s();
    enum pipeline_status ps = pipeline_run(&pc, opt->dry_run ? NULL : store, &stats);
    double elapsed_s = clock_monotonic_s() - t0;
    /* A signal after the last movie was written: the run stops there, before
     * it marks deletions or moves the cursor (sync_finish() checks for one
     * that comes while it works). */
    if (ps == PIPELINE_OK && stop_requested() && stop_reason() == STOP_SIGNAL)
        ps = PIPELINE_INTERRUPTED;

    struct run_counts counts;
    stats_to_counts(&stats, &counts);
    const char *status = run_status_name(ps, &counts);
    code = exit_status_of(ps, &counts);
    if (opt->dry_run) {
        if (ps == PIPELINE_OK && print_dry_run(opt, &stats) != 0)
            code = EXIT_FATAL;
    } else {
        enum sync_status fin = ps == PIPELINE_OK ? sync_finish(opt, store, named, &facts, &counts,
                                                               stats_get(&stats.bad_input))
                                                 : SYNC_OK;
        if (fin == SYNC_HELD) {
            status = "partial"; /* deletions held back: logged by sync_finish */
            code = EXIT_PARTIAL;
        } else if (fin == SYNC_STOPPED) {
            status = run_status_name(PIPELINE_INTERRUPTED, &counts);
            code = exit_status_of(PIPELINE_INTERRUPTED, &counts);
        } else if (fin != SYNC_OK) {
            status = "failed"; /* as its exit status says; a rerun resumes it */
            code = EXIT_FATAL;
        }
        char finished[CLOCK_ISO_SIZE];
        clock_utc_iso(finished);
        if (store_run_finish(store, run_id, finished, status, &counts) != STORE_OK) {
            log_error("%s", store_errmsg(store));
            code = EXIT_FATAL;
        }
        empty_wal(store);
    }
    close_database(store, lock_fd);
    idset_free(skip);
    idset_free(named);
    if (opt->verbosity >= 0 && !opt->dry_run)
        print_summary(run_id, status, &counts, stats_get(&stats.throttled), elapsed_s);
    return code;
}

/* stats: the database read-only, a report on stdout. */
static int stats(const struct options *opt) {
    struct store *s = NULL;
    int code = open_existing(opt->db_path, &s);
    if (code != 0)
        return code;
    int rc = report_stats(s, opt->db_path, opt->stats_json, stdout);
    store_close(s);
    return rc == 0 ? EXIT_OK : EXIT_FATAL;
}

/* dump: rows written since a point, on stdout; where to start next time,
 * on stderr. */
static int dump(const struct options *opt) {
    struct store *s = NULL;
    int code = open_existing(opt->db_path, &s);
    if (code != 0)
        return code;
    int64_t rows = 0, next = 0;
    int rc = dump_run(s, opt->dump_table, opt->since, opt->dump_format, stdout, &rows, &next);
    store_close(s);
    if (rc != 0)
        return rc == 2 ? EXIT_USAGE : EXIT_FATAL;
    if (opt->verbosity >= 0) {
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
    }
    return EXIT_OK;
}

/* search QUERY: ranked matches on stdout; like grep, exit 4 (EXIT_NO_MATCH)
 * when nothing matches, so scripts can test for it. */
static int search(const struct options *opt) {
    struct store *s = NULL;
    int code = open_existing(opt->db_path, &s);
    if (code != 0)
        return code;
    int hits = 0;
    int rc = report_search(s, opt->search_query, opt->limit, stdout, &hits);
    store_close(s);
    if (rc != 0)
        return rc > 0 ? EXIT_USAGE : EXIT_FATAL;
    return hits > 0 ? EXIT_OK : EXIT_NO_MATCH;
}

/* The language of the first input: the output must hold the same.
 * Returns 0 or an exit status (logged): an input of another schema
 * version is a usage error, as store_merge() finds for later inputs. */
static int input_language(const char *path, char *language, size_t size) {
    char err[512];
    struct store *in = NULL;
    enum store_status ss = store_open_readonly(path, &in, err, sizeof err);
    if (ss != STORE_OK) {
        log_error("%s", err);
        return ss == STORE_ERR_OLD || ss == STORE_ERR_SCHEMA ? EXIT_USAGE : EXIT_FATAL;
    }
    ss = store_language(in, language, size);
    if (ss != STORE_OK)
        log_error("%s", store_errmsg(in));
    store_close(in);
    return ss == STORE_OK && language[0] ? 0 : EXIT_FATAL;
}

/* merge OUT IN...: each input in its own transaction, in order. */
static int merge(const struct options *opt) {
    char language[64], err[512];
    int code = input_language(opt->merge_inputs[0], language, sizeof language);
    if (code != 0)
        return code;
    int lock_fd;
    if (lock_acquire(opt->merge_out, &lock_fd, err, sizeof err) != LOCK_OK) {
        log_error("%s", err);
        return EXIT_FATAL;
    }
    struct store *out = NULL;
    enum store_status ss = store_open(opt->merge_out, language, &out, err, sizeof err);
    if (ss != STORE_OK) {
        log_error("%s", err);
        lock_release(lock_fd);
        return ss == STORE_ERR_LANGUAGE ? EXIT_USAGE : EXIT_FATAL;
    }
    code = size_cache(out, opt) == 0 ? EXIT_OK : EXIT_FATAL;
    for (int i = 0; i < opt->n_merge_inputs && code == EXIT_OK; i++) {
        struct store_merge_counts c;
        ss = store_merge(out, opt->merge_inputs[i], &c);
        if (ss != STORE_OK) {
            log_error("%s", store_errmsg(out));
            code = ss == STORE_ERR_LANGUAGE || ss == STORE_ERR_SCHEMA ? EXIT_USAGE : EXIT_FATAL;
            continue;
        }
        if (c.input_incomplete || c.here_incomplete)
            log_warn("%s: no changes cursor after merging %s: %s; run 'tmdb-ingest --db %s "
                     "export --max-age 7d' (it fetches only what is older) before the next "
                     "changes",
                     opt->merge_out, opt->merge_inputs[i],
                     c.input_incomplete ? "it has none (its export or changes did not finish "
                                          "cleanly, or came from a file of unknown day)"
                                        : "a part merged before had none",
                     opt->merge_out);
        if (c.running > 0)
            log_warn("%s: %" PRId64 " run(s) of %s were still running (or were merged into it "
                     "while running): merge it again once they have ended (until then, dump's "
                     "next --since stays before them)",
                     opt->merge_out, c.running, opt->merge_inputs[i]);
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
    store_close(out);
    lock_release(lock_fd);
    return code;
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

int main(int argc, char **argv) {
    unsigned closed = open_standard_fds();
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
    log_init(level, opt.progress && opt.verbosity >= 0, opt.log_format);
    if (standard_fd_missing(&opt, closed)) {
        cli_free(&opt);
        return EXIT_FATAL;
    }
    if (is_report(&opt)) {
        int code = opt.command == COMMAND_STATS  ? stats(&opt)
                   : opt.command == COMMAND_DUMP ? dump(&opt)
                                                 : search(&opt);
        cli_free(&opt);
        return code;
    }
    if (opt.command == COMMAND_MERGE) {
        int code = merge(&opt); /* local files only: no credential, no network */
        cli_free(&opt);
        return code;
    }

    struct credential cred;
    char err[256];
    /* A dry run of export reads the export only: the files host wants no
     * credential, so none is needed (every other load talks to the API). */
    bool needs_credential = !(opt.dry_run && opt.source.kind == SOURCE_EXPORT);
    if (!needs_credential && !opt.token_file && !getenv("TMDB_API_TOKEN") &&
        !getenv("TMDB_API_KEY"))
        memset(&cred, 0, sizeof cred);
    else if (credential_load(opt.token_file, &cred, err, sizeof err) != 0) {
        log_error("%s", err);
        cli_free(&opt);
        return EXIT_USAGE;
    }
    if (cred.file_mode & 066)
        log_warn("token file %s may be %s by other users (mode %03o): chmod 600 it",
                 opt.token_file, cred.file_mode & 022 ? "written" : "read", cred.file_mode);
    if (credential_protect() != 0)
        log_warn("could not disable core dumps; a crash could leave the credential in a core file");
    int code = EXIT_FATAL;
    json_global_init(); /* before any thread: cJSON's hooks are process-wide */
    if (stop_init() != 0 || install_signals() != 0) {
        log_error("could not set up signal handling");
    } else if (store_global_init() != 0) {
        log_error("could not initialise SQLite");
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
