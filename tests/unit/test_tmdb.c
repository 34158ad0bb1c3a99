/* test_tmdb.c - URLs, redaction, append_to_response lists, list pages and error
 * bodies. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "json.h"
#include "tmdb.h"

static void test_list_names_round_trip(void **state) {
    (void)state;
    const char *names[] = {"now_playing", "popular", "top_rated", "upcoming"};
    for (size_t i = 0; i < 4; i++) {
        enum tmdb_list l = (enum tmdb_list)(TMDB_LIST_UPCOMING + 1); /* none: each must set it */
        assert_true(tmdb_list_from_name(names[i], &l));
        assert_string_equal(tmdb_list_name(l), names[i]);
    }
    enum tmdb_list l;
    assert_false(tmdb_list_from_name("trending", &l));
    assert_false(tmdb_list_from_name("", &l));
}

static void test_movie_url(void **state) {
    (void)state;
    char buf[256];
    int n = tmdb_url_movie(buf, sizeof buf, "https://api.themoviedb.org/3", 550, "ko-KR", NULL, NULL);
    assert_string_equal(buf, "https://api.themoviedb.org/3/movie/550?language=ko-KR");
    assert_int_equal(n, (int)strlen(buf));
    tmdb_url_movie(buf, sizeof buf, "http://127.0.0.1:8080/3/", 1, "en-US", NULL, "abc 123&x=y");
    assert_string_equal(buf, "http://127.0.0.1:8080/3/movie/1?language=en-US&api_key=abc%20123%26x%3Dy");
}

static void test_movie_url_with_append(void **state) {
    (void)state;
    char buf[256];
    int n = tmdb_url_movie(buf, sizeof buf, "https://h/3", 550, "ko-KR", "credits,keywords", NULL);
    assert_string_equal(buf, "https://h/3/movie/550?language=ko-KR&append_to_response=credits,keywords");
    assert_int_equal(n, (int)strlen(buf));
    /* commas and the slash of watch/providers stay readable; the key comes last */
    tmdb_url_movie(buf, sizeof buf, "https://h/3", 7, "en-US", "watch/providers,release_dates",
                   "k&y");
    assert_string_equal(buf, "https://h/3/movie/7?language=en-US"
                             "&append_to_response=watch/providers,release_dates&api_key=k%26y");
    /* anything else is encoded: no value can break out of its parameter */
    tmdb_url_movie(buf, sizeof buf, "https://h/3", 7, "en-US", "a b&c=d#e", NULL);
    assert_string_equal(buf, "https://h/3/movie/7?language=en-US&append_to_response=a%20b%26c%3Dd%23e");
    /* TMDB filters appended images by language: the language's and those
     * of none (nearly every backdrop) are asked for */
    tmdb_url_movie(buf, sizeof buf, "https://h/3", 7, "ko-KR", "credits,images", "k");
    assert_string_equal(buf, "https://h/3/movie/7?language=ko-KR&append_to_response=credits,images"
                             "&include_image_language=ko,null&api_key=k");
    tmdb_url_movie(buf, sizeof buf, "https://h/3", 7, "en-US", "credits,images_x", NULL);
    assert_string_equal(buf,
                        "https://h/3/movie/7?language=en-US&append_to_response=credits,images_x");
    /* "" is no append at all */
    tmdb_url_movie(buf, sizeof buf, "https://h/3", 7, "en-US", "", NULL);
    assert_string_equal(buf, "https://h/3/movie/7?language=en-US");
    /* too small for the appended list: refused, not cut */
    assert_int_equal(tmdb_url_movie(buf, 60, "https://h/3", 7, "en-US", "credits,keywords", NULL),
                     -1);
}

static void test_list_url(void **state) {
    (void)state;
    char buf[256];
    tmdb_url_list(buf, sizeof buf, "https://h/3", TMDB_LIST_TOP_RATED, 7, "ko-KR", "k");
    assert_string_equal(buf, "https://h/3/movie/top_rated?page=7&language=ko-KR&api_key=k");
}

static void test_url_too_small_is_refused_without_overflow(void **state) {
    (void)state;
    char buf[40];
    memset(buf, 'Z', sizeof buf);
    assert_int_equal(tmdb_url_movie(buf, 20, "https://api.themoviedb.org/3", 550, "ko-KR", NULL, NULL),
                     -1);
    for (size_t i = 20; i < sizeof buf; i++)
        assert_int_equal(buf[i], 'Z');
    assert_int_equal(tmdb_url_movie(buf, 0, "https://x", 1, "en", NULL, NULL), -1);
}

/* A gateway's login, decoded as libcurl decodes it before sending it as
 * Basic authentication: what a server echoing the header could show. */
static void test_url_login(void **state) {
    (void)state;
    char buf[64];
    assert_int_equal(tmdb_url_login("https://gw:pa%2Fss%40w@h:8443/3", buf, sizeof buf), 10);
    assert_string_equal(buf, "gw:pa/ss@w");
    assert_int_equal(tmdb_url_login("https://tokenonly@h/3", buf, sizeof buf), 9);
    assert_string_equal(buf, "tokenonly");
    assert_int_equal(tmdb_url_login("https://h:8443/3?x=a@b", buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    assert_int_equal(tmdb_url_login("https://api.themoviedb.org/3", buf, sizeof buf), 0);
    assert_int_equal(tmdb_url_login("no scheme@h", buf, sizeof buf), 0);
    assert_int_equal(tmdb_url_login("https://%zz:%4@h/3", buf, sizeof buf), 6); /* kept as is */
    assert_string_equal(buf, "%zz:%4");
    assert_int_equal(tmdb_url_login("https://averylonguser:averylongpassword@h/3", buf, 8), -1);
    assert_string_equal(buf, "");
}

/* A gateway's password holding a '/', '?' or '#' not percent-encoded
 * ends the authority before its '@'; host:digits before a '/' is a port,
 * whatever '@' its path holds. */
static void test_url_password_unencoded(void **state) {
    (void)state;
    assert_true(tmdb_url_password_unencoded("http://gw:pa/ss@h:8443/3"));
    assert_true(tmdb_url_password_unencoded("https://gw:pa#ss@h/3"));
    assert_true(tmdb_url_password_unencoded("https://gw:pa?ss@h/3"));
    assert_true(tmdb_url_password_unencoded("https://gw:2024#ss@h/3"));
    assert_true(tmdb_url_password_unencoded("https://gw:/ss@h/3"));
    assert_false(tmdb_url_password_unencoded("https://gw:2024/ss@h/3")); /* a port, a path */
    assert_false(tmdb_url_password_unencoded("https://h:8443/p@th"));
    assert_false(tmdb_url_password_unencoded("https://gw:pa%2Fss@h/3"));
    assert_false(tmdb_url_password_unencoded("https://gw:pass@h/3"));
    assert_false(tmdb_url_password_unencoded("https://h/3?x=a@b"));
    assert_false(tmdb_url_password_unencoded("https://[::1]:8/p@th"));
    assert_false(tmdb_url_password_unencoded("https://api.themoviedb.org/3"));
    assert_false(tmdb_url_password_unencoded("no scheme:a/b@h"));
}

static void test_redaction(void **state) {
    (void)state;
    char out[256];
    tmdb_redact_url("https://h/3/movie/1?api_key=SECRET&language=ko", out, sizeof out);
    assert_string_equal(out, "https://h/3/movie/1?api_key=***&language=ko");
    tmdb_redact_url("https://h/3/movie/1?language=ko&api_key=SECRET", out, sizeof out);
    assert_string_equal(out, "https://h/3/movie/1?language=ko&api_key=***");
    tmdb_redact_url("https://h/3/movie/1?a=1&api_key=SECRET&b=2", out, sizeof out);
    assert_string_equal(out, "https://h/3/movie/1?a=1&api_key=***&b=2");
    tmdb_redact_url("https://h/3/movie/1?language=ko", out, sizeof out);
    assert_string_equal(out, "https://h/3/movie/1?language=ko");
    tmdb_redact_url("https://h/3/movie/1?xapi_key=visible", out, sizeof out);
    assert_string_equal(out, "https://h/3/movie/1?xapi_key=visible");
    /* a password before the host: the user stays, a user alone goes; and
     * a command-line argument holding such a URL */
    static const struct {
        const char *url, *shown;
    } userinfo[] = {
        {"http://gw:s3cret@h:8080/3?api_key=K", "http://gw:***@h:8080/3?api_key=***"},
        {"https://TOKEN@h/3", "https://***@h/3"},
        {"https://gw:p@ss@h/3/x@y", "https://gw:***@h/3/x@y"},
        {"https://h/3/x@y?q=a://b", "https://h/3/x@y?q=a://b"},
        {"--api-base=http://u:pw@h/3", "--api-base=http://u:***@h/3"},
        {"http://:pw@h/3", "http://:***@h/3"},
        {"http://TOKEN@:8080/3", "http://***@:8080/3"}, /* no host name, a port */
        {"://TOKEN@h/3", "://***@h/3"},                 /* no scheme: "://" first */
        /* a password with a '/', '#', '?' or blank not percent-encoded,
         * which ends the authority before its '@' */
        {"https://gw:pa/ss@h/3", "https://gw:***@h/3"},
        {"https://gw:pa#ss@h/3", "https://gw:***@h/3"},
        {"https://gw:pa?ss@h/3", "https://gw:***@h/3"},
        {"'http://gw:pa ss@h:1'", "'http://gw:***@h:1'"},
        {"https://gw:/pass@h/3", "https://gw:***@h/3"},
        /* a password of digits before its '/', '?' or '#' reads as a port:
         * an '@' after it in the same URL ends a userinfo all the same (a
         * port's path holding '@' loses it: more hidden, never the password) */
        {"https://gw:2024/pw@h/3", "https://gw:***@h/3"},
        {"https://gw:12#pw@h/3", "https://gw:***@h/3"},
        {"'socks4x://u:7/pw@h:1'", "'socks4x://u:***@h:1'"},
        {"https://h:8080/3/x@y", "https://h:***@y"},
        {"https://h:8080/3/x y@z", "https://h:8080/3/x y@z"}, /* not in the same URL */
        {"https://h:8080/3: mail ops@example.org", "https://h:8080/3: mail ops@example.org"},
        {"http://[::1]:8080/3/x@y", "http://[::1]:8080/3/x@y"},
    };
    for (size_t i = 0; i < sizeof userinfo / sizeof *userinfo; i++) {
        tmdb_redact_url(userinfo[i].url, out, sizeof out);
        assert_string_equal(out, userinfo[i].shown);
    }
    char tiny[12];
    tmdb_redact_url("https://u:SECRET@h/3", tiny, sizeof tiny);
    assert_null(strstr(tiny, "SECRET"));
    tmdb_redact_url("https://h/3?api_key=SECRET", tiny, sizeof tiny);
    assert_null(strstr(tiny, "SECRET"));
    assert_true(strlen(tiny) < sizeof tiny);
}

static void test_list_page(void **state) {
    (void)state;
    const char *body = "{\"dates\":{\"maximum\":\"2026-12-01\",\"minimum\":\"2026-10-20\"},"
                       "\"page\":2,\"results\":[{\"id\":550,\"title\":\"x\"},{\"id\":3000000000}],"
                       "\"total_pages\":812,\"total_results\":16234}";
    struct tmdb_list_page p;
    char reason[128];
    assert_int_equal(tmdb_parse_list_page(body, strlen(body), &p, reason, sizeof reason), 0);
    assert_int_equal(p.page, 2);
    assert_int_equal(p.total_pages, 812); /* kept as given; the caller caps at 500 */
    assert_int_equal(p.total_results, 16234);
    assert_int_equal(p.n_ids, 2);
    assert_int_equal(p.ids[0], 550);
    assert_int_equal(p.ids[1], 3000000000LL);
}

/* A title cut in the middle of an emoji (a lone surrogate escape, valid
 * JSON) does not fail the page: cJSON refused it. */
static void test_list_page_with_a_lone_surrogate(void **state) {
    (void)state;
    const char *body = "{\"page\":1,\"results\":[{\"id\":7,\"title\":\"A\\ud83c\"},"
                       "{\"id\":8,\"title\":\"\\u0000\\\\u\"}],\"total_pages\":1}";
    struct tmdb_list_page p;
    char reason[128];
    assert_int_equal(tmdb_parse_list_page(body, strlen(body), &p, reason, sizeof reason), 0);
    assert_int_equal(p.n_ids, 2);
    assert_int_equal(p.ids[1], 8);
}

static void test_list_page_empty_results(void **state) {
    (void)state;
    const char *body = "{\"page\":9,\"results\":[],\"total_pages\":8,\"total_results\":150}";
    struct tmdb_list_page p;
    char reason[128];
    assert_int_equal(tmdb_parse_list_page(body, strlen(body), &p, reason, sizeof reason), 0);
    assert_int_equal(p.n_ids, 0);
}

/* total_pages is taken up to the parser's bound, 100 000 000 (far above
 * any list TMDB has), and refused above it. */
static void test_list_page_total_pages_bound(void **state) {
    (void)state;
    struct tmdb_list_page p;
    char reason[128];
    const char *most = "{\"page\":1,\"results\":[],\"total_pages\":100000000}";
    assert_int_equal(tmdb_parse_list_page(most, strlen(most), &p, reason, sizeof reason), 0);
    assert_int_equal(p.total_pages, 100000000);
    const char *over = "{\"page\":1,\"results\":[],\"total_pages\":100000001}";
    assert_int_equal(tmdb_parse_list_page(over, strlen(over), &p, reason, sizeof reason), -1);
}

static void test_list_page_rejections(void **state) {
    (void)state;
    const char *bad[] = {
        "",
        "[1,2]",
        "{\"page\":1,\"total_pages\":1}",
        "{\"page\":1,\"results\":5,\"total_pages\":1}",
        "{\"page\":1,\"results\":{\"id\":550},\"total_pages\":1}",
        "{\"page\":1,\"results\":[{\"id\":1}]",
        "{\"page\":1,\"results\":[{\"id\":1}],\"total_pages\":\"3\"}",
        "{\"page\":1,\"results\":[{\"id\":\"x\"}],\"total_pages\":-1}",
        "{\"page\":1,\"results\":[{\"id\":\"x\"}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct tmdb_list_page p;
        char reason[128] = "";
        if (tmdb_parse_list_page(bad[i], strlen(bad[i]), &p, reason, sizeof reason) != -1)
            fail_msg("case %zu accepted: %s", i, bad[i]);
        assert_true(reason[0] != '\0');
        assert_int_equal(p.n_ids, 0);
        assert_int_equal(p.n_bad, 0);
    }
}

/* page and total_results, when there and not null, are whole numbers: a
 * page that says otherwise is not a list page, the field named. */
static void test_list_page_fields_named(void **state) {
    (void)state;
    const struct {
        const char *body, *reason;
    } bad[] = {
        {"{\"page\":\"1\",\"results\":[],\"total_pages\":1}", "page is not a whole number"},
        {"{\"page\":1.5,\"results\":[],\"total_pages\":1}", "page is not a whole number"},
        {"{\"page\":-1,\"results\":[],\"total_pages\":1}", "page is not a whole number"},
        {"{\"page\":1,\"results\":[],\"total_pages\":1,\"total_results\":-3}",
         "total_results is not a whole number"},
        {"{\"page\":1,\"results\":[],\"total_pages\":1,\"total_results\":\"20\"}",
         "total_results is not a whole number"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct tmdb_list_page p;
        char reason[128] = "";
        if (tmdb_parse_list_page(bad[i].body, strlen(bad[i].body), &p, reason, sizeof reason) != -1)
            fail_msg("case %zu accepted: %s", i, bad[i].body);
        if (!strstr(reason, bad[i].reason))
            fail_msg("case %zu: '%s' lacks '%s'", i, reason, bad[i].reason);
    }
    const char *null_fields = "{\"page\":null,\"results\":[{\"id\":7}],\"total_pages\":1,"
                              "\"total_results\":null}";
    struct tmdb_list_page p;
    char reason[128];
    assert_int_equal(
        tmdb_parse_list_page(null_fields, strlen(null_fields), &p, reason, sizeof reason), 0);
    assert_int_equal(p.n_ids, 1);
    assert_int_equal(p.total_results, 0);
}

/* A result without a usable id is not the page's fault: it is set aside
 * with its position and why, and the page's other results are kept. */
static void test_list_page_bad_results(void **state) {
    (void)state;
    const char *body = "{\"page\":3,\"total_pages\":5,\"results\":["
                       "{\"id\":1},{\"id\":\"550\"},{\"id\":2},{\"title\":\"no id\"},"
                       "{\"id\":null},{\"id\":1.5},{\"id\":-4},{\"id\":0},{\"id\":1e30},"
                       "{\"id\":true},7,{\"id\":3,\"adult\":true},{\"id\":\"9\",\"adult\":true}]}";
    static const char *const why[] = {
        "id is a string",           "id is missing",      "id is null",
        "id is not a whole number", "id is not positive", "id is not positive",
        "id is too large",          "id is not a number", "result is not an object",
        "id is a string",
    };
    static const int position[] = {2, 4, 5, 6, 7, 8, 9, 10, 11, 13};
    struct tmdb_list_page p;
    char reason[128];
    assert_int_equal(tmdb_parse_list_page(body, strlen(body), &p, reason, sizeof reason), 0);
    assert_int_equal(p.total_pages, 5);
    assert_int_equal(p.n_ids, 3);
    assert_int_equal(p.ids[0], 1);
    assert_int_equal(p.ids[1], 2);
    assert_int_equal(p.ids[2], 3);
    assert_true(p.adult[2]);
    assert_int_equal(p.n_bad, sizeof why / sizeof *why);
    for (size_t i = 0; i < p.n_bad; i++) {
        assert_int_equal(p.bad[i].position, position[i]);
        assert_string_equal(p.bad[i].why, why[i]);
        assert_int_equal(p.bad[i].adult, i == p.n_bad - 1);
    }
}

static void test_list_page_more_than_capacity(void **state) {
    (void)state;
    char body[8192] = "{\"page\":1,\"total_pages\":1,\"results\":[";
    for (int i = 1; i <= 101; i++) {
        char item[32];
        snprintf(item, sizeof item, "%s{\"id\":%d}", i > 1 ? "," : "", i);
        strcat(body, item);
    }
    strcat(body, "]}");
    struct tmdb_list_page p;
    char reason[128];
    assert_int_equal(tmdb_parse_list_page(body, strlen(body), &p, reason, sizeof reason), -1);
    /* results without a usable id count too */
    char *second = strstr(body, "{\"id\":2}");
    memcpy(second, "{\"id\":0}", 8);
    assert_int_equal(tmdb_parse_list_page(body, strlen(body), &p, reason, sizeof reason), -1);
    assert_int_equal(p.n_ids + p.n_bad, 0);
}

static void test_error_bodies(void **state) {
    (void)state;
    int code;
    char msg[128];
    const char *std = "{\"success\":false,\"status_code\":7,\"status_message\":\"Invalid API key: "
                      "You must be granted a valid key.\"}";
    tmdb_parse_error(std, strlen(std), &code, msg, sizeof msg);
    assert_int_equal(code, 7);
    assert_string_equal(msg, "Invalid API key: You must be granted a valid key.");

    const char *reordered = "{\"status_message\":\"Over limit\",\"status_code\":25}";
    tmdb_parse_error(reordered, strlen(reordered), &code, msg, sizeof msg);
    assert_int_equal(code, 25);
    assert_string_equal(msg, "Over limit");

    const char *errors = "{\"errors\":[\"page must be less than or equal to 500\"]}";
    tmdb_parse_error(errors, strlen(errors), &code, msg, sizeof msg);
    assert_int_equal(code, 0);
    assert_string_equal(msg, "page must be less than or equal to 500");

    const char *html = "<HTML><BODY>502 ERROR</BODY></HTML>";
    tmdb_parse_error(html, strlen(html), &code, msg, sizeof msg);
    assert_int_equal(code, 0);
    assert_string_equal(msg, "non-JSON body");

    tmdb_parse_error("", 0, &code, msg, sizeof msg);
    assert_int_equal(code, 0);
    assert_string_equal(msg, "");

    /* a status_code is a number of up to five digits; a larger one is none */
    const char *largest = "{\"status_code\":99999,\"status_message\":\"x\"}";
    tmdb_parse_error(largest, strlen(largest), &code, msg, sizeof msg);
    assert_int_equal(code, 99999);
    const char *too_large = "{\"status_code\":100000,\"status_message\":\"x\"}";
    tmdb_parse_error(too_large, strlen(too_large), &code, msg, sizeof msg);
    assert_int_equal(code, 0);
    assert_string_equal(msg, "x");

    const char *truncated = "{\"status_code\":34,\"status_mess";
    tmdb_parse_error(truncated, strlen(truncated), &code, msg, sizeof msg);
    assert_int_equal(code, 0);
    assert_string_equal(msg, "non-JSON body");
}

/* `is` says yes to each of `yes` and no to each of `no` (error bodies). */
static void assert_classifies(bool (*is)(const char *, size_t), const char *what,
                              const char *const *yes, size_t n_yes, const char *const *no,
                              size_t n_no) {
    for (size_t i = 0; i < n_yes; i++)
        if (!is(yes[i], strlen(yes[i])))
            fail_msg("not recognised as %s: %s", what, yes[i]);
    for (size_t i = 0; i < n_no; i++)
        if (is(no[i], strlen(no[i])))
            fail_msg("taken for %s: %s", what, no[i]);
}

/* Only TMDB's own "not found" makes a 404 a missing movie. */
static void test_not_found_is_tmdbs_own(void **state) {
    (void)state;
    static const char *const gone[] = {
        "{\"success\":false,\"status_code\":34,\"status_message\":\"The resource you "
        "requested could not be found.\"}",
        "{\"status_message\":\"The resource you requested could not be found.\","
        "\"status_code\":34}",
        "{\"status_code\":6,\"status_message\":\"Invalid id: The pre-requisite id is invalid or "
        "not found.\"}",
    };
    static const char *const not_tmdb[] = {
        "<html><body><h1>404 Not Found</h1><hr>nginx</body></html>",
        "",
        "{\"status_code\":7,\"status_message\":\"Invalid API key\"}",
        "{\"errors\":[\"not found\"]}",
        "{\"message\":\"Not Found\"}",
        "{\"status_code\":34,\"status_mess",
        "{\"status_code\":\"34\"}",
    };
    assert_classifies(tmdb_is_not_found, "TMDB's not found", gone, sizeof gone / sizeof *gone,
                      not_tmdb, sizeof not_tmdb / sizeof *not_tmdb);
}

/* Only TMDB's own refusal of a page number ends a list: any other 400 or
 * 422 (a proxy's HTML page, another TMDB error) is a failed page. */
static void test_page_refusal(void **state) {
    (void)state;
    static const char *const refusals[] = {
        "{\"success\":false,\"status_code\":22,\"status_message\":\"Invalid page: Pages "
        "start at 1 and max at 500. They are expected to be an integer.\"}",
        "{\"errors\":[\"page must be less than or equal to 500\"]}",
    };
    static const char *const others[] = {
        "<html><body>400 Bad Request</body></html>",
        "",
        "{\"status_code\":7,\"status_message\":\"Invalid API key\"}",
        "{\"errors\":[\"query must be provided\"]}",
        "{\"status_code\":34,\"status_message\":\"page not found\"}",
    };
    assert_classifies(tmdb_is_page_refusal, "a page refusal", refusals,
                      sizeof refusals / sizeof *refusals, others, sizeof others / sizeof *others);
}

static void test_error_message_is_sanitised_and_truncated(void **state) {
    (void)state;
    int code;
    char msg[8];
    const char *body = "{\"status_code\":11,\"status_message\":\"a\\nb\\u001bc long message\"}";
    tmdb_parse_error(body, strlen(body), &code, msg, sizeof msg);
    assert_int_equal(code, 11);
    assert_string_equal(msg, "a b c l");
}

/* The message goes to fetch_failures.reason: cut between characters, and
 * bytes that are not UTF-8 replaced, it stays text every reader decodes
 * (cut in the middle of a character, Python's sqlite3 refused the row). */
static void test_error_message_stays_utf8(void **state) {
    (void)state;
    int code;
    char msg[128];
    char body[512] = "{\"status_code\":47,\"status_message\":\"";
    for (int i = 0; i < 100; i++)
        strcat(body, "\xEA\xB0\x80"); /* U+AC00, 3 bytes: 127 falls inside one */
    strcat(body, "\"}");
    tmdb_parse_error(body, strlen(body), &code, msg, sizeof msg);
    assert_int_equal(code, 47);
    assert_int_equal(strlen(msg), 126); /* 42 whole characters */
    assert_true(json_utf8_valid(msg, strlen(msg)));
    for (size_t i = 0; i < 126; i += 3)
        assert_memory_equal(msg + i, "\xEA\xB0\x80", 3); /* kept as they were */

    const char *accented = "{\"status_code\":34,\"status_message\":\"Pel\xC3\xAD"
                           "cula \xE2\x9C\x93\"}";
    tmdb_parse_error(accented, strlen(accented), &code, msg, sizeof msg);
    assert_string_equal(msg, "Pel\xC3\xAD"
                             "cula \xE2\x9C\x93");

    const char *bad = "{\"status_code\":47,\"status_message\":\"a\xFF\xEA\xB0z\"}";
    tmdb_parse_error(bad, strlen(bad), &code, msg, sizeof msg);
    assert_string_equal(msg, "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDz");

    /* a U+FFFD is 3 bytes whatever the byte it replaces: one that does not
     * fit whole is left out (2 + 41 * 3 bytes), nothing past the size */
    char lone[256] = "{\"status_code\":47,\"status_message\":\"ab";
    for (int i = 0; i < 100; i++)
        strcat(lone, "\x80");
    strcat(lone, "\"}");
    char big[132];
    memset(big, 'X', sizeof big);
    tmdb_parse_error(lone, strlen(lone), &code, big, 128);
    assert_int_equal(strlen(big), 125);
    assert_int_equal(big[128], 'X');
}

/* An http:// base carries the credential unencrypted: fine on this
 * machine (the tests' fake), warned about anywhere else. */
static void test_cleartext_base_is_one_off_this_machine(void **state) {
    (void)state;
    const char *cleartext[] = {
        "http://api.themoviedb.org/3",    "HTTP://tmdb.lan:8080/3",         "http://10.0.0.5/3",
        "http://127.0.0.1.example.com/3", "http://127.0.0.1@gateway.lan/3", "http://[::2]:80/3",
        "http://localhost.example/3"};
    const char *not_cleartext[] = {"https://api.themoviedb.org/3", "http://127.0.0.1:8080/3",
                                   "http://127.1.2.3/3",           "http://localhost/3",
                                   "http://LOCALHOST:99",          "http://[::1]:8080/3",
                                   "http://user:pw@127.0.0.1:1/3"};
    for (size_t i = 0; i < sizeof cleartext / sizeof *cleartext; i++)
        assert_true(tmdb_base_is_cleartext(cleartext[i]));
    for (size_t i = 0; i < sizeof not_cleartext / sizeof *not_cleartext; i++)
        assert_false(tmdb_base_is_cleartext(not_cleartext[i]));
}

/* A user (and password) before the host is a gateway's login; an '@' in
 * the path or the query is not. */
static void test_base_userinfo_is_before_the_host(void **state) {
    (void)state;
    const char *with[] = {"http://user:pw@127.0.0.1:1/3", "https://u@gateway.lan/3",
                          "http://a@b:c@host/3"};
    const char *without[] = {"https://api.themoviedb.org/3", "http://127.0.0.1:1/3/@x",
                             "http://host/3?a=b@c", "http://host#frag@x", "api.themoviedb.org/3"};
    for (size_t i = 0; i < sizeof with / sizeof *with; i++)
        assert_true(tmdb_base_has_userinfo(with[i]));
    for (size_t i = 0; i < sizeof without / sizeof *without; i++)
        assert_false(tmdb_base_has_userinfo(without[i]));
}

static void test_append_duplicates_dropped_order_kept(void **state) {
    (void)state;
    char buf[512], reason[400] = "";
    assert_int_equal(tmdb_append_normalise("keywords,credits,keywords,watch/providers,credits", buf,
                                           sizeof buf, reason, sizeof reason),
                     0);
    assert_string_equal(buf, "keywords,credits,watch/providers");
    assert_int_equal(tmdb_append_normalise("videos", buf, sizeof buf, reason, sizeof reason), 0);
    assert_string_equal(buf, "videos");
    /* every part TMDB knows, in one list */
    assert_int_equal(
        tmdb_append_normalise(tmdb_append_parts, buf, sizeof buf, reason, sizeof reason), 0);
    assert_string_equal(buf, tmdb_append_parts);
}

/* TMDB counts the parts it is sent, after duplicates are dropped: with
 * fewer known parts than TMDB_MAX_APPEND, a long list of repeats is fine. */
static void test_append_limit_counts_distinct_parts(void **state) {
    (void)state;
    size_t n_known = 1;
    for (const char *p = tmdb_append_parts; *p; p++)
        n_known += *p == ',';
    assert_true(n_known <= TMDB_MAX_APPEND);
    char list[1024], buf[512], reason[400];
    for (int entries = TMDB_MAX_APPEND; entries <= TMDB_MAX_APPEND + 1; entries++) {
        /* all known parts, then credits again until `entries` names */
        int len = snprintf(list, sizeof list, "%s", tmdb_append_parts);
        for (size_t i = n_known; i < (size_t)entries; i++)
            len += snprintf(list + len, sizeof list - (size_t)len, ",credits");
        if (tmdb_append_normalise(list, buf, sizeof buf, reason, sizeof reason) != 0)
            fail_msg("%d names (%zu distinct) refused: %s", entries, n_known, reason);
        assert_string_equal(buf, tmdb_append_parts);
    }
}

static void test_append_rejections(void **state) {
    (void)state;
    static const struct {
        const char *list, *reason;
    } bad[] = {
        {"credits,bogus", "unknown part 'bogus'"},
        {"Credits", "unknown part 'Credits'"},
        {"credits, keywords", "unknown part ' keywords'"},
        {"watch", "unknown part 'watch'"},
        {"", "an empty part name"},
        {",credits", "an empty part name"},
        {"credits,", "an empty part name"},
        {"credits,,videos", "an empty part name"},
        /* a long unknown name is cut to 40 characters in the reason */
        {"0123456789012345678901234567890123456789TAIL",
         "'0123456789012345678901234567890123456789'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char buf[512], reason[400] = "";
        if (tmdb_append_normalise(bad[i].list, buf, sizeof buf, reason, sizeof reason) != -1)
            fail_msg("'%s' was accepted as '%s'", bad[i].list, buf);
        if (!strstr(reason, bad[i].reason))
            fail_msg("'%s': reason '%s' lacks '%s'", bad[i].list, reason, bad[i].reason);
    }
}

static void test_append_buffer_too_small(void **state) {
    (void)state;
    char buf[32], reason[400] = "";
    const size_t need = sizeof "credits,keywords";
    assert_int_equal(tmdb_append_normalise("credits,keywords", buf, need, reason, sizeof reason),
                     0);
    assert_string_equal(buf, "credits,keywords");
    memset(buf, 'Z', sizeof buf);
    assert_int_equal(
        tmdb_append_normalise("credits,keywords", buf, need - 1, reason, sizeof reason), -1);
    assert_non_null(strstr(reason, "too long"));
    for (size_t i = need - 1; i < sizeof buf; i++)
        assert_int_equal(buf[i], 'Z');
    assert_int_equal(tmdb_append_normalise("credits", buf, 0, reason, sizeof reason), -1);
}

static void test_changes_url(void **state) {
    (void)state;
    char buf[256];
    int n = tmdb_url_changes(buf, sizeof buf, "https://api.themoviedb.org/3", "2026-11-01",
                             "2026-11-14", 1, NULL);
    assert_string_equal(buf, "https://api.themoviedb.org/3/movie/changes"
                             "?start_date=2026-11-01&end_date=2026-11-14&page=1");
    assert_int_equal(n, (int)strlen(buf));
    /* a trailing slash on the base is tolerated; the key is encoded and comes last */
    n = tmdb_url_changes(buf, sizeof buf, "http://127.0.0.1:8080/3/", "2026-11-15", "2026-11-24",
                         12, "k&y z/=#");
    assert_string_equal(buf, "http://127.0.0.1:8080/3/movie/changes?start_date=2026-11-15"
                             "&end_date=2026-11-24&page=12&api_key=k%26y%20z%2F%3D%23");
    assert_int_equal(n, (int)strlen(buf));
    char redacted[256];
    tmdb_redact_url(buf, redacted, sizeof redacted);
    assert_string_equal(redacted, "http://127.0.0.1:8080/3/movie/changes?start_date=2026-11-15"
                                  "&end_date=2026-11-24&page=12&api_key=***");
}

/* /configuration, which the source asks to check the API base; the key
 * (when there is one) is its only parameter, and a URL that does not fit
 * leaves no part of it behind. */
static void test_configuration_url(void **state) {
    (void)state;
    char buf[128];
    assert_int_equal(tmdb_url_configuration(buf, sizeof buf, "https://api.themoviedb.org/3/", NULL),
                     (int)strlen("https://api.themoviedb.org/3/configuration"));
    assert_string_equal(buf, "https://api.themoviedb.org/3/configuration");
    tmdb_url_configuration(buf, sizeof buf, "http://127.0.0.1:8080/3", "k&y");
    assert_string_equal(buf, "http://127.0.0.1:8080/3/configuration?api_key=k%26y");
    assert_int_equal(tmdb_url_configuration(buf, 40, "http://127.0.0.1:8080/3", "k&y"), -1);
    assert_string_equal(buf, "");
}

/* TMDB's own base, with or without a trailing slash, and nothing else: not
 * a longer path, nor another base of the same length. */
static void test_official_base_is_tmdb_s_own(void **state) {
    (void)state;
    assert_true(tmdb_is_official_base("https://api.themoviedb.org/3"));
    assert_true(tmdb_is_official_base("https://api.themoviedb.org/3/"));
    assert_false(tmdb_is_official_base("https://api.themoviedb.org/30"));
    assert_false(tmdb_is_official_base("https://api.themoviedb.org/3//"));
    assert_false(tmdb_is_official_base("https://api.themoviedb.org/3/x"));
    assert_false(tmdb_is_official_base("https://api.themoviedb.org"));
    assert_false(tmdb_is_official_base("http://127.0.0.1:8080/3"));
    assert_false(tmdb_is_official_base("https://api.example.test.x/3"));  /* same length */
    assert_false(tmdb_is_official_base("https://api.example.test.x/3/")); /* and a slash */
}

static void test_url_encode_is_the_urls_encoding(void **state) {
    (void)state;
    char buf[64], url[256];
    assert_int_equal(tmdb_url_encode(buf, sizeof buf, "ab+c/d=e~"), 15);
    assert_string_equal(buf, "ab%2Bc%2Fd%3De~");
    /* the very form a URL with that key carries */
    assert_true(tmdb_url_configuration(url, sizeof url, "https://h/3", "ab+c/d=e~") > 0);
    assert_non_null(strstr(url, "api_key=ab%2Bc%2Fd%3De~"));
    /* RFC 3986's unreserved characters stay as they are, both ends of each range */
    assert_int_equal(tmdb_url_encode(buf, sizeof buf, "AZaz09-._~"), 10);
    assert_string_equal(buf, "AZaz09-._~");
    assert_int_equal(tmdb_url_encode(buf, sizeof buf, "@[`{/:"), 18);
    assert_string_equal(buf, "%40%5B%60%7B%2F%3A");
    assert_int_equal(tmdb_url_encode(buf, sizeof buf, ""), 0);
    assert_string_equal(buf, "");
    assert_int_equal(tmdb_url_encode(buf, 15, "ab+c/d=e~"), -1); /* no room for the NUL */
    assert_string_equal(buf, "");
}

static void test_changes_url_too_small_is_refused_without_overflow(void **state) {
    (void)state;
    const char *base = "https://h/3";
    char full[256];
    int len = tmdb_url_changes(full, sizeof full, base, "2026-11-01", "2026-11-14", 500, "KEY");
    assert_true(len > 0);
    for (size_t size = 0; size <= (size_t)len; size++) {
        char buf[256];
        memset(buf, 'Z', sizeof buf);
        if (tmdb_url_changes(buf, size, base, "2026-11-01", "2026-11-14", 500, "KEY") != -1)
            fail_msg("size %zu of %d accepted", size, len + 1);
        for (size_t i = size; i < sizeof buf; i++)
            assert_int_equal(buf[i], 'Z');
    }
    char exact[256];
    assert_int_equal(
        tmdb_url_changes(exact, (size_t)len + 1, base, "2026-11-01", "2026-11-14", 500, "KEY"),
        len);
    assert_string_equal(exact, full);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_names_round_trip),
        cmocka_unit_test(test_movie_url),
        cmocka_unit_test(test_movie_url_with_append),
        cmocka_unit_test(test_list_url),
        cmocka_unit_test(test_url_too_small_is_refused_without_overflow),
        cmocka_unit_test(test_url_password_unencoded),
        cmocka_unit_test(test_redaction),
        cmocka_unit_test(test_url_login),
        cmocka_unit_test(test_list_page),
        cmocka_unit_test(test_list_page_with_a_lone_surrogate),
        cmocka_unit_test(test_list_page_empty_results),
        cmocka_unit_test(test_list_page_total_pages_bound),
        cmocka_unit_test(test_list_page_rejections),
        cmocka_unit_test(test_list_page_fields_named),
        cmocka_unit_test(test_list_page_bad_results),
        cmocka_unit_test(test_list_page_more_than_capacity),
        cmocka_unit_test(test_error_bodies),
        cmocka_unit_test(test_page_refusal),
        cmocka_unit_test(test_error_message_is_sanitised_and_truncated),
        cmocka_unit_test(test_error_message_stays_utf8),
        cmocka_unit_test(test_cleartext_base_is_one_off_this_machine),
        cmocka_unit_test(test_base_userinfo_is_before_the_host),
        cmocka_unit_test(test_not_found_is_tmdbs_own),
        cmocka_unit_test(test_append_duplicates_dropped_order_kept),
        cmocka_unit_test(test_append_limit_counts_distinct_parts),
        cmocka_unit_test(test_append_rejections),
        cmocka_unit_test(test_append_buffer_too_small),
        cmocka_unit_test(test_changes_url),
        cmocka_unit_test(test_configuration_url),
        cmocka_unit_test(test_official_base_is_tmdb_s_own),
        cmocka_unit_test(test_url_encode_is_the_urls_encoding),
        cmocka_unit_test(test_changes_url_too_small_is_refused_without_overflow),
    };
    return cmocka_run_group_tests_name("tmdb", tests, NULL, NULL);
}
