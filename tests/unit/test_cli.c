/* test_cli.c - command-line parsing: commands, options in any position,
 * defaults, and rejection of bad values. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define ARGV(...) ((char *[]){"tmdb-ingest", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"tmdb-ingest", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(opt, ...) parse_quietly(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (opt))

/* cli_parse() with stderr captured into err (what the user would read):
 * usage messages stay out of the test's output, cmocka's own do not. */
static enum cli_result parse_capturing(int argc, char **argv, struct options *opt, char *err,
                                       size_t err_size) {
    FILE *capture = tmpfile();
    assert_non_null(capture);
    fflush(stderr);
    int saved = dup(fileno(stderr));
    assert_true(saved >= 0);
    assert_true(dup2(fileno(capture), fileno(stderr)) >= 0);
    enum cli_result r = cli_parse(argc, argv, opt);
    fflush(stderr);
    dup2(saved, fileno(stderr));
    close(saved);
    rewind(capture);
    size_t n = fread(err, 1, err_size - 1, capture);
    err[n] = '\0';
    fclose(capture);
    return r;
}

static enum cli_result parse_quietly(int argc, char **argv, struct options *opt) {
    char err[1024];
    return parse_capturing(argc, argv, opt, err, sizeof err);
}

static int count_args(char **argv) {
    int argc = 0;
    while (argv[argc])
        argc++;
    return argc;
}

static int clear_environment(void **state) {
    (void)state;
    return unsetenv("TMDB_API_BASE");
}

static void test_list_defaults(void **state) {
    (void)state;
    struct options o;
    assert_int_equal(PARSE(&o, "list", "now_playing"), CLI_RUN);
    assert_int_equal(o.source.kind, SOURCE_LIST);
    assert_int_equal(o.source.list, TMDB_LIST_NOW_PLAYING);
    assert_int_equal(o.source.pages, 1);
    assert_string_equal(o.db_path, "tmdb.sqlite3");
    assert_string_equal(o.api_base, "https://api.themoviedb.org/3");
    assert_string_equal(o.language, "ko-KR");
    assert_int_equal(o.workers, 5);
    assert_int_equal(o.queue_size, 5);
    assert_true(o.rate > 0 && o.rate < 40);
    cli_free(&o);
}

static void test_options_after_command_and_pages_all(void **state) {
    (void)state;
    struct options o;
    assert_int_equal(PARSE(&o, "list", "popular", "--pages", "all", "--workers=9", "--db", "x.db"),
                     CLI_RUN);
    assert_int_equal(o.source.list, TMDB_LIST_POPULAR);
    assert_int_equal(o.source.pages, 0);
    assert_int_equal(o.workers, 9);
    assert_string_equal(o.db_path, "x.db");
    cli_free(&o);
}

static void test_ids_from_arguments(void **state) {
    (void)state;
    struct options o;
    assert_int_equal(PARSE(&o, "--rate", "0", "ids", "550", "603", "9223372036854775807"), CLI_RUN);
    assert_int_equal(o.source.kind, SOURCE_IDS);
    assert_int_equal(o.source.n_ids, 3);
    assert_int_equal(o.source.ids[0], 550);
    assert_int_equal(o.source.ids[2], INT64_MAX);
    assert_true(o.rate == 0);
    cli_free(&o);
}

/* --rate: 0 (unlimited), or from one request a day to 100000 a second.
 * The usage error gives those bounds as numbers --rate accepts; a hair
 * below one a day (1/86400 = 0.00001157...) is refused. */
static void test_rate_range(void **state) {
    (void)state;
    struct options o;
    char err[1024], floor[32] = "", ceiling[32] = "";
    assert_int_equal(parse_capturing(ARGC("--rate", "1e-300", "ids", "1"),
                                     ARGV("--rate", "1e-300", "ids", "1"), &o, err, sizeof err),
                     CLI_USAGE);
    cli_free(&o);
    const char *from = strstr(err, "else from ");
    assert_non_null(from);
    assert_int_equal(sscanf(from, "else from %31[0-9.], one a day, to %31[0-9]", floor, ceiling),
                     2);
    assert_int_equal(PARSE(&o, "--rate", floor, "ids", "1"), CLI_RUN);
    cli_free(&o);
    assert_int_equal(PARSE(&o, "--rate", ceiling, "ids", "1"), CLI_RUN);
    cli_free(&o);
    assert_int_equal(PARSE(&o, "--rate", "0.0000115", "ids", "1"), CLI_USAGE);
    cli_free(&o);
    assert_int_equal(PARSE(&o, "--rate", "100000.1", "ids", "1"), CLI_USAGE);
    cli_free(&o);
}

static void test_ids_from_stdin(void **state) {
    (void)state;
    struct options o;
    assert_int_equal(PARSE(&o, "ids", "-"), CLI_RUN);
    assert_int_equal(o.source.kind, SOURCE_STDIN);
    assert_int_equal(o.source.fd, 0);
    cli_free(&o);
}

static void test_env_api_base_and_option_override(void **state) {
    (void)state;
    struct options o;
    setenv("TMDB_API_BASE", "http://127.0.0.1:9/3", 1);
    assert_int_equal(PARSE(&o, "ids", "1"), CLI_RUN);
    assert_string_equal(o.api_base, "http://127.0.0.1:9/3");
    cli_free(&o);
    assert_int_equal(PARSE(&o, "ids", "1", "--api-base", "https://x.test/3"), CLI_RUN);
    assert_string_equal(o.api_base, "https://x.test/3");
    cli_free(&o);
    unsetenv("TMDB_API_BASE");
}

static void test_max_body_suffixes(void **state) {
    (void)state;
    struct options o;
    assert_int_equal(PARSE(&o, "ids", "1", "--max-body", "64K"), CLI_RUN);
    assert_int_equal(o.max_body, 65536);
    cli_free(&o);
    assert_int_equal(PARSE(&o, "ids", "1", "--max-body", "3M"), CLI_RUN);
    assert_int_equal(o.max_body, 3 * 1024 * 1024);
    cli_free(&o);
    assert_int_equal(PARSE(&o, "ids", "1", "--max-body", "1G"), CLI_RUN);
    assert_int_equal(o.max_body, 1u << 30);
    cli_free(&o);
    /* above 1G: a usage error (zlib and each worker's buffer stay in range) */
    assert_int_equal(PARSE(&o, "ids", "1", "--max-body", "1025M"), CLI_USAGE);
    cli_free(&o);
    assert_int_equal(PARSE(&o, "ids", "1", "--max-body", "8G"), CLI_USAGE);
    cli_free(&o);
}

static void test_db_cache(void **state) {
    (void)state;
    struct options o;
    assert_int_equal(PARSE(&o, "ids", "1"), CLI_RUN);
    assert_int_equal(o.db_cache, 2 * 1024 * 1024);
    cli_free(&o);
    assert_int_equal(PARSE(&o, "ids", "1", "--db-cache", "64M"), CLI_RUN);
    assert_int_equal(o.db_cache, 64 * 1024 * 1024);
    cli_free(&o);
    assert_int_equal(PARSE(&o, "--db-cache", "1G", "merge", "o", "i"), CLI_RUN);
    assert_int_equal(o.db_cache, 1024 * 1024 * 1024);
    cli_free(&o);
    assert_int_equal(PARSE(&o, "ids", "1", "--db-cache", "64K"), CLI_RUN);
    assert_int_equal(o.db_cache, 64 * 1024);
    cli_free(&o);
}

static void test_usage_errors(void **state) {
    (void)state;
    struct options o;
    assert_int_equal(parse_quietly(1, ARGV(NULL), &o), CLI_USAGE);
    cli_free(&o);
    char **bad[] = {
        ARGV("list", "trending"),
        ARGV("list"),
        ARGV("ids"),
        ARGV("ids", "12x"),
        ARGV("ids", "0"),
        ARGV("ids", "-3"),
        ARGV("ids", "99999999999999999999"),
        ARGV("--workers", "0", "ids", "1"),
        ARGV("--workers", "257", "ids", "1"),
        ARGV("--rate", "-1", "ids", "1"),
        ARGV("--rate", "fast", "ids", "1"),
        ARGV("--rate", "1e-300", "ids", "1"),
        ARGV("--timeout", "0", "ids", "1"),
        ARGV("--pages", "501", "list", "popular"),
        ARGV("ids", "1", "--pages", "2"),
        ARGV("--language", "k", "ids", "1"),
        ARGV("--api-base", "api.themoviedb.org", "ids", "1"),
        ARGV("--max-body", "0", "ids", "1"),
        ARGV("--bogus", "ids", "1"),
        ARGV("--db-cache", "63K", "ids", "1"),
        ARGV("--db-cache", "2T", "ids", "1"),
        ARGV("--db-cache", "lots", "ids", "1"),
        ARGV("--db-cache", "8M", "stats"),
        ARGV("--db-cache", "8M", "search", "x"),
        ARGV("--db-cache", "8M", "dump"),
        ARGV("search", "x", "--include-adult"),
        ARGV("stats", "--include-video"),
        ARGV("dump", "--export-base", "http://127.0.0.1:9"),
        ARGV("ids", "1", "--db"),
        ARGV("fetch", "1"),
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int argc = count_args(bad[i]);
        enum cli_result r = parse_quietly(argc, bad[i], &o);
        if (r != CLI_USAGE)
            fail_msg("case %zu (%s %s) was accepted", i, bad[i][1], argc > 2 ? bad[i][2] : "");
        cli_free(&o);
    }
}

/* "merge o i --dry-run": a command line for a failure message. */
static const char *joined(char **argv, char *buf, size_t size) {
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 1; argv[i] && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i > 1 ? " " : "", argv[i]);
    return buf;
}

/* Command lines that must be refused, and what the message must say. */
struct refused {
    char **argv;
    const char *message;
};

/* Every case refused with its message; else one failure naming them all. */
static void assert_all_refused(const struct refused *cases, size_t n) {
    char failures[2048] = "";
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        struct options o;
        char err[1024], line[256];
        enum cli_result r =
            parse_capturing(count_args(cases[i].argv), cases[i].argv, &o, err, sizeof err);
        cli_free(&o);
        joined(cases[i].argv, line, sizeof line);
        if (len >= sizeof failures)
            break;
        if (r != CLI_USAGE)
            len += (size_t)snprintf(failures + len, sizeof failures - len, "\n  '%s' was accepted",
                                    line);
        else if (!strstr(err, cases[i].message))
            len +=
                (size_t)snprintf(failures + len, sizeof failures - len,
                                 "\n  '%s': message '%s' lacks '%s'", line, err, cases[i].message);
    }
    if (failures[0])
        fail_msg("%s", failures);
}

/* A search QUERY that starts with '-' reads as options: the message names
 * the argument refused (it named the one before it, "search", for "-abc")
 * and says where such a query goes. */
static void test_unknown_option_named(void **state) {
    (void)state;
    const struct refused cases[] = {
        {ARGV("search", "-abc"), "unknown option '-abc' (a search QUERY that starts with '-' "
                                 "goes after '--': search -- '-abc')"},
        {ARGV("--db", "x.sqlite3", "search", "-\xea\xb4\xb4\xeb\xac\xbc"),
         "unknown option '-\xea\xb4\xb4\xeb\xac\xbc' (a search QUERY"},
        {ARGV("search", "-x"), "unknown option '-x' (a search QUERY"},
        {ARGV("ids", "1", "-qz"), "unknown option '-qz'\n"},
        {ARGV("ids", "1", "-zq"), "unknown option '-zq'\n"},
        {ARGV("search", "abc", "--frobnicate"), "unknown option '--frobnicate'\n"},
        {ARGV("search", "abc", "--limit"), "option '--limit' wants a value"},
    };
    assert_all_refused(cases, sizeof cases / sizeof *cases);
    /* A long option given a value it does not take named the argument
     * after it ("unknown option 'ids'"), an ambiguous abbreviation read
     * as unknown: each is said as what it is. */
    const struct refused long_cases[] = {
        {ARGV("--dry-run=1", "ids", "5"), "option '--dry-run' takes no value\n"},
        {ARGV("--no-progress=yes", "stats"), "option '--no-progress' takes no value\n"},
        {ARGV("stats", "--quiet=1"), "option '--quiet' takes no value\n"},
        {ARGV("--max", "5", "export"),
         "option '--max' is ambiguous: --max-body, --max-age, --max-deletions\n"},
        {ARGV("--max=5", "export"), "option '--max' is ambiguous: --max-body, --max-age, "},
        {ARGV("--ver"), "option '--ver' is ambiguous: --verbose, --version\n"},
        {ARGV("--frob=1", "stats"), "unknown option '--frob'\n"},
        /* a value is not repeated: it may be a credential */
        {ARGV("--api-key=0123456789abcdef0123456789abcdef", "ids", "5"),
         "unknown option '--api-key'\n"},
        {ARGV("--refresh", "-zq", "ids", "5"), "unknown option '-zq'\n"},
    };
    assert_all_refused(long_cases, sizeof long_cases / sizeof *long_cases);
    struct options o;
    assert_int_equal(PARSE(&o, "search", "--", "-abc"), CLI_RUN);
    assert_string_equal(o.search_query, "-abc");
    cli_free(&o);
}

/* `command option value` refused with `message`, for each of the values. */
static void assert_values_refused(const char *command, const char *option,
                                  const char *const *values, size_t n, const char *message) {
    char *argv[32][5];
    struct refused cases[32];
    assert_true(n <= 32);
    for (size_t i = 0; i < n; i++) {
        argv[i][0] = (char *)"tmdb-ingest";
        argv[i][1] = (char *)command;
        argv[i][2] = (char *)option;
        argv[i][3] = (char *)values[i];
        argv[i][4] = NULL;
        cases[i] = (struct refused){argv[i], message};
    }
    assert_all_refused(cases, n);
}

/* Numbers are written in decimal digits: strtol() and strtod() alone also
 * take leading blanks, a sign, hex ("--rate 0x10" was 16 requests a second)
 * and "infinity", which no one means in a crontab line. */
static void test_numbers_in_decimal_only(void **state) {
    (void)state;
    const char *rates[] = {"0x10", "0X1p4", " 5", "+5", "infinity", "1e", ".", "5..", "1e+"};
    assert_values_refused("export", "--rate", rates, sizeof rates / sizeof *rates,
                          "--rate wants requests per second");
    const char *popularity[] = {"0x1p3", "+1", " 1", "1e", "-0"};
    assert_values_refused("export", "--min-popularity", popularity,
                          sizeof popularity / sizeof *popularity,
                          "--min-popularity wants a number >= 0");
    const char *counts[] = {"+5", " 5", "0x5", "-0"};
    assert_values_refused("export", "--workers", counts, sizeof counts / sizeof *counts,
                          "--workers wants a number from 1 to 256");
    const char *sizes[] = {"+64M", " 64M", "0x100000"};
    assert_values_refused("export", "--db-cache", sizes, sizeof sizes / sizeof *sizes,
                          "--db-cache wants a size of at least 64K");
    const char *ages[] = {"+2d", " 2d", "0x2d"};
    assert_values_refused("export", "--max-age", ages, sizeof ages / sizeof *ages,
                          "--max-age wants a duration like 90m");
    struct options o;
    const char *taken[] = {"1e1", ".5", "5.", "2.5E0", "0.0000116", "100000"};
    for (size_t i = 0; i < sizeof taken / sizeof *taken; i++) {
        if (PARSE(&o, "export", "--rate", (char *)taken[i], "--min-popularity", (char *)taken[i]) !=
            CLI_RUN)
            fail_msg("--rate %s refused", taken[i]);
        assert_true(o.rate == strtod(taken[i], NULL) && o.source.min_popularity == o.rate);
        cli_free(&o);
    }
}

static void test_export_defaults(void **state) {
    (void)state;
    struct options o;
    assert_int_equal(PARSE(&o, "export"), CLI_RUN);
    assert_int_equal(o.command, COMMAND_LOAD);
    assert_int_equal(o.source.kind, SOURCE_EXPORT);
    assert_null(o.export_date);
    assert_null(o.source.export_path);
    assert_string_equal(o.export_base, "https://files.tmdb.org/p/exports");
    assert_false(o.source.has_min_popularity);
    assert_false(o.source.include_adult);
    assert_false(o.source.include_video);
    assert_int_equal(o.source.shard_count, 0);
    assert_int_equal(o.max_age_s, 0);
    assert_false(o.dry_run);
    cli_free(&o);
}

static void test_export_options(void **state) {
    (void)state;
    struct options o;
    assert_int_equal(PARSE(&o, "--dry-run", "export", "--date", "2024-02-29", "--min-popularity",
                           "2.5", "--include-adult", "--include-video", "--export-base",
                           "http://127.0.0.1:9/p/exports", "--max-age", "2d", "--shard", "3/4"),
                     CLI_RUN);
    assert_int_equal(o.source.kind, SOURCE_EXPORT);
    assert_true(o.dry_run);
    assert_string_equal(o.export_date, "2024-02-29");
    assert_true(o.source.has_min_popularity);
    assert_true(o.source.min_popularity == 2.5);
    assert_true(o.source.include_adult);
    assert_true(o.source.include_video);
    assert_string_equal(o.export_base, "http://127.0.0.1:9/p/exports");
    assert_int_equal(o.max_age_s, 2 * 86400);
    assert_int_equal(o.source.shard_index, 3);
    assert_int_equal(o.source.shard_count, 4);
    cli_free(&o);
    assert_int_equal(
        PARSE(&o, "export", "--file", "/tmp/movie_ids.json.gz", "--min-popularity", "0"), CLI_RUN);
    assert_string_equal(o.source.export_path, "/tmp/movie_ids.json.gz");
    assert_null(o.export_date);
    assert_true(o.source.has_min_popularity);
    assert_true(o.source.min_popularity == 0);
    cli_free(&o);
}

static void test_changes_since(void **state) {
    (void)state;
    struct options o;
    assert_int_equal(PARSE(&o, "changes"), CLI_RUN);
    assert_int_equal(o.source.kind, SOURCE_CHANGES);
    assert_null(o.since);
    cli_free(&o);
    assert_int_equal(PARSE(&o, "changes", "--since", "2026-11-20", "--shard", "0/1"), CLI_RUN);
    assert_string_equal(o.since, "2026-11-20");
    assert_int_equal(o.source.shard_index, 0);
    assert_int_equal(o.source.shard_count, 1);
    cli_free(&o);
}

static void test_max_age_durations(void **state) {
    (void)state;
    static const struct {
        const char *arg;
        long long seconds;
    } ok[] = {
        {"36h", 129600}, {"0", 0},       {"0h", 0},      {"45s", 45},
        {"90m", 5400},   {"2d", 172800}, {"1w", 604800}, {"36500d", 36500LL * 86400},
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        struct options o;
        char *arg = (char *)ok[i].arg;
        if (PARSE(&o, "list", "popular", "--max-age", arg) != CLI_RUN ||
            o.max_age_s != ok[i].seconds)
            fail_msg("--max-age %s: wanted %lld s, got %lld", arg, ok[i].seconds, o.max_age_s);
        cli_free(&o);
    }
    const char *bad[] = {"5x", "-1h", "5", "1hh", "h", "", "36501d", "99999999999999999999s"};
    assert_values_refused("export", "--max-age", bad, sizeof bad / sizeof *bad,
                          "--max-age wants a duration like 90m");
}

/* cli_format_duration() writes what --max-age reads back, in the largest unit. */
static void test_durations_written_read_back(void **state) {
    (void)state;
    static const struct {
        long long seconds;
        const char *text;
    } cases[] = {{0, "0"},        {45, "45s"},    {5400, "90m"},  {129600, "36h"},
                 {86400, "1d"},   {604800, "1w"}, {518400, "6d"}, {86401, "86401s"},
                 {1209600, "2w"}, {90000, "25h"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[32];
        cli_format_duration(cases[i].seconds, text, sizeof text);
        assert_string_equal(text, cases[i].text);
        struct options o;
        if (PARSE(&o, "list", "popular", "--max-age", text) != CLI_RUN ||
            o.max_age_s != cases[i].seconds)
            fail_msg("%s did not read back as %lld s", text, cases[i].seconds);
        cli_free(&o);
    }
}

/* cli_format_eta(): whole minutes at --rate, as a dry run and an export's
 * notes say it; none without a rate. */
static void test_eta_at_rate(void **state) {
    (void)state;
    static const struct {
        long long requests;
        double rate;
        const char *text;
    } cases[] = {{10002, 35, "about 0h05m at 35 requests/s"},
                 {1000000, 35, "about 7h56m at 35 requests/s"},
                 {3599, 1, "about 1h00m at 1 requests/s"},
                 {29, 1, "about 0h00m at 1 requests/s"},
                 {5, 0, "no --rate limit"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[64];
        cli_format_eta(cases[i].requests, cases[i].rate, text, sizeof text);
        assert_string_equal(text, cases[i].text);
    }
}

static void test_shard_values(void **state) {
    (void)state;
    struct options o;
    assert_int_equal(PARSE(&o, "export", "--shard", "1023/1024"), CLI_RUN);
    assert_int_equal(o.source.shard_index, 1023);
    assert_int_equal(o.source.shard_count, 1024);
    cli_free(&o);
    const char *bad[] = {"2/2", "1/0", "0/1025", "-1/2",  "a/2",
                         "1/",  "/2",  "12",     "1/2/3", "00000000000000001/2"};
    assert_values_refused("export", "--shard", bad, sizeof bad / sizeof *bad,
                          "--shard wants K/N with 0 <= K < N <= 1024");
}

/* --format means jsonl|csv for dump and text|json for stats. */
static void test_format_per_command(void **state) {
    (void)state;
    struct options o;
    assert_int_equal(PARSE(&o, "stats"), CLI_RUN);
    assert_false(o.stats_json);
    cli_free(&o);
    assert_int_equal(PARSE(&o, "stats", "--format", "json"), CLI_RUN);
    assert_true(o.stats_json);
    cli_free(&o);
    assert_int_equal(PARSE(&o, "--format", "text", "stats"), CLI_RUN);
    assert_false(o.stats_json);
    cli_free(&o);
    assert_int_equal(PARSE(&o, "dump", "--format", "csv"), CLI_RUN);
    assert_int_equal(o.dump_format, DUMP_CSV);
    cli_free(&o);
    assert_int_equal(PARSE(&o, "dump"), CLI_RUN);
    assert_int_equal(o.dump_format, DUMP_JSONL);
    cli_free(&o);
}

/* --max-deletions: a count or a percentage; unset means the default. */
static void test_max_deletions(void **state) {
    (void)state;
    struct options o;
    assert_int_equal(PARSE(&o, "export"), CLI_RUN);
    assert_false(o.max_deletions.given);
    cli_free(&o);
    const struct {
        const char *arg;
        bool percent;
        int64_t value;
    } ok[] = {{"0", false, 0},         {"500", false, 500},   {"1000000000", false, 1000000000},
              {"10%", true, 100000},   {"0.5%", true, 5000},  {"0%", true, 0},
              {"100%", true, 1000000}, {"0.57%", true, 5700}, {"99.9999%", true, 999999},
              {"007%", true, 70000},   {"0.0001%", true, 1},  {"100.0000%", true, 1000000}};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        char *arg = (char *)ok[i].arg;
        if (PARSE(&o, "export", "--max-deletions", arg) != CLI_RUN || !o.max_deletions.given ||
            o.max_deletions.percent != ok[i].percent || o.max_deletions.value != ok[i].value)
            fail_msg("--max-deletions %s: parsed wrong", arg);
        cli_free(&o);
    }
    const char *bad[] = {"-1",         "101%",     "1e3",       "10 %",  "%",      "",
                         " 5",         "5x",       "nan%",      "+5",    "5%%",    "0x10",
                         "1000000001", "inf%",     "0x10%",     "1e1%",  "0x1p6%", "10.%",
                         ".5%",        "0.00001%", "100.0001%", "1000%", "-1%",    "5%x"};
    assert_values_refused("export", "--max-deletions", bad, sizeof bad / sizeof *bad,
                          "--max-deletions wants a count (500) or a percentage");
}

static void test_bad_dates_and_popularity(void **state) {
    (void)state;
    const char *dates[] = {"2025-02-29", "2026-11-25T08:00", "11/25/2026", "yesterday", ""};
    assert_values_refused("export", "--date", dates, sizeof dates / sizeof *dates,
                          "--date wants a date like 2026-11-25");
    const char *since[] = {"2026-13-01", "1899-12-31", "2026-11-20 ", ""};
    assert_values_refused("changes", "--since", since, sizeof since / sizeof *since,
                          "--since wants a date like 2026-11-20");
    const char *popularity[] = {"-1", "nan", "inf", "1e10", "2.5x", ""};
    assert_values_refused("export", "--min-popularity", popularity,
                          sizeof popularity / sizeof *popularity,
                          "--min-popularity wants a number >= 0");
    const char *bases[] = {"ftp://files.tmdb.org/p/exports", "https://h/p?x=1", "files.tmdb.org"};
    assert_values_refused("export", "--export-base", bases, sizeof bases / sizeof *bases,
                          "--export-base must be an http:// or https:// URL");
}

/* A base refused shows a gateway's password as ***, as every other message
 * does: the usage error printed it as typed. */
static void test_refused_base_hides_its_password(void **state) {
    (void)state;
    const struct refused cases[] = {
        {ARGV("export", "--export-base", "ftp://gw:s3cret@files.lan/p"),
         "not 'ftp://gw:***@files.lan/p'"},
        {ARGV("--api-base", "http://gw:s3cret@tmdb.lan/3?x=1", "ids", "5"),
         "not 'http://gw:***@tmdb.lan/3?x=1'"},
        {ARGV("--api-base", "http://gw:s3/cret@tmdb.lan/3", "ids", "5"),
         "percent-encoded: %3F, %23, %2F), not 'http://gw:***@tmdb.lan/3'"},
        {ARGV("export", "--export-base", "https://gw:s3/cret@files.lan/p"),
         "percent-encoded: %3F, %23, %2F), not 'https://gw:***@files.lan/p'"},
    };
    assert_all_refused(cases, sizeof cases / sizeof *cases);
}

/* A base URL longer than a request's URL has room for is refused as too
 * long, not as "must be an http:// or https:// URL", which it is; one
 * byte shorter is taken. */
static void test_a_base_too_long_says_so(void **state) {
    (void)state;
    char base[1100], export_arg[1100];
    int n = snprintf(base, sizeof base, "http://127.0.0.1:8080/");
    memset(base + n, 'x', (size_t)(1024 - n));
    base[1024] = '\0';
    memcpy(export_arg, base, sizeof base);
    const struct refused cases[] = {
        {ARGV("--api-base", base, "ids", "5"), "--api-base is too long: 1024 bytes, at most 1023"},
        {ARGV("export", "--export-base", export_arg),
         "--export-base is too long: 1024 bytes, at most 1023"},
    };
    assert_all_refused(cases, sizeof cases / sizeof *cases);
    setenv("TMDB_API_BASE", base, 1);
    const struct refused from_env[] = {
        {ARGV("ids", "5"), "TMDB_API_BASE (the default --api-base) is too long: 1024 bytes"},
    };
    assert_all_refused(from_env, 1);
    unsetenv("TMDB_API_BASE");
    base[1023] = '\0';
    struct options o;
    assert_int_equal(PARSE(&o, "--api-base", base, "export", "--export-base", base), CLI_RUN);
    cli_free(&o);
}

static void test_options_for_other_commands(void **state) {
    (void)state;
    const char *export_only = "apply to the export command only";
    const char *max_age = "--max-age applies to export and list";
    const struct refused bad[] = {
        {ARGV("export", "--pages", "2"), "--pages applies to the list command only"},
        {ARGV("changes", "--pages", "all"), "--pages applies to the list command only"},
        {ARGV("export", "--since", "2026-11-20"), "--since applies to the changes command only"},
        {ARGV("list", "popular", "--since", "2026-11-20"), "--since applies to the changes"},
        {ARGV("changes", "--max-age", "36h"), max_age},
        {ARGV("ids", "550", "--max-age", "36h"), max_age},
        {ARGV("ids", "-", "--max-age", "1d"), max_age},
        {ARGV("export", "--date", "2026-11-25", "--file", "x.gz"), "give --date or --file"},
        {ARGV("changes", "--date", "2026-11-25"), export_only},
        {ARGV("ids", "1", "--file", "x.gz"), export_only},
        {ARGV("list", "popular", "--min-popularity", "3"), export_only},
        {ARGV("changes", "--export-base", "https://h/p"), export_only},
        {ARGV("changes", "--include-video"), export_only},
        {ARGV("changes", "--max-deletions", "5"), export_only},
        {ARGV("list", "popular", "--max-deletions", "5%"), export_only},
        {ARGV("stats", "--max-deletions", "5"), "stats takes only --db"},
        {ARGV("stats", "--format", "jsonl"), "stats --format wants text or json"},
        {ARGV("stats", "--rate", "5"), "stats takes only --db"},
        {ARGV("stats", "--rate", "5"), "(and -q, -v, --log-format, --no-progress)"},
        {ARGV("dump", "--retries", "2"), "(and -q, -v, --log-format, --no-progress)"},
        {ARGV("search", "x", "--batch", "3"), "(and -q, -v, --log-format, --no-progress)"},
        {ARGV("stats", "--token-file", "/x"), "stats takes only --db"},
        {ARGV("dump", "--retries", "2"), "dump takes --since"},
        {ARGV("search", "x", "--batch", "3"), "search takes --limit and --db only"},
        {ARGV("dump", "--format", "json"), "dump --format wants jsonl or csv"},
        {ARGV("list", "popular", "--format", "json"), "--format applies to the dump and stats"},
        {ARGV("--format", "bogus", "dump", "--format", "csv"),
         "--format wants jsonl or csv (dump)"},
        {ARGV("stats", "--table", "genres"), "--table applies to the dump command only"},
        {ARGV("dump", "--max-deletions", "5"), "dump takes --since"},
        {ARGV("list", "popular", "--include-adult"),
         "--include-adult applies to export and changes"},
    };
    assert_all_refused(bad, sizeof bad / sizeof *bad);
}

static void test_command_arguments(void **state) {
    (void)state;
    const char *merge = "merge wants OUT.sqlite3 and at least one IN.sqlite3";
    const struct refused bad[] = {
        {ARGV("export", "extra-arg"), "export takes no arguments"},
        {ARGV("changes", "2026-11-20"), "changes takes no arguments"},
        {ARGV("merge"), merge},
        {ARGV("merge", "out.sqlite3"), merge},
        {ARGV("-q", "merge", "out.sqlite3"), merge},
    };
    assert_all_refused(bad, sizeof bad / sizeof *bad);
}

static void test_merge(void **state) {
    (void)state;
    struct options o;
    assert_int_equal(PARSE(&o, "merge", "out.sqlite3", "part-0.sqlite3", "-q", "part-1.sqlite3"),
                     CLI_RUN);
    assert_int_equal(o.command, COMMAND_MERGE);
    assert_string_equal(o.merge_out, "out.sqlite3");
    assert_int_equal(o.n_merge_inputs, 2);
    assert_string_equal(o.merge_inputs[0], "part-0.sqlite3");
    assert_string_equal(o.merge_inputs[1], "part-1.sqlite3");
    assert_int_equal(o.verbosity, -1);
    cli_free(&o);
}

/* merge reads only databases: any option of the loads is refused, as its
 * message says ("merge takes only OUT.sqlite3 IN.sqlite3... (and --db-cache,
 * -q, -v, --log-format, --no-progress)"), and those it names are taken, as
 * by stats, dump and search, whose messages name them too. */
static void test_merge_refuses_load_options(void **state) {
    (void)state;
    const char *msg = "merge takes only OUT.sqlite3 IN.sqlite3";
    struct options o;
    assert_int_equal(PARSE(&o, "merge", "o", "i", "--db-cache", "8M", "-q", "-v", "--log-format",
                           "json", "--no-progress"),
                     CLI_RUN);
    cli_free(&o);
    assert_int_equal(
        PARSE(&o, "stats", "--format", "json", "-q", "-v", "--log-format", "json", "--no-progress"),
        CLI_RUN);
    cli_free(&o);
    assert_int_equal(
        PARSE(&o, "dump", "--since", "3", "-q", "-v", "--log-format", "json", "--no-progress"),
        CLI_RUN);
    cli_free(&o);
    assert_int_equal(PARSE(&o, "search", "x", "--limit", "3", "-q", "-v", "--log-format", "json",
                           "--no-progress"),
                     CLI_RUN);
    cli_free(&o);
    const struct refused bad[] = {
        {ARGV("merge", "o", "i", "--dry-run"), msg},
        {ARGV("merge", "o", "i", "--shard", "0/2"), msg},
        {ARGV("merge", "o", "i", "--max-age", "1d"), msg},
        {ARGV("merge", "o", "i", "--pages", "2"), msg},
        {ARGV("merge", "o", "i", "--since", "2026-11-20"), msg},
        {ARGV("merge", "o", "i", "--date", "2026-11-20"), msg},
        {ARGV("merge", "o", "i", "--min-popularity", "1"), msg},
        {ARGV("merge", "o", "i", "--append", "credits"), msg},
        {ARGV("merge", "o", "i", "--include-adult"), msg},
        {ARGV("merge", "o", "i", "--include-video"), msg},
        {ARGV("merge", "o", "i", "--export-base", "https://h/p"), msg},
        {ARGV("merge", "o", "i", "--max-deletions", "5"), msg},
        {ARGV("merge", "o", "i", "--language", "en-US"), msg},
        {ARGV("merge", "o", "i", "--api-base", "http://x/3"), msg},
        {ARGV("merge", "o", "i", "--timeout", "1"), msg},
    };
    assert_all_refused(bad, sizeof bad / sizeof *bad);
}

static void test_append_is_normalised(void **state) {
    (void)state;
    struct options o;
    assert_int_equal(PARSE(&o, "ids", "1", "--append", "keywords,credits,keywords,credits"),
                     CLI_RUN);
    assert_string_equal(o.append, "keywords,credits");
    cli_free(&o);
    assert_int_equal(PARSE(&o, "ids", "1"), CLI_RUN);
    assert_string_equal(o.append, "");
    cli_free(&o);
    const struct refused bad[] = {
        {ARGV("ids", "1", "--append", "credits,bogus"), "--append: unknown part 'bogus'"},
        {ARGV("ids", "1", "--append", "credits,,videos"), "--append: an empty part name"},
        {ARGV("ids", "1", "--append", "Credits"), "unknown part 'Credits'"},
    };
    assert_all_refused(bad, sizeof bad / sizeof *bad);
}

/* Each bounded option names its bounds and the value refused; a command's
 * wrong count of arguments says what it takes; --log-format text and dump
 * --format jsonl, the defaults, may be given. */
static void test_bounded_values_and_arguments_named(void **state) {
    (void)state;
    const struct refused bad[] = {
        {ARGV("--queue-size", "0", "ids", "1"),
         "--queue-size wants a number from 1 to 1000000, not '0'"},
        {ARGV("--retries", "101", "ids", "1"), "--retries wants a number from 0 to 100, not '101'"},
        {ARGV("--batch", "x", "ids", "1"), "--batch wants a number from 1 to 1000000, not 'x'"},
        {ARGV("search", "x", "--limit", "0"), "--limit wants a number from 1 to 100000, not '0'"},
        {ARGV("search", "x", "--limit", "100001"), "--limit wants a number from 1 to 100000"},
        {ARGV("search"), "search wants one QUERY (quote it: search \"\xea\xb4\xb4\xeb\xac\xbc"},
        {ARGV("search", "a", "b"), "search wants one QUERY"},
        {ARGV("stats", "x.sqlite3"),
         "stats takes no arguments, only options (the database is --db)"},
        {ARGV("dump", "movies"), "dump takes no arguments, only options (the database is --db)"},
        {ARGV("stats", "--limit", "5"), "--limit applies to the search command only"},
        {ARGV("--language", "ko-K", "ids", "1"), "'ko-K' is not a language tag like ko-KR"},
        {ARGV("--language", "ko-", "ids", "1"), "'ko-' is not a language tag"},
        {ARGV("--language", "en-abcdefghi", "ids", "1"), "'en-abcdefghi' is not a language tag"},
        /* 36 characters: a longer tag was taken, and no database would
         * take it ("DB holds en-... text; refusing to add en-... text") */
        {ARGV("--language", "en-aaaaaaaa-bbbbbbbb-cccccccc-dddddd", "ids", "1"),
         "--language is too long: 36 characters, at most 35"},
    };
    assert_all_refused(bad, sizeof bad / sizeof *bad);
    struct options o;
    assert_int_equal(PARSE(&o, "--log-format", "json", "--log-format", "text", "stats"), CLI_RUN);
    assert_int_equal(o.log_format, LOG_FORMAT_TEXT);
    cli_free(&o);
    assert_int_equal(PARSE(&o, "dump", "--format", "csv", "--format", "jsonl"), CLI_RUN);
    assert_int_equal(o.dump_format, DUMP_JSONL);
    cli_free(&o);
    assert_int_equal(PARSE(&o, "--language", "zh-Hant-TW", "ids", "1"), CLI_RUN);
    cli_free(&o);
    assert_int_equal(PARSE(&o, "--language", "en-aaaaaaaa-bbbbbbbb-cccccccc-ddddd", "ids", "1"),
                     CLI_RUN);
    cli_free(&o);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_defaults),
        cmocka_unit_test(test_options_after_command_and_pages_all),
        cmocka_unit_test(test_ids_from_arguments),
        cmocka_unit_test(test_ids_from_stdin),
        cmocka_unit_test(test_env_api_base_and_option_override),
        cmocka_unit_test(test_max_body_suffixes),
        cmocka_unit_test(test_db_cache),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_rate_range),
        cmocka_unit_test(test_numbers_in_decimal_only),
        cmocka_unit_test(test_unknown_option_named),
        cmocka_unit_test(test_export_defaults),
        cmocka_unit_test(test_export_options),
        cmocka_unit_test(test_changes_since),
        cmocka_unit_test(test_max_age_durations),
        cmocka_unit_test(test_durations_written_read_back),
        cmocka_unit_test(test_eta_at_rate),
        cmocka_unit_test(test_shard_values),
        cmocka_unit_test(test_format_per_command),
        cmocka_unit_test(test_max_deletions),
        cmocka_unit_test(test_bad_dates_and_popularity),
        cmocka_unit_test(test_refused_base_hides_its_password),
        cmocka_unit_test(test_a_base_too_long_says_so),
        cmocka_unit_test(test_options_for_other_commands),
        cmocka_unit_test(test_command_arguments),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_merge_refuses_load_options),
        cmocka_unit_test(test_append_is_normalised),
        cmocka_unit_test(test_bounded_values_and_arguments_named),
    };
    return cmocka_run_group_tests_name("cli", tests, clear_environment, NULL);
}
