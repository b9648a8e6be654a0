/*
 * test_store_util.c - the array literals and column copies every store
 * file builds its parameters with: what a sender puts in an address, a
 * subject or a Message-ID stays one element, and nothing overflows
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sql/store_util.h"

static void
test_literal_quotes_every_element(void **state)
{
	const char *v[] = { "a@b", "x\"y", "back\\slash", "a,b", "{c}", "",
		"NULL", " spaced " };
	struct buf b = BUF_INIT(1024);

	(void)state;
	assert_int_equal(store_array_literal(&b, v, 8), 0);
	/* NULL stays the text NULL, a comma or a brace stays inside its
	 * element, quotes and backslashes are escaped */
	assert_string_equal(buf_str(&b), "{\"a@b\",\"x\\\"y\","
	    "\"back\\\\slash\",\"a,b\",\"{c}\",\"\",\"NULL\",\" spaced \"}");
	buf_free(&b);
}

static void
test_element_escapes_at_its_ends_and_between_runs(void **state)
{
	struct buf b = BUF_INIT(256);

	(void)state;
	assert_int_equal(store_array_element(&b, "\\start"), 0);
	assert_int_equal(store_array_element(&b, "end\""), 0);
	assert_int_equal(store_array_element(&b, "\"\"\\"), 0);
	assert_int_equal(store_array_element(&b, "a long run\\then\"x"), 0);
	assert_int_equal(store_array_element(&b, NULL), 0);
	assert_string_equal(buf_str(&b), "\"\\\\start\"\"end\\\"\""
	    "\"\\\"\\\"\\\\\"\"a long run\\\\then\\\"x\"\"\"");
	buf_free(&b);
}

static void
test_literal_of_nothing_is_empty(void **state)
{
	struct buf b = BUF_INIT(16);
	char *s;

	(void)state;
	assert_int_equal(store_array_literal(&b, NULL, 0), 0);
	assert_string_equal(buf_str(&b), "{}");
	buf_free(&b);
	s = array_literal(NULL, 0);
	assert_string_equal(s, "{}");
	free(s);
}

static void
test_literal_past_its_cap_fails(void **state)
{
	const char *v[] = { "0123456789", "\"\"\"\"\"\"" };
	struct buf b = BUF_INIT(12);

	(void)state;
	assert_int_not_equal(store_array_literal(&b, v, 2), 0);
	assert_true(b.len <= 12);
	buf_free(&b);
	/* one escape too many is enough to go past it */
	b = (struct buf)BUF_INIT(14);
	assert_int_not_equal(store_array_literal(&b, v + 1, 1), 0);
	buf_free(&b);
}

static void
test_array_literal_is_a_string_of_its_own(void **state)
{
	const char *v[] = { "<1@x>", "<2@\"y\">" };
	char *s;

	(void)state;
	s = array_literal(v, 2);
	assert_string_equal(s, "{\"<1@x>\",\"<2@\\\"y\\\">\"}");
	free(s);
}

static void
test_copy_field_cuts_and_keeps_null_out(void **state)
{
	/* read at run time, as a column would be */
	const char *volatile longer = "abcdef";
	char small[4], big[16];

	(void)state;
	memset(small, 'z', sizeof(small));
	copy_field(small, sizeof(small), longer);
	assert_string_equal(small, "abc");
	copy_field(big, sizeof(big), NULL);
	assert_string_equal(big, "");
	copy_field(big, sizeof(big), "P1");
	assert_string_equal(big, "P1");
}

/* The binary form array_recv() reads: dimensions, NULL flag, type, then
 * the dimension's size and lower bound, each element its length first. */
static void
test_binary_array_counts_its_elements(void **state)
{
	static const unsigned char want[] = {
		0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 17, 0, 0, 0, 2, 0, 0, 0, 1,
		0, 0, 0, 3, 'a', '\0', 'b', 0, 0, 0, 0 };
	struct buf b = BUF_INIT(1024);

	(void)state;
	assert_int_equal(store_bin_array_begin(&b, STORE_BYTEA_OID), 0);
	assert_int_equal(store_bin_array_add(&b, "a\0b", 3), 0);
	assert_int_equal(store_bin_array_add(&b, "", 0), 0);
	store_bin_array_end(&b);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	buf_free(&b);
}

static void
test_binary_array_of_nothing_has_no_dimension(void **state)
{
	static const unsigned char want[] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 17 };
	struct buf b = BUF_INIT(1024);

	(void)state;
	assert_int_equal(store_bin_array_begin(&b, STORE_BYTEA_OID), 0);
	store_bin_array_end(&b);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	assert_int_equal(b.data[b.len], '\0');
	/* past its cap: refused, what came before kept */
	buf_free(&b);
	b = (struct buf)BUF_INIT(30);
	assert_int_equal(store_bin_array_begin(&b, STORE_BYTEA_OID), 0);
	assert_int_equal(store_bin_array_add(&b, "12345", 5), 0);
	assert_int_equal(store_bin_array_add(&b, "123", 3), GC_ELIMIT);
	assert_int_equal(b.data[15], 1);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literal_quotes_every_element),
		cmocka_unit_test(test_element_escapes_at_its_ends_and_between_runs),
		cmocka_unit_test(test_literal_of_nothing_is_empty),
		cmocka_unit_test(test_literal_past_its_cap_fails),
		cmocka_unit_test(test_array_literal_is_a_string_of_its_own),
		cmocka_unit_test(test_copy_field_cuts_and_keeps_null_out),
		cmocka_unit_test(test_binary_array_counts_its_elements),
		cmocka_unit_test(test_binary_array_of_nothing_has_no_dimension),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
