/* fuzz_movie.c - libFuzzer target for movie_parse(), the parser of every
 * details body. The first 4 bytes choose the expected id (so id mismatch
 * paths are reached); the rest is the body. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "json.h"
#include "movie.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parse as tmdb-ingest does: cJSON's nodes in the movie's arena (whose
 * allocations carry poisoned red zones under ASan). */
int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    json_global_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint32_t id = 0;
    if (size >= 4) {
        memcpy(&id, data, 4);
        data += 4;
        size -= 4;
    }
    struct movie *m = NULL;
    char reason[160];
    if (movie_parse((const char *)data, size, id % 1000000, &m, reason, sizeof reason) ==
        MOVIE_OK) {
        /* touch what the writer will read */
        size_t n = m->raw_len;
        for (size_t i = 0; i < m->n_genres; i++)
            n += strlen(m->genres[i].name);
        for (size_t i = 0; i < m->n_companies; i++)
            n += strlen(m->companies[i].name);
        if (m->title)
            n += strlen(m->title);
        for (size_t i = 0; i < m->n_cast; i++)
            n += strlen(m->cast[i].person.name) + strlen(m->cast[i].credit_id);
        for (size_t i = 0; i < m->n_crew; i++)
            n += strlen(m->crew[i].person.name) + strlen(m->crew[i].credit_id);
        for (size_t i = 0; i < m->n_keywords; i++)
            n += strlen(m->keywords[i].name);
        for (size_t i = 0; i < m->n_release_dates; i++)
            n += strlen(m->release_dates[i].iso_3166_1);
        for (size_t i = 0; i < m->n_translations; i++)
            n += strlen(m->translations[i].iso_639_1) + strlen(m->translations[i].iso_3166_1);
        (void)n;
    }
    movie_free(m);
    return 0;
}
