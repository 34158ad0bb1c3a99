/* store.c - see store.h. */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* Every table is STRICT, and sqlite3_changes64() counts the deletions an
 * export marks: both 3.37.0 (docs/schema.md, "Which SQLite"). */
#if defined(SQLITE_VERSION_NUMBER) && SQLITE_VERSION_NUMBER < 3037000
#error "tmdb-ingest needs SQLite 3.37.0 or later (STRICT tables, sqlite3_changes64)"
#endif

#include "movie.h"
#include "stop.h"
#include "store_internal.h"

/* How long a statement waits for another connection's lock (a reader's
 * checkpoint, a merge) before SQLITE_BUSY. */
#define BUSY_TIMEOUT_MS 5000

/* sql/schema.sql and sql/views.sql, embedded at build time by scripts/embed.sh. */
extern const char store_schema_sql[];
extern const char store_views_sql[];
/* sql/migrations/N.sql: upgrade a version N-1 database to version N. */
extern const char store_migrate_2_sql[];
extern const char store_migrate_3_sql[];
extern const char store_migrate_4_sql[];
extern const char store_migrate_5_sql[];
extern const char store_migrate_6_sql[];
extern const char store_migrate_7_sql[];
extern const char store_migrate_8_sql[];
static const char *const migrations[STORE_SCHEMA_VERSION + 1] = {
    [2] = store_migrate_2_sql, [3] = store_migrate_3_sql, [4] = store_migrate_4_sql,
    [5] = store_migrate_5_sql, [6] = store_migrate_6_sql, [7] = store_migrate_7_sql,
    [8] = store_migrate_8_sql,
};

/* The movie row's columns, from the parameters of ST_INSERT_MOVIE, but id
 * and the three that key indexes and nearly never change at a reload
 * (collection_id, release_date, revenue): an UPDATE naming a column
 * rewrites that column's index entries whether its value changed or not
 * (ST_UPDATE_MOVIE_ALL names them when one did). A movie that answered 200
 * exists, whatever an earlier 404 said. */
#define MOVIE_UPDATE_SET                                                                           \
    "imdb_id = ?2, title = ?3, original_title = ?4, original_language = ?5, overview = ?6, "       \
    "tagline = ?7, status = ?8, runtime = ?10, budget = ?11, "                                     \
    "popularity = ?13, vote_average = ?14, vote_count = ?15, adult = ?16, video = ?17, "           \
    "homepage = ?18, poster_path = ?19, backdrop_path = ?20, raw_json = ?22, language = ?23, "     \
    "fetched_at = ?24, appended = ?25, copy_made_at = ?26, deleted_at = NULL"

/* The search index's rebuild of the noted documents (fts_pending): the
 * same SQL a row a statement (store_flush_search()) and in one statement
 * each (flush_search_unprepared(), as schema.sql does). */
#define FTS_PENDING_IDS "SELECT movie_id FROM fts_pending"
#define FTS_PENDING_DOCS "SELECT * FROM movie_search_text WHERE id IN (" FTS_PENDING_IDS ")"
#define FTS_INSERT                                                                                 \
    "INSERT INTO movies_fts (rowid, title, original_title, overview, tagline, keywords) "

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_UPSERT_COLLECTION] =
        "INSERT INTO collections (id, name, poster_path, backdrop_path, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, " STORE_NOW_SQL ") "
        "ON CONFLICT (id) DO UPDATE SET name = excluded.name, poster_path = excluded.poster_path, "
        "backdrop_path = excluded.backdrop_path, updated_at = excluded.updated_at "
        "WHERE (name, poster_path, backdrop_path) IS NOT "
        "(excluded.name, excluded.poster_path, excluded.backdrop_path)",
    /* A movie's row: inserted when new, updated in place when stored
     * (write_movie_row()). Not one upsert: its DO UPDATE sets collection_id,
     * a foreign key, which makes SQLite run the statement in a statement
     * transaction whatever the row (see store_open_for_load()). */
    [ST_INSERT_MOVIE] =
        "INSERT INTO movies (id, imdb_id, title, original_title, original_language, overview, "
        "tagline, status, release_date, runtime, budget, revenue, popularity, vote_average, "
        "vote_count, adult, video, homepage, poster_path, backdrop_path, collection_id, raw_json, "
        "language, fetched_at, appended, copy_made_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
        "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26)",
    /* ?21, the collection, ?9 and ?12 are set only by the second (one of
     * them changed: write_movie_row()). */
    [ST_UPDATE_MOVIE] = "UPDATE movies SET " MOVIE_UPDATE_SET " WHERE id = ?1",
    [ST_UPDATE_MOVIE_ALL] = "UPDATE movies SET collection_id = ?21, release_date = ?9, "
                            "revenue = ?12, " MOVIE_UPDATE_SET " WHERE id = ?1",
    /* What the schema's triggers note, for a connection that fires none:
     * a new movie; a stored one whose document's fields change (before the
     * update, as movies_fts_update's WHEN compares them); a movie whose
     * keyword rows are written, and the movies of a renamed keyword
     * (store_parts.c). */
    [ST_NOTE_SEARCH] = "INSERT INTO fts_pending (movie_id) VALUES (?1) ON CONFLICT DO NOTHING",
    [ST_NOTE_SEARCH_CHANGED] =
        "INSERT INTO fts_pending (movie_id) SELECT id FROM movies WHERE id = ?1 AND "
        "(title IS NOT ?2 OR original_title IS NOT ?3 OR overview IS NOT ?4 OR tagline IS NOT ?5) "
        "ON CONFLICT DO NOTHING",
    /* Shared rows: written only when they change (most upserts change
     * nothing, and a write costs a b-tree update), with the time they did
     * (updated_at: the schema's triggers set it for other writers). */
    [ST_UPSERT_GENRE] = "INSERT INTO genres (id, name, updated_at) VALUES (?1, ?2, " STORE_NOW_SQL
                        ") ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
                        "updated_at = excluded.updated_at "
                        "WHERE name IS NOT excluded.name",
    [ST_UPSERT_COMPANY] =
        "INSERT INTO companies (id, name, logo_path, origin_country, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, " STORE_NOW_SQL ") "
        "ON CONFLICT (id) DO UPDATE SET name = excluded.name, logo_path = excluded.logo_path, "
        "origin_country = excluded.origin_country, updated_at = excluded.updated_at "
        "WHERE (name, logo_path, origin_country) IS NOT "
        "(excluded.name, excluded.logo_path, excluded.origin_country)",
    [ST_UPSERT_COUNTRY] = "INSERT INTO countries (iso_3166_1, name, updated_at) "
                          "VALUES (?1, ?2, " STORE_NOW_SQL ") "
                          "ON CONFLICT (iso_3166_1) DO UPDATE SET name = excluded.name, "
                          "updated_at = excluded.updated_at "
                          "WHERE name IS NOT excluded.name",
    [ST_UPSERT_LANGUAGE] =
        "INSERT INTO languages (iso_639_1, english_name, name, updated_at) "
        "VALUES (?1, ?2, ?3, " STORE_NOW_SQL ") "
        "ON CONFLICT (iso_639_1) DO UPDATE SET english_name = excluded.english_name, "
        "name = excluded.name, updated_at = excluded.updated_at "
        "WHERE (english_name, name) IS NOT (excluded.english_name, excluded.name)",
    [ST_DELETE_GENRES] = "DELETE FROM movie_genres WHERE movie_id = ?1",
    [ST_DELETE_COMPANIES] = "DELETE FROM movie_companies WHERE movie_id = ?1",
    [ST_DELETE_COUNTRIES] = "DELETE FROM movie_countries WHERE movie_id = ?1",
    [ST_DELETE_LANGUAGES] = "DELETE FROM movie_languages WHERE movie_id = ?1",
    /* A list naming the same entry twice keeps the first position. */
    [ST_LINK_GENRE] = "INSERT INTO movie_genres (movie_id, genre_id, position) "
                      "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
    [ST_LINK_COMPANY] = "INSERT INTO movie_companies (movie_id, company_id, position) "
                        "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
    [ST_LINK_COUNTRY] = "INSERT INTO movie_countries (movie_id, iso_3166_1, position) "
                        "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
    [ST_LINK_LANGUAGE] = "INSERT INTO movie_languages (movie_id, iso_639_1, position) "
                         "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
    /* A stored movie's links, to compare with its body's (store_links_same()) */
    [ST_GENRE_LINKS] = "SELECT genre_id, position FROM movie_genres WHERE movie_id = ?1",
    [ST_COMPANY_LINKS] = "SELECT company_id, position FROM movie_companies WHERE movie_id = ?1",
    [ST_COUNTRY_LINKS] = "SELECT iso_3166_1, position FROM movie_countries WHERE movie_id = ?1",
    [ST_LANGUAGE_LINKS] = "SELECT iso_639_1, position FROM movie_languages WHERE movie_id = ?1",
    [ST_RECORD_FAILURE] =
        "INSERT INTO fetch_failures (run_id, movie_id, kind, http_status, reason, attempts, "
        "recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
        "max(strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?7)) "
        "ON CONFLICT (run_id, movie_id) DO UPDATE SET kind = excluded.kind, http_status = "
        "excluded.http_status, reason = excluded.reason, attempts = excluded.attempts, "
        "recorded_at = excluded.recorded_at",
    /* the id after the highest, or STORE_RESTORED_RUN_GAP after it in a
     * backup's copy put in place (store.h), once: ST_RUN_RESTORED */
    [ST_RUN_BEGIN] =
        "INSERT INTO runs (id, started_at, command, source, status, uid) "
        "VALUES ((SELECT max(coalesce(max(id), 0), coalesce((SELECT CAST(value AS INTEGER) "
        "FROM meta WHERE key = 'replaced_last_run' AND EXISTS (SELECT 1 FROM meta "
        "WHERE key = 'backup_made_at')), 0)) FROM runs) + "
        "coalesce((SELECT " STORE_GAP_SQL " FROM meta WHERE key = 'backup_made_at'), 1), "
        "?1, ?2, ?3, 'running', ?4)",
    [ST_RUN_RESTORED] = "DELETE FROM meta WHERE key IN ('backup_made_at', 'replaced_last_run')",
    [ST_RUN_FINISH] = "UPDATE runs SET finished_at = ?2, status = ?3, requested = ?4, "
                      "fetched = ?5, missing = ?6, failed = ?7, http_requests = ?8, "
                      "retries = ?9, skipped = ?10, exit_status = ?11, error = ?12 WHERE id = ?1",
    /* the same counts, while it runs: with each commit (store_run_progress()) */
    [ST_RUN_PROGRESS] = "UPDATE runs SET requested = ?4, fetched = ?5, missing = ?6, "
                        "failed = ?7, http_requests = ?8, retries = ?9, skipped = ?10 "
                        "WHERE id = ?1 AND status = 'running'",
    [ST_MOVIE_EXISTS] = "SELECT collection_id, release_date, revenue FROM movies WHERE id = ?1",
    [ST_MARK_ABORTED] = "UPDATE runs SET status = 'aborted', finished_at = ?1 "
                        "WHERE status = 'running'",
    [ST_PREVIOUS_RUNS] = "SELECT id, started_at, status, source FROM runs WHERE id < ?1 "
                         "ORDER BY id DESC",
    /* Rebuild the search documents the triggers noted (sql/schema.sql,
     * fts_pending), once per transaction: see store_flush_search(). */
    /* The noted documents, dropped from the index and added again one row
     * at a time (store_flush_search()) */
    [ST_FTS_PENDING_IDS] = FTS_PENDING_IDS,
    [ST_FTS_DROP] = "DELETE FROM movies_fts WHERE rowid = ?1",
    [ST_FTS_PENDING] = FTS_PENDING_DOCS,
    [ST_FTS_ADD] = FTS_INSERT "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_FTS_DONE] = "DELETE FROM fts_pending",
    /* store_sync.c */
    [ST_MARK_DELETED] = "UPDATE movies SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
    [ST_FRESH_IDS] = "SELECT id, fetched_at FROM movies WHERE fetched_at >= ?1 "
                     "AND deleted_at IS NULL AND tmdb_parts_cover(appended, ?2)",
    /* A copy older than the change it was fetched for (store_note_copy()):
     * noted with the later need; a later copy still too old is noted as
     * served, and one new enough (or without a Date, NULL) clears it. */
    [ST_STALE_NOTE] = "INSERT INTO stale_copies (movie_id, needed_from, copy_made_at, noted_at) "
                      "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (movie_id) DO UPDATE SET "
                      "needed_from = max(needed_from, excluded.needed_from), "
                      "copy_made_at = excluded.copy_made_at",
    [ST_STALE_KEEP] = "UPDATE stale_copies SET copy_made_at = ?2 "
                      "WHERE movie_id = ?1 AND needed_from > ?2",
    [ST_STALE_CLEAR] = "DELETE FROM stale_copies WHERE movie_id = ?1 "
                       "AND (?2 IS NULL OR needed_from <= ?2)",
    [ST_STALE_IDS] = "SELECT movie_id FROM stale_copies ORDER BY movie_id",
    /* The copy the movie is stored from, when newer than ?2 (store_note_copy()):
     * one of unknown time (stored before version 5, or from an answer without
     * a usable Date) was made by its fetch at the latest. */
    [ST_NEWER_COPY] = "SELECT coalesce(copy_made_at, fetched_at) FROM movies WHERE id = ?1 "
                      "AND coalesce(copy_made_at, fetched_at) > ?2",
    /* What a run settled: movies written since it started, and (?5) its 404s. */
    [ST_RESUME_IDS] = "SELECT id FROM movies WHERE fetched_at >= ?1 "
                      "AND tmdb_parts_cover(appended, ?4) UNION "
                      "SELECT movie_id FROM fetch_failures WHERE ?5 AND run_id >= ?2 "
                      "AND run_id < ?3 AND kind = 'missing'",
};

const char *store_errmsg(const struct store *s) {
    return s->errmsg;
}

/* The name of the database's `suffix` file (-wal, -shm): beside the file
 * itself, as SQLite makes them, also when --db is a symlink. */
static int beside_database(struct store *s, const char *suffix, char *out, size_t size) {
    const char *file = sqlite3_db_filename(s->db, "main");
    return snprintf(out, size, "%s%s", file && *file ? file : s->path, suffix) < (int)size ? 0 : -1;
}

/* The primary result code of the connection's last error (without the
 * extended part: SQLITE_IOERR for SQLITE_IOERR_WRITE). */
static int primary_code(const struct store *s) {
    return s->db ? sqlite3_errcode(s->db) & 0xff : SQLITE_NOMEM;
}

/* The directory the database's files are in, into out: 0, or -1 when
 * it does not fit. */
static int database_dir(struct store *s, char *out, size_t size) {
    if (beside_database(s, "", out, size) != 0)
        return -1;
    char *slash = strrchr(out, '/');
    if (!slash)
        snprintf(out, size, ".");
    else if (slash == out)
        out[1] = '\0';
    else
        *slash = '\0';
    return 0;
}

/* For "attempt to write a readonly database" on a connection opened to
 * write: which of the database's files (or its directory) this user may
 * not write, into out, or "" (SQLite names only the database). The
 * message starts with the database's path: the files are named by it. */
static void readonly_cause(struct store *s, char *out, size_t size) {
    static const struct {
        const char *suffix, *name;
    } files[] = {{"", "the database file"}, {"-wal", "its -wal file"}, {"-shm", "its -shm file"}};
    char file[PATH_MAX];
    out[0] = '\0';
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        if (beside_database(s, files[i].suffix, file, sizeof file) != 0 ||
            faccessat(AT_FDCWD, file, F_OK, AT_EACCESS) != 0)
            continue;
        if (faccessat(AT_FDCWD, file, W_OK, AT_EACCESS) != 0) {
            snprintf(out, size,
                     errno == EROFS ? " (it is on a read-only file system)"
                                    : " (%s may not be written by this user)",
                     files[i].name);
            return;
        }
    }
    if (database_dir(s, file, sizeof file) == 0 && faccessat(AT_FDCWD, file, W_OK, AT_EACCESS) != 0)
        snprintf(out, size, "%s",
                 errno == EROFS ? " (it is on a read-only file system)"
                                : " (its directory may not be written by this user)");
}

/* The directory SQLite's unix VFS writes its temporary files in
 * (statement journals, temporary tables, sorts): the first of
 * $SQLITE_TMPDIR, $TMPDIR, /var/tmp, /usr/tmp and /tmp that is a
 * directory this process may write, else "." (os_unix.c,
 * unixTempFileDir(); the program sets no sqlite3_temp_directory). */
static const char *sqlite_temp_dir(const char **moved_by) {
    static const char *const names[] = {"SQLITE_TMPDIR", "TMPDIR"};
    const char *dirs[] = {getenv(names[0]), getenv(names[1]), "/var/tmp", "/usr/tmp", "/tmp"};
    *moved_by = getenv(names[0]) ? names[0] : names[1]; /* the variable that would move them */
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        struct stat st;
        if (dirs[i] && stat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode) &&
            access(dirs[i], W_OK | X_OK) == 0)
            return dirs[i];
    }
    return ".";
}

/* Whether the filesystem of `dir` has no room for a new file: no free
 * inode (a filesystem that counts them), or no free block. */
static bool filesystem_full(const char *dir) {
    struct statvfs fs;
    if (statvfs(dir, &fs) != 0)
        return false;
    bool root = geteuid() == 0; /* the blocks kept for root are root's to use */
    return (fs.f_files > 0 && (root ? fs.f_ffree : fs.f_favail) == 0) ||
           (fs.f_blocks > 0 && (root ? fs.f_bfree : fs.f_bavail) == 0);
}

/* SQLite retries a file it could not create (the database, its -wal or
 * -shm, a temporary file) read-only, and reports that second open's
 * "No such file or directory": a full filesystem, most often one out of
 * inodes (df -i), read as a file missing. Into out, which of the two
 * filesystems is full (the message names the database), or "". */
static void full_cause(struct store *s, char *out, size_t size) {
    char dir[PATH_MAX];
    const char *moved_by;
    const char *temp = sqlite_temp_dir(&moved_by);
    out[0] = '\0';
    if (database_dir(s, dir, sizeof dir) != 0 || access(dir, F_OK) != 0)
        return; /* a directory not there: SQLite's word is right */
    if (filesystem_full(dir))
        snprintf(out, size, " (%s: its filesystem is full or out of inodes, df -i)",
                 strerror(ENOSPC));
    else if (filesystem_full(temp))
        snprintf(out, size,
                 " (%s: the filesystem of SQLite's temporary files, %s, is full or out of "
                 "inodes, df -i; %s moves them)",
                 strerror(ENOSPC), temp, moved_by);
}

enum store_status store_fail(struct store *s, const char *step, ...) {
    char what[256];
    va_list ap;
    va_start(ap, step);
    vsnprintf(what, sizeof what, step, ap);
    va_end(ap);
    int code = s->db ? sqlite3_errcode(s->db) : SQLITE_NOMEM;
    /* "disk I/O error" alone does not say the disk is full or a file may
     * not be written: add the system's word for it */
    int os_errno = s->db ? sqlite3_system_errno(s->db) : 0;
    int primary = primary_code(s);
    /* SQLite records it for these two only; otherwise it is stale */
    bool os_cause = os_errno != 0 && (primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN);
    char cause[160] = "";
    /* A file it may not write (a read-only filesystem) SQLite opens
     * read-only instead, and then cannot make DB-shm: "No such file or
     * directory", of a file that is there. Say why it could not write. */
    bool unwritable = primary == SQLITE_READONLY ||
                      (os_cause && primary == SQLITE_CANTOPEN && os_errno == ENOENT);
    if (unwritable && s->writable)
        readonly_cause(s, cause, sizeof cause);
    if (!cause[0] && s->writable && os_cause && primary == SQLITE_CANTOPEN && os_errno == ENOENT)
        full_cause(s, cause, sizeof cause);
    if (os_cause && !cause[0])
        snprintf(cause, sizeof cause, " (%s)", strerror(os_errno));
    else if (primary == SQLITE_FULL) {
        /* SQLite says the same when its temporary files fill theirs (a
         * merge's statement journals and sorts can reach two thirds of
         * the size of the part it copies): a small tmpfs on /tmp, the
         * database's disk with room to spare. $SQLITE_TMPDIR, when set,
         * comes before $TMPDIR. */
        const char *moved_by;
        const char *dir = sqlite_temp_dir(&moved_by);
        snprintf(cause, sizeof cause,
                 " (the filesystem of the database, or of SQLite's temporary files, %s: %s "
                 "moves them)",
                 dir, moved_by);
    } else if (primary == SQLITE_BUSY)
        /* "database is locked" after BUSY_TIMEOUT_MS: in WAL mode only a
         * writer holds it that long, often one forgotten by hand; before
         * the first load has switched a database to WAL, a reader too.
         * (SQLITE_LOCKED is a conflict within one connection: no hint.) */
        snprintf(cause, sizeof cause, "%s",
                 " (another connection holds a write transaction, e.g. a sqlite3 session inside "
                 "BEGIN; readers block a load only before the database is in WAL mode)");
    snprintf(s->errmsg, sizeof s->errmsg, "%s: %s: %s%s", s->path, what,
             s->db ? sqlite3_errmsg(s->db) : "out of memory", cause);
    return code == SQLITE_NOMEM ? STORE_ERR_NOMEM : STORE_ERR;
}

bool store_failure_may_pass(const struct store *s) {
    int primary = primary_code(s);
    return primary == SQLITE_BUSY || primary == SQLITE_FULL || primary == SQLITE_IOERR;
}

int store_step_reset(sqlite3_stmt *st) {
    int rc = sqlite3_step(st);
    int rc2 = sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return rc2 == SQLITE_OK ? SQLITE_OK : rc2;
    return rc;
}

int store_upsert_shared_changed(struct store *s, sqlite3_stmt *st, int bind_rc,
                                const struct rowcache_row *row, bool *changed) {
    *changed = false;
    if (bind_rc != SQLITE_OK || rowcache_seen(s->rows, row)) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return bind_rc;
    }
    int rc = store_step_reset(st);
    if (rc == SQLITE_OK) {
        rowcache_note(s->rows, row);
        *changed = sqlite3_changes(s->db) > 0;
    }
    return rc;
}

int store_upsert_shared(struct store *s, sqlite3_stmt *st, int bind_rc,
                        const struct rowcache_row *row) {
    bool changed;
    return store_upsert_shared_changed(s, st, bind_rc, row, &changed);
}

void store_bind_text(sqlite3_stmt *st, int i, const char *v) {
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static enum store_status exec_stmt(struct store *s, enum stmt k, const char *step) {
    if (store_step_reset(s->stmts[k]) != SQLITE_OK)
        return store_fail(s, "%s", step);
    return STORE_OK;
}

int store_query_ints(sqlite3 *db, const char *sql, int64_t *out, int n) {
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    for (int i = 0; rc == SQLITE_ROW && i < n; i++)
        out[i] = sqlite3_column_int64(st, i);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Step `st` once and copy its first column (if any) into buf. */
static int step_text(sqlite3_stmt *st, char *buf, size_t size) {
    buf[0] = '\0';
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int store_step_text(sqlite3_stmt *st, char *buf, size_t size) {
    int rc = step_text(st, buf, size);
    sqlite3_finalize(st);
    return rc;
}

int store_step_text_reset(sqlite3_stmt *st, char *buf, size_t size) {
    int rc = step_text(st, buf, size);
    int rc2 = sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc != SQLITE_OK ? rc : rc2;
}

enum store_status store_run_text(struct store *s, const char *sql, int64_t run_id, const char *what,
                                 char *buf, size_t size) {
    sqlite3_stmt *st;
    buf[0] = '\0';
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, "read %s %lld", what, (long long)run_id);
    sqlite3_bind_int64(st, 1, run_id);
    if (store_step_text(st, buf, size) != SQLITE_OK)
        return store_fail(s, "read %s %lld", what, (long long)run_id);
    return STORE_OK;
}

int store_query_text(sqlite3 *db, const char *sql, char *buf, size_t size) {
    sqlite3_stmt *st;
    buf[0] = '\0';
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    return rc == SQLITE_OK ? store_step_text(st, buf, size) : rc;
}

/* The watcher of a quick_check (store_quick_check()), which interrupts it
 * at a stop. The check is one step of SQLite's virtual machine, during
 * which SQLite 3.40 calls no progress handler; sqlite3_interrupt(), safe
 * from any thread, reaches into it. `done` is written once the check has
 * ended, and the watcher joined before `db` may be closed. */
struct check_watch {
    sqlite3 *db;
    int done[2];
};

static void *interrupt_at_stop(void *arg) {
    struct check_watch *w = arg;
    struct pollfd fds[2] = {{.fd = stop_fd(), .events = POLLIN},
                            {.fd = w->done[0], .events = POLLIN}};
    int n;
    do
        n = poll(fds, 2, -1);
    while (n < 0 && errno == EINTR);
    if (n > 0 && !(fds[1].revents & POLLIN))
        sqlite3_interrupt(w->db);
    return NULL;
}

int store_quick_check(sqlite3 *db, const char *schema, char *buf, size_t size) {
    buf[0] = '\0';
    if (stop_requested())
        return SQLITE_INTERRUPT;
    char sql[96];
    snprintf(sql, sizeof sql, "PRAGMA \"%s\".quick_check(1)", schema);
    /* without a watcher (no thread to be had), the check runs to its end */
    struct check_watch w = {.db = db, .done = {-1, -1}};
    pthread_t watcher;
    bool watched = pipe(w.done) == 0 && pthread_create(&watcher, NULL, interrupt_at_stop, &w) == 0;
    int rc = store_query_text(db, sql, buf, size);
    if (watched) {
        ssize_t n;
        do
            n = write(w.done[1], "x", 1);
        while (n < 0 && errno == EINTR);
        pthread_join(watcher, NULL);
    }
    for (int i = 0; i < 2; i++)
        if (w.done[i] >= 0)
            close(w.done[i]);
    if (rc == SQLITE_INTERRUPT)
        buf[0] = '\0';
    return rc;
}

/* Another program's database may have set user_version to a number of
 * ours: every version records its language (meta.language), from its
 * first commit. STORE_OK when a database of `version` > 0 does (or the
 * version is 0), STORE_ERR_SCHEMA when it has none or no meta table at
 * all (the message ends with `tail`), or the read's error. */
static enum store_status check_language_recorded(struct store *s, int64_t version,
                                                 const char *tail) {
    if (version <= 0)
        return STORE_OK;
    char language[64];
    int rc = store_query_text(s->db, "SELECT value FROM meta WHERE key = 'language'", language,
                              sizeof language);
    if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_ERROR) /* SQLITE_ERROR: no such table */
        return store_fail(s, "read the language");
    if (rc == SQLITE_OK && language[0] != '\0')
        return STORE_OK;
    snprintf(s->errmsg, sizeof s->errmsg, "%s: not a tmdb-ingest database (no language)%s", s->path,
             tail);
    return STORE_ERR_SCHEMA;
}

static enum store_status configure(struct store *s) {
    if (sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS) != SQLITE_OK)
        return store_fail(s, "set busy_timeout");
    int64_t version = 0;
    if (store_query_ints(s->db, "PRAGMA user_version", &version, 1) != SQLITE_OK)
        return store_fail(s, primary_code(s) == SQLITE_NOTADB
                                 ? "read the schema version (is it an SQLite database?)"
                                 : "read the schema version");
    if (version > STORE_SCHEMA_VERSION) {
        snprintf(s->errmsg, sizeof s->errmsg,
                 "%s: schema version %lld is newer than this tmdb-ingest understands (%d); "
                 "upgrade tmdb-ingest",
                 s->path, (long long)version, STORE_SCHEMA_VERSION);
        return STORE_ERR_SCHEMA;
    }
    int64_t tables = 0;
    if (store_query_ints(s->db, "SELECT count(*) FROM sqlite_schema", &tables, 1) != SQLITE_OK)
        return store_fail(s, "read the schema");
    /* A negative version is no tmdb-ingest version either: another
     * program's (apply_schema() would take it for a new database). */
    if (version < 0 || (version == 0 && tables > 0)) {
        snprintf(s->errmsg, sizeof s->errmsg,
                 "%s: not a tmdb-ingest database (%s); refusing to touch it", s->path,
                 version < 0 ? "its schema version is negative"
                             : "it has tables but no schema version");
        return STORE_ERR_SCHEMA;
    }
    enum store_status ours = check_language_recorded(s, version, "; refusing to touch it");
    if (ours != STORE_OK)
        return ours;
    /* The mode SQLite answers, copied without an allocation: a copy that
     * could not be made, or a mode other than "wal", left SQLite no error
     * to tell and read "not an error". */
    char mode[16] = "";
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, "switch to WAL");
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(mode, sizeof mode, "%s", (const char *)sqlite3_column_text(st, 0));
    if (sqlite3_finalize(st) != SQLITE_OK || !mode[0])
        return store_fail(s, "switch to WAL journal mode");
    if (strcmp(mode, "wal") != 0) {
        snprintf(s->errmsg, sizeof s->errmsg,
                 "%s: switch to WAL journal mode: SQLite kept journal mode %s", s->path, mode);
        return STORE_ERR;
    }
    /* Leave DB-wal (emptied) and DB-shm in place when the last connection
     * closes: SQLite opens a WAL database, even read-only, only if DB-shm
     * exists or it can create it, so without them a user who may read the
     * database but not write in its directory could not open it between
     * loads. journal_size_limit makes the close empty the WAL. */
    int persist = 1;
    char limit[64];
    snprintf(limit, sizeof limit, "PRAGMA journal_size_limit = %lld", STORE_WAL_LIMIT_BYTES);
    if (sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist) != SQLITE_OK ||
        sqlite3_exec(s->db, limit, NULL, NULL, NULL) != SQLITE_OK)
        return store_fail(s, "keep the WAL files");
    if (sqlite3_exec(s->db, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON", NULL, NULL,
                     NULL) != SQLITE_OK)
        return store_fail(s, "set pragmas");
    return STORE_OK;
}

/* Bring a database of schema version `from` (>= 1) up to this binary's
 * version, one migration at a time. Inside apply_schema()'s transaction. */
static enum store_status migrate(struct store *s, long long from) {
    for (long long v = from + 1; v <= STORE_SCHEMA_VERSION; v++)
        if (migrations[v] && sqlite3_exec(s->db, migrations[v], NULL, NULL, NULL) != SQLITE_OK)
            return store_fail(s, "upgrade the schema to version %lld", v);
    return STORE_OK;
}

/* Digest of the schema and views this binary carries (the same 64-bit
 * FNV-1a digest the row cache uses for values), as 16 hex digits. */
static void schema_digest(char out[17]) {
    uint64_t h = rowcache_digest_text(ROWCACHE_DIGEST_START, store_schema_sql);
    snprintf(out, 17, "%016" PRIx64, rowcache_digest_text(h, store_views_sql));
}

static int record_digest(struct store *s, const char *digest) {
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db,
                                "INSERT INTO meta (key, value) VALUES ('schema_digest', ?1) "
                                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_text(st, 1, digest, -1, SQLITE_STATIC);
    rc = store_step_reset(st);
    sqlite3_finalize(st);
    return rc;
}

/* Whether the database already has this binary's schema version, schema
 * and views (meta.schema_digest), so applying them again can be skipped:
 * that re-parses the whole schema and rewrites sqlite_schema, a few
 * milliseconds at every run. SQLITE_OK, or the error reading the digest:
 * not a reason to apply the schema again, as SQLite may have rolled back
 * the transaction with it (out of memory), leaving the rest to run
 * outside of any. */
static int schema_current(struct store *s, int64_t version, const char *digest, bool *current) {
    *current = false;
    if (version != STORE_SCHEMA_VERSION)
        return SQLITE_OK;
    char stored[24] = "";
    int rc = store_query_text(s->db, "SELECT value FROM meta WHERE key = 'schema_digest'", stored,
                              sizeof stored);
    *current = rc == SQLITE_OK && strcmp(stored, digest) == 0;
    return rc;
}

/* store_flush_search() before the statements are prepared (documents
 * noted by hand edits, few: one INSERT ... SELECT). */
static enum store_status flush_search_unprepared(struct store *s) {
    static const char drop[] = "DELETE FROM movies_fts WHERE rowid IN (" FTS_PENDING_IDS ")";
    static const char add[] = FTS_INSERT FTS_PENDING_DOCS;
    if (sqlite3_exec(s->db, drop, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(s->db, add, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(s->db, stmt_sql[ST_FTS_DONE], NULL, NULL, NULL) != SQLITE_OK)
        return store_fail(s, "update the search index");
    return STORE_OK;
}

/* SQL tmdb_parts_cover(appended, wanted): 1 when the parts a movie was
 * stored with (movies.appended, NULL for none) include every part of
 * `wanted` (an --append list) that is kept in a table; parts kept only in
 * raw_json (videos, images, ...) are never listed in appended, so they do
 * not count. A movie stored without the parts a run asks for is not
 * settled for that run: resuming and --max-age skip only the ones that
 * have them. */
static void parts_cover(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    unsigned have = movie_parts_bits((const char *)sqlite3_value_text(argv[0]));
    unsigned want = movie_parts_bits((const char *)sqlite3_value_text(argv[1]));
    sqlite3_result_int(ctx, (want & ~have) == 0);
}

/* The SQL functions the statements call, on s->db (before they are
 * prepared). */
static enum store_status register_functions(struct store *s) {
    if (sqlite3_create_function(s->db, "tmdb_parts_cover", 2,
                                SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, NULL,
                                parts_cover, NULL, NULL) != SQLITE_OK)
        return store_fail(s, "register tmdb_parts_cover()");
    return STORE_OK;
}

/* After a change of the schema, before it commits: every statement of this
 * version prepares against it. A migration that left a table without a
 * column the statements name (seen with a database of an unreleased build,
 * whose version number a later release reused) would otherwise commit a
 * database that every command then refuses, and the older binary too, as
 * newer than it: rolled back, it stays as it was, readable by that one. */
static enum store_status statements_take_schema(struct store *s) {
    enum store_status rc = register_functions(s);
    if (rc != STORE_OK)
        return rc;
    for (int i = 0; i < ST_COUNT; i++) {
        sqlite3_stmt *st = NULL;
        int prepared = sqlite3_prepare_v2(s->db, stmt_sql[i], -1, &st, NULL);
        sqlite3_finalize(st);
        if (prepared != SQLITE_OK)
            return store_fail(s,
                              "upgrade: this version's statement %d does not fit the schema "
                              "the upgrade made, which is not kept",
                              i);
    }
    return STORE_OK;
}

/* Upgrade an older database, apply the schema, replace the views and
 * check (or record) the language, all in one transaction: a failed upgrade
 * leaves the database as it was. */
static enum store_status apply_schema(struct store *s) {
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return store_fail(s, "begin schema transaction");
    enum store_status rc = STORE_OK;
    char sql[160];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
    int64_t version = 0;
    char digest[17];
    schema_digest(digest);
    bool current = false;
    /* Read again under the write lock: another process may have upgraded it. */
    if (store_query_ints(s->db, "PRAGMA user_version", &version, 1) != SQLITE_OK)
        rc = store_fail(s, "read the schema version");
    else if (schema_current(s, version, digest, &current) != SQLITE_OK)
        rc = store_fail(s, "read the schema digest");
    else if (!current && version >= 1 && version < STORE_SCHEMA_VERSION)
        rc = migrate(s, version);
    if (rc != STORE_OK)
        ;
    else if (current)
        rc = flush_search_unprepared(s); /* what schema.sql would: documents edited by hand */
    else if (sqlite3_exec(s->db, store_schema_sql, NULL, NULL, NULL) != SQLITE_OK)
        rc = store_fail(s, "apply the schema");
    else if (sqlite3_exec(s->db, store_views_sql, NULL, NULL, NULL) != SQLITE_OK)
        rc = store_fail(s, "create the views");
    else if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        rc = store_fail(s, "set the schema version");
    else if (record_digest(s, digest) != SQLITE_OK)
        rc = store_fail(s, "record the schema digest");
    else if (version >= 1) /* a new database has this version's schema: 1 ms saved */
        rc = statements_take_schema(s);
    sqlite3_stmt *st = NULL;
    if (rc == STORE_OK &&
        sqlite3_prepare_v2(s->db,
                           "INSERT INTO meta (key, value) VALUES ('language', ?1), "
                           "('created_at', strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) "
                           "ON CONFLICT (key) DO NOTHING",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, s->language, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = store_fail(s, "record the language");
    } else if (rc == STORE_OK) {
        rc = store_fail(s, "record the language");
    }
    sqlite3_finalize(st);
    /* an error here is one too: unchecked, the language would go
     * unchecked, or COMMIT fail after SQLite rolled back (out of memory) */
    if (rc == STORE_OK)
        rc = store_check_language(s, s->language);
    if (sqlite3_exec(s->db, rc == STORE_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL) !=
            SQLITE_OK &&
        rc == STORE_OK)
        rc = store_fail(s, "commit the schema");
    return rc;
}

static enum store_status prepare_all(struct store *s) {
    enum store_status rc = register_functions(s);
    if (rc != STORE_OK)
        return rc;
    for (int i = 0; i < ST_COUNT; i++)
        if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->stmts[i],
                               NULL) != SQLITE_OK)
            return store_fail(s, "prepare statement %d", i);
    return STORE_OK;
}

/* Shared rows remembered as written (rowcache.h): 32 bytes each. Every
 * genre, country and language fits many times over; people and companies
 * are many more, and the most frequent of them stay. */
#define STORE_ROWCACHE_SLOTS 8192

/* A store with no connection yet; *out is set to NULL (the opener sets it
 * when the store is ready). NULL when out of memory (reason in err). */
static struct store *store_new(const char *path, const char *language, struct store **out,
                               char *err, size_t err_size) {
    *out = NULL;
    struct store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path)) || !(s->language = strdup(language)) ||
        !(s->rows = rowcache_new(STORE_ROWCACHE_SLOTS))) {
        snprintf(err, err_size, "%s: out of memory", path);
        store_close(s);
        return NULL;
    }
    s->stale_rows = -1;
    return s;
}

int store_global_init(void) {
    if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK)
        return -1;
    return sqlite3_initialize() == SQLITE_OK ? 0 : -1;
}

/* Hand an opened store to the caller, or close it and pass its message on. */
static enum store_status finish_open(struct store *s, enum store_status rc, struct store **out,
                                     char *err, size_t err_size) {
    if (rc != STORE_OK) {
        snprintf(err, err_size, "%s", s->errmsg);
        store_close(s);
        return rc;
    }
    *out = s;
    return STORE_OK;
}

/* sqlite3_open_v2() of `path` as a file name. SQLITE_OPEN_URI, or a SQLite
 * built with SQLITE_USE_URI (as Debian's is) even without it, reads one
 * starting with "file:" as a URI, options and all, and so another file
 * than a load wrote: a path stays a path. *db is NULL when out of memory. */
static int open_path(const char *path, sqlite3 **db, int flags) {
    *db = NULL;
    char *literal = strncmp(path, "file:", 5) == 0 ? sqlite3_mprintf("./%s", path) : NULL;
    if (strncmp(path, "file:", 5) == 0 && !literal)
        return SQLITE_NOMEM;
    int rc = sqlite3_open_v2(literal ? literal : path, db, flags, NULL);
    sqlite3_free(literal);
    return rc;
}

/* open_path() read-only; by URI when immutable (store_read_immutable()). */
static int open_readonly(const char *path, bool immutable, sqlite3 **db) {
    int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
    if (!immutable)
        return open_path(path, db, flags);
    *db = NULL;
    char *uri = store_readonly_uri(path, true);
    if (!uri)
        return SQLITE_NOMEM;
    int rc = sqlite3_open_v2(uri, db, flags | SQLITE_OPEN_URI, NULL);
    sqlite3_free(uri);
    return rc;
}

/* From here on the connection fires no trigger, and the store does their
 * work for its own writes (store_open_for_load()). Before prepare_all():
 * turning triggers off expires every statement prepared. */
static enum store_status own_search_notes(struct store *s) {
    int on = 1;
    if (sqlite3_db_config(s->db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, &on) != SQLITE_OK || on)
        return store_fail(s, "turn the triggers off for the load");
    s->own_notes = true;
    return STORE_OK;
}

/* store_open(), and with `own_notes` store_open_for_load(): the triggers
 * go off after the schema (migrations and schema.sql need them) and before
 * the statements are prepared. */
static enum store_status open_writable(const char *path, const char *language, bool own_notes,
                                       struct store **out, char *err, size_t err_size) {
    struct store *s = store_new(path, language, out, err, err_size);
    if (!s)
        return STORE_ERR_NOMEM;
    s->writable = true;
    enum store_status rc = STORE_OK;
    /* SQLITE_OPEN_URI: merge attaches its inputs by URI */
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
    if (open_path(path, &s->db, flags) != SQLITE_OK)
        rc = store_fail(s, "open");
    if (rc == STORE_OK)
        rc = configure(s);
    if (rc == STORE_OK)
        rc = apply_schema(s);
    if (rc == STORE_OK && own_notes)
        rc = own_search_notes(s);
    if (rc == STORE_OK)
        rc = prepare_all(s);
    if (rc == STORE_OK)
        rc = store_parts_prepare(s);
    return finish_open(s, rc, out, err, err_size);
}

enum store_status store_open(const char *path, const char *language, struct store **out, char *err,
                             size_t err_size) {
    return open_writable(path, language, false, out, err, err_size);
}

enum store_status store_open_for_load(const char *path, const char *language, struct store **out,
                                      char *err, size_t err_size) {
    return open_writable(path, language, true, out, err, err_size);
}

/* `path` as a URI (store_internal.h). Every byte but letters, digits,
 * "-._~" and "/" is percent-encoded: '?', '#' and '%' would otherwise end
 * or escape the path. An absolute path gets an empty authority
 * ("file:///..."), so that one starting with "//" stays a path. */
char *store_readonly_uri(const char *path, bool immutable) {
    static const char keep[] = "-._~/";
    sqlite3_str *uri = sqlite3_str_new(NULL);
    sqlite3_str_appendall(uri, path[0] == '/' ? "file://" : "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr(keep, *p))
            sqlite3_str_appendchar(uri, 1, (char)*p);
        else
            sqlite3_str_appendf(uri, "%%%02X", *p);
    }
    sqlite3_str_appendall(uri, immutable ? "?mode=ro&immutable=1" : "?mode=ro");
    return sqlite3_str_finish(uri);
}

/*
 * SQLite reads a WAL database through DB-shm, which it creates when it is
 * not there, even to read; on a read-only filesystem it cannot, and says
 * only "unable to open database file" (CANTOPEN, errno ENOENT: EROFS is
 * lost in a retry). A DB-shm that is there it reads without writing it
 * (since 3.22), and DB-wal with it: that way stays SQLite's, locks and
 * all, for a writer may still reach the file through another mount. With
 * either missing and no transaction in DB-wal (none there, or empty), the
 * database file holds every one, and nobody writes it (a writer has both):
 * immutable=1 reads it without them. With transactions in DB-wal and no
 * DB-shm, immutable=1 would read the file without them: refused.
 */
enum store_status store_read_immutable(const char *path, bool *immutable, char *err,
                                       size_t err_size) {
    *immutable = false;
    struct statvfs fs;
    if (statvfs(path, &fs) != 0 || !(fs.f_flag & ST_RDONLY))
        return STORE_OK; /* writable, or not there: SQLite says what it finds */
    /* SQLite names DB-wal and DB-shm after the file, through symlinks */
    char real[PATH_MAX], wal[PATH_MAX + 8], shm[PATH_MAX + 8];
    const char *file = realpath(path, real) ? real : path;
    snprintf(wal, sizeof wal, "%s-wal", file);
    snprintf(shm, sizeof shm, "%s-shm", file);
    struct stat st;
    bool wal_there = stat(wal, &st) == 0, wal_empty = !wal_there || st.st_size == 0;
    if (wal_there && stat(shm, &st) == 0)
        return STORE_OK;
    if (wal_empty) {
        *immutable = true;
        return STORE_OK;
    }
    snprintf(err, err_size,
             "%s: cannot read it on this read-only filesystem: its -wal file holds transactions "
             "not yet in the database file, and its -shm file, which SQLite needs to read them, "
             "is not there and cannot be made; copy the database with its -wal file to a "
             "writable directory and read the copy",
             path);
    return STORE_ERR;
}

/* Why a read-only open could not read: SQLite's "attempt to write a
 * readonly database" there means a WAL database without DB-shm, in a
 * directory this user cannot create it in. */
static enum store_status readonly_failure(struct store *s) {
    enum store_status rc = store_fail(s, "read the schema version");
    char shm[PATH_MAX];
    struct stat st;
    if (primary_code(s) == SQLITE_READONLY && beside_database(s, "-shm", shm, sizeof shm) == 0 &&
        stat(shm, &st) != 0)
        snprintf(s->errmsg, sizeof s->errmsg,
                 "%s: cannot read it: it is in WAL mode, its -shm file does not exist, and "
                 "this user may not create it there (SQLite needs it even to read); a load, or "
                 "'tmdb-ingest stats' run by the database's owner, leaves it in place",
                 s->path);
    return rc;
}

/* Whether the database holds no table, view or index at all. */
static bool empty_database(struct store *s) {
    int64_t n = 0;
    return store_query_ints(s->db, "SELECT count(*) FROM sqlite_schema", &n, 1) == SQLITE_OK &&
           n == 0;
}

enum store_status store_open_readonly(const char *path, struct store **out, char *err,
                                      size_t err_size) {
    struct store *s = store_new(path, "", out, err, err_size);
    if (!s)
        return STORE_ERR_NOMEM;
    bool immutable;
    enum store_status rc = store_read_immutable(path, &immutable, s->errmsg, sizeof s->errmsg);
    if (rc != STORE_OK)
        return finish_open(s, rc, out, err, err_size);
    int64_t version = 0;
    if (open_readonly(path, immutable, &s->db) != SQLITE_OK)
        rc = store_fail(s, "open read-only");
    else if (sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS) != SQLITE_OK ||
             store_query_ints(s->db, "PRAGMA user_version", &version, 1) != SQLITE_OK)
        rc = readonly_failure(s);
    else if (version == 0 && empty_database(s)) {
        /* An empty file, or a first load between creating the file and
         * committing its schema: nothing to read yet, and nothing foreign. */
        snprintf(s->errmsg, sizeof s->errmsg,
                 "%s holds no tmdb-ingest data yet (no tables: a first load may be making it; "
                 "try again once it has committed)",
                 path);
        rc = STORE_ERR_EMPTY;
    } else if (version > STORE_SCHEMA_VERSION) {
        snprintf(s->errmsg, sizeof s->errmsg,
                 "%s: schema version %lld is newer than this tmdb-ingest understands (%d); "
                 "upgrade tmdb-ingest",
                 path, (long long)version, STORE_SCHEMA_VERSION);
        rc = STORE_ERR_SCHEMA;
    } else if ((rc = check_language_recorded(s, version, "")) != STORE_OK) {
        /* another program's, with a user_version of ours */
    } else if (version != STORE_SCHEMA_VERSION) {
        snprintf(s->errmsg, sizeof s->errmsg, "%s: schema version %lld, not %d (%s)", path,
                 (long long)version, STORE_SCHEMA_VERSION,
                 version < STORE_SCHEMA_VERSION && version > 0
                     ? "a load or 'tmdb-ingest stats' on it upgrades it"
                     : "not a database this tmdb-ingest can read");
        rc = version < STORE_SCHEMA_VERSION && version > 0 ? STORE_ERR_OLD : STORE_ERR_SCHEMA;
    }
    if (rc == STORE_OK)
        rc = prepare_all(s);
    return finish_open(s, rc, out, err, err_size);
}

enum store_status store_set_cache(struct store *s, size_t bytes) {
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA cache_size = -%zu", bytes / 1024);
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return store_fail(s, "set the page cache size");
    return STORE_OK;
}

size_t store_cache_bytes(struct store *s) {
    int64_t v[2] = {0, 0};
    if (store_query_ints(s->db, "PRAGMA cache_size", &v[0], 1) != SQLITE_OK ||
        store_query_ints(s->db, "PRAGMA page_size", &v[1], 1) != SQLITE_OK)
        return 0;
    /* negative: KiB; positive: pages */
    return v[0] < 0 ? (size_t)-v[0] * 1024 : (size_t)v[0] * (size_t)v[1];
}

const char *store_library_version(void) {
    return sqlite3_libversion();
}

enum store_status store_upgrade(const char *path, char *err, size_t err_size) {
    char language[64] = "";
    sqlite3 *db = NULL;
    /* The language, read without the schema's help: any version has meta. */
    if (open_path(path, &db, SQLITE_OPEN_READONLY) != SQLITE_OK ||
        store_query_text(db, "SELECT value FROM meta WHERE key = 'language'", language,
                         sizeof language) != SQLITE_OK)
        language[0] = '\0';
    sqlite3_close(db);
    if (!language[0]) {
        snprintf(err, err_size, "%s: not a tmdb-ingest database (no language)", path);
        return STORE_ERR_SCHEMA;
    }
    struct store *s = NULL;
    enum store_status rc = store_open(path, language, &s, err, err_size);
    store_close(s);
    return rc;
}

enum store_status store_shrink_wal(struct store *s, int64_t *wal_bytes, char *wal_path,
                                   size_t wal_size) {
    *wal_bytes = 0;
    wal_path[0] = '\0';
    /* not waiting: a reader in a long query would hold the run's end */
    sqlite3_busy_timeout(s->db, 0);
    int frames = 0, copied = 0;
    int rc = sqlite3_wal_checkpoint_v2(s->db, "main", SQLITE_CHECKPOINT_TRUNCATE, &frames, &copied);
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
        return store_fail(s, "checkpoint the WAL");
    struct stat st;
    /* A file left large by an earlier load, that a reader busy at this
     * instant keeps from being cut (all of it copied), is no news. When the
     * checkpoint could not run at all (another process checkpointing), the
     * counts are -1: unknown, so the file counts. */
    bool held = rc == SQLITE_OK || frames < 0 || copied < frames;
    if (beside_database(s, "-wal", wal_path, wal_size) == 0 && stat(wal_path, &st) == 0 && held)
        *wal_bytes = (int64_t)st.st_size;
    return STORE_OK;
}

enum store_status store_wal_state(struct store *s, int64_t min_bytes, int64_t *wal_bytes,
                                  bool *held, char *wal_path, size_t wal_size) {
    *wal_bytes = 0;
    *held = false;
    wal_path[0] = '\0';
    /* The file's size first, one stat(): SQLite cuts it back to
     * journal_size_limit when it can reuse it, so only past that limit may
     * the log be growing. */
    struct stat st;
    if (beside_database(s, "-wal", wal_path, wal_size) != 0 || stat(wal_path, &st) != 0 ||
        st.st_size <= min_bytes)
        return STORE_OK;
    int frames = 0, copied = 0;
    int64_t page = 0;
    int rc = sqlite3_wal_checkpoint_v2(s->db, "main", SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
        return store_fail(s, "checkpoint the WAL");
    if (store_query_ints(s->db, "PRAGMA page_size", &page, 1) != SQLITE_OK)
        return store_fail(s, "read the page size");
    /* The log SQLite must keep (a frame is a page and its 24-byte header),
     * not the file, which may be larger from an earlier growth. */
    int64_t log_bytes = (int64_t)frames * (page + 24);
    *wal_bytes = log_bytes;
    *held = rc == SQLITE_OK && copied < frames && log_bytes > min_bytes;
    return STORE_OK;
}

void store_close(struct store *s) {
    if (!s)
        return;
    store_parts_finalize(s);
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(s->stmts[i]);
    sqlite3_close(s->db);
    rowcache_free(s->rows);
    free(s->path);
    free(s->language);
    free(s);
}

enum store_status store_begin(struct store *s) {
    return exec_stmt(s, ST_BEGIN, "begin a transaction");
}

/* Step `write` once for each row of `rows`, its first `n` columns bound as
 * its parameters. The search index is written this way, a row a statement:
 * one statement writing many rows of a virtual table (INSERT ... SELECT,
 * DELETE ... IN) runs in a statement transaction, and each page of the
 * index it changes goes to a statement journal first (at 20,000 movies,
 * 90 MB into temporary files). */
static enum store_status for_each_row(struct store *s, enum stmt rows, enum stmt write, int n) {
    sqlite3_stmt *from = s->stmts[rows], *to = s->stmts[write];
    int rc;
    while ((rc = sqlite3_step(from)) == SQLITE_ROW) {
        for (int i = 0; i < n && rc == SQLITE_ROW; i++) {
            int bound = sqlite3_bind_value(to, i + 1, sqlite3_column_value(from, i));
            if (bound != SQLITE_OK)
                rc = bound; /* out of memory: no field left NULL in the index */
        }
        if (rc != SQLITE_ROW || (rc = store_step_reset(to)) != SQLITE_OK)
            break;
    }
    enum store_status status = STORE_OK;
    /* the message first: resetting `from`, which failed in nothing, clears it */
    if (rc != SQLITE_DONE)
        status = store_fail(s, "update the search index");
    sqlite3_clear_bindings(to);
    sqlite3_reset(from);
    return status;
}

enum store_status store_flush_search(struct store *s) {
    enum store_status rc = for_each_row(s, ST_FTS_PENDING_IDS, ST_FTS_DROP, 1);
    if (rc == STORE_OK)
        rc = for_each_row(s, ST_FTS_PENDING, ST_FTS_ADD, 6);
    return rc == STORE_OK ? exec_stmt(s, ST_FTS_DONE, "update the search index") : rc;
}

enum store_status store_commit(struct store *s) {
    enum store_status rc = store_flush_search(s);
    return rc == STORE_OK ? exec_stmt(s, ST_COMMIT, "commit") : rc;
}

enum store_status store_rollback(struct store *s) {
    rowcache_clear(s->rows); /* the rows it noted are undone */
    if (sqlite3_get_autocommit(s->db))
        return STORE_OK; /* SQLite already rolled back (e.g. after SQLITE_FULL) */
    return exec_stmt(s, ST_ROLLBACK, "roll back");
}

enum store_status store_record_failure(struct store *s, int64_t run_id, int64_t movie_id,
                                       const char *kind, long http_status, const char *reason,
                                       int attempts) {
    sqlite3_stmt *st = s->stmts[ST_RECORD_FAILURE];
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_int64(st, 2, movie_id);
    store_bind_text(st, 3, kind);
    sqlite3_bind_int64(st, 4, http_status);
    store_bind_text(st, 5, reason ? reason : "");
    sqlite3_bind_int(st, 6, attempts);
    store_bind_text(st, 7, s->run_started); /* "" before a run: no bound */
    if (store_step_reset(st) != SQLITE_OK)
        return store_fail(s, "record failure of movie %lld", (long long)movie_id);
    return STORE_OK;
}

/* `size` bytes from the kernel's random source: getrandom(2), or
 * /dev/urandom where the kernel lacks it (ENOSYS). 0 on success, else -1
 * with errno set. */
static int random_bytes(unsigned char *buf, size_t size) {
    size_t got = 0;
    while (got < size) {
        ssize_t n = getrandom(buf + got, size - got, 0);
        if (n > 0)
            got += (size_t)n;
        else if (n < 0 && errno == ENOSYS)
            break;
        else if (n == 0 || errno != EINTR) {
            if (n == 0)
                errno = EIO;
            return -1;
        }
    }
    if (got == size)
        return 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    for (got = 0; got < size;) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n > 0)
            got += (size_t)n;
        else if (n == 0 || errno != EINTR) {
            if (n == 0)
                errno = EIO;
            break;
        }
    }
    int saved = errno;
    close(fd);
    errno = saved;
    return got == size ? 0 : -1;
}

int store_new_run_uid(char uid[STORE_RUN_UID_CHARS + 1]) {
    static const char hex[] = "0123456789abcdef";
    unsigned char bytes[STORE_RUN_UID_CHARS / 2];
    if (random_bytes(bytes, sizeof bytes) != 0)
        return -1;
    for (size_t i = 0; i < sizeof bytes; i++) {
        uid[2 * i] = hex[bytes[i] >> 4];
        uid[2 * i + 1] = hex[bytes[i] & 0xf];
    }
    uid[STORE_RUN_UID_CHARS] = '\0';
    return 0;
}

enum store_status store_run_begin(struct store *s, const char *command, const char *source,
                                  const char *started_at, int64_t *run_id) {
    char uid[STORE_RUN_UID_CHARS + 1];
    if (store_new_run_uid(uid) != 0) {
        snprintf(s->errmsg, sizeof s->errmsg, "%s: record the run: no random identity: %s", s->path,
                 strerror(errno));
        return STORE_ERR;
    }
    sqlite3_stmt *st = s->stmts[ST_RUN_BEGIN];
    store_bind_text(st, 1, started_at);
    store_bind_text(st, 2, command);
    store_bind_text(st, 3, source);
    store_bind_text(st, 4, uid);
    if (store_step_reset(st) != SQLITE_OK)
        return store_fail(s, "record the run");
    *run_id = sqlite3_last_insert_rowid(s->db);
    /* a backup's copy's mark, taken by this run's id (store.h) */
    if (store_step_reset(s->stmts[ST_RUN_RESTORED]) != SQLITE_OK)
        return store_fail(s, "record the run");
    snprintf(s->run_started, sizeof s->run_started, "%s", started_at ? started_at : "");
    return STORE_OK;
}

const char *store_run_time(const struct store *s, const char *t) {
    return t && strcmp(t, s->run_started) < 0 ? s->run_started : t;
}

/* A run's counts into ?4..?10 of `st`, and step it. */
static int step_run_counts(sqlite3_stmt *st, const struct run_counts *c) {
    sqlite3_bind_int64(st, 4, c->requested);
    sqlite3_bind_int64(st, 5, c->fetched);
    sqlite3_bind_int64(st, 6, c->missing);
    sqlite3_bind_int64(st, 7, c->failed);
    sqlite3_bind_int64(st, 8, c->http_requests);
    sqlite3_bind_int64(st, 9, c->retries);
    sqlite3_bind_int64(st, 10, c->skipped);
    return store_step_reset(st);
}

enum store_status store_run_finish(struct store *s, int64_t run_id, const struct run_end *end,
                                   const struct run_counts *c) {
    sqlite3_stmt *st = s->stmts[ST_RUN_FINISH];
    sqlite3_bind_int64(st, 1, run_id);
    store_bind_text(st, 2, store_run_time(s, end->finished_at));
    store_bind_text(st, 3, end->status);
    sqlite3_bind_int(st, 11, end->exit_status);
    store_bind_text(st, 12, end->error && end->error[0] ? end->error : NULL);
    if (step_run_counts(st, c) != SQLITE_OK)
        return store_fail(s, "finish the run");
    return STORE_OK;
}

enum store_status store_run_progress(struct store *s, int64_t run_id, const struct run_counts *c) {
    sqlite3_stmt *st = s->stmts[ST_RUN_PROGRESS];
    sqlite3_bind_int64(st, 1, run_id);
    if (step_run_counts(st, c) != SQLITE_OK)
        return store_fail(s, "record the run's progress");
    return STORE_OK;
}

enum store_status store_mark_aborted(struct store *s, const char *now, int64_t *n_marked) {
    sqlite3_stmt *st = s->stmts[ST_MARK_ABORTED];
    store_bind_text(st, 1, now);
    if (store_step_reset(st) != SQLITE_OK)
        return store_fail(s, "mark unfinished runs aborted");
    *n_marked = sqlite3_changes64(s->db);
    return STORE_OK;
}

/* The earliest of the unfinished runs of `source` that directly precede
 * `run_id` (interrupted, aborted, or failed: what each committed stands;
 * with running_dead, running too): its id and start time (copied into
 * started). */
static int64_t resumable_since(struct store *s, const char *source, int64_t run_id,
                               bool running_dead, char *started, size_t size, int *rc) {
    sqlite3_stmt *st = s->stmts[ST_PREVIOUS_RUNS];
    sqlite3_bind_int64(st, 1, run_id);
    int64_t from = 0;
    while ((*rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *status = (const char *)sqlite3_column_text(st, 2);
        const char *src = (const char *)sqlite3_column_text(st, 3);
        bool unfinished = strcmp(status, "aborted") == 0 || strcmp(status, "interrupted") == 0 ||
                          strcmp(status, "failed") == 0 ||
                          (running_dead && strcmp(status, "running") == 0);
        if (!unfinished || strcmp(src, source) != 0)
            break;
        from = sqlite3_column_int64(st, 0);
        snprintf(started, size, "%s", (const char *)sqlite3_column_text(st, 1));
    }
    if (*rc == SQLITE_ROW || *rc == SQLITE_DONE)
        *rc = SQLITE_OK;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return from;
}

enum store_status store_resume_ids(struct store *s, const char *source, const char *append,
                                   bool missing_settled, int64_t run_id, bool running_dead,
                                   store_id_fn fn, void *ctx, int64_t *from_run) {
    char started[64] = "";
    int rc;
    *from_run = resumable_since(s, source, run_id, running_dead, started, sizeof started, &rc);
    if (rc != SQLITE_OK)
        return store_fail(s, "read earlier runs");
    if (*from_run == 0)
        return STORE_OK;
    sqlite3_stmt *st = s->stmts[ST_RESUME_IDS];
    store_bind_text(st, 1, started);
    sqlite3_bind_int64(st, 2, *from_run);
    sqlite3_bind_int64(st, 3, run_id);
    store_bind_text(st, 4, append);
    sqlite3_bind_int(st, 5, missing_settled);
    char what[64];
    snprintf(what, sizeof what, "the movies of run %lld", (long long)*from_run);
    return store_each_id(s, st, fn, ctx, what);
}

enum store_status store_each_id(struct store *s, sqlite3_stmt *st, store_id_fn fn, void *ctx,
                                const char *what) {
    return store_each_id_oldest(s, st, fn, ctx, what, NULL, 0);
}

enum store_status store_each_id_oldest(struct store *s, sqlite3_stmt *st, store_id_fn fn, void *ctx,
                                       const char *what, char *oldest, size_t size) {
    int rc;
    enum store_status result = STORE_OK;
    if (oldest)
        oldest[0] = '\0';
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *at = oldest ? (const char *)sqlite3_column_text(st, 1) : NULL;
        if (at && (!oldest[0] || strcmp(at, oldest) < 0)) /* ISO-8601 UTC: as text */
            snprintf(oldest, size, "%s", at);
        if (fn(ctx, sqlite3_column_int64(st, 0)) != 0) {
            snprintf(s->errmsg, sizeof s->errmsg, "%s: out of memory reading %s", s->path, what);
            result = STORE_ERR_NOMEM;
            break;
        }
    }
    if (result == STORE_OK && rc != SQLITE_DONE)
        result = store_fail(s, "read %s", what);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return result;
}
