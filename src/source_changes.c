/* source_changes.c - the changes source: the ids /movie/changes names for
 * the days to read, in windows of 14 days split when TMDB caps them, and
 * the movies earlier runs left waiting. See source.h and source_internal.h. */
#include <inttypes.h>
#include <stdio.h>

#include "clock.h"
#include "fetch.h"
#include "http.h"
#include "idset.h"
#include "log.h"
#include "source_internal.h"
#include "stats.h"
#include "stop.h"

/* How messages name the pages of the changes of [first, last]:
 * "changes 2026-11-20..2026-11-25". */
static void name_window(long first, long last, char *buf, size_t size) {
    char from[CLOCK_DATE_SIZE], to[CLOCK_DATE_SIZE];
    clock_format_date(first, from);
    clock_format_date(last, to);
    snprintf(buf, size, "changes %s..%s", from, to);
}

/* Fetch one page of /movie/changes for [first, last] into *page, and into
 * *copy the time of the copy it came from when TMDB's CDN made that copy
 * before the window ended (0 when it lists the whole window). */
static enum source_status changes_page(struct fetcher *f, long first, long last, int n,
                                       struct tmdb_list_page *page, long long *copy) {
    const struct fetch_config *cfg = f->config;
    char from[CLOCK_DATE_SIZE], to[CLOCK_DATE_SIZE], reason[FETCH_REASON_SIZE];
    clock_format_date(first, from);
    clock_format_date(last, to);
    if (tmdb_url_changes(f->url, sizeof f->url, cfg->api_base, from, to, n, cfg->api_key) < 0) {
        log_error("changes %s..%s page %d: URL too long", from, to, n);
        return SOURCE_ERROR;
    }
    struct http_result r;
    int attempts;
    enum retry_action a = fetch_page(f, f->url, n, page, &r, &attempts, reason, sizeof reason);
    if (a == RETRY_FATAL)
        return stop_reason() == STOP_SIGNAL ? SOURCE_STOPPED
                                            : source_fail_fatal(f, "changes", n, reason);
    if (a != RETRY_DONE) {
        char where[64];
        name_window(first, last, where, sizeof where);
        return source_fail_page(f, &r, where, n, reason, attempts);
    }
    /* A copy TMDB's CDN made before the window ended (on its last day or
     * earlier) lists none of the changes made after it: sync_finish() marks
     * days complete only up to the oldest such copy's day. A copy made
     * after its window is whole, however old. Only this thread writes the
     * counter. */
    long long made = http_copy_time(f->http);
    *copy = made > 0 && clock_day_of(made) <= last ? made : 0;
    stats_keep_earliest(&f->stats->changes_copy, *copy);
    return SOURCE_OK;
}

/* Every id of page `n` of the changes of [first, last], adult ones only
 * when asked for; results without a usable id skipped. /movie/changes
 * says the day of no change: any may have been made up to the window's
 * end, so each needs a copy made after it (TMDB's CDN serves copies hours
 * old). */
static int push_changes_page(const struct source *src, struct producer *p, long first, long last,
                             int n, const struct tmdb_list_page *page) {
    if (page->n_bad > 0) {
        char where[64];
        name_window(first, last, where, sizeof where);
        source_skip_bad_results(p, where, n, page, !src->include_adult);
    }
    long long needed_s = (long long)(last + 1) * 86400;
    for (size_t i = 0; i < page->n_ids; i++) {
        if (page->adult[i] && !src->include_adult) {
            /* another shard's is not left out by the missing --include-adult */
            if (src->adult_left_out && source_in_shard(src, page->ids[i]) &&
                idset_add(src->adult_left_out, page->ids[i]) < 0) {
                if (stop_request(STOP_FATAL))
                    log_error("out of memory remembering movie ids");
                return -1;
            }
        } else if (source_push_item(p, page->ids[i], needed_s) != 0) {
            return -1;
        }
    }
    return 0;
}

/* The movies earlier runs stored from copies older than their change, or
 * failed to fetch: fetched again after the windows (an id a window named
 * is pushed with that window's need; the writer keeps the later of the two). */
static int push_stale(const struct source *src, struct producer *p) {
    for (size_t i = 0; i < src->n_stale_ids; i++)
        if (source_push_id(p, src->stale_ids[i]) != 0)
            return -1;
    return 0;
}

/* The windows still to read: at most one per 14 days of the range
 * (SOURCE_CHANGES_MAX_DAYS: 32) plus the halves of split windows (each
 * split adds one; a window halves at most log2(14) times). */
#define CHANGES_MAX_WINDOWS 64

/* Why changes needs the right day (source_check_clock()). */
#define CLOCK_WHY_CHANGES                                                                          \
    "changes reads by UTC day and marks the days it read complete, so a clock this far off "       \
    "would skip days or mark ones not over"

/*
 * /movie/changes serves at most 500 pages (50,000 ids) of a window: a
 * window with more is split in halves and read again, down to single
 * days; a single day with more cannot be read whole (an error, so the
 * cursor stays where it was and export is the way forward). Windows are
 * read latest first: an id is pushed once a run, with the need of the
 * first window naming it, which must be the latest (push_changes_page()).
 * Then the movies left waiting by earlier runs, also with no window.
 */
enum source_status source_produce_changes(const struct source *src, struct fetcher *f,
                                          struct producer *p) {
    struct tmdb_list_page page;
    long stack[CHANGES_MAX_WINDOWS][2];
    int top = 0;
    bool clock_checked = false;
    /* pushed first window first, so the latest is read first */
    long first_day = src->changes_first_day, last_day = src->changes_last_day;
    long n_windows =
        last_day >= first_day ? (last_day - first_day) / SOURCE_CHANGES_WINDOW_DAYS + 1 : 0;
    if (n_windows > CHANGES_MAX_WINDOWS / 2) { /* sync_plan() refused it already */
        log_error("changes: %ld days is too long a range; run export instead",
                  last_day - first_day + 1);
        return SOURCE_ERROR;
    }
    for (long w = 0; w < n_windows; w++) {
        long start = first_day + w * SOURCE_CHANGES_WINDOW_DAYS;
        long end = start + SOURCE_CHANGES_WINDOW_DAYS - 1; /* 13 days apart: within the cap */
        stack[top][0] = start;
        stack[top++][1] = end > last_day ? last_day : end;
    }
    while (top > 0) {
        top--;
        long first = stack[top][0], last = stack[top][1];
        long long copy = 0, first_copy = 0;
        enum source_status st = changes_page(f, first, last, 1, &page, &first_copy);
        if (st == SOURCE_OK && !clock_checked) {
            st = source_check_clock(f, CLOCK_WHY_CHANGES);
            clock_checked = true;
        }
        if (st != SOURCE_OK)
            return st;
        if (page.total_pages > TMDB_MAX_PAGE) {
            if (first == last) {
                char day[CLOCK_DATE_SIZE];
                clock_format_date(first, day);
                log_error("changes on %s: %" PRId64 " ids, more than TMDB serves for one day "
                          "(%d pages); run export to bring the catalogue up to date",
                          day, page.total_results, TMDB_MAX_PAGE);
                return SOURCE_ERROR;
            }
            long mid = first + (last - first) / 2;
            log_info("changes: %" PRId64 " ids in one window, more than %d pages; reading it "
                     "in halves",
                     page.total_results, TMDB_MAX_PAGE);
            stack[top][0] = first;
            stack[top++][1] = mid;
            stack[top][0] = mid + 1;
            stack[top++][1] = last;
            continue;
        }
        stats_add(&p->stats->expected, page.total_results);
        if (push_changes_page(src, p, first, last, 1, &page) != 0)
            return SOURCE_STOPPED;
        int last_page = page.total_pages;
        bool mixed = false;
        for (int n = 2; n <= last_page; n++) {
            if ((st = changes_page(f, first, last, n, &page, &copy)) != SOURCE_OK)
                return st;
            if (copy != first_copy && !mixed) {
                /* One of them lists the window as it stood before it ended,
                 * the other as it stood at another time: results moved
                 * between pages as the list grew, and a change made long
                 * before either copy may be on neither page. */
                char where[64];
                name_window(first, last, where, sizeof where);
                log_info("%s: page 1 and page %d came from copies TMDB's cache made at different "
                         "times, one before the window ended",
                         where, n);
                stats_keep_earliest(&p->stats->changes_mixed, first);
                mixed = true;
            }
            if (page.total_pages < last_page)
                last_page = page.total_pages;
            if (push_changes_page(src, p, first, last, n, &page) != 0)
                return SOURCE_STOPPED;
        }
    }
    /* not added to `expected`: a window may have named them already */
    return push_stale(src, p) != 0 ? SOURCE_STOPPED : SOURCE_OK;
}
