/*
 * tmdb.h - what the tool knows about TMDB's API v3 itself: endpoint URLs,
 * list pages, and error bodies. Pure functions, no I/O, no global state:
 * safe to call from any thread.
 *
 * Credentials: a v3 API key travels in the URL (api_key=), so every URL
 * built here may hold a secret. Never log a URL; log tmdb_redact_url()'s
 * output instead. A v4 token never enters a URL (it goes in a header).
 */
#ifndef TMDB_TMDB_H
#define TMDB_TMDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* TMDB refuses pages above this (400, status_code 22, or 422). */
#define TMDB_MAX_PAGE 500

enum tmdb_list {
    TMDB_LIST_NOW_PLAYING,
    TMDB_LIST_POPULAR,
    TMDB_LIST_TOP_RATED,
    TMDB_LIST_UPCOMING,
};

/* TMDB refuses more append_to_response parts than this (400, status_code 27). */
#define TMDB_MAX_APPEND 20

/* TMDB's own API base. */
#define TMDB_API_BASE "https://api.themoviedb.org/3"

/* TMDB's ceiling per IP address (../shared/tmdb-api-notes.md): about 20
 * connections, beyond which it answers 429. */
#define TMDB_MAX_CONNECTIONS 20

/* Whether `api_base` is TMDB's own (TMDB_API_BASE, with or without a
 * trailing slash), whose limits apply. */
bool tmdb_is_official_base(const char *api_base);

/* Whether `api_base` is plain http:// to another machine (a host other
 * than localhost, 127.x.x.x or [::1]): the credential would cross the
 * network unencrypted (TMDB's API is https only). */
bool tmdb_base_is_cleartext(const char *api_base);

/* Whether `api_base` names a user (and password) before its host
 * (scheme://user:password@host/...): a gateway's login, which libcurl
 * sends as basic authentication. */
bool tmdb_base_has_userinfo(const char *api_base);

/*
 * Check and normalise an append_to_response list ("credits,keywords"):
 * every name must be a part TMDB's movie details know (tmdb_append_parts),
 * duplicates are dropped, order is kept, at most TMDB_MAX_APPEND parts.
 * Writes the normalised list into buf. Returns 0, or -1 with a reason.
 */
int tmdb_append_normalise(const char *list, char *buf, size_t size, char *reason,
                          size_t reason_size);

/* The part names tmdb_append_normalise() accepts, comma separated. */
extern const char tmdb_append_parts[];

/* Map "now_playing" etc. to the enum. Returns false for an unknown name. */
bool tmdb_list_from_name(const char *name, enum tmdb_list *out);

/* The endpoint name of a list ("now_playing"). */
const char *tmdb_list_name(enum tmdb_list list);

/*
 * Build `{base}/movie/{id}?language={language}[&append_to_response={append}]
 * [&include_image_language={lang},null][&api_key={api_key}]` into buf, the
 * third when `append` holds images ({lang}: the language's primary subtag,
 * "ko" of "ko-KR"; TMDB filters appended images by the language alone, and
 * so leaves out those of no language, nearly every backdrop). `base` has no
 * trailing slash requirement (one is tolerated). `append` (a normalised
 * list, tmdb_append_normalise()) may be NULL or "" for none; `api_key` may
 * be NULL (bearer-token auth).
 * Query values are percent-encoded, except the commas and slashes of
 * `append`. Returns the length written, or -1 when buf is too small.
 */
int tmdb_url_movie(char *buf, size_t size, const char *base, int64_t id, const char *language,
                   const char *append, const char *api_key);

/* {base}/configuration: what v3 answers whatever else is asked for (the
 * image and change-key settings); the source checks the base with it. */
int tmdb_url_configuration(char *buf, size_t size, const char *base, const char *api_key);

/* Build `{base}/movie/{list}?page=N&language=..[&api_key=..]`. Same contract. */
int tmdb_url_list(char *buf, size_t size, const char *base, enum tmdb_list list, int page,
                  const char *language, const char *api_key);

/* Build `{base}/movie/changes?start_date=..&end_date=..&page=N[&api_key=..]`
 * (dates YYYY-MM-DD, at most 14 days apart). Same contract. */
int tmdb_url_changes(char *buf, size_t size, const char *base, const char *start_date,
                     const char *end_date, int page, const char *api_key);

/* `value` percent-encoded as the URLs above carry a parameter (api_key=):
 * all but RFC 3986's unreserved characters. Into buf; its length, or -1
 * with an empty buf when it does not fit. credential_scrub() looks for a
 * key in this form too, since a server quoting the request quotes it so. */
int tmdb_url_encode(char *buf, size_t size, const char *value);

/*
 * Copy `url` into buf with the value of any api_key= parameter replaced by
 * "***", and so the password of a user:password@ before a host (a user
 * with no password, which may be a token, whole). Always NUL-terminates
 * (truncating if needed). Use for every URL that reaches a message, a log
 * or the database; text holding URLs (a command line) is redacted alike.
 */
void tmdb_redact_url(const char *url, char *buf, size_t size);

/* Whether `url`'s user:password@ holds a '/', '?' or '#' not
 * percent-encoded, which ends the authority before its '@' (as
 * tmdb_redact_url() reads it): "https://gw:pa/ss@host/3". Not when the
 * text before a '/' is host:digits, a port ("https://h:8443/p@th"). A
 * base so written is refused, with the hint to encode it. */
bool tmdb_url_password_unencoded(const char *url);

/* The user:password@ of `url`'s authority (a gateway's login, which
 * libcurl sends as Basic authentication), percent-decoded as libcurl
 * decodes it, into buf: its length, 0 when the URL has none (buf ""), -1
 * when it does not fit (buf ""). */
int tmdb_url_login(const char *url, char *buf, size_t size);

/* How much of an API base the URLs built here begin with: all of it but
 * one trailing '/' ("https://api.themoviedb.org/3/" as ".../3"). A
 * message naming the base names it so, as it is requested. */
size_t tmdb_base_length(const char *base);

/* The most results one page may hold (a page holds 20, or 100 of changes;
 * more is an error). */
#define TMDB_PAGE_MAX_RESULTS 100

/* A result of a page without a usable movie id. */
struct tmdb_bad_result {
    int position;    /* 1-based, among all the page's results */
    const char *why; /* "id is a string", ...: a static string */
    bool adult;      /* the result said "adult": true */
};

/* One parsed list page. */
struct tmdb_list_page {
    int page;
    int total_pages;      /* as TMDB reports it; may exceed TMDB_MAX_PAGE */
    int64_t total_results;
    int64_t ids[TMDB_PAGE_MAX_RESULTS];
    bool adult[TMDB_PAGE_MAX_RESULTS]; /* the result said "adult": true (changes pages do) */
    size_t n_ids;
    /* the results left out of ids[], in page order; n_ids + n_bad results */
    struct tmdb_bad_result bad[TMDB_PAGE_MAX_RESULTS];
    size_t n_bad;
};

/*
 * Parse a list page body ({page, results: [{id, ...}], total_pages,
 * total_results}), also a /movie/changes page. A result without an
 * integral positive id is not an error: it goes into bad[] with its
 * position and why, and the others into ids[] (the caller skips and
 * reports it). A body that is not a JSON object, `results` missing or not
 * an array, more than TMDB_PAGE_MAX_RESULTS results, or an unusable
 * total_pages (or page, total_results) is: returns -1 with a short reason
 * in `reason`, n_ids and n_bad 0. Returns 0 otherwise.
 */
int tmdb_parse_list_page(const char *body, size_t len, struct tmdb_list_page *out, char *reason,
                         size_t reason_size);

/*
 * Extract TMDB's error from a body of any shape:
 *  {"success":false,"status_code":N,"status_message":"..."} in any key order,
 *  {"errors":["..."]}, an HTML page from the CDN, or nothing at all.
 * Sets *status_code to TMDB's code or 0 when absent, and `message` to the
 * status_message / first error / "non-JSON body" / "" (always
 * NUL-terminated, truncated to fit between characters, control characters
 * replaced by spaces, bytes that are not UTF-8 by U+FFFD).
 */
void tmdb_parse_error(const char *body, size_t len, int *status_code, char *message,
                      size_t message_size);

/* TMDB's status_code for "The resource you requested could not be found"
 * (HTTP 404), and for "Invalid id: The pre-requisite id is invalid or not
 * found" (HTTP 404 too). */
#define TMDB_CODE_NOT_FOUND 34
#define TMDB_CODE_INVALID_ID 6
/* "Invalid page: Pages start at 1 and max at 500." */
#define TMDB_CODE_INVALID_PAGE 22

/* Whether a 404's body is TMDB's own "not found": the JSON error with
 * status_code 34 or 6. Only that means the movie does not exist; a 404
 * page from a proxy, a CDN or a wrong --api-base path does not. */
bool tmdb_is_not_found(const char *body, size_t len);

/* Whether an error body is TMDB's own: its JSON error, with a status_code
 * or an "errors" array. A proxy's, a portal's or a CDN's page (HTML, or
 * JSON of another shape) and an empty body are not. */
bool tmdb_is_own_error(const char *body, size_t len);

/* Whether an error body is TMDB's refusal of a page number: status_code 22,
 * or {"errors": [...]} naming the page (the 422 form). Any other 400 or 422
 * (a proxy's page, a bad parameter) is not the end of a list. */
bool tmdb_is_page_refusal(const char *body, size_t len);

#endif
