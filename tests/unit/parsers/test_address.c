/*
 * test_address.c - the same mailbox in its different writings
 * (parsers/address.c): A-labels, case, xtext and RFC 6533's escapes
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/mem.h"
#include "parsers/address.h"

static struct arena a;

static int
setup(void **state)
{
	(void)state;
	arena_init(&a, 4096);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	arena_free(&a);
	return 0;
}

static void
test_idna_decode(void **state)
{
	(void)state;
	assert_string_equal(addr_idna_decode(&a, "xn--exmple-cua.org"),
	    "ex\xc3\xa4mple.org");
	assert_string_equal(addr_idna_decode(&a, "XN--BCHER-KVA.example"),
	    "b\xc3\xbc" "cher.example");
	assert_string_equal(addr_idna_decode(&a, "mail.xn--mnchen-3ya.de"),
	    "mail.m\xc3\xbc" "nchen.de");
	assert_string_equal(addr_idna_decode(&a, "xn--caf-dma.fr"),
	    "caf\xc3\xa9.fr");
	/* a label without a basic part: "日本" (RFC 3492's style) */
	assert_string_equal(addr_idna_decode(&a, "xn--wgv71a.jp"),
	    "\xe6\x97\xa5\xe6\x9c\xac.jp");
	/* ASCII domains as they are */
	assert_string_equal(addr_idna_decode(&a, "cust.example"),
	    "cust.example");
	assert_string_equal(addr_idna_decode(&a, ""), "");
	/* not Punycode: a digit out of the alphabet, a truncated number,
	 * an overflow, a code point that is a C1 control or past U+10FFFF */
	assert_null(addr_idna_decode(&a, "xn--exmple-c!a.org"));
	assert_null(addr_idna_decode(&a, "xn--exmple-c"));
	assert_null(addr_idna_decode(&a, "xn--99999999999999999999.org"));
	assert_null(addr_idna_decode(&a, "xn--a-zzzzzzzzzzzzzz.org"));
	assert_null(addr_idna_decode(&a, "xn--.org"));
	/* nothing past ASCII: "xn--xn--ab-" would be "xn--ab" */
	assert_null(addr_idna_decode(&a, "xn--xn--ab-.org"));
	assert_null(addr_idna_decode(&a, "xn--\xc3\xa4-cua.org"));
}

static void
test_idna_encode(void **state)
{
	char label[70];

	(void)state;
	assert_string_equal(addr_idna_encode(&a, "ex\xc3\xa4mple.org"),
	    "xn--exmple-cua.org");
	assert_string_equal(addr_idna_encode(&a, "mail.m\xc3\xbc" "nchen.de"),
	    "mail.xn--mnchen-3ya.de");
	assert_string_equal(addr_idna_encode(&a, "\xe6\x97\xa5\xe6\x9c\xac.jp"),
	    "xn--wgv71a.jp");
	/* RFC 3492 7.1 (B) and (L): no basic part; a basic part whose case
	 * is kept */
	assert_string_equal(addr_idna_encode(&a, "\xe4\xbb\x96\xe4\xbb\xac"
	    "\xe4\xb8\xba\xe4\xbb\x80\xe4\xb9\x88\xe4\xb8\x8d\xe8\xaf\xb4"
	    "\xe4\xb8\xad\xe6\x96\x87"), "xn--ihqwcrb4cv8a8dqg056pqjye");
	assert_string_equal(addr_idna_encode(&a, "3\xe5\xb9\xb4" "B\xe7\xb5"
	    "\x84\xe9\x87\x91\xe5\x85\xab\xe5\x85\x88\xe7\x94\x9f.example"),
	    "xn--3B-ww4c5e180e575a65lsy2b.example");
	/* ASCII labels, an A-label among them, as they are */
	assert_string_equal(addr_idna_encode(&a, "xn--bcher-kva.Example"),
	    "xn--bcher-kva.Example");
	assert_string_equal(addr_idna_encode(&a, ""), "");
	/* no UTF-8; an A-label past 63 bytes (62 a's and a u-umlaut) */
	assert_null(addr_idna_encode(&a, "ex\xe4mple.org"));
	assert_null(addr_idna_encode(&a, "ex\xc3.org"));
	memset(label, 'a', 62);
	memcpy(label + 62, "\xc3\xbc", 3);
	assert_null(addr_idna_encode(&a, label));
	memcpy(label + 54, "\xc3\xbc", 3);    /* "xn--" 54 "-" 3: 62 */
	assert_string_equal(addr_idna_decode(&a, addr_idna_encode(&a, label)),
	    label);
}

static void
test_writings(void **state)
{
	char *w[2];

	(void)state;
	/* each writing gives both, the decoded one first */
	assert_int_equal(addr_writings(&a, "Zo\xc3\xab@Ex\xc3\xa4mple.org", w), 2);
	assert_string_equal(w[0], "zo\xc3\xab@ex\xc3\xa4mple.org");
	assert_string_equal(w[1], "zo\xc3\xab@xn--exmple-cua.org");
	assert_int_equal(addr_writings(&a, "zo\xc3\xab@XN--EXMPLE-CUA.org.", w),
	    2);
	assert_string_equal(w[0], "zo\xc3\xab@ex\xc3\xa4mple.org.");
	assert_string_equal(w[1], "zo\xc3\xab@xn--exmple-cua.org.");
	/* ASCII: one */
	assert_int_equal(addr_writings(&a, "Claire@Cust.Example", w), 1);
	assert_string_equal(w[0], "claire@cust.example");
	assert_null(w[1]);
	/* a domain that decodes to nothing stays as written, and is one */
	assert_int_equal(addr_writings(&a, "a@xn--99999999999999999999.org",
	    w), 1);
	assert_string_equal(w[0], "a@xn--99999999999999999999.org");
	/* a domain in no UTF-8: no A-label for it */
	assert_int_equal(addr_writings(&a, "a@ex\xe4mple.org", w), 1);
	assert_string_equal(w[0], "a@ex\xe4mple.org");
	assert_null(w[1]);
	/* no @: itself */
	assert_int_equal(addr_writings(&a, "Postmaster", w), 1);
	assert_string_equal(w[0], "postmaster");
}

static void
test_dsn_decode(void **state)
{
	(void)state;
	assert_string_equal(addr_dsn_decode(&a, "a+2Bb@x.example"),
	    "a+b@x.example");
	assert_string_equal(addr_dsn_decode(&a, "cl\\x{EF}ent@ex\\x{e4}mple.org"),
	    "cl\xc3\xaf" "ent@ex\xc3\xa4mple.org");
	assert_string_equal(addr_dsn_decode(&a, "\\x{1F600}@x"),
	    "\xf0\x9f\x98\x80@x");
	/* nothing to decode, or a bad escape: NULL */
	assert_null(addr_dsn_decode(&a, "a+b@x.example"));
	assert_null(addr_dsn_decode(&a, "plain@x.example"));
	assert_null(addr_dsn_decode(&a, "a\\x{D800}@x"));
	assert_null(addr_dsn_decode(&a, "a\\x{110000}@x"));
	assert_null(addr_dsn_decode(&a, "a\\x{}@x"));
	assert_null(addr_dsn_decode(&a, "a\\x{1234567}@x"));
	assert_null(addr_dsn_decode(&a, "a\\x{41@x"));
	assert_null(addr_dsn_decode(&a, "a+00@x"));
	assert_null(addr_dsn_decode(&a, "a\\x{0}@x"));
}

static void
test_same(void **state)
{
	(void)state;
	assert_true(addr_same("claire@cust.example",
	    "Claire@CUST.Example"));
	assert_true(addr_same("cl\xc3\xaf" "ent@ex\xc3\xa4mple.org",
	    "cl\xc3\xaf" "ent@xn--exmple-cua.org"));
	assert_true(addr_same("cl\xc3\xaf" "ent@XN--EXMPLE-CUA.ORG.",
	    "cl\xc3\xaf" "ent@ex\xc3\xa4mple.org"));
	assert_true(addr_same("a@b.example.", "a@b.example"));
	/* other mailboxes */
	assert_false(addr_same("claire@cust.example",
	    "claire2@cust.example"));
	assert_false(addr_same("claire@cust.example",
	    "claire@cust.example.org"));
	assert_false(addr_same("cl\xc3\xaf" "ent@ex\xc3\xa4mple.org",
	    "client@xn--exmple-cua.org"));
	assert_false(addr_same("a@xn--exmple-cua.org", "a@exmple.org"));
	/* local parts in UTF-8 are compared byte for byte */
	assert_false(addr_same("\xc3\xa9@x.example", "\xc3\x89@x.example"));
	/* the @ is the last one; no @, no address */
	assert_false(addr_same("a@b@c.example", "a@c.example"));
	assert_false(addr_same("nobody", "nobody@x.example"));
	assert_true(addr_same("nobody", "NOBODY"));
	/* domains past 255 bytes: compared as written, never decoded */
	{
		char x[600], y[600];

		memset(x, 'a', sizeof(x) - 1);
		x[sizeof(x) - 1] = '\0';
		x[1] = '@';
		memcpy(y, x, sizeof(y));
		assert_true(addr_same(x, y));
		y[500] = 'b';
		assert_false(addr_same(x, y));
		memcpy(x + 2, "xn--caf-dma.", 12);
		memcpy(y, x, sizeof(y));
		y[2] = 'X';
		assert_true(addr_same(x, y));
	}
	assert_false(addr_same(NULL, "a@b.example"));
	assert_false(addr_same("a@b.example", NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idna_decode),
		cmocka_unit_test(test_idna_encode),
		cmocka_unit_test(test_writings),
		cmocka_unit_test(test_dsn_decode),
		cmocka_unit_test(test_same),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
