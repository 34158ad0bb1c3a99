/* test_merge.c - `merge OUT IN...` of real databases in a temporary
 * directory, its command line parsed as main does: the inputs' movies and
 * runs in OUT, which holds the first input's language, each input said
 * (unless -q; an event with --log-format json); every input checked before
 * OUT is made or written (one missing: exit 1; not of this tool, or in
 * another language: exit 2); OUT's lock held: exit 6, nothing merged; an
 * input damaged: exit 1, the inputs before it merged; the parts of a
 * catalogue merged again: the changes cursor theirs; and the warnings a
 * downstream job or the next `changes` needs: an input without a cursor,
 * runs still running, later fetches of older copies, an OUT left without a
 * cursor by a part merged before. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "lock.h"
#include "log.h"
#include "merge.h"
#include "store.h"
#include "capture.h"
#include "sqlfile.h"
#include "tempdir.h"

struct fixture {
    char dir[64];
    char out[128];
    char a[128]; /* movie 1, run 1: an `ids` load */
    char b[128]; /* movie 2, run 1 */
};

/* A tmdb-ingest database at `path` in `language`, then `sql` run on it. */
static void make_db(const char *path, const char *language, const char *sql) {
    sqlfile_new_store(path, language);
    sqlfile_exec(path, sql);
}

/* SQL for movie `id` fetched at `fetched_at`, its copy made at `made_at`. */
static const char *movie_sql(int id, const char *fetched_at, const char *made_at) {
    static char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO movies (id, title, raw_json, language, fetched_at, copy_made_at) "
             "VALUES (%d, 'Movie %d', '{}', 'en-US', '%s', '%s');",
             id, id, fetched_at, made_at);
    return sql;
}

/* SQL for run `id` of `source` with `status` and uid number `uid`. */
static const char *run_sql(int id, const char *source, const char *status, int uid) {
    static char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO runs (id, started_at, finished_at, command, source, status, uid) "
             "VALUES (%d, '2026-11-0%dT00:00:00Z', %s, '%s', '%s', '%s', '%032x');",
             id, id, strcmp(status, "running") == 0 ? "NULL" : "'2026-11-01T00:10:00Z'", source,
             source, status, uid);
    return sql;
}

/* The inputs every test starts from, made once (each store_open() and
 * commit is synced to disk) and copied for each test. */
static struct fixture templates;

/* f's directory made, and its file names. */
static int name_files(struct fixture *f) {
    strcpy(f->dir, "/tmp/test_merge.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->out, sizeof f->out, "%s/out.sqlite3", f->dir);
    snprintf(f->a, sizeof f->a, "%s/a.sqlite3", f->dir);
    snprintf(f->b, sizeof f->b, "%s/b.sqlite3", f->dir);
    return 0;
}

static int group_setup(void **state) {
    (void)state;
    if (name_files(&templates) != 0)
        return -1;
    char sql[1024];
    snprintf(sql, sizeof sql, "%s%s", movie_sql(1, "2026-11-01T00:05:00Z", "2026-11-01T00:00:00Z"),
             run_sql(1, "ids", "ok", 0xa1));
    make_db(templates.a, "en-US", sql);
    snprintf(sql, sizeof sql, "%s%s", movie_sql(2, "2026-11-01T00:05:00Z", "2026-11-01T00:00:00Z"),
             run_sql(1, "ids", "ok", 0xb1));
    make_db(templates.b, "en-US", sql);
    /* all of it in the files, copied alone */
    sqlfile_exec(templates.a, "PRAGMA journal_mode=DELETE");
    sqlfile_exec(templates.b, "PRAGMA journal_mode=DELETE");
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    return tempdir_remove(templates.dir) == 0 ? 0 : -1;
}

static int setup(void **state) {
    struct fixture *f = calloc(1, sizeof *f);
    if (!f || name_files(f) != 0)
        return -1;
    sqlfile_copy(templates.a, f->a);
    sqlfile_copy(templates.b, f->b);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    struct fixture *f = *state;
    int rc = tempdir_remove(f->dir);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* `tmdb-ingest ARGS...` (NULL-terminated) for a merge, parsed and run as
 * main does; its exit status, what it said on stderr in *said. */
static int merge(struct fixture *f, const char **said, ...) {
    char *argv[16] = {"tmdb-ingest"};
    int argc = 1;
    va_list ap;
    va_start(ap, said);
    for (char *arg; (arg = va_arg(ap, char *)) != NULL && argc < 15;)
        argv[argc++] = arg;
    va_end(ap);
    struct options opt;
    capture_stderr_start(f->dir);
    enum cli_result cr = cli_parse(argc, argv, &opt);
    int code = -1;
    if (cr == CLI_RUN) {
        log_init(opt.verbosity < 0 ? LOG_ERROR : LOG_WARN, false, opt.log_format);
        code = merge_run(&opt);
        log_init(LOG_WARN, false, LOG_FORMAT_TEXT);
    }
    *said = capture_stderr_end(f->dir);
    cli_free(&opt);
    if (cr != CLI_RUN)
        fail_msg("cli_parse: %s", *said);
    return code;
}

/* Whether movie `id` is in the database at `path`. */
static bool has_movie(const char *path, int id) {
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM movies WHERE id = %d", id);
    return sqlfile_int(path, sql) == 1;
}

/* Each input's movies and runs come into a new OUT, each input said with
 * its counts, no warning. */
static void test_the_inputs_are_merged_into_out(void **state) {
    struct fixture *f = *state;
    char sql[1024];
    snprintf(sql, sizeof sql, "%s", movie_sql(5, "2026-11-01T00:06:00Z", "2026-11-01T00:00:00Z"));
    snprintf(sql + strlen(sql), sizeof sql - strlen(sql), "%s",
             movie_sql(6, "2026-11-01T00:07:00Z", "2026-11-01T00:00:00Z"));
    sqlfile_exec(f->b, sql);
    const char *said;
    int code = merge(f, &said, "merge", f->out, f->a, f->b, NULL);
    if (code != EXIT_OK)
        fail_msg("exit %d: %s", code, said);
    assert_true(has_movie(f->out, 1) && has_movie(f->out, 2) && has_movie(f->out, 6));
    assert_int_equal(sqlfile_int(f->out, "SELECT count(*) FROM runs"), 2);
    char expected[512];
    snprintf(expected, sizeof expected,
             "tmdb-ingest: merged %s: movies=1 taken=1 runs=1\n"
             "tmdb-ingest: merged %s: movies=3 taken=3 runs=1\n",
             f->a, f->b);
    assert_string_equal(said, expected);
}

/* -q: nothing said when all goes well; --log-format json: one "merged"
 * event per input, with its counts. */
static void test_each_input_is_said_unless_quiet(void **state) {
    struct fixture *f = *state;
    const char *said;
    int code = merge(f, &said, "-q", "merge", f->out, f->a, NULL);
    if (code != EXIT_OK || *said)
        fail_msg("exit %d: %s", code, said);
    code = merge(f, &said, "--log-format", "json", "merge", f->out, f->b, NULL);
    assert_int_equal(code, EXIT_OK);
    cJSON *event = cJSON_Parse(said);
    if (!event)
        fail_msg("not one JSON object: %s", said);
    const cJSON *name = cJSON_GetObjectItem(event, "event");
    const cJSON *input = cJSON_GetObjectItem(event, "input");
    const cJSON *movies = cJSON_GetObjectItem(event, "movies");
    const cJSON *taken = cJSON_GetObjectItem(event, "taken");
    const cJSON *runs = cJSON_GetObjectItem(event, "runs");
    if (!cJSON_IsString(name) || strcmp(name->valuestring, "merged") != 0 ||
        !cJSON_IsString(input) || strcmp(input->valuestring, f->b) != 0 ||
        !cJSON_IsNumber(movies) || movies->valuedouble != 1 || !cJSON_IsNumber(taken) ||
        taken->valuedouble != 1 || !cJSON_IsNumber(runs) || runs->valuedouble != 1)
        fail_msg("%s", said);
    cJSON_Delete(event);
}

/* A new OUT holds the first input's language. */
static void test_out_holds_the_first_inputs_language(void **state) {
    struct fixture *f = *state;
    char ko[160];
    snprintf(ko, sizeof ko, "%s/ko.sqlite3", f->dir);
    make_db(ko, "ko-KR", movie_sql(3, "2026-11-01T00:05:00Z", "2026-11-01T00:00:00Z"));
    const char *said;
    int code = merge(f, &said, "merge", f->out, ko, NULL);
    if (code != EXIT_OK)
        fail_msg("exit %d: %s", code, said);
    assert_int_equal(sqlfile_int(f->out,
                                 "SELECT count(*) FROM meta WHERE key = 'language' AND value = "
                                 "'ko-KR'"),
                     1);
}

/* An input that cannot be read is found before OUT is made: exit 1,
 * nothing merged. */
static void test_an_input_that_cannot_be_read_merges_nothing(void **state) {
    struct fixture *f = *state;
    char missing[160], expected[256];
    snprintf(missing, sizeof missing, "%s/missing.sqlite3", f->dir);
    snprintf(expected, sizeof expected, "%s: No such file or directory (nothing merged)", missing);
    const char *said;
    int code = merge(f, &said, "merge", f->out, f->a, missing, NULL);
    if (code != EXIT_FATAL || !strstr(said, expected))
        fail_msg("exit %d: %s", code, said);
    assert_int_equal(access(f->out, F_OK), -1);
}

/* An input that is not a database of this tool (first or not), or holds
 * another language's text than the first: exit 2, OUT not made. */
static void test_an_input_not_of_this_tool_or_language_merges_nothing(void **state) {
    struct fixture *f = *state;
    char other[160], ko[160], expected[256];
    snprintf(other, sizeof other, "%s/other.sqlite3", f->dir);
    snprintf(ko, sizeof ko, "%s/ko.sqlite3", f->dir);
    sqlfile_exec(other, "CREATE TABLE t (x); INSERT INTO t VALUES (1)");
    make_db(ko, "ko-KR", movie_sql(3, "2026-11-01T00:05:00Z", "2026-11-01T00:00:00Z"));
    snprintf(expected, sizeof expected,
             "%s holds ko-KR text, the first input en-US: nothing merged", ko);
    const char *said;
    int code = merge(f, &said, "merge", f->out, f->a, ko, NULL);
    if (code != EXIT_USAGE || !strstr(said, expected))
        fail_msg("exit %d: %s", code, said);
    assert_int_equal(access(f->out, F_OK), -1);
    for (int first = 0; first < 2; first++) {
        code = first ? merge(f, &said, "merge", f->out, other, f->a, NULL)
                     : merge(f, &said, "merge", f->out, f->a, other, NULL);
        if (code != EXIT_USAGE || !strstr(said, other) || strstr(said, "text, the first input"))
            fail_msg("exit %d: %s", code, said);
        assert_int_equal(access(f->out, F_OK), -1);
    }
}

/* OUT's lock held by a load: exit 6, nothing merged into it. */
static void test_a_locked_out_merges_nothing(void **state) {
    struct fixture *f = *state;
    make_db(f->out, "en-US", movie_sql(9, "2026-11-01T00:05:00Z", "2026-11-01T00:00:00Z"));
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    fflush(stdout);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd;
        char err[256];
        alarm(60);
        if (lock_acquire(f->out, LOCK_FOR_LOAD, &fd, err, sizeof err) != LOCK_OK ||
            write(ready[1], "r", 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    close(ready[1]);
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1);
    close(ready[0]);
    const char *said;
    int code = merge(f, &said, "merge", f->out, f->a, NULL);
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
    if (code != EXIT_LOCKED)
        fail_msg("exit %d: %s", code, said);
    assert_false(has_movie(f->out, 1));
}

/* An input with a damaged page (the checks read only its schema and
 * meta): exit 1, that input not merged, the inputs before it merged. */
static void test_a_damaged_input_leaves_the_earlier_ones_merged(void **state) {
    struct fixture *f = *state;
    char damaged[160];
    snprintf(damaged, sizeof damaged, "%s/damaged.sqlite3", f->dir);
    make_db(damaged, "en-US", movie_sql(4, "2026-11-01T00:05:00Z", "2026-11-01T00:00:00Z"));
    sqlfile_exec(damaged, "PRAGMA journal_mode=DELETE");
    long long root =
        sqlfile_int(damaged, "SELECT rootpage FROM sqlite_schema WHERE name = 'movies'");
    long long page_size = sqlfile_int(damaged, "PRAGMA page_size");
    FILE *io = fopen(damaged, "r+b");
    assert_non_null(io);
    assert_int_equal(fseek(io, (long)((root - 1) * page_size), SEEK_SET), 0);
    for (long long i = 0; i < page_size; i++)
        fputc(0xff, io);
    assert_int_equal(fclose(io), 0);
    const char *said;
    int code = merge(f, &said, "merge", f->out, f->a, damaged, NULL);
    if (code != EXIT_FATAL || !strstr(said, "damaged.sqlite3"))
        fail_msg("exit %d: %s", code, said);
    assert_true(has_movie(f->out, 1));
    assert_false(has_movie(f->out, 4));
}

/* The parts of a sharded catalogue (each an export with its cursor)
 * merged each night into the same OUT: once every part came again, OUT's
 * changes cursor is theirs (the earliest), not the first night's. */
static void test_every_part_merged_again_moves_the_cursor_on(void **state) {
    struct fixture *f = *state;
    char sql[1024];
    snprintf(sql, sizeof sql, "%s INSERT INTO meta (key, value) VALUES ('changes_from', '%s');",
             run_sql(2, "export", "ok", 0xe1), "2026-11-10");
    sqlfile_exec(f->a, sql);
    snprintf(sql, sizeof sql, "%s INSERT INTO meta (key, value) VALUES ('changes_from', '%s');",
             run_sql(2, "export", "ok", 0xe2), "2026-11-12");
    sqlfile_exec(f->b, sql);
    const char *said;
    assert_int_equal(merge(f, &said, "merge", f->out, f->a, f->b, NULL), EXIT_OK);
    assert_int_equal(sqlfile_int(f->out, "SELECT value = '2026-11-10' FROM meta WHERE key = "
                                         "'changes_from'"),
                     1);
    /* the next night: each part has read further */
    sqlfile_exec(f->a, "UPDATE meta SET value = '2026-11-20' WHERE key = 'changes_from'");
    sqlfile_exec(f->b, "UPDATE meta SET value = '2026-11-21' WHERE key = 'changes_from'");
    int code = merge(f, &said, "merge", f->out, f->a, f->b, NULL);
    if (code != EXIT_OK || strstr(said, "warning"))
        fail_msg("exit %d: %s", code, said);
    assert_int_equal(sqlfile_int(f->out, "SELECT value = '2026-11-20' FROM meta WHERE key = "
                                         "'changes_from'"),
                     1);
}

/* Merge a then b into OUT; what was said, which must hold `warning`
 * (once) and no other warning. */
static void assert_warned(struct fixture *f, const char *warning) {
    const char *said;
    int code = merge(f, &said, "merge", f->out, f->a, f->b, NULL);
    if (code != EXIT_OK)
        fail_msg("exit %d: %s", code, said);
    const char *at = strstr(said, warning);
    if (!at || strstr(at + 1, warning))
        fail_msg("not warned once of \"%s\": %s", warning, said);
    int n = 0;
    for (const char *w = said; (w = strstr(w, "warning")) != NULL; w++)
        n++;
    if (n != 1)
        fail_msg("%d warnings: %s", n, said);
}

/* An input that ran an export and holds no changes cursor (its export did
 * not finish): OUT has none either, which is said, with what to do. */
static void test_an_input_without_a_changes_cursor_is_warned_of(void **state) {
    struct fixture *f = *state;
    sqlfile_exec(f->b, run_sql(2, "export", "interrupted", 0xe2));
    char expected[512];
    snprintf(expected, sizeof expected, "no changes cursor after merging %s: it has none", f->b);
    assert_warned(f, expected);
    assert_int_equal(sqlfile_int(f->out, "SELECT count(*) FROM meta WHERE key = 'changes_from'"),
                     0);
}

/* OUT without a cursor from before, and an input without one: said once,
 * of the input. */
static void test_an_input_without_a_cursor_into_an_out_without_one_is_said_once(void **state) {
    struct fixture *f = *state;
    make_db(f->out, "en-US", run_sql(1, "export", "interrupted", 0xe0));
    sqlfile_exec(f->b, run_sql(2, "export", "interrupted", 0xe2));
    char expected[512];
    snprintf(expected, sizeof expected, "no changes cursor after merging %s: it has none", f->b);
    assert_warned(f, expected);
}

/* A part without a cursor (its export stopped) merged with one that has
 * one: said; merged again the next night, its export finished, OUT takes
 * the parts' cursor back, with no warning. */
static void test_a_part_complete_again_gives_out_its_cursor_back(void **state) {
    struct fixture *f = *state;
    sqlfile_exec(f->a, run_sql(2, "export", "interrupted", 0xe1));
    char sql[1024];
    snprintf(sql, sizeof sql, "%s INSERT INTO meta (key, value) VALUES ('changes_from', '%s');",
             run_sql(2, "export", "ok", 0xe2), "2026-11-12");
    sqlfile_exec(f->b, sql);
    char expected[512];
    snprintf(expected, sizeof expected, "no changes cursor after merging %s: it has none", f->a);
    assert_warned(f, expected);
    assert_int_equal(sqlfile_int(f->out, "SELECT count(*) FROM meta WHERE key = 'changes_from'"),
                     0);
    sqlfile_exec(f->a, "UPDATE runs SET status = 'ok' WHERE id = 2; INSERT INTO meta (key, value) "
                       "VALUES ('changes_from', '2026-11-20')");
    const char *said;
    int code = merge(f, &said, "merge", f->out, f->a, f->b, NULL);
    if (code != EXIT_OK || strstr(said, "warning"))
        fail_msg("exit %d: %s", code, said);
    assert_int_equal(sqlfile_int(f->out, "SELECT value = '2026-11-12' FROM meta WHERE key = "
                                         "'changes_from'"),
                     1);
}

/* Runs of an input still running: said, with its count (dump's next
 * --since stays before them). */
static void test_runs_still_running_are_warned_of(void **state) {
    struct fixture *f = *state;
    sqlfile_exec(f->b, run_sql(2, "ids", "running", 0xb2));
    char expected[512];
    snprintf(expected, sizeof expected, "1 run(s) of %s were still running", f->b);
    assert_warned(f, expected);
}

/* A movie of OUT fetched later in an input from a copy older than OUT's
 * (TMDB's cache): said, with the count, for the next changes run. */
static void test_a_later_fetch_of_an_older_copy_is_warned_of(void **state) {
    struct fixture *f = *state;
    make_db(f->out, "en-US", movie_sql(2, "2026-11-01T00:05:00Z", "2026-11-01T00:00:00Z"));
    sqlfile_exec(f->b, "UPDATE movies SET fetched_at = '2026-11-02T00:05:00Z', copy_made_at = "
                       "'2026-10-30T00:00:00Z' WHERE id = 2");
    char expected[512];
    snprintf(expected, sizeof expected,
             "%s: 1 movie(s) of %s and %s were fetched later from a copy older", f->out, f->out,
             f->b);
    assert_warned(f, expected);
}

/* OUT left without a cursor by a part merged before (it ran an export and
 * holds none), then merged with complete parts only: still none, said. */
static void test_an_out_left_without_a_cursor_before_is_warned_of(void **state) {
    struct fixture *f = *state;
    make_db(f->out, "en-US", run_sql(1, "export", "interrupted", 0xe0));
    char expected[512];
    snprintf(expected, sizeof expected,
             "no changes cursor after merging %s: a part merged before had none", f->b);
    assert_warned(f, expected);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_the_inputs_are_merged_into_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each_input_is_said_unless_quiet, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_holds_the_first_inputs_language, setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_input_that_cannot_be_read_merges_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_an_input_not_of_this_tool_or_language_merges_nothing,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_locked_out_merges_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_damaged_input_leaves_the_earlier_ones_merged, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_every_part_merged_again_moves_the_cursor_on, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_an_input_without_a_changes_cursor_is_warned_of, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_an_input_without_a_cursor_into_an_out_without_one_is_said_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_part_complete_again_gives_out_its_cursor_back, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_runs_still_running_are_warned_of, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_later_fetch_of_an_older_copy_is_warned_of, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_an_out_left_without_a_cursor_before_is_warned_of,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
