/* fuzz_error.c - libFuzzer target for tmdb_parse_error() (error bodies:
 * JSON of any shape, CDN HTML, truncated) and tmdb_redact_url(). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tmdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    int code;
    char message[64];
    tmdb_parse_error((const char *)data, size, &code, message, sizeof message);
    if (strlen(message) >= sizeof message)
        __builtin_trap();
    char *url = malloc(size + 1);
    if (!url)
        return 0;
    memcpy(url, data, size);
    url[size] = '\0';
    char out[96];
    tmdb_redact_url(url, out, sizeof out);
    free(url);
    return 0;
}
