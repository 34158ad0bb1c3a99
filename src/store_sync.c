/* store_sync.c - keeping a catalogue in sync: deletions, freshness, the
 * changes cursor. See store.h ("Keeping a catalogue in sync"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "idset.h"
#include "store.h"
#include "store_internal.h"

enum store_status store_mark_deleted(struct store *s, int64_t id, const char *now, bool *marked) {
    sqlite3_stmt *st = s->stmts[ST_MARK_DELETED];
    sqlite3_bind_int64(st, 1, id);
    store_bind_text(st, 2, store_run_time(s, now));
    if (store_step_reset(st) != SQLITE_OK)
        return store_fail(s, "mark movie %lld deleted", (long long)id);
    if (marked)
        *marked = sqlite3_changes(s->db) > 0;
    return STORE_OK;
}

struct count_live {
    sqlite3_stmt *st;
    int64_t n;
};

static int count_one_live(int64_t id, void *ctx) {
    struct count_live *c = ctx;
    sqlite3_bind_int64(c->st, 1, id);
    int rc = sqlite3_step(c->st);
    sqlite3_reset(c->st);
    if (rc == SQLITE_ROW)
        c->n++;
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

enum store_status store_count_live_adult(struct store *s, const struct idset *ids, int64_t *n) {
    struct count_live c = {NULL, 0};
    *n = 0;
    if (sqlite3_prepare_v2(
            s->db, "SELECT 1 FROM movies WHERE id = ?1 AND deleted_at IS NULL AND adult = 1", -1,
            &c.st, NULL) != SQLITE_OK)
        return store_fail(s, "count the stored movies");
    int rc = idset_each(ids, count_one_live, &c);
    sqlite3_finalize(c.st);
    if (rc != 0)
        return store_fail(s, "count the stored movies");
    *n = c.n;
    return STORE_OK;
}

enum store_status store_stored_adult(struct store *s, int64_t id, bool *adult) {
    sqlite3_stmt *st;
    *adult = false;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM movies WHERE id = ?1 AND adult = 1", -1, &st,
                           NULL) != SQLITE_OK)
        return store_fail(s, "read whether movie %lld is stored as adult", (long long)id);
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(s, "read whether movie %lld is stored as adult", (long long)id);
    *adult = rc == SQLITE_ROW;
    return STORE_OK;
}

enum store_status store_find_gone(struct store *s, store_present_fn present, void *ctx,
                                  const char *fetched_before, bool adult, struct store_gone *gone) {
    *gone = (struct store_gone){0};
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, fetched_at < ?1 FROM movies "
                           "WHERE deleted_at IS NULL AND (adult = 0 OR ?2)",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, "list stored movies");
    store_bind_text(st, 1, fetched_before);
    sqlite3_bind_int(st, 2, adult);
    size_t cap = 0;
    int rc;
    enum store_status result = STORE_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        gone->live++;
        if (!sqlite3_column_int(st, 1) || present(ctx, id))
            continue;
        if (gone->n == cap) {
            size_t grown_cap = cap ? cap * 2 : 256;
            int64_t *grown = realloc(gone->ids, grown_cap * sizeof *grown);
            if (!grown) {
                result = STORE_ERR_NOMEM;
                snprintf(s->errmsg, sizeof s->errmsg, "%s: out of memory", s->path);
                break;
            }
            gone->ids = grown;
            cap = grown_cap;
        }
        gone->ids[gone->n++] = id;
    }
    if (result == STORE_OK && rc != SQLITE_DONE)
        result = store_fail(s, "list stored movies");
    sqlite3_finalize(st);
    if (result != STORE_OK)
        store_gone_free(gone);
    return result;
}

enum store_status store_mark_gone(struct store *s, const struct store_gone *gone, const char *now) {
    if (gone->n == 0)
        return STORE_OK;
    enum store_status rc = store_begin(s);
    for (size_t i = 0; rc == STORE_OK && i < gone->n; i++)
        rc = store_mark_deleted(s, gone->ids[i], now, NULL);
    if (rc == STORE_OK)
        rc = store_commit(s);
    /* Also when the commit failed: a COMMIT that fails (SQLITE_BUSY, a
     * full disk, a deferred constraint) leaves the transaction open. */
    if (rc != STORE_OK)
        store_rollback(s);
    return rc;
}

void store_gone_free(struct store_gone *gone) {
    free(gone->ids);
    *gone = (struct store_gone){0};
}

enum store_status store_deleted_ids(struct store *s, store_id_fn fn, void *ctx) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT id FROM movies WHERE deleted_at IS NOT NULL", -1, &st,
                           NULL) != SQLITE_OK)
        return store_fail(s, "list the movies marked deleted");
    enum store_status rc = store_each_id(s, st, fn, ctx, "the movies marked deleted");
    sqlite3_finalize(st);
    return rc;
}

enum store_status store_fresh_ids(struct store *s, const char *since, const char *append,
                                  store_id_fn fn, void *ctx, char *oldest, size_t size) {
    sqlite3_stmt *st = s->stmts[ST_FRESH_IDS];
    store_bind_text(st, 1, since);
    store_bind_text(st, 2, append);
    char what[96];
    snprintf(what, sizeof what, "movies fetched since %s", since);
    return store_each_id_oldest(s, st, fn, ctx, what, oldest, size);
}

/* The copy movie `id` is stored from, when made after `made`, into
 * newer ("" none). */
static enum store_status newer_copy(struct store *s, int64_t id, const char *made, char *newer,
                                    size_t size) {
    sqlite3_stmt *st = s->stmts[ST_NEWER_COPY];
    sqlite3_bind_int64(st, 1, id);
    store_bind_text(st, 2, made);
    if (store_step_text_reset(st, newer, size) != SQLITE_OK)
        return store_fail(s, "read movie %lld's copy", (long long)id);
    return STORE_OK;
}

enum store_status store_note_copy(struct store *s, int64_t id, long long needed_s, const char *made,
                                  bool *waiting) {
    *waiting = false;
    char needed[CLOCK_ISO_SIZE + 8] = "", stored[CLOCK_ISO_SIZE + 8];
    if (needed_s > 0)
        clock_format_iso(needed_s, needed);
    if (made) {
        /* A copy older than the one stored may hold the data from before
         * a change the stored one holds, which a changes run may have
         * read already: the cursor is past it, so the copy needs one as
         * new as the stored one (ISO-8601 UTC: compared as text). */
        enum store_status ss = newer_copy(s, id, made, stored, sizeof stored);
        if (ss != STORE_OK)
            return ss;
        if (strcmp(stored, needed) > 0)
            snprintf(needed, sizeof needed, "%s", stored);
    }
    bool noting = needed[0] && made && strcmp(made, needed) < 0;
    if (!noting && s->stale_rows < 0) { /* once a connection: most loads note none */
        int64_t any = 0;
        if (store_query_ints(s->db, "SELECT EXISTS (SELECT 1 FROM stale_copies)", &any, 1) != 0)
            return store_fail(s, "read the stale copies");
        s->stale_rows = any != 0;
    }
    if (!noting && s->stale_rows == 0)
        return STORE_OK; /* nothing to clear */
    if (noting) {
        char now[CLOCK_ISO_SIZE];
        clock_utc_iso(now);
        sqlite3_stmt *st = s->stmts[ST_STALE_NOTE];
        sqlite3_bind_int64(st, 1, id);
        store_bind_text(st, 2, needed);
        store_bind_text(st, 3, made);
        store_bind_text(st, 4, now);
        if (store_step_reset(st) != SQLITE_OK)
            return store_fail(s, "note movie %lld's copy as older than its change", (long long)id);
        s->stale_rows = 1;
        *waiting = true;
        return STORE_OK;
    }
    sqlite3_stmt *clear = s->stmts[ST_STALE_CLEAR];
    sqlite3_bind_int64(clear, 1, id);
    store_bind_text(clear, 2, made);
    if (store_step_reset(clear) != SQLITE_OK)
        return store_fail(s, "clear movie %lld's stale copy", (long long)id);
    if (!made || sqlite3_changes(s->db) > 0)
        return STORE_OK;
    /* No note, or one this copy is still too old for: say which. */
    sqlite3_stmt *keep = s->stmts[ST_STALE_KEEP];
    sqlite3_bind_int64(keep, 1, id);
    store_bind_text(keep, 2, made);
    if (store_step_reset(keep) != SQLITE_OK)
        return store_fail(s, "note movie %lld's copy as still older than its change",
                          (long long)id);
    *waiting = sqlite3_changes(s->db) > 0;
    return STORE_OK;
}

/* Binds the parameters from ?3 on of the movie ids a note selects. */
typedef void note_bind_fn(sqlite3_stmt *st, const void *ctx);

/* One statement over the movie ids `ids_sql` selects (head, the ids, then
 * ")" and tail), its parameters bound: ?1 needed_from, ?2 now, the others
 * by bind. */
static enum store_status prepare_over_ids(struct store *s, const char *head, const char *ids_sql,
                                          const char *tail, note_bind_fn *bind, const void *ctx,
                                          const char *needed_from, const char *what,
                                          sqlite3_stmt **st) {
    char text[1536], now[CLOCK_ISO_SIZE];
    *st = NULL;
    if (snprintf(text, sizeof text, "%s%s)%s", head, ids_sql, tail) >= (int)sizeof text ||
        sqlite3_prepare_v2(s->db, text, -1, st, NULL) != SQLITE_OK)
        return store_fail(s, "%s", what);
    clock_utc_iso(now);
    store_bind_text(*st, 1, needed_from);
    /* copied: the statement is stepped after this function has returned */
    sqlite3_bind_text(*st, 2, now, -1, SQLITE_TRANSIENT);
    bind(*st, ctx);
    return STORE_OK;
}

/*
 * Note in stale_copies the movies `ids_sql` selects (a column movie_id),
 * to be fetched again: without a copy, needing one made from needed_from;
 * a note the movie had keeps its noted_at and the later need, its copy
 * now none. *noted: how many of them are noted; `oldest` (size bytes, or
 * NULL): the earliest noted_at among them ("" none). Run once a run, after
 * its load: prepared here.
 */
static enum store_status note_to_fetch_again(struct store *s, const char *ids_sql,
                                             note_bind_fn *bind, const void *ctx,
                                             const char *needed_from, int64_t *noted, char *oldest,
                                             size_t size) {
    static const char note_head[] =
        "INSERT INTO stale_copies (movie_id, needed_from, copy_made_at, noted_at) "
        "SELECT movie_id, ?1, NULL, ?2 FROM (";
    static const char note_tail[] = " WHERE true ON CONFLICT (movie_id) DO UPDATE SET needed_from "
                                    "= max(needed_from, excluded.needed_from), copy_made_at = NULL";
    static const char oldest_head[] =
        "SELECT coalesce(min(noted_at), '') FROM stale_copies WHERE movie_id IN (";
    *noted = 0;
    if (oldest)
        oldest[0] = '\0';
    s->stale_rows = -1;
    sqlite3_stmt *st = NULL;
    const char *what = "note the movies to fetch again";
    enum store_status ss =
        prepare_over_ids(s, note_head, ids_sql, note_tail, bind, ctx, needed_from, what, &st);
    if (ss != STORE_OK)
        return ss;
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return store_fail(s, "%s", what);
    /* Each movie once (ids_sql selects distinct ones: a UNION, or a run's
     * failures by their key), inserted or, noted already, updated: both
     * count, as the notes the next changes run fetches. Counting them again
     * would run ids_sql a second time (every movie an export left out). */
    *noted = sqlite3_changes64(s->db);
    if (!oldest)
        return STORE_OK;
    what = "find the oldest note of the movies noted to fetch again";
    if ((ss = prepare_over_ids(s, oldest_head, ids_sql, "", bind, ctx, needed_from, what, &st)) !=
        STORE_OK)
        return ss;
    rc = store_step_text(st, oldest, size);
    if (rc != SQLITE_OK)
        return store_fail(s, "%s", what);
    return STORE_OK;
}

static void bind_run(sqlite3_stmt *st, const void *ctx) {
    sqlite3_bind_int64(st, 3, *(const int64_t *)ctx);
}

enum store_status store_note_failures(struct store *s, int64_t run_id, const char *needed_from,
                                      int64_t *noted, char *oldest, size_t size) {
    return note_to_fetch_again(
        s, "SELECT movie_id FROM fetch_failures WHERE run_id = ?3 AND kind = 'failed'", bind_run,
        &run_id, needed_from, noted, oldest, size);
}

enum store_status store_stale_ids(struct store *s, store_id_fn fn, void *ctx) {
    return store_each_id(s, s->stmts[ST_STALE_IDS], fn, ctx,
                         "the movies served copies older than their change");
}

/* The movies of a struct store_unrefreshed (?3 to ?7 and ?9, bound by
 * bind_unrefreshed()), to follow a condition on the time, ?8. */
#define UNREFRESHED_WHERE                                                                          \
    " < ?8 AND deleted_at IS NULL AND (adult = 0 OR ?4) "                                          \
    "AND id NOT IN (SELECT movie_id FROM fetch_failures WHERE run_id = ?3) "                       \
    "AND (?5 = 0 OR (id % ?5 = ?6) != ?7) AND (?9 IS NULL OR fetched_at >= ?9)"
/* A copy of the fetch's day is before ?8, a day's start, exactly when its
 * fetch is: only the others need their own condition (that of the partial
 * index movies_copy_made, repeated so that it is used). */
#define UNREFRESHED_BY_COPY "copy_made_at < substr(fetched_at, 1, 10) AND copy_made_at"

struct unrefreshed_params {
    const char *before;
    const struct store_unrefreshed *which;
};

static void bind_unrefreshed(sqlite3_stmt *st, const void *ctx) {
    const struct unrefreshed_params *p = ctx;
    sqlite3_bind_int64(st, 3, p->which->run_id);
    sqlite3_bind_int(st, 4, p->which->adult);
    sqlite3_bind_int64(st, 5, p->which->shard_count);
    sqlite3_bind_int64(st, 6, p->which->shard_index);
    sqlite3_bind_int(st, 7, p->which->other_shards);
    store_bind_text(st, 8, p->before);
    if (p->which->fetched_since)
        store_bind_text(st, 9, p->which->fetched_since);
}

enum store_status store_oldest_unrefreshed(struct store *s, const char *before,
                                           const struct store_unrefreshed *which, bool by_copy,
                                           char *buf, size_t size) {
    /* Each read through its index in order (movies_fetched_at; the partial
     * movies_copy_made): the first match ends it. */
    const char *time = by_copy ? "copy_made_at" : "fetched_at";
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT %s FROM movies WHERE %s%s ORDER BY %s LIMIT 1", time,
             by_copy ? UNREFRESHED_BY_COPY : time, UNREFRESHED_WHERE, time);
    sqlite3_stmt *st;
    buf[0] = '\0';
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, "find the movies an export left as they were");
    struct unrefreshed_params p = {before, which};
    bind_unrefreshed(st, &p);
    if (store_step_text(st, buf, size) != SQLITE_OK)
        return store_fail(s, "find the movies an export left as they were");
    return STORE_OK;
}

enum store_status store_note_unrefreshed(struct store *s, const char *before,
                                         const struct store_unrefreshed *which,
                                         const char *needed_from, int64_t *noted) {
    /* Two selects, each through its index, rather than one OR: a scan
     * would read every row's raw_json to reach the columns after it. */
    static const char ids_sql[] =
        "SELECT id AS movie_id FROM movies WHERE fetched_at" UNREFRESHED_WHERE
        " UNION SELECT id FROM movies WHERE " UNREFRESHED_BY_COPY UNREFRESHED_WHERE;
    struct unrefreshed_params p = {before, which};
    return note_to_fetch_again(s, ids_sql, bind_unrefreshed, &p, needed_from, noted, NULL, 0);
}

enum store_status store_has_other_shards(struct store *s, unsigned index, unsigned count,
                                         bool adult, bool *found) {
    char sql[192];
    snprintf(sql, sizeof sql,
             "SELECT EXISTS (SELECT 1 FROM movies WHERE deleted_at IS NULL AND (adult = 0 OR %d) "
             "AND id %% %u != %u)",
             adult, count, index);
    int64_t v = 0;
    if (store_query_ints(s->db, sql, &v, 1) != SQLITE_OK)
        return store_fail(s, "look for movies of other shards");
    *found = v != 0;
    return STORE_OK;
}

enum store_status store_meta_get(struct store *s, const char *key, char *buf, size_t size) {
    sqlite3_stmt *st;
    buf[0] = '\0';
    if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL) !=
        SQLITE_OK)
        return store_fail(s, "read meta %s", key);
    store_bind_text(st, 1, key);
    if (store_step_text(st, buf, size) != SQLITE_OK)
        return store_fail(s, "read meta %s", key);
    return STORE_OK;
}

enum store_status store_language(struct store *s, char *buf, size_t size) {
    return store_meta_get(s, "language", buf, size);
}

enum store_status store_check_language(struct store *s, const char *language) {
    char held[64];
    enum store_status rc = store_language(s, held, sizeof held);
    if (rc != STORE_OK || !held[0] || strcmp(held, language) == 0)
        return rc;
    snprintf(s->errmsg, sizeof s->errmsg,
             "%s holds %s text; refusing to add %s text: a database holds one language "
             "(write into another database, or load with --language %s)",
             s->path, held, language, held);
    return STORE_ERR_LANGUAGE;
}

enum store_status store_meta_set(struct store *s, const char *key, const char *value) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO meta (key, value) VALUES (?1, ?2) "
                           "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, "set meta %s", key);
    store_bind_text(st, 1, key);
    store_bind_text(st, 2, value);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return store_fail(s, "set meta %s", key);
    return STORE_OK;
}

enum store_status store_run_started(struct store *s, int64_t run_id, char *buf, size_t size) {
    return store_run_text(s, "SELECT started_at FROM runs WHERE id = ?1", run_id, "run", buf, size);
}
