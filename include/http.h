/*
 * http.h - HTTP GET over libcurl, one connection per client, kept alive.
 *
 * Threading: a struct http_client wraps exactly one CURL easy handle and is
 * owned by exactly one thread for its whole life (each worker has one; the
 * producer has its own for list pages). Reusing the handle reuses its
 * connection. All clients share one struct http_shared (a CURLSH for the DNS
 * cache and TLS sessions, with its own locks), which must outlive them.
 *
 * Memory: the response body lives in the client's buffer, which grows once
 * and is reused; it is valid until the next http_get() on the same client.
 * Responses are requested gzip-compressed and decoded here with one zlib
 * stream per client, reset per response (curl would allocate and zero
 * ~40 KiB of zlib state for every transfer). A body in any other coding
 * (deflate, br, gzip twice) is refused as HTTP_ERR_NETWORK, the message
 * naming it; x-gzip is gzip.
 *
 * Security: TLS peer and host verification are always on (optionally with a
 * private CA file). The bearer token goes only into the Authorization
 * header; messages produced here never contain a URL's query string, but
 * for a redirect's Location, as the server sent it, which the caller
 * scrubs. Redirects are never followed (a credential stays with the host
 * it was given for).
 *
 * Cancellation: a transfer in flight is aborted within about a second of
 * stop_request() (stop.h), reported as HTTP_ERR_ABORTED.
 */
#ifndef TMDB_HTTP_H
#define TMDB_HTTP_H

#include <stdbool.h>
#include <stddef.h>

enum http_error {
    HTTP_OK = 0,        /* a response arrived (any status) */
    HTTP_ERR_TIMEOUT,   /* total timeout or low-speed limit hit */
    HTTP_ERR_CONNECT,   /* could not resolve or connect to the host (directly or through a SOCKS
                         * proxy), or finish a TLS handshake */
    HTTP_ERR_NETWORK,   /* connection reset, truncated transfer, bad framing */
    HTTP_ERR_TOO_LARGE, /* body larger than max_body */
    HTTP_ERR_TLS,       /* certificate refused or TLS misconfigured: never retried */
    HTTP_ERR_ABORTED,   /* a stop was requested */
    HTTP_ERR_NO_FDS,    /* this machine's open files limit (EMFILE/ENFILE), not the server:
                         * never retried, the run cannot go on (rlimits.h) */
    HTTP_ERR_OTHER,     /* anything else (out of memory, bad URL, a SOCKS or HTTP proxy that
                         * refuses this client for good: its rules, its credentials, ...) */
};

struct http_config {
    const char *bearer_token; /* v4 token for "Authorization: Bearer"; NULL for none */
    long timeout_s;           /* total time allowed for one request */
    long connect_timeout_s;
    size_t max_body;          /* bytes, after decompression */
    const char *cacert;       /* CA bundle file for a private CA; NULL for the system's */
};

struct http_result {
    enum http_error error;
    long status;            /* HTTP status when error == HTTP_OK, else 0 */
    const char *body;       /* NUL-terminated; borrowed from the client */
    size_t len;
    long retry_after_ms;    /* from Retry-After (seconds or HTTP date); -1 when absent */
    /* transport error text; on HTTP_OK, a 3xx's Location (not followed:
     * may hold the query, credential and all; bytes outside printable
     * ASCII percent-encoded), else empty */
    char message[256];
    /* http_download(): the errno of a failed write to its fd, else 0 */
    int write_errno;
    /* HTTP_ERR_OTHER because this process's memory ran out (holding the
     * body: ulimit -v, a large --max-body): this machine's limit, not an
     * answer the server failed to give */
    bool out_of_memory;
};

struct http_shared;
struct http_client;

/* Process-wide libcurl set-up; call once from main before any thread.
 * Returns 0 or -1. */
int http_global_init(void);
void http_global_cleanup(void);

/* The share handle (DNS cache, TLS sessions). NULL when out of memory. */
struct http_shared *http_shared_new(void);
/* Free after every client using it is freed. Accepts NULL. */
void http_shared_free(struct http_shared *sh);

/* A client with one easy handle configured from `cfg` (copied; strings must
 * outlive the client). NULL on failure. */
struct http_client *http_client_new(struct http_shared *sh, const struct http_config *cfg);
/* Accepts NULL. */
void http_client_free(struct http_client *c);

/* GET `url` and fill *out. Never blocks beyond the configured timeout. */
void http_get(struct http_client *c, const char *url, struct http_result *out);

/*
 * GET `url` and write the body to `fd` (from its current offset) instead of
 * memory: for big files on another host (TMDB's daily exports). Cut (an
 * HTTP_ERR_TIMEOUT) when slower than 4 KiB/s for the request timeout, or
 * after two hours; refused beyond 1 GiB. The Authorization header is NOT sent (the credential is
 * for the API only). out->body is NULL; out->len counts the bytes written. A write to `fd` that
 * fails ends the transfer: out->write_errno says why (the message too). The client is back to its
 * normal configuration afterwards.
 */
void http_download(struct http_client *c, const char *url, int fd, struct http_result *out);

/* The server's clock when it sent the last response: its Date header plus
 * its Age header (a CDN serves a cached answer with the origin's Date, hours
 * old, and says how long it kept it in Age), or -1 when there was no Date. */
long long http_server_time(struct http_client *c);

/* When the last response was made: its Date header alone (from a CDN's
 * cache, when the origin made the copy, which may be hours old), or -1
 * when there was no Date. */
long long http_copy_time(struct http_client *c);

/* The oldest a cached answer believably is: TMDB's answers are cacheable
 * for hours (Cache-Control), and a CDN keeps them days at most. An Age
 * beyond it, or a Date further back, is a broken header, not a copy. */
#define HTTP_COPY_AGE_MAX_S (7LL * 86400)

/* libcurl's version ("8.5.0"). */
const char *http_library_version(void);

/* Short text naming an http_error ("timeout"). */
const char *http_error_name(enum http_error e);

/* Connections this client opened so far (for keep-alive checks). */
long http_client_connections(struct http_client *c);

#endif
