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

#include "cli.h"

#define ARGV(...) ((char *[]){"tmdb-ingest", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"tmdb-ingest", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(opt, ...) cli_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (opt))

static int quiet_stderr(void **state) {
    (void)state;
    unsetenv("TMDB_API_BASE");
    return freopen("/dev/null", "w", stderr) ? 0 : -1;
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
}

static void test_usage_errors(void **state) {
    (void)state;
    struct options o;
    assert_int_equal(cli_parse(1, ARGV(NULL), &o), CLI_USAGE);
    cli_free(&o);
    char **bad[] = {
        ARGV("list", "trending"),       ARGV("list"),
        ARGV("ids"),                    ARGV("ids", "12x"),
        ARGV("ids", "0"),               ARGV("ids", "-3"),
        ARGV("ids", "99999999999999999999"), ARGV("--workers", "0", "ids", "1"),
        ARGV("--workers", "257", "ids", "1"), ARGV("--rate", "-1", "ids", "1"),
        ARGV("--rate", "fast", "ids", "1"), ARGV("--timeout", "0", "ids", "1"),
        ARGV("--pages", "501", "list", "popular"), ARGV("ids", "1", "--pages", "2"),
        ARGV("--language", "k", "ids", "1"), ARGV("--api-base", "api.themoviedb.org", "ids", "1"),
        ARGV("--max-body", "0", "ids", "1"), ARGV("--bogus", "ids", "1"),
        ARGV("ids", "1", "--db"),       ARGV("fetch", "1"),
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int argc = 0;
        while (bad[i][argc])
            argc++;
        enum cli_result r = cli_parse(argc, bad[i], &o);
        if (r != CLI_USAGE)
            fail_msg("case %zu (%s %s) was accepted", i, bad[i][1], argc > 2 ? bad[i][2] : "");
        cli_free(&o);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_defaults),
        cmocka_unit_test(test_options_after_command_and_pages_all),
        cmocka_unit_test(test_ids_from_arguments),
        cmocka_unit_test(test_ids_from_stdin),
        cmocka_unit_test(test_env_api_base_and_option_override),
        cmocka_unit_test(test_max_body_suffixes),
        cmocka_unit_test(test_usage_errors),
    };
    return cmocka_run_group_tests_name("cli", tests, quiet_stderr, NULL);
}
