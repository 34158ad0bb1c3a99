/* store_backup.c - a copy of the database as one snapshot, for
 * `tmdb-ingest backup`. See store_backup() in store.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store.h"
#include "store_internal.h"

/* The copy's connection failed at `step`: the message names the copy and,
 * for an I/O failure (a full disk), the system's reason. */
static enum store_status copy_fail(struct store *s, sqlite3 *dest, const char *dest_path,
                                   const char *step) {
    int code = dest ? sqlite3_extended_errcode(dest) & 0xff : SQLITE_NOMEM;
    int os_errno = dest ? sqlite3_system_errno(dest) : 0;
    char cause[96] = "";
    if (os_errno != 0 && (code == SQLITE_IOERR || code == SQLITE_CANTOPEN || code == SQLITE_FULL))
        snprintf(cause, sizeof cause, " (%s)", strerror(os_errno));
    snprintf(s->errmsg, sizeof s->errmsg, "%s: %s: %s%s", dest_path, step,
             dest ? sqlite3_errmsg(dest) : "out of memory", cause);
    return code == SQLITE_NOMEM ? STORE_ERR_NOMEM : STORE_ERR;
}

/* What the snapshot holds, read inside its transaction (SQLite counts the
 * movies in its smallest index, not the table and its raw bodies). */
static enum store_status count_snapshot(struct store *s, struct store_backup_result *r) {
    int64_t n[2] = {0, 0};
    if (store_query_ints(s->db,
                         "SELECT count(*), (SELECT coalesce(max(id), 0) FROM runs) "
                         "FROM movies",
                         n, 2) != SQLITE_OK)
        return store_fail(s, "count the movies to copy");
    r->movies = n[0];
    r->last_run = n[1];
    return STORE_OK;
}

/* The copy itself, from `s` (in a read transaction) into `dest`. */
static enum store_status copy_pages(struct store *s, sqlite3 *dest, const char *dest_path,
                                    store_backup_fn fn, void *ctx) {
    sqlite3_backup *b = sqlite3_backup_init(dest, "main", s->db, "main");
    if (!b)
        return copy_fail(s, dest, dest_path, "start the copy");
    int rc;
    while ((rc = sqlite3_backup_step(b, STORE_BACKUP_STEP_PAGES)) == SQLITE_OK) {
        int total = sqlite3_backup_pagecount(b);
        if (fn && fn(ctx, total - sqlite3_backup_remaining(b), total) != 0) {
            sqlite3_backup_finish(b);
            snprintf(s->errmsg, sizeof s->errmsg, "%s: copy stopped", dest_path);
            return STORE_ERR_STOPPED;
        }
    }
    /* Within the source's read transaction no other connection's commit
     * restarts the copy or makes it wait: any other code is a failure,
     * which finish records in `dest`. A read that failed is the source's. */
    int finished = sqlite3_backup_finish(b);
    if (rc == SQLITE_DONE)
        rc = finished;
    if (rc == SQLITE_OK)
        return STORE_OK;
    int primary = rc & 0xff;
    if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB || rc == SQLITE_IOERR_READ ||
        rc == SQLITE_IOERR_SHORT_READ) {
        snprintf(s->errmsg, sizeof s->errmsg, "%s: read the pages to copy: %s", s->path,
                 sqlite3_errstr(rc));
        return STORE_ERR;
    }
    return copy_fail(s, dest, dest_path, "write the copy");
}

/* The backup API copies pages as they are: a database with a damaged page
 * (a disk's bad sector, a stray write) gave a copy as damaged, exit 0, put
 * in place of the last good backup. The copy's structure is checked
 * (PRAGMA quick_check: every page read once, no index compared) before it
 * may replace DEST. */
static enum store_status check_copy(struct store *s, sqlite3 *dest) {
    char verdict[256];
    int rc = store_quick_check(dest, "main", verdict, sizeof verdict);
    if (rc == SQLITE_OK && strcmp(verdict, "ok") == 0)
        return STORE_OK;
    if (rc == SQLITE_INTERRUPT)
        return STORE_ERR_STOPPED;
    snprintf(s->errmsg, sizeof s->errmsg,
             "%s is damaged (PRAGMA quick_check: %s): not copied; restore it from a backup",
             s->path, verdict[0] ? verdict : sqlite3_errmsg(dest));
    return STORE_ERR;
}

enum store_status store_backup(struct store *s, const char *dest_path, store_backup_fn fn,
                               void *ctx, struct store_backup_result *result) {
    memset(result, 0, sizeof *result);
    sqlite3 *dest = NULL;
    /* The caller made the file: never create one, nor follow a link. No
     * journal and no sync while the pages go in: the file is the caller's
     * to remove on failure, and to fsync once whole. */
    if (sqlite3_open_v2(dest_path, &dest,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
                        NULL) != SQLITE_OK ||
        sqlite3_exec(dest, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF", NULL, NULL,
                     NULL) != SQLITE_OK) {
        enum store_status rc = copy_fail(s, dest, dest_path, "open the copy");
        sqlite3_close(dest);
        return rc;
    }
    enum store_status rc = store_read_begin(s);
    if (rc == STORE_OK) {
        rc = count_snapshot(s, result);
        if (rc == STORE_OK)
            rc = copy_pages(s, dest, dest_path, fn, ctx);
        store_read_end(s);
    }
    /* Marked, for the first run recorded in it once put in place of the
     * database (STORE_RESTORED_RUN_GAP). */
    if (rc == STORE_OK && sqlite3_exec(dest,
                                       "INSERT INTO meta (key, value) VALUES ('backup_made_at', "
                                       "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) "
                                       "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                       NULL, NULL, NULL) != SQLITE_OK)
        rc = copy_fail(s, dest, dest_path, "mark the copy");
    /* Page 1 came from a WAL database and says so: one file of its own,
     * in rollback mode, is what a copy should be (store.h). */
    int64_t size[2] = {0, 0};
    if (rc == STORE_OK &&
        (sqlite3_exec(dest, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK ||
         store_query_ints(dest,
                          "SELECT page_count, page_size FROM pragma_page_count, "
                          "pragma_page_size",
                          size, 2) != SQLITE_OK))
        rc = copy_fail(s, dest, dest_path, "set the copy's journal mode");
    if (rc == STORE_OK)
        rc = check_copy(s, dest);
    result->bytes = size[0] * size[1];
    sqlite3_close(dest); /* no statement of its own left open: it closes */
    return rc;
}
