/* fuzz_list_page.c - libFuzzer target for tmdb_parse_list_page(). */
#include <stddef.h>
#include <stdint.h>

#include "tmdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct tmdb_list_page page;
    char reason[128];
    if (tmdb_parse_list_page((const char *)data, size, &page, reason, sizeof reason) == 0 &&
        page.n_ids > sizeof page.ids / sizeof *page.ids)
        __builtin_trap();
    return 0;
}
