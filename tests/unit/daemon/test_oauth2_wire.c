/*
 * test_oauth2_wire.c - the OAuth2 form, answers and SASL strings
 *
 * Forms percent-encode everything but the unreserved bytes; answers are
 * read from real JSON, and refused with a message that names what came
 * instead (HTML, garbage, not an object) without quoting it; a token an
 * answer gives that could break a command line (CR, LF, space, comma,
 * too long) is refused; the SASL strings are those of Google's XOAUTH2
 * and of RFC 7628.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "daemon/oauth2_wire.h"

static void
test_form(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 1024);
	assert_int_equal(oauth2_form_add(&b, "grant_type", "refresh_token"),
	    0);
	assert_int_equal(oauth2_form_add(&b, "scope", "https://x/a b&c=d"),
	    0);
	assert_int_equal(oauth2_form_add(&b, "client_secret", NULL), 0);
	assert_int_equal(oauth2_form_add(&b, "t", "\r\n~._-"), 0);
	assert_string_equal(buf_str(&b), "grant_type=refresh_token&scope="
	    "https%3A%2F%2Fx%2Fa+b%26c%3Dd&t=%0D%0A~._-");
	buf_free(&b);
	buf_init(&b, 8);
	assert_int_equal(oauth2_form_add(&b, "key", "0123456789"), GC_ELIMIT);
	buf_free(&b);
}

static void
parse_fails(const char *body, const char *why)
{
	struct oauth2_answer a;
	struct gc_err err = { 0 };

	if (oauth2_answer_parse(&a, body, strlen(body), &err) != GC_EPARSE)
		fail_msg("\"%.40s\" read as an answer", body);
	if (strstr(err.msg, why) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", err.msg, why);
	assert_null(a.access_token);
}

static void
test_answers(void **state)
{
	const char *ok = "{\"access_token\":\"at-1\",\"expires_in\":\"3599\","
	    "\"refresh_token\":\"rt-2\",\"token_type\":\"Bearer\"}";
	const char *dev = "{\"device_code\":\"dc\",\"user_code\":\"AB\\ncd\","
	    "\"verification_url\":\"https://g/device\",\"interval\":5,"
	    "\"expires_in\":1800.0}";
	const char *refused = "{\"error\":\"invalid_grant\","
	    "\"error_description\":\"Token has been\\u0007 revoked.\"}";
	struct oauth2_answer a;
	struct gc_err err = { 0 };
	char *big;

	(void)state;
	assert_int_equal(oauth2_answer_parse(&a, ok, strlen(ok), &err), 0);
	assert_string_equal(a.access_token, "at-1");
	assert_string_equal(a.refresh_token, "rt-2");
	assert_int_equal(a.expires_in, 3599);
	oauth2_answer_clear(&a);
	assert_int_equal(oauth2_answer_parse(&a, dev, strlen(dev), &err), 0);
	assert_string_equal(a.device_code, "dc");
	assert_string_equal(a.user_code, "ABcd");
	assert_string_equal(a.verification_uri, "https://g/device");
	assert_int_equal(a.interval, 5);
	assert_int_equal(a.expires_in, 1800);
	oauth2_answer_clear(&a);
	assert_int_equal(oauth2_answer_parse(&a, refused, strlen(refused),
	    &err), 0);
	assert_string_equal(a.error, "invalid_grant");
	assert_string_equal(a.error_description, "Token has been revoked.");
	assert_null(a.access_token);
	oauth2_answer_clear(&a);

	parse_fails("", "an empty answer");
	parse_fails("  <html><body>Sign in</body></html>", "an HTML page");
	parse_fails("\x01\xffnot json", "not JSON");
	parse_fails("[1, 2]", "not an object");
	parse_fails("{\"a\":1,\"a\":2}", "not JSON");
	parse_fails("{\"access_token\":\"a\\r\\nA1 LOGOUT\"}", "a token");
	parse_fails("{\"access_token\":\"a,b\"}", "a token");
	parse_fails("{\"access_token\":\"\"}", "a token");
	parse_fails("{\"refresh_token\":\"a b\"}", "a token");
	big = malloc(OAUTH2_TOKEN_MAX + 40);
	assert_non_null(big);
	strcpy(big, "{\"access_token\":\"");
	memset(big + strlen(big), 'x', OAUTH2_TOKEN_MAX + 1);
	strcpy(big + 18 + OAUTH2_TOKEN_MAX, "\"}");
	parse_fails(big, "too long");
	free(big);
}

static char *
decode(const char *b64)
{
	size_t n = strlen(b64);
	unsigned char *out = calloc(1, n + 1);

	assert_non_null(out);
	assert_true(EVP_DecodeBlock(out, (const unsigned char *)b64,
	    (int)n) >= 0);
	return (char *)out;
}

static void
test_sasl(void **state)
{
	struct gc_err err = { 0 };
	char *s, *raw;

	(void)state;
	assert_int_equal(oauth2_sasl(&s, OAUTH2_XOAUTH2, "me@x.org", "at-1",
	    NULL, 0, &err), 0);
	raw = decode(s);
	assert_string_equal(raw, "user=me@x.org\001auth=Bearer at-1\001\001");
	free(raw);
	free(s);
	assert_int_equal(oauth2_sasl(&s, OAUTH2_OAUTHBEARER, "me@x.org",
	    "at-1", "imap.x.org", 993, &err), 0);
	raw = decode(s);
	assert_string_equal(raw, "n,a=me@x.org,\001host=imap.x.org\001"
	    "port=993\001auth=Bearer at-1\001\001");
	free(raw);
	free(s);
	assert_int_equal(oauth2_sasl(&s, OAUTH2_XOAUTH2, "me\001x", "at",
	    NULL, 0, &err), GC_EINVAL);
	assert_int_equal(oauth2_sasl(&s, OAUTH2_OAUTHBEARER, "a,b", "at",
	    NULL, 0, &err), GC_EINVAL);
	assert_int_equal(oauth2_sasl(&s, OAUTH2_XOAUTH2, "me", "a\r\nb",
	    NULL, 0, &err), GC_EINVAL);
	assert_int_equal(oauth2_sasl(&s, OAUTH2_XOAUTH2, "", "at", NULL, 0,
	    &err), GC_EINVAL);
	assert_null(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_sasl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
