/*
 * test_evjson.c - event data written directly, byte for byte as jansson
 *
 * evjson.c writes the JSON text itself; events held jansson's
 * json_dumps(JSON_COMPACT) before. Every builder call is mirrored here
 * on a jansson object and the two texts compared: hostile strings
 * (controls, quotes, backslashes, '/', DEL, U+2028, invalid UTF-8 that
 * jansson refuses, overlongs, surrogates), a key set twice, arrays with
 * refused elements, integers at their limits, and random sequences of
 * calls.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "common/evjson.h"

/* A builder and its jansson twin. */
struct pair {
	struct evjson *e;
	json_t *j;
};

static void
p_str(struct pair *p, const char *k, const char *v)
{
	ev_str(p->e, k, v);
	if (v != NULL)
		json_object_set_new(p->j, k, json_string(v));
}

static void
p_int(struct pair *p, const char *k, long long v)
{
	ev_int(p->e, k, v);
	json_object_set_new(p->j, k, json_integer(v));
}

static void
p_null(struct pair *p, const char *k)
{
	ev_null(p->e, k);
	json_object_set_new(p->j, k, json_null());
}

static void
p_strs(struct pair *p, const char *k, const char *const *v, size_t n)
{
	json_t *a = json_array();

	ev_strs(p->e, k, v, n);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	json_object_set_new(p->j, k, a);
}

static void
p_same(struct pair *p)
{
	char *got = ev_end(p->e), *want = json_dumps(p->j, JSON_COMPACT);

	assert_non_null(want);
	assert_string_equal(got, want);
	free(got);
	free(want);
	json_decref(p->j);
}

static struct pair
p_new(void)
{
	struct pair p = { ev_new(), json_object() };

	return p;
}

static const char *const hostile[] = {
	"", "plain", "\"quoted\"", "back\\slash", "a/b", "</script>",
	"\x01\x02\x07\b\t\n\x0b\f\r\x0e\x1b\x1f", "del\x7f", "é à ç €",
	"\xe2\x80\xa8 line sep \xe2\x80\xa9", "\xf0\x9f\x98\x80 emoji",
	"\xef\xbb\xbf BOM", "\xc3", "bad \xff byte", "\xc0\xaf overlong",
	"\xed\xa0\x80 surrogate", "\xf4\x90\x80\x80 past U+10FFFF",
	"\xe2\x82 truncated", "cont \x80 only", "\xf8\x88\x80\x80\x80",
	"Subject: =?utf-8?q?x?= \"\\\"", "tab\tend\t",
};
#define NHOSTILE (sizeof(hostile) / sizeof(hostile[0]))

static void
test_hostile_strings(void **state)
{
	(void)state;
	for (size_t i = 0; i < NHOSTILE; i++) {
		struct pair p = p_new();

		p_str(&p, "value", hostile[i]);
		p_str(&p, hostile[i], "as a key");
		p_str(&p, "after", "x");
		p_same(&p);
	}
}

static void
test_shapes(void **state)
{
	static const char *const rcpts[] = { "a@x.example", "\xff", NULL,
		"b \"c\"@x.example" };
	struct pair p;

	(void)state;
	p = p_new();
	p_same(&p);                                     /* {} */
	p = p_new();
	p_str(&p, "skipped", NULL);
	p_int(&p, "min", (long long)INT64_MIN);
	p_int(&p, "max", (long long)INT64_MAX);
	p_int(&p, "zero", 0);
	p_null(&p, "none");
	p_strs(&p, "empty", rcpts, 0);
	p_strs(&p, "rcpts", rcpts, 4);
	p_strs(&p, "refused", rcpts + 1, 2);
	p_same(&p);
	/* a key set again keeps its place and takes the new value */
	p = p_new();
	p_str(&p, "a", "1");
	p_str(&p, "b", "2");
	p_str(&p, "c", "3");
	p_str(&p, "b", "a much longer value than before");
	p_int(&p, "a", 7);
	p_null(&p, "c");
	p_strs(&p, "b", rcpts, 4);
	p_str(&p, "d", "4");
	p_str(&p, "a", "\xff");                         /* refused: a stays */
	p_same(&p);
	/* the short form */
	{
		char *got = ev_json("from", "a\"b", "to", NULL, "x", "\n",
		    NULL);

		assert_string_equal(got, "{\"from\":\"a\\\"b\",\"x\":\"\\n\"}");
		free(got);
	}
}

static void
test_random_calls(void **state)
{
	static const char *const keys[] = { "purpose", "to", "from",
		"message_id", "at", "k\"ey", "k\xff" };
	unsigned seed = 4231;

	(void)state;
	for (int round = 0; round < 2000; round++) {
		struct pair p = p_new();
		int calls = rand_r(&seed) % 9;

		for (int c = 0; c < calls; c++) {
			const char *k = keys[(size_t)rand_r(&seed) % 7];
			const char *v = hostile[(size_t)rand_r(&seed) %
			    NHOSTILE];

			switch (rand_r(&seed) % 4) {
			case 0: p_str(&p, k, v); break;
			case 1: p_int(&p, k, rand_r(&seed) - RAND_MAX / 2);
				break;
			case 2: p_null(&p, k); break;
			default:
				p_strs(&p, k, hostile + (size_t)rand_r(&seed) %
				    (NHOSTILE - 3), (size_t)rand_r(&seed) % 4);
			}
		}
		p_same(&p);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_strings),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_random_calls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
