/* test_export.c - TMDB's daily id export: the file name, which day to take,
 * one line's parse, and the streaming reader over real gzip files (written
 * here with zlib into a temporary directory). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "clock.h"
#include "export.h"
#include "json.h"

/* The Makefile links this test with -Wl,--wrap=malloc: the project's own
 * calls to malloc (cJSON's, through json.c's hooks, among them) come here,
 * and the fail_malloc_at-th from when it is set (counted in malloc_calls)
 * fails; 0 never. */
static long malloc_calls, fail_malloc_at;
void *__real_malloc(size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_malloc(size_t size) {
    return fail_malloc_at && ++malloc_calls == fail_malloc_at ? NULL : __real_malloc(size);
}

/* ---- export_file_name ---- */

static void test_file_name(void **state) {
    (void)state;
    char buf[64];
    assert_int_equal(export_file_name("2026-11-25", buf, sizeof buf), 0);
    assert_string_equal(buf, "movie_ids_11_25_2026.json.gz");
    assert_int_equal(export_file_name("2024-02-29", buf, sizeof buf), 0);
    assert_string_equal(buf, "movie_ids_02_29_2024.json.gz");
    assert_int_equal(export_file_name("1999-01-09", buf, sizeof buf), 0);
    assert_string_equal(buf, "movie_ids_01_09_1999.json.gz");
}

/* Adult movies are only in adult_movie_ids_..., beside the export. */
static void test_adult_url(void **state) {
    (void)state;
    char buf[96];
    assert_int_equal(
        export_adult_url("https://files.tmdb.org/p/exports/movie_ids_11_25_2026.json.gz", buf,
                         sizeof buf),
        0);
    assert_string_equal(buf, "https://files.tmdb.org/p/exports/adult_movie_ids_11_25_2026.json.gz");
    assert_int_equal(export_adult_url("http://h/", buf, sizeof buf), -1);
    assert_int_equal(export_adult_url("no-slash", buf, sizeof buf), -1);
    assert_int_equal(export_adult_url("http://h/movie_ids_11_25_2026.json.gz", buf, 20), -1);
    /* a buffer one byte short (no room for the NUL) is too small; exact fits */
    const char want[] = "http://h/adult_movie_ids_11_25_2026.json.gz";
    assert_int_equal(
        export_adult_url("http://h/movie_ids_11_25_2026.json.gz", buf, sizeof want - 1), -1);
    assert_int_equal(export_adult_url("http://h/movie_ids_11_25_2026.json.gz", buf, sizeof want),
                     0);
    assert_string_equal(buf, want);
}

static void test_day_of_name(void **state) {
    (void)state;
    long day, want;
    assert_int_equal(export_day_of_name("/data/movie_ids_11_25_2026.json.gz", &day), 0);
    assert_int_equal(clock_parse_date("2026-11-25", &want), 0);
    assert_int_equal(day, want);
    assert_int_equal(export_day_of_name("movie_ids_02_29_2024.json.gz", &day), 0);
    assert_int_equal(export_day_of_name("movie_ids_02_30_2024.json.gz", &day), -1);
    assert_int_equal(export_day_of_name("movie_ids_11_25_2026.json", &day), -1);
    assert_int_equal(export_day_of_name("tv_series_ids_11_25_2026.json.gz", &day), -1);
    assert_int_equal(export_day_of_name("/tmp/export.gz", &day), -1);
}

static void test_file_name_rejects_bad_dates(void **state) {
    (void)state;
    const char *bad[] = {"2026-13-01", "2026-11-31",  "2025-02-29", "2026-00-10", "26-11-25",
                         "2026/11/25", "2026-11-25x", "2026-1-25",  "",           "11_25_2026"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char buf[64] = "untouched";
        if (export_file_name(bad[i], buf, sizeof buf) != -1)
            fail_msg("'%s' was accepted as a date", bad[i]);
        assert_string_equal(buf, "untouched");
    }
}

static void test_file_name_small_buffer(void **state) {
    (void)state;
    const size_t need = sizeof "movie_ids_11_25_2026.json.gz"; /* with the NUL */
    char buf[64];
    memset(buf, 'Z', sizeof buf);
    assert_int_equal(export_file_name("2026-11-25", buf, need - 1), -1);
    for (size_t i = need - 1; i < sizeof buf; i++)
        assert_int_equal(buf[i], 'Z');
    assert_int_equal(export_file_name("2026-11-25", buf, 0), -1);
    assert_int_equal(export_file_name("2026-11-25", buf, need), 0);
    assert_string_equal(buf, "movie_ids_11_25_2026.json.gz");
}

/* ---- export_default_day ---- */

static long day_of(const char *date) {
    long day;
    assert_int_equal(clock_parse_date(date, &day), 0);
    return day;
}

static void test_default_day_switches_at_0800_utc(void **state) {
    (void)state;
    long d = day_of("2026-11-25");
    long long midnight = (long long)d * 86400;
    assert_int_equal(export_default_day(midnight), d - 1);
    assert_int_equal(export_default_day(midnight + 8 * 3600 - 1), d - 1);
    assert_int_equal(export_default_day(midnight + 8 * 3600), d);
    assert_int_equal(export_default_day(midnight + 86399), d);
    assert_int_equal(export_default_day(midnight + 86400), d); /* next midnight: still today's */
}

static void test_default_day_across_month_year_and_epoch(void **state) {
    (void)state;
    /* 07:59:59 on New Year's Day and on 1 March of a leap year: the day before */
    assert_int_equal(export_default_day((long long)day_of("2027-01-01") * 86400 + 28799),
                     day_of("2026-12-31"));
    assert_int_equal(export_default_day((long long)day_of("2024-03-01") * 86400 + 3600),
                     day_of("2024-02-29"));
    /* around the epoch and before it (negative times) */
    assert_int_equal(export_default_day(0), -1);
    assert_int_equal(export_default_day(8 * 3600), 0);
    assert_int_equal(export_default_day(-1), -1);            /* 1969-12-31 23:59:59 */
    assert_int_equal(export_default_day(-86400 + 3600), -2); /* 1969-12-31 01:00 */
}

/* ---- export_parse_line ---- */

static int parse(const char *line, struct export_entry *e, char *reason, size_t reason_size) {
    return export_parse_line(line, strlen(line), e, reason, reason_size);
}

static void test_parse_real_line(void **state) {
    (void)state;
    struct export_entry e;
    char reason[128] = "";
    assert_int_equal(parse("{\"adult\":false,\"id\":3924,\"original_title\":\"Blondie\","
                           "\"popularity\":2.7,\"video\":false}",
                           &e, reason, sizeof reason),
                     0);
    assert_int_equal(e.id, 3924);
    assert_false(e.adult);
    assert_false(e.video);
    assert_float_equal(e.popularity, 2.7, 1e-12);
    assert_int_equal(parse("{\"adult\":true,\"id\":7,\"original_title\":\"\\u00c9t\\u00e9\","
                           "\"popularity\":0.6,\"video\":true}",
                           &e, reason, sizeof reason),
                     0);
    assert_int_equal(e.id, 7);
    assert_true(e.adult);
    assert_true(e.video);
}

static void test_parse_optional_fields(void **state) {
    (void)state;
    struct export_entry e;
    char reason[128];
    /* adult and video absent: false */
    assert_int_equal(parse("{\"id\":11,\"popularity\":1.5}", &e, reason, sizeof reason), 0);
    assert_false(e.adult);
    assert_false(e.video);
    /* popularity null, absent, a whole number */
    assert_int_equal(parse("{\"id\":11,\"popularity\":null}", &e, reason, sizeof reason), 0);
    assert_true(e.popularity == 0.0);
    assert_int_equal(parse("{\"id\":11}", &e, reason, sizeof reason), 0);
    assert_true(e.popularity == 0.0);
    assert_int_equal(parse("{\"id\":11,\"popularity\":12}", &e, reason, sizeof reason), 0);
    assert_true(e.popularity == 12.0);
    /* JSON allows white space around the object */
    assert_int_equal(parse(" \t{\"id\":11} ", &e, reason, sizeof reason), 0);
    assert_int_equal(e.id, 11);
}

/* Lines export_parse_line must refuse, and a word its reason must hold. */
static const struct {
    const char *line, *reason;
} rejected_lines[] = {
    {"{\"id\":0}", "id"},
    {"{\"id\":-5}", "id"},
    {"{\"id\":1.5}", "id"},
    {"{\"id\":\"550\"}", "id"},
    {"{\"id\":null}", "id"},
    {"{\"adult\":false}", "id"},
    {"{\"id\":9007199254740994}", "id"}, /* 2^53 + 2 */
    {"{\"id\":1e300}", "id"},
    {"{\"id\":3,\"adult\":\"false\"}", "boolean"},
    {"{\"id\":3,\"video\":0}", "boolean"},
    {"{\"id\":3,\"popularity\":\"2.7\"}", "popularity"},
    {"{\"id\":3,\"popularity\":[1]}", "popularity"},
    {"[{\"id\":3}]", "object"},
    {"3924", "object"},
    {"\"x\"", "object"},
    {"null", "object"},
    {"{\"id\":3", "object"},
    {"not json", "object"},
};

static void test_parse_rejections(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof rejected_lines / sizeof *rejected_lines; i++) {
        struct export_entry e;
        char reason[128] = "";
        if (parse(rejected_lines[i].line, &e, reason, sizeof reason) != -1)
            fail_msg("'%s' was accepted (id %lld)", rejected_lines[i].line, (long long)e.id);
        if (!strstr(reason, rejected_lines[i].reason))
            fail_msg("'%s': reason '%s' does not mention '%s'", rejected_lines[i].line, reason,
                     rejected_lines[i].reason);
    }
}

/* Beyond 2^53 a double no longer tells neighbouring integers apart:
 * 2^53 + 1 parses to the same double as 2^53; from 2^52 on every double is
 * whole, so 2^52 + 1.5 parses to an integer. Such an id is not exact and
 * must be refused, not rounded to another movie's id. */
static void test_parse_rejects_id_that_rounds(void **state) {
    (void)state;
    struct export_entry e;
    char reason[128] = "";
    assert_int_equal(parse("{\"id\":4503599627370495}", &e, reason, sizeof reason), 0);
    assert_int_equal(e.id, INT64_C(4503599627370495)); /* 2^52 - 1: exact */
    static const char *const rounded[] = {"{\"id\":9007199254740993}", "{\"id\":9007199254740992}",
                                          "{\"id\":4503599627370497.5}"};
    for (size_t i = 0; i < sizeof rounded / sizeof *rounded; i++)
        if (parse(rounded[i], &e, reason, sizeof reason) == 0)
            fail_msg("%s was accepted as %lld", rounded[i], (long long)e.id);
}

/* One JSON object per line: anything after it means the line is not what
 * it should be (two lines whose newline was lost, say) and must not pass as
 * its first object, or the second movie is silently lost. */
static void test_parse_rejects_trailing_garbage(void **state) {
    (void)state;
    const char *lines[] = {"{\"id\":1}{\"id\":2}", "{\"id\":1} x", "{\"id\":1},", "{\"id\":1}]"};
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        struct export_entry e;
        char reason[128] = "";
        if (parse(lines[i], &e, reason, sizeof reason) != -1)
            fail_msg("'%s' was accepted as id %lld", lines[i], (long long)e.id);
    }
}

static void test_parse_reads_only_len_bytes(void **state) {
    (void)state;
    /* the reader hands over a slice of its buffer, not a C string */
    const char buf[] = "{\"id\":12}{\"id\":34}";
    struct export_entry e;
    char reason[128];
    assert_int_equal(export_parse_line(buf, 9, &e, reason, sizeof reason), 0);
    assert_int_equal(e.id, 12);
    assert_int_equal(export_parse_line(buf, 0, &e, reason, sizeof reason), -1);
}

/* Out of memory at each allocation of a line's parse, one at a time, is
 * -2 and says so: before, cJSON's NULL read as "not a JSON object", the
 * line was skipped as a bad one and the run ended partial (exit 3), as
 * for a corrupt export. */
static void test_parse_out_of_memory_is_not_a_bad_line(void **state) {
    (void)state;
    json_global_init(); /* cJSON's allocations through malloc, seen */
    const char line[] = "{\"adult\":false,\"id\":3924,\"original_title\":\"Blondie\","
                        "\"popularity\":2.7,\"video\":false}";
    struct export_entry e;
    char reason[128];
    int failed = 0;
    for (long n = 1;; n++) {
        malloc_calls = 0;
        fail_malloc_at = n;
        int rc = parse(line, &e, reason, sizeof reason);
        fail_malloc_at = 0;
        if (rc == 0 && malloc_calls < n)
            break; /* the parse needs fewer allocations: all were failed */
        failed++;
        if (rc != -2 || strcmp(reason, "out of memory") != 0)
            fail_msg("allocation %ld failed: %d, %s", n, rc, reason);
    }
    assert_true(failed > 0);
    assert_int_equal(parse(line, &e, reason, sizeof reason), 0);
    assert_int_equal(e.id, 3924);
}

static void test_parse_reason_never_holds_the_line(void **state) {
    (void)state;
    const char *lines[] = {"SECRET-xyz", "{\"id\":\"SECRET-xyz\"}",
                           "{\"id\":1,\"adult\":\"SECRET-xyz\"}",
                           "{\"id\":1,\"popularity\":\"SECRET-xyz\"}"};
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        struct export_entry e;
        char reason[256];
        memset(reason, 'Q', sizeof reason);
        assert_int_equal(parse(lines[i], &e, reason, sizeof reason), -1);
        assert_non_null(memchr(reason, '\0', sizeof reason));
        assert_true(strlen(reason) > 0);
        assert_null(strstr(reason, "SECRET"));
        /* a small reason buffer is cut, still terminated */
        char small[6];
        memset(small, 'Q', sizeof small);
        assert_int_equal(parse(lines[i], &e, small, sizeof small), -1);
        assert_int_equal(small[sizeof small - 1], '\0');
    }
}

/* ---- export_reader over gzip files ---- */

struct tmp {
    char dir[64];
    char path[128];
};

static int make_tmp(void **state) {
    struct tmp *t = calloc(1, sizeof *t);
    if (!t)
        return -1;
    snprintf(t->dir, sizeof t->dir, "/tmp/test_export.XXXXXX");
    if (!mkdtemp(t->dir)) {
        free(t);
        return -1;
    }
    snprintf(t->path, sizeof t->path, "%s/movie_ids.json.gz", t->dir);
    *state = t;
    return 0;
}

static int remove_tmp(void **state) {
    struct tmp *t = *state;
    unlink(t->path);
    rmdir(t->dir);
    free(t);
    return 0;
}

static void write_gzip(const char *path, const char *data, size_t len) {
    gzFile gz = gzopen(path, "wb");
    assert_non_null(gz);
    size_t done = 0;
    while (done < len) { /* gzwrite takes an unsigned length */
        unsigned n = (unsigned)(len - done > (1u << 20) ? 1u << 20 : len - done);
        assert_int_equal(gzwrite(gz, data + done, n), (int)n);
        done += n;
    }
    assert_int_equal(gzclose(gz), Z_OK);
}

static void write_plain(const char *path, const char *data, size_t len) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
}

static off_t file_size(const char *path) {
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_size;
}

/* What one export_reader_next() call gave. */
struct step {
    enum export_next kind;
    int64_t id;
    long line;
    char reason[128];
};

/* Read `path` to EXPORT_END or EXPORT_ERROR (at most `max` steps) into
 * steps; returns how many. */
static size_t read_steps(const char *path, struct step *steps, size_t max) {
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    struct export_reader *r = export_reader_open(fd);
    assert_non_null(r);
    size_t n = 0;
    while (n < max) {
        struct export_entry e = {0};
        struct step *s = &steps[n++];
        s->reason[0] = '\0';
        s->kind = export_reader_next(r, &e, s->reason, sizeof s->reason);
        s->id = s->kind == EXPORT_ENTRY ? e.id : 0;
        s->line = export_reader_line(r);
        if (s->kind == EXPORT_END || s->kind == EXPORT_ERROR)
            break;
    }
    export_reader_close(r);
    return n;
}

static void assert_entry(const struct step *s, int64_t id, long line) {
    if (s->kind != EXPORT_ENTRY || s->id != id || s->line != line)
        fail_msg("wanted id %lld on line %ld, got kind %d id %lld line %ld (%s)", (long long)id,
                 line, s->kind, (long long)s->id, s->line, s->reason);
}

/* `path` reads as ids 1 to n, id i on line i, then its end. */
static void assert_reads_ids_1_to(const char *path, long n) {
    struct step *steps = calloc((size_t)n + 2, sizeof *steps);
    assert_non_null(steps);
    size_t got = read_steps(path, steps, (size_t)n + 2);
    assert_int_equal(got, n + 1);
    for (long i = 0; i < n; i++)
        assert_entry(&steps[i], i + 1, i + 1);
    assert_int_equal(steps[n].kind, EXPORT_END);
    free(steps);
}

static void assert_bad_line(const struct step *s, long line, const char *reason) {
    if (s->kind != EXPORT_BAD_LINE || s->line != line || !strstr(s->reason, reason))
        fail_msg("wanted a bad line %ld ('%s'), got kind %d id %lld line %ld (%s)", line, reason,
                 s->kind, (long long)s->id, s->line, s->reason);
}

/* What a whole reading must give, step by step (reason: a word it holds). */
struct want {
    enum export_next kind;
    int64_t id;
    long line;
    const char *reason;
};

static struct want want_entry(int64_t id, long line) {
    return (struct want){EXPORT_ENTRY, id, line, ""};
}

static struct want want_bad(long line, const char *reason) {
    return (struct want){EXPORT_BAD_LINE, 0, line, reason};
}

static struct want want_end(long line) {
    return (struct want){EXPORT_END, 0, line, ""};
}

static void assert_reads(const char *path, const struct want *want, size_t n_want) {
    struct step got[16];
    assert_true(n_want < sizeof got / sizeof *got);
    size_t n = read_steps(path, got, n_want + 1);
    for (size_t i = 0; i < n_want && i < n; i++) {
        if (got[i].kind != want[i].kind || got[i].id != want[i].id || got[i].line != want[i].line ||
            !strstr(got[i].reason, want[i].reason))
            fail_msg("step %zu: wanted kind %d id %lld line %ld ('%s'), got kind %d id %lld "
                     "line %ld ('%s')",
                     i, want[i].kind, (long long)want[i].id, want[i].line, want[i].reason,
                     got[i].kind, (long long)got[i].id, got[i].line, got[i].reason);
    }
    if (n != n_want)
        fail_msg("wanted %zu steps, got %zu", n_want, n);
}

/* A line as TMDB writes it, of varying length so that lines fall across
 * the reader's chunk boundaries at every offset. */
static size_t format_line(char *out, size_t size, long id) {
    int n = snprintf(out, size,
                     "{\"adult\":false,\"id\":%ld,\"original_title\":\"%.*s\","
                     "\"popularity\":%ld.5,\"video\":false}\n",
                     id, (int)(id % 61),
                     "Lorem ipsum dolor sit amet, consectetur adipiscing elit, "
                     "sed do eiusmod",
                     id % 100);
    return (size_t)n;
}

/* Lines 1..n as TMDB writes them into a new buffer; *len is its length. */
static char *tmdb_lines(long n, size_t *len) {
    size_t cap = (size_t)n * 160 + 1;
    char *data = malloc(cap);
    assert_non_null(data);
    *len = 0;
    for (long id = 1; id <= n; id++)
        *len += format_line(data + *len, cap - *len, id);
    return data;
}

static void test_reader_many_lines_across_chunks(void **state) {
    struct tmp *t = *state;
    const long n = 30000; /* about 3 MB: some 45 chunks of 64 KiB */
    size_t len;
    char *data = tmdb_lines(n, &len);
    assert_true(len > 40 * 65536);
    write_gzip(t->path, data, len);
    free(data);
    assert_reads_ids_1_to(t->path, n);
}

static void test_reader_crlf_blank_lines_and_no_final_newline(void **state) {
    struct tmp *t = *state;
    const char data[] = "\n"
                        "{\"id\":1,\"popularity\":1.0}\r\n"
                        "\r\n"
                        "\n"
                        "{\"id\":2}\r\n"
                        "{\"id\":3}";
    write_gzip(t->path, data, sizeof data - 1);
    const struct want want[] = {want_entry(1, 2), want_entry(2, 5), want_entry(3, 6), want_end(6)};
    assert_reads(t->path, want, sizeof want / sizeof *want);
}

/* export_check_whole(): gzip read to its end from an offset; a file cut
 * short, or a part that is not gzip (an error page sent with 200: zlib
 * would read it as text, or skip it after a first member), is refused. */
static void test_check_whole(void **state) {
    struct tmp *t = *state;
    const char data[] = "{\"id\":1}\n{\"id\":2}\n";
    write_gzip(t->path, data, sizeof data - 1);
    int fd = open(t->path, O_RDWR);
    assert_true(fd >= 0);
    char reason[96];
    assert_int_equal(export_check_whole(fd, 0, reason, sizeof reason), 0);
    off_t whole = lseek(fd, 0, SEEK_END);
    assert_int_equal(lseek(fd, 0, SEEK_CUR), whole);
    assert_int_equal(write(fd, "<html>", 6), 6); /* a second "member" that is not gzip */
    assert_int_equal(export_check_whole(fd, whole, reason, sizeof reason), -1);
    assert_string_equal(reason, "not a gzip file");
    assert_int_equal(lseek(fd, 0, SEEK_CUR), 0);
    assert_int_equal(ftruncate(fd, whole - 5), 0); /* cut short */
    assert_int_equal(export_check_whole(fd, 0, reason, sizeof reason), -1);
    assert_non_null(strstr(reason, "truncated"));
    close(fd);
}

/* ---- bytes after the gzip data ---- */

/* One gzip member of `text` appended to buf at *len. */
static void append_member(unsigned char *buf, size_t cap, size_t *len, const char *text) {
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)text;
    z.avail_in = (uInt)strlen(text);
    z.next_out = buf + *len;
    z.avail_out = (uInt)(cap - *len);
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    *len += z.total_out;
    deflateEnd(&z);
}

static void append_bytes(unsigned char *buf, size_t cap, size_t *len, const void *bytes, size_t n) {
    assert_true(*len + n <= cap);
    memcpy(buf + *len, bytes, n);
    *len += n;
}

/* What download_day() writes with --include-adult: the main export, a
 * member of one newline, the adult export; `pad` NUL bytes after the main
 * export's gzip data (0: none). *adult_at is where the adult part starts;
 * the main export's gzip data ends at *main_end, when not NULL. */
static size_t main_and_adult(unsigned char *buf, size_t cap, size_t pad, off_t *adult_at,
                             size_t *main_end) {
    static const unsigned char zeros[64];
    size_t len = 0;
    assert_true(pad <= sizeof zeros);
    append_member(buf, cap, &len, "{\"adult\":false,\"id\":1}\n{\"adult\":false,\"id\":2}\n");
    if (main_end)
        *main_end = len;
    append_bytes(buf, cap, &len, zeros, pad);
    append_member(buf, cap, &len, "\n");
    *adult_at = (off_t)len;
    append_member(buf, cap, &len, "{\"adult\":true,\"id\":3}\n{\"adult\":true,\"id\":4}\n");
    return len;
}

/* zlib's gzread() stops quietly at bytes after a member that do not start
 * another (NUL padding): a main export so padded looked whole to the check,
 * and the reader then ended cleanly before the adult export, whose movies
 * were all marked deleted. Refused now, by the check and by the reader;
 * members one after the other are still whole. */
static void test_check_whole_refuses_bytes_after_the_gzip_data(void **state) {
    struct tmp *t = *state;
    unsigned char buf[1024];
    off_t adult_at;
    char reason[160];
    size_t main_len;
    size_t len = main_and_adult(buf, sizeof buf, 8, &adult_at, &main_len);
    write_plain(t->path, (const char *)buf, len);
    int fd = open(t->path, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(export_check_whole(fd, 0, reason, sizeof reason), -1);
    if (!strstr(reason, "bytes after the gzip data: not a gzip file as TMDB publishes it"))
        fail_msg("reason \"%s\"", reason);
    assert_int_equal(lseek(fd, 0, SEEK_CUR), 0);
    /* the main export alone, as download_into() checks it: the padding
     * counted */
    assert_int_equal(ftruncate(fd, (off_t)(main_len + 8)), 0);
    assert_int_equal(export_check_whole(fd, 0, reason, sizeof reason), -1);
    assert_string_equal(reason,
                        "8 bytes after the gzip data: not a gzip file as TMDB publishes it");
    /* one byte after it, which could start a member (gzip's magic is 2) */
    assert_int_equal(ftruncate(fd, (off_t)main_len), 0);
    assert_int_equal(pwrite(fd, "\x1f", 1, (off_t)main_len), 1);
    assert_int_equal(export_check_whole(fd, 0, reason, sizeof reason), -1);
    assert_string_equal(reason, "1 byte after the gzip data: not a gzip file as TMDB publishes it");
    /* gzip's magic, then not a member */
    assert_int_equal(pwrite(fd, "\x1f\x8bjunkjunkjunk", 14, (off_t)main_len), 14);
    assert_int_equal(export_check_whole(fd, 0, reason, sizeof reason), -1);
    close(fd);

    /* the adult part checked from its offset: padding after it too */
    len = main_and_adult(buf, sizeof buf, 0, &adult_at, NULL);
    append_bytes(buf, sizeof buf, &len, "\0\0\0", 3);
    write_plain(t->path, (const char *)buf, len);
    fd = open(t->path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(export_check_whole(fd, adult_at, reason, sizeof reason), -1);
    assert_string_equal(reason,
                        "3 bytes after the gzip data: not a gzip file as TMDB publishes it");
    close(fd);

    /* whole without the padding, from 0 and from the adult part */
    len = main_and_adult(buf, sizeof buf, 0, &adult_at, NULL);
    write_plain(t->path, (const char *)buf, len);
    fd = open(t->path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(export_check_whole(fd, 0, reason, sizeof reason), 0);
    assert_int_equal(lseek(fd, 0, SEEK_CUR), 0);
    assert_int_equal(export_check_whole(fd, adult_at, reason, sizeof reason), 0);
    assert_int_equal(lseek(fd, 0, SEEK_CUR), 0);
    close(fd);
}

/* The reader does not end cleanly there either (a --file is read without
 * the check): an error after the entries before the padding. */
static void test_reader_refuses_bytes_after_the_gzip_data(void **state) {
    struct tmp *t = *state;
    unsigned char buf[1024];
    off_t adult_at;
    size_t len = main_and_adult(buf, sizeof buf, 8, &adult_at, NULL);
    write_plain(t->path, (const char *)buf, len);
    const struct want padded[] = {
        want_entry(1, 1),
        want_entry(2, 2),
        {EXPORT_ERROR, 0, 2, "bytes after the gzip data: not a gzip file as TMDB publishes it"}};
    assert_reads(t->path, padded, sizeof padded / sizeof *padded);
    len = main_and_adult(buf, sizeof buf, 0, &adult_at, NULL);
    write_plain(t->path, (const char *)buf, len);
    const struct want whole[] = {want_entry(1, 1), want_entry(2, 2), want_entry(3, 4),
                                 want_entry(4, 5), want_end(5)};
    assert_reads(t->path, whole, sizeof whole / sizeof *whole);
}

/* ---- the bound on inflation (a gzip bomb) ---- */

/* max(64 MiB, 100 times the compressed size), without overflowing. */
static void test_inflate_limit(void **state) {
    (void)state;
    const uint64_t mib = (uint64_t)1 << 20;
    assert_true(export_inflate_limit(0) == EXPORT_INFLATE_FLOOR);
    assert_true(export_inflate_limit(465) == EXPORT_INFLATE_FLOOR); /* 20 lines */
    assert_true(export_inflate_limit(EXPORT_INFLATE_FLOOR / EXPORT_INFLATE_RATIO) ==
                EXPORT_INFLATE_FLOOR);
    /* TMDB's 26 MiB export (about 100 MiB inflated) may inflate to 2600 MiB */
    assert_true(export_inflate_limit(26 * mib) == 2600 * mib);
    assert_true(export_inflate_limit(UINT64_MAX / 2) == UINT64_MAX);
}

/* `head`, then `mib` MiB of `fill` (no newline in it but what fill is),
 * gzipped at level 9: about 1 KiB a MiB. */
static void write_bomb(const char *path, const char *head, char fill, unsigned mib) {
    gzFile gz = gzopen(path, "wb9");
    assert_non_null(gz);
    assert_int_equal(gzputs(gz, head), (int)strlen(head));
    char *block = malloc(1 << 20);
    assert_non_null(block);
    memset(block, fill, 1 << 20);
    for (unsigned i = 0; i < mib; i++)
        assert_int_equal(gzwrite(gz, block, 1u << 20), 1 << 20);
    free(block);
    assert_int_equal(gzclose(gz), Z_OK);
}

/* A small file that inflates to far more than an export does (empty lines,
 * or one endless line, that used to be read for hours) is an error once
 * past the bound, which the reason names; the entries before it are
 * read. */
static void test_reader_refuses_a_bomb(void **state) {
    struct tmp *t = *state;
    const char fills[] = {'\n', 'x'};
    for (size_t i = 0; i < sizeof fills; i++) {
        write_bomb(t->path, "{\"id\":550}\n", fills[i], 80);
        assert_true(file_size(t->path) < 1 << 20);
        struct step s[4];
        size_t n = read_steps(t->path, s, 4);
        assert_int_equal(n, 2);
        assert_int_equal(s[0].kind, EXPORT_ENTRY);
        assert_int_equal(s[0].id, 550);
        assert_int_equal(s[1].kind, EXPORT_ERROR);
        if (!strstr(s[1].reason, "inflates to more than 64.0 MiB (100 times its "))
            fail_msg("fill %d: reason \"%s\"", fills[i], s[1].reason);
    }
}

/* The download's check refuses a bomb the same way (-4: not retried), and
 * leaves fd at 0. */
static void test_check_whole_refuses_a_bomb(void **state) {
    struct tmp *t = *state;
    write_bomb(t->path, "{\"id\":550}\n", '\n', 80);
    int fd = open(t->path, O_RDONLY);
    assert_true(fd >= 0);
    char reason[160];
    assert_int_equal(export_check_whole(fd, 0, reason, sizeof reason), -4);
    if (!strstr(reason, "inflates to more than 64.0 MiB"))
        fail_msg("reason \"%s\"", reason);
    assert_int_equal(lseek(fd, 0, SEEK_CUR), 0);
    close(fd);
    /* just under the floor: whole */
    write_bomb(t->path, "{\"id\":550}\n", '\n', 63);
    fd = open(t->path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(export_check_whole(fd, 0, reason, sizeof reason), 0);
    close(fd);
}

/* A title cut in the middle of an emoji (a lone surrogate escape) is not a
 * bad line: cJSON refused it, and a bad line holds back an export's
 * deletions. */
static void test_reader_repairs_lone_surrogates(void **state) {
    struct tmp *t = *state;
    const char data[] = "{\"id\":1,\"original_title\":\"cut \\ud83c\"}\n"
                        "{\"id\":2,\"original_title\":\"\\udfac\\u0000\"}\n";
    write_gzip(t->path, data, sizeof data - 1);
    const struct want want[] = {want_entry(1, 1), want_entry(2, 2), want_end(2)};
    assert_reads(t->path, want, sizeof want / sizeof *want);
}

/* Regression (found by fuzz_export_line): at the end of the file the reader
 * moves what is left of a last line without a newline to the buffer's start;
 * when that line was longer than what came before it, the old copy overlapped
 * and the line was parsed from bytes already overwritten. */
static void test_reader_last_line_longer_than_what_came_before(void **state) {
    struct tmp *t = *state;
    const char data[] = "{\"id\":1}\n{\"id\":2,\"original_title\":\"long enough to overlap\"}";
    write_plain(t->path, data, sizeof data - 1);
    const struct want want[] = {want_entry(1, 1), want_entry(2, 2), want_end(2)};
    assert_reads(t->path, want, sizeof want / sizeof *want);
}

static void test_reader_bad_line_then_more(void **state) {
    struct tmp *t = *state;
    const char data[] = "{\"id\":1}\n{\"id\":\"x\"}\nnot json\n{\"id\":4}\n";
    write_gzip(t->path, data, sizeof data - 1);
    const struct want want[] = {want_entry(1, 1), want_bad(2, "id"), want_bad(3, "object"),
                                want_entry(4, 4), want_end(4)};
    assert_reads(t->path, want, sizeof want / sizeof *want);
}

/* `prefix` short lines' worth of bytes, then one line of `line_len` bytes
 * (valid JSON: padding in original_title), then {"id":777}. */
static char *with_long_line(size_t prefix, size_t line_len, size_t *len) {
    char *data = malloc(prefix + line_len + 64);
    assert_non_null(data);
    /* prefix: lines of {"id":N} padded with spaces to 64 bytes */
    size_t at = 0;
    long id = 1;
    while (at < prefix) {
        size_t chunk = prefix - at >= 64 ? 64 : prefix - at;
        assert_true(chunk >= 16); /* prefix is a multiple of 64 or leaves room */
        int n = snprintf(data + at, 20, "{\"id\":%ld}", id++);
        memset(data + at + n, ' ', chunk - (size_t)n - 1);
        data[at + chunk - 1] = '\n';
        at += chunk;
    }
    const char head[] = "{\"id\":555,\"original_title\":\"";
    const char tail[] = "\"}";
    assert_true(line_len > sizeof head + sizeof tail);
    memcpy(data + at, head, sizeof head - 1);
    memset(data + at + sizeof head - 1, 'x', line_len - (sizeof head - 1) - (sizeof tail - 1));
    memcpy(data + at + line_len - (sizeof tail - 1), tail, sizeof tail - 1);
    at += line_len;
    at += (size_t)sprintf(data + at, "\n{\"id\":777}\n");
    *len = at;
    return data;
}

/* Reads a file of `prefix` bytes of short lines, a long line, {"id":777}:
 * returns the step of the long line; the next must be id 777. */
static struct step read_long_line(struct tmp *t, size_t prefix, size_t line_len) {
    size_t len;
    char *data = with_long_line(prefix, line_len, &len);
    write_gzip(t->path, data, len);
    free(data);
    const long long_line = (long)(prefix / 64) + 1;
    struct step *s = calloc((size_t)long_line + 3, sizeof *s);
    assert_non_null(s);
    size_t n = read_steps(t->path, s, (size_t)long_line + 3);
    assert_int_equal(n, long_line + 2);
    for (long i = 0; i + 1 < long_line; i++)
        assert_entry(&s[i], i + 1, i + 1);
    assert_entry(&s[long_line], 777, long_line + 1);
    assert_int_equal(s[long_line + 1].kind, EXPORT_END);
    struct step got = s[long_line - 1];
    free(s);
    return got;
}

static void test_reader_over_long_line_is_skipped(void **state) {
    /* 200 000 bytes: longer than the reader's whole buffer */
    struct step s = read_long_line(*state, 64 * 10, 200000);
    assert_bad_line(&s, 11, "longer than 4096");
    /* 6 000 bytes across the 64 KiB mark, starting 1 KiB before it */
    s = read_long_line(*state, 65536 - 1024, 6000);
    assert_bad_line(&s, (65536 - 1024) / 64 + 1, "longer than 4096");
}

/* The limit holds wherever the line falls, also when the whole over-long
 * line happens to sit in the reader's buffer (here: at the start). */
static void test_reader_over_long_line_in_one_buffer_is_skipped(void **state) {
    struct step s = read_long_line(*state, 64 * 10, EXPORT_MAX_LINE + 1000);
    assert_bad_line(&s, 11, "longer than 4096");
    s = read_long_line(*state, 0, EXPORT_MAX_LINE + 1);
    assert_bad_line(&s, 1, "longer than 4096");
}

/* EXPORT_MAX_LINE is "the longest line accepted", wherever it falls:
 * at the start, and ending exactly at the end of the reader's first fill
 * (64 KiB + EXPORT_MAX_LINE bytes), its newline the first byte of the next. */
static void test_reader_line_of_max_length_is_accepted(void **state) {
    struct step s = read_long_line(*state, 0, EXPORT_MAX_LINE);
    assert_entry(&s, 555, 1);
    s = read_long_line(*state, 65536, EXPORT_MAX_LINE);
    assert_entry(&s, 555, 65536 / 64 + 1);
}

/* An over-long last line without a newline is reported too, not dropped
 * silently: the export would then look whole (no bad line) without it. */
static void test_reader_over_long_last_line_is_reported(void **state) {
    struct tmp *t = *state;
    const size_t len = 9 + EXPORT_MAX_LINE + 100;
    char *data = malloc(len);
    assert_non_null(data);
    memcpy(data, "{\"id\":1}\n", 9);
    memset(data + 9, 'x', len - 9);
    write_gzip(t->path, data, len);
    free(data);
    const struct want want[] = {want_entry(1, 1), want_bad(2, "longer than 4096"), want_end(2)};
    assert_reads(t->path, want, sizeof want / sizeof *want);
}

static void test_reader_truncated_gzip(void **state) {
    struct tmp *t = *state;
    const long n = 30000;
    size_t len;
    char *data = tmdb_lines(n, &len);
    write_gzip(t->path, data, len);
    free(data);
    assert_int_equal(truncate(t->path, file_size(t->path) / 2), 0);
    struct step *steps = calloc((size_t)n + 1, sizeof *steps);
    assert_non_null(steps);
    size_t got = read_steps(t->path, steps, (size_t)n + 1);
    /* the entries before the cut, in order, then the error */
    assert_true(got > 1000 && got < (size_t)n);
    for (size_t i = 0; i + 1 < got; i++)
        assert_entry(&steps[i], (int64_t)i + 1, (long)i + 1);
    assert_int_equal(steps[got - 1].kind, EXPORT_ERROR);
    assert_non_null(strstr(steps[got - 1].reason, "truncated"));
    free(steps);
}

static void test_reader_truncated_small_gzip_and_missing_trailer(void **state) {
    struct tmp *t = *state;
    const char data[] = "{\"id\":1}\n{\"id\":2}\n";
    write_gzip(t->path, data, sizeof data - 1);
    off_t full = file_size(t->path);
    /* only the 8-byte trailer (CRC and length) missing */
    assert_int_equal(truncate(t->path, full - 8), 0);
    struct step s[4];
    size_t n = read_steps(t->path, s, 4);
    assert_int_equal(s[n - 1].kind, EXPORT_ERROR);
    assert_non_null(strstr(s[n - 1].reason, "truncated"));
    /* only the 10-byte gzip header */
    write_gzip(t->path, data, sizeof data - 1);
    assert_int_equal(truncate(t->path, 10), 0);
    n = read_steps(t->path, s, 4);
    assert_int_equal(n, 1);
    assert_int_equal(s[0].kind, EXPORT_ERROR);
    assert_non_null(strstr(s[0].reason, "truncated"));
    /* only gzip's 2-byte magic: a gzip file cut short, not text */
    write_plain(t->path, "\x1f\x8b", 2);
    n = read_steps(t->path, s, 4);
    assert_int_equal(n, 1);
    assert_int_equal(s[0].kind, EXPORT_ERROR);
    assert_non_null(strstr(s[0].reason, "truncated"));
}

static void test_reader_corrupt_gzip(void **state) {
    struct tmp *t = *state;
    const char data[] = "{\"id\":1}\n{\"id\":2}\n";
    write_gzip(t->path, data, sizeof data - 1);
    /* a wrong CRC-32 in the trailer */
    int fd = open(t->path, O_RDWR);
    assert_true(fd >= 0);
    off_t at = file_size(t->path) - 8;
    unsigned char b;
    assert_int_equal(pread(fd, &b, 1, at), 1);
    b ^= 0xff;
    assert_int_equal(pwrite(fd, &b, 1, at), 1);
    close(fd);
    struct step s[4];
    size_t n = read_steps(t->path, s, 4);
    assert_int_equal(s[n - 1].kind, EXPORT_ERROR);
    assert_true(strlen(s[n - 1].reason) > 0);
}

/* `cat a.gz b.gz` is a valid gzip file holding both. */
static void test_reader_concatenated_members(void **state) {
    struct tmp *t = *state;
    char first[128], second[128];
    const char a[] = "{\"id\":1}\n{\"id\":2}\n", b[] = "{\"id\":3}\n";
    snprintf(first, sizeof first, "%s/a.gz", t->dir);
    snprintf(second, sizeof second, "%s/b.gz", t->dir);
    write_gzip(first, a, sizeof a - 1);
    write_gzip(second, b, sizeof b - 1);
    char both[512];
    size_t len = 0;
    for (int i = 0; i < 2; i++) {
        FILE *f = fopen(i ? second : first, "rb");
        assert_non_null(f);
        len += fread(both + len, 1, sizeof both - len, f);
        fclose(f);
    }
    unlink(first);
    unlink(second);
    write_plain(t->path, both, len);
    const struct want want[] = {want_entry(1, 1), want_entry(2, 2), want_entry(3, 3), want_end(3)};
    assert_reads(t->path, want, sizeof want / sizeof *want);
}

/* The gzip of data[0, len) appended to the file at path (a new member),
 * or with path NULL only counted; with `name`, the header holds it as the
 * file's name (FNAME). Its length. */
static size_t append_gzip_member_named(const char *path, const char *data, size_t len,
                                       const char *name) {
    z_stream z = {0};
    gz_header head = {0};
    head.name = (Bytef *)(uintptr_t)name;
    head.os = 3; /* Unix */
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    if (name)
        assert_int_equal(deflateSetHeader(&z, &head), Z_OK);
    size_t cap = deflateBound(&z, (uLong)len);
    unsigned char *out = malloc(cap);
    assert_non_null(out);
    z.next_in = (unsigned char *)(uintptr_t)data;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t n = cap - z.avail_out;
    deflateEnd(&z);
    if (path) {
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, out, n), (ssize_t)n);
        close(fd);
    }
    free(out);
    return n;
}

static size_t append_gzip_member(const char *path, const char *data, size_t len) {
    return append_gzip_member_named(path, data, len, NULL);
}

/* The same, the member made exactly `size` bytes long by the length of
 * the name in its header. */
static void append_gzip_member_of_size(const char *path, const char *data, size_t len,
                                       size_t size) {
    size_t bare = append_gzip_member(NULL, data, len);
    assert_true(size > bare + 1);
    char *name = malloc(size - bare);
    assert_non_null(name);
    memset(name, 'n', size - bare - 1);
    name[size - bare - 1] = '\0';
    assert_int_equal(append_gzip_member_named(path, data, len, name), size);
    free(name);
}

/* Two exports concatenated as --file with --include-adult takes them
 * (cat movie_ids_....gz adult_movie_ids_....gz), the first without a
 * final newline: its last line ends with its member, and does not run
 * into the second's first (both were lost as one bad line, which held
 * back the deletions and the changes cursor). */
static void test_reader_member_without_final_newline(void **state) {
    struct tmp *t = *state;
    const char a[] = "{\"id\":1}\n{\"id\":2}", b[] = "{\"id\":3}\n{\"id\":4}";
    unlink(t->path);
    append_gzip_member(t->path, a, sizeof a - 1);
    append_gzip_member(t->path, b, sizeof b - 1);
    const struct want want[] = {want_entry(1, 1), want_entry(2, 2), want_entry(3, 3),
                                want_entry(4, 4), want_end(4)};
    assert_reads(t->path, want, sizeof want / sizeof *want);
}

/* A line split across two members (a file compressed in blocks) is still
 * one line: what ends the first member is not a whole entry. */
static void test_reader_line_split_across_members(void **state) {
    struct tmp *t = *state;
    const char a[] = "{\"id\":1}\n{\"id\":", b[] = "2}\n{\"id\":3}\n";
    unlink(t->path);
    append_gzip_member(t->path, a, sizeof a - 1);
    append_gzip_member(t->path, b, sizeof b - 1);
    const struct want want[] = {want_entry(1, 1), want_entry(2, 2), want_entry(3, 3), want_end(3)};
    assert_reads(t->path, want, sizeof want / sizeof *want);
}

/* The lines 1..n of tmdb_lines(), without the last newline: their length. */
static size_t lines_upto(long n) {
    size_t len = 0;
    char line[192];
    for (long id = 1; id <= n; id++)
        len += format_line(line, sizeof line, id);
    return len - 1;
}

/* The same with a first member whose gzip trailer falls across the
 * reader's first read of the file (64 KiB): the member ends in a read
 * that gives none of its bytes. Every line is read, once. */
static void test_reader_member_end_in_the_next_read(void **state) {
    struct tmp *t = *state;
    size_t len;
    char *data = tmdb_lines(20000, &len);
    const char adult[] = "{\"adult\":true,\"id\":999999}\n";
    long lo = 1, hi = 20000; /* the fewest lines whose gzip passes 64 KiB */
    while (lo < hi) {
        long mid = (lo + hi) / 2;
        if (append_gzip_member(NULL, data, lines_upto(mid)) > 65536)
            hi = mid;
        else
            lo = mid + 1;
    }
    int straddled = 0;
    for (long n = lo - 2; n <= lo + 3; n++) {
        size_t gz = append_gzip_member(NULL, data, lines_upto(n));
        straddled += gz - 8 <= 65536 && gz > 65536;
        unlink(t->path);
        append_gzip_member(t->path, data, lines_upto(n));
        append_gzip_member(t->path, adult, sizeof adult - 1);
        int fd = open(t->path, O_RDONLY);
        assert_true(fd >= 0);
        struct export_reader *r = export_reader_open(fd);
        assert_non_null(r);
        struct export_entry e = {0};
        char reason[128] = "";
        long entries = 0;
        enum export_next k;
        while ((k = export_reader_next(r, &e, reason, sizeof reason)) == EXPORT_ENTRY)
            entries++;
        if (k != EXPORT_END || entries != n + 1)
            fail_msg("%ld lines: %ld entries, then kind %d (%s)", n, entries, k, reason);
        export_reader_close(r);
    }
    assert_true(straddled > 0); /* the case this is about was made */
    free(data);
}

/* A member that starts in the last bytes of a read of the file, gzip's
 * 2-byte magic whole in it or not, is read as one that starts anywhere
 * else: the first member is made to end 0 to 3 bytes before the reader's
 * first read (64 KiB) does. The check takes the file as whole too. */
static void test_reader_next_member_wherever_a_read_cuts_it(void **state) {
    struct tmp *t = *state;
    const char first[] = "{\"id\":1}\n", second[] = "{\"id\":2}\n";
    char reason[160];
    for (size_t in_first_read = 0; in_first_read <= 3; in_first_read++) {
        unlink(t->path);
        append_gzip_member_of_size(t->path, first, sizeof first - 1, 65536 - in_first_read);
        append_gzip_member(t->path, second, sizeof second - 1);
        struct step s[4];
        size_t n = read_steps(t->path, s, 4);
        if (n != 3 || s[0].kind != EXPORT_ENTRY || s[1].kind != EXPORT_ENTRY || s[1].id != 2 ||
            s[2].kind != EXPORT_END)
            fail_msg("%zu bytes of the second member in the first read: %zu steps, the last "
                     "kind %d (%s)",
                     in_first_read, n, s[n - 1].kind, s[n - 1].reason);
        int fd = open(t->path, O_RDONLY);
        assert_true(fd >= 0);
        if (export_check_whole(fd, 0, reason, sizeof reason) != 0)
            fail_msg("%zu bytes of the second member in the first read: check says %s",
                     in_first_read, reason);
        close(fd);
    }
}

/* A read of the file that ends inside a line, just after what parses as a
 * whole entry (here the "}" before a CRLF's "\r"), is no member's end: the
 * line goes on in the next read, and the lines after it keep their
 * numbers. The reader's first read of a file that is not gzip is 64 KiB. */
static void test_reader_line_cut_by_a_read_stays_one_line(void **state) {
    struct tmp *t = *state;
    const size_t first_read = 65536;
    char *data = malloc(first_read + 64);
    assert_non_null(data);
    size_t at = 0;
    long id = 1;
    while (first_read - at > 128)
        at += (size_t)sprintf(data + at, "{\"id\":%ld}\r\n", id++);
    /* a line padded in its title so that its "}" is the read's last byte */
    const size_t rest = first_read - at;
    int head = sprintf(data + at, "{\"id\":%ld,\"original_title\":\"", id++);
    memset(data + at + head, 'x', rest - (size_t)head - 2);
    memcpy(data + at + rest - 2, "\"}", 2);
    at += rest;
    assert_int_equal(data[first_read - 1], '}');
    at += (size_t)sprintf(data + at, "\r\n{\"id\":%ld}\r\n", id);
    write_plain(t->path, data, at);
    free(data);
    assert_reads_ids_1_to(t->path, id);
}

/* A file that is not gzip at all is read as it is, as zlib's gzread reads
 * it ("transparent" mode), so a decompressed export reads like the
 * compressed one and anything else turns into bad lines. */
static void test_reader_plain_file_is_read_as_text(void **state) {
    struct tmp *t = *state;
    const char data[] = "{\"id\":1}\n<html>403 Forbidden</html>\n{\"id\":3}\n";
    write_plain(t->path, data, sizeof data - 1);
    const struct want want[] = {want_entry(1, 1), want_bad(2, "object"), want_entry(3, 3),
                                want_end(3)};
    assert_reads(t->path, want, sizeof want / sizeof *want);
}

static void test_reader_gzip_of_nothing_ends(void **state) {
    struct tmp *t = *state;
    write_gzip(t->path, "", 0);
    const struct want want[] = {want_end(0)};
    assert_reads(t->path, want, 1);
}

/* A 0-byte file (an interrupted download, a full disk) holds no gzip
 * stream at all. Ending cleanly with no entries would let sync_finish()
 * mark every stored movie deleted; it must be an error. */
static void test_reader_empty_file_is_an_error(void **state) {
    struct tmp *t = *state;
    write_plain(t->path, "", 0);
    struct step s[2];
    assert_int_equal(read_steps(t->path, s, 2), 1);
    if (s[0].kind != EXPORT_ERROR)
        fail_msg("a 0-byte file gave kind %d, not EXPORT_ERROR", s[0].kind);
}

static void test_reader_starts_at_the_current_offset_and_stays_ended(void **state) {
    struct tmp *t = *state;
    const char data[] = "{\"id\":42}\n";
    write_gzip(t->path, data, sizeof data - 1);
    off_t gz_len = file_size(t->path);
    /* the same gzip file behind 5 bytes of something else */
    char *both = malloc((size_t)gz_len + 5);
    assert_non_null(both);
    memcpy(both, "JUNK\n", 5);
    int fd = open(t->path, O_RDONLY);
    assert_int_equal(read(fd, both + 5, (size_t)gz_len), gz_len);
    close(fd);
    write_plain(t->path, both, (size_t)gz_len + 5);
    free(both);
    fd = open(t->path, O_RDONLY);
    assert_int_equal(lseek(fd, 5, SEEK_SET), 5);
    struct export_reader *r = export_reader_open(fd);
    assert_non_null(r);
    struct export_entry e;
    char reason[64];
    assert_int_equal(export_reader_next(r, &e, reason, sizeof reason), EXPORT_ENTRY);
    assert_int_equal(e.id, 42);
    assert_int_equal(export_reader_next(r, &e, reason, sizeof reason), EXPORT_END);
    assert_int_equal(export_reader_next(r, &e, reason, sizeof reason), EXPORT_END);
    assert_int_equal(export_reader_line(r), 1);
    export_reader_close(r);
    export_reader_close(NULL);
}

/* Reader tests get a temporary directory (struct tmp) as their state. */
#define READER_TEST(f) cmocka_unit_test_setup_teardown(f, make_tmp, remove_tmp)

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_name),
        cmocka_unit_test(test_file_name_rejects_bad_dates),
        cmocka_unit_test(test_adult_url),
        cmocka_unit_test(test_day_of_name),
        cmocka_unit_test(test_file_name_small_buffer),
        cmocka_unit_test(test_default_day_switches_at_0800_utc),
        cmocka_unit_test(test_default_day_across_month_year_and_epoch),
        cmocka_unit_test(test_parse_real_line),
        cmocka_unit_test(test_parse_optional_fields),
        cmocka_unit_test(test_parse_rejections),
        cmocka_unit_test(test_parse_rejects_id_that_rounds),
        cmocka_unit_test(test_parse_rejects_trailing_garbage),
        cmocka_unit_test(test_parse_reads_only_len_bytes),
        cmocka_unit_test(test_parse_out_of_memory_is_not_a_bad_line),
        cmocka_unit_test(test_parse_reason_never_holds_the_line),
        cmocka_unit_test(test_inflate_limit),
        READER_TEST(test_reader_refuses_a_bomb),
        READER_TEST(test_check_whole_refuses_a_bomb),
        READER_TEST(test_reader_many_lines_across_chunks),
        READER_TEST(test_reader_crlf_blank_lines_and_no_final_newline),
        READER_TEST(test_reader_repairs_lone_surrogates),
        READER_TEST(test_check_whole),
        READER_TEST(test_check_whole_refuses_bytes_after_the_gzip_data),
        READER_TEST(test_reader_refuses_bytes_after_the_gzip_data),
        READER_TEST(test_reader_last_line_longer_than_what_came_before),
        READER_TEST(test_reader_bad_line_then_more),
        READER_TEST(test_reader_over_long_line_is_skipped),
        READER_TEST(test_reader_over_long_line_in_one_buffer_is_skipped),
        READER_TEST(test_reader_line_of_max_length_is_accepted),
        READER_TEST(test_reader_over_long_last_line_is_reported),
        READER_TEST(test_reader_truncated_gzip),
        READER_TEST(test_reader_truncated_small_gzip_and_missing_trailer),
        READER_TEST(test_reader_corrupt_gzip),
        READER_TEST(test_reader_concatenated_members),
        READER_TEST(test_reader_member_without_final_newline),
        READER_TEST(test_reader_line_split_across_members),
        READER_TEST(test_reader_member_end_in_the_next_read),
        READER_TEST(test_reader_next_member_wherever_a_read_cuts_it),
        READER_TEST(test_reader_line_cut_by_a_read_stays_one_line),
        READER_TEST(test_reader_plain_file_is_read_as_text),
        READER_TEST(test_reader_gzip_of_nothing_ends),
        READER_TEST(test_reader_empty_file_is_an_error),
        READER_TEST(test_reader_starts_at_the_current_offset_and_stays_ended),
    };
    return cmocka_run_group_tests_name("export", tests, NULL, NULL);
}
