/* store_restore.c - a backup's copy made ready to be put in place of the
 * database, for `tmdb-ingest restore`. See store_prepare_restore() in
 * store.h. */
#include <stdio.h>
#include <string.h>

#include "store.h"
#include "store_internal.h"

/* The failure of `step` on `db` (the copy at `path`) into `err`. */
static enum store_status fail(sqlite3 *db, const char *path, const char *step, char *err,
                              size_t err_size) {
    int code = db ? sqlite3_errcode(db) & 0xff : SQLITE_NOMEM;
    snprintf(err, err_size, "%s: %s: %s", path, step, db ? sqlite3_errmsg(db) : "out of memory");
    return code == SQLITE_NOMEM ? STORE_ERR_NOMEM : STORE_ERR;
}

/* A database of ours, of this schema version or an older one (upgraded
 * by the next command that opens it), whole. Errors name `backup`, the
 * file the copy was made from: what is wrong is in it. */
static enum store_status check(sqlite3 *db, const char *backup, char *err, size_t err_size) {
    int64_t version = 0;
    char language[64], verdict[256];
    if (store_query_ints(db, "PRAGMA user_version", &version, 1) != SQLITE_OK)
        return fail(db, backup, "read its schema version", err, err_size);
    if (version > STORE_SCHEMA_VERSION) {
        snprintf(err, err_size,
                 "%s was made by a newer tmdb-ingest (schema version %lld; this one knows %d): "
                 "not restored",
                 backup, (long long)version, STORE_SCHEMA_VERSION);
        return STORE_ERR_SCHEMA;
    }
    if (version < 1 ||
        store_query_text(db, "SELECT value FROM meta WHERE key = 'language'", language,
                         sizeof language) != SQLITE_OK ||
        !language[0]) {
        snprintf(err, err_size, "%s is not a tmdb-ingest database: not restored", backup);
        return STORE_ERR_SCHEMA;
    }
    int rc = store_quick_check(db, "main", verdict, sizeof verdict);
    if (rc == SQLITE_INTERRUPT)
        return STORE_ERR_STOPPED;
    if (rc != SQLITE_OK || strcmp(verdict, "ok") != 0) {
        snprintf(err, err_size, "%s is damaged (PRAGMA quick_check: %s): not restored", backup,
                 verdict[0] ? verdict : sqlite3_errmsg(db));
        return STORE_ERR;
    }
    return STORE_OK;
}

enum store_status store_prepare_restore(const char *path, const char *backup,
                                        int64_t replaced_last_run, struct store_restore_info *info,
                                        char *err, size_t err_size) {
    memset(info, 0, sizeof *info);
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
                        NULL) != SQLITE_OK) {
        enum store_status rc = fail(db, path, "open", err, err_size);
        sqlite3_close(db);
        return rc;
    }
    int64_t counts[2] = {0, 0};
    enum store_status rc = check(db, backup, err, err_size);
    /* A copy made some other way (sqlite3's .backup, a snapshot) is marked
     * as a backup's is (STORE_RESTORED_RUN_GAP); one of ours keeps when it
     * was made. */
    if (rc == STORE_OK &&
        (store_query_text(db, "SELECT value FROM meta WHERE key = 'backup_made_at'", info->made_at,
                          sizeof info->made_at) != SQLITE_OK ||
         (!info->made_at[0] &&
          sqlite3_exec(db,
                       "INSERT INTO meta (key, value) VALUES ('backup_made_at', "
                       "strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
                       NULL, NULL, NULL) != SQLITE_OK)))
        rc = fail(db, path, "mark it", err, err_size);
    if (rc == STORE_OK &&
        store_query_ints(db, "SELECT count(*), (SELECT coalesce(max(id), 0) FROM runs) FROM movies",
                         counts, 2) != SQLITE_OK)
        rc = fail(db, path, "count its movies", err, err_size);
    /* the replaced database's runs, past which the first run is numbered;
     * a copy of a restored database not run since carries its own */
    int64_t noted = 0;
    if (rc == STORE_OK &&
        store_query_ints(db,
                         "SELECT coalesce((SELECT CAST(value AS INTEGER) FROM meta "
                         "WHERE key = 'replaced_last_run'), 0)",
                         &noted, 1) != SQLITE_OK)
        rc = fail(db, path, "read its notes", err, err_size);
    if (replaced_last_run < noted)
        replaced_last_run = noted;
    char sql[160];
    snprintf(sql, sizeof sql,
             "INSERT INTO meta (key, value) VALUES ('replaced_last_run', '%lld') "
             "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
             (long long)replaced_last_run);
    if (rc == STORE_OK && replaced_last_run > counts[1] &&
        sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        rc = fail(db, path, "note the replaced database's runs", err, err_size);
    /* one file, whatever mode the copy was made in: no -wal of its own to
     * be left behind */
    if (rc == STORE_OK &&
        sqlite3_exec(db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK)
        rc = fail(db, path, "set its journal mode", err, err_size);
    info->movies = counts[0];
    info->last_run = counts[1];
    info->next_run =
        (replaced_last_run > counts[1] ? replaced_last_run : counts[1]) + STORE_RESTORED_RUN_GAP;
    sqlite3_close(db);
    return rc;
}

enum store_status store_last_run(const char *path, int64_t *id, char *err, size_t err_size) {
    *id = 0;
    sqlite3 *db = NULL;
    enum store_status rc = STORE_OK;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(db, 5000) != SQLITE_OK ||
        store_query_ints(db, "SELECT coalesce(max(id), 0) FROM runs", id, 1) != SQLITE_OK)
        rc = fail(db, path, "read its runs", err, err_size);
    sqlite3_close(db);
    return rc;
}
