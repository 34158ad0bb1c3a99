/* test_arena.c - the bump allocator behind a parsed movie. */
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "arena.h"

/* Under AddressSanitizer the arena follows each allocation with a red zone
 * of this many bytes (arena.c); elsewhere allocations are packed. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define REDZONE alignof(max_align_t)
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(REDZONE)
#define REDZONE alignof(max_align_t)
#endif
#ifndef REDZONE
#define REDZONE 0
#endif

static void test_allocations_are_aligned_and_distinct(void **state) {
    (void)state;
    struct arena *a = arena_new(64);
    assert_non_null(a);
    char *prev = NULL;
    for (size_t size = 1; size < 200; size += 7) {
        char *p = arena_alloc(a, size);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
        memset(p, 0xab, size); /* ASan and valgrind check the bounds */
        assert_ptr_not_equal(p, prev);
        prev = p;
    }
    assert_non_null(arena_alloc(a, 0)); /* a distinct, valid pointer */
    arena_free(a);
    arena_free(NULL);
}

static void test_grows_by_doubling_and_fits_large_requests(void **state) {
    (void)state;
    struct arena *a = arena_new(1024);
    size_t first = arena_capacity(a);
    assert_true(first >= 1024);
    for (int i = 0; i < 64; i++) /* fill the first block and more */
        assert_non_null(arena_alloc(a, 100));
    size_t grown = arena_capacity(a);
    assert_true(grown >= 3 * first);     /* first + a block of twice its size */
    char *big = arena_alloc(a, 1 << 20); /* larger than doubling gives */
    assert_non_null(big);
    memset(big, 1, 1 << 20);
    assert_true(arena_capacity(a) >= grown + (1 << 20));
    arena_free(a);
}

/* A first block of n bytes holds n bytes of aligned allocations: it is
 * filled to its last byte before a second block is made. */
static void test_a_block_is_filled_before_the_next(void **state) {
    (void)state;
    const size_t piece = alignof(max_align_t);
    struct arena *a = arena_new(1024);
    size_t first = arena_capacity(a);
    for (size_t used = 0; used < 1024; used += piece + REDZONE)
        assert_non_null(arena_alloc(a, piece));
    assert_int_equal(arena_capacity(a), first);
    assert_non_null(arena_alloc(a, 1)); /* the first block is full */
    assert_true(arena_capacity(a) > first);
    arena_free(a);
}

static void test_calloc_zeroes_and_checks_overflow(void **state) {
    (void)state;
    struct arena *a = arena_new(0);
    unsigned char *p = arena_alloc(a, 256);
    memset(p, 0xff, 256);
    int64_t *z = arena_calloc(a, 32, sizeof *z);
    assert_non_null(z);
    for (int i = 0; i < 32; i++)
        assert_int_equal(z[i], 0);
    assert_null(arena_calloc(a, SIZE_MAX / 2, 4));
    assert_null(arena_alloc(a, SIZE_MAX - 8));
    assert_non_null(arena_alloc(a, 16)); /* still usable after a refusal */
    arena_free(a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_allocations_are_aligned_and_distinct),
        cmocka_unit_test(test_grows_by_doubling_and_fits_large_requests),
        cmocka_unit_test(test_a_block_is_filled_before_the_next),
        cmocka_unit_test(test_calloc_zeroes_and_checks_overflow),
    };
    return cmocka_run_group_tests_name("arena", tests, NULL, NULL);
}
