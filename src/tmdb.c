/* tmdb.c - see tmdb.h. */
#include "tmdb.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json.h"

static const char *const list_names[] = {
    [TMDB_LIST_NOW_PLAYING] = "now_playing",
    [TMDB_LIST_POPULAR] = "popular",
    [TMDB_LIST_TOP_RATED] = "top_rated",
    [TMDB_LIST_UPCOMING] = "upcoming",
};

bool tmdb_list_from_name(const char *name, enum tmdb_list *out) {
    for (size_t i = 0; i < sizeof list_names / sizeof *list_names; i++) {
        if (strcmp(name, list_names[i]) == 0) {
            *out = (enum tmdb_list)i;
            return true;
        }
    }
    return false;
}

const char *tmdb_list_name(enum tmdb_list list) {
    return (size_t)list < sizeof list_names / sizeof *list_names ? list_names[list] : "unknown";
}

/* A bounded string builder: once it overflows it stays overflowed. */
struct sbuf {
    char *buf;
    size_t size, len;
    bool overflow;
};

static void sb_append(struct sbuf *b, const char *s, size_t n) {
    if (b->overflow || b->len + n >= b->size) {
        b->overflow = true;
        return;
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s) {
    sb_append(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void sb_printf(struct sbuf *b, const char *fmt, ...) {
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp)
        b->overflow = true;
    else
        sb_append(b, tmp, (size_t)n);
}

/* Percent-encode everything outside RFC 3986's unreserved set and `keep`
 * (characters a query value may hold literally, e.g. ",/"). */
static void sb_encode_keep(struct sbuf *b, const char *s, const char *keep) {
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~' || strchr(keep, *p)) {
            sb_append(b, (const char *)p, 1);
        } else {
            char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            sb_append(b, esc, 3);
        }
    }
}

static void sb_encode(struct sbuf *b, const char *s) {
    sb_encode_keep(b, s, "");
}

size_t tmdb_base_length(const char *base) {
    size_t n = strlen(base);
    return n > 0 && base[n - 1] == '/' ? n - 1 : n;
}

static void sb_base(struct sbuf *b, const char *base) {
    sb_append(b, base, tmdb_base_length(base));
}

/* Append api_key= (after `sep`: "?" or "&") when there is a key, and end
 * the URL: its length, or -1 with an empty buf when it did not fit (never
 * a cut-off key left behind). */
static int sb_end_with_key(struct sbuf *b, const char *sep, const char *api_key) {
    if (api_key) {
        sb_puts(b, sep);
        sb_puts(b, "api_key=");
        sb_encode(b, api_key);
    }
    if (b->overflow) {
        if (b->size)
            b->buf[0] = '\0';
        return -1;
    }
    return (int)b->len;
}

int tmdb_url_encode(char *buf, size_t size, const char *value) {
    struct sbuf b = {.buf = buf, .size = size, .overflow = size == 0};
    if (size > 0)
        buf[0] = '\0'; /* for an empty value, which appends nothing */
    sb_encode(&b, value);
    return sb_end_with_key(&b, "", NULL);
}

static bool list_has(const char *list, size_t len, const char *name, size_t name_len);

/* The query's common tail; `append` (NULL or "" for none) keeps its commas
 * and the slash of "watch/providers" readable, as TMDB's own examples do.
 * TMDB filters appended images by `language` alone, which leaves out the
 * images of no language (nearly every backdrop): with images appended,
 * include_image_language names the language's and those. */
static int sb_finish(struct sbuf *b, const char *language, const char *append,
                     const char *api_key) {
    sb_puts(b, "language=");
    sb_encode(b, language);
    if (append && append[0]) {
        sb_puts(b, "&append_to_response=");
        sb_encode_keep(b, append, ",/");
        if (list_has(append, strlen(append), "images", 6)) {
            char primary[16]; /* "ko" of "ko-KR" */
            snprintf(primary, sizeof primary, "%.*s", (int)strcspn(language, "-_"), language);
            sb_puts(b, "&include_image_language=");
            sb_encode(b, primary);
            sb_puts(b, ",null");
        }
    }
    return sb_end_with_key(b, "&", api_key);
}

const char tmdb_append_parts[] =
    "alternative_titles,changes,credits,external_ids,images,keywords,lists,recommendations,"
    "release_dates,reviews,similar,translations,videos,watch/providers";

/* Whether `name` (len bytes) is one of tmdb_append_parts. */
static bool append_part_known(const char *name, size_t len) {
    const char *p = tmdb_append_parts;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (n == len && memcmp(p, name, len) == 0)
            return true;
        p += n + (p[n] == ',');
    }
    return false;
}

/* Whether the comma list `list` (len bytes) already holds `name`. */
static bool list_has(const char *list, size_t len, const char *name, size_t name_len) {
    size_t i = 0;
    while (i < len) {
        size_t n = 0;
        while (i + n < len && list[i + n] != ',')
            n++;
        if (n == name_len && memcmp(list + i, name, n) == 0)
            return true;
        i += n + 1;
    }
    return false;
}

int tmdb_append_normalise(const char *list, char *buf, size_t size, char *reason,
                          size_t reason_size) {
    size_t len = 0;
    int parts = 0;
    if (size == 0)
        return -1;
    buf[0] = '\0';
    for (const char *p = list;;) {
        size_t n = strcspn(p, ",");
        if (n == 0) {
            snprintf(reason, reason_size, "an empty part name");
            return -1;
        }
        if (!append_part_known(p, n)) {
            snprintf(reason, reason_size, "unknown part '%.*s' (known: %s)", (int)(n > 40 ? 40 : n),
                     p, tmdb_append_parts);
            return -1;
        }
        if (!list_has(buf, len, p, n)) {
            if (++parts > TMDB_MAX_APPEND) {
                snprintf(reason, reason_size, "more than %d parts (TMDB's limit)",
                         TMDB_MAX_APPEND);
                return -1;
            }
            if (len + n + 2 > size) {
                snprintf(reason, reason_size, "list too long");
                return -1;
            }
            if (len)
                buf[len++] = ',';
            memcpy(buf + len, p, n);
            len += n;
            buf[len] = '\0';
        }
        if (p[n] == '\0')
            return 0;
        p += n + 1;
    }
}

int tmdb_url_movie(char *buf, size_t size, const char *base, int64_t id, const char *language,
                   const char *append, const char *api_key) {
    struct sbuf b = {.buf = buf, .size = size, .overflow = size == 0};
    sb_base(&b, base);
    sb_printf(&b, "/movie/%lld?", (long long)id);
    return sb_finish(&b, language, append, api_key);
}

int tmdb_url_configuration(char *buf, size_t size, const char *base, const char *api_key) {
    struct sbuf b = {.buf = buf, .size = size, .overflow = size == 0};
    sb_base(&b, base);
    sb_puts(&b, "/configuration");
    return sb_end_with_key(&b, "?", api_key);
}

int tmdb_url_list(char *buf, size_t size, const char *base, enum tmdb_list list, int page,
                  const char *language, const char *api_key) {
    struct sbuf b = {.buf = buf, .size = size, .overflow = size == 0};
    sb_base(&b, base);
    sb_puts(&b, "/movie/");
    sb_puts(&b, tmdb_list_name(list));
    sb_printf(&b, "?page=%d&", page);
    return sb_finish(&b, language, NULL, api_key);
}

int tmdb_url_changes(char *buf, size_t size, const char *base, const char *start_date,
                     const char *end_date, int page, const char *api_key) {
    struct sbuf b = {.buf = buf, .size = size, .overflow = size == 0};
    sb_base(&b, base);
    sb_puts(&b, "/movie/changes?start_date=");
    sb_encode(&b, start_date);
    sb_puts(&b, "&end_date=");
    sb_encode(&b, end_date);
    sb_printf(&b, "&page=%d", page);
    return sb_end_with_key(&b, "&", api_key);
}

/* At `p`, just after a "://": where the host starts, past the authority's
 * userinfo ("user:password@"); 0 when there is none. The authority ends at
 * the first '/', '?', '#' or blank; userinfo at its last '@'. */
static size_t host_offset(const char *p) {
    size_t at = strcspn(p, "/?# \t\r\n");
    while (at > 0 && p[at - 1] != '@')
        at--;
    return at;
}

/* host_offset() for redaction: a password holding a '/', '?', '#' or
 * blank not percent-encoded ends the authority there, before its '@', and
 * its rest would show. An authority with no '@' whose ':' is followed by
 * no port number is taken for such a user:pass, up to the text's last '@'
 * (a path holding '@' after a user:pass may go too: more hidden, never the
 * password). One whose ':' is followed by digits (host:port, or a password
 * "2024/..."), up to an '@' in the rest of the same URL (no blank or quote
 * between): a port's path holding '@' loses it too. */
static size_t userinfo_end(const char *p) {
    size_t at = host_offset(p);
    if (at > 0 || p[0] == '[') /* an IPv6 address holds ':' */
        return at;
    size_t end = strcspn(p, "/?# \t\r\n");
    const char *colon = memchr(p, ':', end);
    if (!colon)
        return 0;
    size_t after = end - (size_t)(colon + 1 - p);
    const char *last;
    if (after > 0 && strspn(colon + 1, "0123456789") >= after) {
        size_t url_end = end + strcspn(p + end, " \t\r\n'\"");
        for (last = p + url_end; last > p + end && last[-1] != '@'; last--)
            ;
        return last > p + end ? (size_t)(last - p) : 0;
    }
    last = strrchr(p + end, '@');
    return last ? (size_t)(last - p) + 1 : 0;
}

bool tmdb_url_password_unencoded(const char *url) {
    const char *p = strstr(url, "://");
    if (!p)
        return false;
    p += 3;
    if (host_offset(p) > 0 || userinfo_end(p) == 0)
        return false;
    size_t end = strcspn(p, "/?# \t\r\n");
    const char *port = (const char *)memchr(p, ':', end) + 1; /* userinfo_end() found one */
    size_t port_len = end - (size_t)(port - p);
    return p[end] != '/' || port_len == 0 || strspn(port, "0123456789") < port_len;
}

static int hex_digit(char c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

int tmdb_url_login(const char *url, char *buf, size_t size) {
    if (size == 0)
        return -1;
    buf[0] = '\0';
    const char *p = strstr(url, "://");
    if (!p)
        return 0;
    p += 3;
    size_t at = host_offset(p);
    if (at < 2) /* none, or "@" alone */
        return 0;
    size_t n = 0;
    for (size_t i = 0; i + 1 < at; i++) {
        int hi, lo;
        char c = p[i];
        if (c == '%' && i + 2 < at && (hi = hex_digit(p[i + 1])) >= 0 &&
            (lo = hex_digit(p[i + 2])) >= 0) {
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (n + 1 >= size) {
            buf[0] = '\0';
            return -1;
        }
        buf[n++] = c;
    }
    buf[n] = '\0';
    return (int)n;
}

void tmdb_redact_url(const char *url, char *buf, size_t size) {
    struct sbuf b = {.buf = buf, .size = size};
    if (size == 0)
        return;
    buf[0] = '\0';
    const char *p = url;
    while (*p) {
        /* a password in the authority (scheme://user:password@host): the
         * user stays, the password does not; a user alone may be a token */
        if (p - url >= 3 && strncmp(p - 3, "://", 3) == 0) {
            size_t host = userinfo_end(p);
            if (host > 1) { /* a userinfo, then '@' */
                const char *colon = memchr(p, ':', host - 1);
                if (colon)
                    sb_append(&b, p, (size_t)(colon - p + 1));
                sb_puts(&b, "***@");
                p += host;
                continue;
            }
        }
        /* a parameter starts after '?' or '&' */
        bool param_start = p != url && (p[-1] == '?' || p[-1] == '&');
        if (param_start && strncmp(p, "api_key=", 8) == 0) {
            sb_puts(&b, "api_key=***");
            p += 8;
            while (*p && *p != '&' && *p != '#')
                p++;
            continue;
        }
        sb_append(&b, p, 1); /* on overflow the copy stops: truncated, never unredacted */
        p++;
    }
}

__attribute__((format(printf, 3, 4))) static int reject(char *reason, size_t size,
                                                       const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, size, fmt, ap);
    va_end(ap);
    return -1;
}

static int parse_page_fields(const cJSON *root, struct tmdb_list_page *out, char *reason,
                             size_t size) {
    int64_t v;
    const cJSON *page = cJSON_GetObjectItemCaseSensitive(root, "page");
    const cJSON *pages = cJSON_GetObjectItemCaseSensitive(root, "total_pages");
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(root, "total_results");
    if (page && !cJSON_IsNull(page)) {
        if (!json_int64(page, &v) || v < 0 || v > 1000000)
            return reject(reason, size, "page is not a whole number");
        out->page = (int)v;
    }
    if (!pages || !json_int64(pages, &v) || v < 0 || v > 100000000)
        return reject(reason, size, "total_pages is missing or not a whole number");
    out->total_pages = (int)v;
    if (results && !cJSON_IsNull(results)) {
        if (!json_int64(results, &v) || v < 0)
            return reject(reason, size, "total_results is not a whole number");
        out->total_results = v;
    }
    return 0;
}

/* The movie id of one result of a page into *id: NULL, or why there is
 * none (a static string, for the warning that skips the result). */
static const char *result_id(const cJSON *item, int64_t *id) {
    if (!cJSON_IsObject(item))
        return "result is not an object";
    const cJSON *jid = cJSON_GetObjectItemCaseSensitive(item, "id");
    if (!jid)
        return "id is missing";
    if (cJSON_IsNull(jid))
        return "id is null";
    if (cJSON_IsString(jid))
        return "id is a string";
    if (!cJSON_IsNumber(jid))
        return "id is not a number";
    double d = jid->valuedouble;
    if (!isfinite(d) || d != floor(d))
        return "id is not a whole number";
    if (d <= 0)
        return "id is not positive";
    if (!json_int64(jid, id))
        return "id is too large";
    return NULL;
}

bool tmdb_is_official_base(const char *api_base) {
    size_t n = strlen(TMDB_API_BASE);
    return strncmp(api_base, TMDB_API_BASE, n) == 0 &&
           (api_base[n] == '\0' || (api_base[n] == '/' && api_base[n + 1] == '\0'));
}

bool tmdb_base_has_userinfo(const char *api_base) {
    const char *scheme_end = strstr(api_base, "://");
    return scheme_end && host_offset(scheme_end + 3) > 0;
}

bool tmdb_base_is_cleartext(const char *api_base) {
    if (strncasecmp(api_base, "http://", 7) != 0)
        return false;
    const char *host = api_base + 7;
    host += host_offset(host); /* past any user:password@ */
    size_t authority = strcspn(host, "/?#");
    size_t n = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":/?#");
    if (n > authority)
        n = authority;
    bool loopback = (n == 9 && strncasecmp(host, "localhost", 9) == 0) ||
                    (n == 5 && strncmp(host, "[::1]", 5) == 0) ||
                    (n > 4 && strncmp(host, "127.", 4) == 0 && strspn(host, "0123456789.") >= n);
    return !loopback;
}

int tmdb_parse_list_page(const char *body, size_t len, struct tmdb_list_page *out, char *reason,
                         size_t reason_size) {
    memset(out, 0, sizeof *out);
    reason[0] = '\0';
    /* escapes cJSON refuses (a title cut in the middle of an emoji) would
     * fail the whole page: repaired in a copy (json_repair_escapes()) */
    char *copy = NULL;
    if (memchr(body, '\\', len)) {
        if (!(copy = malloc(len)))
            return reject(reason, reason_size, "out of memory");
        memcpy(copy, body, len);
        json_repair_escapes(copy, len);
    }
    cJSON *root = cJSON_ParseWithLength(copy ? copy : body, len);
    free(copy);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return reject(reason, reason_size, "not a JSON object");
    }
    int rc = parse_page_fields(root, out, reason, reason_size);
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(root, "results");
    if (rc == 0 && !cJSON_IsArray(results))
        rc = reject(reason, reason_size, "results is missing or not an array");
    if (rc == 0 && cJSON_GetArraySize(results) > TMDB_PAGE_MAX_RESULTS)
        rc = reject(reason, reason_size, "more than %d results on one page", TMDB_PAGE_MAX_RESULTS);
    const cJSON *item;
    int position = 0;
    if (rc == 0) {
        cJSON_ArrayForEach(item, results) {
            int64_t id;
            bool adult = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "adult"));
            const char *why = result_id(item, &id);
            position++;
            if (why) {
                out->bad[out->n_bad++] = (struct tmdb_bad_result){position, why, adult};
                continue;
            }
            out->adult[out->n_ids] = adult;
            out->ids[out->n_ids++] = id;
        }
    }
    if (rc != 0)
        out->n_ids = out->n_bad = 0;
    cJSON_Delete(root);
    return rc;
}

/* Copy `s` into `message`, control characters as spaces, truncated
 * between characters, and a byte that starts no UTF-8 character as
 * U+FFFD: the message reaches fetch_failures.reason, TEXT that readers
 * decode as UTF-8 (Python's sqlite3 refuses the row otherwise). */
static void copy_clean(char *message, size_t size, const char *s) {
    size_t o = 0;
    for (size_t i = 0; s[i];) {
        unsigned char c = (unsigned char)s[i];
        size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        /* a shorter s ends in its NUL, which fails the check */
        bool valid = c < 0x80 || json_utf8_valid(s + i, n);
        size_t take = valid ? n : 3;
        if (o + take >= size)
            break;
        if (!valid)
            memcpy(message + o, "\xEF\xBF\xBD", 3);
        else if (n == 1)
            message[o] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
        else
            memcpy(message + o, s + i, n);
        o += take;
        i += valid ? n : 1;
    }
    message[o] = '\0';
}

bool tmdb_is_not_found(const char *body, size_t len) {
    int code;
    char message[8];
    tmdb_parse_error(body, len, &code, message, sizeof message);
    return code == TMDB_CODE_NOT_FOUND || code == TMDB_CODE_INVALID_ID;
}

bool tmdb_is_own_error(const char *body, size_t len) {
    int code;
    char message[32];
    tmdb_parse_error(body, len, &code, message, sizeof message);
    return code != 0 || (message[0] && strcmp(message, "non-JSON body") != 0);
}

bool tmdb_is_page_refusal(const char *body, size_t len) {
    int code;
    char message[128];
    tmdb_parse_error(body, len, &code, message, sizeof message);
    if (code == TMDB_CODE_INVALID_PAGE)
        return true;
    /* {"errors":["page must be less than or equal to 500"]}: no code */
    return code == 0 && strstr(message, "page") != NULL && strcmp(message, "non-JSON body") != 0;
}

void tmdb_parse_error(const char *body, size_t len, int *status_code, char *message,
                      size_t message_size) {
    *status_code = 0;
    if (message_size == 0)
        return;
    message[0] = '\0';
    if (len == 0)
        return;
    cJSON *root = cJSON_ParseWithLength(body, len);
    if (!cJSON_IsObject(root)) {
        copy_clean(message, message_size, "non-JSON body");
        cJSON_Delete(root);
        return;
    }
    int64_t code;
    if (json_int64(cJSON_GetObjectItemCaseSensitive(root, "status_code"), &code) && code > 0 &&
        code < 100000)
        *status_code = (int)code;
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(root, "status_message");
    const cJSON *errors = cJSON_GetObjectItemCaseSensitive(root, "errors");
    if (cJSON_IsString(msg))
        copy_clean(message, message_size, msg->valuestring);
    else if (cJSON_IsArray(errors) && cJSON_IsString(cJSON_GetArrayItem(errors, 0)))
        copy_clean(message, message_size, cJSON_GetArrayItem(errors, 0)->valuestring);
    cJSON_Delete(root);
}
