/*
 * clock.h - the two clocks the tool reads: a monotonic one for intervals
 * (batches, backoff, rate limiting) and UTC wall time for what is stored
 * (fetched_at, runs.started_at). Pure; any thread.
 */
#ifndef TMDB_CLOCK_H
#define TMDB_CLOCK_H

/* Size of a buffer for clock_utc_iso(). */
#define CLOCK_ISO_SIZE 32

/* Monotonic time in seconds (for intervals only). */
double clock_monotonic_s(void);

/* Monotonic time in milliseconds (for intervals only). */
long long clock_monotonic_ms(void);

/* The current UTC time as ISO 8601 with second precision: "2026-11-24T03:30:00Z". */
void clock_utc_iso(char out[CLOCK_ISO_SIZE]);

#endif
