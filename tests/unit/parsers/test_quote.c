/*
 * test_quote.c - new text of replies (parsers/quote.c)
 *
 * One fixture per client form (tests/fixtures/mail/quote-*.eml), read
 * through mail_parse() so that the HTML-only forms go through the HTML
 * conversion too; then edge cases on plain strings, mostly texts that
 * must not be cut.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/util.h"
#include "parsers/mime.h"
#include "parsers/quote.h"

static void
check_fixture(const char *name, const char *want)
{
	char path[1024], *raw = NULL;
	size_t len;
	struct gc_err err = { 0, "" };
	struct mail *m = NULL;

	snprintf(path, sizeof(path), "%s/mail/quote-%s.eml", FIXTURES_DIR,
	    name);
	if (file_read(&raw, &len, path, 1 << 20, &err) != 0)
		fail_msg("%s: %s", path, err.msg);
	if (mail_parse(&m, raw, len, NULL, &err) != 0)
		fail_msg("%s: %s", path, err.msg);
	free(raw);
	/* the full text keeps the history */
	assert_true(strlen(m->text) > strlen(m->new_text));
	assert_string_equal(m->new_text, want);
	mail_free(&m);
}

static void
test_gmail_en(void **state)
{
	(void)state;
	/* "On ... wrote:" wrapped over two lines */
	check_fixture("gmail-en", "Thanks, it works now.");
}

static void
test_gmail_fr(void **state)
{
	(void)state;
	/* "Le ... a écrit :" with a no-break space before the colon */
	check_fixture("gmail-fr", "Merci, ça marche.");
}

static void
test_gmail_html(void **state)
{
	(void)state;
	/* HTML only: gmail_quote blockquote becomes "> " lines */
	check_fixture("gmail-html", "Thanks, it works now.");
}

static void
test_outlook_en(void **state)
{
	(void)state;
	check_fixture("outlook-en", "It still smokes.");
}

static void
test_outlook_fr(void **state)
{
	(void)state;
	/* "____" rule, then De : / Envoyé : / À : / Objet : */
	check_fixture("outlook-fr", "Toujours de la fumée.\n\nCordialement,"
	    "\nClaire");
}

static void
test_outlook_html(void **state)
{
	(void)state;
	/* From: / Sent: / To: / Subject: block from Outlook's HTML */
	check_fixture("outlook-html", "It still smokes.");
}

static void
test_apple(void **state)
{
	(void)state;
	/* quoted attribution, and the "Sent from my iPhone" tag */
	check_fixture("apple", "It works, thank you!");
}

static void
test_thunderbird_bottom(void **state)
{
	(void)state;
	/* bottom-posted reply, then a "-- " signature */
	check_fixture("thunderbird-bottom", "Done, it is fine now.\nThanks!");
}

static void
test_german(void **state)
{
	(void)state;
	check_fixture("german", "Danke, es geht wieder.");
}

static void
test_yahoo(void **state)
{
	(void)state;
	check_fixture("yahoo", "OK, done.");
}

static void
test_inline(void **state)
{
	(void)state;
	/* inline answers stay, the quoted questions go */
	check_fixture("inline", "Hi,\n\nIt is the LaserFire 3000.\nYes.\n\n"
	    "Claire");
}

static void
test_forward_kept(void **state)
{
	char path[1024], *raw = NULL;
	size_t len;
	struct gc_err err = { 0, "" };
	struct mail *m = NULL;

	(void)state;
	/* a forwarded message is new content: nothing is cut */
	snprintf(path, sizeof(path), "%s/mail/quote-forward.eml",
	    FIXTURES_DIR);
	assert_int_equal(file_read(&raw, &len, path, 1 << 20, &err), 0);
	assert_int_equal(mail_parse(&m, raw, len, NULL, &err), 0);
	free(raw);
	assert_non_null(strstr(m->new_text, "Your printer model is recalled."));
	assert_non_null(strstr(m->new_text, "From: Vendor"));
	mail_free(&m);
}

static void
test_no_false_cuts(void **state)
{
	struct arena a;
	static const char *const keep[] = {
		"My colleague wrote: the printer is broken.\nPlease help.",
		"Here is what the manual wrote:\nunplug it first.",
		"From: the sales team\nWe need a quote.",
		"On second thought, it works.\nThanks",
		"Price: 5 -- 6 EUR\n--\nnot a signature, more text\n1\n2\n3\n"
		    "4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16",
		"Sent from my desk, not a phone, this is a long sentence "
		    "which goes on.",
		"",
	};
	size_t i;

	(void)state;
	arena_init(&a, 4096);
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		assert_string_equal(quote_strip(&a, keep[i]), keep[i]);
	arena_free(&a);
}

static void
test_edges(void **state)
{
	struct arena a;

	(void)state;
	arena_init(&a, 4096);
	assert_string_equal(quote_strip(&a, "\n\n  \nHello\n\n\n"), "Hello");
	assert_string_equal(quote_strip(&a, "> only\n> quotes\n"), "");
	assert_string_equal(quote_strip(&a, "Hi\n-- \nsig\n-- \nmore"), "Hi");
	assert_string_equal(quote_strip(&a, "Hi\n--\nJohn"), "Hi");
	assert_string_equal(quote_strip(&a, "Answer\n\nJohn Doe wrote:\n"
	    "> question"), "Answer");
	assert_string_equal(quote_strip(&a, "Yes.\n----- Original Message "
	    "-----\nFrom: x"), "Yes.");
	assert_string_equal(quote_strip(&a, "Oui.\n-----Message d'origine"
	    "-----\nDe : x"), "Oui.");
	arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gmail_en),
		cmocka_unit_test(test_gmail_fr),
		cmocka_unit_test(test_gmail_html),
		cmocka_unit_test(test_outlook_en),
		cmocka_unit_test(test_outlook_fr),
		cmocka_unit_test(test_outlook_html),
		cmocka_unit_test(test_apple),
		cmocka_unit_test(test_thunderbird_bottom),
		cmocka_unit_test(test_german),
		cmocka_unit_test(test_yahoo),
		cmocka_unit_test(test_inline),
		cmocka_unit_test(test_forward_kept),
		cmocka_unit_test(test_no_false_cuts),
		cmocka_unit_test(test_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
