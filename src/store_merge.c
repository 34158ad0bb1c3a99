/* store_merge.c - merging another tmdb-ingest database (a shard) into this
 * one. See store_merge() in store.h; docs/schema.md ("Merging databases")
 * has the rules. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "store_internal.h"

/* Tables keyed by their own id, shared between movies: per row, the later
 * updated_at wins. Parents before children (foreign keys). */
static const char *const shared_tables[] = {
    "collections", "genres", "companies", "countries", "languages", "people", "keywords",
};

/* A movie's own rows, by the part of a fetch that brings them (the names
 * movies.appended uses). The details' own links ("") come with every
 * fetch; an appended part's rows only with a fetch that asked for it. */
static const struct owned_part {
    const char *part;
    const char *tables[5]; /* up to a NULL */
} owned_parts[] = {
    {"", {"movie_genres", "movie_companies", "movie_countries", "movie_languages", NULL}},
    {"credits", {"movie_cast", "movie_crew", NULL}},
    {"keywords", {"movie_keywords", NULL}},
    {"release_dates", {"release_dates", NULL}},
    {"external_ids", {"external_ids", NULL}},
    {"translations", {"translations", NULL}},
};

static enum store_status exec(struct store *s, const char *sql, const char *step) {
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return store_fail(s, "merge: %s", step);
    return STORE_OK;
}

/* The one integer `sql` selects, into *out. */
static enum store_status count(struct store *s, const char *sql, int64_t *out, const char *step) {
    if (store_query_ints(s->db, sql, out, 1) != SQLITE_OK)
        return store_fail(s, "merge: %s", step);
    return STORE_OK;
}

/* exec() of an sqlite3_mprintf() result, which it frees; NULL is out of memory. */
static enum store_status exec_owned(struct store *s, char *sql, const char *step) {
    if (!sql) {
        snprintf(s->errmsg, sizeof s->errmsg, "%s: merge: %s: out of memory", s->path, step);
        return STORE_ERR_NOMEM;
    }
    enum store_status rc = exec(s, sql, step);
    sqlite3_free(sql);
    return rc;
}

/* A table's column names, quoted, for the statements of a merge. */
struct columns {
    char *list; /* every column: "a", "b", "c" (INSERT ... SELECT) */
    char *key;  /* the primary key when it is one column, else "" */
    char *set;  /* every other column: "b" = excluded."b", ... (an upsert) */
};

static void columns_free(struct columns *c) {
    sqlite3_free(c->list);
    sqlite3_free(c->key);
    sqlite3_free(c->set);
    memset(c, 0, sizeof *c);
}

static char *column_dup(sqlite3_stmt *st, int i) {
    const unsigned char *v = sqlite3_column_text(st, i);
    return sqlite3_mprintf("%s", v ? (const char *)v : "");
}

/* The columns of main.`table` that the input's has too, read from the
 * schema so that a column a migration adds is merged without a change
 * here. A column of the user's own (ALTER TABLE by hand) that the input
 * lacks is left alone: named in the SELECT from src, SQLite would read the
 * double-quoted name as a string and store it in every row merged. On
 * success the caller frees them with columns_free(). */
static enum store_status columns_of(struct store *s, const char *table, struct columns *c) {
    sqlite3_stmt *st;
    memset(c, 0, sizeof *c);
    if (sqlite3_prepare_v2(s->db,
                           "SELECT group_concat('\"' || name || '\"', ', '), "
                           "max(CASE WHEN pk = 1 THEN '\"' || name || '\"' END), "
                           "group_concat(CASE WHEN pk = 0 THEN '\"' || name || '\" = excluded.\"' "
                           "|| name || '\"' END, ', ') FROM pragma_table_info(?1, 'main') "
                           "WHERE name IN (SELECT name FROM pragma_table_info(?1, 'src'))",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, "merge: read the columns of %s", table);
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    enum store_status rc = STORE_OK;
    if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_type(st, 0) == SQLITE_NULL)
        rc = store_fail(s, "merge: read the columns of %s", table);
    else if (!(c->list = column_dup(st, 0)) || !(c->key = column_dup(st, 1)) ||
             !(c->set = column_dup(st, 2))) {
        snprintf(s->errmsg, sizeof s->errmsg, "%s: merge: out of memory", s->path);
        rc = STORE_ERR_NOMEM;
    }
    sqlite3_finalize(st);
    if (rc != STORE_OK)
        columns_free(c);
    return rc;
}

/* The input must be a tmdb-ingest database of this schema version and
 * this database's language. */
static enum store_status check_input(struct store *s, const char *in_path) {
    char language[64];
    int64_t version = 0;
    if (store_query_ints(s->db, "PRAGMA src.user_version", &version, 1) != 0 ||
        store_query_text(s->db, "SELECT value FROM src.meta WHERE key = 'language'", language,
                         sizeof language) != 0) {
        snprintf(s->errmsg, sizeof s->errmsg, "%s: not a tmdb-ingest database", in_path);
        return STORE_ERR_SCHEMA;
    }
    if (version != STORE_SCHEMA_VERSION) {
        snprintf(s->errmsg, sizeof s->errmsg, "%s: schema version %lld, not %d (%s)", in_path,
                 (long long)version, STORE_SCHEMA_VERSION,
                 version > STORE_SCHEMA_VERSION
                     ? "newer than this tmdb-ingest understands; upgrade tmdb-ingest"
                     : "a load or 'tmdb-ingest stats' on it upgrades it");
        return STORE_ERR_SCHEMA;
    }
    if (strcmp(language, s->language) != 0) {
        snprintf(s->errmsg, sizeof s->errmsg, "%s holds %s text, %s holds %s: not merged", in_path,
                 language, s->path, s->language);
        return STORE_ERR_LANGUAGE;
    }
    return STORE_OK;
}

/* Shared rows: the input's row where this database lacks it or holds an
 * older one (updated_at). The upsert fires the table's *_changed trigger,
 * which stamps the merge's own time; the rows taken then get the input's
 * updated_at back, as docs/schema.md promises, so that a later merge still
 * compares the times the rows were really written. */
static enum store_status copy_shared(struct store *s, const char *t) {
    struct columns c;
    enum store_status rc = columns_of(s, t, &c);
    if (rc != STORE_OK)
        return rc;
    if (!c.key || !c.key[0]) {
        snprintf(s->errmsg, sizeof s->errmsg, "%s: merge: %s has no one-column key", s->path, t);
        columns_free(&c);
        return STORE_ERR_SCHEMA;
    }
    rc = exec(s, "DELETE FROM temp.merge_newer", t);
    if (rc == STORE_OK)
        rc = exec_owned(s,
                        sqlite3_mprintf("INSERT INTO temp.merge_newer (id) SELECT i.%s FROM "
                                        "src.%s i JOIN main.%s o ON o.%s = i.%s WHERE "
                                        "i.updated_at > coalesce(o.updated_at, '')",
                                        c.key, t, t, c.key, c.key),
                        t);
    if (rc == STORE_OK)
        rc = exec_owned(s,
                        sqlite3_mprintf("INSERT INTO main.%s (%s) SELECT %s FROM src.%s WHERE "
                                        "true ON CONFLICT (%s) DO UPDATE SET %s WHERE "
                                        "excluded.updated_at > coalesce(updated_at, '')",
                                        t, c.list, c.list, t, c.key, c.set),
                        t);
    if (rc == STORE_OK)
        rc = exec_owned(s,
                        sqlite3_mprintf("UPDATE main.%s AS o SET updated_at = i.updated_at FROM "
                                        "src.%s AS i WHERE i.%s = o.%s AND o.%s IN (SELECT id "
                                        "FROM temp.merge_newer)",
                                        t, t, c.key, c.key, c.key),
                        t);
    columns_free(&c);
    return rc;
}

/* Whether database `db` holds rows of part `p` for the movie x.id, as SQL;
 * NULL when out of memory. Free with sqlite3_free(). */
static char *part_rows_exist(const struct owned_part *p, const char *db) {
    char *sql = sqlite3_mprintf("EXISTS (SELECT 1 FROM %s.%s WHERE movie_id = x.id)", db,
                                p->tables[0]);
    for (size_t k = 1; sql && p->tables[k]; k++) {
        char *more = sqlite3_mprintf("%s OR EXISTS (SELECT 1 FROM %s.%s WHERE movie_id = x.id)",
                                     sql, db, p->tables[k]);
        sqlite3_free(sql);
        sql = more;
    }
    return sql;
}

/* Which of the input's rows of each part replace this database's: all of
 * a winner's for a movie new here, and for the details' links. For an
 * appended part, the rows of the later fetch that carried it, by each
 * copy's movie_parts time, whichever copy of the movie is newer: so an
 * older input still brings the parts this database's newer copy lacks, or
 * holds from an older fetch, and the result does not depend on the order
 * in which copies are merged. A tie keeps this database's rows. Rows
 * without a time (kept from a fetch before schema version 6) lose to rows
 * with one; of two copies without, the newer copy's rows if it has any,
 * else the older one's, as a load without that part keeps them
 * (docs/schema.md, "Merging databases"). Reads main.movies and
 * main.movie_parts before they are updated. */
static enum store_status choose_parts(struct store *s) {
    enum store_status rc = exec(s,
                                "INSERT INTO temp.merge_take (part, movie_id) "
                                "SELECT '', id FROM temp.merge_winners",
                                "choose the links");
    for (size_t i = 0; rc == STORE_OK && i < sizeof owned_parts / sizeof *owned_parts; i++) {
        const struct owned_part *p = &owned_parts[i];
        if (!p->part[0])
            continue;
        char *in_rows = part_rows_exist(p, "src");
        char *out_rows = part_rows_exist(p, "main");
        rc = exec_owned(
            s,
            in_rows && out_rows
                ? sqlite3_mprintf(
                      "INSERT INTO temp.merge_take (part, movie_id) "
                      "SELECT '%s', x.id FROM src.movies x "
                      "LEFT JOIN main.movies o ON o.id = x.id "
                      "LEFT JOIN src.movie_parts xp ON xp.movie_id = x.id "
                      "AND xp.part = '%s' "
                      "LEFT JOIN main.movie_parts op ON op.movie_id = x.id "
                      "AND op.part = '%s' "
                      "WHERE o.id IS NULL OR xp.fetched_at > coalesce(op.fetched_at, '') "
                      "OR (xp.fetched_at IS NULL AND op.fetched_at IS NULL AND (%s) "
                      "AND (x.id IN (SELECT id FROM temp.merge_winners) OR NOT (%s)))",
                      p->part, p->part, p->part, in_rows, out_rows)
                : NULL,
            p->part);
        sqlite3_free(in_rows);
        sqlite3_free(out_rows);
    }
    return rc;
}

/* A movie's own rows: those of each part chosen above replaced with the
 * input's, and with them the part's time (movie_parts). */
static enum store_status copy_owned(struct store *s) {
    enum store_status rc = STORE_OK;
    for (size_t i = 0; rc == STORE_OK && i < sizeof owned_parts / sizeof *owned_parts; i++) {
        const struct owned_part *p = &owned_parts[i];
        for (size_t k = 0; rc == STORE_OK && p->tables[k]; k++) {
            const char *t = p->tables[k];
            struct columns c;
            rc = columns_of(s, t, &c);
            if (rc != STORE_OK)
                break;
            rc = exec_owned(s,
                            sqlite3_mprintf("DELETE FROM main.%s WHERE movie_id IN (SELECT "
                                            "movie_id FROM temp.merge_take WHERE part = '%s')",
                                            t, p->part),
                            t);
            if (rc == STORE_OK)
                rc = exec_owned(s,
                                sqlite3_mprintf("INSERT INTO main.%s (%s) SELECT %s FROM src.%s "
                                                "WHERE movie_id IN (SELECT movie_id FROM "
                                                "temp.merge_take WHERE part = '%s')",
                                                t, c.list, c.list, t, p->part),
                                t);
            columns_free(&c);
        }
        if (rc == STORE_OK && p->part[0])
            rc = exec_owned(s,
                            sqlite3_mprintf("DELETE FROM main.movie_parts WHERE part = '%s' AND "
                                            "movie_id IN (SELECT movie_id FROM temp.merge_take "
                                            "WHERE part = '%s'); INSERT INTO main.movie_parts "
                                            "(movie_id, part, fetched_at) SELECT movie_id, part, "
                                            "fetched_at FROM src.movie_parts WHERE part = '%s' "
                                            "AND movie_id IN (SELECT movie_id FROM "
                                            "temp.merge_take WHERE part = '%s')",
                                            p->part, p->part, p->part, p->part),
                            "movie_parts");
    }
    return rc;
}

/* The movie rows of the winners, updated in place: deleting them would
 * cascade to the parts kept. */
static enum store_status copy_movies(struct store *s) {
    struct columns c;
    enum store_status rc = columns_of(s, "movies", &c);
    if (rc != STORE_OK)
        return rc;
    rc = exec_owned(s,
                    sqlite3_mprintf("INSERT INTO main.movies (%s) SELECT %s FROM src.movies "
                                    "WHERE id IN (SELECT id FROM temp.merge_winners) "
                                    "ON CONFLICT (id) DO UPDATE SET %s",
                                    c.list, c.list, c.set),
                    "copy the newer movies");
    columns_free(&c);
    return rc;
}

/* The deletions that outlive the movie rows copy_movies() writes: a
 * deletion marks the movie, whatever copy was fetched before it, and
 * leaves its values alone, as a load's does. Of two copies, the one not
 * kept brings its deletion when made at or after the kept copy's fetch
 * and after the kept copy's own deletion, if any: so the result is the
 * later fetch, marked with the later deletion when that came after it,
 * in either order of the copies. Before copy_movies(). */
static enum store_status choose_deletions(struct store *s) {
    return exec(s,
                "INSERT INTO temp.merge_deleted (id, deleted_at) "
                "SELECT i.id, CASE WHEN w.id IS NULL THEN i.deleted_at ELSE o.deleted_at END "
                "FROM src.movies i JOIN main.movies o ON o.id = i.id "
                "LEFT JOIN temp.merge_winners w ON w.id = i.id "
                "WHERE CASE WHEN w.id IS NULL "
                "THEN i.deleted_at >= o.fetched_at AND i.deleted_at > coalesce(o.deleted_at, '') "
                "ELSE o.deleted_at >= i.fetched_at AND o.deleted_at > coalesce(i.deleted_at, '') "
                "END",
                "choose the later deletions");
}

/* The movies whose later fetch was served a copy older than the one the
 * earlier fetch stored (TMDB's CDN: another edge, another cache): noted
 * in stale_copies as a load notes them (store_note_copy()), needing a copy
 * as new as the older fetch's, since a changes run may have read the
 * change that copy held (the cursor is past it). A copy of unknown time
 * counts as made at its fetch; a winner's unknown copy notes nothing, as
 * in a load. Whichever database holds the later fetch: the result does not
 * depend on the order of the merges. A note the movie had keeps its
 * noted_at, the later need, and a failed one's NULL copy. The movies of
 * two fetches are found first, from the input's movies_fetched_at: their
 * copy times follow raw_json, on each row's overflow pages, read for those
 * alone. Before copy_movies(), which overwrites this database's copy. */
static enum store_status note_older_copies(struct store *s, int64_t *noted) {
    s->stale_rows = -1;
    enum store_status rc = exec(
        s,
        "WITH other_fetch (id) AS MATERIALIZED (SELECT i.id FROM src.movies i "
        "JOIN main.movies o ON o.id = i.id WHERE i.fetched_at <> o.fetched_at) "
        "INSERT INTO main.stale_copies (movie_id, needed_from, copy_made_at, noted_at) "
        "SELECT id, needed, made, strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM (SELECT f.id, "
        "CASE WHEN w.id IS NULL THEN coalesce(i.copy_made_at, i.fetched_at) "
        "ELSE coalesce(o.copy_made_at, o.fetched_at) END AS needed, "
        "CASE WHEN w.id IS NULL THEN o.copy_made_at ELSE i.copy_made_at END AS made "
        "FROM other_fetch f JOIN src.movies i ON i.id = f.id JOIN main.movies o ON o.id = f.id "
        "LEFT JOIN temp.merge_winners w ON w.id = f.id) WHERE made < needed "
        "ON CONFLICT (movie_id) DO UPDATE SET needed_from = max(needed_from, "
        "excluded.needed_from), copy_made_at = CASE WHEN copy_made_at IS NULL THEN NULL "
        "ELSE excluded.copy_made_at END",
        "note the later fetches of older copies");
    if (rc == STORE_OK)
        *noted = sqlite3_changes64(s->db);
    return rc;
}

static enum store_status copy_rows(struct store *s, struct store_merge_counts *c) {
    /* A movie's values are those of its later fetch (a tie keeps this
     * database's copy); its deletion, choose_deletions(). */
    enum store_status rc = exec(s,
                                "CREATE TEMP TABLE merge_winners (id INTEGER PRIMARY KEY); "
                                "CREATE TEMP TABLE merge_deleted (id INTEGER PRIMARY KEY, "
                                "deleted_at TEXT); "
                                "CREATE TEMP TABLE merge_take (part TEXT, movie_id INTEGER, "
                                "PRIMARY KEY (part, movie_id)) WITHOUT ROWID; "
                                "CREATE TEMP TABLE merge_newer (id PRIMARY KEY)",
                                "prepare");
    if (rc == STORE_OK)
        rc = exec(s,
                  "INSERT INTO temp.merge_winners (id) "
                  "SELECT i.id FROM src.movies i LEFT JOIN main.movies m ON m.id = i.id "
                  "WHERE m.id IS NULL OR i.fetched_at > m.fetched_at",
                  "choose the newer movies");
    if (rc == STORE_OK)
        rc = choose_deletions(s);
    if (rc == STORE_OK)
        rc = count(s,
                   "SELECT count(*) FROM (SELECT id FROM temp.merge_winners UNION "
                   "SELECT id FROM temp.merge_deleted)",
                   &c->movies_taken, "count the newer movies");
    if (rc == STORE_OK)
        rc = count(s, "SELECT count(*) FROM src.movies", &c->movies_read, "count the movies");
    if (rc == STORE_OK)
        rc = note_older_copies(s, &c->older_copies);
    if (rc != STORE_OK)
        return rc;
    rc = choose_parts(s);
    for (size_t i = 0; rc == STORE_OK && i < sizeof shared_tables / sizeof *shared_tables; i++)
        rc = copy_shared(s, shared_tables[i]);
    if (rc == STORE_OK)
        rc = copy_movies(s);
    if (rc == STORE_OK)
        rc = exec(s,
                  "UPDATE main.movies AS o SET deleted_at = d.deleted_at "
                  "FROM temp.merge_deleted d WHERE o.id = d.id",
                  "mark the later deletions");
    if (rc == STORE_OK)
        rc = copy_owned(s);
    return rc;
}

/* Whether database `db` ("main" or "src") is an incomplete part of the
 * catalogue: it ran an export or changes, yet holds no changes cursor
 * (an export that has not finished sets none). A database of list
 * or ids runs is no part of it. */
static enum store_status incomplete_part(struct store *s, const char *db, bool *out) {
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT NOT EXISTS (SELECT 1 FROM %s.meta WHERE key = 'changes_from') AND EXISTS "
             "(SELECT 1 FROM %s.runs WHERE source LIKE 'export%%' OR source LIKE 'changes%%')",
             db, db);
    int64_t v = 0;
    if (store_query_ints(s->db, sql, &v, 1) != SQLITE_OK)
        return store_fail(s, "read the changes cursor of %s", db);
    *out = v != 0;
    return STORE_OK;
}

/* The merged database holds changes only as far as its least complete
 * part: the earlier cursor of the two, or none when either is an
 * incomplete part. Before copy_runs(), which copies the input's runs. The
 * input's cursor is kept in c->input_cursor (store_merge_settle_cursor()). */
static enum store_status merge_cursor(struct store *s, struct store_merge_counts *c) {
    bool here = false, input = false;
    enum store_status rc = incomplete_part(s, "main", &here);
    if (rc == STORE_OK)
        rc = incomplete_part(s, "src", &input);
    if (rc == STORE_OK &&
        store_query_text(s->db, "SELECT value FROM src.meta WHERE key = 'changes_from'",
                         c->input_cursor, sizeof c->input_cursor) != SQLITE_OK)
        rc = store_fail(s, "read the changes cursor of src");
    if (rc != STORE_OK)
        return rc;
    c->here_incomplete = here;
    c->input_incomplete = input;
    if (here || input)
        return exec(s, "DELETE FROM main.meta WHERE key = 'changes_from'",
                    "drop the changes cursor");
    return exec(s,
                "INSERT INTO main.meta (key, value) SELECT 'changes_from', value FROM src.meta "
                "WHERE key = 'changes_from' ON CONFLICT (key) DO UPDATE SET value = "
                "min(value, excluded.value)",
                "merge the changes cursor");
}

/* Every movie either database noted as served a copy older than its
 * change, or as failed, with the later need and the earlier note: a note
 * says "fetch again", and which fetch cleared it is not known here (neither
 * database keeps its copies' times once new enough), so none is dropped:
 * one fetch too many, at worst, rather than a change lost. A failed one's
 * NULL copy wins (max() of a NULL is NULL): its last fetch failed. */
static enum store_status merge_stale(struct store *s) {
    s->stale_rows = -1;
    return exec(s,
                "INSERT INTO main.stale_copies (movie_id, needed_from, copy_made_at, noted_at) "
                "SELECT movie_id, needed_from, copy_made_at, noted_at FROM src.stale_copies "
                "WHERE true ON CONFLICT (movie_id) DO UPDATE SET needed_from = max(needed_from, "
                "excluded.needed_from), copy_made_at = max(copy_made_at, excluded.copy_made_at), "
                "noted_at = min(noted_at, excluded.noted_at)",
                "merge the stale copies");
}

/* Runs already here (the input was merged before): the same uid, or for
 * runs of versions before 4, which have none on either side, the same
 * start and command. A run has a uid from its first row on and every copy
 * keeps it, so a run with one and a run without are never the same: two
 * runs of one command started in the same second on two machines stay
 * two. A copy made while the run was running (copied as 'aborted' with no
 * finished_at) takes how it ended, and the failures it has recorded since
 * are added. (Copies made by earlier versions carry a finished_at; they
 * are brought up to date once the run ended otherwise than aborted.) */
static enum store_status update_runs(struct store *s) {
    /* The runs without a uid here, by start and command, looked up once
     * each: searched among all of them for each input run without one
     * (runs_uid finds uid IS NULL, not the start), a merge took time in
     * the square of those runs (20,000 of them: 25 s). */
    enum store_status rc =
        exec(s,
             "CREATE TEMP TABLE merge_no_uid (started_at TEXT, command TEXT, id INTEGER, "
             "PRIMARY KEY (started_at, command)) WITHOUT ROWID; "
             "INSERT INTO temp.merge_no_uid (started_at, command, id) "
             "SELECT started_at, command, min(id) FROM main.runs "
             "WHERE uid IS NULL GROUP BY started_at, command",
             "note the runs without a uid");
    if (rc == STORE_OK)
        rc = exec(s,
                  "CREATE TEMP TABLE merge_seen AS SELECT r.id AS src_id, "
                  "CASE WHEN r.uid IS NOT NULL THEN (SELECT o.id FROM main.runs o "
                  "WHERE o.uid = r.uid) ELSE (SELECT o.id FROM temp.merge_no_uid o "
                  "WHERE o.started_at = r.started_at AND o.command = r.command) END AS out_id "
                  "FROM src.runs r WHERE out_id IS NOT NULL",
                  "match the runs merged before");
    if (rc == STORE_OK)
        rc = exec(s,
                  "UPDATE main.runs AS o SET finished_at = r.finished_at, status = r.status, "
                  "requested = r.requested, fetched = r.fetched, missing = r.missing, "
                  "failed = r.failed, http_requests = r.http_requests, retries = r.retries, "
                  "skipped = r.skipped, exit_status = r.exit_status, error = r.error "
                  "FROM temp.merge_seen m JOIN src.runs r ON r.id = m.src_id "
                  "WHERE o.id = m.out_id AND o.status = 'aborted' AND r.status <> 'running' "
                  "AND (o.finished_at IS NULL OR r.status <> 'aborted')",
                  "update the runs merged while running");
    if (rc == STORE_OK)
        rc = exec(s,
                  "INSERT INTO main.fetch_failures (run_id, movie_id, kind, http_status, reason, "
                  "attempts, recorded_at) SELECT m.out_id, f.movie_id, f.kind, f.http_status, "
                  "f.reason, f.attempts, f.recorded_at "
                  "FROM src.fetch_failures f JOIN temp.merge_seen m ON m.src_id = f.run_id "
                  "WHERE true ON CONFLICT (run_id, movie_id) DO UPDATE SET kind = excluded.kind, "
                  "http_status = excluded.http_status, reason = excluded.reason, "
                  "attempts = excluded.attempts, recorded_at = excluded.recorded_at",
                  "copy the failures of the runs merged before");
    return rc;
}

/* Runs and their failures, renumbered after this database's runs. A run
 * already here is not copied again (update_runs() brings it up to date);
 * a run still 'running' in the input is copied as 'aborted' (nothing will
 * finish it here) with no finished_at: its end is not known yet, so `dump`
 * does not count it as finished (store_dump.c) until a later merge of the
 * input brings it up to date. c->running counts them. */
static enum store_status copy_runs(struct store *s, struct store_merge_counts *c) {
    enum store_status rc = update_runs(s);
    if (rc == STORE_OK)
        rc = exec(s,
                  "CREATE TEMP TABLE merge_runs AS "
                  "SELECT r.id, (SELECT max(coalesce(max(id), 0), coalesce((SELECT "
                  "CAST(value AS INTEGER) FROM main.meta WHERE key = 'replaced_last_run' "
                  "AND EXISTS (SELECT 1 FROM main.meta WHERE key = 'backup_made_at')), 0)) "
                  "FROM main.runs) + "
                  "coalesce((SELECT " STORE_GAP_SQL " - 1 FROM main.meta "
                  "WHERE key = 'backup_made_at'), 0) + "
                  "row_number() OVER (ORDER BY r.id) AS new_id FROM src.runs r "
                  "WHERE r.id NOT IN (SELECT src_id FROM temp.merge_seen)",
                  "number the runs");
    /* a backup's copy put in place: its mark taken by these runs' ids, as
     * by a load's (store.h) */
    if (rc == STORE_OK)
        rc = exec(s,
                  "DELETE FROM main.meta WHERE key IN ('backup_made_at', 'replaced_last_run') "
                  "AND EXISTS (SELECT 1 FROM temp.merge_runs)",
                  "number the runs");
    if (rc == STORE_OK)
        rc = count(s, "SELECT count(*) FROM temp.merge_runs", &c->runs, "count the runs");
    if (rc == STORE_OK)
        rc = count(s,
                   "SELECT count(*) FROM src.runs WHERE status = 'running' "
                   "OR finished_at IS NULL", /* or merged into the input while running */
                   &c->running, "count the runs still running");
    if (rc == STORE_OK)
        rc = exec(s,
                  "INSERT INTO main.runs (id, started_at, finished_at, command, source, status, "
                  "requested, fetched, missing, failed, http_requests, retries, skipped, uid, "
                  "exit_status, error) "
                  "SELECT n.new_id, r.started_at, CASE WHEN r.status = 'running' THEN NULL "
                  "ELSE r.finished_at END, r.command, r.source, CASE WHEN r.status = 'running' "
                  "THEN 'aborted' ELSE r.status END, r.requested, r.fetched, r.missing, "
                  "r.failed, r.http_requests, r.retries, r.skipped, r.uid, r.exit_status, r.error "
                  "FROM src.runs r JOIN temp.merge_runs n ON n.id = r.id ORDER BY n.new_id",
                  "copy the runs");
    if (rc == STORE_OK)
        rc = exec(s,
                  "INSERT INTO main.fetch_failures (run_id, movie_id, kind, http_status, reason, "
                  "attempts, recorded_at) SELECT n.new_id, f.movie_id, f.kind, f.http_status, "
                  "f.reason, f.attempts, f.recorded_at "
                  "FROM src.fetch_failures f JOIN temp.merge_runs n ON n.id = f.run_id",
                  "copy the failures");
    return rc;
}

/* Attach the input as `src`, read-only: the merge never writes it, never
 * takes its write lock (BEGIN IMMEDIATE takes only a read lock on a
 * read-only database), and never creates a file that is not there; on a
 * read-only filesystem as store_open_readonly() opens it. */
static enum store_status attach_input(struct store *s, const char *in_path) {
    bool immutable;
    if (store_read_immutable(in_path, &immutable, s->errmsg, sizeof s->errmsg) != STORE_OK)
        return STORE_ERR;
    char *uri = store_readonly_uri(in_path, immutable);
    sqlite3_stmt *st = NULL;
    if (!uri) {
        snprintf(s->errmsg, sizeof s->errmsg, "%s: out of memory", in_path);
        return STORE_ERR_NOMEM;
    }
    int step = SQLITE_ERROR;
    if (sqlite3_prepare_v2(s->db, "ATTACH DATABASE ?1 AS src", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, uri, -1, SQLITE_STATIC);
        step = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    sqlite3_free(uri);
    if (step == SQLITE_DONE)
        return STORE_OK;
    if (access(in_path, R_OK) != 0) {
        snprintf(s->errmsg, sizeof s->errmsg, "%s: %s (nothing merged)", in_path, strerror(errno));
        return STORE_ERR;
    }
    return store_fail(s, "merge: attach %s", in_path);
}

/* A merge that met a corrupt page: SQLite's message names no file, and
 * store_fail() names this database. When the input fails a quick check,
 * the message names it instead (this database may well be intact). Reads
 * the whole input: on that failure only. */
static void name_corrupt_input(struct store *s, const char *in_path) {
    char problem[160];
    int rc = store_quick_check(s->db, "src", problem, sizeof problem);
    if ((rc == SQLITE_OK && strcmp(problem, "ok") == 0) || rc == SQLITE_INTERRUPT)
        return;
    if (rc != SQLITE_OK)
        snprintf(problem, sizeof problem, "%s", sqlite3_errmsg(s->db));
    /* "*** in database src ***\nPage 5: ...": the page's line alone */
    const char *line = strrchr(problem, '\n');
    snprintf(s->errmsg, sizeof s->errmsg,
             "%s is corrupt (PRAGMA quick_check: %s): nothing of it merged into %s", in_path,
             line ? line + 1 : problem, s->path);
}

enum store_status store_merge_begin(struct store *s) {
    enum store_status rc = exec(s,
                                "DROP TABLE IF EXISTS temp.merge_held_runs; "
                                "CREATE TEMP TABLE merge_held_runs AS SELECT uid FROM main.runs",
                                "note the runs held before the merge");
    s->merge_held = rc == STORE_OK;
    s->merge_incomplete = false;
    s->merge_earliest[0] = '\0';
    return rc;
}

/* After an input merged: its cursor and completeness, for the command's end. */
static void note_input_cursor(struct store *s, const struct store_merge_counts *c) {
    s->merge_incomplete |= c->input_incomplete;
    if (c->input_cursor[0] &&
        (!s->merge_earliest[0] || strcmp(c->input_cursor, s->merge_earliest) < 0))
        snprintf(s->merge_earliest, sizeof s->merge_earliest, "%s", c->input_cursor);
}

enum store_status store_merge_settle_cursor(struct store *s, bool *settled) {
    *settled = false;
    int64_t held = 1;
    if (!s->merge_held || s->merge_incomplete || !s->merge_earliest[0])
        return STORE_OK;
    if (store_query_ints(s->db, "SELECT count(*) FROM temp.merge_held_runs", &held, 1) != SQLITE_OK)
        return store_fail(s, "read the runs held before the merge");
    if (held > 0)
        return STORE_OK;
    enum store_status rc = store_meta_set(s, "changes_from", s->merge_earliest);
    *settled = rc == STORE_OK;
    return rc;
}

enum store_status store_merge(struct store *s, const char *in_path,
                              struct store_merge_counts *counts) {
    memset(counts, 0, sizeof *counts);
    enum store_status rc = attach_input(s, in_path);
    if (rc != STORE_OK)
        return rc;
    rc = check_input(s, in_path);
    if (rc == STORE_OK)
        rc = exec(s, "BEGIN IMMEDIATE", "begin");
    if (rc == STORE_OK) {
        rc = copy_rows(s, counts);
        if (rc == STORE_OK)
            rc = merge_cursor(s, counts);
        if (rc == STORE_OK)
            rc = merge_stale(s);
        if (rc == STORE_OK)
            rc = copy_runs(s, counts);
        if (rc == STORE_OK && s->merge_held)
            rc = exec(s, "DELETE FROM temp.merge_held_runs WHERE uid IN (SELECT uid FROM src.runs)",
                      "cross off the runs the input holds");
        if (rc == STORE_OK)
            rc = store_flush_search(s);
        if (rc == STORE_OK)
            rc = exec(s, "COMMIT", "commit");
        if (rc == STORE_OK)
            note_input_cursor(s, counts);
        int code = sqlite3_errcode(s->db) & 0xff;
        bool corrupt = rc != STORE_OK && (code == SQLITE_CORRUPT || code == SQLITE_NOTADB);
        if (rc != STORE_OK && !sqlite3_get_autocommit(s->db))
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        if (corrupt)
            name_corrupt_input(s, in_path);
    }
    sqlite3_exec(
        s->db,
        "DROP TABLE IF EXISTS temp.merge_winners; DROP TABLE IF EXISTS temp.merge_deleted; "
        "DROP TABLE IF EXISTS temp.merge_take; "
        "DROP TABLE IF EXISTS temp.merge_newer; DROP TABLE IF EXISTS temp.merge_runs; "
        "DROP TABLE IF EXISTS temp.merge_seen; DROP TABLE IF EXISTS temp.merge_no_uid",
        NULL, NULL, NULL);
    sqlite3_exec(s->db, "DETACH DATABASE src", NULL, NULL, NULL);
    return rc;
}
