/*
 * test_tracking.c - tracking number formats and tags found in subjects
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/util.h"
#include "desk/tracking.h"

static void
test_format(void **state)
{
	char out[64];
	time_t t;

	(void)state;
	assert_int_equal(time_parse_iso8601(&t, "2026-11-26T10:00:00Z"), 0);
	assert_int_equal(tracking_format(out, sizeof(out), "SUP-%Y-%06n", 42,
	    t), 0);
	assert_string_equal(out, "SUP-2026-000042");
	assert_int_equal(tracking_format(out, sizeof(out), "T%y%m-%n", 7, t),
	    0);
	assert_string_equal(out, "T2611-7");
	assert_int_equal(tracking_format(out, sizeof(out), "%06n", 1234567,
	    t), 0);
	assert_string_equal(out, "1234567");
	assert_int_equal(tracking_format(out, 8, "SUP-%Y-%06n", 42, t), -1);
	assert_int_equal(tracking_format(out, sizeof(out), "%q", 1, t), -1);
}

/* What the database builds from the split must equal the format. */
static void
test_split(void **state)
{
	static const char *const fmts[] = { "SUP-%Y-%06n", "T%y%m-%n",
		"%n", "%3n/%Y", "A%%n-%02n#", NULL };
	static const long long seqs[] = { 1, 42, 999999, 1234567, 0 };
	char prefix[64], suffix[64], want[128], got[256];
	int width;
	bool zero;
	time_t t;

	(void)state;
	assert_int_equal(time_parse_iso8601(&t, "2026-11-26T10:00:00Z"), 0);
	for (int f = 0; fmts[f]; f++) {
		assert_int_equal(tracking_split(prefix, sizeof(prefix), suffix,
		    sizeof(suffix), &width, &zero, fmts[f], t), 0);
		for (int i = 0; seqs[i]; i++) {
			char num[32];
			int len;

			len = snprintf(num, sizeof(num), "%lld", seqs[i]);
			snprintf(got, sizeof(got), "%s%*s%s%s", prefix,
			    len >= width ? 0 : width - len, "", num, suffix);
			if (zero)
				for (char *p = got + strlen(prefix); *p == ' ';
				    p++)
					*p = '0';
			assert_int_equal(tracking_format(want, sizeof(want),
			    fmts[f], seqs[i], t), 0);
			assert_string_equal(got, want);
		}
	}
	assert_int_equal(tracking_split(prefix, sizeof(prefix), suffix,
	    sizeof(suffix), &width, &zero, "NO-SEQ-%Y", t), -1);
}

struct seen {
	char tags[8][64];
	int n;
};

static int
collect(const char *tok, void *arg)
{
	struct seen *s = arg;

	strcpy(s->tags[s->n++], tok);
	return 0;
}

static void
test_tags(void **state)
{
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(tracking_find_tags("Re: [SUP-2026-000042] Panne",
	    collect, &s), 1);
	assert_string_equal(s.tags[0], "SUP-2026-000042");
	memset(&s, 0, sizeof(s));
	assert_int_equal(tracking_find_tags("TR: [ext] RE:[ SUP-1 ] x [] "
	    "[a b] [unclosed", collect, &s), 2);
	assert_string_equal(s.tags[0], "ext");
	assert_string_equal(s.tags[1], "SUP-1");
	memset(&s, 0, sizeof(s));
	assert_int_equal(tracking_find_tags("no tag here", collect, &s), 0);
	assert_int_equal(tracking_find_tags("[[[[", collect, &s), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_tags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
