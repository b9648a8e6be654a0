/*
 * test_mime_text.c - where mail.text comes from when a mail is not a
 * plain "text/plain or text/html" one (parsers/mime.c, body selection)
 *
 * One fixture per family of real-world cause (tests/fixtures/mail/
 * text-*.eml), each modelled on corpus mails that used to give an empty
 * text: blank text parts hiding the HTML, doubled or unclosed boundaries,
 * mails whose only content is forwarded messages or a digest,
 * message/partial fragments, text/enriched and text/richtext, malformed
 * dispositions, named text parts and unknown text types, MHTML with the
 * picture first, an mbox-escaped ">From " line. Every fixture is parsed
 * again cut at every length: each truncation parses or fails cleanly and
 * keeps its text valid UTF-8.
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
#include "parsers/enriched.h"
#include "parsers/mime.h"
#include "parsers/utf8.h"

static const char *fixtures[] = {
	"text-blank-plain.eml", "text-double-boundary.eml",
	"text-forward-only.eml", "text-digest.eml", "text-partial-1.eml",
	"text-partial-2.eml", "text-enriched.eml", "text-dispositions.eml",
	"text-named-parts.eml", "text-x-type.eml",
	"text-related-image-first.eml", "text-mbox-escaped.eml",
};

#define MARKER "---------- Forwarded message ----------\n"

static char *
load(const char *name, size_t *len_r)
{
	char path[1024], *data = NULL;
	struct gc_err err = { 0, "" };

	snprintf(path, sizeof(path), "%s/mail/%s", FIXTURES_DIR, name);
	if (file_read(&data, len_r, path, 1 << 20, &err) != 0)
		fail_msg("cannot read %s: %s", path, err.msg);
	return data;
}

static struct mail *
parse_fixture(const char *name)
{
	struct gc_err err = { 0, "" };
	struct mail *m = NULL;
	size_t len;
	char *raw = load(name, &len);

	if (mail_parse(&m, raw, len, NULL, &err) != 0)
		fail_msg("%s: %s", name, err.msg);
	free(raw);
	assert_true(utf8_valid(m->text, strlen(m->text)));
	assert_true(utf8_valid(m->new_text, strlen(m->new_text)));
	return m;
}

/* The parts marked is_body, as a count. */
static size_t
nbody(const struct mail *m)
{
	size_t i, n = 0;

	for (i = 0; i < m->nparts; i++)
		n += m->parts[i].is_body;
	return n;
}

static void
test_blank_plain(void **state)
{
	struct mail *m = parse_fixture("text-blank-plain.eml");

	(void)state;
	/* a text/plain of blanks (here "  =20") must not hide the HTML */
	assert_string_equal(m->text, "The HTML part has the words.");
	assert_true(m->text_from_html);
	assert_false(m->parts[1].is_body);
	assert_true(m->parts[2].is_body);
	assert_int_equal(m->nattachments, 0);
	mail_free(&m);

	/* "--alt" twice, no close delimiter: an empty first part and an
	 * empty last one around the HTML */
	m = parse_fixture("text-double-boundary.eml");
	assert_string_equal(m->text, "Only the HTML says something.");
	assert_int_equal(nbody(m), 1);
	mail_free(&m);
}

static void
test_forward_only(void **state)
{
	struct mail *m = parse_fixture("text-forward-only.eml");

	(void)state;
	assert_string_equal(m->text, MARKER
	    "From: Kévin <kevin@example.org>\n"
	    "Date: Wed, 25 Nov 2026 17:30:00 +0100\n"
	    "Subject: the printer again\n"
	    "To: jane@example.com\n"
	    "\n"
	    "It jams on every second page.\n");
	/* the forwarded message is still an attachment, parsed */
	assert_int_equal(m->nattachments, 1);
	assert_non_null(m->attachments[0].message);
	assert_string_equal(m->text_charset, "utf-8");
	assert_int_equal(nbody(m), 0);
	/* the forward is what the customer sent: quote stripping keeps it */
	assert_non_null(strstr(m->new_text, "It jams on every second page."));
	mail_free(&m);

	/* a mail with words of its own shows them only */
	m = parse_fixture("forward.eml");
	assert_string_equal(m->text, "See the forwarded mail.");
	mail_free(&m);
}

static void
test_digest(void **state)
{
	struct mail *m = parse_fixture("text-digest.eml");

	(void)state;
	/* the first message has no Content-Type (a digest's default is
	 * message/rfc822) and starts with a blank line; the second is
	 * multipart/alternative and gives its text/plain */
	assert_string_equal(m->text, MARKER
	    "From: liam@example.net\n"
	    "Date: 24 Nov 2026 09:15 +0000\n"
	    "Subject: first question\n"
	    "\n"
	    "How do I reset my password?\n"
	    "\n" MARKER
	    "From: mia@example.net\n"
	    "Subject: second question\n"
	    "\n"
	    "Where is the invoice?\n");
	assert_int_equal(m->nattachments, 2);
	assert_false(m->text_from_html);
	mail_free(&m);
}

static void
test_mbox_escaped(void **state)
{
	struct mail *m = parse_fixture("text-mbox-escaped.eml");
	const struct mail *fw;

	(void)state;
	/* ">From " before the fields of a forwarded message is an mbox
	 * line, not the start of its body */
	fw = m->parts[0].message;
	assert_non_null(fw);
	assert_non_null(fw->from.addr);
	assert_string_equal(fw->from.addr, "uma@example.org");
	assert_string_equal(fw->subject, "kept in an mbox");
	assert_string_equal(fw->text, "The mbox line above is not a header.\n");
	assert_null(strstr(m->text, ">From"));
	assert_non_null(strstr(m->text, "Subject: kept in an mbox\n"));
	mail_free(&m);
}

static void
test_partial(void **state)
{
	struct mail *m = parse_fixture("text-partial-1.eml");

	(void)state;
	/* fragment 1 holds the start of the message: read as one, its text
	 * shown without a forward marker (it is the same message) */
	assert_string_equal(m->parts[0].content_type, "message/partial");
	assert_non_null(m->parts[0].message);
	assert_string_equal(m->parts[0].message->message_id,
	    "split-1@example.com");
	assert_string_equal(m->text,
	    "The first half of the report starts here.\n");
	mail_free(&m);

	/* a later fragment is all we have: its text as it is */
	m = parse_fixture("text-partial-2.eml");
	assert_null(m->parts[0].message);
	assert_true(m->parts[0].is_body);
	assert_string_equal(m->text,
	    "and the second half ends here.\n--m--\n");
	mail_free(&m);
}

static void
test_enriched(void **state)
{
	struct mail *m = parse_fixture("text-enriched.eml");

	(void)state;
	assert_string_equal(m->text,
	    "Hello, the printer is broken.\n"
	    "Since Monday, 1 < 2.\n"
	    "First line\n"
	    "second line, <ok>");
	assert_int_equal(nbody(m), 2);
	assert_int_equal(m->nattachments, 0);
	mail_free(&m);
}

static void
test_enriched_table(void **state)
{
	static const struct {
		const char *in;
		bool richtext;
		const char *out;
	} cases[] = {
		{ "", false, "" },
		{ "plain words", false, "plain words" },
		{ "one\ntwo", false, "one two" },
		{ "one\r\n\r\ntwo", false, "one\ntwo" },
		{ "one\n\n\ntwo", false, "one\n\ntwo" },
		{ "<bold>b</bold> <Italic>i</Italic>", false, "b i" },
		{ "a <<b>", false, "a <b>" },
		{ "x<param>hidden</param>y", false, "xy" },
		{ "<nofill>l1\nl2\n</nofill>", false, "l1\nl2" },
		{ "a < b", false, "a < b" },   /* no command: kept */
		{ "trailing   \n\nnext", false, "trailing\nnext" },
		{ "l1<nl>\nl2", true, "l1\nl2" },
		{ "a\nb", true, "a b" },
		{ "p1<np>p2", true, "p1\n\np2" },
		{ "<lt>tag>", true, "<tag>" },
		{ "a<comment>note</comment>b", true, "ab" },
		{ "caf\xc3\xa9 <b>cr\xc3\xa8me</b>", true,
		    "caf\xc3\xa9 cr\xc3\xa8me" },
	};
	struct arena a;
	size_t i;

	(void)state;
	arena_init(&a, 4096);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = NULL;

		assert_int_equal(enriched_to_text(&out, &a, cases[i].in,
		    strlen(cases[i].in), cases[i].richtext, 1024), 0);
		if (strcmp(out, cases[i].out) != 0)
			fail_msg("case %zu: \"%s\" gave \"%s\", not \"%s\"", i,
			    cases[i].in, out, cases[i].out);
	}
	{
		char *out = (char *)"x";

		/* the cap */
		assert_int_equal(enriched_to_text(&out, &a, "0123456789",
		    10, false, 4), GC_ELIMIT);
		assert_null(out);
	}
	arena_free(&a);
}

static void
test_dispositions(void **state)
{
	struct mail *m = parse_fixture("text-dispositions.eml");

	(void)state;
	/* "Content-Disposition: =?utf-8?Q?invalid?=" is no disposition */
	assert_string_equal(m->text, "café au lait");
	assert_true(m->parts[0].is_body);
	assert_int_equal(m->nattachments, 0);
	mail_free(&m);
}

static void
test_named_and_unknown_text(void **state)
{
	struct mail *m = parse_fixture("text-named-parts.eml");

	(void)state;
	/* no plain body part: the first text/plain with a name that is not
	 * blank; the blank one and the text/x-myown stay attachments */
	assert_string_equal(m->text, "The notes, sent as a named part.");
	assert_true(m->parts[2].is_body);
	assert_int_equal(nbody(m), 1);
	assert_int_equal(m->nattachments, 2);
	mail_free(&m);

	/* no text/plain at all: an unknown text type without a name is
	 * text; a named text/csv stays an attachment */
	m = parse_fixture("text-x-type.eml");
	assert_string_equal(m->text, "Own format, still text.");
	assert_int_equal(m->nattachments, 1);
	assert_string_equal(m->attachments[0].filename, "table.csv");
	mail_free(&m);
}

static void
test_related_image_first(void **state)
{
	struct mail *m = parse_fixture("text-related-image-first.eml");

	(void)state;
	assert_string_equal(m->text, "See the screenshot.");
	assert_int_equal(m->nattachments, 1);
	assert_string_equal(m->attachments[0].content_type, "image/png");
	mail_free(&m);
}

static void
test_prefixes(void **state)
{
	size_t f;

	(void)state;
	for (f = 0; f < sizeof(fixtures) / sizeof(fixtures[0]); f++) {
		size_t len, cut;
		char *raw = load(fixtures[f], &len);

		for (cut = 0; cut <= len; cut++) {
			char *copy = malloc(cut ? cut : 1);
			struct gc_err err = { 0, "" };
			struct mail *m = NULL;
			int rc;

			memcpy(copy, raw, cut);
			rc = mail_parse(&m, copy, cut, NULL, &err);
			free(copy);
			if (rc != 0) {
				assert_int_equal(rc, GC_EPARSE);
				assert_null(m);
				continue;
			}
			assert_true(utf8_valid(m->text, strlen(m->text)));
			assert_true(utf8_valid(m->new_text,
			    strlen(m->new_text)));
			mail_free(&m);
		}
		free(raw);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blank_plain),
		cmocka_unit_test(test_forward_only),
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_mbox_escaped),
		cmocka_unit_test(test_partial),
		cmocka_unit_test(test_enriched),
		cmocka_unit_test(test_enriched_table),
		cmocka_unit_test(test_dispositions),
		cmocka_unit_test(test_named_and_unknown_text),
		cmocka_unit_test(test_related_image_first),
		cmocka_unit_test(test_prefixes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
