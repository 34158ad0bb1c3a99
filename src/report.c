/* report.c - see report.h. */
#include "report.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clock.h"
#include "database.h"
#include "json.h"
#include "lock.h"
#include "log.h"
#include "source.h"
#include "store.h"

/* Whether a run's process lives, as stats says it. */
enum run_life {
    RUN_ENDED,   /* its row says how it ended */
    RUN_ALIVE,   /* "running", and a load holds the database: this run's */
    RUN_DEAD,    /* "running", but its process is gone: killed, or its end could not be
                    recorded (exit 5); the next load marks it aborted */
    RUN_UNKNOWN, /* "running", and whether its process lives cannot be told */
};

/* The runs listed, copied out of the snapshot, and what became of each. */
struct run_list {
    struct store_run_row rows[REPORT_RUNS]; /* strings point into text[i] */
    char *text[REPORT_RUNS];                /* owned */
    enum run_life life[REPORT_RUNS];
    char why[REPORT_RUNS][600]; /* "" unless RUN_UNKNOWN: why its fate cannot be told (the
                                   lock's reason, or why its status could not be read again) */
    int n;
    bool failed; /* out of memory */
};

/* Whether a load, a merge, an upgrade, an optimize or a restore holds the database (lock_query()),
 * which, and why that cannot be told. */
struct liveness {
    enum lock_holder holder;
    enum lock_use use; /* what holds it, when holder is LOCK_HOLDER_LIVE */
    char why[600];     /* "" unless holder is LOCK_HOLDER_UNKNOWN */
    long pid;          /* the holder's process when LOCK_HOLDER_LIVE and /proc names it, or 0 */
    bool stopped;      /* that process is stopped (Ctrl-Z, kill -STOP, a debugger) */
};

/* Copy `*field` to the end of buf at *used and point *field at the copy. */
static void move_text(const char **field, char *buf, size_t *used) {
    if (!*field)
        return;
    size_t n = strlen(*field) + 1;
    memcpy(buf + *used, *field, n);
    *field = buf + *used;
    *used += n;
}

/* The row's texts copied into one buffer of the list's; text that is not
 * UTF-8 (edited in by hand, a database from elsewhere) with U+FFFD for each
 * stray byte, as dump and search write it: a raw 0x9B is an 8-bit
 * terminal's CSI, which store_flatten_text() leaves. */
static int collect_run(void *ctx, const struct store_run_row *r) {
    struct run_list *runs = ctx;
    if (runs->n == REPORT_RUNS)
        return -1;
    struct store_run_row *row = &runs->rows[runs->n];
    *row = *r;
    const char **fields[] = {&row->started_at, &row->finished_at, &row->source,
                             &row->status,     &row->uid,         &row->error};
    enum { N_FIELDS = sizeof fields / sizeof *fields };
    char *repaired[N_FIELDS] = {NULL};
    size_t size = 0, used = 0;
    bool failed = false;
    for (size_t i = 0; i < N_FIELDS; i++) {
        if (*fields[i] && !json_utf8_valid(*fields[i], strlen(*fields[i]))) {
            repaired[i] = json_utf8_repaired(*fields[i], strlen(*fields[i]), NULL);
            failed |= !repaired[i];
            *fields[i] = repaired[i];
        }
        size += *fields[i] ? strlen(*fields[i]) + 1 : 0;
    }
    char *buf = failed ? NULL : malloc(size ? size : 1);
    for (size_t i = 0; buf && i < N_FIELDS; i++)
        move_text(fields[i], buf, &used);
    for (size_t i = 0; i < N_FIELDS; i++)
        free(repaired[i]);
    if (!buf) {
        runs->failed = true;
        return -1;
    }
    runs->text[runs->n++] = buf;
    return 0;
}

static void run_list_free(struct run_list *runs) {
    for (int i = 0; i < runs->n; i++)
        free(runs->text[i]);
    runs->n = 0;
}

static bool says_running(const struct store_run_row *r) {
    return r->status && strcmp(r->status, "running") == 0;
}

/* What became of a run the snapshot shows "running", from the holder of
 * the lock asked after the snapshot, whether the run is the newest such,
 * and its status read after that (NULL: the read failed). Aborted: a load
 * started since found it dead. Ended otherwise (or gone): its process
 * lived at the snapshot. Still "running": with a load holding the lock,
 * only the newest such row can be its run (a load marks the runs left
 * "running" aborted before it records its own); with none, or a merge or
 * an upgrade (no run row is theirs), none lives. (Until a load starting
 * marks it, a dead newest run reads as alive.) */
static enum run_life run_life_now(const struct liveness *l, bool newest, const char *status) {
    if (l->holder == LOCK_HOLDER_UNKNOWN || !status)
        return RUN_UNKNOWN;
    if (strcmp(status, "aborted") == 0)
        return RUN_DEAD;
    if (strcmp(status, "running") != 0)
        return RUN_ALIVE;
    bool load_holds = l->holder == LOCK_HOLDER_LIVE && l->use == LOCK_FOR_LOAD;
    return load_holds && newest ? RUN_ALIVE : RUN_DEAD;
}

/* Whether the process of each run the snapshot shows "running" lives.
 * Asked after the snapshot, and each such run's status read again after
 * the lock, so that a run that ended meanwhile is told from a dead one,
 * and one a load starting meanwhile marked aborted from the run of the
 * load that holds the database now. */
static void judge_runs(struct store *s, const char *path, struct run_list *runs,
                       struct liveness *l) {
    l->why[0] = '\0';
    l->use = LOCK_FOR_LOAD;
    l->holder = lock_query(path, &l->use, l->why, sizeof l->why);
    l->stopped = false;
    l->pid = l->holder == LOCK_HOLDER_LIVE ? lock_holder_pid(path, &l->stopped) : 0;
    bool newest = true;
    for (int i = 0; i < runs->n; i++) {
        const struct store_run_row *r = &runs->rows[i];
        runs->why[i][0] = '\0';
        if (!says_running(r)) {
            runs->life[i] = RUN_ENDED;
            continue;
        }
        char now[32];
        const char *status = NULL;
        if (l->holder == LOCK_HOLDER_UNKNOWN)
            snprintf(runs->why[i], sizeof runs->why[i], "%s", l->why);
        else if (store_run_status(s, r->id, now, sizeof now) == STORE_OK)
            status = now;
        else
            snprintf(runs->why[i], sizeof runs->why[i], "%s", store_errmsg(s));
        runs->life[i] = run_life_now(l, newest, status);
        newest = false;
    }
}

static void print_run(FILE *out, const struct store_run_row *r, enum run_life life) {
    /* an aborted run's end is unknown: the next run found it dead; so is a
     * dead one's */
    char duration[32] = "-";
    const char *status = r->status ? r->status : "";
    if (life == RUN_ALIVE)
        snprintf(duration, sizeof duration, "running");
    else if (life == RUN_DEAD)
        status = "unrecorded";
    else if (life == RUN_UNKNOWN) {
        snprintf(duration, sizeof duration, "?");
        status = "running?";
    } else if (r->duration_s >= 0) {
        long long s = (long long)(r->duration_s + 0.5);
        snprintf(duration, sizeof duration, "%lldh%02lldm%02llds", s / 3600, s / 60 % 60, s % 60);
    }
    char exit_status[16] = "-"; /* unknown: running, aborted, or recorded before version 8 */
    if (r->exit_status >= 0)
        snprintf(exit_status, sizeof exit_status, "%d", r->exit_status);
    fprintf(out,
            "  %7" PRId64 "  %-20s  %10s  %-11s %4s  %7" PRId64 " %7" PRId64 " %6" PRId64
            " %7" PRId64 "  %s\n",
            r->id, r->started_at ? r->started_at : "", duration, status, exit_status,
            r->counts.fetched, r->counts.missing, r->counts.failed, r->counts.skipped,
            r->source ? r->source : "");
}

/* What comes of a dead run, by its source (as the next load decides it:
 * source_kind_resumes()). */
static const char *dead_run_fate(const char *source) {
    enum source_kind kind;
    if (source_kind_described(source, &kind) != 0)
        return "the next load marks it aborted";
    if (!source_kind_resumes(kind))
        return "the next load marks it aborted; changes never resumes a run: the next "
               "changes run reads its days again";
    return "the next load marks it aborted, and resumes it if of the same source (unless "
           "--refresh)";
}

/* Under the runs: why each that reported an error did not end ok, and
 * what a run that is not what its row says became. */
static void print_run_notes(FILE *out, const struct run_list *runs) {
    for (int i = 0; i < runs->n; i++) {
        if (runs->rows[i].error)
            fprintf(out, "  run %" PRId64 ": %s\n", runs->rows[i].id, runs->rows[i].error);
        if (runs->life[i] == RUN_DEAD)
            fprintf(out,
                    "  run %" PRId64 " ended unrecorded: its row says running, but its process "
                    "no longer holds the database (killed, out of memory, the machine stopped, "
                    "or its end could not be written: exit 5); %s\n",
                    runs->rows[i].id, dead_run_fate(runs->rows[i].source));
        else if (runs->life[i] == RUN_UNKNOWN)
            fprintf(out,
                    "  run %" PRId64 " says running; whether it still runs cannot be told: %s\n",
                    runs->rows[i].id, runs->why[i]);
    }
}

struct search_out {
    FILE *out;
    int hits;
    int write_errno; /* why a hit could not be written, or 0 */
};

/* `s` as UTF-8: itself, or a copy in *fixed (the caller frees it) where a
 * byte of stored text is not (edited in by hand; a load refuses such
 * bodies), written as U+FFFD, as dump writes it. Out of memory: `s`. */
static const char *as_utf8(const char *s, char **fixed) {
    *fixed = s && !json_utf8_valid(s, strlen(s)) ? json_utf8_repaired(s, strlen(s), NULL) : NULL;
    return *fixed ? *fixed : s;
}

static int print_hit(void *ctx, const struct store_search_hit *h) {
    struct search_out *so = ctx;
    char *fixed[3];
    const char *title = as_utf8(h->title, &fixed[0]), *year = as_utf8(h->year, &fixed[1]),
               *snippet = as_utf8(h->snippet, &fixed[2]);
    /* the year whole: four characters of a release date stored unchecked
     * may take 16 bytes */
    errno = 0;
    fprintf(so->out, "%8" PRId64 "  %s%s%s%s\n          %s\n", h->id, title ? title : "-",
            year ? " (" : "", year ? year : "", year ? ")" : "", snippet ? snippet : "");
    /* kept now: the flush after a failed write may not write again, and
     * so find no reason to give */
    so->write_errno = ferror(so->out) ? errno : 0;
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        free(fixed[i]);
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
    if (so.write_errno) {
        log_error("writing the search results: %s", strerror(so.write_errno));
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
    char *repaired = json_utf8_repaired(v, strlen(v), NULL);
    d->failed |= !repaired || cJSON_AddStringToObject(obj, key, repaired) == NULL;
    free(repaired);
}

static cJSON *add_object(struct json_doc *d, cJSON *obj, const char *key) {
    cJSON *o = cJSON_AddObjectToObject(obj, key);
    d->failed |= o == NULL;
    return o ? o : obj; /* keeps filling something; the document is dropped */
}

/* A number, or null for unknown. */
static void add_number(struct json_doc *d, cJSON *obj, const char *key, bool known, double v) {
    d->failed |=
        (known ? cJSON_AddNumberToObject(obj, key, v) : cJSON_AddNullToObject(obj, key)) == NULL;
}

/* true, false, or null for unknown. */
static void add_bool(struct json_doc *d, cJSON *obj, const char *key, bool known, bool v) {
    d->failed |=
        (known ? cJSON_AddBoolToObject(obj, key, v) : cJSON_AddNullToObject(obj, key)) == NULL;
}

static void add_run(struct json_doc *d, cJSON *array, const struct run_list *runs, int i) {
    const struct store_run_row *r = &runs->rows[i];
    enum run_life life = runs->life[i];
    cJSON *run = cJSON_CreateObject();
    if (!run || !cJSON_AddItemToArray(array, run)) {
        cJSON_Delete(run);
        d->failed = true;
        return;
    }
    add_int(d, run, "id", r->id);
    add_text(d, run, "uid", r->uid);
    add_text(d, run, "started_at", r->started_at);
    add_text(d, run, "finished_at", r->finished_at);
    add_number(d, run, "duration_s", r->duration_s >= 0, round(r->duration_s));
    add_text(d, run, "status", r->status);
    add_bool(d, run, "alive", life != RUN_UNKNOWN, life == RUN_ALIVE);
    add_text(d, run, "alive_unknown_reason", life == RUN_UNKNOWN ? runs->why[i] : NULL);
    add_number(d, run, "exit_status", r->exit_status >= 0, r->exit_status);
    add_text(d, run, "error", r->error);
    add_text(d, run, "source", r->source);
    add_int(d, run, "requested", r->counts.requested);
    add_int(d, run, "stored", r->counts.fetched);
    add_int(d, run, "missing", r->counts.missing);
    add_int(d, run, "failed", r->counts.failed);
    add_int(d, run, "skipped", r->counts.skipped);
    add_int(d, run, "http_requests", r->counts.http_requests);
    add_int(d, run, "retries", r->counts.retries);
}

static int stats_json(const char *path, const struct store_overview *o, const struct run_list *runs,
                      const struct liveness *l, FILE *out) {
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
    for (int i = 0; i < MOVIE_PART_COUNT; i++) {
        char name[MOVIE_PARTS_LIST_SIZE], key[MOVIE_PARTS_LIST_SIZE + 8];
        snprintf(key, sizeof key, "with_%s", movie_parts_list(1u << i, name, sizeof name));
        add_int(&d, movies, key, o->with_part[i]);
    }
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
    add_bool(&d, root, "in_use", l->holder != LOCK_HOLDER_UNKNOWN, l->holder == LOCK_HOLDER_LIVE);
    add_text(&d, root, "in_use_unknown_reason", l->holder == LOCK_HOLDER_UNKNOWN ? l->why : NULL);
    static const char *const uses[] = {[LOCK_FOR_LOAD] = "load",
                                       [LOCK_FOR_MERGE] = "merge",
                                       [LOCK_FOR_UPGRADE] = "upgrade",
                                       [LOCK_FOR_OPTIMIZE] = "optimize",
                                       [LOCK_FOR_RESTORE] = "restore"};
    add_text(&d, root, "in_use_by", l->holder == LOCK_HOLDER_LIVE ? uses[l->use] : NULL);
    if (l->pid > 0)
        add_int(&d, root, "in_use_by_pid", l->pid);
    else
        d.failed |= cJSON_AddNullToObject(root, "in_use_by_pid") == NULL;
    add_bool(&d, root, "in_use_stopped", l->pid > 0, l->stopped);
    cJSON *array = cJSON_AddArrayToObject(root, "runs");
    d.failed |= array == NULL;
    for (int i = 0; array && i < runs->n; i++)
        add_run(&d, array, runs, i);
    char *text = !d.failed ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!text) {
        log_error("out of memory");
        return -1;
    }
    fprintf(out, "%s\n", text);
    cJSON_free(text);
    return log_output_flushed(out, "the statistics");
}

/* store_flatten_text() every stored text the text report writes: the
 * overview's and the runs' (which point into runs->text, owned here). A
 * database from another machine, or edited by hand, may hold control
 * characters in a run's source or a date, which would forge a line of the
 * report or send escape sequences (OSC 52 sets the clipboard). Text only:
 * the JSON escapes them. */
static void flatten_stored_text(struct store_overview *o, struct run_list *runs) {
    char *fields[] = {o->language,           o->created_at,   o->changes_from,
                      o->stale_oldest_noted, o->oldest_fetch, o->newest_fetch};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        store_flatten_text(fields[i]);
        /* dates and a language tag, ASCII: in their fixed arrays, a text
         * that is not UTF-8 has its other bytes as '?' (a raw 0x9B is an
         * 8-bit terminal's CSI), where the runs' have U+FFFD (collect_run) */
        if (!json_utf8_valid(fields[i], strlen(fields[i])))
            for (char *p = fields[i]; *p; p++)
                if ((unsigned char)*p >= 0x80)
                    *p = '?';
    }
    for (int i = 0; i < runs->n; i++) {
        struct store_run_row *r = &runs->rows[i];
        const char *texts[] = {r->started_at, r->finished_at, r->source, r->status, r->error};
        for (size_t k = 0; k < sizeof texts / sizeof *texts; k++)
            store_flatten_text((char *)texts[k]);
    }
}

static int print_stats(const char *path, const struct store_overview *o,
                       const struct run_list *runs, const struct liveness *l, FILE *out) {
    fprintf(out, "Database   %s (schema %d, %s, created %s)\n", path, o->schema_version,
            o->language, o->created_at);
    fprintf(out, "Movies     %" PRId64 " stored, %" PRId64 " of them deleted on TMDB\n", o->movies,
            o->deleted);
    /* credits and keywords always (their rows are counted after them),
     * the other parts once a movie holds them */
    fprintf(out, "Parts     ");
    for (int i = 0; i < MOVIE_PART_COUNT; i++) {
        char name[MOVIE_PARTS_LIST_SIZE];
        if (o->with_part[i] > 0 || (1u << i) & (MOVIE_PART_CREDITS | MOVIE_PART_KEYWORDS))
            fprintf(out, "%s %s for %" PRId64, i ? "," : "",
                    movie_parts_list(1u << i, name, sizeof name), o->with_part[i]);
    }
    fprintf(out, " (%" PRId64 " people, %" PRId64 " keywords)\n", o->people, o->keywords);
    fprintf(out,
            "Failed     %" PRId64 " movie(s) not stored after their last attempt "
            "(SELECT * FROM fetch_failures)\n",
            o->failures_open);
    if (o->changes_from[0]) {
        char through[CLOCK_DATE_SIZE];
        complete_through(o->changes_from, through);
        fprintf(out, "Changes    complete through %s; the next changes run starts at %s\n",
                through[0] ? through : "?", o->changes_from);
    } else {
        fprintf(out, "Changes    none yet (run export, then changes every night)\n");
    }
    if (o->stale_copies > 0)
        fprintf(out,
                "           %" PRId64 " movie(s) wait to be fetched again by the next changes "
                "run: %" PRId64 " served copies older than their change (TMDB's cache), "
                "%" PRId64
                " without a copy (failed, or left out by an export); the oldest noted %s "
                "(SELECT * FROM stale_copies)\n",
                o->stale_copies, o->stale_copies - o->stale_failed, o->stale_failed,
                o->stale_oldest_noted);
    fprintf(out,
            "Freshness  fetched <1 day: %" PRId64 ", 1-7 days: %" PRId64 ", 7-30 days: %" PRId64
            ", 30-90 days: %" PRId64 ", older: %" PRId64 "\n",
            o->by_age[STORE_AGE_DAY], o->by_age[STORE_AGE_WEEK], o->by_age[STORE_AGE_MONTH],
            o->by_age[STORE_AGE_QUARTER], o->by_age[STORE_AGE_OLDER]);
    if (o->movies > 0)
        fprintf(out, "           oldest fetch %s, newest %s\n", o->oldest_fetch, o->newest_fetch);
    /* ids to 7 digits: a restored backup's first run is a million past
     * its runs (STORE_RESTORED_RUN_GAP) */
    fprintf(out, "Last runs\n       id  started               duration    status      exit   "
                 "stored missing failed skipped  source\n");
    for (int i = 0; i < runs->n; i++)
        print_run(out, &runs->rows[i], runs->life[i]);
    print_run_notes(out, runs);
    /* a load suspended in a forgotten shell holds the database: every
     * scheduled load exits 6 until it goes on */
    if (l->stopped)
        fprintf(out,
                "  its lock is held by process %ld, which is stopped (as by Ctrl-Z): every load "
                "exits 6 until `fg` in its shell or `kill -CONT %ld` lets it go on\n",
                l->pid, l->pid);
    return log_output_flushed(out, "the statistics");
}

int report_stats(struct store *s, const char *path, bool json, FILE *out) {
    /* one snapshot: a load commits between the queries otherwise, and the
     * counts, the histogram and the runs disagree */
    struct store_overview o;
    struct run_list runs = {.n = 0};
    if (store_read_begin(s) != STORE_OK) {
        log_error("%s", store_errmsg(s));
        return -1;
    }
    enum store_status ss = store_overview(s, &o);
    if (ss == STORE_OK)
        ss = store_recent_runs(s, REPORT_RUNS, collect_run, &runs);
    store_read_end(s);
    int rc = -1;
    if (ss != STORE_OK)
        log_error("%s", store_errmsg(s));
    else if (runs.failed)
        log_error("out of memory");
    else {
        struct liveness l;
        judge_runs(s, path, &runs, &l);
        if (!json)
            flatten_stored_text(&o, &runs);
        rc = json ? stats_json(path, &o, &runs, &l, out) : print_stats(path, &o, &runs, &l, out);
    }
    run_list_free(&runs);
    return rc;
}

int report_stats_run(const char *db_path, bool json) {
    struct store *s = NULL;
    int code = database_open_existing(db_path, &s);
    if (code != 0)
        return code;
    int rc = report_stats(s, db_path, json, stdout);
    store_close(s);
    return rc == 0 ? EXIT_OK : EXIT_FATAL;
}

int report_search_run(const char *db_path, const char *query, int limit) {
    struct store *s = NULL;
    int code = database_open_existing(db_path, &s);
    if (code != 0)
        return code;
    int hits = 0;
    int rc = report_search(s, query, limit, stdout, &hits);
    store_close(s);
    if (rc != 0)
        return rc > 0 ? EXIT_USAGE : EXIT_FATAL;
    return hits > 0 ? EXIT_OK : EXIT_NO_MATCH;
}
