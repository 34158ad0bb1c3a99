/* test_clock.c - UTC day numbers: dates parsed and formatted, the day of a
 * time (before the epoch too), today; deadlines for the timed waits. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "clock.h"

/* While fake_now_on, the clocks read fake_now (clock_deadline_in()'s
 * calls, and this file's, go to __wrap_clock_gettime). Volatile: built
 * with -flto, the optimiser sees clock.c call clock_gettime(), which it
 * takes to read neither, and dropped the stores that set them (the
 * linker makes that call __wrap_clock_gettime only after). */
static volatile bool fake_now_on;
static volatile struct timespec fake_now;
int __real_clock_gettime(clockid_t clock, struct timespec *ts);
int __wrap_clock_gettime(clockid_t clock, struct timespec *ts);
int __wrap_clock_gettime(clockid_t clock, struct timespec *ts) {
    if (!fake_now_on)
        return __real_clock_gettime(clock, ts);
    *ts = fake_now;
    return 0;
}

static void test_known_day_numbers(void **state) {
    (void)state;
    static const struct {
        const char *date;
        long day;
    } known[] = {
        {"1970-01-01", 0},     {"1969-12-31", -1},      {"1900-01-01", -25567},
        {"2000-02-29", 11016}, {"2000-03-01", 11017},   {"2024-02-29", 19782},
        {"2026-11-25", 20782}, {"9999-12-31", 2932896},
    };
    for (size_t i = 0; i < sizeof known / sizeof *known; i++) {
        long day = 0;
        if (clock_parse_date(known[i].date, &day) != 0 || day != known[i].day)
            fail_msg("%s: wanted day %ld, got %ld", known[i].date, known[i].day, day);
        char out[CLOCK_DATE_SIZE];
        clock_format_date(known[i].day, out);
        assert_string_equal(out, known[i].date);
    }
}

/* Every day from 1900 through 2100 (leap days, 1900 and 2100 that are not
 * leap years, 2000 that is) survives format then parse, one day apart. */
static void test_round_trip_every_day(void **state) {
    (void)state;
    long first, last;
    assert_int_equal(clock_parse_date("1900-01-01", &first), 0);
    assert_int_equal(clock_parse_date("2100-12-31", &last), 0);
    assert_int_equal(last - first + 1, 201 * 365 + 49); /* leap years 1904, 1908, ... 2096 */
    for (long d = first; d <= last; d++) {
        char s[CLOCK_DATE_SIZE];
        clock_format_date(d, s);
        long back = -99999999;
        if (strlen(s) != 10 || clock_parse_date(s, &back) != 0 || back != d)
            fail_msg("day %ld formats as '%s', which parses to %ld", d, s, back);
    }
}

static void test_leap_days(void **state) {
    (void)state;
    long day;
    assert_int_equal(clock_parse_date("2024-02-29", &day), 0);
    assert_int_equal(clock_parse_date("2000-02-29", &day), 0);
    assert_int_equal(clock_parse_date("2400-02-29", &day), 0);
    assert_int_equal(clock_parse_date("2025-02-29", &day), -1);
    assert_int_equal(clock_parse_date("1900-02-29", &day), -1);
    assert_int_equal(clock_parse_date("2100-02-29", &day), -1);
    assert_int_equal(clock_parse_date("2024-02-30", &day), -1);
}

static void test_rejected_dates(void **state) {
    (void)state;
    const char *bad[] = {
        "2026-13-01",  "2026-00-10",  "2026-11-00",  "2026-11-31", "2026-04-31", "2026-01-32",
        "1899-12-31",  "0000-01-01",  "2026-1-25",   "2026-11-5",  "26-11-25",   "20261125",
        "2026-11-255", "2026-11-25 ", " 2026-11-25", "",           "2026/11/25", "2026-11/25",
        "2026_11_25",  "2026-0a-25",  "+026-11-25",  "2026-+1-25", "2026--1-25", "yyyy-mm-dd",
        "2:26-11-25",  "2026-11-2:", /* ':' follows '9': not a digit, though its value fits */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        long day = 0;
        if (clock_parse_date(bad[i], &day) != -1)
            fail_msg("'%s' was accepted as day %ld", bad[i], day);
    }
}

static void test_day_of_time(void **state) {
    (void)state;
    assert_int_equal(clock_day_of(0), 0);
    assert_int_equal(clock_day_of(86399), 0);
    assert_int_equal(clock_day_of(86400), 1);
    assert_int_equal(clock_day_of(20782LL * 86400), 20782);     /* exact midnight */
    assert_int_equal(clock_day_of(20782LL * 86400 - 1), 20781); /* a second before */
    /* before the epoch the day rounds down, not toward zero */
    assert_int_equal(clock_day_of(-1), -1);
    assert_int_equal(clock_day_of(-86399), -1);
    assert_int_equal(clock_day_of(-86400), -1);
    assert_int_equal(clock_day_of(-86401), -2);
    assert_int_equal(clock_day_of(-25567LL * 86400), -25567);
    assert_int_equal(clock_day_of(-25567LL * 86400 + 1), -25567);
    assert_int_equal(clock_day_of(-25567LL * 86400 - 1), -25568);
}

static void test_format_before_the_epoch(void **state) {
    (void)state;
    char s[CLOCK_DATE_SIZE];
    clock_format_date(-1, s);
    assert_string_equal(s, "1969-12-31");
    clock_format_date(-365, s);
    assert_string_equal(s, "1969-01-01");
}

/* A day's first second as ISO 8601, and the day of a stored timestamp. */
static void test_iso_days(void **state) {
    (void)state;
    char iso[CLOCK_ISO_SIZE];
    clock_format_day_start(20782, iso);
    assert_string_equal(iso, "2026-11-25T00:00:00Z");
    assert_int_equal(clock_day_of_iso("2026-11-25T23:59:59Z"), 20782);
    assert_int_equal(clock_day_of_iso(iso), 20782);
    assert_int_equal(clock_day_of_iso("2026-11-25"), 20782);
    assert_true(clock_day_of_iso("") == LONG_MAX);
    assert_true(clock_day_of_iso("2026-13-01T00:00:00Z") == LONG_MAX);
    clock_format_iso(20782LL * 86400 + 23 * 3600 + 59 * 60 + 58, iso);
    assert_string_equal(iso, "2026-11-25T23:59:58Z");
}

/* A deadline carries whole seconds over and keeps nanoseconds below one. */
static void test_deadline(void **state) {
    (void)state;
    for (long ms = 0; ms <= 2000; ms += 250) {
        struct timespec now, d = clock_deadline_in(CLOCK_MONOTONIC, ms);
        clock_gettime(CLOCK_MONOTONIC, &now);
        assert_true(d.tv_nsec >= 0 && d.tv_nsec < 1000000000L);
        double ahead = (double)(d.tv_sec - now.tv_sec) + (double)(d.tv_nsec - now.tv_nsec) / 1e9;
        double want = (double)ms / 1000.0;
        assert_true(ahead <= want && ahead > want - 0.5);
    }
}

/* Nanoseconds that add up to exactly one second carry it too: a tv_nsec of
 * 1000000000 makes the timed waits fail with EINVAL. */
static void test_deadline_on_a_whole_second(void **state) {
    (void)state;
    fake_now = (struct timespec){.tv_sec = 100, .tv_nsec = 750000000L};
    fake_now_on = true;
    struct timespec whole = clock_deadline_in(CLOCK_MONOTONIC, 250);
    struct timespec and_one = clock_deadline_in(CLOCK_MONOTONIC, 1250);
    struct timespec short_of = clock_deadline_in(CLOCK_MONOTONIC, 249);
    fake_now_on = false;
    assert_int_equal(whole.tv_sec, 101);
    assert_int_equal(whole.tv_nsec, 0);
    assert_int_equal(and_one.tv_sec, 102);
    assert_int_equal(and_one.tv_nsec, 0);
    assert_int_equal(short_of.tv_sec, 100);
    assert_int_equal(short_of.tv_nsec, 999000000L);
}

static void test_today(void **state) {
    (void)state;
    long before = clock_day_of((long long)time(NULL));
    long today = clock_today();
    long after = clock_day_of((long long)time(NULL));
    assert_true(today >= before && today <= after);
    assert_true(today > 20000); /* after 2024-10-04: the clock is not at the epoch */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_day_numbers),
        cmocka_unit_test(test_round_trip_every_day),
        cmocka_unit_test(test_leap_days),
        cmocka_unit_test(test_rejected_dates),
        cmocka_unit_test(test_day_of_time),
        cmocka_unit_test(test_format_before_the_epoch),
        cmocka_unit_test(test_iso_days),
        cmocka_unit_test(test_deadline),
        cmocka_unit_test(test_deadline_on_a_whole_second),
        cmocka_unit_test(test_today),
    };
    return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}
