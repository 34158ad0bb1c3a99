/* sync.c - see sync.h. */
#include "sync.h"

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
#include "export.h"
#include "idset.h"
#include "log.h"
#include "stop.h"
#include "store.h"

#define CURSOR_KEY "changes_from"

/* The URL of the export of `day` under --export-base, into url. */
static int export_url_of(const struct options *opt, long day, char *url, size_t url_size) {
    char date[CLOCK_DATE_SIZE], name[64];
    clock_format_date(day, date);
    size_t base_len = strlen(opt->export_base);
    while (base_len > 0 && opt->export_base[base_len - 1] == '/')
        base_len--;
    return export_file_name(date, name, sizeof name) == 0 &&
                   snprintf(url, url_size, "%.*s/%s", (int)base_len, opt->export_base, name) <
                       (int)url_size
               ? 0
               : -1;
}

/* An export whose day is known sets the cursor no further forward than the
 * oldest fetch --max-age skips (or its copy's day): refuse a --max-age that
 * leaves the changes run after it no night to miss (sync.h). An export of
 * unknown day does not move the cursor: any --max-age is fine. */
static enum sync_status check_max_age(const struct options *opt) {
    if (opt->export_day < 0 || opt->max_age_s <= (long long)SYNC_MAX_AGE_DAYS * 86400)
        return SYNC_OK;
    char duration[32];
    cli_format_duration(opt->max_age_s, duration, sizeof duration);
    log_error("export --max-age %s: an export leaves the changes cursor at the oldest fetch it "
              "skips (or at its copy's day, often the day before), and 'changes' refuses a "
              "cursor more than %d days back; a --max-age over %d days leaves no night to miss "
              "(and what it skips from before those days the next 'changes' run fetches "
              "anyway). Use --max-age %dd or less: --max-age Nd leaves %d-N nights 'changes' "
              "may miss",
              duration, SYNC_RETENTION_DAYS, SYNC_MAX_AGE_DAYS, SYNC_MAX_AGE_DAYS,
              SYNC_MAX_AGE_DAYS + 1);
    return SYNC_USAGE;
}

static enum sync_status plan_export(struct options *opt, char *url, char *fallback_url,
                                    size_t url_size) {
    opt->export_adult_listed = false;
    opt->source.adult_listed = &opt->export_adult_listed;
    if (opt->source.export_path) {
        /* a path mistyped: said first, before a warning of its name and a
         * request to TMDB, as the read would say it (exit 1) */
        if (access(opt->source.export_path, R_OK) != 0) {
            log_error("%s: %s", opt->source.export_path, strerror(errno));
            return SYNC_FATAL;
        }
        if (export_day_of_name(opt->source.export_path, &opt->export_day) != 0) {
            opt->export_day = -1;
            log_warn_setup("%s: no date in the file name (movie_ids_MM_DD_YYYY.json.gz): its day "
                           "is unknown, so movies missing from it will not be marked deleted and "
                           "changes are not marked complete",
                           opt->source.export_path);
        }
        return check_max_age(opt);
    }
    if (opt->export_date)
        clock_parse_date(opt->export_date, &opt->export_day);
    else
        opt->export_day = export_default_day((long long)time(NULL));
    if (check_max_age(opt) != SYNC_OK)
        return SYNC_USAGE;
    if (export_url_of(opt, opt->export_day, url, url_size) != 0 ||
        export_url_of(opt, opt->export_day - 1, fallback_url, url_size) != 0) {
        log_error("--export-base is too long");
        return SYNC_USAGE;
    }
    opt->source.export_url = url;
    /* The newest, by default: today's from 08:00 UTC, but TMDB is late
     * now and then; until it is there, the day before's is the newest. */
    opt->source.export_fallback_url = opt->export_date ? NULL : fallback_url;
    opt->source.export_day = &opt->export_day;
    return SYNC_OK;
}

/* The stored cursor's day into *day; false when there is none. */
static bool read_cursor(struct store *store, long *day, enum sync_status *st) {
    char value[64];
    *st = SYNC_OK;
    if (!store)
        return false;
    if (store_meta_get(store, CURSOR_KEY, value, sizeof value) != STORE_OK) {
        log_error("%s", store_errmsg(store));
        *st = SYNC_FATAL;
        return false;
    }
    return value[0] && clock_parse_date(value, day) == 0;
}

bool sync_cursor_ahead(long day, long long now) {
    return day > clock_day_of(now + SOURCE_CLOCK_SKEW_MAX_S);
}

/* sync_cursor_ahead() now. */
static bool cursor_ahead(long day) {
    return sync_cursor_ahead(day, (long long)time(NULL));
}

static enum sync_status plan_changes(struct options *opt, struct store *store) {
    long today = clock_today();
    long first;
    enum sync_status st;
    if (opt->since) {
        clock_parse_date(opt->since, &first); /* checked by cli */
        if (first > today) {
            log_error("--since %s is in the future", opt->since);
            return SYNC_USAGE;
        }
        if (today - first > SOURCE_CHANGES_MAX_DAYS) {
            log_error("--since %s: %ld days is too long a range for changes (at most %d); run "
                      "'tmdb-ingest export' instead",
                      opt->since, today - first, SOURCE_CHANGES_MAX_DAYS);
            return SYNC_USAGE;
        }
        if (first < today - SYNC_RETENTION_DAYS)
            log_warn("--since %s is more than %d days ago; TMDB may not answer that far back",
                     opt->since, SYNC_RETENTION_DAYS);
    } else if (!read_cursor(store, &first, &st)) {
        if (st == SYNC_OK)
            log_error("%s has no finished export or changes run to continue from; run "
                      "'tmdb-ingest export' first, or give --since YYYY-MM-DD",
                      opt->db_path);
        return st == SYNC_OK ? SYNC_USAGE : st;
    } else if (cursor_ahead(first)) {
        /* Only a run whose clock was ahead sets a cursor after today: it
         * marked days complete that had not ended (and whose changes it
         * could not read). Going on would skip them for good, silently. */
        char through[CLOCK_DATE_SIZE], today_s[CLOCK_DATE_SIZE], back[CLOCK_DATE_SIZE];
        clock_format_date(first - 1, through);
        clock_format_date(today, today_s);
        clock_format_date(today - SOURCE_CHANGES_WINDOW_DAYS, back);
        log_error("%s holds changes as complete through %s, but today is %s (UTC): this "
                  "machine's clock is behind (set it right, and run again), or a run with "
                  "its clock ahead marked days that had not ended, and what TMDB changed since "
                  "that run really ran is unread. Then run 'tmdb-ingest changes --since DAY' "
                  "from the day of that run (if unsure, two weeks back: --since %s); it reads "
                  "those days and puts the cursor right",
                  opt->db_path, through, today_s, back);
        return SYNC_USAGE;
    } else if (first < today - SYNC_RETENTION_DAYS) {
        char through[CLOCK_DATE_SIZE];
        clock_format_date(first - 1, through);
        log_error("%s holds changes only through %s, more than %d days ago: TMDB no longer "
                  "keeps what changed since then. Run 'tmdb-ingest export' to bring the "
                  "whole catalogue up to date (movies fetched recently can be skipped with "
                  "--max-age), then 'changes' again",
                  opt->db_path, through, SYNC_RETENTION_DAYS);
        return SYNC_USAGE;
    }
    opt->source.changes_first_day = first;
    opt->source.changes_last_day = today - 1;
    if (first > today - 1 && opt->since) {
        log_info("--since %s: nothing to read yet (changes are read through yesterday, UTC)",
                 opt->since);
    } else if (first > today - 1) {
        char through[CLOCK_DATE_SIZE];
        clock_format_date(first - 1, through);
        log_info("changes are complete through %s; no new day to read until tomorrow", through);
    }
    return SYNC_OK;
}

enum sync_status sync_plan(struct options *opt, struct store *store, char *url, char *fallback_url,
                           size_t url_size) {
    if (opt->source.kind == SOURCE_EXPORT)
        return plan_export(opt, url, fallback_url, url_size);
    if (opt->source.kind == SOURCE_CHANGES)
        return plan_changes(opt, store);
    return SYNC_OK;
}

static bool named_has(void *ctx, int64_t id) {
    return idset_contains(ctx, id);
}

/* Move the cursor to `day`, never back, except from one ahead
 * (sync_cursor_ahead(): a run whose clock was ahead put it there, see
 * plan_changes()). */
static enum sync_status advance_cursor(struct store *store, long day) {
    long current;
    enum sync_status st;
    if (stop_requested())
        return SYNC_STOPPED;
    bool found = read_cursor(store, &current, &st);
    if (found && current >= day && !cursor_ahead(current))
        return SYNC_OK;
    if (st != SYNC_OK)
        return st;
    char value[CLOCK_DATE_SIZE];
    clock_format_date(day, value);
    if (found && current > day) {
        char was[CLOCK_DATE_SIZE];
        clock_format_date(current, was);
        log_warn("the changes cursor was %s, after today: set back to %s", was, value);
    }
    if (store_meta_set(store, CURSOR_KEY, value) != STORE_OK) {
        log_error("%s", store_errmsg(store));
        return SYNC_FATAL;
    }
    return SYNC_OK;
}

/* The --max-age for running an export again without fetching again what
 * this run fetched (a day old at most, if run soon) nor what it skipped as
 * fresh: the run's own --max-age, at least 1d. Written as "--max-age 6d". */
static void rerun_max_age(const struct options *opt, char *buf, size_t size) {
    char duration[32];
    cli_format_duration(opt->max_age_s > 86400 ? opt->max_age_s : 86400, duration, sizeof duration);
    snprintf(buf, size, "--max-age %s", duration);
}

/* Note the movies the run failed to fetch in stale_copies, needing a copy
 * made from `day` (the day the run marks its changes complete from, or
 * would): the next changes run fetches them again, so they need not hold
 * the cursor. Well-formed JSON of the wrong shape too: what TMDB answers
 * may change without the movie changing (a fix on its side, or in this
 * program), and one request a night is cheap. *cursor_free: whether the
 * failures leave the cursor free to move: not when some were not
 * movies' (a result of a changes page or an export line without an id),
 * which only reading the same days or export again can find. Says which. */
static enum sync_status note_failures(const struct options *opt, struct store *store,
                                      const struct sync_facts *facts,
                                      const struct run_counts *counts, long day,
                                      bool *cursor_free) {
    *cursor_free = true;
    if (counts->failed == 0)
        return SYNC_OK;
    char needed[CLOCK_ISO_SIZE], oldest[CLOCK_ISO_SIZE + 8];
    int64_t noted;
    clock_format_day_start(day, needed);
    if (store_note_failures(store, facts->run_id, needed, &noted, oldest, sizeof oldest) !=
        STORE_OK) {
        log_error("%s", store_errmsg(store));
        return SYNC_FATAL;
    }
    if (noted > 0) {
        char shape[96] = "", since[64] = "";
        if (counts->unusable > 0)
            snprintf(shape, sizeof shape,
                     " (%" PRId64 " answered well-formed JSON of the wrong shape)",
                     counts->unusable);
        /* a movie that fails night after night stays noted: say since when */
        if (oldest[0] && clock_day_of_iso(oldest) < facts->started_day)
            snprintf(since, sizeof since, "; one has waited since %.10s", oldest);
        log_warn("%" PRId64 " movie(s) failed%s; noted in stale_copies: the next 'changes' run "
                 "fetches them again, and they do not hold back the changes cursor%s",
                 noted, shape, since);
    }
    int64_t holding = counts->failed - noted;
    if (holding > 0) {
        char max_age[64], advice[160];
        rerun_max_age(opt, max_age, sizeof max_age);
        if (opt->source.kind == SOURCE_EXPORT)
            snprintf(advice, sizeof advice,
                     "run the export again, with %s to skip what this one fetched, before "
                     "changes",
                     max_age);
        else
            snprintf(advice, sizeof advice, "the next changes run reads these days again");
        log_warn("%" PRId64 " result(s) or line(s) without a usable movie id were skipped; "
                 "changes are not marked complete (%s)",
                 holding, advice);
        *cursor_free = false;
    }
    return SYNC_OK;
}

int64_t sync_deletions_allowed(const struct deletion_limit *limit, int64_t live) {
    if (!limit->given) {
        int64_t share = live * SYNC_DEFAULT_MAX_DELETIONS_PPM / SYNC_PER_MILLION;
        return share > SYNC_DEFAULT_MAX_DELETIONS_FLOOR ? share : SYNC_DEFAULT_MAX_DELETIONS_FLOOR;
    }
    return limit->percent ? live * limit->value / SYNC_PER_MILLION : limit->value;
}

/* The export is read whole: mark deleted the stored movies it no longer
 * names, or, when they are more than --max-deletions allows, none (the
 * export is more likely cut short than TMDB's catalogue). */
static enum sync_status mark_gone(const struct options *opt, struct store *store,
                                  const struct idset *named) {
    char now[CLOCK_ISO_SIZE], before[CLOCK_ISO_SIZE];
    clock_utc_iso(now);
    clock_format_day_start(opt->export_day, before);
    struct store_gone gone;
    /* idset_contains only reads: the producer that filled it is joined */
    if (store_find_gone(store, named_has, (void *)named, before, opt->export_adult_listed, &gone) !=
        STORE_OK) {
        log_error("%s", store_errmsg(store));
        return SYNC_FATAL;
    }
    int64_t allowed = sync_deletions_allowed(&opt->max_deletions, gone.live);
    enum sync_status st = SYNC_OK;
    if (stop_requested()) {
        st = SYNC_STOPPED; /* the list took a while: a signal came meanwhile */
    } else if ((int64_t)gone.n > allowed) {
        char max_age[64];
        rerun_max_age(opt, max_age, sizeof max_age);
        log_error("%zu of the %" PRId64 " stored movies (%.1f%%) are not in the export, more "
                  "than --max-deletions allows (%" PRId64 "): none is marked deleted, and "
                  "changes are not marked complete. A truncated export looks like this; if "
                  "TMDB did drop them, run again with --max-deletions %zu (and %s not to "
                  "fetch again what this run fetched)",
                  gone.n, gone.live, 100.0 * (double)gone.n / (double)gone.live, allowed, gone.n,
                  max_age);
        st = SYNC_HELD;
    } else if (store_mark_gone(store, &gone, now) != STORE_OK) {
        log_error("%s", store_errmsg(store));
        st = SYNC_FATAL;
    } else if (gone.n > 0) {
        log_info("%zu movie(s) stored before %.10s are no longer in the export: marked deleted",
                 gone.n, before);
    }
    store_gone_free(&gone);
    return st;
}

static long min_day(long a, long b) {
    return a < b ? a : b;
}

/* The oldest fetch (or with `by_copy`, copy) of a movie of `which` before
 * *day, into buf ("" none), and *day moved back to its day. False on a
 * database error (logged). */
static bool oldest_unrefreshed(struct store *store, const struct store_unrefreshed *which,
                               bool by_copy, long *day, char *buf, size_t size) {
    char before[CLOCK_ISO_SIZE];
    clock_format_day_start(*day, before);
    if (store_oldest_unrefreshed(store, before, which, by_copy, buf, size) != STORE_OK) {
        log_error("%s", store_errmsg(store));
        return false;
    }
    if (buf[0])
        *day = clock_day_of_iso(buf);
    return true;
}

/* The oldest fetch, then the oldest copy, of a movie of `which` before
 * *day (into fetched and copied, CLOCK_ISO_SIZE + 8 bytes each; "" none):
 * *day moved back to the day the stored movies the export did not fetch
 * again leave the cursor at. False on a database error (logged). */
static bool hold_back(struct store *store, const struct store_unrefreshed *which, long *day,
                      char *fetched, char *copied) {
    return oldest_unrefreshed(store, which, false, day, fetched, CLOCK_ISO_SIZE + 8) &&
           oldest_unrefreshed(store, which, true, day, copied, CLOCK_ISO_SIZE + 8);
}

/*
 * Move *day, the first day of the movies it stands for (fetched that day
 * or later and left as they were: what --max-age skipped, what the run it
 * resumed stored), back to the day of the oldest copy one of them is stored
 * from, if earlier. TMDB's cache often made the copy the day before the
 * fetch: notes_to()'s day is where the cursor may go without noting those
 * movies, and at their fetch's day it would be past their copies, so
 * note_unrefreshed() would note every one (up to the whole catalogue, for
 * a weekly export --max-age) rather than hold the cursor a day further
 * back. LONG_MAX stays. False on a database error (logged).
 */
static bool with_their_copies(struct store *store, const struct store_unrefreshed *which,
                              long *day) {
    if (*day == LONG_MAX)
        return true;
    char since[CLOCK_ISO_SIZE], copied[CLOCK_ISO_SIZE + 8];
    clock_format_day_start(*day, since);
    struct store_unrefreshed theirs = *which;
    theirs.fetched_since = since;
    return oldest_unrefreshed(store, &theirs, true, day, copied, sizeof copied);
}

/* More notes than the movies TMDB lists as changed in a usual day (a few
 * thousand: tens of /movie/changes pages of 100): the next nightly changes
 * run would take hours instead of minutes, so the export says how to
 * fetch them itself instead. */
#define SYNC_NOTES_LARGE 10000

/* The first day a changes run started tomorrow reads from (plan_changes()
 * refuses an older cursor): the next nightly one. */
static long changes_reach(void) {
    return clock_today() + 1 - SYNC_RETENTION_DAYS;
}

/* A day that bounds the cursor only for the stored movies it stands for,
 * or LONG_MAX when it is before reach: those movies are then noted. */
static long within_reach(long day, long reach) {
    return day >= reach ? day : LONG_MAX;
}

/*
 * The day the cursor moves to once the movies that would hold it before
 * `reach` are noted: the export's own bound `own` (its day, the run's, its
 * oldest copy), or earlier, within reach, the start of the run it resumed
 * and the oldest fetch --max-age skipped, each moved back to the oldest
 * copy of its movies (with_their_copies(), which move_export_cursor() applies to
 * `facts` first). Those two stand for stored movies, fetched that day or
 * later, which note_unrefreshed() notes with the others when they are
 * before the day returned: one before `reach` does not hold the cursor at
 * `reach` (the next changes run would read some 89 days again, and one
 * missed night make it refuse), and one within reach keeps the movies it
 * stands for from being noted (an interrupted export's, or what --max-age
 * skipped: up to the whole catalogue).
 */
static long notes_to(const struct sync_facts *facts, long own, long reach) {
    long to = min_day(own, min_day(within_reach(facts->resumed_from_day, reach),
                                   within_reach(facts->max_age_day, reach)));
    return to > reach ? to : reach;
}

/* What, of this run's options and facts, may have left stored movies out
 * of an export, for a warning, into causes ("" when none applies), and
 * what would fetch them instead, into instead. Possible causes only: which
 * applies to which noted movie (a video one? below --min-popularity?) is
 * not asked of the store, so the warning says "possible causes". */
static void unrefreshed_causes(const struct options *opt, const struct sync_facts *facts, long day,
                               char *causes, char *instead, size_t size) {
    const struct source *src = &opt->source;
    struct {
        bool applies;
        const char *cause, *instead;
    } const all[] = {
        {!src->include_video, "video movies without --include-video", "with --include-video"},
        {src->has_min_popularity, "below --min-popularity", "without --min-popularity"},
        {facts->max_age_day < day, "skipped by --max-age", "with a shorter --max-age"},
        {facts->resumed_from_day < day, "stored by the run it resumed", "with --refresh"},
    };
    size_t n = 0, len = 0, len_instead = 0;
    causes[0] = instead[0] = '\0';
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        if (!all[i].applies || len >= size || len_instead >= size)
            continue;
        len += (size_t)snprintf(causes + len, size - len, "%s%s", n ? ", or " : "", all[i].cause);
        len_instead += (size_t)snprintf(instead + len_instead, size - len_instead, "%s%s",
                                        n ? " and " : "", all[i].instead);
        n++;
    }
}

/*
 * The export would leave the cursor at *held, before `reach`: the next
 * changes run would refuse it, and point to an export that leaves it there
 * again. So note the movies that hold it before `to` (the day the cursor
 * would be at without them, at least `reach`) in stale_copies, as failed
 * ones are, and move *held to `to`: the next changes run fetches them.
 * With --shard, only this shard's: changes --shard K/N fetches the notes
 * of shard K, and this export leaves the other shards' movies as they are
 * to their own runs; when those hold the cursor before `reach` themselves,
 * nothing is noted and *held stays (said). Notes first, the cursor after:
 * stopped in between, the notes cost a fetch each, the cursor is not past
 * any movie not noted.
 */
static enum sync_status note_unrefreshed(const struct options *opt, struct store *store,
                                         const struct sync_facts *facts, long to, long reach,
                                         long *held) {
    const struct source *src = &opt->source;
    struct store_unrefreshed mine = {
        facts->run_id, opt->export_adult_listed, src->shard_count, src->shard_index, false, NULL};
    char fetched[CLOCK_ISO_SIZE + 8], copied[CLOCK_ISO_SIZE + 8], reach_s[CLOCK_DATE_SIZE];
    clock_format_date(reach, reach_s);
    if (src->shard_count > 0) {
        struct store_unrefreshed others = mine;
        others.other_shards = true;
        if (!hold_back(store, &others, &to, fetched, copied))
            return SYNC_FATAL;
        if (to < reach) {
            char to_s[CLOCK_DATE_SIZE];
            clock_format_date(to, to_s);
            log_warn_setup(
                "export --shard %u/%u: movies of other shards stored in this database, "
                "fetched (or stored from copies made) as early as %s, hold the changes "
                "cursor there, further back than the next 'changes' run reads (from %s, %d "
                "days), which will refuse; their movies are left to their own shard's "
                "runs. Run export without --shard, or keep one database per shard",
                src->shard_index, src->shard_count, to_s, reach_s, SYNC_RETENTION_DAYS);
            return SYNC_OK;
        }
    }
    char before[CLOCK_ISO_SIZE], to_s[CLOCK_DATE_SIZE], held_s[CLOCK_DATE_SIZE], causes[160],
        instead[160], eta[64];
    int64_t noted;
    clock_format_day_start(to, before);
    if (store_note_unrefreshed(store, before, &mine, before, &noted) != STORE_OK) {
        log_error("%s", store_errmsg(store));
        return SYNC_FATAL;
    }
    clock_format_date(to, to_s);
    unrefreshed_causes(opt, facts, to, causes, instead, sizeof causes);
    clock_format_date(*held, held_s);
    cli_format_eta(noted, opt->rate, eta, sizeof eta); /* a request each */
    log_warn("%" PRId64 " stored movie(s) this export did not fetch again (%s%s) would hold the "
             "changes cursor at %s, further back than the next 'changes' run reads (from %s, "
             "%d days): noted in stale_copies instead, and changes are marked complete from %s; "
             "the next 'changes' run fetches those %" PRId64 " movie(s) again besides its days, "
             "%s",
             noted, causes[0] ? "possible causes: " : "", causes[0] ? causes : "left as they were",
             held_s, reach_s, SYNC_RETENTION_DAYS, to_s, noted, eta);
    if (noted > SYNC_NOTES_LARGE && instead[0])
        log_warn("that is more than a night's changes usually hold (%d movies): to fetch them "
                 "now rather than in the next 'changes' run, run this export again %s (its "
                 "fetches clear their notes)",
                 SYNC_NOTES_LARGE, instead);
    *held = to;
    return SYNC_OK;
}

/* The day an export is complete from, before the stored movies it did not
 * fetch again are looked at: the earlier of the run's start and the
 * export's day (into *listed), of the start of the run it resumed and the
 * oldest fetch --max-age skipped, and of the day of the oldest copy TMDB's
 * CDN served (said). *own gets the export's own bound: its day, the run's,
 * its oldest copy. */
static long export_complete_from(const struct options *opt, const struct sync_facts *facts,
                                 long *listed, long *own) {
    *listed = *own = min_day(facts->started_day, opt->export_day);
    long day = min_day(*own, min_day(facts->resumed_from_day, facts->max_age_day));
    /* A copy TMDB's CDN made before that day holds none of the day
     * before's later changes: complete only from the oldest copy's day
     * (the next changes run reads that day again). */
    long copy_day = facts->oldest_copy > 0 ? clock_day_of(facts->oldest_copy) : LONG_MAX;
    if (copy_day < day) {
        char made[CLOCK_ISO_SIZE];
        clock_format_iso(facts->oldest_copy, made);
        log_info("TMDB's cache served copies made as early as %s: changes are marked "
                 "complete only from that day",
                 made);
        day = copy_day;
    }
    *own = min_day(*own, copy_day);
    return day;
}

/* Why the cursor stays before the export's day, when stored movies the
 * export did not fetch again hold it back (fetched and copied, from
 * hold_back(); "" when none). */
static void say_held_back(const char *fetched, const char *copied) {
    if (fetched[0])
        log_warn("stored movies fetched since %.10s were not fetched again by this export "
                 "(--min-popularity, --shard, video movies without --include-video?): "
                 "changes are marked complete only from then",
                 fetched);
    if (copied[0])
        log_info("stored movies this export did not fetch again (--max-age, a resumed run's, "
                 "or left as they were) are from copies made as early as %s: changes are "
                 "marked complete only from that day",
                 copied);
}

/* An export read whole, of a known day, with no movie failed: move the
 * cursor to the day it is complete from. */
static enum sync_status move_export_cursor(const struct options *opt, struct store *store,
                                           const struct sync_facts *facts) {
    long listed, own;
    long day = export_complete_from(opt, facts, &listed, &own);
    /* Never past a stored movie the run left as it was, nor past the
     * copy one is stored from that the run did not fetch again
     * (skipped by --max-age or as settled by the run it resumed, or
     * left as it was): it holds no change made after it either. */
    struct store_unrefreshed all = {facts->run_id, opt->export_adult_listed, 0, 0, false, NULL};
    char fetched[CLOCK_ISO_SIZE + 8], copied[CLOCK_ISO_SIZE + 8];
    long held = day, reach = changes_reach();
    if (!hold_back(store, &all, &held, fetched, copied))
        return SYNC_FATAL;
    long unnoted = held;
    /* unless that leaves the cursor further back than changes reads
     * (the cursor does not move back: one within reach stays there);
     * not when the export itself is (what it did not list is not
     * stored, so no note finds it) */
    long current;
    enum sync_status st;
    bool found = read_cursor(store, &current, &st);
    if (st != SYNC_OK)
        return st;
    bool ahead = found && cursor_ahead(current);
    bool stays = found && current >= reach && !ahead;
    if (held < reach && !stays && listed >= reach) {
        struct sync_facts kept = *facts; /* what they stand for, from their copies */
        if (!with_their_copies(store, &all, &kept.resumed_from_day) ||
            !with_their_copies(store, &all, &kept.max_age_day))
            return SYNC_FATAL;
        st = note_unrefreshed(opt, store, &kept, notes_to(&kept, own, reach), reach, &held);
        if (st != SYNC_OK)
            return st;
    }
    /* Said only when they hold it back: a cursor already at `day` or
     * after (the nightly changes runs moved it there, and read those
     * movies' changes) stays where it is, and a weekly export would
     * say so every week for a video movie changes fetched once. */
    bool holds = !found || current < day || ahead;
    if (held == unnoted && holds)
        say_held_back(fetched, copied);
    return advance_cursor(store, held);
}

static enum sync_status finish_export(const struct options *opt, struct store *store,
                                      const struct idset *named, const struct sync_facts *facts,
                                      const struct run_counts *counts, long long bad_input) {
    bool cursor_free;
    /* noted first: also when the deletions are held */
    enum sync_status st =
        note_failures(opt, store, facts, counts,
                      opt->export_day >= 0 ? opt->export_day : facts->started_day, &cursor_free);
    if (st != SYNC_OK)
        return st;
    if (named && bad_input == 0 && opt->export_day >= 0) {
        if ((st = mark_gone(opt, store, named)) != SYNC_OK)
            return st;
    } else if (bad_input > 0) {
        log_warn("the export had %lld unreadable line(s): deleted movies are not marked "
                 "this time",
                 bad_input);
    }
    if (!cursor_free)
        return SYNC_OK;
    if (opt->export_day < 0)
        /* A file of unknown day may be months old: what changed since
         * is not in it (said at the start, plan_export()). */
        return SYNC_OK;
    return move_export_cursor(opt, store, facts);
}

/* changes --shard: true in *others when the database holds movies of other
 * shards, whose changed movies this run did not fetch (said). */
static enum sync_status other_shards_stored(const struct source *src, struct store *store,
                                            bool *others) {
    *others = false;
    if (store_has_other_shards(store, src->shard_index, src->shard_count, src->include_adult,
                               others) != STORE_OK) {
        log_error("%s", store_errmsg(store));
        return SYNC_FATAL;
    }
    if (*others)
        log_warn_setup("changes --shard %u/%u read the changes of one shard, and the "
                       "database holds movies of others: changes are not marked complete "
                       "(run changes without --shard, or keep one database per shard)",
                       src->shard_index, src->shard_count);
    return SYNC_OK;
}

static enum sync_status finish_changes(const struct options *opt, struct store *store,
                                       const struct sync_facts *facts,
                                       const struct run_counts *counts) {
    const struct source *src = &opt->source;
    long current;
    bool cursor_free;
    enum sync_status st =
        note_failures(opt, store, facts, counts, src->changes_last_day + 1, &cursor_free);
    if (st != SYNC_OK)
        return st;
    if (!read_cursor(store, &current, &st) || src->changes_first_day > current) {
        if (st != SYNC_OK)
            return st;
        /* The days before --since were not read: completeness needs
         * an unbroken run of days from an export on. */
        log_warn("changes were read from %s, after the first day the database does not "
                 "hold yet (or it holds none, without a finished export): changes are not "
                 "marked complete",
                 opt->since ? opt->since : "?");
        return SYNC_OK;
    }
    if (!cursor_free)
        return SYNC_OK;
    if (src->shard_count > 0) {
        bool others;
        if ((st = other_shards_stored(src, store, &others)) != SYNC_OK || others)
            return st;
    }
    /* A changes page from a copy TMDB's CDN made before its window
     * ended lists none of the changes made after the copy: complete
     * only up to the copy's day (the next run reads that day again). */
    long day = src->changes_last_day + 1;
    long copy_day = facts->changes_copy > 0 ? clock_day_of(facts->changes_copy) : LONG_MAX;
    long mixed_day = facts->changes_mixed > 0 ? (long)facts->changes_mixed : LONG_MAX;
    if (mixed_day < day && mixed_day <= copy_day) {
        /* Results move between pages as a list grows: with pages from
         * copies of different times, a change of any of the window's days
         * may be on none of them (source_produce_changes()). */
        char from[CLOCK_DATE_SIZE];
        clock_format_date(mixed_day, from);
        log_warn("TMDB's cache served the pages of changes from %s from copies made at "
                 "different times, one before the days they list ended: results move between "
                 "pages as the list grows, so a change may be on none of the pages read; "
                 "changes are marked complete only up to %s (the next run reads those days "
                 "again)",
                 from, from);
        day = mixed_day;
    } else if (copy_day < day) {
        char made[CLOCK_ISO_SIZE];
        clock_format_iso(facts->changes_copy, made);
        log_warn("TMDB's cache served a changes page from a copy made %s, before the days "
                 "it lists ended: changes are marked complete only up to that day (the "
                 "next run reads it again)",
                 made);
        day = copy_day;
    }
    return advance_cursor(store, day);
}

enum sync_status sync_finish(const struct options *opt, struct store *store,
                             const struct idset *named, const struct sync_facts *facts,
                             const struct run_counts *counts, long long bad_input) {
    switch (opt->source.kind) {
    case SOURCE_EXPORT:
        return finish_export(opt, store, named, facts, counts, bad_input);
    case SOURCE_CHANGES:
        return finish_changes(opt, store, facts, counts);
    default:
        return SYNC_OK;
    }
}
