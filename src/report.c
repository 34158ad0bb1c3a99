/* report.c - see report.h. */
#include "report.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "json.h"
#include "log.h"
#include "store.h"

static int print_run(void *ctx, const struct store_run_row *r) {
    FILE *out = ctx;
    /* an aborted run's end is unknown: the next run found it dead */
    char duration[32] = "-";
    if (r->status && strcmp(r->status, "running") == 0)
        snprintf(duration, sizeof duration, "running");
    else if (r->duration_s >= 0) {
        long long s = (long long)(r->duration_s + 0.5);
        snprintf(duration, sizeof duration, "%lldh%02lldm%02llds", s / 3600, s / 60 % 60, s % 60);
    }
    fprintf(out, "  %5" PRId64 "  %-20s  %10s  %-11s  %7" PRId64 " %7" PRId64 " %6" PRId64
                 " %7" PRId64 "  %s\n",
            r->id, r->started_at ? r->started_at : "", duration, r->status ? r->status : "",
            r->counts.fetched, r->counts.missing, r->counts.failed, r->counts.skipped,
            r->source ? r->source : "");
    return 0;
}

struct search_out {
    FILE *out;
    int hits;
};

static int print_hit(void *ctx, const struct store_search_hit *h) {
    struct search_out *so = ctx;
    char year[16] = "";
    if (h->year)
        snprintf(year, sizeof year, " (%s)", h->year);
    fprintf(so->out, "%8" PRId64 "  %s%s\n          %s\n", h->id, h->title ? h->title : "-",
            year, h->snippet ? h->snippet : "");
    so->hits++;
    return ferror(so->out) ? -1 : 0;
}

int report_search(struct store *s, const char *query, int limit, FILE *out, int *n_hits) {
    struct search_out so = {.out = out};
    enum store_status ss = store_search(s, query, limit, print_hit, &so);
    *n_hits = so.hits;
    if (ss == STORE_ERR_QUERY) {
        log_error("%s", store_errmsg(s));
        return 1;
    }
    if (ss != STORE_OK) {
        log_error("%s", store_errmsg(s));
        return -1;
    }
    return log_output_flushed(out, "the search results");
}

/* The day before `changes_from` (the last complete day) into `through`,
 * "" when there is none. */
static void complete_through(const char *changes_from, char through[CLOCK_DATE_SIZE]) {
    long day;
    through[0] = '\0';
    if (changes_from[0] && clock_parse_date(changes_from, &day) == 0)
        clock_format_date(day - 1, through);
}

/* JSON building: every add goes through these, and one failed allocation
 * marks the document incomplete (checked once, before printing). */
struct json_doc {
    bool failed;
};

static void add_int(struct json_doc *d, cJSON *obj, const char *key, int64_t v) {
    d->failed |= cJSON_AddNumberToObject(obj, key, (double)v) == NULL;
}

/* A string, or null for NULL or "". Bytes that are not UTF-8 (a path, a
 * run's source written by hand) become U+FFFD: JSON must be UTF-8. */
static void add_text(struct json_doc *d, cJSON *obj, const char *key, const char *v) {
    if (!v || !v[0]) {
        d->failed |= cJSON_AddNullToObject(obj, key) == NULL;
        return;
    }
    if (json_utf8_valid(v, strlen(v))) {
        d->failed |= cJSON_AddStringToObject(obj, key, v) == NULL;
        return;
    }
    char *repaired = json_utf8_repaired(v);
    d->failed |= !repaired || cJSON_AddStringToObject(obj, key, repaired) == NULL;
    free(repaired);
}

static cJSON *add_object(struct json_doc *d, cJSON *obj, const char *key) {
    cJSON *o = cJSON_AddObjectToObject(obj, key);
    d->failed |= o == NULL;
    return o ? o : obj; /* keeps filling something; the document is dropped */
}

struct json_runs {
    struct json_doc *doc;
    cJSON *array;
};

static int add_run(void *ctx, const struct store_run_row *r) {
    struct json_runs *jr = ctx;
    struct json_doc *d = jr->doc;
    cJSON *run = cJSON_CreateObject();
    if (!run || !cJSON_AddItemToArray(jr->array, run)) {
        cJSON_Delete(run);
        d->failed = true;
        return -1;
    }
    add_int(d, run, "id", r->id);
    add_text(d, run, "uid", r->uid);
    add_text(d, run, "started_at", r->started_at);
    add_text(d, run, "finished_at", r->finished_at);
    if (r->duration_s >= 0)
        d->failed |= cJSON_AddNumberToObject(run, "duration_s", round(r->duration_s)) == NULL;
    else
        d->failed |= cJSON_AddNullToObject(run, "duration_s") == NULL;
    add_text(d, run, "status", r->status);
    add_text(d, run, "source", r->source);
    add_int(d, run, "requested", r->counts.requested);
    add_int(d, run, "stored", r->counts.fetched);
    add_int(d, run, "missing", r->counts.missing);
    add_int(d, run, "failed", r->counts.failed);
    add_int(d, run, "skipped", r->counts.skipped);
    add_int(d, run, "http_requests", r->counts.http_requests);
    add_int(d, run, "retries", r->counts.retries);
    return 0;
}

static int stats_json(struct store *s, const char *path, const struct store_overview *o,
                      FILE *out) {
    struct json_doc d = {false};
    cJSON *root = cJSON_CreateObject();
    if (!root) {
        log_error("out of memory");
        return -1;
    }
    add_text(&d, root, "database", path);
    add_int(&d, root, "schema_version", o->schema_version);
    add_text(&d, root, "language", o->language);
    add_text(&d, root, "created_at", o->created_at);
    cJSON *movies = add_object(&d, root, "movies");
    add_int(&d, movies, "stored", o->movies);
    add_int(&d, movies, "deleted", o->deleted);
    add_int(&d, movies, "with_credits", o->with_credits);
    add_int(&d, movies, "with_keywords", o->with_keywords);
    add_int(&d, movies, "failed", o->failures_open);
    add_int(&d, root, "people", o->people);
    add_int(&d, root, "keywords", o->keywords);
    char through[CLOCK_DATE_SIZE];
    complete_through(o->changes_from, through);
    cJSON *changes = add_object(&d, root, "changes");
    add_text(&d, changes, "complete_through", through);
    add_text(&d, changes, "next_from", o->changes_from);
    add_int(&d, changes, "stale_copies", o->stale_copies);
    add_int(&d, changes, "stale_copies_failed", o->stale_failed);
    add_text(&d, changes, "stale_copies_oldest_noted", o->stale_oldest_noted);
    cJSON *fresh = add_object(&d, root, "freshness");
    /* how many movies were fetched that many days ago: [0, 1), [1, 7), ... */
    static const char *const age_keys[STORE_AGE_COUNT] = {
        [STORE_AGE_DAY] = "days_0_1",     [STORE_AGE_WEEK] = "days_1_7",
        [STORE_AGE_MONTH] = "days_7_30",  [STORE_AGE_QUARTER] = "days_30_90",
        [STORE_AGE_OLDER] = "days_90_up",
    };
    for (int i = 0; i < STORE_AGE_COUNT; i++)
        add_int(&d, fresh, age_keys[i], o->by_age[i]);
    add_text(&d, fresh, "oldest_fetch", o->oldest_fetch);
    add_text(&d, fresh, "newest_fetch", o->newest_fetch);
    struct json_runs jr = {&d, cJSON_AddArrayToObject(root, "runs")};
    int rc = 0;
    if (!jr.array) {
        d.failed = true;
    } else if (store_recent_runs(s, REPORT_RUNS, add_run, &jr) != STORE_OK) {
        log_error("%s", store_errmsg(s));
        rc = -1;
    }
    char *text = rc == 0 && !d.failed ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (rc == 0 && !text) {
        log_error("out of memory");
        rc = -1;
    }
    if (text) {
        fprintf(out, "%s\n", text);
        cJSON_free(text);
        rc = log_output_flushed(out, "the statistics");
    }
    return rc;
}

static int print_stats(struct store *s, const char *path, bool json, FILE *out) {
    struct store_overview o;
    if (store_overview(s, &o) != STORE_OK) {
        log_error("%s", store_errmsg(s));
        return -1;
    }
    if (json)
        return stats_json(s, path, &o, out);
    fprintf(out, "Database   %s (schema %d, %s, created %s)\n", path, o.schema_version,
            o.language, o.created_at);
    fprintf(out, "Movies     %" PRId64 " stored, %" PRId64 " of them deleted on TMDB\n",
            o.movies, o.deleted);
    fprintf(out, "Parts      credits for %" PRId64 ", keywords for %" PRId64 " (%" PRId64
                 " people, %" PRId64 " keywords)\n",
            o.with_credits, o.with_keywords, o.people, o.keywords);
    fprintf(out, "Failed     %" PRId64 " movie(s) not stored after their last attempt "
                 "(SELECT * FROM fetch_failures)\n",
            o.failures_open);
    if (o.changes_from[0]) {
        char through[CLOCK_DATE_SIZE];
        complete_through(o.changes_from, through);
        fprintf(out, "Changes    complete through %s; the next changes run starts at %s\n",
                through[0] ? through : "?", o.changes_from);
    } else {
        fprintf(out, "Changes    none yet (run export, then changes every night)\n");
    }
    if (o.stale_copies > 0)
        fprintf(out,
                "           %" PRId64 " movie(s) wait to be fetched again by the next changes "
                "run: %" PRId64 " served copies older than their change (TMDB's cache), "
                "%" PRId64 " failed; the oldest noted %s (SELECT * FROM stale_copies)\n",
                o.stale_copies, o.stale_copies - o.stale_failed, o.stale_failed,
                o.stale_oldest_noted);
    fprintf(out, "Freshness  fetched <1 day: %" PRId64 ", 1-7 days: %" PRId64
                 ", 7-30 days: %" PRId64 ", 30-90 days: %" PRId64 ", older: %" PRId64 "\n",
            o.by_age[STORE_AGE_DAY], o.by_age[STORE_AGE_WEEK], o.by_age[STORE_AGE_MONTH],
            o.by_age[STORE_AGE_QUARTER], o.by_age[STORE_AGE_OLDER]);
    if (o.movies > 0)
        fprintf(out, "           oldest fetch %s, newest %s\n", o.oldest_fetch, o.newest_fetch);
    fprintf(out, "Last runs\n     id  started               duration    status        "
                 "stored missing failed skipped  source\n");
    if (store_recent_runs(s, REPORT_RUNS, print_run, out) != STORE_OK) {
        log_error("%s", store_errmsg(s));
        return -1;
    }
    return log_output_flushed(out, "the statistics");
}

int report_stats(struct store *s, const char *path, bool json, FILE *out) {
    /* one snapshot: a load commits between the queries otherwise, and the
     * counts, the histogram and the runs disagree */
    if (store_read_begin(s) != STORE_OK) {
        log_error("%s", store_errmsg(s));
        return -1;
    }
    int rc = print_stats(s, path, json, out);
    store_read_end(s);
    return rc;
}
