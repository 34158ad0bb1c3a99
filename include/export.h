/*
 * export.h - TMDB's daily id export, movie_ids_MM_DD_YYYY.json.gz: its
 * file name, which date to take, and a streaming reader.
 *
 * The file is gzip of one JSON object per line (not a JSON array):
 *   {"adult":false,"id":3924,"original_title":"Blondie","popularity":2.7,"video":false}
 * About a million lines. The reader decompresses and parses it a chunk at a
 * time (zlib), so memory stays the same for 10 thousand or 10 million ids.
 *
 * Threading: a struct export_reader belongs to the thread that opened it
 * (the producer). The pure functions may be called from any thread.
 */
#ifndef TMDB_EXPORT_H
#define TMDB_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Where TMDB publishes the exports (no authentication). */
#define EXPORT_DEFAULT_BASE "https://files.tmdb.org/p/exports"
/* The longest line accepted; longer lines are reported and skipped. */
#define EXPORT_MAX_LINE 4096

/*
 * How far an export may inflate: to EXPORT_INFLATE_RATIO times its
 * compressed size, and always to EXPORT_INFLATE_FLOOR. TMDB's inflates
 * about 4 times (26 MiB of gzip, a million lines of about 95 bytes); even
 * lines as alike as the fake's synthetic export (10 titles) inflate less
 * than 10 times at gzip -9. A gzip bomb (a small file of empty lines, or
 * of one endless line) inflates about 1000 times, for hours: past the
 * bound the export is refused as not an export.
 */
#define EXPORT_INFLATE_RATIO 100
#define EXPORT_INFLATE_FLOOR ((uint64_t)64 << 20)

/* The most bytes an export of `compressed` bytes may inflate to:
 * max(EXPORT_INFLATE_FLOOR, EXPORT_INFLATE_RATIO * compressed). */
uint64_t export_inflate_limit(uint64_t compressed);

struct export_entry {
    int64_t id;
    bool adult;
    bool video;
    double popularity; /* 0 when absent */
};

/* "movie_ids_11_25_2026.json.gz" for "2026-11-25" into buf. Returns 0, or
 * -1 when `date` is not YYYY-MM-DD or buf is too small. */
int export_file_name(const char *date, char *buf, size_t size);

/* The URL of the adult export beside the export at `url` (".../adult_" and
 * its file name) into buf. Returns 0, or -1 when `url` has no file name or
 * buf is too small. */
int export_adult_url(const char *url, char *buf, size_t size);

/* The day of an export from its file name ("…/movie_ids_11_25_2026.json.gz"
 * gives 2026-11-25) into *day. Returns 0, or -1 when the name is not an
 * export's. */
int export_day_of_name(const char *path, long *day);

/* The newest export that should exist at `now` (seconds since the epoch):
 * today's from 08:00 UTC (TMDB publishes it around 07:00-08:00), else
 * yesterday's. Returns its UTC day number (clock.h). */
long export_default_day(long long now);

/* Parse one line. Returns 0, or -1 with a short reason (never the line),
 * or -2 when out of memory (the line may be fine: not a bad line). */
int export_parse_line(const char *line, size_t len, struct export_entry *out, char *reason,
                      size_t reason_size);

/* zlib's version ("1.2.13"). */
const char *export_zlib_version(void);

/*
 * Whether what `fd` holds from offset `at` on is gzip that decompresses to
 * its end: a download cut short without the server saying so (no
 * Content-Length, no chunked encoding) is found here, before its ids are
 * fetched, rather than at its end by the reader; so is a body that is not
 * gzip at all (an error page sent with 200), which zlib would read as
 * text, or ignore after a first member; so are bytes after the gzip data
 * that do not start another member (NUL padding: zlib's gzread() stops
 * there quietly, so the reader would end cleanly before the adult export
 * after the main one). Returns 0, -1 with a short
 * reason (the download is at fault), -2 (reading the file here failed:
 * downloading again would not help), -3 (a stop was requested, stop.h:
 * a small file may inflate to terabytes) or -4 with a reason naming the
 * bound (it inflates past export_inflate_limit() of the bytes from `at`
 * on: not an export). Leaves fd at offset 0, except after -2 when the
 * file could not be read at all (the caller then gives it up).
 */
int export_check_whole(int fd, off_t at, char *reason, size_t reason_size);

struct export_reader;

/* Start reading the gzip export on `fd` (from its current offset): member
 * after member to the file's end, or as it is when it does not start as
 * gzip (a decompressed export). A member's text that ends without a
 * newline ends its line there when that line is a whole entry (two
 * exports concatenated, the first without a final newline); a line split
 * across members stays one line. The reader owns fd from then on, even on
 * failure. Returns NULL when out of memory. Reading past
 * export_inflate_limit() of the file's bytes from that offset on (the
 * floor alone when fd is not a regular file) is an EXPORT_ERROR whose
 * reason names the bound; so are bytes after the gzip data that do not
 * start another member, as export_check_whole() says. */
struct export_reader *export_reader_open(int fd);

enum export_next {
    EXPORT_ENTRY = 0,    /* *out holds the next entry */
    EXPORT_END = 1,      /* the file ended cleanly */
    EXPORT_BAD_LINE = 2, /* this line was not an entry: reason says why; go on */
    EXPORT_ERROR = -1,   /* read error, corrupt, truncated, a gzip bomb: reason says why; stop */
    EXPORT_STOPPED = -2, /* a stop was requested (stop.h) */
};

/* The next entry. Empty lines are skipped silently. */
enum export_next export_reader_next(struct export_reader *r, struct export_entry *out,
                                    char *reason, size_t reason_size);

/* The 1-based number of the line last returned (for messages). */
long export_reader_line(const struct export_reader *r);

/* Close the file and free the reader. Accepts NULL. */
void export_reader_close(struct export_reader *r);

#endif
