/* log.c - see log.h. */
#include "log.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "clock.h"
#include "json.h"

/* Every write to stderr (a line, a progress frame), and the state marked
 * "guarded by stderr_lock" below. */
static pthread_mutex_t stderr_lock = PTHREAD_MUTEX_INITIALIZER;
/* set by log_init() before any thread starts, and raised to LOG_WARN by
 * log_show_held() on main's thread once no other thread logs (log.h): read
 * by any thread without the lock */
static enum log_level shown_level = LOG_WARN;
static bool progress_on;
static enum log_format format;
/* guarded by stderr_lock */
static bool progress_drawn;
/* A message's bytes, its NUL included: a longer one is cut. */
#define LOG_LINE_MAX 1024

/* -q: the warnings not written (log_show_held()), with the time they were
 * logged at; guarded by stderr_lock */
static struct held_warning {
    char time[CLOCK_ISO_SIZE];
    char text[LOG_LINE_MAX];
} held[LOG_HELD_MAX];
static size_t n_held;
static long long n_held_dropped;

/* The first error logged since log_init(), as written in text (visible()),
 * "" while none was: log_first_error(); guarded by stderr_lock */
static char first_error[LOG_ERROR_SIZE];
_Static_assert(4 * (LOG_LINE_MAX - 1) + 1 <= LOG_ERROR_SIZE, "visible() fits a line");

void log_init(enum log_level max_level, bool progress, enum log_format fmt) {
    shown_level = max_level;
    format = fmt;
    progress_on = progress && fmt == LOG_FORMAT_TEXT && isatty(STDERR_FILENO);
    pthread_mutex_lock(&stderr_lock);
    first_error[0] = '\0';
    pthread_mutex_unlock(&stderr_lock);
}

/* {"time":...,"level":...,"event":... (no closing brace) on `out`, at
 * `time`, or now when NULL: a line of stderr being built (lock held), or
 * log_event_json()'s own stream (stdout: unlocked). */
static void put_json_head(FILE *out, const char *time, const char *level, const char *event) {
    char now[CLOCK_ISO_SIZE];
    if (!time) {
        clock_utc_iso(now);
        time = now;
    }
    fprintf(out, "{\"time\":\"%s\",\"level\":\"%s\",\"event\":", time, level);
    json_write_string(out, event, strlen(event));
}

bool log_progress_enabled(void) {
    return progress_on;
}

/* Lock held. */
static void erase_progress(void) {
    if (progress_drawn) {
        fputs("\r\033[K", stderr);
        progress_drawn = false;
    }
}

static const char *level_name(enum log_level level) {
    switch (level) {
    case LOG_ERROR:
        return "error";
    case LOG_WARN:
        return "warn";
    case LOG_INFO:
        return "info";
    case LOG_DEBUG:
        break;
    }
    return "debug";
}

static const char *level_prefix(enum log_level level) {
    switch (level) {
    case LOG_ERROR:
        return "error: ";
    case LOG_WARN:
        return "warning: ";
    case LOG_INFO:
    case LOG_DEBUG:
        break;
    }
    return "";
}

/* How many bytes of `s` (a byte >= 0x80) to write as \xNN: none when a
 * character starts there that is neither a C1 control (U+0080 to U+009F:
 * NEL ends a line, CSI starts an escape sequence) nor LINE or PARAGRAPH
 * SEPARATOR (U+2028, U+2029: line ends to Python's splitlines()), all of
 * it when one is; 1 for a byte that starts no UTF-8 character (journalctl
 * shows a line holding one as a blob). */
static size_t hidden_bytes(const char *s, size_t *n) {
    unsigned char lead = (unsigned char)s[0];
    *n = lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    /* a shorter s ends in its NUL, which fails the check */
    if (!json_utf8_valid(s, *n))
        return 1;
    unsigned char c1 = (unsigned char)s[1];
    bool control = lead == 0xC2 && c1 <= 0x9F;
    bool separator = lead == 0xE2 && c1 == 0x80 && ((unsigned char)s[2] & 0xFE) == 0xA8;
    return control || separator ? *n : 0;
}

/* `line` with its control characters written as \xNN, into out (4 times
 * its length at most, and the NUL): a message is one line, whatever a file
 * name, an input token or a server put into it; a newline would forge a
 * line of its own in cron's mail or the journal, an escape sequence drive
 * the terminal that reads the log. A byte that is not UTF-8 too: the line
 * stays text for every reader. */
static void visible(const char *line, char *out) {
    static const char hex[] = "0123456789abcdef";
    while (*line) {
        unsigned char c = (unsigned char)*line;
        size_t n = 1, quoted = c < 0x20 || c == 0x7f;
        if (c >= 0x80)
            quoted = hidden_bytes(line, &n);
        if (quoted == 0) {
            memcpy(out, line, n);
            out += n;
            line += n;
            continue;
        }
        for (size_t i = 0; i < quoted; i++, line++) {
            unsigned char b = (unsigned char)*line;
            *out++ = '\\';
            *out++ = 'x';
            *out++ = hex[b >> 4];
            *out++ = hex[b & 15];
        }
    }
    *out = '\0';
}

/* A line of stderr built in memory, then written with one write(2):
 * stderr is unbuffered, so a JSON line went out a byte at a time (and a
 * long fprintf may go in pieces), and another process writing the same log
 * (both crontab lines' 2>>FILE, a run exiting 6 while another writes) cut
 * into it. A memory stream that cannot be made: written to stderr as it
 * comes. */
struct record {
    FILE *out; /* the memory stream, or stderr */
    char *buf;
    size_t len;
};

static FILE *record_open(struct record *r) {
    r->buf = NULL;
    r->len = 0;
    r->out = open_memstream(&r->buf, &r->len);
    if (!r->out)
        r->out = stderr;
    return r->out;
}

/* Write the line and flush stderr. */
static void record_write(struct record *r) {
    if (r->out != stderr && fclose(r->out) == 0)
        fwrite(r->buf, 1, r->len, stderr);
    free(r->buf);
    fflush(stderr);
}

/* Lock held. One message line (at most LOG_LINE_MAX bytes), logged at
 * `time` (NULL: now). */
static void put_message(enum log_level level, const char *time, const char *line) {
    erase_progress();
    struct record r;
    FILE *out = record_open(&r);
    if (format == LOG_FORMAT_JSON) {
        put_json_head(out, time, level_name(level), "message");
        fputs(",\"message\":", out);
        json_write_string(out, line, strlen(line));
        fputs("}\n", out);
    } else {
        char shown[4 * LOG_LINE_MAX];
        visible(line, shown);
        fprintf(out, "tmdb-ingest: %s%s\n", level_prefix(level), shown);
    }
    record_write(&r);
}

/* Lock held. -q: keep a warning for log_show_held(). */
static void hold(const char *line) {
    if (n_held == LOG_HELD_MAX) {
        n_held_dropped++;
        return;
    }
    clock_utc_iso(held[n_held].time);
    snprintf(held[n_held].text, sizeof held[n_held].text, "%s", line);
    n_held++;
}

/* One message line from fmt and ap: held back (-q) or written now. */
__attribute__((format(printf, 3, 0))) static void log_line(enum log_level level, bool held_back,
                                                           const char *fmt, va_list ap) {
    char line[LOG_LINE_MAX];
    vsnprintf(line, sizeof line, fmt, ap);
    pthread_mutex_lock(&stderr_lock);
    if (level == LOG_ERROR && !first_error[0])
        visible(line, first_error);
    if (held_back)
        hold(line);
    else
        put_message(level, NULL, line);
    pthread_mutex_unlock(&stderr_lock);
}

bool log_first_error(char *buf, size_t size) {
    pthread_mutex_lock(&stderr_lock);
    bool any = first_error[0] != '\0';
    snprintf(buf, size, "%s", first_error);
    pthread_mutex_unlock(&stderr_lock);
    return any;
}

void log_msg(enum log_level level, const char *fmt, ...) {
    bool held_back = level == LOG_WARN && shown_level == LOG_ERROR;
    if (level > shown_level && !held_back)
        return;
    va_list ap;
    va_start(ap, fmt);
    log_line(level, held_back, fmt, ap);
    va_end(ap);
}

void log_warn_setup(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    log_line(LOG_WARN, false, fmt, ap);
    va_end(ap);
}

void log_show_held(void) {
    if (shown_level != LOG_ERROR)
        return;
    shown_level = LOG_WARN;
    pthread_mutex_lock(&stderr_lock);
    for (size_t i = 0; i < n_held; i++)
        put_message(LOG_WARN, held[i].time, held[i].text);
    if (n_held_dropped > 0) {
        char line[96];
        snprintf(line, sizeof line, "%lld more warning(s) not kept (-q)", n_held_dropped);
        put_message(LOG_WARN, NULL, line);
    }
    n_held = 0;
    n_held_dropped = 0;
    pthread_mutex_unlock(&stderr_lock);
}

/* How many bytes of `line` (UTF-8) fit on one line of the terminal on
 * stderr, short of its last column: "\r\033[K" clears the line the cursor
 * is on, so a line that wrapped would leave its first part behind at every
 * redraw, a new line each time. No character takes more columns than it
 * has bytes; the cut is where one begins (a file name's Hangul cut inside
 * a character showed as garbage). Read at each draw: the window may be
 * resized. All of it when the width is unknown. */
static int progress_width(const char *line) {
    size_t n = strlen(line);
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && n >= ws.ws_col) {
        n = (size_t)ws.ws_col - 1;
        while (n > 0 && ((unsigned char)line[n] & 0xC0) == 0x80)
            n--;
    }
    return n > INT_MAX ? INT_MAX : (int)n;
}

void log_progress(const char *line) {
    if (!progress_on)
        return;
    /* a file name in it (a backup's, a database's being upgraded) shown as
     * in a message: its escape sequences would drive the terminal */
    char cut[LOG_LINE_MAX], shown[4 * LOG_LINE_MAX];
    snprintf(cut, sizeof cut, "%s", line);
    visible(cut, shown);
    pthread_mutex_lock(&stderr_lock);
    fprintf(stderr, "\r\033[K%.*s", progress_width(shown), shown);
    fflush(stderr);
    progress_drawn = true;
    pthread_mutex_unlock(&stderr_lock);
}

void log_progress_clear(void) {
    pthread_mutex_lock(&stderr_lock);
    erase_progress();
    fflush(stderr);
    pthread_mutex_unlock(&stderr_lock);
}

void log_event_json(FILE *out, const char *event, const struct log_field *fields, size_t n_fields) {
    put_json_head(out, NULL, "info", event);
    for (size_t i = 0; i < n_fields; i++) {
        fputc(',', out);
        json_write_string(out, fields[i].key, strlen(fields[i].key));
        fputc(':', out);
        if (fields[i].text)
            json_write_string(out, fields[i].text, strlen(fields[i].text));
        else
            fprintf(out, "%.15g", fields[i].number);
    }
    fputs("}\n", out);
}

void log_event(const char *event, const char *text, const struct log_field *fields,
               size_t n_fields) {
    if (format == LOG_FORMAT_TEXT) {
        log_summary(text);
        return;
    }
    pthread_mutex_lock(&stderr_lock);
    struct record r;
    log_event_json(record_open(&r), event, fields, n_fields);
    record_write(&r);
    pthread_mutex_unlock(&stderr_lock);
}

void log_summary(const char *line) {
    /* one line, as a message is: merge's names its input, a file name */
    char cut[LOG_LINE_MAX], shown[4 * LOG_LINE_MAX];
    snprintf(cut, sizeof cut, "%s", line);
    visible(cut, shown);
    pthread_mutex_lock(&stderr_lock);
    erase_progress();
    struct record r;
    fprintf(record_open(&r), "%s\n", shown);
    record_write(&r);
    pthread_mutex_unlock(&stderr_lock);
}

int log_output_flushed(FILE *out, const char *what) {
    errno = 0;
    if (fflush(out) == 0 && !ferror(out))
        return 0;
    log_error("writing %s: %s", what, errno ? strerror(errno) : "output error");
    return -1;
}
