/* load.c - see load.h. */
#include "load.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "credential.h"
#include "database.h"
#include "idset.h"
#include "lock.h"
#include "log.h"
#include "movie.h"
#include "pipeline.h"
#include "ratelimit.h"
#include "rlimits.h"
#include "stats.h"
#include "stop.h"
#include "store.h"
#include "sync.h"
#include "tmdb.h"

/* The command line for the runs table. It never holds the credential: no
 * option takes one. A URL's password (--api-base http://user:pw@gateway/3)
 * or api_key= is redacted, as in messages (tmdb_redact_url()). */
static char *join_args(int argc, char **argv) {
    /* Redaction may lengthen an argument: "***" for a shorter secret, at
     * most 3 bytes for each of at most len / 2 secrets. */
    size_t n = 1;
    for (int i = 0; i < argc; i++)
        n += 2 * strlen(argv[i]) + 8;
    char *s = malloc(n);
    if (!s)
        return NULL;
    size_t used = 0;
    for (int i = 0; i < argc; i++) {
        if (i)
            s[used++] = ' ';
        tmdb_redact_url(argv[i], s + used, n - used);
        used += strlen(s + used);
    }
    s[used] = '\0';
    return s;
}

/* A growing array of ids (store_id_fn's ctx). */
struct id_list {
    int64_t *ids;
    size_t n, cap;
};

/* The id sets a load's pipeline reads besides its source: load_run()
 * owns them for the whole run (run_ids_new(), run_ids_free()); the
 * producer reads them, and fills `named` and `adult_left_out`, only while
 * the pipeline runs. */
struct run_ids {
    struct idset *skip;           /* not to fetch: settled by the run resumed, --max-age */
    struct id_list stale;         /* changes: stored movies to fetch again */
    struct idset *named;          /* export, not a dry run: the ids TMDB still has */
    struct idset *adult_left_out; /* changes without --include-adult: the adult ids left out */
    struct idset *deleted;        /* export: the stored movies marked deleted */
};

/* Returns 0, or -1 when out of memory (logged; run_ids_free() still owed). */
static int run_ids_new(const struct options *opt, struct run_ids *ids) {
    *ids = (struct run_ids){.skip = idset_new()};
    /* Export: which ids TMDB still has, to mark the others deleted. */
    bool named = opt->source.kind == SOURCE_EXPORT && !opt->dry_run;
    /* Changes without --include-adult: the adult ids it leaves out. */
    bool adult_out =
        opt->source.kind == SOURCE_CHANGES && !opt->source.include_adult && !opt->dry_run;
    if (named)
        ids->named = idset_new();
    if (adult_out)
        ids->adult_left_out = idset_new();
    bool export = opt->source.kind == SOURCE_EXPORT;
    if (export)
        ids->deleted = idset_new();
    if (!ids->skip || (named && !ids->named) || (adult_out && !ids->adult_left_out) ||
        (export && !ids->deleted)) {
        log_error("out of memory");
        return -1;
    }
    return 0;
}

static void run_ids_free(struct run_ids *ids) {
    free(ids->stale.ids);
    idset_free(ids->skip);
    idset_free(ids->named);
    idset_free(ids->adult_left_out);
    idset_free(ids->deleted);
}

static void build_config(const struct options *opt, const struct credential *cred, int64_t run_id,
                         const struct run_ids *ids, struct pipeline_config *pc) {
    memset(pc, 0, sizeof *pc);
    pc->source = opt->source;
    pc->source.skip = ids->skip;
    pc->source.named = ids->named;
    pc->source.adult_left_out = ids->adult_left_out;
    pc->source.deleted = ids->deleted;
    pc->source.stale_ids = ids->stale.ids;
    pc->source.n_stale_ids = ids->stale.n;
    pc->source.count_only = opt->dry_run;
    pc->dry_run = opt->dry_run;
    pc->fetch = (struct fetch_config){
        .api_base = opt->api_base,
        .language = opt->language,
        .api_key = cred->api_key,
        .bearer_token = cred->token,
        .credential_source = cred->source,
        .credential_also_set = cred->also_set,
        .append = opt->append[0] ? opt->append : NULL,
        .max_retries = opt->retries,
    };
    fetch_config_gateway(&pc->fetch);
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
    pc->give_up_after = opt->give_up_after;
    pc->adult_gone = (opt->source.kind == SOURCE_EXPORT || opt->source.kind == SOURCE_CHANGES) &&
                     !opt->source.include_adult;
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
    case PIPELINE_UNAVAILABLE:
        break;
    }
    return "failed";
}

static int exit_status_of(enum pipeline_status ps, const struct run_counts *c) {
    switch (ps) {
    case PIPELINE_OK:
        return c->failed > 0 ? EXIT_PARTIAL : EXIT_OK;
    case PIPELINE_INTERRUPTED:
        return cli_exit_of_signal(stop_signal());
    case PIPELINE_UNAVAILABLE:
        return EXIT_UNAVAILABLE;
    case PIPELINE_SOURCE_ERROR:
    case PIPELINE_FATAL:
    case PIPELINE_SETUP_ERROR:
        break;
    }
    return EXIT_FATAL;
}

static void print_summary(int64_t run_id, const char *status, const struct run_counts *c,
                          long long throttled, double elapsed_s) {
    /* one figure for both forms: tenths, rounded as %.1f rounds */
    double tenths = (double)(long long)(elapsed_s * 10 + 0.5) / 10;
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
        {"elapsed_s", NULL, tenths},
    };
    char line[512];
    snprintf(line, sizeof line,
             "tmdb-ingest: run %" PRId64 " %s: requested=%" PRId64 " stored=%" PRId64
             " missing=%" PRId64 " failed=%" PRId64 " skipped=%" PRId64 " requests=%" PRId64
             " retries=%" PRId64 " throttled=%lld elapsed=%.1fs",
             run_id, status, c->requested, c->fetched, c->missing, c->failed, c->skipped,
             c->http_requests, c->retries, throttled, tenths);
    log_event("run_finished", line, fields, sizeof fields / sizeof *fields);
}

static int add_to_set(void *ctx, int64_t id) {
    return idset_add(ctx, id) < 0 ? -1 : 0;
}

static int add_to_list(void *ctx, int64_t id) {
    struct id_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        int64_t *grown = realloc(l->ids, cap * sizeof *grown);
        if (!grown)
            return -1;
        l->ids = grown;
        l->cap = cap;
    }
    l->ids[l->n++] = id;
    return 0;
}

/* store_stale_ids()'s ctx: the ids of one shard, into a list. */
struct shard_ids {
    const struct source *src;
    struct id_list *list;
};

static int add_in_shard(void *ctx, int64_t id) {
    struct shard_ids *s = ctx;
    return source_in_shard(s->src, id) ? add_to_list(s->list, id) : 0;
}

/* changes: the movies earlier runs stored from copies older than their
 * change, or failed to fetch, to fetch again besides the run's days
 * (sync.h); with --shard, its own only (the count said is what it
 * fetches). Returns 0, or -1 (logged). */
static int collect_stale(struct store *store, const struct options *opt, struct id_list *stale) {
    if (!store || opt->source.kind != SOURCE_CHANGES)
        return 0;
    struct shard_ids in_shard = {&opt->source, stale};
    if (store_stale_ids(store, add_in_shard, &in_shard) != STORE_OK) {
        log_error("%s", store_errmsg(store));
        return -1;
    }
    if (stale->n > 0)
        log_info("%zu movie(s) noted by earlier runs (served copies older than their change, "
                 "failed, or left out by an export) are fetched again",
                 stale->n);
    return 0;
}

/* export: the stored movies marked deleted, which it fetches again when
 * it names them (source.h). Returns 0, or -1 (logged). */
static int collect_deleted(struct store *store, struct idset *deleted) {
    if (!store || !deleted || store_deleted_ids(store, add_to_set, deleted) == STORE_OK)
        return 0;
    log_error("%s", store_errmsg(store));
    return -1;
}

/* For a dry run: whether the runs left running are dead, as a load would
 * find them (it starts only when none holds the database, and then marks
 * them aborted): no live load holds the lock now (said, if one does). One
 * that cannot be told (the lock on NFS, say) counts as none, as a load
 * starting would. */
static bool running_runs_dead(const struct options *opt) {
    enum lock_use use = LOCK_FOR_LOAD;
    char why[256];
    if (lock_query(opt->db_path, &use, why, sizeof why) != LOCK_HOLDER_LIVE)
        return true;
    if (use == LOCK_FOR_LOAD) {
        log_warn("a load is running on %s now: a run started now would not start (exit 6); "
                 "this dry run counts what that load stores as not fetched",
                 opt->db_path);
        return false;
    }
    log_warn("%s holds %s now: a run started now would not start (exit 6)",
             database_holder_name(LOCK_HOLDER_LIVE, use), opt->db_path);
    return true;
}

/* A run resumed longer than this after it started leaves what it settled
 * that old: said in a warning, as a nightly job resuming last night's
 * interrupted run would keep a day-old copy of what that run stored. */
#define RESUME_OLD_S (20 * 3600)

/* A resume after run `from`, which settled `n` movies: said (a warning when
 * that run started more than RESUME_OLD_S ago), and its start's day into
 * facts->resumed_from_day. */
static enum store_status say_resumed(struct store *store, int64_t from, size_t n,
                                     struct sync_facts *facts) {
    char started[CLOCK_ISO_SIZE] = "", old[CLOCK_ISO_SIZE];
    enum store_status ss = store_run_started(store, from, started, sizeof started);
    if (ss != STORE_OK)
        return ss;
    facts->resumed_from_day = clock_day_of_iso(started);
    clock_utc_iso_ago(RESUME_OLD_S, old);
    if (strcmp(started, old) < 0)
        log_warn("resuming after run %" PRId64 ", which started at %s, more than %d hours ago: "
                 "the %zu movies it settled are not fetched again, and stay as old (--refresh "
                 "fetches them)",
                 from, started, RESUME_OLD_S / 3600, n);
    else
        log_info("resuming after run %" PRId64 ": %zu movies it settled are not fetched again "
                 "(--refresh fetches them)",
                 from, n);
    return STORE_OK;
}

/* Ids not to fetch: what the interrupted runs of the same source settled
 * (unless --refresh; never for changes, whose movies may have changed again
 * since; for export, not their 404s: its file lists them, and may be a later
 * day's), and with --max-age what was fetched recently. Notes in *facts how
 * old what is skipped may be (sync.h). */
static int collect_skip(struct store *store, const struct options *opt, const char *source,
                        int64_t run_id, struct idset *skip, struct sync_facts *facts) {
    int64_t from = 0;
    enum store_status ss = STORE_OK;
    if (!opt->refresh && source_kind_resumes(opt->source.kind))
        /* a dry run marks no dead run aborted, as a load does first: it
         * reads a run left running as one when no load holds the database */
        ss = store_resume_ids(store, source, opt->append, opt->source.kind != SOURCE_EXPORT, run_id,
                              opt->dry_run && running_runs_dead(opt), add_to_set, skip, &from);
    if (ss == STORE_OK && from > 0)
        ss = say_resumed(store, from, idset_count(skip), facts);
    size_t before = idset_count(skip);
    if (ss == STORE_OK && opt->max_age_s > 0) {
        char since[CLOCK_ISO_SIZE], oldest[CLOCK_ISO_SIZE];
        clock_utc_iso_ago(opt->max_age_s, since);
        ss = store_fresh_ids(store, since, opt->append, add_to_set, skip, oldest, sizeof oldest);
        if (ss == STORE_OK)
            log_info("%zu movies fetched since %s are fresh enough (--max-age) and skipped",
                     idset_count(skip) - before, since);
        /* the day of the oldest skipped fetch, not of the bound: at 00:30
         * with --max-age 1h, movies all fetched today leave today */
        if (ss == STORE_OK && oldest[0])
            facts->max_age_day = clock_day_of_iso(oldest);
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
    /* even with -q: from cron, nothing else would say that a run died */
    if (n_aborted > 0)
        log_warn_setup("%" PRId64 " earlier run(s) had died without finishing or recording "
                       "their end (killed, out of memory, a power loss, or exit 5); marked "
                       "aborted ('tmdb-ingest stats' lists them)",
                       n_aborted);
    return 0;
}

/* A run whose --append leaves out a part most stored movies were stored
 * with records each movie it fetches as stored without it: the movie keeps
 * its old rows of that part, and no later run refreshes them (a weekly
 * export without --append once took "credits for 19525" to 760). Said,
 * not refused: a run by hand may mean it. */
static void warn_parts(struct store *store, const struct options *opt) {
    int64_t movies = 0;
    unsigned most = 0;
    if (!store || store_parts_of_most(store, &movies, &most) != STORE_OK) {
        if (store)
            log_warn("%s", store_errmsg(store)); /* the load itself is fine */
        return;
    }
    unsigned asked = movie_parts_bits(opt->append), missing = most & ~asked;
    if (!missing)
        return;
    char left_out[MOVIE_PARTS_LIST_SIZE], all[MOVIE_PARTS_LIST_SIZE + sizeof opt->append];
    movie_parts_list(missing, left_out, sizeof left_out);
    movie_parts_list(most | asked, all, sizeof all);
    /* and the parts this run asks for that are kept only in raw_json
     * (videos, ...): a line changed to the parts named must not lose them */
    for (const char *p = opt->append; *p;) {
        size_t n = strcspn(p, ","), len = strlen(all);
        char name[sizeof opt->append];
        snprintf(name, sizeof name, "%.*s", (int)n, p);
        if (!movie_parts_bits(name))
            snprintf(all + len, sizeof all - len, "%s%s", len ? "," : "", name);
        p += n + (p[n] == ',');
    }
    log_warn_setup("most of the %" PRId64 " stored movies were stored with %s, left out of this "
                   "run's --append: the movies it fetches keep their old rows of those parts, no "
                   "longer refreshed (use the parts the database was loaded with: --append %s)",
                   movies, left_out, all);
}

/* changes without --include-adult leaves adult movies out; a database an
 * export with --include-adult loaded holds some, which then go unrefreshed
 * night after night, unless said: the ids of `left_out` (the adult ones its
 * pages named) that are stored as adult and live. Not a movie stored as
 * not adult that TMDB has marked adult since: no load here was given
 * --include-adult for it, and the next export leaves it out and marks it
 * deleted, as it does any movie gone from TMDB's list of movies that are
 * not adult. */
static void warn_adult_left_out(struct store *store, const struct idset *left_out) {
    int64_t n = 0;
    if (!left_out || idset_count(left_out) == 0)
        return;
    if (store_count_live_adult(store, left_out, &n) != STORE_OK) {
        log_warn("%s", store_errmsg(store)); /* the load itself is fine */
        return;
    }
    if (n > 0)
        log_warn_setup(
            "%" PRId64 " adult movie(s) stored here changed and were not fetched: changes "
            "leaves adult movies out without --include-adult, which the export that stored "
            "them was given (add --include-adult to this changes line, or they stay as "
            "they are)",
            n);
}

/* What a dry run found, on standard output: it is what was asked for.
 * Returns 0, or -1 (logged) when standard output did not take it. */
static int print_dry_run(const struct options *opt, struct stats *stats) {
    long long n = stats_get(&stats->requested);
    long long pages = stats_get(&stats->http_requests);
    char eta[64];
    cli_format_eta(n, opt->rate, eta, sizeof eta);
    if (opt->log_format == LOG_FORMAT_JSON) {
        const struct log_field fields[] = {
            {"would_fetch", NULL, (double)n},
            {"seconds_at_rate", NULL, opt->rate > 0 ? (double)n / opt->rate : 0},
            {"rate", NULL, opt->rate},
            {"skipped", NULL, (double)stats_get(&stats->skipped)},
            {"failed", NULL, (double)stats_get(&stats->failed)},
            {"listing_requests", NULL, (double)pages},
        };
        log_event_json(stdout, "dry_run", fields, sizeof fields / sizeof *fields);
        return log_output_flushed(stdout, "the dry run's result");
    }
    printf("tmdb-ingest: dry run: would fetch %lld movie(s) with %lld request(s), %s; "
           "skipped=%lld failed=%lld (listing took %lld request(s))\n",
           n, n, eta, stats_get(&stats->skipped), stats_get(&stats->failed), pages);
    return log_output_flushed(stdout, "the dry run's result");
}

/* The connections a run opens besides its workers': one for list or
 * changes pages (the producer's), none for ids or an export. */
static int page_connections(const struct options *opt) {
    return opt->source.kind == SOURCE_LIST || opt->source.kind == SOURCE_CHANGES ? 1 : 0;
}

/* Fewer answers than this say too little of the server's pace. */
#define WORKERS_BOUND_MIN_ANSWERS 100
/* The share of the fetching time the workers spent waiting for answers,
 * below which something else held the run back. */
#define WORKERS_BOUND_MIN_BUSY 0.75

/* Slow answers keep too few workers under --rate (ratelimit_workers_for()):
 * at 300 ms an answer the default 5 send about 17 requests a second, and a
 * whole-catalogue export takes twice the hours its rate promises. Said
 * once the run knows the server's pace, with the --workers that reaches
 * the rate, or TMDB's connection limit when that does not; only when the
 * workers were waiting for answers most of the `fetching_s` the pipeline
 * ran: workers left idle by their ids (a trickle on standard input) or
 * paused by 429s were not what held the run back. */
static void warn_workers_bound(const struct options *opt, struct stats *stats, double fetching_s) {
    long long answers = stats_get(&stats->answers);
    double waited_s = (double)stats_get(&stats->answer_us) / 1e6;
    if (answers < WORKERS_BOUND_MIN_ANSWERS ||
        waited_s < WORKERS_BOUND_MIN_BUSY * opt->workers * fetching_s)
        return;
    double answer_s = waited_s / (double)answers;
    int needed = ratelimit_workers_for(opt->rate, opt->workers, answer_s);
    if (needed == 0)
        return;
    int most = tmdb_is_official_base(opt->api_base) ? TMDB_MAX_CONNECTIONS - page_connections(opt)
                                                    : MAX_WORKERS;
    char how[160];
    if (needed <= most)
        snprintf(how, sizeof how, "--workers %d would reach it", needed);
    else
        snprintf(how, sizeof how, "even %d workers%s would send at most %.1f", most,
                 most < MAX_WORKERS ? " (TMDB's connection limit)" : "", (double)most / answer_s);
    /* the setup's (--workers): it comes back at every run until that
     * changes, and -q's cron mail is where the operator learns of it */
    log_warn_setup("the workers held this run back: answers took %.0f ms on average, so %d "
                   "worker(s) sent at most %.1f requests/s, under --rate %g; %s",
                   answer_s * 1e3, opt->workers, (double)opt->workers / answer_s, opt->rate, how);
}

/* A run opens a connection per worker, and one more for list or changes
 * pages; a dry run opens no worker's. Above TMDB's ceiling: a warning. */
static void warn_connections(const struct options *opt) {
    int n_connections = opt->workers + page_connections(opt);
    if (tmdb_is_official_base(opt->api_base) && !opt->dry_run &&
        n_connections > TMDB_MAX_CONNECTIONS)
        log_warn_setup("--workers %d opens %d connections to TMDB, which allows about %d per IP "
                       "address: expect 429s; %d workers stay within it",
                       opt->workers, n_connections, TMDB_MAX_CONNECTIONS,
                       TMDB_MAX_CONNECTIONS - page_connections(opt));
}

/* A gateway's user:password@ in the base goes out as basic authentication
 * in the Authorization header, which a token's "Bearer" takes: the gateway
 * gets no login, and refuses every request with a 401 that is not TMDB's.
 * A v3 key travels in the URL and leaves the header to the gateway. */
static void warn_gateway_login(const struct options *opt, const struct credential *cred) {
    if (cred->token && tmdb_base_has_userinfo(opt->api_base))
        log_warn_setup("the API base names a user:password@, whose login goes out in the "
                       "Authorization header that the token (%s) takes for its Bearer: a "
                       "gateway wanting that login gets none; with such a gateway, give the "
                       "v3 key in TMDB_API_KEY instead (it goes in the URL)",
                       cred->source);
}

/* TMDB's API is https only: an http:// base on another machine (a typo,
 * a gateway) carries the credential unencrypted. */
static void warn_cleartext(const struct options *opt, const struct credential *cred) {
    if ((cred->token || cred->api_key) && tmdb_base_is_cleartext(opt->api_base))
        log_warn_setup(
            "the API base is http://, not https://: the credential (%s) crosses the network "
            "unencrypted",
            cred->source);
}

/* TMDB's CDN served copies made before the change they were fetched for:
 * stored all the same, and noted in stale_copies for the next changes run. */
static void warn_stale(struct stats *stats) {
    long long n = stats_get(&stats->stale);
    if (n > 0)
        log_warn("%lld movie(s) were served copies older than their change (TMDB's cache); the "
                 "next 'changes' run fetches them again",
                 n);
}

/* How long the end of a run is tried again when the database is locked by
 * another connection or full: each try waits up to the store's busy timeout
 * (5 s) for a lock, so the whole wait is bounded by this, one timeout and
 * one pause. */
#define RUN_END_RETRY_S 30
#define RUN_END_PAUSE_MS 1000 /* between tries: a full disk fails at once */

static void pause_ms(long ms) {
    struct timespec left = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&left, &left) != 0 && errno == EINTR) {
    }
}

/* Record the run's end, now, as `status` with exit status `code`, and,
 * unless it ended ok, the first error it reported (log_first_error()): why
 * it did not. A nightly job's monitoring
 * reads it, and a run left "running" is called aborted by the next one
 * (which then resumes it, skipping what it stored), so a failure that may
 * pass (a lock held by another writer, a full disk) is tried again for
 * RUN_END_RETRY_S. Returns 0, or -1 when it could not be recorded (said on
 * stderr with the run, the outcome and why). */
static int finish_run(struct store *store, int64_t run_id, const char *status, int code,
                      const struct run_counts *counts) {
    char finished[CLOCK_ISO_SIZE], error[LOG_ERROR_SIZE];
    clock_utc_iso(finished);
    bool said = code != EXIT_OK && log_first_error(error, sizeof error);
    struct run_end end = {.finished_at = finished,
                          .status = status,
                          .exit_status = code,
                          .error = said ? error : NULL};
    double start = clock_monotonic_s();
    int tries = 0;
    while (store_run_finish(store, run_id, &end, counts) != STORE_OK) {
        bool may_pass = store_failure_may_pass(store);
        double waited = clock_monotonic_s() - start;
        if (!may_pass || waited >= RUN_END_RETRY_S) {
            char tried[48] = "";
            if (tries > 0)
                snprintf(tried, sizeof tried, " (tried for %.0f s)", waited);
            log_error("run %" PRId64 " ended %s, but that could not be recorded: %s%s; its row "
                      "in runs says 'running' until the next load marks it 'aborted'",
                      run_id, status, store_errmsg(store), tried);
            return -1;
        }
        if (tries++ == 0)
            log_warn("run %" PRId64 ": %s; recording its end (%s) is tried again for up to %d s",
                     run_id, store_errmsg(store), status, RUN_END_RETRY_S);
        store_rollback(store); /* a write that failed inside a transaction left it open */
        pause_ms(RUN_END_PAUSE_MS);
    }
    if (tries > 0)
        log_warn("run %" PRId64 ": its end (%s) recorded after %.0f s", run_id, status,
                 clock_monotonic_s() - start);
    return 0;
}

/* Before the pipeline: record the run (not for a dry run), gather the
 * ids not to fetch into ids->skip and, for changes, those to fetch again
 * into ids->stale. Returns 0, or the exit status (logged). */
static int prepare_run(int argc, char **argv, const struct options *opt, struct store *store,
                       struct run_ids *ids, struct sync_facts *facts, int64_t *run_id) {
    char *command = join_args(argc, argv);
    char *source = source_describe(&opt->source);
    int rc = 0;
    *run_id = 0;
    if (!command || !source) {
        log_error("out of memory");
        rc = EXIT_FATAL;
    } else if (!opt->dry_run && begin_run(store, command, source, run_id) != 0) {
        rc = EXIT_FATAL;
    } else if ((store && collect_skip(store, opt, source, opt->dry_run ? INT64_MAX : *run_id,
                                      ids->skip, facts) != 0) ||
               collect_stale(store, opt, &ids->stale) != 0 ||
               collect_deleted(store, ids->deleted) != 0) {
        rc = EXIT_FATAL;
        /* Recorded as it ended (exit 1), not left "running" for the next
         * run to call aborted; if even that fails, it will (exit 5). */
        struct run_counts none = {0};
        if (*run_id > 0 && finish_run(store, *run_id, "failed", rc, &none) != 0)
            rc = EXIT_UNRECORDED;
    }
    facts->run_id = *run_id;
    free(command);
    free(source);
    return rc;
}

/* After the pipeline of a load (not a dry run): what export and changes do
 * around it (sync.h), then the run's row. Sets *status to the run's final
 * status and returns the exit status, from `code`, the pipeline's. */
static int record_outcome(const struct options *opt, struct store *store, const struct idset *named,
                          const struct sync_facts *facts, enum pipeline_status ps,
                          struct stats *stats, const struct run_counts *counts, const char **status,
                          int code) {
    enum sync_status fin = ps == PIPELINE_OK ? sync_finish(opt, store, named, facts, counts,
                                                           stats_get(&stats->bad_input))
                                             : SYNC_OK;
    if (fin == SYNC_HELD) {
        *status = "partial"; /* deletions held back: logged by sync_finish */
        code = EXIT_PARTIAL;
    } else if (fin == SYNC_STOPPED) {
        *status = run_status_name(PIPELINE_INTERRUPTED, counts);
        code = exit_status_of(PIPELINE_INTERRUPTED, counts);
    } else if (fin != SYNC_OK) {
        *status = "failed"; /* as its exit status says; a rerun resumes it */
        code = EXIT_FATAL;
    }
    if (finish_run(store, facts->run_id, *status, code, counts) != 0)
        code = EXIT_UNRECORDED;
    database_empty_wal(store, "load");
    return code;
}

/* What a load checks and warns of before it opens anything. Returns 0 or
 * an exit status (logged). */
static int preflight(const struct options *opt, const struct credential *cred) {
    warn_connections(opt);
    warn_cleartext(opt, cred);
    warn_gateway_login(opt, cred);
    /* Before anything opens: too few descriptors would read as a server
     * refusing connections, part-way through. */
    char err[320];
    if (rlimits_reserve_fds(opt->dry_run ? 0 : opt->workers, opt->source.kind == SOURCE_EXPORT, err,
                            sizeof err) != 0) {
        log_error("%s", err);
        return EXIT_FATAL;
    }
    rlimits_fit_address_space();
    /* changes goes on from a finished export, which a file not there (a
     * --db mistyped in a crontab line) cannot hold: said as such, and no
     * empty database left there for the next run to find. */
    if (opt->source.kind == SOURCE_CHANGES && !opt->since && !opt->dry_run &&
        access(opt->db_path, F_OK) != 0 && errno == ENOENT) {
        log_error("%s: no such database, so no finished export to go on from (check --db); "
                  "run 'tmdb-ingest export' first, or give --since YYYY-MM-DD",
                  opt->db_path);
        return EXIT_USAGE;
    }
    return 0;
}

/* At a run's end: a lock file removed or replaced while the run held it
 * (lock_still_named()) is said, also with -q. */
static void warn_lock_lost(const struct options *opt, int lock_fd) {
    char lock[PATH_MAX];
    if (!lock_still_named(lock_fd, opt->db_path) &&
        lock_file_path(opt->db_path, lock, sizeof lock) == 0)
        log_warn_setup("%s was removed or replaced while this run held it: another load could "
                       "start beside it, and stats read this run as dead; never delete the "
                       "lock file while a command runs",
                       lock);
}

int load_run(int argc, char **argv, struct options *opt, const struct credential *cred) {
    double t0 = clock_monotonic_s(); /* the summary's elapsed: the whole run, its end too */
    int code = preflight(opt, cred);
    if (code != 0)
        return code;
    int lock_fd;
    struct store *store;
    code = database_open_for_load(opt, &lock_fd, &store);
    if (code != 0)
        return code;
    struct database_file_id db_file;
    database_file_id(opt->db_path, &db_file);
    char export_url[2048], fallback_url[sizeof export_url];
    enum sync_status sy = sync_plan(opt, store, export_url, fallback_url, sizeof export_url);
    if (sy != SYNC_OK) {
        database_close(store, lock_fd);
        return sy == SYNC_USAGE ? EXIT_USAGE : EXIT_FATAL;
    }
    struct sync_facts facts = {
        .started_day = clock_today(), .resumed_from_day = LONG_MAX, .max_age_day = LONG_MAX};
    int64_t run_id = 0;
    struct run_ids ids;
    code = run_ids_new(opt, &ids) != 0 ? EXIT_FATAL
                                       : prepare_run(argc, argv, opt, store, &ids, &facts, &run_id);
    if (code != 0) {
        run_ids_free(&ids);
        database_close(store, lock_fd);
        return code;
    }
    warn_parts(store, opt);

    struct pipeline_config pc;
    build_config(opt, cred, run_id, &ids, &pc);
    struct stats stats;
    stats_init(&stats);
    double fetch_t0 = clock_monotonic_s();
    enum pipeline_status ps = pipeline_run(&pc, opt->dry_run ? NULL : store, &stats);
    double fetching_s = clock_monotonic_s() - fetch_t0;
    /* A signal after the last movie was written: the run stops there, before
     * it marks deletions or moves the cursor (sync_finish() checks for one
     * that comes while it works). */
    if (ps == PIPELINE_OK && stop_requested() && stop_reason() == STOP_SIGNAL)
        ps = PIPELINE_INTERRUPTED;

    warn_stale(&stats);
    warn_workers_bound(opt, &stats, fetching_s);
    if (ps == PIPELINE_OK)
        warn_adult_left_out(store, ids.adult_left_out);
    struct run_counts counts;
    stats_to_counts(&stats, &counts);
    const char *status = run_status_name(ps, &counts);
    code = exit_status_of(ps, &counts);
    /* -q: a run that does not end ok says why (log.h), from here on too:
     * the warnings of its end (changes not marked complete) follow */
    if (code != EXIT_OK)
        log_show_held();
    if (opt->dry_run) {
        if (ps == PIPELINE_OK && print_dry_run(opt, &stats) != 0)
            code = EXIT_FATAL;
    } else {
        facts.oldest_copy = stats_get(&stats.oldest_copy);
        facts.changes_copy = stats_get(&stats.changes_copy);
        facts.changes_mixed = stats_get(&stats.changes_mixed);
        code = record_outcome(opt, store, ids.named, &facts, ps, &stats, &counts, &status, code);
        database_warn_if_replaced(opt->db_path, &db_file);
        warn_lock_lost(opt, lock_fd);
    }
    database_close(store, lock_fd);
    run_ids_free(&ids);
    if (code != EXIT_OK)
        log_show_held();
    /* -q keeps the summary of a run that did not end ok: from cron, whose
     * mail ignores the exit status, it is the only word of it */
    if ((opt->verbosity >= 0 || code != EXIT_OK) && !opt->dry_run)
        print_summary(run_id, status, &counts, stats_get(&stats.throttled),
                      clock_monotonic_s() - t0);
    return code;
}
