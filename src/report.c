/* report.c - see report.h. */
#include "report.h"

#include <inttypes.h>

#include "clock.h"
#include "log.h"
#include "store.h"

static int print_run(void *ctx, const struct store_run_row *r) {
    FILE *out = ctx;
    char duration[32] = "running";
    if (r->duration_s >= 0) {
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
    return log_output_flushed(out, "search results");
}

int report_stats(struct store *s, const char *path, FILE *out) {
    struct store_overview o;
    if (store_overview(s, &o) != STORE_OK) {
        log_error("%s", store_errmsg(s));
        return -1;
    }
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
        long day;
        char through[CLOCK_DATE_SIZE] = "?";
        if (clock_parse_date(o.changes_from, &day) == 0)
            clock_format_date(day - 1, through);
        fprintf(out, "Changes    complete through %s; the next changes run starts at %s\n",
                through, o.changes_from);
    } else {
        fprintf(out, "Changes    none yet (run export, then changes every night)\n");
    }
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
    return log_output_flushed(out, "statistics");
}
