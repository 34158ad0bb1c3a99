/* fuzz_export_line.c - libFuzzer target for export_parse_line() and the
 * export reader (export.h) that splits the decompressed file into lines.
 *
 * Byte 0 chooses the mode; bytes 1-2 are a number, `knob`.
 *   bit 0 clear: the text is the file (the reader reads a non-gzip file as it is);
 *   bit 0 set:   the text is gzip-compressed first; with bit 1 set as well
 *                the compressed file is cut short (knob says where);
 *   bit 3 set:   knob newlines (plus 56 KiB of them with bit 2) go before
 *                the fuzzer's bytes: that shifts them across the reader's
 *                64 KiB chunks, which -max_len alone would not reach.
 * The text is then those newlines and the bytes after byte 2.
 * The reader's answers are compared with a model of the contract: lines
 * split at '\n', one '\r' dropped, empty lines skipped, lines longer than
 * EXPORT_MAX_LINE reported, the others repaired (json_repair_escapes()) and
 * parsed by export_parse_line(). A cut
 * file must give a prefix of the model's answers, then EXPORT_ERROR. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "export.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What one export_reader_next() call gave, or should give. */
struct step {
    enum export_next kind;
    int64_t id;
    long line;
};

static void check_parse(const char *line, size_t len) {
    struct export_entry e;
    char reason[96];
    memset(reason, 'Q', sizeof reason);
    if (export_parse_line(line, len, &e, reason, sizeof reason) == 0) {
        if (e.id <= 0 || e.id > (INT64_C(1) << 53))
            __builtin_trap();
    } else if (!memchr(reason, '\0', sizeof reason) || reason[0] == '\0') {
        __builtin_trap();
    }
}

/* The contract applied to `text`: the steps a reader must give, END last. */
static size_t model(const char *text, size_t len, struct step *steps) {
    size_t n = 0;
    long line = 0;
    for (size_t at = 0; at < len;) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t line_len = end - at;
        line++;
        if (line_len > 0 && text[end - 1] == '\r')
            line_len--;
        struct step s = {.kind = EXPORT_BAD_LINE, .line = line};
        if (end - at > EXPORT_MAX_LINE) {
            steps[n++] = s;
        } else if (line_len > 0) {
            struct export_entry e;
            char reason[96];
            check_parse(text + at, line_len);
            /* the reader repairs lone surrogate escapes (a title cut in an
             * emoji) and \u0000 before it parses a line */
            char *repaired = malloc(line_len);
            if (!repaired)
                abort();
            memcpy(repaired, text + at, line_len);
            json_repair_escapes(repaired, line_len);
            if (export_parse_line(repaired, line_len, &e, reason, sizeof reason) == 0)
                s = (struct step){.kind = EXPORT_ENTRY, .id = e.id, .line = line};
            free(repaired);
            steps[n++] = s;
        }
        at = end + 1;
    }
    steps[n++] = (struct step){.kind = EXPORT_END, .line = line};
    return n;
}

/* Read the file on fd with the reader: every step, up to END or ERROR, or
 * `max` of them; more than that is a loop when the file is `text`, but not
 * when it is gzip from the fuzzer (it may inflate to anything). */
static size_t read_all(int fd, struct step *steps, size_t max, bool max_is_a_loop) {
    struct export_reader *r = export_reader_open(fd);
    if (!r)
        return 0;
    size_t n = 0;
    for (;;) {
        struct export_entry e;
        char reason[96] = "";
        enum export_next k = export_reader_next(r, &e, reason, sizeof reason);
        if (n == max) {
            if (max_is_a_loop)
                __builtin_trap(); /* more answers than the text has lines */
            break;
        }
        steps[n++] = (struct step){k, k == EXPORT_ENTRY ? e.id : 0, export_reader_line(r)};
        if (k != EXPORT_ENTRY && reason[0] == '\0' && k != EXPORT_END)
            __builtin_trap(); /* a bad line or an error says why */
        if (k == EXPORT_END && export_reader_next(r, &e, reason, sizeof reason) != EXPORT_END)
            __builtin_trap(); /* the end stays the end */
        if (k == EXPORT_END || k == EXPORT_ERROR)
            break;
    }
    export_reader_close(r);
    return n;
}

/* A line whose length (without '\n') is EXPORT_MAX_LINE or one more may
 * count as too long or not, depending on whether its '\r' counts. */
static bool at_the_limit(const char *text, size_t len, long line) {
    size_t at = 0;
    for (long l = 1; l < line; l++)
        at = (size_t)((const char *)memchr(text + at, '\n', len - at) - text) + 1;
    const char *nl = memchr(text + at, '\n', len - at);
    size_t line_len = (nl ? (size_t)(nl - text) : len) - at;
    return line_len == EXPORT_MAX_LINE || line_len == EXPORT_MAX_LINE + 1;
}

static bool same_step(const struct step *a, const struct step *b, const char *text, size_t len) {
    if (a->kind == b->kind && a->id == b->id && a->line == b->line)
        return true;
    return a->line == b->line && a->kind != EXPORT_END && a->kind != EXPORT_ERROR &&
           b->kind != EXPORT_END && at_the_limit(text, len, a->line);
}

static uint8_t *gzip(const char *text, size_t len, size_t *out_len) {
    z_stream zs = {0};
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    size_t cap = deflateBound(&zs, (uLong)len);
    uint8_t *out = malloc(cap);
    if (out) {
        zs.next_in = (Bytef *)(uintptr_t)text;
        zs.avail_in = (uInt)len;
        zs.next_out = out;
        zs.avail_out = (uInt)cap;
        if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
            free(out);
            out = NULL;
        }
        *out_len = zs.total_out;
    }
    deflateEnd(&zs);
    return out;
}

/* One file, reused: rewritten for every input, read through a dup. */
static int file_fd(const void *bytes, size_t len) {
    static int fd = -1;
    if (fd < 0) {
        char path[] = "/tmp/fuzz_export_line.XXXXXX";
        fd = mkstemp(path);
        if (fd < 0)
            abort();
        unlink(path);
    }
    if (ftruncate(fd, 0) != 0 || pwrite(fd, bytes, len, 0) != (ssize_t)len ||
        lseek(fd, 0, SEEK_SET) != 0)
        abort();
    return dup(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 3) {
        check_parse((const char *)data, size);
        return 0;
    }
    check_parse((const char *)data + 3, size - 3);
    uint8_t mode = data[0];
    size_t knob = (size_t)data[1] << 8 | data[2];
    size_t pad = mode & 8 ? knob + (mode & 4 ? 56 * 1024 : 0) : 0;
    size_t len = pad + size - 3;
    /* the padding's lines are empty: only the fuzzer's lines give steps */
    char *text = malloc(len + 1);
    struct step *want = malloc((size - 3 + 2) * sizeof *want);
    if (!text || !want)
        abort();
    memset(text, '\n', pad);
    memcpy(text + pad, data + 3, size - 3);
    size_t n_want = model(text, len, want);
    struct step *got = malloc((n_want + 1) * sizeof *got);
    if (!got)
        abort();
    bool cut = false;
    int fd;
    if (mode & 1) {
        size_t gz_len;
        uint8_t *gz = gzip(text, len, &gz_len);
        if (!gz)
            abort();
        if (mode & 2) { /* cut within the file, leaving at least its magic */
            gz_len = 2 + knob % (gz_len - 2);
            cut = true;
        }
        fd = file_fd(gz, gz_len);
        free(gz);
    } else {
        fd = file_fd(text, len);
    }
    /* No model for a text that happens to start with gzip's magic (it is
     * decompressed), nor for a 0-byte file (test_export.c says what it is). */
    bool modelled = (mode & 1) || len == 1 || (len > 1 && memcmp(text, "\x1f\x8b", 2) != 0);
    size_t n_got = read_all(fd, got, n_want + 1, modelled);
    if (modelled && !cut) {
        if (n_got != n_want)
            __builtin_trap();
        for (size_t i = 0; i < n_got; i++)
            if (!same_step(&got[i], &want[i], text, len))
                __builtin_trap();
    } else if (cut) {
        if (n_got == 0 || got[n_got - 1].kind != EXPORT_ERROR || n_got > n_want)
            __builtin_trap();
        for (size_t i = 0; i + 1 < n_got; i++)
            if (!same_step(&got[i], &want[i], text, len))
                __builtin_trap();
    }
    for (size_t i = 1; i < n_got; i++) /* line numbers never go back */
        if (got[i].line < got[i - 1].line)
            __builtin_trap();
    free(text);
    free(want);
    free(got);
    return 0;
}
