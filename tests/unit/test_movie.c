/* test_movie.c - TMDB details JSON to struct movie: the mapping rules and
 * every rejection (no partial record, a reason naming the field). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "movie.h"

static const char FULL[] =
    "{\"adult\":false,\"backdrop_path\":\"/b.jpg\","
    "\"belongs_to_collection\":{\"id\":86311,\"name\":\"어벤져스 컬렉션\",\"poster_path\":null,"
    "\"backdrop_path\":\"/cb.jpg\"},"
    "\"budget\":3560000000,\"genres\":[{\"id\":12,\"name\":\"모험\"},{\"id\":878,\"name\":\"SF\"}],"
    "\"homepage\":\"\",\"id\":299534,\"imdb_id\":null,\"origin_country\":[\"US\"],"
    "\"original_language\":\"en\",\"original_title\":\"Avengers: Endgame\","
    "\"overview\":\"줄거리 \\\"인용\\\" \\\\ 🎬\\n둘째 줄\",\"popularity\":91.756,"
    "\"poster_path\":\"/p.jpg\","
    "\"production_companies\":[{\"id\":420,\"logo_path\":\"/l.png\",\"name\":\"Marvel Studios\","
    "\"origin_country\":\"US\"},{\"id\":7,\"logo_path\":null,\"name\":\"X\",\"origin_country\":\"\"}],"
    "\"production_countries\":[{\"iso_3166_1\":\"US\",\"name\":\"United States of America\"}],"
    "\"release_date\":\"2019-04-24\",\"revenue\":2799439100,\"runtime\":181,"
    "\"spoken_languages\":[{\"english_name\":\"English\",\"iso_639_1\":\"en\",\"name\":\"English\"},"
    "{\"english_name\":\"Japanese\",\"iso_639_1\":\"ja\",\"name\":\"日本語\"}],"
    "\"status\":\"Released\",\"tagline\":\"\",\"title\":\"어벤져스: 엔드게임\",\"video\":false,"
    "\"vote_average\":8.237,\"vote_count\":26012}";

static struct movie *parse_ok(const char *body, int64_t id) {
    struct movie *m = NULL;
    char reason[160] = "";
    enum movie_status st = movie_parse(body, strlen(body), id, &m, reason, sizeof reason);
    if (st != MOVIE_OK)
        fail_msg("rejected (%d): %s", st, reason);
    return m;
}

static void test_full_body(void **state) {
    (void)state;
    struct movie *m = parse_ok(FULL, 299534);
    assert_int_equal(m->id, 299534);
    assert_string_equal(m->title, "어벤져스: 엔드게임");
    assert_string_equal(m->original_title, "Avengers: Endgame");
    assert_string_equal(m->overview, "줄거리 \"인용\" \\ 🎬\n둘째 줄");
    assert_int_equal(m->revenue, 2799439100LL); /* above 2^31, exact */
    assert_int_equal(m->budget, 3560000000LL);
    assert_true(m->has_runtime);
    assert_int_equal(m->runtime, 181);
    assert_string_equal(m->release_date, "2019-04-24");
    assert_null(m->imdb_id);  /* null */
    assert_null(m->homepage); /* "" */
    assert_null(m->tagline);  /* "" */
    assert_true(m->vote_average > 8.236 && m->vote_average < 8.238);
    assert_int_equal(m->vote_count, 26012);
    assert_false(m->adult);
    assert_true(m->has_collection);
    assert_int_equal(m->collection.id, 86311);
    assert_string_equal(m->collection.name, "어벤져스 컬렉션");
    assert_null(m->collection.poster_path);
    assert_int_equal(m->n_genres, 2);
    assert_int_equal(m->genres[0].id, 12);
    assert_string_equal(m->genres[0].name, "모험");
    assert_int_equal(m->genres[1].id, 878);
    assert_int_equal(m->n_companies, 2);
    assert_null(m->companies[1].logo_path);
    assert_null(m->companies[1].origin_country);
    assert_int_equal(m->n_countries, 1);
    assert_string_equal(m->countries[0].iso_3166_1, "US");
    assert_int_equal(m->n_languages, 2);
    assert_string_equal(m->languages[1].name, "日本語");
    assert_int_equal(m->raw_len, strlen(FULL));
    assert_memory_equal(m->raw_json, FULL, m->raw_len);
    movie_free(m);
    movie_free(NULL);
}

static void test_unknowns_become_null(void **state) {
    (void)state;
    const char *b = "{\"id\":5,\"title\":\"T\",\"runtime\":0,\"release_date\":\"\","
                    "\"belongs_to_collection\":null,\"genres\":[],\"revenue\":0}";
    struct movie *m = parse_ok(b, 5);
    assert_false(m->has_runtime);
    assert_null(m->release_date);
    assert_false(m->has_collection);
    assert_int_equal(m->n_genres, 0);
    assert_null(m->genres);
    movie_free(m);
    b = "{\"id\":5,\"title\":\"T\",\"runtime\":null}";
    m = parse_ok(b, 5);
    assert_false(m->has_runtime);
    movie_free(m);
}

static void test_large_integers_are_exact(void **state) {
    (void)state;
    const char *b = "{\"id\":9,\"revenue\":9007199254740992,\"budget\":2147483648}";
    struct movie *m = parse_ok(b, 9);
    assert_int_equal(m->revenue, 9007199254740992LL);
    assert_int_equal(m->budget, 2147483648LL);
    movie_free(m);
}

static void test_trailing_whitespace_is_fine(void **state) {
    (void)state;
    struct movie *m = parse_ok("{\"id\":3}\n \r\n", 3);
    movie_free(m);
}

static void expect_rejected(const char *body, size_t len, int64_t id, enum movie_status want,
                            const char *reason_part) {
    struct movie *m = (struct movie *)0x1;
    char reason[160] = "";
    enum movie_status st = movie_parse(body, len, id, &m, reason, sizeof reason);
    if (st != want)
        fail_msg("status %d, wanted %d (reason: %s) for %.60s", st, want, reason, body);
    assert_null(m);
    if (!strstr(reason, reason_part))
        fail_msg("reason '%s' does not mention '%s'", reason, reason_part);
}

#define REJECT(body, id, want, part) expect_rejected((body), strlen(body), (id), (want), (part))

static void test_rejections(void **state) {
    (void)state;
    char truncated[64];
    memcpy(truncated, FULL, 40);
    truncated[40] = '\0';
    REJECT(truncated, 299534, MOVIE_ERR_JSON, "JSON");
    REJECT("", 1, MOVIE_ERR_JSON, "JSON");
    REJECT("[1,2]", 1, MOVIE_ERR_JSON, "object");
    REJECT("\"x\"", 1, MOVIE_ERR_JSON, "object");
    REJECT("{\"id\":1} {\"id\":2}", 1, MOVIE_ERR_JSON, "trailing");
    REJECT("<html>502</html>", 1, MOVIE_ERR_JSON, "JSON");
    REJECT("{\"id\":1,\"genres\":5}", 1, MOVIE_ERR_SHAPE, "genres");
    REJECT("{\"id\":1,\"title\":123}", 1, MOVIE_ERR_SHAPE, "title");
    REJECT("{\"title\":\"no id\"}", 1, MOVIE_ERR_SHAPE, "id");
    REJECT("{\"id\":\"1\"}", 1, MOVIE_ERR_SHAPE, "id");
    REJECT("{\"id\":2}", 1, MOVIE_ERR_ID, "2");
    REJECT("{\"id\":1,\"genres\":[{\"name\":\"Drama\"}]}", 1, MOVIE_ERR_SHAPE, "genres[0]");
    REJECT("{\"id\":1,\"genres\":[{\"id\":18}]}", 1, MOVIE_ERR_SHAPE, "name");
    REJECT("{\"id\":1,\"genres\":[18]}", 1, MOVIE_ERR_SHAPE, "genres[0]");
    REJECT("{\"id\":1,\"revenue\":1.5}", 1, MOVIE_ERR_SHAPE, "revenue");
    REJECT("{\"id\":1,\"revenue\":1e400}", 1, MOVIE_ERR_SHAPE, "revenue");
    REJECT("{\"id\":1,\"revenue\":\"100\"}", 1, MOVIE_ERR_SHAPE, "revenue");
    REJECT("{\"id\":1,\"adult\":\"no\"}", 1, MOVIE_ERR_SHAPE, "adult");
    REJECT("{\"id\":1,\"vote_average\":\"8\"}", 1, MOVIE_ERR_SHAPE, "vote_average");
    REJECT("{\"id\":1,\"belongs_to_collection\":[]}", 1, MOVIE_ERR_SHAPE, "collection");
    REJECT("{\"id\":1,\"production_companies\":[{\"id\":1}]}", 1, MOVIE_ERR_SHAPE, "name");
    REJECT("{\"id\":1,\"production_countries\":{}}", 1, MOVIE_ERR_SHAPE, "production_countries");
    REJECT("{\"id\":1,\"spoken_languages\":[{\"name\":\"x\"}]}", 1, MOVIE_ERR_SHAPE, "iso_639_1");
}

static void test_invalid_utf8_and_nul(void **state) {
    (void)state;
    REJECT("{\"id\":1,\"title\":\"caf\xc3\x28\"}", 1, MOVIE_ERR_UTF8, "UTF-8");
    REJECT("{\"id\":1,\"title\":\"\xc0\xaf\"}", 1, MOVIE_ERR_UTF8, "UTF-8");     /* overlong */
    REJECT("{\"id\":1,\"title\":\"\xe0\x80\xaf\"}", 1, MOVIE_ERR_UTF8, "UTF-8"); /* overlong */
    REJECT("{\"id\":1,\"title\":\"\xed\xa0\x80\"}", 1, MOVIE_ERR_UTF8, "UTF-8"); /* surrogate */
    REJECT("{\"id\":1,\"title\":\"\xf4\x90\x80\x80\"}", 1, MOVIE_ERR_UTF8, "UTF-8"); /* >10FFFF */
    REJECT("{\"id\":1,\"title\":\"\xe2\x82\"}", 1, MOVIE_ERR_UTF8, "UTF-8"); /* truncated */
    const char nul[] = "{\"id\":1}\0{\"x\":1}";
    expect_rejected(nul, sizeof nul - 1, 1, MOVIE_ERR_JSON, "NUL");
}

static void test_utf8_validator(void **state) {
    (void)state;
    assert_true(movie_utf8_valid("", 0));
    assert_true(movie_utf8_valid("plain", 5));
    assert_true(movie_utf8_valid("한국어", strlen("한국어")));
    assert_true(movie_utf8_valid("🎬", 4));
    assert_true(movie_utf8_valid("\xf4\x8f\xbf\xbf", 4)); /* U+10FFFF */
    assert_false(movie_utf8_valid("\x80", 1));
    assert_false(movie_utf8_valid("\xff", 1));
    assert_false(movie_utf8_valid("\xf0\x9f\x8e", 3));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_body),
        cmocka_unit_test(test_unknowns_become_null),
        cmocka_unit_test(test_large_integers_are_exact),
        cmocka_unit_test(test_trailing_whitespace_is_fine),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_invalid_utf8_and_nul),
        cmocka_unit_test(test_utf8_validator),
    };
    return cmocka_run_group_tests_name("movie", tests, NULL, NULL);
}
