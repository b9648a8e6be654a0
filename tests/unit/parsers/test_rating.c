/*
 * test_rating.c - a customer's rating is a lone digit 1-5 at the top of
 * the reply, and nothing else is
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "parsers/rating.h"

static void
test_ratings(void **state)
{
	const char *c;
	int s;

	(void)state;
	assert_true(rating_parse("5", &s, &c));
	assert_int_equal(s, 5);
	assert_string_equal(c, "");
	assert_true(rating_parse("\n\n  4 - quick and kind\nThanks\n", &s,
	    &c));
	assert_int_equal(s, 4);
	assert_string_equal(c, "quick and kind\nThanks\n");
	assert_true(rating_parse("3/5, slow\n", &s, &c));
	assert_int_equal(s, 3);
	assert_string_equal(c, "slow\n");
	assert_true(rating_parse("1.\r\nNot solved really", &s, &c));
	assert_int_equal(s, 1);
	assert_string_equal(c, "Not solved really");
	assert_true(rating_parse("5!", &s, &c));
	assert_int_equal(s, 5);
	assert_true(rating_parse("4: fine\n", &s, &c));
	assert_string_equal(c, "fine\n");
}

static void
test_not_ratings(void **state)
{
	const char *c;
	int s = 0;

	(void)state;
	assert_false(rating_parse(NULL, &s, &c));
	assert_false(rating_parse("", &s, &c));
	assert_false(rating_parse("0", &s, &c));
	assert_false(rating_parse("6", &s, &c));
	assert_false(rating_parse("10 out of 10", &s, &c));
	assert_false(rating_parse("5; DROP TABLE tickets", &s, &c));
	assert_false(rating_parse("5stars", &s, &c));
	assert_false(rating_parse("five", &s, &c));
	assert_false(rating_parse("-1", &s, &c));
	assert_false(rating_parse("I rate this 5 stars but 1 for speed", &s,
	    &c));
	assert_false(rating_parse("Thanks!\n5\n", &s, &c));
	assert_false(rating_parse("3 more users have the problem", &s, &c));
	assert_false(rating_parse("5 stars but 1 for speed", &s, &c));
	assert_false(rating_parse("2. Then it broke", &s, &c));
	assert_int_equal(s, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratings),
		cmocka_unit_test(test_not_ratings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
