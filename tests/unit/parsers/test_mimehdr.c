/*
 * test_mimehdr.c - parameterised MIME values and RFC 2231
 * (parsers/mimehdr.c)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/mem.h"
#include "parsers/mimehdr.h"

static struct arena pool;

static struct mimehdr
parse(const char *v)
{
	struct mimehdr h;

	mimehdr_parse(&h, &pool, v, strlen(v));
	return h;
}

static const char *
param(const struct mimehdr *h, const char *name)
{
	const struct mimehdr_param *p = mimehdr_param(h, name);

	return p != NULL ? p->value : NULL;
}

static int
setup(void **state)
{
	(void)state;
	arena_init(&pool, 4096);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	arena_free(&pool);
	return 0;
}

static void
test_plain(void **state)
{
	struct mimehdr h;

	(void)state;
	h = parse("Text/Plain; charset=\"ISO-8859-1\"; format=flowed");
	assert_string_equal(h.value, "text/plain");
	assert_string_equal(param(&h, "charset"), "ISO-8859-1");
	assert_string_equal(param(&h, "format"), "flowed");
	assert_null(param(&h, "name"));
	h = parse("multipart/mixed; boundary=\"a \\\"quoted\\\" b\"");
	assert_string_equal(param(&h, "boundary"), "a \"quoted\" b");
	h = parse(" text / html (comment) ; CHARSET = utf-8 (c)");
	assert_string_equal(h.value, "text/html");
	assert_string_equal(param(&h, "charset"), "utf-8");
	h = parse("");
	assert_string_equal(h.value, "");
	assert_int_equal(h.nparams, 0);
}

static void
test_broken(void **state)
{
	struct mimehdr h;

	(void)state;
	/* doubled ';', missing ';', unquoted value with spaces */
	h = parse("multipart/alternative;; ; boundary=\"foo\"");
	assert_string_equal(param(&h, "boundary"), "foo");
	h = parse("multipart/mixed boundary=\"boundary\"");
	assert_string_equal(h.value, "multipart/mixed");
	assert_string_equal(param(&h, "boundary"), "boundary");
	h = parse("text/plain; name=This is a test.txt");
	assert_string_equal(param(&h, "name"), "This is a test.txt");
	h = parse("application/pdf name=\"a.pdf\" x=1");
	assert_string_equal(param(&h, "name"), "a.pdf");
	assert_string_equal(param(&h, "x"), "1");
	/* unterminated quote; garbage; duplicates (first wins) */
	h = parse("text/plain; name=\"open");
	assert_string_equal(param(&h, "name"), "open");
	h = parse("text/plain; junk; =x; charset=a; charset=b");
	assert_string_equal(param(&h, "charset"), "a");
	assert_null(param(&h, "junk"));
}

static void
test_rfc2231(void **state)
{
	struct mimehdr h;
	const struct mimehdr_param *p;

	(void)state;
	h = parse("attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf");
	p = mimehdr_param(&h, "filename");
	assert_non_null(p);
	assert_true(p->decoded);
	assert_string_equal(p->value, "résumé.pdf");
	/* continuations, out of order, mixed encoded / plain sections */
	h = parse("attachment; filename*1=\" part.txt\"; "
	    "filename*0*=iso-8859-1'fr'caf%E9; filename*2*=%21");
	assert_string_equal(param(&h, "filename"), "café part.txt!");
	/* the RFC 2231 form wins over the plain one */
	h = parse("attachment; filename=\"old.txt\"; "
	    "filename*=UTF-8''new%20file.txt");
	assert_string_equal(param(&h, "filename"), "new file.txt");
	/* unknown charset is flagged, the bytes are kept best effort */
	h = parse("attachment; filename*=x-bogus''caf%E9");
	p = mimehdr_param(&h, "filename");
	assert_true(p->unknown_charset);
	assert_string_equal(p->value, "café");
	/* plain continuations without charset */
	h = parse("text/plain; name*0=\"a\"; name*1=\"b\"; name*3=\"skip\"");
	assert_string_equal(param(&h, "name"), "ab");
}

static void
test_text(void **state)
{
	struct mimehdr h;
	bool unknown = false;

	(void)state;
	h = parse("attachment; filename=\"=?UTF-8?B?w6l0w6kucGRm?=\"");
	assert_string_equal(mimehdr_param_text(&h, "filename", &pool, NULL,
	    &unknown), "été.pdf");
	h = parse("attachment; filename=\"caf\xe9.txt\"");
	assert_string_equal(mimehdr_param_text(&h, "filename", &pool, NULL,
	    &unknown), "café.txt");
	h = parse("attachment; filename=\"  \"");
	assert_null(mimehdr_param_text(&h, "filename", &pool, NULL, NULL));
	assert_false(unknown);
}

static void
test_many_params(void **state)
{
	char buf[8192];
	struct mimehdr h;
	size_t i, n = 0;

	(void)state;
	n += (size_t)snprintf(buf, sizeof(buf), "text/plain");
	for (i = 0; i < 500 && n + 16 < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "; p%zu=v", i);
	h = parse(buf);
	assert_true(h.nparams <= MIMEHDR_MAX_PARAMS);
	assert_string_equal(param(&h, "p0"), "v");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rfc2231, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_params, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
