/*
 * test_gdpr.c - the pure parts of retention and erasure: which arguments
 * are addresses, the pseudonym of an address, and the [gdpr] settings
 * (with a queue's own retention) as the config reader leaves them
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "conf/conf.h"
#include "desk/gdpr.h"

static void
test_addresses(void **state)
{
	static const char *const good[] = { "claire@cust.example",
		"C_l%aire+x@cust.example", "é@exämple.fr", "a@b", NULL };
	static const char *const bad[] = { "", "claire", "@cust.example",
		"claire@", "a@b@c", "claire @cust.example", "<a@b.example>",
		"a@b.example\n", "a\"b@c.example", "a,b@c.example",
		"\xff@cust.example", "a@b.example\x7f", NULL };
	char big[300];

	(void)state;
	for (const char *const *s = good; *s; s++)
		assert_true(gdpr_valid_address(*s));
	for (const char *const *s = bad; *s; s++)
		assert_false(gdpr_valid_address(*s));
	memset(big, 'x', sizeof(big));
	big[200] = '@';
	big[255] = '\0';
	assert_false(gdpr_valid_address(big));       /* 255 bytes */
	big[254] = '\0';
	assert_true(gdpr_valid_address(big));        /* 254 bytes */
	big[201] = '\0';
	assert_false(gdpr_valid_address(big));       /* nothing after @ */
}

static void
test_pseudonym(void **state)
{
	struct gdpr_key k1 = { .len = 32 }, k2 = { .len = 32 };
	char a[GDPR_PSEUDONYM_MAX], b[GDPR_PSEUDONYM_MAX];

	(void)state;
	memcpy(k1.v, "0123456789abcdef0123456789abcdef", 32);
	memcpy(k2.v, "0123456789abcdef0123456789abcdeF", 32);
	gdpr_pseudonym(a, &k1, "Claire@Cust.Example");
	gdpr_pseudonym(b, &k1, "claire@cust.example");
	/* one person, one pseudonym, whatever the case */
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), strlen("anon-@invalid") + 20);
	assert_int_equal(strncmp(a, "anon-", 5), 0);
	assert_int_equal(strspn(a + 5, "0123456789abcdef"), 20);
	assert_string_equal(a + 25, "@invalid");
	/* another person, or another key: another pseudonym */
	gdpr_pseudonym(b, &k1, "clairf@cust.example");
	assert_string_not_equal(a, b);
	gdpr_pseudonym(b, &k2, "claire@cust.example");
	assert_string_not_equal(a, b);
}

static struct conf *
load(const char *extra, struct conf_diag *d)
{
	char text[1024];
	struct conf *c = NULL;

	snprintf(text, sizeof(text), "[database]\nconninfo = dbname=x\n"
	    "[smtp]\nfrom = support@example.com\n%s", extra);
	memset(d, 0, sizeof(*d));
	conf_load_buffer(&c, "t.conf", "/nonexistent", text, strlen(text), d);
	return c;
}

static void
test_settings(void **state)
{
	struct conf_diag d;
	struct conf *c;

	(void)state;
	/* no [gdpr]: nothing is anonymised by time */
	c = load("[queue support]\n", &d);
	assert_non_null(c);
	assert_int_equal(c->gdpr.line, 0);
	assert_int_equal(c->gdpr.retention, 0);
	assert_int_equal(conf_queue(c, "support")->retention, -1);
	conf_free(&c);
	conf_diag_free(&d);

	c = load("[gdpr]\n[queue a]\nretention = 30d\n[queue b]\n"
	    "retention = 0\n[queue c]\n", &d);
	assert_non_null(c);
	assert_int_equal(c->gdpr.retention, 365 * 86400);
	assert_int_equal(c->gdpr.batch, 100);
	assert_null(c->gdpr.pseudonym_key);
	assert_int_equal(conf_queue(c, "a")->retention, 30 * 86400);
	assert_int_equal(conf_queue(c, "b")->retention, 0);
	assert_int_equal(conf_queue(c, "c")->retention, -1);
	conf_free(&c);
	conf_diag_free(&d);

	/* a key file that is not there: file:line */
	c = load("[gdpr]\nretention = 2w\npseudonym_key_file = none.key\n",
	    &d);
	assert_null(c);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.lines[0], "t.conf:7: pseudonym_key_file"));
	conf_diag_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_pseudonym),
		cmocka_unit_test(test_settings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
