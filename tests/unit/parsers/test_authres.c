/*
 * test_authres.c - only our MTA's verdicts count, and only for the domain
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "parsers/authres.h"

static void
test_authres(void **state)
{
	(void)state;
	assert_true(authres_pass_for_domain("mx.example.com; dkim=pass "
	    "header.d=Example.COM header.s=sel; spf=fail", "mx.example.com",
	    "example.com"));
	assert_true(authres_pass_for_domain("mx.example.com 1; "
	    "spf=pass (sender ok) smtp.mailfrom=alice@example.com",
	    "MX.example.com", "example.com"));
	assert_true(authres_pass_for_domain("mx.example.com (comment; with "
	    "semicolon); dkim=pass header.i=@example.com", "mx.example.com",
	    "example.com"));
	/* another MTA's header is worth nothing */
	assert_false(authres_pass_for_domain("evil.example; dkim=pass "
	    "header.d=example.com", "mx.example.com", "example.com"));
	/* a failure, another domain, a parent or child domain */
	assert_false(authres_pass_for_domain("mx.example.com; dkim=fail "
	    "header.d=example.com", "mx.example.com", "example.com"));
	assert_false(authres_pass_for_domain("mx.example.com; dkim=pass "
	    "header.d=evil.com", "mx.example.com", "example.com"));
	assert_false(authres_pass_for_domain("mx.example.com; dkim=pass "
	    "header.d=mail.example.com", "mx.example.com", "example.com"));
	assert_false(authres_pass_for_domain("mx.example.com; dmarc=pass "
	    "header.from=example.com", "mx.example.com", "example.com"));
	assert_false(authres_pass_for_domain("mx.example.com; none",
	    "mx.example.com", "example.com"));
	assert_false(authres_pass_for_domain("", "mx.example.com",
	    "example.com"));
	assert_false(authres_pass_for_domain("mx.example.com; dkim=pass "
	    "header.d=example.com", "", "example.com"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_authres),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
