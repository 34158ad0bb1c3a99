/*
 * credential.h - where the TMDB credential comes from, and nowhere else.
 *
 * Sources, first found wins: --token-file FILE (a v4 read access token),
 * TMDB_API_TOKEN (v4 token, sent as "Authorization: Bearer"), TMDB_API_KEY
 * (v3 key, sent as api_key= in the URL). Never the command line, where any
 * user could read it in ps(1).
 *
 * The secret is copied into memory owned by struct credential and wiped by
 * credential_free(). No function here prints it; error messages name the
 * source, never the value. Used by main's thread only.
 */
#ifndef TMDB_CREDENTIAL_H
#define TMDB_CREDENTIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct credential {
    char *token;   /* v4 bearer token, or NULL */
    char *api_key; /* v3 key, or NULL (exactly one of the two is set after a load) */
    const char *source; /* "--token-file", "TMDB_API_TOKEN" or "TMDB_API_KEY" */
    /* the sources also set but not read, as `source` comes first ("TMDB_API_KEY",
     * "TMDB_API_TOKEN and TMDB_API_KEY", ...), or NULL: a 401 names them, as
     * TMDB's "Invalid API key" would send one to check a key that was not sent */
    const char *also_set;
    /* --token-file, a regular file: its permission bits (0777), which the
     * caller warns about when group or others may read or write it: anyone
     * who may read the file has the token, anyone who may write it chooses it */
    unsigned file_mode;
    uid_t file_uid; /* and its owner: chmod 600 alone locks out a user reading another's */
};

/* Load the credential. Returns 0, or -1 with a reason in `err` (no credential
 * found, unreadable file, empty or malformed value, a v3 key where a v4 token
 * goes or a v4 token where a v3 key goes). */
int credential_load(const char *token_file, struct credential *out, char *err, size_t err_size);

/* For a --token-file group or others may read or write (file_mode & 066):
 * the warning to give, into `buf`, naming `path` and what to do; false,
 * and "", when none is due. Another user's file (root's, moved into place
 * by hand) this user reads through those very bits: chmod 600 alone would
 * keep it from reading the file, so it is told to chown it as well. */
bool credential_file_warning(const char *path, const struct credential *c, char *buf, size_t size);

/*
 * Keep the secret out of places it could leak from while the process runs:
 * no core dumps (RLIMIT_CORE 0, PR_SET_DUMPABLE 0, which also keeps other
 * users' debuggers out), and the environment variable it came from is
 * overwritten and removed, so /proc/PID/environ no longer shows it. Call
 * right after credential_load(). Returns 0, or -1 if a step failed.
 */
int credential_protect(void);

/* Replace every occurrence of `secret` (NULL or "" for none) in the string
 * `text` (a buffer of `size` bytes) with "[redacted]", truncating if need
 * be, and a start of the secret (4 characters or more) that ends the text,
 * as text cut short leaves it; the same for the secret percent-encoded as
 * in a URL: for text that came from a server (a status_message can echo
 * the request's api_key=). Any thread. */
void credential_scrub(char *text, size_t size, const char *secret);

/* `login` ("user:password") as an HTTP Basic authentication sends it
 * (base64), into buf: for text a server echoes the header in. Returns its
 * length, or -1 when it does not fit (buf ""). */
int credential_basic(const char *login, char *buf, size_t size);

/* Wipe and free. Accepts a zeroed struct. */
void credential_free(struct credential *c);

#endif
