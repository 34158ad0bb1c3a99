/* test_dump.c - `dump` on a real database in a temporary directory: CSV
 * as RFC 4180 with NULL an empty field and an empty string "", text that
 * is not UTF-8 written with U+FFFD; JSON lines typed, an infinity null; a
 * REAL always a float, in the shortest text that reads back exactly;
 * --since a run id in digits, a date or a UTC time, anything else a usage
 * error (exit 2), as a run that is not there; an output that fails (full,
 * its reader gone) an error, the dump stopped at the first row that could
 * not be written; the command's "next time: --since N" also with -q, and
 * as an event with --log-format json. */
#define _GNU_SOURCE /* fopencookie */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "dump.h"
#include "log.h"
#include "store.h"
#include "capture.h"
#include "sqlfile.h"
#include "tempdir.h"

/* The database every test reads (dump only reads): made once. */
static struct {
    char dir[64];
    char db[128];
} f;

/* Runs 1 (on the 24th) and 2 (on the 25th); movies written during run 1
 * (10), between the runs (11), at run 2's start (12), during it (13), and
 * one marked deleted after it (14); collections whose names need CSV's
 * quoting, or are NULL, "" or not UTF-8; people whose popularity is each
 * a REAL that a formatting could get wrong. */
static const char fixture_sql[] =
    "INSERT INTO runs (id, started_at, finished_at, command, source, status) VALUES "
    "(1, '2026-11-24T00:00:00Z', '2026-11-24T00:10:00Z', 'ids', 'ids', 'ok'),"
    "(2, '2026-11-25T00:00:00Z', '2026-11-25T04:00:00Z', 'ids', 'ids', 'ok');"
    "INSERT INTO movies (id, title, raw_json, language, fetched_at, deleted_at) VALUES "
    "(10, 'Ten', '{}', 'en-US', '2026-11-24T00:05:00Z', NULL),"
    "(11, 'Eleven', '{}', 'en-US', '2026-11-24T23:59:59Z', NULL),"
    "(12, 'Twelve', '{}', 'en-US', '2026-11-25T00:00:00Z', NULL),"
    "(13, 'Thirteen', '{}', 'en-US', '2026-11-25T03:30:00Z', NULL),"
    "(14, 'Fourteen', '{}', 'en-US', '2026-11-20T00:00:00Z', '2026-11-26T12:00:00Z'),"
    "(15, 'Fifteen', '{}', 'en-US', '2026-11-23T00:00:00Z', NULL),"
    "(16, 'Sixteen', '{}', 'en-US', '2026-11-22T23:59:59Z', NULL);"
    "INSERT INTO collections (id, name, poster_path, backdrop_path, updated_at) VALUES "
    "(1, 'Plain', NULL, '', '2026-11-01T00:00:00Z'),"
    "(2, 'Comma, here', NULL, NULL, 'u'),"
    "(3, 'Say \"hi\"', NULL, NULL, 'u'),"
    "(4, 'Line' || char(10) || 'break', NULL, NULL, 'u'),"
    "(5, 'CR' || char(13) || 'here', NULL, NULL, 'u'),"
    "(6, CAST(X'41FF42' AS TEXT), NULL, NULL, 'u');"
    "INSERT INTO people (id, name, popularity) VALUES "
    "(1, 'p', 7.0), (2, 'p', 0.1), (3, 'p', 100.0), (4, 'p', -2.5), (5, 'p', 8.2),"
    "(6, 'p', 0.1 + 0.2), (7, 'p', 1e300), (8, 'p', 1e-7), (9, 'p', 123456.789),"
    "(10, 'p', 1e999), (11, 'p', -1e999), (12, 'p', NULL);";

static int group_setup(void **state) {
    (void)state;
    strcpy(f.dir, "/tmp/test_dump.XXXXXX");
    if (!mkdtemp(f.dir))
        return -1;
    snprintf(f.db, sizeof f.db, "%s/db.sqlite3", f.dir);
    struct store *s;
    char err[256];
    if (store_open(f.db, "en-US", &s, err, sizeof err) != STORE_OK)
        fail_msg("store_open: %s", err);
    store_close(s);
    sqlfile_exec(f.db, fixture_sql);
    log_init(LOG_WARN, false, LOG_FORMAT_TEXT);
    /* a write to a pipe with no reader fails (EPIPE), as main has it */
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    return tempdir_remove(f.dir) == 0 ? 0 : -1;
}

/* What a dump wrote, and what it returned and said. */
struct result {
    int rc;
    int64_t rows, next;
    char *text; /* malloc'd, NUL-terminated */
    size_t len;
    char said[4096];
};

/* dump_rows() of `table` since `since` into memory. */
static struct result dump(const char *table, const char *since, enum dump_format format) {
    struct result r = {.rows = -1, .next = -1};
    struct store *s;
    char err[256];
    if (store_open_readonly(f.db, &s, err, sizeof err) != STORE_OK)
        fail_msg("store_open_readonly: %s", err);
    FILE *out = open_memstream(&r.text, &r.len);
    assert_non_null(out);
    capture_stderr_start(f.dir);
    r.rc = dump_rows(s, table, since, format, out, &r.rows, &r.next);
    snprintf(r.said, sizeof r.said, "%s", capture_stderr_end(f.dir));
    assert_int_equal(fclose(out), 0);
    store_close(s);
    return r;
}

/* The ids of the JSON lines of `r`, space separated ("" for none). */
static const char *ids_of(const struct result *r) {
    static char ids[256];
    ids[0] = '\0';
    for (const char *line = r->text; *line;) {
        long id;
        if (sscanf(line, "{\"id\":%ld,", &id) != 1)
            fail_msg("not a row: %s", line);
        snprintf(ids + strlen(ids), sizeof ids - strlen(ids), "%s%ld", *ids ? " " : "", id);
        const char *end = strchr(line, '\n');
        assert_non_null(end);
        line = end + 1;
    }
    return ids;
}

/* Each field of the CSV is as RFC 4180 has it: quoted when it holds a
 * comma, a quote or a line break (quotes doubled), NULL an empty field,
 * "" an empty string; lines end with CRLF, a header row first. */
static void test_csv_quotes_what_needs_it_and_tells_null_from_empty(void **state) {
    (void)state;
    struct result r = dump("collections", NULL, DUMP_CSV);
    if (r.rc != 0)
        fail_msg("dump_rows: %d: %s", r.rc, r.said);
    const char expected[] = "id,name,poster_path,backdrop_path,updated_at\r\n"
                            "1,Plain,,\"\",2026-11-01T00:00:00Z\r\n"
                            "2,\"Comma, here\",,,u\r\n"
                            "3,\"Say \"\"hi\"\"\",,,u\r\n"
                            "4,\"Line\nbreak\",,,u\r\n"
                            "5,\"CR\rhere\",,,u\r\n"
                            "6,A\xef\xbf\xbd"
                            "B,,,u\r\n";
    assert_string_equal(r.text, expected);
    assert_int_equal(r.rows, 6);
    free(r.text);
}

/* JSON lines: one object per row under the column names, integers as
 * numbers, NULL as null, "" as "", text not UTF-8 with U+FFFD (escaped). */
static void test_jsonl_is_one_typed_object_per_row(void **state) {
    (void)state;
    struct result r = dump("collections", NULL, DUMP_JSONL);
    if (r.rc != 0)
        fail_msg("dump_rows: %d: %s", r.rc, r.said);
    const char *first = "{\"id\":1,\"name\":\"Plain\",\"poster_path\":null,\"backdrop_path\":\"\","
                        "\"updated_at\":\"2026-11-01T00:00:00Z\"}\n";
    assert_memory_equal(r.text, first, strlen(first));
    assert_non_null(strstr(r.text, "{\"id\":6,\"name\":\"A\\ufffdB\",\"poster_path\":null,"));
    assert_string_equal(ids_of(&r), "1 2 3 4 5 6");
    assert_int_equal(r.rows, 6);
    free(r.text);
}

/* The popularity the CSV line of person `id` holds. */
static const char *csv_popularity(const struct result *r, int id) {
    static char field[64];
    char prefix[32];
    snprintf(prefix, sizeof prefix, "\r\n%d,p,,,,,0,", id);
    const char *at = strstr(r->text, prefix);
    if (!at)
        fail_msg("no person %d in %s", id, r->text);
    at += strlen(prefix);
    size_t n = strcspn(at, ",");
    assert_true(n < sizeof field);
    memcpy(field, at, n);
    field[n] = '\0';
    return field;
}

/* A REAL is written as the shortest text that reads back as the same
 * double (0.1, not 0.10000000000000001; 8.2, not 8.199999999999999), and
 * always as a float (7.0, not 7): in both formats. */
static void test_a_real_is_a_float_in_its_shortest_exact_text(void **state) {
    (void)state;
    const struct {
        int id;
        const char *text;
    } reals[] = {
        {1, "7.0"},    {2, "0.1"},   {3, "100.0"},
        {4, "-2.5"},   {5, "8.2"},   {6, "0.30000000000000004"},
        {7, "1e+300"}, {8, "1e-07"}, {9, "123456.789"},
    };
    struct result csv = dump("people", NULL, DUMP_CSV);
    struct result jsonl = dump("people", NULL, DUMP_JSONL);
    assert_int_equal(csv.rc, 0);
    assert_int_equal(jsonl.rc, 0);
    for (size_t i = 0; i < sizeof reals / sizeof *reals; i++) {
        assert_string_equal(csv_popularity(&csv, reals[i].id), reals[i].text);
        char json[64];
        snprintf(json, sizeof json, "\"popularity\":%s,", reals[i].text);
        if (!strstr(jsonl.text, json))
            fail_msg("no %s in %s", json, jsonl.text);
    }
    free(csv.text);
    free(jsonl.text);
}

/* An infinity (SQLite's 1e999; it has no NaN) is null in JSON, which has
 * none, and in CSV a text that reads back as it; NULL stays NULL. */
static void test_an_infinity_is_null_in_json_and_reads_back_in_csv(void **state) {
    (void)state;
    struct result csv = dump("people", NULL, DUMP_CSV);
    struct result jsonl = dump("people", NULL, DUMP_JSONL);
    assert_int_equal(csv.rc, 0);
    assert_int_equal(jsonl.rc, 0);
    const int ids[] = {10, 11};
    for (int i = 0; i < 2; i++) {
        const char *text = csv_popularity(&csv, ids[i]);
        char *end;
        double d = strtod(text, &end);
        if (*end != '\0' || !isinf(d) || (d < 0) != (i == 1))
            fail_msg("person %d: '%s'", ids[i], text);
        char json[64];
        snprintf(json, sizeof json, "{\"id\":%d,", ids[i]);
        const char *line = strstr(jsonl.text, json);
        assert_non_null(line);
        const char *value = strstr(line, "\"popularity\":");
        assert_non_null(value);
        assert_memory_equal(value, "\"popularity\":null,", strlen("\"popularity\":null,"));
    }
    assert_string_equal(csv_popularity(&csv, 12), "");
    free(csv.text);
    free(jsonl.text);
}

/* --since: nothing (or run 0) is every row; a run id the rows written
 * after it (from the next run's start); a date from its midnight UTC; a
 * UTC time from that second. Each with where to start next time. */
static void test_since_a_run_a_date_or_a_time(void **state) {
    (void)state;
    const struct {
        const char *since;
        const char *ids;
    } cases[] = {
        {NULL, "10 11 12 13 14 15 16"},
        {"", "10 11 12 13 14 15 16"},
        {"0", "10 11 12 13 14 15 16"},
        {"1", "12 13 14"},
        {"2", "14"},
        {"2026-11-23", "10 11 12 13 14 15"},
        {"2026-11-24T23:59:59Z", "11 12 13 14"},
        {"2026-11-25T00:00:01Z", "12 13 14"}, /* during run 2: from its start */
        {"2026-11-25T23:59:60Z", "14"},       /* a leap second */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct result r = dump("movies", cases[i].since, DUMP_JSONL);
        if (r.rc != 0)
            fail_msg("--since %s: %d: %s", cases[i].since, r.rc, r.said);
        if (strcmp(ids_of(&r), cases[i].ids) != 0)
            fail_msg("--since %s: %s, not %s", cases[i].since, ids_of(&r), cases[i].ids);
        assert_int_equal(r.next, 2);
        free(r.text);
    }
}

/* What is not a run id in digits, a date or a UTC time is a usage error
 * (2), said, with nothing written: a sign or a blank, which strtoll()
 * takes ("-0" would be everything), something after the digits, a time
 * without its Z or its T, an hour, minute or second out of range, a date
 * that is not one. */
static void test_since_that_is_not_a_run_or_a_time_is_a_usage_error(void **state) {
    (void)state;
    const char *bad[] = {
        "-0",
        "+1",
        " 1",
        "1x",
        "yesterday",
        "2026-11-25T03:30:00",
        "2026-11-25 03:30:00Z",
        "2026-11-25X03:30:00Z",
        "2026-11-25T03:30:00ZZ",
        "2026-11-25T03:30:00X",
        "2026-11-25T24:00:00Z",
        "2026-11-25T03:60:00Z",
        "2026-11-25T03:30:61Z",
        "2026-11-25T-1:30:00Z",
        "2026-11-25T 3:30:00Z",
        "2026-11-25T03:30:+0Z",
        "2026-13-25T03:30:00Z",
        "2026-02-30",
        "2026-11-2",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct result r = dump("movies", bad[i], DUMP_JSONL);
        if (r.rc != 2 || !strstr(r.said, "--since wants a run id, a date") || r.len != 0)
            fail_msg("--since '%s': %d, %zu bytes: %s", bad[i], r.rc, r.len, r.said);
        free(r.text);
    }
}

/* A run id that names no run is a usage error too, saying so. */
static void test_since_a_run_that_is_not_there_is_a_usage_error(void **state) {
    (void)state;
    struct result r = dump("movies", "3", DUMP_JSONL);
    if (r.rc != 2 || !strstr(r.said, "--since 3: there is no run 3") || r.len != 0)
        fail_msg("%d, %zu bytes: %s", r.rc, r.len, r.said);
    free(r.text);
}

/* A table that cannot be dumped (cli.c refuses it first) is an error,
 * naming the tables that can. */
static void test_a_table_not_dumped_is_an_error(void **state) {
    (void)state;
    struct result r = dump("meta", NULL, DUMP_JSONL);
    if (r.rc != -1 || !strstr(r.said, "no table 'meta' to dump (movies, "))
        fail_msg("%d: %s", r.rc, r.said);
    free(r.text);
}

/* dump_rows() of movies into `out`, its status and what it said. */
static int dump_into(FILE *out, char *said, size_t size) {
    struct store *s;
    char err[256];
    if (store_open_readonly(f.db, &s, err, sizeof err) != STORE_OK)
        fail_msg("store_open_readonly: %s", err);
    int64_t rows = -1, next = -1;
    capture_stderr_start(f.dir);
    int rc = dump_rows(s, "movies", NULL, DUMP_JSONL, out, &rows, &next);
    snprintf(said, size, "%s", capture_stderr_end(f.dir));
    store_close(s);
    return rc;
}

/* A full disk (/dev/full) is an error, saying why, not a dump that seems
 * whole. */
static void test_a_full_output_is_an_error(void **state) {
    (void)state;
    FILE *out = fopen("/dev/full", "w");
    assert_non_null(out);
    char said[4096];
    int rc = dump_into(out, said, sizeof said);
    fclose(out);
    if (rc != -1 || !strstr(said, "writing the dump: No space left on device"))
        fail_msg("%d: %s", rc, said);
}

/* A pipe whose reader went away (`dump | head -1`) is an error, saying
 * why. */
static void test_an_output_whose_reader_went_away_is_an_error(void **state) {
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    close(fds[0]);
    FILE *out = fdopen(fds[1], "w");
    assert_non_null(out);
    char said[4096];
    int rc = dump_into(out, said, sizeof said);
    fclose(out);
    if (rc != -1 || !strstr(said, "writing the dump: Broken pipe"))
        fail_msg("%d: %s", rc, said);
}

/* An output whose writes all fail, counting the bytes offered to it. */
static ssize_t failing_write(void *cookie, const char *buf, size_t size) {
    (void)buf;
    *(size_t *)cookie += size;
    errno = EPIPE;
    return -1;
}

/* Once a row could not be written, no other row is offered: a reader gone
 * does not make the dump read and format the rest of the table. */
static void test_the_dump_stops_at_the_first_row_not_written(void **state) {
    (void)state;
    size_t offered = 0;
    FILE *out = fopencookie(&offered, "w", (cookie_io_functions_t){.write = failing_write});
    assert_non_null(out);
    assert_int_equal(setvbuf(out, NULL, _IONBF, 0), 0); /* each byte a write */
    char said[4096];
    int rc = dump_into(out, said, sizeof said);
    fclose(out);
    assert_int_equal(rc, -1);
    struct result r = dump("movies", NULL, DUMP_JSONL);
    assert_int_equal(r.rc, 0);
    size_t first_row = (size_t)(strchr(r.text, '\n') + 1 - r.text);
    free(r.text);
    /* glibc offers again a few bytes of a failed write: less than a
     * second row, not the 7 rows' */
    if (offered == 0 || offered >= 2 * first_row)
        fail_msg("%zu bytes offered, the first row has %zu", offered, first_row);
}

/* dump_run() with stdout sent to the file `path` (or /dev/full), the
 * log as given; its exit status, stderr in *said. */
static int run_dump(const char *db, const char *since, const char *path, enum log_level level,
                    enum log_format format, const char **said) {
    log_init(level, false, format);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    assert_int_equal(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
    close(fd);
    capture_stderr_start(f.dir);
    int code = dump_run(db, "movies", since, DUMP_CSV);
    *said = capture_stderr_end(f.dir);
    fflush(stdout);
    clearerr(stdout);
    assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
    close(saved);
    log_init(LOG_WARN, false, LOG_FORMAT_TEXT);
    return code;
}

/* The command writes the rows on stdout and where to start next time on
 * stderr, also with -q (a downstream job needs it), and as an event
 * "dumped" with --log-format json. */
static void test_the_command_says_where_to_start_next_time(void **state) {
    (void)state;
    char out[160];
    snprintf(out, sizeof out, "%s/out.csv", f.dir);
    const char *said;
    int code = run_dump(f.db, "1", out, LOG_ERROR, LOG_FORMAT_TEXT, &said);
    if (code != EXIT_OK)
        fail_msg("exit %d: %s", code, said);
    assert_string_equal(said, "tmdb-ingest: dumped 3 row(s) of movies; next time: --since 2\n");
    FILE *in = fopen(out, "r");
    assert_non_null(in);
    int lines = 0;
    for (int c; (c = fgetc(in)) != EOF;)
        lines += c == '\n';
    fclose(in);
    assert_int_equal(lines, 1 + 3); /* the header and movies 12, 13, 14 */

    code = run_dump(f.db, NULL, out, LOG_WARN, LOG_FORMAT_JSON, &said);
    assert_int_equal(code, EXIT_OK);
    cJSON *event = cJSON_Parse(said);
    if (!event)
        fail_msg("not JSON: %s", said);
    const cJSON *name = cJSON_GetObjectItem(event, "event");
    const cJSON *table = cJSON_GetObjectItem(event, "table");
    const cJSON *rows = cJSON_GetObjectItem(event, "rows");
    const cJSON *next = cJSON_GetObjectItem(event, "next_since");
    if (!cJSON_IsString(name) || strcmp(name->valuestring, "dumped") != 0 ||
        !cJSON_IsString(table) || strcmp(table->valuestring, "movies") != 0 ||
        !cJSON_IsNumber(rows) || rows->valuedouble != 7 || !cJSON_IsNumber(next) ||
        next->valuedouble != 2)
        fail_msg("%s", said);
    cJSON_Delete(event);
}

/* The command's exit statuses: a database that is not there and a --since
 * that is not a run or a time are usage errors (2); an output that fails
 * is fatal (1), without the "next time" a job would take for a whole
 * dump. */
static void test_the_commands_exit_statuses(void **state) {
    (void)state;
    char out[160], missing[160];
    snprintf(out, sizeof out, "%s/out.csv", f.dir);
    snprintf(missing, sizeof missing, "%s/missing.sqlite3", f.dir);
    const char *said;
    assert_int_equal(run_dump(missing, NULL, out, LOG_WARN, LOG_FORMAT_TEXT, &said), EXIT_USAGE);
    assert_int_equal(access(missing, F_OK), -1);
    assert_int_equal(run_dump(f.db, "3", out, LOG_WARN, LOG_FORMAT_TEXT, &said), EXIT_USAGE);
    assert_int_equal(run_dump(f.db, "x", out, LOG_WARN, LOG_FORMAT_TEXT, &said), EXIT_USAGE);
    int code = run_dump(f.db, NULL, "/dev/full", LOG_WARN, LOG_FORMAT_TEXT, &said);
    if (code != EXIT_FATAL || !strstr(said, "No space left on device") || strstr(said, "next time"))
        fail_msg("exit %d: %s", code, said);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_quotes_what_needs_it_and_tells_null_from_empty),
        cmocka_unit_test(test_jsonl_is_one_typed_object_per_row),
        cmocka_unit_test(test_a_real_is_a_float_in_its_shortest_exact_text),
        cmocka_unit_test(test_an_infinity_is_null_in_json_and_reads_back_in_csv),
        cmocka_unit_test(test_since_a_run_a_date_or_a_time),
        cmocka_unit_test(test_since_that_is_not_a_run_or_a_time_is_a_usage_error),
        cmocka_unit_test(test_since_a_run_that_is_not_there_is_a_usage_error),
        cmocka_unit_test(test_a_table_not_dumped_is_an_error),
        cmocka_unit_test(test_a_full_output_is_an_error),
        cmocka_unit_test(test_an_output_whose_reader_went_away_is_an_error),
        cmocka_unit_test(test_the_dump_stops_at_the_first_row_not_written),
        cmocka_unit_test(test_the_command_says_where_to_start_next_time),
        cmocka_unit_test(test_the_commands_exit_statuses),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
