/* test_movie.c - TMDB details JSON to struct movie: the mapping rules and
 * every rejection (no partial record, a reason naming the field). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "movie.h"

/* The Makefile links this test with -Wl,--wrap=malloc: the project's own
 * calls to malloc (the arena's blocks among them) come here, and fail from
 * this many bytes on while it is not 0, as on a machine out of memory. */
static size_t fail_malloc_from;
void *__real_malloc(size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_malloc(size_t size) {
    return fail_malloc_from && size >= fail_malloc_from ? NULL : __real_malloc(size);
}

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
    "\"origin_country\":\"US\"},{\"id\":7,\"logo_path\":null,\"name\":\"X\",\"origin_country\":"
    "\"\"}],"
    "\"production_countries\":[{\"iso_3166_1\":\"US\",\"name\":\"United States of America\"}],"
    "\"release_date\":\"2019-04-24\",\"revenue\":2799439100,\"runtime\":181,"
    "\"spoken_languages\":[{\"english_name\":\"English\",\"iso_639_1\":\"en\",\"name\":\"English\"}"
    ","
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
    assert_true(m->has_popularity && m->has_vote_average && m->has_vote_count);
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
    assert_false(m->adult); /* absent: not adult, not a video */
    assert_false(m->video);
    assert_false(m->has_runtime);
    assert_null(m->release_date);
    assert_false(m->has_collection);
    assert_false(m->has_popularity); /* absent: NULL, not a score of 0 */
    assert_false(m->has_vote_average);
    assert_false(m->has_vote_count);
    assert_int_equal(m->n_genres, 0);
    assert_null(m->genres);
    movie_free(m);
    b = "{\"id\":5,\"title\":\"T\",\"runtime\":null,\"popularity\":null,"
        "\"vote_average\":null,\"vote_count\":null,\"adult\":null,\"video\":null,"
        "\"credits\":{\"cast\":[{\"id\":9,\"name\":\"N\",\"credit_id\":\"c\"}],"
        "\"crew\":[{\"id\":8,\"name\":\"M\",\"adult\":null,\"credit_id\":\"d\"}]}}";
    m = parse_ok(b, 5);
    assert_false(m->adult); /* null: as absent */
    assert_false(m->video);
    assert_int_equal(m->n_cast, 1);
    assert_false(m->cast[0].person.adult); /* a person's absent "adult" too */
    assert_int_equal(m->n_crew, 1);
    assert_false(m->crew[0].person.adult);
    assert_false(m->has_runtime);
    assert_false(m->has_popularity);
    assert_false(m->has_vote_average);
    assert_false(m->has_vote_count);
    movie_free(m);
}

/* Members are found by name as cJSON finds them: the first of a repeated
 * name, in any order, among more members than the index holds too. */
static void test_members_found_as_cjson_finds_them(void **state) {
    (void)state;
    struct movie *m = parse_ok("{\"title\":\"first\",\"id\":5,\"overview\":\"o\","
                               "\"title\":\"second\",\"tagline\":\"t\",\"id\":6}",
                               5);
    assert_string_equal(m->title, "first");
    assert_string_equal(m->overview, "o");
    assert_string_equal(m->tagline, "t");
    assert_null(m->homepage);
    movie_free(m);
    char body[4096] = "{";
    for (int i = 0; i < 120; i++) /* more than MOVIE_INDEX_MAX */
        snprintf(body + strlen(body), sizeof body - strlen(body), "\"x%d\":%d,", i, i);
    strcat(body, "\"title\":\"many\",\"title\":\"later\",\"id\":7,\"runtime\":90}");
    m = parse_ok(body, 7);
    assert_string_equal(m->title, "many");
    assert_int_equal(m->runtime, 90);
    assert_null(m->overview);
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
    m = parse_ok("{\"id\":3}\t\n", 3); /* a tab is JSON's whitespace too */
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

/* Beyond 2^53 a double rounds: budget and revenue come from the text. */
static void test_integers_beyond_2_53_are_exact(void **state) {
    (void)state;
    const char *b = "{\"budget\":9007199254740993,\"id\":9,\"x\":{\"revenue\":1},"
                    "\"revenue\":-9223372036854775808, \"title\":\"revenue\"}";
    struct movie *m = parse_ok(b, 9);
    assert_true(m->budget == 9007199254740993LL);
    assert_true(m->revenue == INT64_MIN);
    movie_free(m);
    m = parse_ok("{\"id\":9,\"budget\":4503599627370497,\"revenue\":-4503599627370497}", 9);
    assert_true(m->budget == 4503599627370497LL); /* from 2^52 on, from the text too */
    assert_true(m->revenue == -4503599627370497LL);
    movie_free(m);
}

/* A number whose double is not the literal's value is refused, never
 * stored as another: a fraction rounded away between 2^52 and 2^53 (every
 * double there is whole), an integer past 2^53 rounded to its neighbour
 * (2^53 + 1 reads as 2^53) where only budget and revenue read the text. */
static void test_numbers_a_double_changes_are_refused(void **state) {
    (void)state;
    REJECT("{\"id\":9,\"revenue\":4503599627370497.5}", 9, MOVIE_ERR_SHAPE,
           "revenue is not a 64-bit integer");
    REJECT("{\"id\":9,\"budget\":4503599627370497.0}", 9, MOVIE_ERR_SHAPE,
           "budget is not a 64-bit integer");
    REJECT("{\"id\":9,\"vote_count\":9007199254740993}", 9, MOVIE_ERR_SHAPE, "vote_count");
    REJECT("{\"id\":9,\"vote_count\":9007199254740992}", 9, MOVIE_ERR_SHAPE, "vote_count");
    REJECT("{\"id\":9,\"runtime\":4503599627370496.5}", 9, MOVIE_ERR_SHAPE, "runtime");
    struct movie *m = parse_ok("{\"id\":9,\"vote_count\":4503599627370495}", 9);
    assert_true(m->vote_count == 4503599627370495LL); /* just below: exact, kept */
    movie_free(m);
}

/* What cJSON accepts but SQLite's JSON functions refuse is refused here,
 * before it can reach raw_json; what RFC 8259 allows passes. */
static void test_strict_json(void **state) {
    (void)state;
    static const char *const lax[] = {
        "{\"id\":1,\"vote_count\":010}",  "{\"id\":1,\"popularity\":1.}",
        "{\"id\":1,\"popularity\":.5}",   "{\"id\":1,\"popularity\":+1}",
        "{\"id\":1,\"tagline\":\"a\tb\"}", "{\"id\":1,\"tagline\":\"a\\x\"}",
        "{\"id\":1,\"tagline\":\"\\u12\"}", "{\"id\":1,}",
        "{\"id\":1} x",                     "{\"id\":1,\"a\":[1,]}",
        "{\"id\":1,\"a\":tru}",             "{id:1}",
        "{\"id\":1,\"a\":1e}",             "{\"id\":1,\"a\":-}",
    };
    for (size_t i = 0; i < sizeof lax / sizeof *lax; i++)
        expect_rejected(lax[i], strlen(lax[i]), 1, MOVIE_ERR_JSON, "JSON");
    static const char *const strict[] = {
        "{\"id\":1,\"a\":[0,-0,0.5,-1.25e+10,1E-3,true,false,null,\"\\u00e9\\n\\/\"]}",
        " \r\n\t{\"id\":1,\"a\":{},\"b\":[],\"c\":\"\"}\n",
    };
    for (size_t i = 0; i < sizeof strict / sizeof *strict; i++)
        movie_free(parse_ok(strict[i], 1));
    char deep[2 * JSON_MAX_DEPTH + 64];
    size_t n = (size_t)snprintf(deep, sizeof deep, "{\"id\":1,\"a\":");
    for (int d = 0; d < JSON_MAX_DEPTH; d++)
        deep[n++] = '[';
    for (int d = 0; d < JSON_MAX_DEPTH; d++)
        deep[n++] = ']';
    deep[n++] = '}';
    expect_rejected(deep, n, 1, MOVIE_ERR_JSON, "nesting too deep");
}

/* A body cut or garbled by a hostile or broken server is rejected with
 * what is wrong with it, the first fault named: the reason is what
 * fetch_failures records. */
static void test_broken_json_is_named(void **state) {
    (void)state;
    REJECT("{\"id\" 1}", 1, MOVIE_ERR_JSON, "a key without ':'");
    REJECT("{\"id\":1", 1, MOVIE_ERR_JSON, "an object not closed");
    REJECT("{\"id\":1 \"title\":\"x\"}", 1, MOVIE_ERR_JSON, "an object not closed");
    REJECT("{\"id\":1,\"a\":[1 2]}", 1, MOVIE_ERR_JSON, "an array not closed");
    REJECT("{\"id\":1,\"a\":[1", 1, MOVIE_ERR_JSON, "an array not closed");
    REJECT("{\"id\":1,\"title\":\"x\\", 1, MOVIE_ERR_JSON, "a string that does not end");
    REJECT("{\"id\":1,\"title\":\"\\u12g4\"}", 1, MOVIE_ERR_JSON,
           "a \\u escape without four hex digits");
    REJECT("{\"id\":1,\"a\":x}", 1, MOVIE_ERR_JSON, "an unexpected character at byte 12");
}

/* json_strict_valid() on `text` in a buffer of exactly its length, with
 * no NUL after it: the ASan build sees a read past the end. */
static bool strict_valid_exactly_sized(const char *text) {
    size_t n = strlen(text);
    char *exact = malloc(n);
    assert_non_null(exact);
    memcpy(exact, text, n);
    char why[96];
    bool valid = json_strict_valid(exact, n, why, sizeof why);
    free(exact);
    return valid;
}

/* json_strict_valid() judges the `len` bytes it is given, never the byte
 * after them: the rest of a larger buffer, or no byte at all. */
static void test_strict_json_reads_len_bytes_only(void **state) {
    (void)state;
    char why[96];
    /* what follows would change the verdict, or the place named, if read */
    assert_true(json_strict_valid("1.5", 1, why, sizeof why));
    assert_false(json_strict_valid("\"\\u12345\"", 6, why, sizeof why));
    assert_string_equal(why, "not strict JSON: a \\u escape without four hex digits at byte 6");
    /* every place a scan stops at the end of the text */
    static const char *const whole[] = {"1", "-0", "1.5", "2E+7", "true", "\"a\"", "[1]", " {} "};
    static const char *const cut[] = {"-",    "1.",      "1e", "tru",    "\"ab",
                                      "\"\\", "\"\\u12", "[1", "{\"a\"", "{\"a\":"};
    for (size_t i = 0; i < sizeof whole / sizeof *whole; i++)
        if (!strict_valid_exactly_sized(whole[i]))
            fail_msg("refused %s", whole[i]);
    for (size_t i = 0; i < sizeof cut / sizeof *cut; i++)
        if (strict_valid_exactly_sized(cut[i]))
            fail_msg("accepted %s", cut[i]);
}

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
    REJECT("{\"id\":1,\"revenue\":1e20}", 1, MOVIE_ERR_SHAPE, "revenue");
    REJECT("{\"id\":1,\"revenue\":9223372036854775808}", 1, MOVIE_ERR_SHAPE, "revenue");
    REJECT("{\"id\":1,\"revenue\":\"100\"}", 1, MOVIE_ERR_SHAPE, "revenue");
    REJECT("{\"id\":1,\"adult\":\"no\"}", 1, MOVIE_ERR_SHAPE, "adult");
    REJECT("{\"id\":1,\"vote_average\":\"8\"}", 1, MOVIE_ERR_SHAPE, "vote_average");
    REJECT("{\"id\":1,\"belongs_to_collection\":[]}", 1, MOVIE_ERR_SHAPE, "collection");
    REJECT("{\"id\":1,\"production_companies\":[{\"id\":1}]}", 1, MOVIE_ERR_SHAPE, "name");
    REJECT("{\"id\":1,\"production_countries\":{}}", 1, MOVIE_ERR_SHAPE, "production_countries");
    REJECT("{\"id\":1,\"spoken_languages\":[{\"name\":\"x\"}]}", 1, MOVIE_ERR_SHAPE, "iso_639_1");
}

/* A body with every mapped part, in an order other than movies.appended's,
 * and a part that is not mapped (videos). */
static const char PARTS[] =
    "{\"id\":496243,\"title\":\"기생충\","
    "\"videos\":{\"results\":[{\"key\":\"x\"}]},"
    "\"translations\":{\"translations\":["
    "{\"iso_3166_1\":\"KR\",\"iso_639_1\":\"ko\",\"name\":\"한국어/조선말\","
    "\"english_name\":\"Korean\",\"data\":{\"title\":\"기생충\",\"overview\":\"\","
    "\"tagline\":\"\",\"homepage\":\"\",\"runtime\":0}},"
    "{\"iso_3166_1\":\"US\",\"iso_639_1\":\"en\",\"name\":\"English\","
    "\"english_name\":\"English\",\"data\":{\"title\":\"Parasite\",\"overview\":\"A family\","
    "\"tagline\":\"Act like you own the place.\",\"homepage\":\"https://p.test\","
    "\"runtime\":133}}]},"
    "\"credits\":{\"cast\":["
    "{\"adult\":false,\"gender\":2,\"id\":20738,\"known_for_department\":\"Acting\","
    "\"name\":\"송강호\",\"original_name\":\"송강호\",\"popularity\":15.5,"
    "\"profile_path\":null,\"cast_id\":3,\"character\":\"기택\","
    "\"credit_id\":\"5c4d7e3ec3a3680f9a2f6ea3\",\"order\":0},"
    "{\"adult\":false,\"gender\":1,\"id\":1255881,\"name\":\"Park So-dam\","
    "\"original_name\":\"박소담\",\"popularity\":8.25,\"profile_path\":\"/p.jpg\","
    "\"cast_id\":5,\"character\":\"\",\"credit_id\":\"5c4d7e3ec3a3680f9a2f6ea5\",\"order\":1}],"
    "\"crew\":["
    "{\"adult\":false,\"gender\":2,\"id\":21684,\"name\":\"봉준호\","
    "\"original_name\":\"봉준호\",\"known_for_department\":\"Directing\","
    "\"profile_path\":null,\"popularity\":9.1,\"credit_id\":\"52fe4\","
    "\"department\":\"Directing\",\"job\":\"Director\"},"
    "{\"adult\":false,\"gender\":2,\"id\":21684,\"name\":\"봉준호\","
    "\"original_name\":\"봉준호\",\"known_for_department\":\"Directing\","
    "\"profile_path\":null,\"popularity\":9.1,\"credit_id\":\"52fe5\","
    "\"department\":\"Writing\",\"job\":\"Screenplay\"}]},"
    "\"keywords\":{\"keywords\":[{\"id\":290003,\"name\":\"반지하\"},"
    "{\"id\":159568,\"name\":\"class differences\"}]},"
    "\"release_dates\":{\"results\":["
    "{\"iso_3166_1\":\"KR\",\"release_dates\":["
    "{\"certification\":\"15\",\"descriptors\":[],\"iso_639_1\":\"\",\"note\":\"\","
    "\"release_date\":\"2019-05-30T00:00:00.000Z\",\"type\":3},"
    "{\"certification\":\"\",\"iso_639_1\":\"ko\",\"note\":\"부산국제영화제\","
    "\"release_date\":\"2019-10-04T00:00:00.000Z\",\"type\":1}]},"
    "{\"iso_3166_1\":\"US\",\"release_dates\":["
    "{\"certification\":\"R\",\"iso_639_1\":null,\"note\":null,"
    "\"release_date\":\"2019-10-11T00:00:00.000Z\",\"type\":2}]},"
    "{\"iso_3166_1\":\"FR\",\"release_dates\":[]}]},"
    "\"external_ids\":{\"id\":496243,\"imdb_id\":\"tt6751668\",\"wikidata_id\":\"Q47484519\","
    "\"facebook_id\":null,\"instagram_id\":\"\",\"twitter_id\":\"ParasiteMovie\"}}";

static void test_parts_are_mapped(void **state) {
    (void)state;
    struct movie *m = parse_ok(PARTS, 496243);
    assert_int_equal(m->parts, MOVIE_PART_CREDITS | MOVIE_PART_KEYWORDS | MOVIE_PART_RELEASE_DATES |
                                   MOVIE_PART_EXTERNAL_IDS | MOVIE_PART_TRANSLATIONS);
    char list[MOVIE_PARTS_LIST_SIZE];
    assert_string_equal(movie_parts_list(m->parts, list, sizeof list),
                        "credits,keywords,release_dates,external_ids,translations");

    assert_int_equal(m->n_cast, 2);
    const struct movie_cast *c = &m->cast[0];
    assert_int_equal(c->person.id, 20738);
    assert_string_equal(c->person.name, "송강호");
    assert_string_equal(c->person.original_name, "송강호");
    assert_true(c->person.has_gender);
    assert_int_equal(c->person.gender, 2);
    assert_string_equal(c->person.known_for_department, "Acting");
    assert_null(c->person.profile_path); /* null */
    assert_false(c->person.adult);
    assert_true(c->person.has_popularity);
    assert_true(c->person.popularity > 15.49 && c->person.popularity < 15.51);
    assert_string_equal(c->character, "기택");
    assert_true(c->has_order);
    assert_int_equal(c->order, 0);
    assert_true(c->has_cast_id);
    assert_int_equal(c->cast_id, 3);
    assert_string_equal(c->credit_id, "5c4d7e3ec3a3680f9a2f6ea3");
    c = &m->cast[1];
    assert_string_equal(c->person.original_name, "박소담");
    assert_null(c->person.known_for_department); /* absent */
    assert_string_equal(c->person.profile_path, "/p.jpg");
    assert_null(c->character); /* "" is no character */
    assert_int_equal(c->order, 1);

    /* the same person twice, one entry per job */
    assert_int_equal(m->n_crew, 2);
    assert_int_equal(m->crew[0].person.id, 21684);
    assert_int_equal(m->crew[1].person.id, 21684);
    assert_string_equal(m->crew[0].person.name, "봉준호");
    assert_string_equal(m->crew[0].job, "Director");
    assert_string_equal(m->crew[0].department, "Directing");
    assert_string_equal(m->crew[1].job, "Screenplay");
    assert_string_equal(m->crew[1].department, "Writing");
    assert_string_equal(m->crew[1].credit_id, "52fe5");

    assert_int_equal(m->n_keywords, 2);
    assert_int_equal(m->keywords[0].id, 290003);
    assert_string_equal(m->keywords[0].name, "반지하");
    assert_int_equal(m->keywords[1].id, 159568);

    /* flattened over the countries, FR contributing none */
    assert_int_equal(m->n_release_dates, 3);
    const struct movie_release_date *d = m->release_dates;
    assert_string_equal(d[0].iso_3166_1, "KR");
    assert_int_equal(d[0].position, 0);
    assert_string_equal(d[0].release_date, "2019-05-30T00:00:00.000Z");
    assert_int_equal(d[0].type, 3);
    assert_string_equal(d[0].certification, "15");
    assert_null(d[0].iso_639_1);
    assert_null(d[0].note);
    assert_string_equal(d[1].iso_3166_1, "KR");
    assert_int_equal(d[1].position, 1);
    assert_null(d[1].certification);
    assert_string_equal(d[1].iso_639_1, "ko");
    assert_string_equal(d[1].note, "부산국제영화제");
    assert_string_equal(d[2].iso_3166_1, "US");
    assert_int_equal(d[2].position, 2);
    assert_true(d[2].has_type);
    assert_int_equal(d[2].type, 2);

    assert_string_equal(m->external_ids.imdb_id, "tt6751668");
    assert_string_equal(m->external_ids.wikidata_id, "Q47484519");
    assert_null(m->external_ids.facebook_id);
    assert_null(m->external_ids.instagram_id);
    assert_string_equal(m->external_ids.twitter_id, "ParasiteMovie");

    assert_int_equal(m->n_translations, 2);
    const struct movie_translation *t = m->translations;
    assert_string_equal(t[0].iso_3166_1, "KR");
    assert_string_equal(t[0].iso_639_1, "ko");
    assert_string_equal(t[0].name, "한국어/조선말");
    assert_string_equal(t[0].english_name, "Korean");
    assert_string_equal(t[0].title, "기생충");
    assert_null(t[0].overview);
    assert_null(t[0].tagline);
    assert_null(t[0].homepage);
    assert_false(t[0].has_runtime); /* 0 */
    assert_string_equal(t[1].overview, "A family");
    assert_string_equal(t[1].homepage, "https://p.test");
    assert_true(t[1].has_runtime);
    assert_int_equal(t[1].runtime, 133);
    movie_free(m);
}

static void test_empty_and_absent_parts(void **state) {
    (void)state;
    struct movie *m = parse_ok("{\"id\":1,\"credits\":{\"cast\":[],\"crew\":[]},"
                               "\"keywords\":{\"keywords\":[]},\"translations\":{}}",
                               1);
    /* present but empty: the bit says "replace with nothing" */
    assert_int_equal(m->parts, MOVIE_PART_CREDITS | MOVIE_PART_KEYWORDS | MOVIE_PART_TRANSLATIONS);
    assert_int_equal(m->n_cast, 0);
    assert_null(m->cast);
    assert_int_equal(m->n_crew, 0);
    assert_int_equal(m->n_keywords, 0);
    assert_int_equal(m->n_translations, 0);
    char list[MOVIE_PARTS_LIST_SIZE];
    assert_string_equal(movie_parts_list(m->parts, list, sizeof list),
                        "credits,keywords,translations");
    movie_free(m);

    /* a translation without its texts (no "data", or null): its country
     * and language kept, no text */
    m = parse_ok("{\"id\":1,\"translations\":{\"translations\":[{\"iso_3166_1\":\"KR\","
                 "\"iso_639_1\":\"ko\",\"name\":\"\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4\"},"
                 "{\"iso_3166_1\":\"US\",\"iso_639_1\":\"en\",\"data\":null}]}}",
                 1);
    assert_int_equal(m->n_translations, 2);
    assert_string_equal(m->translations[0].iso_3166_1, "KR");
    assert_string_equal(m->translations[0].iso_639_1, "ko");
    assert_null(m->translations[0].title);
    assert_null(m->translations[0].overview);
    assert_false(m->translations[0].has_runtime);
    assert_string_equal(m->translations[1].iso_639_1, "en");
    assert_null(m->translations[1].title);
    movie_free(m);

    /* no parts, or null ones, or only parts that are not mapped */
    m = parse_ok("{\"id\":1,\"credits\":null,\"videos\":{\"results\":[]}}", 1);
    assert_int_equal(m->parts, 0);
    assert_int_equal(m->n_cast, 0);
    assert_string_equal(movie_parts_list(m->parts, list, sizeof list), "");
    movie_free(m);
    m = parse_ok(FULL, 299534);
    assert_int_equal(m->parts, 0);
    movie_free(m);

    char tiny[12];
    assert_string_equal(
        movie_parts_list(MOVIE_PART_CREDITS | MOVIE_PART_KEYWORDS, tiny, sizeof tiny), "credits");
}

/* TMDB answers every part asked for: one absent or null is a query cut on
 * its way, mapped part or not; the first missing name is given. */
static void test_lacks_part(void **state) {
    (void)state;
    struct movie *m = parse_ok("{\"id\":1,\"credits\":{\"cast\":[],\"crew\":[]},"
                               "\"keywords\":null,\"videos\":{\"results\":[]}}",
                               1);
    char name[32] = "";
    assert_false(movie_lacks_part(m, NULL, name, sizeof name));
    assert_false(movie_lacks_part(m, "", name, sizeof name));
    assert_false(movie_lacks_part(m, "credits", name, sizeof name));
    assert_false(movie_lacks_part(m, "videos,credits", name, sizeof name));
    assert_string_equal(name, "");
    assert_true(movie_lacks_part(m, "credits,keywords", name, sizeof name));
    assert_string_equal(name, "keywords");
    assert_true(movie_lacks_part(m, "videos,images,keywords", name, sizeof name));
    assert_string_equal(name, "images");
    assert_true(movie_lacks_part(m, "credits,watch/providers", name, sizeof name));
    assert_string_equal(name, "watch/providers");
    char tiny[4];
    assert_true(movie_lacks_part(m, "translations", tiny, sizeof tiny));
    assert_string_equal(tiny, "tra");
    movie_free(m);
}

/* An append list is read name by name, each name whole, up to its NUL;
 * movie_parts_list() writes whole names only, and they read back as the
 * bits they were written from. */
static void test_part_names_and_bits(void **state) {
    (void)state;
    assert_int_equal(movie_parts_bits(NULL), 0);
    assert_int_equal(movie_parts_bits(""), 0);
    assert_int_equal(movie_parts_bits("keywords\0credits"), MOVIE_PART_KEYWORDS);
    assert_int_equal(movie_parts_bits("translations"), MOVIE_PART_TRANSLATIONS);
    assert_int_equal(movie_parts_bits("videos,translations,credits,images"),
                     MOVIE_PART_TRANSLATIONS | MOVIE_PART_CREDITS);
    /* other parts, as long as a mapped one or its start: none */
    assert_int_equal(movie_parts_bits("reviews,similar,cred,keyword,release"), 0);
    char list[MOVIE_PARTS_LIST_SIZE];
    for (unsigned bits = 0; bits < 1u << MOVIE_PART_COUNT; bits++)
        assert_int_equal(movie_parts_bits(movie_parts_list(bits, list, sizeof list)), bits);

    /* "credits,keywords" takes 17 bytes with its NUL */
    unsigned two = MOVIE_PART_CREDITS | MOVIE_PART_KEYWORDS;
    assert_string_equal(movie_parts_list(two, list, 17), "credits,keywords");
    assert_string_equal(movie_parts_list(two, list, 16), "credits");
    assert_string_equal(movie_parts_list(two, list, 8), "credits");
    assert_string_equal(movie_parts_list(two, list, 7), "");
    list[0] = 'x';
    assert_ptr_equal(movie_parts_list(two, list, 0), list);
    assert_int_equal(list[0], 'x');
}

static void test_part_rejections(void **state) {
    (void)state;
    REJECT("{\"id\":1,\"credits\":[]}", 1, MOVIE_ERR_SHAPE, "credits is not an object");
    REJECT("{\"id\":1,\"credits\":{\"cast\":{}}}", 1, MOVIE_ERR_SHAPE,
           "credits.cast is not an array");
    REJECT("{\"id\":1,\"credits\":{\"cast\":[{\"id\":1,\"name\":\"a\",\"credit_id\":\"c0\"},"
           "{\"id\":2,\"name\":\"b\",\"credit_id\":\"c1\"},{\"id\":3,\"name\":\"c\","
           "\"credit_id\":\"c2\"},{\"id\":\"4\",\"name\":\"d\",\"credit_id\":\"c3\"}]}}",
           1, MOVIE_ERR_SHAPE, "credits.cast[3].id is not an integer");
    REJECT("{\"id\":1,\"credits\":{\"cast\":[7]}}", 1, MOVIE_ERR_SHAPE,
           "credits.cast[0] is not an object");
    REJECT("{\"id\":1,\"credits\":{\"crew\":[{\"id\":1,\"name\":\"a\"}]}}", 1, MOVIE_ERR_SHAPE,
           "credits.crew[0] has no credit_id");
    REJECT("{\"id\":1,\"credits\":{\"crew\":[{\"id\":1,\"credit_id\":\"x\"}]}}", 1, MOVIE_ERR_SHAPE,
           "credits.crew[0] has no name");
    REJECT("{\"id\":1,\"credits\":{\"cast\":[{\"id\":1,\"name\":\"a\",\"credit_id\":\"x\","
           "\"order\":1.5}]}}",
           1, MOVIE_ERR_SHAPE, "credits.cast[0].order is not an integer");
    REJECT("{\"id\":1,\"credits\":{\"cast\":[{\"id\":1,\"name\":\"a\",\"credit_id\":\"x\","
           "\"popularity\":\"high\"}]}}",
           1, MOVIE_ERR_SHAPE, "credits.cast[0].popularity is not a number");
    REJECT("{\"id\":1,\"credits\":{\"cast\":[{\"id\":1,\"name\":\"a\",\"credit_id\":\"x\","
           "\"adult\":0}]}}",
           1, MOVIE_ERR_SHAPE, "credits.cast[0].adult is not a boolean");
    REJECT("{\"id\":1,\"keywords\":{\"keywords\":[{\"id\":5}]}}", 1, MOVIE_ERR_SHAPE,
           "keywords.keywords[0] has no name");
    REJECT("{\"id\":1,\"keywords\":\"none\"}", 1, MOVIE_ERR_SHAPE, "keywords is not an object");
    REJECT("{\"id\":1,\"release_dates\":{\"results\":[{\"iso_3166_1\":\"KR\",\"release_dates\":"
           "[{\"type\":3},{\"type\":\"3\"}]}]}}",
           1, MOVIE_ERR_SHAPE, "release_dates.results[0].release_dates[1].type is not an integer");
    REJECT("{\"id\":1,\"release_dates\":{\"results\":[{\"release_dates\":[]}]}}", 1,
           MOVIE_ERR_SHAPE, "release_dates.results[0] has no iso_3166_1");
    REJECT("{\"id\":1,\"release_dates\":{\"results\":[{\"iso_3166_1\":\"KR\","
           "\"release_dates\":5}]}}",
           1, MOVIE_ERR_SHAPE, "release_dates.results[0].release_dates is not an array");
    REJECT("{\"id\":1,\"external_ids\":{\"imdb_id\":7}}", 1, MOVIE_ERR_SHAPE,
           "external_ids.imdb_id is not a string");
    REJECT("{\"id\":1,\"translations\":{\"translations\":[{\"iso_3166_1\":\"KR\","
           "\"iso_639_1\":\"ko\",\"data\":[]}]}}",
           1, MOVIE_ERR_SHAPE, "translations.translations[0].data is not an object");
    REJECT("{\"id\":1,\"translations\":{\"translations\":[{\"iso_3166_1\":\"KR\","
           "\"iso_639_1\":\"ko\",\"data\":{\"runtime\":\"90\"}}]}}",
           1, MOVIE_ERR_SHAPE, "translations.translations[0].data.runtime is not an integer");
    REJECT("{\"id\":1,\"translations\":{\"translations\":[{\"iso_3166_1\":\"KR\"}]}}", 1,
           MOVIE_ERR_SHAPE, "translations.translations[0] has no iso_639_1");
    /* a good part before a bad one: still no record */
    REJECT("{\"id\":1,\"credits\":{\"cast\":[{\"id\":1,\"name\":\"a\",\"credit_id\":\"x\"}]},"
           "\"translations\":{\"translations\":5}}",
           1, MOVIE_ERR_SHAPE, "translations.translations is not an array");
    /* the path of a top-level field is just its key, as before */
    REJECT("{\"id\":1,\"genres\":[{\"id\":1,\"name\":2}]}", 1, MOVIE_ERR_SHAPE,
           "genres[0].name is not a string");
}

static void test_invalid_utf8_and_nul(void **state) {
    (void)state;
    REJECT("{\"id\":1,\"title\":\"caf\xc3\x28\"}", 1, MOVIE_ERR_UTF8, "UTF-8");
    REJECT("{\"id\":1,\"title\":\"\xc0\xaf\"}", 1, MOVIE_ERR_UTF8, "UTF-8");         /* overlong */
    REJECT("{\"id\":1,\"title\":\"\xe0\x80\xaf\"}", 1, MOVIE_ERR_UTF8, "UTF-8");     /* overlong */
    REJECT("{\"id\":1,\"title\":\"\xed\xa0\x80\"}", 1, MOVIE_ERR_UTF8, "UTF-8");     /* surrogate */
    REJECT("{\"id\":1,\"title\":\"\xf4\x90\x80\x80\"}", 1, MOVIE_ERR_UTF8, "UTF-8"); /* >10FFFF */
    REJECT("{\"id\":1,\"title\":\"\xe2\x82\"}", 1, MOVIE_ERR_UTF8, "UTF-8");         /* truncated */
    const char nul[] = "{\"id\":1}\0{\"x\":1}";
    expect_rejected(nul, sizeof nul - 1, 1, MOVIE_ERR_JSON, "NUL");
}

static void test_utf8_validator(void **state) {
    (void)state;
    assert_true(json_utf8_valid("", 0));
    assert_true(json_utf8_valid("plain", 5));
    assert_true(json_utf8_valid("한국어", strlen("한국어")));
    assert_true(json_utf8_valid("🎬", 4));
    assert_true(json_utf8_valid("\xf4\x8f\xbf\xbf", 4)); /* U+10FFFF */
    assert_false(json_utf8_valid("\x80", 1));
    assert_false(json_utf8_valid("\xff", 1));
    assert_false(json_utf8_valid("\xf0\x9f\x8e", 3));
}

/* The scans read eight bytes at a time where they can: what they look for
 * is found at every offset, at either end of a word, and in the tail. */
static void test_scans_find_every_offset(void **state) {
    (void)state;
    char buf[128];
    char why[96];
    for (size_t at = 0; at < 40; at++) {
        /* one byte of a 40-byte ASCII run, then the same inside a string */
        memset(buf, 'a', 40);
        buf[at] = (char)0xC0; /* never in UTF-8 */
        assert_false(json_utf8_valid(buf, 40));
        if (at + 3 <= 40) {
            memcpy(buf + at, "\xea\xb4\xb4", 3); /* 괴 */
            assert_true(json_utf8_valid(buf, 40));
            buf[at + 2] = 'a'; /* cut short */
            assert_false(json_utf8_valid(buf, 40));
        }
        static const char *const bad[] = {"\x01", "\x1f", "\t", "\\q"};
        static const char *const good[] = {"\\\"", "\\n", "\\u00e9", "\xea\xb4\xb4", "\x7f"};
        for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
            snprintf(buf, sizeof buf, "\"%.*s%s%.*s\"", (int)at,
                     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", bad[k], (int)(39 - at),
                     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
            if (json_strict_valid(buf, strlen(buf), why, sizeof why))
                fail_msg("accepted %s at %zu", bad[k], at);
        }
        for (size_t k = 0; k < sizeof good / sizeof *good; k++) {
            snprintf(buf, sizeof buf, "\"%.*s%s%.*s\"", (int)at,
                     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", good[k], (int)(39 - at),
                     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
            if (!json_strict_valid(buf, strlen(buf), why, sizeof why))
                fail_msg("refused %s at %zu: %s", good[k], at, why);
        }
        /* a string that ends early, its quote at every offset */
        snprintf(buf, sizeof buf, "[\"%.*s\"]", (int)at,
                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        assert_true(json_strict_valid(buf, strlen(buf), why, sizeof why));
        assert_false(
            json_strict_valid(buf, strlen(buf) - 2, why, sizeof why)); /* no closing quote */
    }
}

/* json_write_string(): a JSON line is one line for any reader: control
 * characters escaped, and U+0085, U+2028 and U+2029 too, which Python's
 * str.splitlines() (and JavaScript before ES2019) take for line ends;
 * other characters as they are, a stray byte as \ufffd. */
static void test_json_string_is_one_line(void **state) {
    (void)state;
    const struct {
        const char *in, *out;
    } cases[] = {
        {"a\nb\tc\x01\"\\", "\"a\\nb\\tc\\u0001\\\"\\\\\""},
        {"nel\xc2\x85ls\xe2\x80\xa8ps\xe2\x80\xa9.", "\"nel\\u0085ls\\u2028ps\\u2029.\""},
        {"\xe2\x80\xa7\xe2\x80\xaa\xc2\x84 한국어", "\"\xe2\x80\xa7\xe2\x80\xaa\xc2\x84 한국어\""},
        {"cut \xe2\x80", "\"cut \\ufffd\\ufffd\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *buf = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&buf, &size);
        assert_non_null(out);
        json_write_string(out, cases[i].in, strlen(cases[i].in));
        assert_int_equal(fclose(out), 0);
        assert_string_equal(buf, cases[i].out);
        free(buf);
    }
}

/* json_utf8_repaired(): well-formed text is copied as it is; each stray
 * byte becomes U+FFFD, as json_write_string() writes it. */
static void test_utf8_repaired(void **state) {
    (void)state;
    const struct {
        const char *in, *out;
    } cases[] = {
        {"", ""},
        {"한국어 🎬", "한국어 🎬"},
        {"ids-\xff\xfe", "ids-\xef\xbf\xbd\xef\xbf\xbd"},
        {"\xed\xa0\x80x", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdx"}, /* a surrogate */
        {"cut \xf0\x9f\x8e", "cut \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t n = 99;
        char *got = json_utf8_repaired(cases[i].in, strlen(cases[i].in), &n);
        assert_non_null(got);
        assert_string_equal(got, cases[i].out);
        assert_int_equal(n, strlen(cases[i].out));
        assert_true(json_utf8_valid(got, strlen(got)));
        free(got);
    }
    /* all `len` bytes, a NUL among them (text edited in by hand): before,
     * the copy (and a CSV dump's field) ended at the NUL */
    size_t n = 0;
    char *got = json_utf8_repaired("a\0b\xff"
                                   "c",
                                   5, &n);
    assert_non_null(got);
    assert_int_equal(n, 7);
    assert_memory_equal(got,
                        "a\0b\xef\xbf\xbd"
                        "c",
                        8);
    free(got);
}

/* \u0000 and surrogate escapes without their pair: replaced by \uFFFD in
 * the body (raw_json too), the rest of the text kept. Before, \u0000 cut
 * the string there without a word and a lone surrogate failed the body. */
static void test_unsafe_escapes_are_repaired(void **state) {
    (void)state;
    const struct {
        const char *in, *out;
        size_t replaced;
    } cases[] = {
        {"\"abc\"", "\"abc\"", 0},
        {"\"abc\\u0000def\"", "\"abc\\uFFFDdef\"", 1},
        {"\"\\ud800 x \\udc00\"", "\"\\uFFFD x \\uFFFD\"", 2},
        {"\"\\ud83c\\udfac\"", "\"\\ud83c\\udfac\"", 0}, /* a pair: kept */
        {"\"\\uD800\\u0041\"", "\"\\uFFFD\\u0041\"", 1}, /* no low half */
        {"\"\\ud800\\ud800\\udc00\"", "\"\\uFFFD\\ud800\\udc00\"", 1},
        {"\"\\\\u0000\"", "\"\\\\u0000\"", 0}, /* an escaped backslash */
        {"\"end \\ud800\"", "\"end \\uFFFD\"", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char buf[64];
        size_t n = strlen(cases[i].in);
        memcpy(buf, cases[i].in, n + 1);
        assert_int_equal(json_repair_escapes(buf, n), cases[i].replaced);
        assert_string_equal(buf, cases[i].out);
    }
    struct movie *m = parse_ok("{\"id\":3,\"title\":\"abc\\u0000def\","
                               "\"overview\":\"lone \\ud800 high\","
                               "\"genres\":[{\"id\":28,\"name\":\"Act\\u0000ion\"}]}",
                               3);
    assert_string_equal(m->title, "abc\xef\xbf\xbd"
                                  "def");
    assert_string_equal(m->overview, "lone \xef\xbf\xbd high");
    assert_string_equal(m->genres[0].name, "Act\xef\xbf\xbd"
                                           "ion");
    assert_non_null(strstr(m->raw_json, "abc\\uFFFDdef"));
    movie_free(m);
}

/* These two run first, in this order: cJSON's hooks are process-wide and
 * cannot be taken back, so every later test parses as tmdb-ingest does. */
static void test_tree_on_the_heap_before_json_global_init(void **state) {
    (void)state;
    struct movie *m = parse_ok(FULL, 299534);
    assert_false(m->root_in_arena); /* movie_free() deletes it */
    assert_string_equal(m->genres[0].name, "모험");
    movie_free(m);
}

static void test_tree_in_the_arena_after_json_global_init(void **state) {
    (void)state;
    json_global_init();
    struct movie *m = parse_ok(FULL, 299534);
    assert_true(m->root_in_arena);
    assert_string_equal(m->collection.name, "어벤져스 컬렉션");
    movie_free(m);
    /* a rejected body frees its arena too (ASan/valgrind see a leak if not) */
    struct movie *bad = NULL;
    char reason[160];
    assert_int_equal(
        movie_parse("{\"id\":1,\"genres\":[{\"id\":", 25, 1, &bad, reason, sizeof reason),
        MOVIE_ERR_JSON);
    assert_null(bad);
}

/* Memory running out in the middle of a parse (a block of the arena that
 * cannot be had) is said as such, not as a body that is not JSON: the body
 * passed the strict check, and is not at fault. */
static void test_out_of_memory_in_the_parse_is_said_so(void **state) {
    (void)state;
    enum { N = 40000 }; /* [0,0,...]: a node a number, far beyond the first block */
    char *body = malloc(2 * N + 32);
    assert_non_null(body);
    size_t len = (size_t)snprintf(body, 32, "{\"id\":1,\"a\":[0");
    for (int i = 1; i < N; i++)
        len += (size_t)snprintf(body + len, 3, ",0");
    len += (size_t)snprintf(body + len, 3, "]}");
    struct movie *m = NULL;
    char reason[160] = "";
    fail_malloc_from = 6 * len; /* the arena's first block (4 len) is had, the next (8) not */
    enum movie_status st = movie_parse(body, len, 1, &m, reason, sizeof reason);
    fail_malloc_from = 0;
    assert_int_equal(st, MOVIE_ERR_NOMEM);
    assert_null(m);
    assert_string_equal(reason, "out of memory");
    st = movie_parse(body, len, 1, &m, reason, sizeof reason); /* memory back: parsed */
    assert_int_equal(st, MOVIE_OK);
    movie_free(m);
    free(body);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree_on_the_heap_before_json_global_init),
        cmocka_unit_test(test_tree_in_the_arena_after_json_global_init),
        cmocka_unit_test(test_out_of_memory_in_the_parse_is_said_so),
        cmocka_unit_test(test_full_body),
        cmocka_unit_test(test_unknowns_become_null),
        cmocka_unit_test(test_members_found_as_cjson_finds_them),
        cmocka_unit_test(test_large_integers_are_exact),
        cmocka_unit_test(test_trailing_whitespace_is_fine),
        cmocka_unit_test(test_integers_beyond_2_53_are_exact),
        cmocka_unit_test(test_numbers_a_double_changes_are_refused),
        cmocka_unit_test(test_strict_json),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_broken_json_is_named),
        cmocka_unit_test(test_strict_json_reads_len_bytes_only),
        cmocka_unit_test(test_parts_are_mapped),
        cmocka_unit_test(test_empty_and_absent_parts),
        cmocka_unit_test(test_lacks_part),
        cmocka_unit_test(test_part_names_and_bits),
        cmocka_unit_test(test_part_rejections),
        cmocka_unit_test(test_invalid_utf8_and_nul),
        cmocka_unit_test(test_utf8_validator),
        cmocka_unit_test(test_scans_find_every_offset),
        cmocka_unit_test(test_json_string_is_one_line),
        cmocka_unit_test(test_utf8_repaired),
        cmocka_unit_test(test_unsafe_escapes_are_repaired),
    };
    return cmocka_run_group_tests_name("movie", tests, NULL, NULL);
}
