/*
 * test_mem.c - xasprintf() and arena_printf() format once into a stack
 * buffer and copy: every length around that buffer's size gives what
 * snprintf gives, on the heap and in an arena
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/mem.h"

static void
test_printf_lengths(void **state)
{
	static char fill[2100], want[2200];
	struct arena a;

	(void)state;
	memset(fill, 'a', sizeof(fill) - 1);
	for (size_t i = 0; i < sizeof(fill) - 1; i++)
		fill[i] = (char)('a' + i % 26);
	arena_init(&a, 1024);
	for (int len = 0; len < 2000; len += len < 530 ? 1 : 97) {
		char *h, *r;

		snprintf(want, sizeof(want), "<%.*s|%d|%s>", len, fill, len,
		    "é");
		h = xasprintf("<%.*s|%d|%s>", len, fill, len, "é");
		r = arena_printf(&a, "<%.*s|%d|%s>", len, fill, len, "é");
		assert_string_equal(h, want);
		assert_string_equal(r, want);
		free(h);
	}
	assert_string_equal(arena_printf(&a, "%s", ""), "");
	arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_printf_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
