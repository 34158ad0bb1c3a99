/* store_sync.c - keeping a catalogue in sync: deletions, freshness, the
 * changes cursor. See store.h ("Keeping a catalogue in sync"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "store.h"
#include "store_internal.h"

enum store_status store_mark_deleted(struct store *s, int64_t id, const char *now, bool *marked) {
    sqlite3_stmt *st = s->stmts[ST_MARK_DELETED];
    sqlite3_bind_int64(st, 1, id);
    store_bind_text(st, 2, now);
    if (store_step_reset(st) != SQLITE_OK)
        return store_fail(s, "mark movie %lld deleted", (long long)id);
    if (marked)
        *marked = sqlite3_changes(s->db) > 0;
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

enum store_status store_fresh_ids(struct store *s, const char *since, const char *append,
                                  store_id_fn fn, void *ctx, char *oldest, size_t size) {
    sqlite3_stmt *st = s->stmts[ST_FRESH_IDS];
    store_bind_text(st, 1, since);
    store_bind_text(st, 2, append);
    char what[96];
    snprintf(what, sizeof what, "movies fetched since %s", since);
    return store_each_id_oldest(s, st, fn, ctx, what, oldest, size);
}

enum store_status store_note_copy(struct store *s, int64_t id, long long needed_s, long long made_s,
                                  bool *waiting) {
    *waiting = false;
    bool noting = needed_s > 0 && made_s >= 0 && made_s < needed_s;
    if (!noting && s->stale_rows < 0) { /* once a connection: most loads note none */
        int64_t any;
        if (store_query_ints(s->db, "SELECT EXISTS (SELECT 1 FROM stale_copies)", &any, 1) != 0)
            return store_fail(s, "read the stale copies");
        s->stale_rows = any != 0;
    }
    if (!noting && s->stale_rows == 0)
        return STORE_OK; /* nothing to clear */
    char made[CLOCK_ISO_SIZE], needed[CLOCK_ISO_SIZE];
    if (made_s >= 0)
        clock_format_iso(made_s, made);
    if (noting) {
        char now[CLOCK_ISO_SIZE];
        clock_format_iso(needed_s, needed);
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
    store_bind_text(clear, 2, made_s >= 0 ? made : NULL);
    if (store_step_reset(clear) != SQLITE_OK)
        return store_fail(s, "clear movie %lld's stale copy", (long long)id);
    if (made_s < 0 || sqlite3_changes(s->db) > 0)
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

enum store_status store_note_failures(struct store *s, int64_t run_id, const char *needed_from,
                                      int64_t *noted, char *oldest, size_t size) {
    /* Run once a run, after its load: prepared here. A note the movie had
     * keeps its noted_at and the later need; its copy is now none. */
    static const char note_sql[] =
        "INSERT INTO stale_copies (movie_id, needed_from, copy_made_at, noted_at) "
        "SELECT movie_id, ?2, NULL, ?3 FROM fetch_failures WHERE run_id = ?1 AND kind = 'failed' "
        "ON CONFLICT (movie_id) DO UPDATE SET needed_from = max(needed_from, "
        "excluded.needed_from), copy_made_at = NULL";
    static const char count_sql[] =
        "SELECT count(*), coalesce(min(noted_at), '') FROM stale_copies WHERE movie_id IN "
        "(SELECT movie_id FROM fetch_failures WHERE run_id = ?1 AND kind = 'failed')";
    char now[CLOCK_ISO_SIZE];
    clock_utc_iso(now);
    *noted = 0;
    oldest[0] = '\0';
    s->stale_rows = -1;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, note_sql, -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, "note the failed movies to fetch again");
    sqlite3_bind_int64(st, 1, run_id);
    store_bind_text(st, 2, needed_from);
    store_bind_text(st, 3, now);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return store_fail(s, "note the failed movies to fetch again");
    if (sqlite3_prepare_v2(s->db, count_sql, -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, "count the failed movies noted");
    sqlite3_bind_int64(st, 1, run_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *noted = sqlite3_column_int64(st, 0);
        snprintf(oldest, size, "%s", (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return store_fail(s, "count the failed movies noted");
    return STORE_OK;
}

enum store_status store_stale_ids(struct store *s, store_id_fn fn, void *ctx) {
    return store_each_id(s, s->stmts[ST_STALE_IDS], fn, ctx,
                         "the movies served copies older than their change");
}

enum store_status store_oldest_unrefreshed(struct store *s, const char *before, bool adult,
                                           int64_t run_id, bool by_copy, char *buf, size_t size) {
    /* Each read through its index in order (movies_fetched_at; the partial
     * movies_copy_made, whose condition this repeats): the first match
     * ends it. A copy of the fetch's day is before `before`, a day's
     * start, exactly when its fetch is: only the others need their own. */
    const char *time = by_copy ? "copy_made_at" : "fetched_at";
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT %s FROM movies WHERE %s%s < ?1 AND deleted_at IS NULL "
             "AND (adult = 0 OR ?2) "
             "AND id NOT IN (SELECT movie_id FROM fetch_failures WHERE run_id = ?3) "
             "ORDER BY %s LIMIT 1",
             time, by_copy ? "copy_made_at < substr(fetched_at, 1, 10) AND " : "", time, time);
    sqlite3_stmt *st;
    buf[0] = '\0';
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, "find the movies an export left as they were");
    store_bind_text(st, 1, before);
    sqlite3_bind_int(st, 2, adult);
    sqlite3_bind_int64(st, 3, run_id);
    if (store_step_text(st, buf, size) != SQLITE_OK)
        return store_fail(s, "find the movies an export left as they were");
    return STORE_OK;
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
    sqlite3_stmt *st;
    buf[0] = '\0';
    if (sqlite3_prepare_v2(s->db, "SELECT started_at FROM runs WHERE id = ?1", -1, &st, NULL) !=
        SQLITE_OK)
        return store_fail(s, "read run %lld", (long long)run_id);
    sqlite3_bind_int64(st, 1, run_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(s, "read run %lld", (long long)run_id);
    return STORE_OK;
}
