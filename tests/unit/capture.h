/*
 * capture.h - what the code under test writes to standard error, captured
 * by a unit test: capture_stderr_start(DIR) sends stderr to the file
 * DIR/stderr until capture_stderr_end(DIR), which puts stderr back and
 * returns what was written (static, NUL-terminated, cut to 4 KiB; the
 * next capture overwrites it). One capture at a time.
 *
 * Header-only, for the test binaries (each is one .c file).
 */
#ifndef TMDB_TESTS_CAPTURE_H
#define TMDB_TESTS_CAPTURE_H

#include <stdio.h>
#include <unistd.h>

static int capture_saved_stderr = -1;

static void capture_stderr_start(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/stderr", dir);
    fflush(stderr);
    capture_saved_stderr = dup(2);
    assert_true(capture_saved_stderr >= 0 && freopen(path, "w", stderr) != NULL);
}

static const char *capture_stderr_end(const char *dir) {
    static char text[4096];
    char path[4096];
    snprintf(path, sizeof path, "%s/stderr", dir);
    fflush(stderr);
    assert_true(dup2(capture_saved_stderr, 2) == 2);
    close(capture_saved_stderr);
    capture_saved_stderr = -1;
    FILE *in = fopen(path, "r");
    assert_non_null(in);
    size_t n = fread(text, 1, sizeof text - 1, in);
    text[n] = '\0';
    fclose(in);
    return text;
}

#endif
