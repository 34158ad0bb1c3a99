/* fuzz_list_page.c - libFuzzer target for tmdb_parse_list_page(). */
#include <stddef.h>
#include <stdint.h>

#include "tmdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct tmdb_list_page page;
    char reason[128];
    if (tmdb_parse_list_page((const char *)data, size, &page, reason, sizeof reason) != 0)
        return 0;
    if (page.n_ids + page.n_bad > TMDB_PAGE_MAX_RESULTS)
        __builtin_trap();
    for (size_t i = 0; i < page.n_bad; i++) /* in page order, each a real position */
        if (page.bad[i].position < 1 || page.bad[i].position > (int)(page.n_ids + page.n_bad) ||
            (i > 0 && page.bad[i].position <= page.bad[i - 1].position) || !page.bad[i].why)
            __builtin_trap();
    return 0;
}
