/* clock.c - see clock.h. */
#include "clock.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

double clock_monotonic_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct timespec clock_deadline_in(clockid_t clock, long ms) {
    struct timespec deadline;
    clock_gettime(clock, &deadline);
    deadline.tv_sec += ms / 1000;
    deadline.tv_nsec += (ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    return deadline;
}

double clock_thread_cpu_s(void) {
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

long long clock_monotonic_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void clock_format_iso(long long t, char out[CLOCK_ISO_SIZE]) {
    time_t when = (time_t)t;
    struct tm tm;
    gmtime_r(&when, &tm);
    strftime(out, CLOCK_ISO_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void clock_utc_iso(char out[CLOCK_ISO_SIZE]) {
    clock_format_iso((long long)time(NULL), out);
}

void clock_utc_iso_ago(long long seconds_ago, char out[CLOCK_ISO_SIZE]) {
    clock_format_iso((long long)time(NULL) - seconds_ago, out);
}

long clock_day_of(long long t) {
    long long day = t / 86400;
    if (t < 0 && t % 86400 != 0)
        day--;
    return (long)day;
}

long clock_today(void) {
    return clock_day_of((long long)time(NULL));
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil). */
static long days_from_civil(long y, unsigned m, unsigned d) {
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

int clock_parse_date(const char *s, long *day) {
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    long y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    unsigned m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
    unsigned d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
    static const unsigned mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
        return -1;
    *day = days_from_civil(y, m, d);
    return 0;
}

void clock_format_date(long day, char out[CLOCK_DATE_SIZE]) {
    time_t t = (time_t)day * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, CLOCK_DATE_SIZE, "%Y-%m-%d", &tm);
}

void clock_format_day_start(long day, char out[CLOCK_ISO_SIZE]) {
    char date[CLOCK_DATE_SIZE];
    clock_format_date(day, date);
    snprintf(out, CLOCK_ISO_SIZE, "%sT00:00:00Z", date);
}

long clock_day_of_iso(const char *iso) {
    char date[CLOCK_DATE_SIZE];
    long day;
    snprintf(date, sizeof date, "%.10s", iso);
    return clock_parse_date(date, &day) == 0 ? day : LONG_MAX;
}
