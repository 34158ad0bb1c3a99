/*
 * clock.h - the clocks the tool reads: a monotonic one for intervals
 * (batches, backoff, rate limiting), UTC wall time for what is stored
 * (fetched_at, runs.started_at), and the calling thread's CPU time (for the
 * debug log's account of where the CPU went). Pure; any thread.
 */
#ifndef TMDB_CLOCK_H
#define TMDB_CLOCK_H

#include <time.h>

/* Size of a buffer for clock_utc_iso(). */
#define CLOCK_ISO_SIZE 32

/* Monotonic time in seconds (for intervals only). */
double clock_monotonic_s(void);

/* Monotonic time in milliseconds (for intervals only). */
long long clock_monotonic_ms(void);

/* The time `ms` milliseconds from now on `clock`: a deadline for the timed
 * waits that take one (sem_clockwait, pthread_cond_timedwait). */
struct timespec clock_deadline_in(clockid_t clock, long ms);

/* CPU time (user + system) the calling thread has used, in seconds. */
double clock_thread_cpu_s(void);

/* Size of a buffer for a date "YYYY-MM-DD". */
#define CLOCK_DATE_SIZE 11

/* Dates are counted in whole UTC days since 1970-01-01 (a "day number"). */

/* Today's UTC day number. */
long clock_today(void);

/* The UTC day number of time `t` (seconds since the epoch). */
long clock_day_of(long long t);

/* Parse "YYYY-MM-DD" (a real calendar date, 1900..9999) into a day number.
 * Returns 0, or -1 when it is not one. */
int clock_parse_date(const char *s, long *day);

/* Format a day number as "YYYY-MM-DD". */
void clock_format_date(long day, char out[CLOCK_DATE_SIZE]);

/* The first second of a day number as ISO 8601: "2026-11-24T00:00:00Z". */
void clock_format_day_start(long day, char out[CLOCK_ISO_SIZE]);

/* The day number of an ISO 8601 time ("2026-11-24T03:30:00Z": its first
 * ten characters), or LONG_MAX when it does not start with a date. */
long clock_day_of_iso(const char *iso);

/* The UTC time `seconds_ago` seconds before now, as ISO 8601 (for
 * comparisons with stored timestamps). */
void clock_utc_iso_ago(long long seconds_ago, char out[CLOCK_ISO_SIZE]);

/* The current UTC time as ISO 8601 with second precision: "2026-11-24T03:30:00Z". */
void clock_utc_iso(char out[CLOCK_ISO_SIZE]);

/* Time `t` (seconds since the epoch) as clock_utc_iso() writes it. */
void clock_format_iso(long long t, char out[CLOCK_ISO_SIZE]);

#endif
