/* log.c - see log.h. */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t stderr_lock = PTHREAD_MUTEX_INITIALIZER;
/* set by log_init() before any thread starts; read-only afterwards */
static enum log_level shown_level = LOG_WARN;
static bool progress_on;
/* guarded by stderr_lock */
static bool progress_drawn;

void log_init(enum log_level max_level, bool progress) {
    shown_level = max_level;
    progress_on = progress && isatty(STDERR_FILENO);
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

void log_msg(enum log_level level, const char *fmt, ...) {
    if (level > shown_level)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&stderr_lock);
    erase_progress();
    fprintf(stderr, "tmdb-ingest: %s%s\n", level_prefix(level), line);
    fflush(stderr);
    pthread_mutex_unlock(&stderr_lock);
}

void log_progress(const char *line) {
    if (!progress_on)
        return;
    pthread_mutex_lock(&stderr_lock);
    fprintf(stderr, "\r\033[K%s", line);
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

void log_summary(const char *line) {
    pthread_mutex_lock(&stderr_lock);
    erase_progress();
    fprintf(stderr, "%s\n", line);
    fflush(stderr);
    pthread_mutex_unlock(&stderr_lock);
}
