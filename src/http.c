/* http.c - see http.h. */
#include "http.h"

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "rlimits.h"
#include "stop.h"
#include "tmdb.h"

#define USER_AGENT "tmdb-ingest/" TMDB_INGEST_VERSION
/* A response that delivers less than this many bytes/s for LOW_SPEED_TIME_S
 * is a stall: cut it rather than wait for the total timeout. */
#define LOW_SPEED_BYTES 1
#define LOW_SPEED_TIME_S 10L

/* A download (an export, tens of MiB from a CDN) slower than this many
 * bytes/s for the request timeout is cut (and retried): a host dripping a
 * byte a second would otherwise hold the run, and the database's lock,
 * forever. It is also cut after DOWNLOAD_TIMEOUT_S in all, and beyond
 * DOWNLOAD_MAX_BYTES (TMDB's movie export is about 26 MiB). */
#define DOWNLOAD_LOW_SPEED_BYTES 4096L
#define DOWNLOAD_TIMEOUT_S 7200L
#define DOWNLOAD_MAX_BYTES ((curl_off_t)1 << 30)

struct http_shared {
    CURLSH *share;
    /* one lock per curl_lock_data kind; curl calls lock_cb/unlock_cb */
    pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
};

struct http_client {
    CURL *curl; /* owned by the one thread that owns this client */
    struct curl_slist *headers;
    size_t max_body;
    long timeout_s;
    bool too_large;
    int sink_fd;      /* http_download(): where the body goes */
    bool sink_failed; /* a write to sink_fd failed */
    int sink_errno;   /* why (errno is gone by the time curl returns) */
    /* gzip is decoded here rather than by curl, so that one zlib stream is
     * reset per response instead of ~40 KiB allocated and zeroed each time */
    z_stream zs;
    bool zs_ready;   /* inflateInit2 succeeded */
    bool gzip;       /* this response is gzip-encoded */
    bool zs_started; /* inflateReset done for this response */
    bool zs_ended;   /* Z_STREAM_END seen */
    bool bad_encoding;
    /* The codings of the response's Content-Encoding, as sent ("gzip",
     * "br", "gzip, gzip"; printable ASCII, cut to fit); "" for none. */
    char codings[48];
    bool unreadable; /* one of them is not gzip alone: the body is refused */
    /* header_cb() saw a response's status line but not yet the blank line
     * that ends its headers: curl 7.88 reports a header line beyond its
     * limit (100 KiB) as CURLE_OUT_OF_MEMORY, with nothing in errbuf */
    bool in_headers;
    bool out_of_memory; /* grow() failed for this response's body */
    int socket_errno; /* why the last socket() failed, 0 if none did */
    char date_text[40];   /* the last Date header parsed (http_copy_time()), and */
    long long date_value; /* its time; "" and unset until then */
    char *buf; /* response body; grows, never shrinks; reused across requests */
    size_t len, cap;
    long connections;
    char errbuf[CURL_ERROR_SIZE];
};

int http_global_init(void) {
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void http_global_cleanup(void) {
    curl_global_cleanup();
}

static void lock_cb(CURL *handle, curl_lock_data data, curl_lock_access access, void *userp) {
    (void)handle;
    (void)access;
    struct http_shared *sh = userp;
    pthread_mutex_lock(&sh->locks[data]);
}

static void unlock_cb(CURL *handle, curl_lock_data data, void *userp) {
    (void)handle;
    struct http_shared *sh = userp;
    pthread_mutex_unlock(&sh->locks[data]);
}

struct http_shared *http_shared_new(void) {
    struct http_shared *sh = calloc(1, sizeof *sh);
    if (!sh)
        return NULL;
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&sh->locks[i], NULL);
    sh->share = curl_share_init();
    if (!sh->share || curl_share_setopt(sh->share, CURLSHOPT_LOCKFUNC, lock_cb) != CURLSHE_OK ||
        curl_share_setopt(sh->share, CURLSHOPT_UNLOCKFUNC, unlock_cb) != CURLSHE_OK ||
        curl_share_setopt(sh->share, CURLSHOPT_USERDATA, sh) != CURLSHE_OK ||
        curl_share_setopt(sh->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
        curl_share_setopt(sh->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) {
        http_shared_free(sh);
        return NULL;
    }
    return sh;
}

void http_shared_free(struct http_shared *sh) {
    if (!sh)
        return;
    if (sh->share)
        curl_share_cleanup(sh->share);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&sh->locks[i]);
    free(sh);
}

/* Make room for `add` more bytes plus a NUL, doubling the buffer but never
 * past what max_body allows (plus the byte that tells "too large" and the
 * NUL). Returns false when memory ran out. */
static bool grow(struct http_client *c, size_t add) {
    size_t need = c->len + add + 1;
    if (need <= c->cap)
        return true;
    size_t cap = c->cap ? c->cap : 16384;
    while (cap < need)
        cap *= 2;
    size_t most = c->max_body + 2;
    if (cap > most && need <= most)
        cap = most;
    char *grown = realloc(c->buf, cap);
    if (!grown) {
        c->out_of_memory = true;
        return false;
    }
    c->buf = grown;
    c->cap = cap;
    return true;
}

/* grow() for `add` more bytes of a body that must stay within max_body.
 * Returns false when it would not (too_large set) or memory ran out. */
static bool reserve(struct http_client *c, size_t add) {
    if (c->len + add > c->max_body) {
        c->too_large = true;
        return false;
    }
    return grow(c, add);
}

/* Inflate one chunk of a gzip body into the buffer. */
static bool inflate_chunk(struct http_client *c, char *data, size_t add) {
    if (!c->zs_started) {
        if (inflateReset(&c->zs) != Z_OK)
            return false;
        c->zs_started = true;
    }
    c->zs.next_in = (Bytef *)data;
    c->zs.avail_in = (uInt)add;
    while (c->zs.avail_in > 0 && !c->zs_ended) {
        size_t room = c->cap > c->len + 1 ? c->cap - c->len - 1 : 0;
        /* What the body may still take (len <= max_body here): one byte
         * more than max_body allows tells "too large". */
        size_t limit = c->max_body - c->len + 1;
        if (room < 4096 && room < limit) {
            size_t more = c->cap > 0 ? c->cap : 16384; /* double */
            if (!grow(c, more < limit ? more : limit))
                return false;
            room = c->cap - c->len - 1;
        }
        if (room > limit)
            room = limit;
        if (room > UINT_MAX)
            room = UINT_MAX; /* zlib counts in 32 bits (a body past 4 GiB) */
        c->zs.next_out = (Bytef *)c->buf + c->len;
        c->zs.avail_out = (uInt)room;
        int rc = inflate(&c->zs, Z_NO_FLUSH);
        c->len += room - c->zs.avail_out;
        if (c->len > c->max_body) {
            c->too_large = true;
            return false;
        }
        if (rc == Z_STREAM_END)
            c->zs_ended = true;
        else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            c->bad_encoding = true;
            return false;
        }
    }
    return true;
}

static size_t write_cb(char *data, size_t size, size_t n, void *userp) {
    struct http_client *c = userp;
    size_t add = size * n;
    if (c->unreadable) {
        c->bad_encoding = true;
        return 0;
    }
    if (c->gzip)
        return inflate_chunk(c, data, add) ? add : 0;
    if (!reserve(c, add))
        return 0; /* makes curl fail with CURLE_WRITE_ERROR */
    memcpy(c->buf + c->len, data, add);
    c->len += add;
    return add;
}

/* Add the codings of one Content-Encoding line, `v` of `len` bytes, to
 * those of the response (a response may send several lines: they add up,
 * in order). gzip (or its old name x-gzip) alone is decoded here; identity
 * is no coding; any other (deflate, br, gzip applied twice by a proxy)
 * was not asked for and cannot be read. */
static void note_codings(struct http_client *c, const char *v, size_t len) {
    size_t i = 0;
    while (i < len) {
        size_t start = i;
        while (i < len && v[i] != ',')
            i++;
        size_t end = i++;
        while (start < end && (v[start] == ' ' || v[start] == '\t'))
            start++;
        while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t' || v[end - 1] == '\r' ||
                               v[end - 1] == '\n'))
            end--;
        size_t n = end - start, at = strlen(c->codings);
        const char *t = v + start;
        if (n == 0 || (n == 8 && strncasecmp(t, "identity", 8) == 0))
            continue;
        bool gzip = (n == 4 && strncasecmp(t, "gzip", 4) == 0) ||
                    (n == 6 && strncasecmp(t, "x-gzip", 6) == 0);
        c->gzip = gzip && at == 0 && c->zs_ready;
        c->unreadable = !c->gzip;
        /* kept as the server wrote them, printable, for the message (the
         * ones past its room left out) */
        if (at > 0 && at + 3 >= sizeof c->codings)
            continue;
        if (at > 0) {
            c->codings[at++] = ',';
            c->codings[at++] = ' ';
        }
        for (size_t k = 0; k < n && at + 1 < sizeof c->codings; k++)
            c->codings[at++] = t[k] >= ' ' && t[k] <= '~' ? t[k] : '?';
        c->codings[at] = '\0';
    }
}

/* Notice the Content-Encoding of the final response: the codings are
 * counted afresh at each status line, so that an interim answer's (a 103
 * Early Hints) do not carry over to the body. */
static size_t header_cb(char *line, size_t size, size_t n, void *userp) {
    struct http_client *c = userp;
    size_t len = size * n;
    static const char name[] = "content-encoding:";
    c->in_headers = !(len <= 2 && (line[0] == '\r' || line[0] == '\n'));
    if (len > 5 && strncmp(line, "HTTP/", 5) == 0) {
        c->gzip = c->unreadable = false;
        c->codings[0] = '\0';
    } else if (len > sizeof name - 1 && strncasecmp(line, name, sizeof name - 1) == 0) {
        note_codings(c, line + sizeof name - 1, len - (sizeof name - 1));
    }
    return len;
}

/* Called by curl at least once a second during a transfer: the hook that
 * lets a stop abort requests in flight. */
static int progress_cb(void *userp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow) {
    (void)userp, (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    return stop_requested() ? 1 : 0;
}

/* curl's own socket(), but remembering why it failed: curl reports any
 * failure as "Couldn't connect to server", EMFILE included. */
static curl_socket_t open_socket_cb(void *userp, curlsocktype purpose,
                                    struct curl_sockaddr *address) {
    (void)purpose;
    struct http_client *c = userp;
    curl_socket_t s = socket(address->family, address->socktype, address->protocol);
    if (s == CURL_SOCKET_BAD)
        c->socket_errno = errno;
    return s;
}

#define SETOPT(c, opt, val)                                                                        \
    do {                                                                                           \
        if (curl_easy_setopt((c), (opt), (val)) != CURLE_OK)                                       \
            goto fail;                                                                             \
    } while (0)

struct http_client *http_client_new(struct http_shared *sh, const struct http_config *cfg) {
    struct http_client *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->date_value = -1; /* for an empty Date before any other */
    c->max_body = cfg->max_body;
    c->timeout_s = cfg->timeout_s;
    c->curl = curl_easy_init();
    if (!c->curl)
        goto fail;
    if (cfg->bearer_token) {
        /* Built in a local buffer so the token is not left in a stdio buffer. */
        size_t n = strlen(cfg->bearer_token) + sizeof "Authorization: Bearer ";
        char *h = malloc(n);
        if (!h)
            goto fail;
        snprintf(h, n, "Authorization: Bearer %s", cfg->bearer_token);
        c->headers = curl_slist_append(NULL, h);
        memset(h, 0, n);
        free(h);
        if (!c->headers)
            goto fail;
    }
    c->zs_ready = inflateInit2(&c->zs, 16 + MAX_WBITS) == Z_OK; /* 16: gzip wrapper */
    /* Kept in c->headers at once: a failed append returns NULL and leaves
     * the list as it was, for http_client_free() to free. */
    struct curl_slist *grown = curl_slist_append(c->headers, "Accept: application/json");
    if (!grown)
        goto fail;
    c->headers = grown;
    if (c->zs_ready && !curl_slist_append(c->headers, "Accept-Encoding: gzip"))
        goto fail;
    SETOPT(c->curl, CURLOPT_HTTPHEADER, c->headers);
    SETOPT(c->curl, CURLOPT_SHARE, sh->share);
    SETOPT(c->curl, CURLOPT_NOSIGNAL, 1L);
    SETOPT(c->curl, CURLOPT_USERAGENT, USER_AGENT);
    SETOPT(c->curl, CURLOPT_TCP_KEEPALIVE, 1L);
    SETOPT(c->curl, CURLOPT_TIMEOUT, cfg->timeout_s);
    SETOPT(c->curl, CURLOPT_CONNECTTIMEOUT, cfg->connect_timeout_s);
    SETOPT(c->curl, CURLOPT_LOW_SPEED_LIMIT, (long)LOW_SPEED_BYTES);
    SETOPT(c->curl, CURLOPT_LOW_SPEED_TIME,
           cfg->timeout_s < LOW_SPEED_TIME_S ? cfg->timeout_s : LOW_SPEED_TIME_S);
    SETOPT(c->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cfg->max_body);
    SETOPT(c->curl, CURLOPT_SSL_VERIFYPEER, 1L);
    SETOPT(c->curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (cfg->cacert)
        SETOPT(c->curl, CURLOPT_CAINFO, cfg->cacert);
    SETOPT(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    SETOPT(c->curl, CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(c->curl, CURLOPT_WRITEFUNCTION, write_cb);
    SETOPT(c->curl, CURLOPT_WRITEDATA, c);
    SETOPT(c->curl, CURLOPT_HEADERFUNCTION, header_cb);
    SETOPT(c->curl, CURLOPT_HEADERDATA, c);
    SETOPT(c->curl, CURLOPT_NOPROGRESS, 0L);
    SETOPT(c->curl, CURLOPT_XFERINFOFUNCTION, progress_cb);
    SETOPT(c->curl, CURLOPT_ERRORBUFFER, c->errbuf);
    SETOPT(c->curl, CURLOPT_OPENSOCKETFUNCTION, open_socket_cb);
    SETOPT(c->curl, CURLOPT_OPENSOCKETDATA, c);
    return c;
fail:
    http_client_free(c);
    return NULL;
}

void http_client_free(struct http_client *c) {
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    if (c->zs_ready)
        inflateEnd(&c->zs);
    curl_slist_free_all(c->headers);
    free(c->buf);
    free(c);
}

/* After CURLE_PROXY: whether the SOCKS proxy refused this client for
 * good, which no retry changes: its rules refuse the host, it rejects the
 * credentials or wants others, it serves no such command or address type,
 * it is no SOCKS proxy. A setup for a person to mend, not TMDB or the
 * network down (exit 1 at the first request, not 7 after the retries).
 * Its other failures (the host or its network unreachable, refused, a
 * general failure, the handshake cut) are a failed connection. */
static bool proxy_refused_for_good(CURL *curl) {
    long px = CURLPX_OK;
    if (curl_easy_getinfo(curl, CURLINFO_PROXY_ERROR, &px) != CURLE_OK)
        return false;
    switch (px) {
    case CURLPX_BAD_ADDRESS_TYPE:
    case CURLPX_BAD_VERSION:
    case CURLPX_GSSAPI:
    case CURLPX_GSSAPI_PERMSG:
    case CURLPX_GSSAPI_PROTECTION:
    case CURLPX_IDENTD:
    case CURLPX_IDENTD_DIFFER:
    case CURLPX_LONG_HOSTNAME:
    case CURLPX_LONG_PASSWD:
    case CURLPX_LONG_USER:
    case CURLPX_NO_AUTH:
    case CURLPX_REPLY_ADDRESS_TYPE_NOT_SUPPORTED:
    case CURLPX_REPLY_COMMAND_NOT_SUPPORTED:
    case CURLPX_REPLY_NOT_ALLOWED:
    case CURLPX_UNKNOWN_MODE:
    case CURLPX_USER_REJECTED:
        return true;
    default:
        return false;
    }
}

/* After a failed transfer: whether an HTTP proxy (https_proxy) refused
 * the tunnel to the host for good: it wants credentials or rejects those
 * in its URL (407), its rules refuse the host (403), it serves no CONNECT
 * (405, 501). What a SOCKS proxy's refusal is (proxy_refused_for_good()):
 * a setup for a person to mend. curl says "CONNECT tunnel failed" with
 * CURLE_RECV_ERROR, as a connection reset. Its 5xx (it could not reach
 * the host), 408 and 429 may pass, and stay a network error. */
static bool tunnel_refused_for_good(CURL *curl) {
    long code = 0;
    if (curl_easy_getinfo(curl, CURLINFO_HTTP_CONNECTCODE, &code) != CURLE_OK)
        return false;
    return (code >= 400 && code < 500 && code != 408 && code != 429) || code == 501;
}

/* What curl's `rc` (with its message, errbuf) means for the retry policy.
 * `reused`: the request went on a connection an earlier one left open.
 * `curl`: the handle, asked why a proxy refused (CURLE_PROXY, a CONNECT). */
static enum http_error classify(CURLcode rc, const char *errbuf, bool too_large, bool bad_encoding,
                                bool reused, CURL *curl) {
    if (rc == CURLE_WRITE_ERROR && bad_encoding)
        return HTTP_ERR_NETWORK;
    if (rc != CURLE_OK && tunnel_refused_for_good(curl))
        return HTTP_ERR_OTHER;
    /* An answer that does not begin with a status line, on a connection
     * kept from the answer before: bytes that answer left behind (a body
     * longer than its Content-Length, the rest sent after it), not this
     * request's answer. curl closes the connection: a retry opens another.
     * On a new connection it is what the server speaks (not HTTP). */
    if (rc == CURLE_UNSUPPORTED_PROTOCOL && reused && strstr(errbuf, "HTTP/0.9"))
        return HTTP_ERR_NETWORK;
    switch (rc) {
    case CURLE_OK:
        return HTTP_OK;
    case CURLE_OPERATION_TIMEDOUT:
        return HTTP_ERR_TIMEOUT;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
        return HTTP_ERR_CONNECT;
    /* A SOCKS proxy (all_proxy=socks5://, an ssh -D tunnel) that could not
     * reach the host, or dropped the handshake: what a refused connection
     * is without the proxy, not a failure TMDB answered. */
    case CURLE_PROXY:
        return proxy_refused_for_good(curl) ? HTTP_ERR_OTHER : HTTP_ERR_CONNECT;
    case CURLE_SSL_CONNECT_ERROR:
        /* The handshake failed without a verdict on the certificate: most
         * often the connection was reset or closed in the middle of it,
         * which a retry mends; not when the other end does not speak TLS
         * there (https:// on a plain HTTP port), as OpenSSL words it. */
        return strstr(errbuf, "wrong version number") ? HTTP_ERR_TLS : HTTP_ERR_CONNECT;
    case CURLE_FILESIZE_EXCEEDED:
        return HTTP_ERR_TOO_LARGE;
    case CURLE_WRITE_ERROR:
        return too_large ? HTTP_ERR_TOO_LARGE : HTTP_ERR_OTHER;
    case CURLE_ABORTED_BY_CALLBACK:
        return HTTP_ERR_ABORTED;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
        return HTTP_ERR_TLS;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return HTTP_ERR_NETWORK;
    default:
        return HTTP_ERR_OTHER;
    }
}

/* A failure to connect or resolve because this process is out of file
 * descriptors (socket() said so, or none can be opened right now: the
 * resolver's socket pair fails the same way) becomes HTTP_ERR_NO_FDS with
 * the limit in the message: a local condition, not the server's refusal. */
static void name_fd_shortage(struct http_client *c, struct http_result *out) {
    if (out->error != HTTP_ERR_CONNECT && out->error != HTTP_ERR_OTHER)
        return;
    bool no_fds = c->socket_errno == EMFILE || c->socket_errno == ENFILE;
    if (!no_fds && !rlimits_fds_exhausted())
        return;
    out->error = HTTP_ERR_NO_FDS;
    rlimits_describe_fds(out->message, sizeof out->message);
}

/* Retry-After is either delta-seconds or an HTTP date. -1 when absent/bad.
 * A date is counted from the server's time of the answer (its Date, plus
 * its Age: http_server_time()), both on the server's clock, so that this
 * machine's clock being off does not turn "in 2 s" into an hour's pause
 * (or none); from this machine's clock only when the answer has no Date. */
static long retry_after_ms(struct http_client *c) {
    struct curl_header *h;
    if (curl_easy_header(c->curl, "Retry-After", 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
        return -1;
    const char *v = h->value;
    char *end;
    long secs = strtol(v, &end, 10);
    if (end != v && *end == '\0' && secs >= 0)
        return secs > 86400 ? 86400000L : secs * 1000;
    time_t when = curl_getdate(v, NULL);
    if (when < 0)
        return -1;
    long long sent = http_server_time(c);
    double delta = difftime(when, sent >= 0 ? (time_t)sent : time(NULL));
    return delta <= 0 ? 0 : (long)(delta > 86400 ? 86400000 : delta * 1000);
}

/* A redirect's Location into out->message (empty when none): redirects
 * are not followed, and an operator needs to know where it pointed. A URL
 * is printable ASCII: any other byte (a control character, a raw Latin-1
 * or UTF-8 name) is percent-encoded, as a client following it sends it, so
 * that the reason it goes into (logs, fetch_failures.reason: TEXT read as
 * UTF-8) stays ASCII wherever it is cut. */
static void note_location(struct http_client *c, struct http_result *out) {
    struct curl_header *h;
    out->message[0] = '\0';
    if (out->status < 300 || out->status >= 400 ||
        curl_easy_header(c->curl, "Location", 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
        return;
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)h->value; *p; p++) {
        bool plain = *p > ' ' && *p < 0x7f;
        if (o + (plain ? 1 : 3) >= sizeof out->message)
            break;
        if (plain)
            out->message[o++] = (char)*p;
        else
            o += (size_t)snprintf(out->message + o, 4, "%%%02X", *p);
    }
    out->message[o] = '\0';
}

/* curl's message for a failed transfer into out->message. It names host
 * and port, never the query string; but a proxy URL curl cannot use (a
 * scheme it does not know, a password holding an unencoded '/') it quotes
 * whole, user:password@ and all: the password goes as ***. */
static void set_curl_message(struct http_result *out, const char *text) {
    tmdb_redact_url(text, out->message, sizeof out->message);
}

void http_get(struct http_client *c, const char *url, struct http_result *out) {
    memset(out, 0, sizeof *out);
    out->retry_after_ms = -1;
    c->len = 0;
    c->too_large = false;
    c->gzip = c->zs_started = c->zs_ended = c->bad_encoding = c->in_headers = false;
    c->out_of_memory = false;
    c->unreadable = false;
    c->codings[0] = '\0';
    c->socket_errno = 0;
    c->errbuf[0] = '\0';
    CURLcode rc = curl_easy_setopt(c->curl, CURLOPT_URL, url);
    if (rc == CURLE_OK)
        rc = curl_easy_perform(c->curl);
    long opened = 0;
    if (curl_easy_getinfo(c->curl, CURLINFO_NUM_CONNECTS, &opened) == CURLE_OK)
        c->connections += opened;
    out->error = classify(rc, c->errbuf, c->too_large, c->bad_encoding, opened == 0, c->curl);
    if (out->error == HTTP_OK && c->gzip && c->zs_started && !c->zs_ended) {
        out->error = HTTP_ERR_NETWORK; /* the gzip stream ended early */
        snprintf(out->message, sizeof out->message, "truncated gzip body");
        return;
    }
    if (out->error != HTTP_OK && c->bad_encoding && c->unreadable) {
        snprintf(out->message, sizeof out->message,
                 "Content-Encoding \"%s\" not decoded (gzip was asked for)", c->codings);
        return;
    }
    /* curl's own allocations too, but for the header line it reports so */
    if (out->error == HTTP_ERR_OTHER &&
        (c->out_of_memory || (rc == CURLE_OUT_OF_MEMORY && !c->in_headers))) {
        char why[200];
        rlimits_describe_oom(why, sizeof why);
        snprintf(out->message, sizeof out->message, "holding the answer: %s", why);
        out->out_of_memory = true;
        return;
    }
    if (out->error != HTTP_OK && c->too_large) {
        /* the limit, which --max-body raises */
        snprintf(out->message, sizeof out->message, "over --max-body (%zu bytes)", c->max_body);
        return;
    }
    if (out->error != HTTP_OK) {
        set_curl_message(out, c->bad_encoding ? "bad gzip encoding"
                              : c->errbuf[0]  ? c->errbuf
                              : rc == CURLE_OUT_OF_MEMORY && c->in_headers
                                  ? "response header too large (a line over libcurl's limit)"
                                  : curl_easy_strerror(rc));
        name_fd_shortage(c, out);
        return;
    }
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &out->status);
    out->retry_after_ms = retry_after_ms(c);
    note_location(c, out);
    if (c->buf)
        c->buf[c->len] = '\0';
    out->body = c->buf ? c->buf : "";
    out->len = c->len;
}

static size_t sink_cb(char *data, size_t size, size_t n, void *userp) {
    struct http_client *c = userp;
    size_t add = size * n, done = 0;
    /* libcurl before 8.4 checks CURLOPT_MAXFILESIZE against Content-Length
     * only: a chunked body is held to the limit here */
    if ((curl_off_t)(c->len + add) > DOWNLOAD_MAX_BYTES) {
        c->too_large = true;
        return 0;
    }
    while (done < add) {
        ssize_t w = write(c->sink_fd, data + done, add - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            c->sink_errno = w < 0 ? errno : ENOSPC;
            c->sink_failed = true;
            return 0;
        }
        done += (size_t)w;
    }
    c->len += add;
    return add;
}

void http_download(struct http_client *c, const char *url, int fd, struct http_result *out) {
    memset(out, 0, sizeof *out);
    out->retry_after_ms = -1;
    c->len = 0;
    c->too_large = false;
    c->sink_fd = fd;
    c->sink_failed = false;
    c->socket_errno = 0;
    c->errbuf[0] = '\0';
    CURLcode rc = CURLE_OK;
    if (curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL) != CURLE_OK ||
        curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, DOWNLOAD_TIMEOUT_S) != CURLE_OK ||
        curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_LIMIT, DOWNLOAD_LOW_SPEED_BYTES) != CURLE_OK ||
        curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_TIME, c->timeout_s) != CURLE_OK ||
        curl_easy_setopt(c->curl, CURLOPT_MAXFILESIZE_LARGE, DOWNLOAD_MAX_BYTES) != CURLE_OK ||
        curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, sink_cb) != CURLE_OK ||
        curl_easy_setopt(c->curl, CURLOPT_URL, url) != CURLE_OK)
        rc = CURLE_FAILED_INIT;
    if (rc == CURLE_OK)
        rc = curl_easy_perform(c->curl);
    long opened = 0;
    if (curl_easy_getinfo(c->curl, CURLINFO_NUM_CONNECTS, &opened) == CURLE_OK)
        c->connections += opened;
    out->error = classify(rc, c->errbuf, c->too_large, false, opened == 0, c->curl);
    if (out->error == HTTP_ERR_TOO_LARGE)
        snprintf(out->message, sizeof out->message, "larger than %lld MiB",
                 (long long)(DOWNLOAD_MAX_BYTES >> 20));
    else if (rc == CURLE_WRITE_ERROR && c->sink_failed) {
        out->write_errno = c->sink_errno;
        snprintf(out->message, sizeof out->message, "writing the download: %s",
                 strerror(c->sink_errno));
    } else if (out->error != HTTP_OK)
        set_curl_message(out, c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
    else {
        curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &out->status);
        note_location(c, out);
    }
    name_fd_shortage(c, out);
    out->retry_after_ms = out->error == HTTP_OK ? retry_after_ms(c) : -1;
    out->len = c->len;
    c->len = 0;
    /* Back to the API configuration. If this fails the handle is unusable:
     * say so through the result rather than send the API unauthenticated. */
    if (curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers) != CURLE_OK ||
        curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, c->timeout_s) != CURLE_OK ||
        curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_LIMIT, (long)LOW_SPEED_BYTES) != CURLE_OK ||
        curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_TIME,
                         c->timeout_s < LOW_SPEED_TIME_S ? c->timeout_s : LOW_SPEED_TIME_S) !=
            CURLE_OK ||
        curl_easy_setopt(c->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max_body) !=
            CURLE_OK ||
        curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, write_cb) != CURLE_OK) {
        out->error = HTTP_ERR_OTHER;
        snprintf(out->message, sizeof out->message, "could not restore the HTTP handle");
    }
}

long long http_copy_time(struct http_client *c) {
    struct curl_header *h;
    if (curl_easy_header(c->curl, "Date", 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
        return -1;
    /* Answers of the same second share their Date: parsing one costs more
     * than a whole movie's other headers (curl_getdate() scans with sscanf) */
    if (strcmp(h->value, c->date_text) != 0) {
        long long date = (long long)curl_getdate(h->value, NULL);
        c->date_value = date < 0 ? -1 : date;
        snprintf(c->date_text, sizeof c->date_text, "%s", h->value);
    }
    return c->date_value;
}

long long http_server_time(struct http_client *c) {
    struct curl_header *h;
    long long date = http_copy_time(c);
    if (date < 0 || curl_easy_header(c->curl, "Age", 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
        return date;
    /* TMDB's 200s are cacheable for hours: from CloudFront's cache, Date is
     * when the origin made the answer and Age how long ago that was. */
    char *end;
    long long age = strtoll(h->value, &end, 10);
    if (end == h->value || *end != '\0' || age < 0 || age > HTTP_COPY_AGE_MAX_S)
        return date; /* not delta-seconds, or not believable */
    return date + age;
}

const char *http_library_version(void) {
    return curl_version_info(CURLVERSION_NOW)->version;
}

const char *http_error_name(enum http_error e) {
    switch (e) {
    case HTTP_OK:
        return "ok";
    case HTTP_ERR_TIMEOUT:
        return "timeout";
    case HTTP_ERR_CONNECT:
        return "connection failed";
    case HTTP_ERR_NETWORK:
        return "network error";
    case HTTP_ERR_TOO_LARGE:
        return "body too large";
    case HTTP_ERR_TLS:
        return "TLS error";
    case HTTP_ERR_ABORTED:
        return "aborted";
    case HTTP_ERR_NO_FDS:
        return "local limit";
    case HTTP_ERR_OTHER:
        return "transfer failed";
    }
    return "unknown";
}

long http_client_connections(struct http_client *c) {
    return c->connections;
}
