/* test_log.c - the progress line on a terminal: drawn on one line of the
 * terminal's width (a line that wrapped left its first part behind at
 * every redraw), whole when it fits or the width is unknown. stderr is the
 * slave of a pseudo-terminal for the time of each draw; what reached the
 * terminal is read back from its master. And a message is one line. */
#define _XOPEN_SOURCE 700 /* posix_openpt(), grantpt(), unlockpt(), ptsname() */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

/* What log_progress(line) and then log_progress_clear() write to a
 * terminal `cols` columns wide (0: a width it does not know), into out. */
static void drawn_on_terminal(unsigned short cols, const char *line, char *out, size_t size) {
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0) /* a container without /dev/pts: said, never skipped */
        fail_msg("no pseudo-terminal to draw on (posix_openpt: %s)", strerror(errno));
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    assert_true(slave >= 0);
    struct winsize ws = {.ws_row = 24, .ws_col = cols};
    assert_int_equal(ioctl(slave, TIOCSWINSZ, &ws), 0);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_int_equal(dup2(slave, STDERR_FILENO), STDERR_FILENO);
    log_init(LOG_WARN, true, LOG_FORMAT_TEXT);
    bool enabled = log_progress_enabled();
    log_progress(line);
    log_progress_clear();
    assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
    close(saved);
    close(slave);
    log_init(LOG_WARN, false, LOG_FORMAT_TEXT);
    assert_true(enabled);
    size_t n = 0;
    struct pollfd p = {.fd = master, .events = POLLIN};
    while (n + 1 < size && poll(&p, 1, 200) == 1) {
        ssize_t got = read(master, out + n, size - 1 - n);
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    out[n] = '\0';
    close(master);
}

static const char long_line[] =
    "812345/1000000 done (800000 stored, 1234 missing, 11111 failed) | 35.0 req/s | 2345 "
    "retries | ETA 1h29m12s";

static void test_a_long_line_is_cut_to_the_width(void **state) {
    (void)state;
    char out[512];
    drawn_on_terminal(80, long_line, out, sizeof out);
    char want[512];
    snprintf(want, sizeof want, "\r\033[K%.79s\r\033[K", long_line);
    assert_string_equal(out, want);
    /* exactly as wide as the terminal: its last column stays free too */
    int len = (int)strlen(long_line);
    drawn_on_terminal((unsigned short)len, long_line, out, sizeof out);
    snprintf(want, sizeof want, "\r\033[K%.*s\r\033[K", len - 1, long_line);
    assert_string_equal(out, want);
    /* one column more: whole */
    drawn_on_terminal((unsigned short)(len + 1), long_line, out, sizeof out);
    snprintf(want, sizeof want, "\r\033[K%s\r\033[K", long_line);
    assert_string_equal(out, want);
}

static void test_a_line_that_fits_is_whole(void **state) {
    (void)state;
    char out[512], want[512];
    drawn_on_terminal(200, long_line, out, sizeof out);
    snprintf(want, sizeof want, "\r\033[K%s\r\033[K", long_line);
    assert_string_equal(out, want);
    /* a width unknown (0): all of it */
    drawn_on_terminal(0, long_line, out, sizeof out);
    assert_string_equal(out, want);
    /* one column, which nothing fits short of: all of it too, not nothing */
    drawn_on_terminal(1, long_line, out, sizeof out);
    assert_string_equal(out, want);
}

/* The lines that name a file (a backup's, a database's being upgraded):
 * cut where a character begins, never inside one (a terminal shows the
 * bytes left of it as garbage), and the file name's control characters
 * shown as a message shows them, so that an escape sequence in it does not
 * drive the terminal nor a newline leave a line behind at each redraw. */
static void test_a_file_name_in_the_line_is_shown_safely(void **state) {
    (void)state;
    char out[512];
    /* "/data/" is 6 bytes, each Hangul syllable 3: 10 bytes end inside 화 */
    drawn_on_terminal(11, "/data/영화/db.sqlite3: upgrading the schema", out, sizeof out);
    assert_string_equal(out, "\r\033[K/data/영\r\033[K");
    drawn_on_terminal(200, "backing up to /tmp/a\033[2J\nb: 50 %", out, sizeof out);
    assert_string_equal(out, "\r\033[Kbacking up to /tmp/a\\x1b[2J\\x0ab: 50 %\r\033[K");
}

/* emit(arg) with stderr on `fd`, which is closed after; stderr is back as
 * it was, its error flag cleared (a write to a full socket sets it). */
static void emit_into(int fd, void (*emit)(const void *arg), const void *arg) {
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    emit(arg);
    assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
    clearerr(stderr);
    close(saved);
    close(fd);
}

/* What emit(arg) writes to stderr, into out. */
static void stderr_of(void (*emit)(const void *arg), const void *arg, char *out, size_t size) {
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    emit_into(fds[1], emit, arg);
    ssize_t n = read(fds[0], out, size - 1);
    close(fds[0]);
    assert_true(n >= 0);
    out[n] = '\0';
}

struct warning {
    enum log_level level;
    const char *text;
};

/* log_warn(text) at w->level: at LOG_ERROR (-q) held back and written by
 * log_show_held(). */
static void warn_at(const void *arg) {
    const struct warning *w = arg;
    log_init(w->level, false, LOG_FORMAT_TEXT);
    log_warn("%s", w->text);
    log_show_held();
    log_init(LOG_WARN, false, LOG_FORMAT_TEXT);
}

/* What log_warn(text) writes to stderr at `level`, into out. */
static void warned(enum log_level level, const char *text, char *out, size_t size) {
    struct warning w = {level, text};
    stderr_of(warn_at, &w, out, size);
}

/* A message is one line, whatever it quotes: its control bytes (a file
 * name's newline, a server's escape sequence) are written as \xNN, also
 * when -q held it back; other bytes, UTF-8 included, as they are. */
static void test_a_message_is_one_line(void **state) {
    (void)state;
    char out[512];
    static const char text[] =
        "/tmp/a\nrun 7 ok: forged\033[31m \x7f\ttab \xec\x98\x81\xed\x99\x94 \\";
    static const char want[] = "tmdb-ingest: warning: /tmp/a\\x0arun 7 ok: forged\\x1b[31m "
                               "\\x7f\\x09tab \xec\x98\x81\xed\x99\x94 \\\n";
    warned(LOG_WARN, text, out, sizeof out);
    assert_string_equal(out, want);
    warned(LOG_ERROR, text, out, sizeof out);
    assert_non_null(strstr(out, want));
}

/* -q: two warnings held back, then written by log_show_held(). */
static void two_held(const void *arg) {
    (void)arg;
    log_init(LOG_ERROR, false, LOG_FORMAT_TEXT);
    log_warn("line 1: \"x\" is not a movie id; skipped");
    log_warn("line 2: \"y\" is not a movie id; skipped");
    log_show_held();
    log_init(LOG_WARN, false, LOG_FORMAT_TEXT);
}

/* The warnings -q held back are written as they were, each once, and
 * nothing more: none was dropped, so no count of dropped ones. */
static void test_held_warnings_are_written_as_they_were(void **state) {
    (void)state;
    char out[512];
    stderr_of(two_held, NULL, out, sizeof out);
    assert_string_equal(out, "tmdb-ingest: warning: line 1: \"x\" is not a movie id; skipped\n"
                             "tmdb-ingest: warning: line 2: \"y\" is not a movie id; skipped\n");
}

static void event_merged(const void *text) {
    log_event("merged", text, NULL, 0);
}

/* What log_event(text) writes to stderr in text mode, into out. */
static void evented(const char *text, char *out, size_t size) {
    stderr_of(event_merged, text, out, size);
}

/* A summary line is one line too: merge's names its input, a file name
 * that may hold a newline ("merged /tmp/in\ntmdb-ingest: run 7 ok: ..."
 * was two lines, the second a forged summary). */
static void test_a_summary_is_one_line(void **state) {
    (void)state;
    char out[512];
    log_init(LOG_WARN, false, LOG_FORMAT_TEXT);
    evented("tmdb-ingest: merged /tmp/in\ntmdb-ingest: run 7 ok: \033[31mforged", out, sizeof out);
    assert_string_equal(out,
                        "tmdb-ingest: merged /tmp/in\\x0atmdb-ingest: run 7 ok: \\x1b[31mforged\n");
}

/* Nor does a character that a reader takes for a line end or a terminal
 * for a control: the C1 controls (NEL, U+0085; CSI, U+009B, starts an
 * escape sequence), LINE and PARAGRAPH SEPARATOR (Python's splitlines()
 * ends lines at all three), each byte as \xNN; nor a byte that is not
 * UTF-8 (journalctl shows such a line as a blob), as dump writes none.
 * A server's status_message reaches an error line as TMDB wrote it. */
static void test_a_message_is_one_line_for_unicode_readers(void **state) {
    (void)state;
    char out[512];
    static const char text[] = "key\xe2\x80\xa8run 7 ok: forged\xc2\x85\xc2\x9b"
                               "2J "
                               "\xe2\x80\xa9 \xff \xc2\xa0\xe2\x80\xa7\xec\x98\x81";
    static const char want[] = "tmdb-ingest: warning: key\\xe2\\x80\\xa8run 7 ok: "
                               "forged\\xc2\\x85\\xc2\\x9b2J \\xe2\\x80\\xa9 \\xff "
                               "\xc2\xa0\xe2\x80\xa7\xec\x98\x81\n";
    warned(LOG_WARN, text, out, sizeof out);
    assert_string_equal(out, want);
    log_init(LOG_WARN, false, LOG_FORMAT_TEXT);
    evented(text, out, sizeof out);
    assert_string_equal(out, want + strlen("tmdb-ingest: warning: "));
}

/* What emit(arg) writes to stderr, each write(2) as one packet: into
 * out[0..*n_writes), at most `max` of them, each NUL-terminated. */
static void writes_of(void (*emit)(const void *arg), const void *arg, char out[][2048], int max,
                      int *n_writes) {
    int fds[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds), 0);
    /* a line written a byte at a time fills the socket: fail, not hang */
    assert_int_equal(fcntl(fds[1], F_SETFL, O_NONBLOCK), 0);
    emit_into(fds[1], emit, arg);
    *n_writes = 0;
    ssize_t n;
    while (*n_writes < max && (n = recv(fds[0], out[*n_writes], 2047, 0)) > 0)
        out[(*n_writes)++][n] = '\0';
    close(fds[0]);
}

static void json_warning(const void *text) {
    log_init(LOG_WARN, false, LOG_FORMAT_JSON);
    log_warn("%s", (const char *)text);
    log_init(LOG_WARN, false, LOG_FORMAT_TEXT);
}

static void json_held_warning(const void *text) {
    log_init(LOG_ERROR, false, LOG_FORMAT_JSON);
    log_warn("%s", (const char *)text);
    log_show_held();
    log_init(LOG_WARN, false, LOG_FORMAT_TEXT);
}

static void json_summary(const void *text) {
    struct log_field fields[] = {{"run", NULL, 7}, {"status", text, 0}};
    log_init(LOG_WARN, false, LOG_FORMAT_JSON);
    log_event("run_finished", "tmdb-ingest: run 7 ok", fields, 2);
    log_init(LOG_WARN, false, LOG_FORMAT_TEXT);
}

static void text_warning(const void *text) {
    log_init(LOG_WARN, false, LOG_FORMAT_TEXT);
    log_warn("%s", (const char *)text);
}

static void text_summary(const void *text) {
    log_init(LOG_WARN, false, LOG_FORMAT_TEXT);
    log_summary(text);
}

/* Each line reaches stderr in one write(2): two runs appending to one log
 * (both crontab lines' 2>>FILE, a run exiting 6 while the other writes)
 * never cut into each other's lines. A JSON one was written a byte at a
 * time, stderr being unbuffered: 69 writes for an error line. */
static void test_each_line_is_one_write(void **state) {
    (void)state;
    static char out[4][2048];
    char text[400];
    memset(text, 'a', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    memcpy(text, "movie 7: \"quoted\"\n", 18);
    void (*emitters[])(const void *) = {json_warning, json_held_warning, json_summary, text_warning,
                                        text_summary};
    for (size_t i = 0; i < sizeof emitters / sizeof *emitters; i++) {
        int n = 0;
        writes_of(emitters[i], text, out, 4, &n);
        assert_int_equal(n, 1);
        size_t len = strlen(out[0]);
        assert_true(len > sizeof text);
        assert_ptr_equal(strchr(out[0], '\n'), out[0] + len - 1);
    }
}

/* Four threads logging errors at once: the first error kept is one of
 * theirs, whole (the lock covers both), and later ones do not replace it. */
#define RACERS 4
static void *log_errors(void *arg) {
    for (int i = 0; i < 100; i++) /* 400 lines, 35 KB: within a pipe's buffer */
        log_error("racer %d error %d of a line long enough to be torn if it could be",
                  *(const int *)arg, i);
    return NULL;
}

static void race_errors(const void *arg) {
    (void)arg;
    pthread_t threads[RACERS];
    int ids[RACERS];
    for (int i = 0; i < RACERS; i++) {
        ids[i] = i;
        assert_int_equal(pthread_create(&threads[i], NULL, log_errors, &ids[i]), 0);
    }
    for (int i = 0; i < RACERS; i++)
        pthread_join(threads[i], NULL);
}

static void first_errors(const void *arg) {
    (void)arg;
    log_warn("a warning is not an error");
    log_info("nor is this");
    log_error("the first: %s", "movie 7\nforged \033[31m");
    log_error("the second");
}

/* runs.error is the first error logged (log_first_error()): not a warning,
 * not a later error; its control bytes as the log writes them; none after
 * log_init(), which a run calls once. */
static void test_the_first_error_is_kept(void **state) {
    (void)state;
    char buf[LOG_ERROR_SIZE], out[4096];
    log_init(LOG_WARN, false, LOG_FORMAT_TEXT);
    assert_false(log_first_error(buf, sizeof buf));
    assert_string_equal(buf, "");
    stderr_of(first_errors, NULL, out, sizeof out);
    assert_true(log_first_error(buf, sizeof buf));
    assert_string_equal(buf, "the first: movie 7\\x0aforged \\x1b[31m");
    char small[8];
    assert_true(log_first_error(small, sizeof small));
    assert_string_equal(small, "the fir");
    log_init(LOG_WARN, false, LOG_FORMAT_TEXT);
    assert_false(log_first_error(buf, sizeof buf));

    static char big[LOG_ERROR_SIZE * 2];
    stderr_of(race_errors, NULL, big, sizeof big);
    assert_true(log_first_error(buf, sizeof buf));
    int who = -1;
    char tail[128] = "";
    assert_int_equal(sscanf(buf, "racer %d error 0 of a line %127[^\n]", &who, tail), 2);
    assert_true(who >= 0 && who < RACERS);
    assert_string_equal(tail, "long enough to be torn if it could be");
    log_init(LOG_WARN, false, LOG_FORMAT_TEXT);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_long_line_is_cut_to_the_width),
        cmocka_unit_test(test_a_line_that_fits_is_whole),
        cmocka_unit_test(test_a_file_name_in_the_line_is_shown_safely),
        cmocka_unit_test(test_a_message_is_one_line),
        cmocka_unit_test(test_a_message_is_one_line_for_unicode_readers),
        cmocka_unit_test(test_held_warnings_are_written_as_they_were),
        cmocka_unit_test(test_a_summary_is_one_line),
        cmocka_unit_test(test_each_line_is_one_write),
        cmocka_unit_test(test_the_first_error_is_kept),
    };
    return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
