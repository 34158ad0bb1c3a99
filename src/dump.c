/* dump.c - see dump.h. */
#include "dump.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clock.h"
#include "database.h"
#include "json.h"
#include "log.h"
#include "store.h"

struct writer {
    FILE *out;
    enum dump_format format;
    int64_t rows;
};

/* One CSV field (RFC 4180): quoted when it holds a comma, a quote or a
 * line break, and when it is empty, so that "" (an empty string) differs
 * from an empty field (NULL), as PostgreSQL's CSV reader takes them
 * (DuckDB's with allow_quoted_nulls = false: docs/schema.md). */
static void csv_field(FILE *out, const char *s, size_t len) {
    if (len > 0 && strcspn(s, ",\"\r\n") >= len) {
        fwrite(s, 1, len, out);
        return;
    }
    fputc('"', out);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            fputc('"', out);
        fputc(s[i], out);
    }
    fputc('"', out);
}

/* A REAL as the shortest text that reads back as the same double, and
 * always as a float: 7.0, not 7 (a loader that infers types from the
 * first rows would make vote_average an integer column), 0.1, not
 * 0.10000000000000001. */
static void format_real(double d, char *buf, size_t size) {
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, size, "%.*g", digits, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    if (!strpbrk(buf, ".eEni")) /* inf and nan hold 'n' */
        strncat(buf, ".0", size - strlen(buf) - 1);
}

static void put_value(struct writer *w, const struct store_value *v) {
    char num[40];
    switch (v->type) {
    case STORE_NULL:
        if (w->format == DUMP_JSONL)
            fputs("null", w->out);
        return;
    case STORE_INT:
        fprintf(w->out, "%" PRId64, v->i);
        return;
    case STORE_REAL:
        if (!isfinite(v->d) && w->format == DUMP_JSONL) {
            fputs("null", w->out); /* JSON has no infinity (SQLite has no NaN) */
            return;
        }
        format_real(v->d, num, sizeof num);
        fputs(num, w->out);
        return;
    case STORE_TEXT:
        if (w->format == DUMP_JSONL) {
            json_write_string(w->out, v->text, v->len);
        } else if (json_utf8_valid(v->text, v->len)) {
            csv_field(w->out, v->text, v->len);
        } else {
            /* text edited in by hand: U+FFFD for each stray byte, as in JSON
             * lines, so that a UTF-8 CSV reader does not fail on the file */
            size_t n = 0; /* all of it: the text may hold a NUL */
            char *fixed = json_utf8_repaired(v->text, v->len, &n); /* NULL: out of memory */
            csv_field(w->out, fixed ? fixed : v->text, fixed ? n : v->len);
            free(fixed);
        }
        return;
    }
}

static int write_row(void *ctx, int n, const char *const *names, const struct store_value *v) {
    struct writer *w = ctx;
    if (!v) { /* the header */
        if (w->format == DUMP_CSV) {
            for (int i = 0; i < n; i++) {
                if (i)
                    fputc(',', w->out);
                csv_field(w->out, names[i], strlen(names[i]));
            }
            fputs("\r\n", w->out);
        }
        return 0;
    }
    if (w->format == DUMP_JSONL)
        fputc('{', w->out);
    for (int i = 0; i < n; i++) {
        if (i)
            fputc(',', w->out);
        if (w->format == DUMP_JSONL) {
            json_write_string(w->out, names[i], strlen(names[i]));
            fputc(':', w->out);
        }
        put_value(w, &v[i]);
    }
    fputs(w->format == DUMP_JSONL ? "}\n" : "\r\n", w->out);
    w->rows++;
    return ferror(w->out) ? -1 : 0; /* stop early when the reader went away */
}

/* "2026-11-25" or "2026-11-25T03:30:00Z" into the stored form. */
static bool parse_time(const char *s, char *buf, size_t size) {
    long day;
    char date[CLOCK_DATE_SIZE];
    size_t n = strlen(s);
    if (n == 10 && clock_parse_date(s, &day) == 0) {
        snprintf(buf, size, "%sT00:00:00Z", s);
        return true;
    }
    if (n != 20 || s[10] != 'T' || s[19] != 'Z')
        return false;
    /* digits where digits go: sscanf's %d would take "-1" or " 3", and the
     * time is compared as text */
    for (size_t i = 11; i < 19; i++)
        if ((i == 13 || i == 16) ? s[i] != ':' : (s[i] < '0' || s[i] > '9'))
            return false;
    memcpy(date, s, 10);
    date[10] = '\0';
    int hh, mm, ss;
    char tail;
    if (clock_parse_date(date, &day) != 0 ||
        sscanf(s + 11, "%2d:%2d:%2d%c", &hh, &mm, &ss, &tail) != 4 || tail != 'Z' || hh > 23 ||
        mm > 59 || ss > 60)
        return false;
    snprintf(buf, size, "%s", s);
    return true;
}

int dump_rows(struct store *s, const char *table, const char *since, enum dump_format format,
              FILE *out, int64_t *n_rows, int64_t *next_since) {
    char from[64];
    struct store_since bound = {0};
    if (since && *since) {
        /* a run id in digits only: strtoll() alone also takes leading
         * blanks and a sign ("-0" would be run 0, the whole database) */
        char *end;
        long long run = strtoll(since, &end, 10);
        if (isdigit((unsigned char)*since) && *end == '\0') {
            bound.run = run;
        } else if (parse_time(since, from, sizeof from)) {
            bound.time = from;
        } else {
            log_error("--since wants a run id, a date (2026-11-25) or a UTC time "
                      "(2026-11-25T03:30:00Z), not '%s'",
                      since);
            return 2;
        }
    }
    struct writer w = {.out = out, .format = format};
    enum store_status st = store_dump(s, table, &bound, write_row, &w, next_since);
    if (st == STORE_ERR_QUERY) {
        log_error("--since %s: there is no run %s (tmdb-ingest stats lists them)", since, since);
        return 2;
    }
    if (st != STORE_OK) {
        log_error("%s", store_errmsg(s));
        return -1;
    }
    if (log_output_flushed(out, "the dump") != 0)
        return -1;
    *n_rows = w.rows;
    return 0;
}

int dump_run(const char *db_path, const char *table, const char *since, enum dump_format format) {
    struct store *s = NULL;
    int code = database_open_existing(db_path, &s);
    if (code != 0)
        return code;
    int64_t rows = 0, next = 0;
    int rc = dump_rows(s, table, since, format, stdout, &rows, &next);
    store_close(s);
    if (rc != 0)
        return rc == 2 ? EXIT_USAGE : EXIT_FATAL;
    char line[256];
    snprintf(line, sizeof line,
             "tmdb-ingest: dumped %" PRId64 " row(s) of %s; next time: --since %" PRId64, rows,
             table, next);
    const struct log_field fields[] = {
        {"table", table, 0},
        {"rows", NULL, (double)rows},
        {"next_since", NULL, (double)next},
    };
    log_event("dumped", line, fields, sizeof fields / sizeof *fields);
    return EXIT_OK;
}
