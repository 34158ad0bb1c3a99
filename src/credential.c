/* credential.c - see credential.h. */
#include "credential.h"

#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "tmdb.h"

/* Tokens are JWTs (a few hundred bytes); keys are 32 hex digits. */
#define MAX_SECRET 4096

/* Printable ASCII without spaces: anything else would corrupt a header or
 * URL, and is most likely a copy-paste accident. */
static int valid_secret(const char *s) {
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s <= ' ' || *s > '~')
            return 0;
    return 1;
}

/* Whether `s` holds a byte above 0x7f: a byte-order mark or a typographic
 * character, which no token holds and which is neither a space nor a
 * control character. */
static int has_non_ascii(const char *s) {
    for (; *s; s++)
        if ((unsigned char)*s > 0x7f)
            return 1;
    return 0;
}

/* TMDB's examples show the header, `Authorization: Bearer eyJ...`: copied
 * from there, the value brings the scheme, which http.c adds itself. */
static int has_bearer_prefix(const char *s) {
    return strncasecmp(s, "Bearer ", 7) == 0;
}

/* A v3 key: TMDB issues them as 32 lowercase hex digits, which no v4 token
 * (a JWT, "eyJ..." with two dots) can be. */
static int looks_like_v3_key(const char *s) {
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f') ||
              (s[n] >= 'A' && s[n] <= 'F')))
            return 0;
    return n == 32;
}

/* A v4 read access token: a JWT, whose base64url header of {"alg"... starts
 * with "eyJ", with a payload and a signature after two dots. */
static int looks_like_v4_token(const char *s) {
    const char *dot = strchr(s, '.');
    return strncmp(s, "eyJ", 3) == 0 && dot && strchr(dot + 1, '.');
}

static char *dup_trimmed(const char *s, size_t n) {
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static int read_file(const char *path, struct credential *out, char *err, size_t err_size) {
    FILE *f = fopen(path, "r");
    /* The token itself given for its file (`--token TOKEN` is taken for
     * --token-file, an abbreviation): named without being repeated, as
     * stderr goes on to cron's mail and the journal. */
    if (!f && errno == ENOENT && (looks_like_v4_token(path) || looks_like_v3_key(path))) {
        snprintf(err, err_size,
                 "--token-file takes a file holding the token, and was given what looks like "
                 "a token itself (not shown): keep it off the command line, which other users "
                 "can read; put it in a file (chmod 600) or in TMDB_API_TOKEN");
        return -1;
    }
    if (!f) {
        snprintf(err, err_size, "cannot read token file %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
        out->file_mode = (unsigned)(st.st_mode & 0777);
        out->file_uid = st.st_uid;
    }
    /* The longest secret taken, with room for blanks around it (an indent,
     * a CRLF); its own length is checked once trimmed, as from the
     * environment. A file that fills the buffer is something else. */
    char buf[MAX_SECRET + 64];
    errno = 0;
    size_t n = fread(buf, 1, sizeof buf, f);
    int failed = ferror(f) ? (errno ? errno : EIO) : 0; /* a directory opens, then EISDIR */
    fclose(f);
    if (failed || n == sizeof buf) {
        if (failed)
            snprintf(err, err_size, "cannot read token file %s: %s", path, strerror(failed));
        else
            snprintf(err, err_size, "token file %s: too large to be a token", path);
        memset(buf, 0, sizeof buf);
        return -1;
    }
    out->token = dup_trimmed(buf, n);
    memset(buf, 0, sizeof buf);
    out->source = "--token-file";
    return 0;
}

int credential_load(const char *token_file, struct credential *out, char *err, size_t err_size) {
    memset(out, 0, sizeof *out);
    const char *token = getenv("TMDB_API_TOKEN");
    const char *key = getenv("TMDB_API_KEY");
    bool has_token = token && *token, has_key = key && *key;
    if (token_file) {
        if (read_file(token_file, out, err, err_size) != 0)
            return -1;
        out->also_set = has_token && has_key ? "TMDB_API_TOKEN and TMDB_API_KEY"
                        : has_token          ? "TMDB_API_TOKEN"
                        : has_key            ? "TMDB_API_KEY"
                                             : NULL;
    } else if (has_token) {
        out->token = dup_trimmed(token, strlen(token));
        out->source = "TMDB_API_TOKEN";
        out->also_set = has_key ? "TMDB_API_KEY" : NULL;
    } else if (has_key) {
        out->api_key = dup_trimmed(key, strlen(key));
        out->source = "TMDB_API_KEY";
    } else {
        snprintf(err, err_size,
                 "no TMDB credential: set TMDB_API_TOKEN (v4 read access token) or "
                 "TMDB_API_KEY (v3 API key), or use --token-file");
        return -1;
    }
    const char *secret = out->token ? out->token : out->api_key;
    if (!secret) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    /* Refused, not stripped: what was given is not what was meant. The
     * message never shows the value, not even its start. A key sent as a
     * token (or a token as a key) would get TMDB's 401 "Invalid API key",
     * which sends one to make a new key rather than to move this one. */
    const char *wrong = out->token && has_bearer_prefix(secret)
                            ? "starts with 'Bearer ': drop that prefix, it holds the token "
                              "alone (tmdb-ingest sends Authorization: Bearer TOKEN)"
                        : has_non_ascii(secret)
                            ? "holds a byte that is not ASCII, which no token or key does (a "
                              "UTF-8 byte-order mark an editor wrote at its start, or a "
                              "character pasted from a web page)"
                        : !valid_secret(secret)
                            ? "is empty or contains spaces or control characters"
                        : strlen(secret) > MAX_SECRET
                            ? "is longer than 4096 characters, which no token or key is"
                        : out->token && looks_like_v3_key(secret)
                            ? "is a v3 API key (32 hex digits), not a v4 read access token: "
                              "give it as TMDB_API_KEY instead, and unset TMDB_API_TOKEN (or "
                              "drop --token-file), which is read first and takes the v4 token "
                              "(eyJ...)"
                        : out->api_key && looks_like_v4_token(secret)
                            ? "is a v4 read access token (eyJ...), not a v3 API key: set "
                              "TMDB_API_TOKEN to it instead (TMDB_API_KEY takes the v3 key, "
                              "32 hex digits)"
                            : NULL;
    if (wrong) {
        snprintf(err, err_size, "the credential from %s %s", out->source, wrong);
        credential_free(out);
        return -1;
    }
    return 0;
}

/* Overwrite the variable's value where the process's environment block
 * holds it (what /proc/PID/environ shows), then remove it. */
static void scrub_env(const char *name) {
    char *v = getenv(name);
    if (v) {
        volatile char *p = v;
        while (*p)
            *p++ = 'x';
    }
    unsetenv(name);
}

/* A user's name for a message, else its number. */
static void user_name(uid_t uid, char *out, size_t size) {
    const struct passwd *pw = getpwuid(uid);
    if (pw)
        snprintf(out, size, "%s", pw->pw_name);
    else
        snprintf(out, size, "%ju", (uintmax_t)uid);
}

bool credential_file_warning(const char *path, const struct credential *c, char *buf, size_t size) {
    buf[0] = '\0';
    if (!(c->file_mode & 066))
        return false;
    const char *how = c->file_mode & 022 ? "written" : "read";
    uid_t me = geteuid();
    if (me == 0 || c->file_uid == me) {
        snprintf(buf, size, "token file %s may be %s by other users (mode %03o): chmod 600 it",
                 path, how, c->file_mode);
        return true;
    }
    char owner[64], user[64];
    user_name(c->file_uid, owner, sizeof owner);
    user_name(me, user, sizeof user);
    snprintf(buf, size,
             "token file %s may be %s by other users (mode %03o, owner %s): chown %s and chmod "
             "600 it (chmod 600 alone would keep %s from reading it)",
             path, how, c->file_mode, owner, user, user);
    return true;
}

int credential_protect(void) {
    int rc = 0;
    struct rlimit none = {0, 0};
    if (setrlimit(RLIMIT_CORE, &none) != 0)
        rc = -1;
#ifndef __SANITIZE_ADDRESS__ /* LeakSanitizer must be able to ptrace this process */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        rc = -1;
#endif
    scrub_env("TMDB_API_TOKEN");
    scrub_env("TMDB_API_KEY");
    return rc;
}

static void wipe(char *s) {
    if (!s)
        return;
    volatile char *p = s;
    while (*p)
        *p++ = 0;
    free(s);
}

/* Put "[redacted]" at text[at], then `rest` (rest_len bytes, which may
 * lie in text itself), both cut to what `size` holds. Returns the length
 * of what the mark took. */
static size_t put_mark(char *text, size_t size, size_t at, const char *rest, size_t rest_len) {
    static const char mark[] = "[redacted]";
    size_t keep = sizeof mark - 1;
    if (at + keep >= size)
        keep = size - 1 - at;
    size_t room = size - 1 - at - keep; /* what the rest may take */
    if (rest_len > room)
        rest_len = room;
    memmove(text + at + keep, rest, rest_len);
    memcpy(text + at, mark, keep);
    text[at + keep + rest_len] = '\0';
    return keep;
}

static void scrub_one(char *text, size_t size, const char *secret) {
    size_t n = strlen(secret);
    if (n == 0 || size == 0)
        return;
    char *hit;
    size_t from = 0;
    while ((hit = strstr(text + from, secret)) != NULL) {
        size_t at = (size_t)(hit - text);
        from = at + put_mark(text, size, at, hit + n, strlen(hit + n));
    }
    /* Text cut short (by its buffer or before it came here) may end in the
     * first part of the secret: from 4 characters on, that goes too. */
    size_t len = strlen(text);
    for (size_t k = n - 1 < len ? n - 1 : len; k >= 4; k--) {
        if (memcmp(text + len - k, secret, k) == 0) {
            put_mark(text, size, len - k, "", 0);
            break;
        }
    }
}

void credential_scrub(char *text, size_t size, const char *secret) {
    if (!secret)
        return;
    scrub_one(text, size, secret);
    /* as an api_key= carries it, which a server quoting the request quotes */
    char encoded[3 * MAX_SECRET + 1];
    if (tmdb_url_encode(encoded, sizeof encoded, secret) > 0 && strcmp(encoded, secret) != 0)
        scrub_one(text, size, encoded);
}

int credential_basic(const char *login, char *buf, size_t size) {
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *in = (const unsigned char *)login;
    size_t len = strlen(login), need = (len + 2) / 3 * 4 + 1;
    if (size < need) {
        if (size > 0)
            buf[0] = '\0';
        return -1;
    }
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < len ? (unsigned)in[i + 1] << 8 : 0) |
                     (i + 2 < len ? in[i + 2] : 0);
        buf[o++] = digits[v >> 18 & 63];
        buf[o++] = digits[v >> 12 & 63];
        buf[o++] = i + 1 < len ? digits[v >> 6 & 63] : '=';
        buf[o++] = i + 2 < len ? digits[v & 63] : '=';
    }
    buf[o] = '\0';
    return (int)o;
}

void credential_free(struct credential *c) {
    wipe(c->token);
    wipe(c->api_key);
    c->token = c->api_key = NULL;
}
