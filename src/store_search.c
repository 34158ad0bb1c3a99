/* store_search.c - full-text search over movies_fts; see store_search() in
 * store.h and "Full-text search" in docs/schema.md. Same thread rules as
 * the rest of the store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store.h"
#include "store_internal.h"

/* The trigram tokenizer's tokens are this many characters: a shorter word
 * has none, so the index cannot find it and LIKE must. */
enum { TRIGRAM_CHARS = 3 };

/* Characters of context on each side of a match in a LIKE snippet. */
enum { SNIPPET_CONTEXT_CHARS = 16 };

/* Parameters of the search statement: the FTS5 expression, the limit, the
 * first short word as typed (LIKE path), the expression limited to the
 * titles, then one LIKE pattern per short word. */
enum {
    PARAM_MATCH = 1,
    PARAM_LIMIT = 2,
    PARAM_FIRST_SHORT = 3,
    PARAM_TITLE_MATCH = 4,
    PARAM_PATTERNS = 5,
};

/* Movies whose title or original title holds every word come first:
 * bm25 scales a column's score by the length of the whole row, so a title
 * match in a row with a long overview and many keywords would rank below
 * a short row that holds the word only in its overview. The long words
 * through the index, the short ones (search_sql()) with LIKE: without
 * them, a search for the title 살인의 추억 ranked 살인의 해석, whose
 * overview holds 추억, above it. */
static const char TITLES_FIRST[] =
    "f.rowid NOT IN (SELECT rowid FROM movies_fts WHERE movies_fts MATCH ?4)";

/* Then movies_fts's columns, in order, weighted for bm25: a word in the
 * title says most about the movie, one in the overview least. */
static const char RANK_BY_BM25[] = "bm25(movies_fts, 10.0, 5.0, 1.0, 2.0, 3.0)";

/* Without an FTS5 expression: the column that holds the first short word,
 * in the order of the weights above (0 = title, the best), its text, and
 * every column tested with LIKE. */
static const char COLUMN_OF_FIRST_SHORT[] =
    "CASE WHEN instr(lower(f.title), lower(?3)) THEN 0 "
    "WHEN instr(lower(f.original_title), lower(?3)) THEN 1 "
    "WHEN instr(lower(f.keywords), lower(?3)) THEN 2 "
    "WHEN instr(lower(f.tagline), lower(?3)) THEN 3 ELSE 4 END";
static const char TEXT_OF_FIRST_SHORT[] =
    "CASE WHEN instr(lower(f.title), lower(?3)) THEN f.title "
    "WHEN instr(lower(f.original_title), lower(?3)) THEN f.original_title "
    "WHEN instr(lower(f.keywords), lower(?3)) THEN f.keywords "
    "WHEN instr(lower(f.tagline), lower(?3)) THEN f.tagline ELSE f.overview END";
static const char *const COLUMNS[] = {"title", "original_title", "overview", "tagline", "keywords"};

/* The query split into words, in `buf` (the query's copy, NUL between words). */
struct words {
    char *buf;
    const char *word[STORE_SEARCH_MAX_WORDS];
    bool is_long[STORE_SEARCH_MAX_WORDS]; /* has a trigram: found through the index */
    int n;
    int n_long;
};

static size_t utf8_chars(const char *s) {
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Bytes of the separator at p, or 0: Unicode's white space, ASCII's and
 * U+3000 (the ideographic space Korean and Japanese input methods type),
 * U+00A0 and the other spaces text pasted from a web page or a word
 * processor holds (U+0085, U+1680, U+2000..U+200A, U+2028, U+2029,
 * U+202F, U+205F). */
static size_t separator_len(const char *p) {
    const unsigned char *u = (const unsigned char *)p;
    if (*p == ' ' || (*p >= '\t' && *p <= '\r'))
        return 1;
    if (u[0] == 0xC2 && (u[1] == 0x85 || u[1] == 0xA0))
        return 2;
    if (u[0] == 0xE1 && u[1] == 0x9A && u[2] == 0x80)
        return 3;
    if (u[0] == 0xE2 && u[1] == 0x80 &&
        ((u[2] >= 0x80 && u[2] <= 0x8A) || u[2] == 0xA8 || u[2] == 0xA9 || u[2] == 0xAF))
        return 3;
    if (u[0] == 0xE2 && u[1] == 0x81 && u[2] == 0x9F)
        return 3;
    if (u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80)
        return 3;
    return 0;
}

/* Split `query` into w; STORE_OK, STORE_ERR_QUERY or STORE_ERR_NOMEM. */
static enum store_status split_words(struct store *s, const char *query, struct words *w) {
    memset(w, 0, sizeof *w);
    if (!query || !(w->buf = strdup(query))) {
        snprintf(s->errmsg, sizeof s->errmsg, query ? "%s: out of memory" : "%s: no query",
                 s->path);
        return query ? STORE_ERR_NOMEM : STORE_ERR_QUERY;
    }
    char *p = w->buf;
    while (*p) {
        size_t sep = separator_len(p);
        if (sep) {
            memset(p, '\0', sep);
            p += sep;
            continue;
        }
        if (w->n == STORE_SEARCH_MAX_WORDS) {
            snprintf(s->errmsg, sizeof s->errmsg, "search: more than %d words in the query",
                     STORE_SEARCH_MAX_WORDS);
            return STORE_ERR_QUERY;
        }
        w->word[w->n++] = p;
        while (*p && !separator_len(p))
            p++;
    }
    if (w->n == 0) {
        snprintf(s->errmsg, sizeof s->errmsg, "search: the query has no word to search for");
        return STORE_ERR_QUERY;
    }
    /* A word of more bytes than two characters take (4 each) is not valid
     * UTF-8 (stray bytes from a script): searched through the index, where
     * it matches nothing, not with a LIKE pattern SQLite finds too complex. */
    for (int i = 0; i < w->n; i++) {
        w->is_long[i] =
            utf8_chars(w->word[i]) >= TRIGRAM_CHARS || strlen(w->word[i]) > (TRIGRAM_CHARS - 1) * 4;
        w->n_long += w->is_long[i];
    }
    return STORE_OK;
}

/* The FTS5 expression: every long word as an FTS5 string ("" doubles a
 * quote), so nothing the user typed is read as syntax; adjacent strings
 * must all match. With `titles_only`, each in the title or the original
 * title. */
static char *match_expression(const struct words *w, bool titles_only) {
    sqlite3_str *str = sqlite3_str_new(NULL);
    if (titles_only)
        sqlite3_str_appendall(str, "{title original_title} : (");
    bool first = true;
    for (int i = 0; i < w->n; i++) {
        if (w->is_long[i]) {
            sqlite3_str_appendf(str, "%s\"%w\"", first ? "" : " ", w->word[i]);
            first = false;
        }
    }
    if (titles_only)
        sqlite3_str_appendchar(str, 1, ')');
    return sqlite3_str_finish(str);
}

/* A LIKE pattern finding `word` anywhere, with \ escaping % _ and \ itself. */
static char *like_pattern(const char *word) {
    sqlite3_str *str = sqlite3_str_new(NULL);
    sqlite3_str_appendchar(str, 1, '%');
    for (const char *p = word; *p; p++) {
        if (*p == '%' || *p == '_' || *p == '\\')
            sqlite3_str_appendchar(str, 1, '\\');
        sqlite3_str_appendchar(str, 1, *p);
    }
    sqlite3_str_appendchar(str, 1, '%');
    return sqlite3_str_finish(str);
}

/* The statement's text: the long words through the index (titles first, then bm25,
 * snippet() marking them), the short ones with LIKE over the same rows. */
static char *search_sql(const struct words *w) {
    sqlite3_str *str = sqlite3_str_new(NULL);
    bool indexed = w->n_long > 0;
    sqlite3_str_appendf(str,
                        "SELECT m.id, m.title, substr(m.release_date, 1, 4), %s "
                        "FROM movies_fts f JOIN movies m ON m.id = f.rowid "
                        "WHERE m.deleted_at IS NULL",
                        indexed ? "snippet(movies_fts, -1, '[', ']', '…', 32)"
                                : TEXT_OF_FIRST_SHORT);
    if (indexed)
        sqlite3_str_appendf(str, " AND movies_fts MATCH ?%d", PARAM_MATCH);
    /* "+column": LIKE on a column of a trigram table goes to FTS5, which
     * (SQLite 3.40) finds nothing for a pattern of two non-ASCII
     * characters; on an expression SQLite evaluates LIKE itself. */
    int n_short = w->n - w->n_long;
    for (int k = 0; k < n_short; k++) {
        sqlite3_str_appendall(str, " AND (");
        for (size_t c = 0; c < sizeof COLUMNS / sizeof *COLUMNS; c++)
            sqlite3_str_appendf(str, "%s+f.%s LIKE ?%d ESCAPE '\\'", c ? " OR " : "", COLUMNS[c],
                                PARAM_PATTERNS + k);
        sqlite3_str_appendall(str, ")");
    }
    /* 0 when the titles hold every word (TITLES_FIRST), else 1 */
    sqlite3_str_appendall(str, " ORDER BY (");
    if (indexed)
        sqlite3_str_appendall(str, TITLES_FIRST);
    else
        sqlite3_str_appendall(str, "0");
    for (int k = 0; k < n_short; k++)
        sqlite3_str_appendf(str,
                            " OR NOT (+f.title LIKE ?%d ESCAPE '\\' OR "
                            "+f.original_title LIKE ?%d ESCAPE '\\')",
                            PARAM_PATTERNS + k, PARAM_PATTERNS + k);
    if (indexed)
        sqlite3_str_appendf(str, "), %s, m.id", RANK_BY_BM25);
    else
        sqlite3_str_appendf(str, "), %s, m.popularity DESC, m.id", COLUMN_OF_FIRST_SHORT);
    sqlite3_str_appendf(str, " LIMIT ?%d", PARAM_LIMIT);
    return sqlite3_str_finish(str);
}

/* Bind a string made by sqlite3_str (NULL when out of memory), which
 * SQLite then frees. */
static int bind_made(sqlite3_stmt *st, int param, char *made) {
    return made ? sqlite3_bind_text(st, param, made, -1, sqlite3_free) : SQLITE_NOMEM;
}

/* Bind the limit, the expression and the short words; SQLITE_OK or an error. */
static int bind_words(sqlite3_stmt *st, const struct words *w, int limit) {
    int rc = sqlite3_bind_int(st, PARAM_LIMIT, limit > 0 ? limit : -1);
    if (rc == SQLITE_OK && w->n_long > 0) {
        rc = bind_made(st, PARAM_MATCH, match_expression(w, false));
        if (rc == SQLITE_OK)
            rc = bind_made(st, PARAM_TITLE_MATCH, match_expression(w, true));
    } else if (rc == SQLITE_OK) /* all short: the first one picks the column and the snippet */
        rc = sqlite3_bind_text(st, PARAM_FIRST_SHORT, w->word[0], -1, SQLITE_STATIC);
    for (int i = 0, k = 0; rc == SQLITE_OK && i < w->n; i++)
        if (!w->is_long[i])
            rc = bind_made(st, PARAM_PATTERNS + k++, like_pattern(w->word[i]));
    return rc;
}

/* Where the text starts n characters before p (not before start), and
 * ends n characters after p: UTF-8 sequences are kept whole. */
static const char *back_chars(const char *start, const char *p, int n) {
    while (p > start && n > 0) {
        p--;
        if (((unsigned char)*p & 0xC0) != 0x80)
            n--;
    }
    return p;
}

static const char *forward_chars(const char *p, int n) {
    while (*p && n > 0) {
        p++;
        while (((unsigned char)*p & 0xC0) == 0x80)
            p++;
        n--;
    }
    return p;
}

/* The snippet of a LIKE match: `word` marked where it first occurs in
 * `text` (letters compared without case, as LIKE does), with context. */
static char *like_snippet(const char *text, const char *word) {
    size_t len = strlen(word);
    const char *hit = text;
    while (*hit && strncasecmp(hit, word, len) != 0)
        hit++;
    if (!*hit) /* not in this column: LIKE found it in another one */
        return sqlite3_mprintf("%s", text);
    const char *from = back_chars(text, hit, SNIPPET_CONTEXT_CHARS);
    const char *to = forward_chars(hit + len, SNIPPET_CONTEXT_CHARS);
    return sqlite3_mprintf("%s%.*s[%.*s]%.*s%s", from > text ? "…" : "", (int)(hit - from), from,
                           (int)len, hit, (int)(to - hit - len), hit + len, *to ? "…" : "");
}

/* store.h. For search: a hit's two lines can then not fake another hit. */
void store_flatten_text(char *s) {
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < ' ' || c == 0x7f)
            *s = ' ';
        else if (c == 0xc2 && (unsigned char)s[1] >= 0x80 && (unsigned char)s[1] <= 0x9f)
            s[0] = s[1] = ' ';
    }
}

/* Step through the matches, calling fn; SQLITE_DONE when all were seen or
 * fn stopped, the error otherwise; *nomem when a snippet could not be made. */
static int report_hits(sqlite3_stmt *st, const struct words *w, store_search_fn fn, void *ctx,
                       bool *nomem) {
    int rc;
    *nomem = false;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(st, 3);
        const char *title_text = (const char *)sqlite3_column_text(st, 1);
        const char *year_text = (const char *)sqlite3_column_text(st, 2);
        char *snippet = NULL, *title = NULL, *year = NULL;
        if (text) {
            snippet = w->n_long > 0 ? sqlite3_mprintf("%s", text) : like_snippet(text, w->word[0]);
            if (!snippet) {
                *nomem = true;
                return SQLITE_NOMEM;
            }
            store_flatten_text(snippet);
        }
        /* the year too: release_date is stored as TMDB sends it, unchecked */
        if ((title_text && !(title = sqlite3_mprintf("%s", title_text))) ||
            (year_text && !(year = sqlite3_mprintf("%s", year_text)))) {
            sqlite3_free(snippet);
            sqlite3_free(title);
            *nomem = true;
            return SQLITE_NOMEM;
        }
        store_flatten_text(title);
        store_flatten_text(year);
        struct store_search_hit hit = {
            .id = sqlite3_column_int64(st, 0),
            .title = title,
            .year = year,
            .snippet = snippet ? snippet : "",
        };
        int stop = fn(ctx, &hit);
        sqlite3_free(snippet);
        sqlite3_free(title);
        sqlite3_free(year);
        if (stop)
            return SQLITE_DONE;
    }
    return rc;
}

enum store_status store_search(struct store *s, const char *query, int limit, store_search_fn fn,
                               void *ctx) {
    struct words w;
    enum store_status result = split_words(s, query, &w);
    char *sql = result == STORE_OK ? search_sql(&w) : NULL;
    sqlite3_stmt *st = NULL;
    int bound = SQLITE_ERROR;
    if (result != STORE_OK)
        ;
    else if (!sql) {
        snprintf(s->errmsg, sizeof s->errmsg, "%s: out of memory", s->path);
        result = STORE_ERR_NOMEM;
    } else if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK ||
               (bound = bind_words(st, &w, limit)) != SQLITE_OK) {
        /* a pattern bind_made() could not make leaves SQLite no error of
         * its own to tell (it would say "not an error") */
        if (bound == SQLITE_NOMEM) {
            snprintf(s->errmsg, sizeof s->errmsg, "%s: search for \"%s\": out of memory", s->path,
                     query);
            result = STORE_ERR_NOMEM;
        } else {
            result = store_fail(s, "search for \"%s\"", query);
        }
    } else {
        bool nomem;
        int rc = report_hits(st, &w, fn, ctx, &nomem);
        if (nomem) {
            snprintf(s->errmsg, sizeof s->errmsg, "%s: out of memory", s->path);
            result = STORE_ERR_NOMEM;
        } else if (rc != SQLITE_DONE) {
            result = store_fail(s, "search for \"%s\"", query);
        }
    }
    sqlite3_finalize(st);
    sqlite3_free(sql);
    free(w.buf);
    return result;
}

/* The bytes of the search index's blocks. */
static enum store_status index_bytes(struct store *s, int64_t *bytes) {
    if (store_query_ints(s->db, "SELECT coalesce(sum(length(block)), 0) FROM movies_fts_data",
                         bytes, 1) != SQLITE_OK)
        return store_fail(s, "measure the search index");
    return STORE_OK;
}

enum store_status store_optimize_search(struct store *s, int64_t *before, int64_t *after) {
    *before = *after = 0;
    enum store_status rc = index_bytes(s, before);
    if (rc != STORE_OK)
        return rc;
    /* A SQLite built with SECURE_DELETE (Debian's is) zeroes each page
     * the old segments free, and writes it into DB-wal and then the file:
     * the log held the old index beside the new (25 MB for the 9.6 MB
     * index of a year-old database). FAST zeroes only pages written
     * anyway; the index holds nothing but TMDB's public text. */
    if (sqlite3_exec(s->db, "PRAGMA secure_delete = FAST", NULL, NULL, NULL) != SQLITE_OK)
        return store_fail(s, "set secure_delete");
    /* One statement, its own transaction: inside BEGIN it would run in a
     * statement transaction, which copies each page of the index it
     * changes into a statement journal first (a temporary file as large
     * as the index). */
    if (sqlite3_exec(s->db, "INSERT INTO movies_fts (movies_fts) VALUES ('optimize')", NULL, NULL,
                     NULL) != SQLITE_OK)
        return store_fail(s, "compact the search index");
    return index_bytes(s, after);
}
