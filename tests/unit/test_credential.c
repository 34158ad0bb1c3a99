/* test_credential.c - credential_scrub(): the secret out of text a server
 * sent, every occurrence, within the buffer; credential_load()'s refusals
 * say what is wrong without showing the secret (a 'Bearer ' prefix, a v3
 * key where a v4 token goes and the other way round). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "credential.h"

static void scrubbed(const char *in, size_t size, const char *secret, const char *want) {
    char buf[256];
    assert_true(size <= sizeof buf);
    snprintf(buf, size, "%s", in);
    credential_scrub(buf, size, secret);
    assert_string_equal(buf, want);
}

/* Basic authentication's base64 (RFC 4648's test vectors, and a login). */
static void test_basic_login_encoded(void **state) {
    (void)state;
    char buf[32];
    const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar", "gw:SECRET"};
    const char *out[] = {"",         "Zg==",     "Zm8=",     "Zm9v",
                         "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy", "Z3c6U0VDUkVU"};
    for (size_t i = 0; i < sizeof in / sizeof *in; i++) {
        assert_int_equal(credential_basic(in[i], buf, sizeof buf), (int)strlen(out[i]));
        assert_string_equal(buf, out[i]);
    }
    assert_int_equal(credential_basic("foobar", buf, 8), -1); /* 8 chars need 9 bytes */
    assert_string_equal(buf, "");
}

static void test_every_occurrence_replaced(void **state) {
    (void)state;
    const char *key = "0123456789abcdef";
    scrubbed("GET /3/movie/1?api_key=0123456789abcdef&x=0123456789abcdef", 256, key,
             "GET /3/movie/1?api_key=[redacted]&x=[redacted]");
    scrubbed("no secret here", 256, key, "no secret here");
    scrubbed("0123456789abcdef", 256, key, "[redacted]");
    scrubbed("short", 256, NULL, "short");
    scrubbed("short", 256, "", "short");
}

/* A secret shorter than the mark: the text grows, and is cut at the
 * buffer's end rather than overflowing it; nothing of the secret is left. */
static void test_growth_is_cut_at_the_buffer(void **state) {
    (void)state;
    scrubbed("k=abc;k=abc", 256, "abc", "k=[redacted];k=[redacted]");
    scrubbed("k=abc;k=abc", 13, "abc", "k=[redacted]");
    scrubbed("k=abc;k=abc", 12, "abc", "k=[redacted");
    scrubbed("abcabc", 8, "abc", "[redact");
}

/* Text cut short before it came here (a server's message fitted to its
 * buffer) or by the growth above may end in the start of the secret. */
static void test_a_cut_secret_at_the_end_goes_too(void **state) {
    (void)state;
    const char *key = "0123456789abcdef0123456789abcdef";
    scrubbed("Invalid parameters: /3/movie/1?append_to_response=credits&api_key=0123456789abcdef01",
             256, key,
             "Invalid parameters: /3/movie/1?append_to_response=credits&api_key=[redacted]");
    scrubbed("k=abcdef;k=abcdef", 20, "abcdef", "k=[redacted];k=[red");
    scrubbed("ends in 012", 256, key, "ends in 012"); /* 3 characters: too short to tell */
}

/* A key with characters a URL must encode travels as api_key=abc%2B...:
 * a server quoting the request quotes that form, whole or cut. */
static void test_the_url_encoded_key_goes_too(void **state) {
    (void)state;
    const char *key = "0123456789abcdef+01/23=456789abcdef";
    scrubbed("Invalid parameters: /3/movie/61?api_key=0123456789abcdef%2B01%2F23%3D456789abcdef ()",
             256, key, "Invalid parameters: /3/movie/61?api_key=[redacted] ()");
    scrubbed("Invalid parameters: /3/movie/61?api_key=0123456789abcdef%2B01%2F2", 256, key,
             "Invalid parameters: /3/movie/61?api_key=[redacted]");
    scrubbed("decoded: 0123456789abcdef+01/23=456789abcdef", 256, key, "decoded: [redacted]");
}

/* The longest secret credential_load() takes, every character encoded in
 * a URL: its encoded form (three times as long) is found too. */
static void test_the_longest_secret_encoded_goes_too(void **state) {
    (void)state;
    static char key[4097];
    memset(key, '+', sizeof key - 1);
    scrubbed("Invalid parameters: /3/movie/61?api_key=%2B%2B%2B%2B", 256, key,
             "Invalid parameters: /3/movie/61?api_key=[redacted]");
}

/* The marks are not scrubbed again: a secret that is part of "[redacted]"
 * (one a URL carries as it is) leaves the mark whole. */
static void test_a_mark_is_not_scrubbed_again(void **state) {
    (void)state;
    scrubbed("k=dacted", 256, "dacted", "k=[redacted]");
}

/* A new file from the template `path` (made unique in place) holding
 * `line` and a newline: a token file. The caller unlinks it. */
static void write_token_file(char *path, const char *line) {
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fprintf(f, "%s\n", line);
    fclose(f);
}

/* load_file(LINE): credential_load() from a token file holding LINE and a
 * newline; its return, and the message in `err`. */
static int load_file(const char *line, char *err, size_t err_size) {
    char path[] = "/tmp/test_credential.XXXXXX";
    write_token_file(path, line);
    struct credential c;
    err[0] = '\0';
    int rc = credential_load(path, &c, err, err_size);
    unlink(path);
    if (rc == 0)
        credential_free(&c);
    return rc;
}

/* A token file copied from TMDB's examples, `Bearer eyJ...`: refused with
 * the fix, and no four characters of the token in the message. */
static void test_a_bearer_prefix_is_named_not_shown(void **state) {
    (void)state;
    const char *token = "eyJhbGciOiJIUzI1NiJ9.s3cr3tpayload";
    char line[64], err[256];
    snprintf(line, sizeof line, "Bearer %s", token);
    assert_int_equal(load_file(line, err, sizeof err), -1);
    assert_non_null(strstr(err, "--token-file starts with 'Bearer ': drop that prefix"));
    char piece[5] = {0};
    for (size_t i = 0; i + 4 <= strlen(token); i++) {
        memcpy(piece, token + i, 4);
        assert_null(strstr(err, piece));
    }
}

/* A token file saved by an editor that starts it with a UTF-8 byte-order
 * mark, or with a typographic character pasted in: refused, and said to be
 * a byte that is not ASCII, not "spaces or control characters", which the
 * file does not hold; the token not shown. */
static void test_a_byte_order_mark_is_named(void **state) {
    (void)state;
    char err[256];
    assert_int_equal(load_file("\xef\xbb\xbf"
                               "eyJhbGciOiJIUzI1NiJ9.s3cr3t",
                               err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "--token-file holds a byte that is not ASCII"));
    assert_non_null(strstr(err, "byte-order mark"));
    assert_null(strstr(err, "s3cr3t"));
    assert_int_equal(load_file("eyJhbGciOiJIUzI1NiJ9.s3cr3t\xe2\x80\x8b", err, sizeof err), -1);
    assert_non_null(strstr(err, "not ASCII"));
    /* a space inside, or nothing: as before */
    assert_int_equal(load_file("eyJhbGci OiJIUzI1NiJ9", err, sizeof err), -1);
    assert_non_null(strstr(err, "is empty or contains spaces or control characters"));
    assert_int_equal(load_file("", err, sizeof err), -1);
    assert_non_null(strstr(err, "is empty or contains spaces or control characters"));
}

/* TMDB_API_TOKEN and TMDB_API_KEY set to `token` and `key` (NULL unsets). */
static void set_credential_env(const char *token, const char *key) {
    if (token)
        setenv("TMDB_API_TOKEN", token, 1);
    else
        unsetenv("TMDB_API_TOKEN");
    if (key)
        setenv("TMDB_API_KEY", key, 1);
    else
        unsetenv("TMDB_API_KEY");
}

/* load_env(TOKEN, KEY): credential_load() from the environment alone (NULL
 * unsets); its return, and the message in `err`. */
static int load_env(const char *token, const char *key, char *err, size_t err_size) {
    set_credential_env(token, key);
    struct credential c;
    err[0] = '\0';
    int rc = credential_load(NULL, &c, err, err_size);
    if (rc == 0)
        credential_free(&c);
    set_credential_env(NULL, NULL);
    return rc;
}

/* A v3 key put in TMDB_API_TOKEN (or a token file) went out as a bearer
 * token, and TMDB's 401 "Invalid API key" sent its owner to make a new key.
 * Refused before any request, naming the variable to use, the key not
 * shown; a v4 token in TMDB_API_KEY the same way round. */
static void test_a_key_for_a_token_is_named_not_sent(void **state) {
    (void)state;
    const char *key = "0123456789abcdef0123456789abcdef";
    const char *token = "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiIwMTIzIn0.s3cr3tsignature";
    char err[256];
    assert_int_equal(load_env(key, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "TMDB_API_TOKEN is a v3 API key"));
    assert_non_null(strstr(err, "give it as TMDB_API_KEY instead, and unset TMDB_API_TOKEN"));
    assert_null(strstr(err, "0123456789abcdef"));
    /* in capitals too, A to F */
    assert_int_equal(load_env("0123456789ABCDEF0123456789ABCDEF", NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "TMDB_API_TOKEN is a v3 API key"));
    /* TMDB_API_KEY set as well: TMDB_API_TOKEN is read first, so unsetting
     * it is the fix, not setting the one already set */
    assert_int_equal(load_env(key, key, err, sizeof err), -1);
    assert_non_null(strstr(err, "unset TMDB_API_TOKEN"));
    assert_int_equal(load_env(NULL, token, err, sizeof err), -1);
    assert_non_null(strstr(err, "TMDB_API_KEY is a v4 read access token"));
    assert_non_null(strstr(err, "set TMDB_API_TOKEN to it instead"));
    assert_null(strstr(err, "s3cr3t"));
    /* each where it belongs is taken, and so is a token that is no JWT */
    assert_int_equal(load_env(token, NULL, err, sizeof err), 0);
    assert_int_equal(load_env(NULL, key, err, sizeof err), 0);
    assert_int_equal(load_env("e2e-token-0123456789abcdef", NULL, err, sizeof err), 0);
    assert_int_equal(load_env("0123456789abcdef0123456789abcdef0", NULL, err, sizeof err), 0);
    /* 32 characters, but not all hex digits (one past each range) */
    assert_int_equal(load_env("0123456789abcdef0123456789abcdeg", NULL, err, sizeof err), 0);
    assert_int_equal(load_env("0123456789ABCDEF0123456789ABCDEG", NULL, err, sizeof err), 0);
    assert_int_equal(load_env("0123456789abcdef0123456789abcde:", NULL, err, sizeof err), 0);
    assert_int_equal(load_env("0123456789abcdef0123456789abcde`", NULL, err, sizeof err), 0);
    /* a token is a JWT, two dots: "eyJ" and one dot is not called one */
    assert_int_equal(load_env(NULL, "eyJhbGciOiJIUzI1NiJ9.e30", err, sizeof err), 0);

    assert_int_equal(load_file(key, err, sizeof err), -1);
    assert_non_null(strstr(err, "--token-file is a v3 API key"));
}

/* also_set_of(TOKEN, KEY, FILE_LINE): credential_load() with those
 * variables (NULL unsets) and a token file holding FILE_LINE (NULL: none);
 * the sources it reports set but not read, "-" for none. */
static const char *also_set_of(const char *token, const char *key, const char *file_line) {
    static char out[64];
    char path[] = "/tmp/test_credential.XXXXXX";
    if (file_line)
        write_token_file(path, file_line);
    set_credential_env(token, key);
    struct credential c;
    char err[256];
    assert_int_equal(credential_load(file_line ? path : NULL, &c, err, sizeof err), 0);
    snprintf(out, sizeof out, "%s", c.also_set ? c.also_set : "-");
    credential_free(&c);
    if (file_line)
        unlink(path);
    set_credential_env(NULL, NULL);
    return out;
}

/* A stale TMDB_API_TOKEN (the README's placeholder, an old token in a
 * profile) is read before a right TMDB_API_KEY, and TMDB's 401 says
 * "Invalid API key" of the key that was not sent: the sources set but not
 * read are kept, for the 401 to name. */
static void test_the_sources_not_read_are_named(void **state) {
    (void)state;
    const char *key = "0123456789abcdef0123456789abcdef";
    const char *token = "eyJhbGciOi...";
    assert_string_equal(also_set_of(token, key, NULL), "TMDB_API_KEY");
    assert_string_equal(also_set_of(token, NULL, NULL), "-");
    assert_string_equal(also_set_of(NULL, key, NULL), "-");
    assert_string_equal(also_set_of(token, key, token), "TMDB_API_TOKEN and TMDB_API_KEY");
    assert_string_equal(also_set_of(token, NULL, token), "TMDB_API_TOKEN");
    assert_string_equal(also_set_of(NULL, key, token), "TMDB_API_KEY");
    assert_string_equal(also_set_of(NULL, NULL, token), "-");
    /* set empty is not set (`Environment=TMDB_API_KEY=`) */
    assert_string_equal(also_set_of(token, "", NULL), "-");
}

/* A token file that cannot be read says why, as the system does: a
 * directory (which fopen() opens) said only "read error"; one too large
 * to be a token is refused, none of it shown. Blanks around the token (an
 * editor's indent, a CRLF) are not part of it. */
static void test_token_file_errors_say_why(void **state) {
    (void)state;
    struct credential c;
    char err[256];
    assert_int_equal(credential_load("/nonexistent/token", &c, err, sizeof err), -1);
    assert_string_equal(err,
                        "cannot read token file /nonexistent/token: No such file or directory");
    assert_int_equal(credential_load("/", &c, err, sizeof err), -1);
    assert_string_equal(err, "cannot read token file /: Is a directory");

    char big[5000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(load_file(big, err, sizeof err), -1);
    assert_non_null(strstr(err, ": too large to be a token"));
    assert_null(strstr(err, "aaaa"));
    /* the longest token taken, 4096 characters, as from the environment:
     * its newline is not part of it (before, 4096 bytes with the newline
     * were the most a file could hold) */
    big[4096] = '\0';
    assert_int_equal(load_file(big, err, sizeof err), 0);
    big[4096] = 'a';
    big[4097] = '\0';
    assert_int_equal(load_file(big, err, sizeof err), -1);
    assert_string_equal(err, "the credential from --token-file is longer than 4096 characters, "
                             "which no token or key is");
    setenv("TMDB_API_TOKEN", big, 1);
    assert_int_equal(credential_load(NULL, &c, err, sizeof err), -1);
    unsetenv("TMDB_API_TOKEN");
    assert_string_equal(err, "the credential from TMDB_API_TOKEN is longer than 4096 characters, "
                             "which no token or key is");
    big[4096] = '\0';
    setenv("TMDB_API_TOKEN", big, 1);
    assert_int_equal(credential_load(NULL, &c, err, sizeof err), 0);
    unsetenv("TMDB_API_TOKEN");
    credential_free(&c);

    char path[] = "/tmp/test_credential.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, " \teyJhbGciOiJIUzI1NiJ9.e30.sig \t\r\n", 34), 34);
    close(fd);
    int rc = credential_load(path, &c, err, sizeof err);
    unlink(path);
    assert_int_equal(rc, 0);
    assert_string_equal(c.token, "eyJhbGciOiJIUzI1NiJ9.e30.sig");
    assert_string_equal(c.source, "--token-file");
    credential_free(&c);
}

/* A token file others may read or write is warned of, naming it and its
 * mode; one only its owner may is not. The owner this process is (or root,
 * which reads anything) is told chmod 600; another user's owner is named,
 * and this user told to chown it too (chmod alone would lock it out). */
static void test_token_file_warning_says_what_to_do(void **state) {
    (void)state;
    char buf[512];
    struct credential c = {.file_mode = 0600, .file_uid = geteuid()};
    assert_false(credential_file_warning("/etc/t", &c, buf, sizeof buf));
    assert_string_equal(buf, "");
    c.file_mode = 0644;
    assert_true(credential_file_warning("/etc/t", &c, buf, sizeof buf));
    assert_string_equal(buf,
                        "token file /etc/t may be read by other users (mode 644): chmod 600 it");
    c.file_mode = 0662;
    assert_true(credential_file_warning("/etc/t", &c, buf, sizeof buf));
    assert_non_null(strstr(buf, "may be written by other users (mode 662)"));
    c.file_uid = geteuid() + 1;
    assert_true(credential_file_warning("/etc/t", &c, buf, sizeof buf));
    if (geteuid() == 0)
        assert_non_null(strstr(buf, ": chmod 600 it")); /* root reads it whatever its mode */
    else
        assert_non_null(strstr(buf, "chmod 600 alone would keep"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_login_encoded),
        cmocka_unit_test(test_every_occurrence_replaced),
        cmocka_unit_test(test_growth_is_cut_at_the_buffer),
        cmocka_unit_test(test_a_cut_secret_at_the_end_goes_too),
        cmocka_unit_test(test_the_url_encoded_key_goes_too),
        cmocka_unit_test(test_the_longest_secret_encoded_goes_too),
        cmocka_unit_test(test_a_mark_is_not_scrubbed_again),
        cmocka_unit_test(test_a_bearer_prefix_is_named_not_shown),
        cmocka_unit_test(test_a_byte_order_mark_is_named),
        cmocka_unit_test(test_a_key_for_a_token_is_named_not_sent),
        cmocka_unit_test(test_the_sources_not_read_are_named),
        cmocka_unit_test(test_token_file_errors_say_why),
        cmocka_unit_test(test_token_file_warning_says_what_to_do),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
