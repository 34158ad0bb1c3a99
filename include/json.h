/*
 * json.h - small helpers over cJSON shared by the parsers of TMDB bodies
 * (movie.c, tmdb.c). Pure functions; any thread.
 */
#ifndef TMDB_JSON_H
#define TMDB_JSON_H

#include <stdbool.h>
#include <stdint.h>

struct cJSON;

/*
 * Read an integral JSON number through cJSON's double (exact up to 2^53),
 * never through valueint, which saturates at 2^31. Returns false when the
 * item is NULL or not a number, is not integral, or lies beyond +-2^53.
 */
bool json_int64(const struct cJSON *item, int64_t *out);

/* cJSON's version ("1.7.15"). */
const char *json_library_version(void);

#endif
