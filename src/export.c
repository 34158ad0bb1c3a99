/* export.c - see export.h. */
#include "export.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "clock.h"
#include "json.h"
#include "stop.h"

/* Decompressed bytes read per gzread(). */
#define CHUNK (64 * 1024)
/* TMDB publishes the day's file around 07:00-08:00 UTC. */
#define PUBLISHED_BY_S (8 * 3600)

struct export_reader {
    gzFile gz;
    char buf[CHUNK + EXPORT_MAX_LINE + 1];
    size_t start, end; /* unconsumed bytes are buf[start, end) */
    bool eof;
    bool skipping; /* inside an over-long line: drop bytes up to the newline */
    long line;
    bool empty_file;     /* the file had no bytes at all (not even a gzip header) */
    uint64_t inflated;   /* decompressed bytes read so far */
    uint64_t compressed; /* the file's bytes from its start offset (0: not a regular file) */
};

int export_file_name(const char *date, char *buf, size_t size) {
    long day;
    if (clock_parse_date(date, &day) != 0)
        return -1;
    /* date is YYYY-MM-DD; the file wants MM_DD_YYYY */
    int n = snprintf(buf, size, "movie_ids_%.2s_%.2s_%.4s.json.gz", date + 5, date + 8, date);
    return n > 0 && (size_t)n < size ? 0 : -1;
}

int export_adult_url(const char *url, char *buf, size_t size) {
    const char *slash = strrchr(url, '/');
    if (!slash || !slash[1])
        return -1;
    int dir = (int)(slash - url) + 1;
    return snprintf(buf, size, "%.*sadult_%s", dir, url, slash + 1) < (int)size ? 0 : -1;
}

int export_day_of_name(const char *path, long *day) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char date[CLOCK_DATE_SIZE];
    /* movie_ids_MM_DD_YYYY.json.gz */
    if (strlen(base) != 28 || strncmp(base, "movie_ids_", 10) != 0 || base[12] != '_' ||
        base[15] != '_' || strcmp(base + 20, ".json.gz") != 0)
        return -1;
    snprintf(date, sizeof date, "%.4s-%.2s-%.2s", base + 16, base + 10, base + 13);
    return clock_parse_date(date, day);
}

const char *export_zlib_version(void) {
    return zlibVersion();
}

long export_default_day(long long now) {
    long today = clock_day_of(now);
    long long since_midnight = now - (long long)today * 86400;
    return since_midnight >= PUBLISHED_BY_S ? today : today - 1;
}

int export_parse_line(const char *line, size_t len, struct export_entry *out, char *reason,
                      size_t reason_size) {
    memset(out, 0, sizeof *out);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(line, len, &end, 0);
    /* Two objects run together (a lost newline) must not pass as the first. */
    while (root && end && (size_t)(end - line) < len &&
           (*end == ' ' || *end == '\t' || *end == '\r'))
        end++;
    if (!root || !cJSON_IsObject(root) || !end || (size_t)(end - line) != len) {
        snprintf(reason, reason_size, "%s", root ? "not one JSON object" : "not a JSON object");
        cJSON_Delete(root);
        return -1;
    }
    int rc = -1;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "id");
    const cJSON *adult = cJSON_GetObjectItemCaseSensitive(root, "adult");
    const cJSON *video = cJSON_GetObjectItemCaseSensitive(root, "video");
    const cJSON *popularity = cJSON_GetObjectItemCaseSensitive(root, "popularity");
    /* json_int64 refuses what a double may have rounded (from 2^52 on) */
    if (!id || !json_int64(id, &out->id) || out->id <= 0)
        snprintf(reason, reason_size, "no positive integer id");
    else if ((adult && !cJSON_IsBool(adult)) || (video && !cJSON_IsBool(video)))
        snprintf(reason, reason_size, "adult or video is not a boolean");
    else if (popularity && !cJSON_IsNumber(popularity) && !cJSON_IsNull(popularity))
        snprintf(reason, reason_size, "popularity is not a number");
    else {
        out->adult = cJSON_IsTrue(adult);
        out->video = cJSON_IsTrue(video);
        out->popularity = popularity && cJSON_IsNumber(popularity) ? popularity->valuedouble : 0.0;
        rc = 0;
    }
    cJSON_Delete(root);
    return rc;
}

uint64_t export_inflate_limit(uint64_t compressed) {
    if (compressed > UINT64_MAX / EXPORT_INFLATE_RATIO)
        return UINT64_MAX;
    uint64_t limit = compressed * EXPORT_INFLATE_RATIO;
    return limit > EXPORT_INFLATE_FLOOR ? limit : EXPORT_INFLATE_FLOOR;
}

/* "8.0 MiB", or "4096 bytes" below a MiB, into buf. */
static void format_size(uint64_t bytes, char *buf, size_t size) {
    if (bytes < ((uint64_t)1 << 20))
        snprintf(buf, size, "%llu bytes", (unsigned long long)bytes);
    else
        snprintf(buf, size, "%.1f MiB", (double)bytes / (1 << 20));
}

/* Whether `inflated` bytes out of `compressed` are past the bound, and
 * then why, into reason: the reader and export_check_whole() say it
 * alike. */
static bool inflated_too_far(uint64_t inflated, uint64_t compressed, char *reason,
                             size_t reason_size) {
    uint64_t limit = export_inflate_limit(compressed);
    if (inflated <= limit)
        return false;
    char limit_s[32], compressed_s[32], floor_s[32];
    format_size(limit, limit_s, sizeof limit_s);
    format_size(compressed, compressed_s, sizeof compressed_s);
    format_size(EXPORT_INFLATE_FLOOR, floor_s, sizeof floor_s);
    snprintf(reason, reason_size,
             "it inflates to more than %s (%d times its %s, at least %s): not an export "
             "(a gzip bomb?)",
             limit_s, EXPORT_INFLATE_RATIO, compressed_s, floor_s);
    return true;
}

/* The bytes of fd from offset `at` to its end, or 0 when fd is not a
 * regular file (its size is not known). */
static uint64_t bytes_from(int fd, off_t at) {
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || at < 0 || st.st_size < at)
        return 0;
    return (uint64_t)(st.st_size - at);
}

/* Whether the last gzread() on gz failed, and why, into reason: the
 * reader and export_check_whole() say it alike. Z_BUF_ERROR means the
 * gzip stream stopped before its end. */
static bool gz_failed(gzFile gz, int n, int *err, char *reason, size_t reason_size) {
    const char *msg = gzerror(gz, err);
    if (n >= 0 && (*err == Z_OK || *err == Z_STREAM_END))
        return false;
    snprintf(reason, reason_size, "%s",
             *err == Z_BUF_ERROR ? "the file is truncated (gzip stream ends early)"
                                 : (msg && *msg ? msg : "read error"));
    return true;
}

int export_check_whole(int fd, off_t at, char *reason, size_t reason_size) {
    unsigned char magic[2];
    ssize_t got = pread(fd, magic, sizeof magic, at);
    if (got < 0) {
        snprintf(reason, reason_size, "reading it back: %s", strerror(errno));
        return -2;
    }
    if (got != (ssize_t)sizeof magic || magic[0] != 0x1f || magic[1] != 0x8b) {
        snprintf(reason, reason_size, "%s", "not a gzip file");
        return lseek(fd, 0, SEEK_SET) == 0 ? -1 : -2;
    }
    int copy = lseek(fd, at, SEEK_SET) == at ? dup(fd) : -1;
    gzFile gz = copy >= 0 ? gzdopen(copy, "rb") : NULL;
    if (!gz) {
        snprintf(reason, reason_size, "reading it back: %s", strerror(errno));
        if (copy >= 0)
            close(copy);
        lseek(fd, 0, SEEK_SET);
        return -2;
    }
    char sink[16384];
    int n, err = Z_OK;
    uint64_t compressed = bytes_from(fd, at), inflated = 0;
    bool too_far = false;
    /* a few MiB may inflate to terabytes (a gzip bomb): bounded, and a
     * stop is seen */
    while ((n = gzread(gz, sink, sizeof sink)) > 0 && !stop_requested()) {
        inflated += (uint64_t)n;
        if ((too_far = inflated_too_far(inflated, compressed, reason, reason_size)))
            break;
    }
    int rc = 0;
    if (too_far) {
        rc = -4;
    } else if (n > 0) {
        snprintf(reason, reason_size, "interrupted");
        rc = -3;
    } else if (gz_failed(gz, n, &err, reason, reason_size)) {
        rc = -1;
        if (err == Z_ERRNO) { /* reading the file here, not the download */
            snprintf(reason, reason_size, "reading it back: %s", strerror(errno));
            rc = -2;
        }
    }
    gzclose(gz);
    if (lseek(fd, 0, SEEK_SET) != 0) {
        snprintf(reason, reason_size, "reading it back: %s", strerror(errno));
        rc = -2;
    }
    return rc;
}

struct export_reader *export_reader_open(int fd) {
    struct export_reader *r = calloc(1, sizeof *r);
    if (!r) {
        close(fd);
        return NULL;
    }
    struct stat st;
    r->empty_file = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0;
    r->compressed = bytes_from(fd, lseek(fd, 0, SEEK_CUR));
    r->gz = gzdopen(fd, "rb");
    if (!r->gz) {
        close(fd);
        free(r);
        return NULL;
    }
    gzbuffer(r->gz, CHUNK);
    return r;
}

/* Read more decompressed bytes after the unconsumed ones. 1 read, 0 end,
 * -1 error (reason set), -2 a stop was requested. */
static int fill(struct export_reader *r, char *reason, size_t reason_size) {
    if (r->eof)
        return 0;
    if (stop_requested()) /* empty lines, skipped here, may go on for terabytes */
        return -2;
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    int n = gzread(r->gz, r->buf + r->end, (unsigned)(sizeof r->buf - 1 - r->end));
    int err = Z_OK;
    if (gz_failed(r->gz, n, &err, reason, reason_size))
        return -1;
    if (n == 0) {
        r->eof = true;
        return 0;
    }
    r->inflated += (uint64_t)n;
    if (inflated_too_far(r->inflated, r->compressed, reason, reason_size))
        return -1;
    r->end += (size_t)n;
    return 1;
}

/* One whole line, [line, line + len), taken: parse it or report it. */
static enum export_next take_line(struct export_reader *r, char *line, size_t len,
                                  struct export_entry *out, char *reason, size_t reason_size) {
    r->line++;
    if (r->skipping || len > EXPORT_MAX_LINE) {
        r->skipping = false;
        snprintf(reason, reason_size, "line longer than %d bytes", EXPORT_MAX_LINE);
        return EXPORT_BAD_LINE;
    }
    if (len > 0 && line[len - 1] == '\r')
        len--;
    if (len == 0)
        return EXPORT_END; /* the caller skips empty lines */
    /* a title cut in the middle of an emoji (a lone surrogate escape) would
     * make cJSON refuse the line, and a bad line holds back deletions */
    json_repair_escapes(line, len);
    return export_parse_line(line, len, out, reason, reason_size) == 0 ? EXPORT_ENTRY
                                                                       : EXPORT_BAD_LINE;
}

enum export_next export_reader_next(struct export_reader *r, struct export_entry *out,
                                    char *reason, size_t reason_size) {
    for (;;) {
        char *line = r->buf + r->start;
        size_t avail = r->end - r->start;
        char *nl = memchr(line, '\n', avail);
        enum export_next n;
        if (nl) {
            r->start += (size_t)(nl - line) + 1;
            n = take_line(r, line, (size_t)(nl - line), out, reason, reason_size);
            if (n == EXPORT_END)
                continue; /* an empty line */
            return n;
        }
        if (avail > EXPORT_MAX_LINE) {
            r->start = r->end; /* too long already: drop it up to its newline */
            r->skipping = true;
            continue;
        }
        int f = fill(r, reason, reason_size);
        if (f < 0)
            return f == -2 ? EXPORT_STOPPED : EXPORT_ERROR;
        if (f > 0)
            continue;
        if (r->empty_file) {
            snprintf(reason, reason_size, "the file is empty (0 bytes)");
            return EXPORT_ERROR;
        }
        /* fill() may have moved the unconsumed bytes to the buffer's start */
        line = r->buf + r->start;
        avail = r->end - r->start;
        if (avail == 0 && !r->skipping)
            return EXPORT_END;
        r->start = r->end; /* a last line without a newline */
        n = take_line(r, line, avail, out, reason, reason_size);
        if (n != EXPORT_END)
            return n;
    }
}

long export_reader_line(const struct export_reader *r) {
    return r->line;
}

void export_reader_close(struct export_reader *r) {
    if (!r)
        return;
    gzclose(r->gz);
    free(r);
}
