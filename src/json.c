/* json.c - see json.h. */
#include "json.h"

#include <cjson/cJSON.h>
#include <math.h>

/* 2^53: beyond it a double no longer holds every integer. */
#define JSON_EXACT_LIMIT 9007199254740992.0

bool json_int64(const cJSON *item, int64_t *out) {
    if (!cJSON_IsNumber(item))
        return false;
    double d = item->valuedouble;
    if (!isfinite(d) || d != floor(d) || fabs(d) > JSON_EXACT_LIMIT)
        return false;
    *out = (int64_t)d;
    return true;
}

const char *json_library_version(void) {
    return cJSON_Version();
}
