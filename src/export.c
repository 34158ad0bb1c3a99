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

/* Decompressed bytes read at a time, and raw bytes read per read(). */
#define CHUNK (64 * 1024)
/* TMDB publishes the day's file around 07:00-08:00 UTC. */
#define PUBLISHED_BY_S (8 * 3600)

/* Where a gz_stream is in its file. */
enum gz_mode {
    GZ_START,   /* nothing decided yet */
    GZ_DIRECT,  /* the file does not start as gzip: read as it is */
    GZ_MEMBER,  /* inflating a gzip member */
    GZ_BETWEEN, /* after a member: another, or the file's end */
    GZ_END,
};

/*
 * A file read as zlib's gzread() reads it (gzip member after member, or as
 * it is when it does not start with gzip's magic), except at bytes after a
 * member that do not start another (NUL padding, a broken tail): gzread()
 * stops there quietly, as at the file's end, so whatever they hide (the
 * adult export after the main one) would be missed with a clean end. Here
 * they are an error. Owned by the one thread that reads fd.
 */
struct gz_stream {
    int fd;       /* not owned */
    z_stream z;   /* z.next_in, z.avail_in: the unconsumed bytes of in */
    bool z_ready; /* inflateInit2() done: inflateEnd() owed */
    bool raw_eof; /* read() gave 0 */
    enum gz_mode mode;
    uint64_t raw_size; /* the file's bytes from where reading started (0: not known) */
    uint64_t raw_read; /* bytes read from fd so far */
    int read_errno;    /* after -2: why */
    /* A member ended before the bytes the last gz_stream_read() gave
     * (ended_before: with none of its own in that read) or with them
     * (ended_after): where export_reader ends a line left without its
     * newline. The reader clears them. */
    bool ended_before, ended_after;
    unsigned char in[CHUNK];
};

struct export_reader {
    struct gz_stream gz;
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
    bool out_of_memory;
    cJSON *root = json_parse(line, len, &end, &out_of_memory);
    if (out_of_memory) {
        snprintf(reason, reason_size, "out of memory");
        return -2;
    }
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

static void gz_stream_init(struct gz_stream *g, int fd, uint64_t raw_size) {
    memset(&g->z, 0, sizeof g->z);
    g->fd = fd;
    g->z_ready = false;
    g->raw_eof = false;
    g->mode = GZ_START;
    g->raw_size = raw_size;
    g->raw_read = 0;
    g->read_errno = 0;
    g->ended_before = g->ended_after = false;
}

static void gz_stream_end(struct gz_stream *g) {
    if (g->z_ready)
        inflateEnd(&g->z);
    g->z_ready = false;
}

/* Read more raw bytes after the unconsumed ones (moved to the start of
 * g->in). 0, or -1 with g->read_errno. */
static int gz_refill(struct gz_stream *g) {
    if (g->z.avail_in > 0 && g->z.next_in != g->in)
        memmove(g->in, g->z.next_in, g->z.avail_in);
    g->z.next_in = g->in;
    for (;;) {
        ssize_t n = read(g->fd, g->in + g->z.avail_in, sizeof g->in - g->z.avail_in);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            g->read_errno = errno;
            return -1;
        }
        g->raw_eof = n == 0;
        g->z.avail_in += (uInt)n;
        g->raw_read += (uint64_t)n;
        return 0;
    }
}

/* Why the bytes after a member are refused, into reason; how many when the
 * file's size is known. */
static void describe_trailing_bytes(const struct gz_stream *g, char *reason, size_t reason_size) {
    uint64_t consumed = g->raw_read - g->z.avail_in;
    const char *what = "after the gzip data: not a gzip file as TMDB publishes it";
    if (g->raw_size > consumed) {
        uint64_t n = g->raw_size - consumed;
        snprintf(reason, reason_size, "%llu byte%s %s", (unsigned long long)n, n == 1 ? "" : "s",
                 what);
    } else {
        snprintf(reason, reason_size, "bytes %s", what);
    }
}

/* After a member, or at the start: what comes next decides the mode. */
static int gz_look(struct gz_stream *g, char *reason, size_t reason_size) {
    if (g->z.avail_in < 2 && !g->raw_eof)
        return gz_refill(g) == 0 ? 0 : -2;
    if (g->z.avail_in >= 2 && g->z.next_in[0] == 0x1f && g->z.next_in[1] == 0x8b) {
        int rc = g->z_ready ? inflateReset(&g->z) : inflateInit2(&g->z, 16 + MAX_WBITS);
        if (rc != Z_OK) {
            g->read_errno = ENOMEM;
            return -2;
        }
        g->z_ready = true;
        g->mode = GZ_MEMBER;
    } else if (g->z.avail_in == 0) {
        g->mode = GZ_END;
    } else if (g->mode == GZ_START) {
        g->mode = GZ_DIRECT; /* a decompressed export reads like the compressed one */
    } else {
        describe_trailing_bytes(g, reason, reason_size);
        return -1;
    }
    return 0;
}

/* Inflate what there is of the current member into out. Bytes made, 0 for
 * none yet, -1 (reason set: the file is at fault) or -2 (g->read_errno). */
static long gz_inflate(struct gz_stream *g, unsigned char *out, size_t size, char *reason,
                       size_t reason_size) {
    if (g->z.avail_in == 0) {
        if (!g->raw_eof)
            return gz_refill(g) == 0 ? 0 : -2;
        snprintf(reason, reason_size, "the file is truncated (gzip stream ends early)");
        return -1;
    }
    g->z.next_out = out;
    g->z.avail_out = (uInt)size;
    int rc = inflate(&g->z, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) {
        g->mode = GZ_BETWEEN;
        if (g->z.avail_out == size)
            g->ended_before = true;
        else
            g->ended_after = true;
    } else if (rc == Z_MEM_ERROR) {
        g->read_errno = ENOMEM;
        return -2;
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        snprintf(reason, reason_size, "the file is corrupt (%s)",
                 g->z.msg ? g->z.msg : "not gzip data");
        return -1;
    }
    return (long)(size - g->z.avail_out);
}

/* Up to `size` (at most UINT_MAX) bytes of the file as it reads into out.
 * Returns how many, 0 at its end, -1 with a reason (the file is not gzip
 * to its end: truncated, corrupt, bytes after the gzip data) or -2
 * (reading fd failed, or out of memory: g->read_errno). */
static long gz_stream_read(struct gz_stream *g, unsigned char *out, size_t size, char *reason,
                           size_t reason_size) {
    for (;;) {
        long n = 0;
        switch (g->mode) {
        case GZ_END:
            return 0;
        case GZ_START:
        case GZ_BETWEEN:
            n = gz_look(g, reason, reason_size);
            break;
        case GZ_DIRECT:
            if (g->z.avail_in == 0) {
                if (g->raw_eof)
                    g->mode = GZ_END;
                else if (gz_refill(g) != 0)
                    return -2;
                break;
            }
            n = (long)(g->z.avail_in < size ? g->z.avail_in : size);
            memcpy(out, g->z.next_in, (size_t)n);
            g->z.next_in += n;
            g->z.avail_in -= (uInt)n;
            break;
        case GZ_MEMBER:
            n = gz_inflate(g, out, size, reason, reason_size);
            break;
        }
        if (n != 0 || g->mode == GZ_END)
            return n;
    }
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
    struct gz_stream *g = lseek(fd, at, SEEK_SET) == at ? malloc(sizeof *g) : NULL;
    if (!g) {
        snprintf(reason, reason_size, "reading it back: %s", strerror(errno));
        lseek(fd, 0, SEEK_SET);
        return -2;
    }
    uint64_t compressed = bytes_from(fd, at), inflated = 0;
    gz_stream_init(g, fd, compressed);
    unsigned char sink[16384];
    long n;
    bool too_far = false;
    /* a few MiB may inflate to terabytes (a gzip bomb): bounded, and a
     * stop is seen */
    while ((n = gz_stream_read(g, sink, sizeof sink, reason, reason_size)) > 0 &&
           !stop_requested()) {
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
    } else if (n == -1) {
        rc = -1;
    } else if (n == -2) { /* reading the file here, not the download */
        snprintf(reason, reason_size, "reading it back: %s", strerror(g->read_errno));
        rc = -2;
    }
    gz_stream_end(g);
    free(g);
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
    gz_stream_init(&r->gz, fd, r->compressed);
    return r;
}

/*
 * A gzip member ended at buf[pos]: the text since the last newline, when
 * it is a whole export entry, ends its line there. Two files concatenated
 * (`cat movie_ids_....gz adult_movie_ids_....gz`, as --file with
 * --include-adult takes them) would otherwise run the first's last line,
 * when it has no newline, into the second's first: both entries lost, and
 * the bad line holds back the deletions and the cursor. A line split
 * across members is not a whole entry at the split, and stays one line.
 */
static void end_member_line(struct export_reader *r, size_t pos) {
    if (r->skipping || pos <= r->start)
        return;
    size_t from = pos;
    while (from > r->start && r->buf[from - 1] != '\n' && pos - from <= EXPORT_MAX_LINE)
        from--;
    struct export_entry e;
    char why[64];
    if (from == pos || pos - from > EXPORT_MAX_LINE ||
        export_parse_line(r->buf + from, pos - from, &e, why, sizeof why) != 0)
        return;
    memmove(r->buf + pos + 1, r->buf + pos, r->end - pos);
    r->buf[pos] = '\n';
    r->end++;
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
    /* two bytes kept for the newlines end_member_line() may add */
    long n = gz_stream_read(&r->gz, (unsigned char *)r->buf + r->end, sizeof r->buf - 2 - r->end,
                            reason, reason_size);
    if (n == -2)
        snprintf(reason, reason_size, "read error: %s", strerror(r->gz.read_errno));
    if (n < 0)
        return -1;
    bool before = r->gz.ended_before, after = r->gz.ended_after;
    r->gz.ended_before = r->gz.ended_after = false;
    if (n == 0) {
        r->eof = true;
        return 0;
    }
    r->inflated += (uint64_t)n;
    if (inflated_too_far(r->inflated, r->compressed, reason, reason_size))
        return -1;
    size_t at = r->end;
    r->end += (size_t)n;
    if (before)
        end_member_line(r, at);
    if (after)
        end_member_line(r, r->end);
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
    int rc = export_parse_line(line, len, out, reason, reason_size);
    return rc == 0 ? EXPORT_ENTRY : rc == -2 ? EXPORT_ERROR : EXPORT_BAD_LINE;
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
    gz_stream_end(&r->gz);
    close(r->gz.fd);
    free(r);
}
