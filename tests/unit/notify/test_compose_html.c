/*
 * test_compose_html.c - unit tests of notify/compose_html.c and of the
 * multipart/alternative that compose.c builds with it
 *
 * The HTML made from a text holds the text escaped (no tag, attribute or
 * entity of the text survives as markup), its paragraphs, lists, quotes
 * and links as elements, and the caller's fragments in place of their
 * markers; a message with an HTML body is multipart/alternative (inside
 * multipart/mixed with attachments), text first.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/mem.h"
#include "notify/compose.h"

static char *
html_of(const char *text, const char *const *frags, size_t n)
{
	struct buf b = BUF_INIT(64 << 20);

	assert_int_equal(compose_text_html(&b, text, "T <&>", frags, n), 0);
	return buf_detach(&b, NULL);
}

/* The body of the document, between <body ...> and </body>. */
static const char *
body_of(const char *h)
{
	const char *b = strstr(h, "<body");

	assert_non_null(b);
	return strchr(b, '>') + 1;
}

static void
test_escaped(void **state)
{
	char *h = html_of("<script>alert(1)</script> & \"q\" 'a' "
	    "<img src=http://evil.example/x.png onerror=alert(1)>\n", NULL, 0);
	const char *b = body_of(h);

	(void)state;
	assert_null(strstr(b, "<script"));
	assert_null(strstr(b, "<img"));
	assert_non_null(strstr(b, "&lt;script&gt;alert(1)&lt;/script&gt; "
	    "&amp; &quot;q&quot; &#39;a&#39; &lt;img src="));
	/* the only elements are ours */
	for (const char *p = strchr(b, '<'); p; p = strchr(p + 1, '<'))
		assert_true(strncmp(p, "<p>", 3) == 0 ||
		    strncmp(p, "</p>", 4) == 0 || strncmp(p, "<a ", 3) == 0 ||
		    strncmp(p, "</a>", 4) == 0 ||
		    strncmp(p, "</body>", 7) == 0 ||
		    strncmp(p, "</html>", 7) == 0);
	assert_non_null(strstr(h, "<title>T &lt;&amp;&gt;</title>"));
	free(h);
}

static void
test_blocks_and_links(void **state)
{
	char *h = html_of("Hello,\nsecond line\n\n- one\n- two "
	    "https://x.example/a?b=1&c=\"2\".\n\n> quoted\n> > deeper\n\n"
	    "Mail mailto:help@x.example or javascript:alert(1)\n", NULL, 0);

	(void)state;
	assert_non_null(strstr(h, "<p>Hello,<br>\nsecond line</p>"));
	assert_non_null(strstr(h, "<ul>\n<li>one</li>\n<li>two <a href=\""
	    "https://x.example/a?b=1&amp;c=\">https://x.example/a?b=1&amp;c="
	    "</a>&quot;2&quot;.</li>\n</ul>"));
	assert_non_null(strstr(h, "<blockquote"));
	assert_non_null(strstr(h, "<p>quoted</p>"));
	assert_non_null(strstr(h, "<p>deeper</p>\n</blockquote>\n"
	    "</blockquote>"));
	assert_non_null(strstr(h, "<a href=\"mailto:help@x.example\">"));
	assert_null(strstr(h, "href=\"javascript"));
	free(h);
}

/* Runs of plain characters, controls and links at any place of a line
 * (the escaper copies runs, and looks for a link only at h and m). */
static void
test_runs_and_link_starts(void **state)
{
	char *h = html_of("ab\x01" "c\x1f" "&d\tx MAILTO:a@b.example, "
	    "xhttps://no.example Https://yes.example/p?q=1&r=2. mhttp://no "
	    "<\xc3\xa9>\n", NULL, 0);
	const char *b = body_of(h);

	(void)state;
	assert_non_null(strstr(b, "<p>abc&amp;d\tx <a href=\"MAILTO:a@b."
	    "example\">MAILTO:a@b.example</a>, xhttps://no.example "
	    "<a href=\"Https://yes.example/p?q=1&amp;r=2\">"
	    "Https://yes.example/p?q=1&amp;r=2</a>. mhttp://no "
	    "&lt;\xc3\xa9&gt;</p>"));
	free(h);
}

/* compose_html_escape() (a table, runs copied at once) against the
 * obvious byte-at-a-time escaper, on every byte and on random texts. */
static void
ref_escape(struct buf *out, const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *e = NULL;
		char c = (char)s[i];

		switch (s[i]) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		default:
			if (s[i] < 0x20 && s[i] != '\t')
				e = "";
		}
		if (e != NULL)
			assert_int_equal(buf_addstr(out, e), 0);
		else
			assert_int_equal(buf_add(out, &c, 1), 0);
	}
}

static void
test_escape_as_reference(void **state)
{
	unsigned char text[700];
	unsigned seed = 16;

	(void)state;
	for (int round = 0; round < 3000; round++) {
		struct buf got = BUF_INIT(1 << 20), want = BUF_INIT(1 << 20);
		size_t n = round < 256 ? 3 : (size_t)rand_r(&seed) %
		    sizeof(text);

		for (size_t i = 0; i < n; i++)
			text[i] = round < 256 ? (unsigned char)(i == 1 ? round :
			    'a') : rand_r(&seed) % 4 == 0 ?
			    (unsigned char)rand_r(&seed) : (unsigned char)('a' +
			    rand_r(&seed) % 26);
		assert_int_equal(compose_html_escape(&got, (const char *)text,
		    n), 0);
		ref_escape(&want, text, n);
		assert_int_equal(got.len, want.len);
		assert_memory_equal(buf_str(&got), buf_str(&want), got.len);
		buf_free(&got);
		buf_free(&want);
	}
}

static void
test_fragments(void **state)
{
	static const char *const frags[] = { "<b>bold</b>", "<i>it</i>" };
	char *h = html_of("Before\n\x1e" "0\x1e\nafter \x1e" "1\x1e and "
	    "\x1e" "7\x1e\n", frags, 2);

	(void)state;
	assert_non_null(strstr(h, "<div><b>bold</b></div>"));
	assert_non_null(strstr(h, "after <i>it</i> and "));
	/* a marker of no fragment is dropped as a control */
	assert_null(strchr(h, '\x1e'));
	free(h);
}

static void
test_hostile_sizes(void **state)
{
	size_t n = 2 * 1024 * 1024;
	char *text = malloc(n + 1), *h;
	struct buf b = BUF_INIT(1000);

	(void)state;
	memset(text, '>', n);       /* 2 MB of quote levels */
	text[n] = '\0';
	h = html_of(text, NULL, 0);
	assert_non_null(strstr(h, "</body>"));
	free(h);
	memset(text, '<', n);
	assert_int_equal(compose_text_html(&b, text, NULL, NULL, 0),
	    GC_ELIMIT);
	buf_free(&b);
	free(text);
}

static void
test_alternative(void **state)
{
	static const struct compose_addr to = { NULL, "a@b.example" };
	static const unsigned char bin[] = { 0, 1, 2, 0xff };
	struct compose_attachment at = { "x.bin", "application/pdf", bin,
		sizeof(bin) };
	struct compose_msg m = { 0 };
	struct buf out = BUF_INIT(1 << 20);
	const char *s, *alt, *plain, *html, *pdf;

	(void)state;
	m.from.addr = "support@example.com";
	m.to = &to;
	m.nto = 1;
	m.subject = "S";
	m.message_id = "x.1@example.com";
	m.body = "Hello & bye\n";
	m.html_body = "<p>Hello &amp; bye</p>\n";
	m.date = 1790000000;
	assert_int_equal(compose_message(&out, &m, NULL), 0);
	s = buf_str(&out);
	assert_non_null(strstr(s, "Content-Type: multipart/alternative;\r\n"
	    " boundary=\"=_gc_alt_"));
	plain = strstr(s, "Content-Type: text/plain; charset=utf-8");
	html = strstr(s, "Content-Type: text/html; charset=utf-8");
	assert_true(plain != NULL && html != NULL && plain < html);
	assert_non_null(strstr(html, "<p>Hello &amp; bye</p>"));

	/* with an attachment: mixed, the alternative first */
	buf_reset(&out);
	m.attachments = &at;
	m.nattachments = 1;
	assert_int_equal(compose_message(&out, &m, NULL), 0);
	s = buf_str(&out);
	assert_non_null(strstr(s, "Content-Type: multipart/mixed;"));
	alt = strstr(s, "Content-Type: multipart/alternative;");
	pdf = strstr(s, "Content-Type: application/pdf");
	html = strstr(s, "Content-Type: text/html");
	assert_true(alt != NULL && html != NULL && pdf != NULL);
	assert_true(alt < html && html < pdf);
	assert_non_null(strstr(s, "--=_gc_alt_"));
	assert_non_null(strstr(html, "\r\n--=_gc_alt_"));
	buf_free(&out);
}

/* A file name is a name: no path, no header break, RFC 2231 when it
 * needs quoting. */
static void
test_attachment_names(void **state)
{
	static const struct compose_addr to = { NULL, "a@b.example" };
	struct compose_attachment at = { "../..\\etc/pa\"ss\r\nX-Evil: 1 é.txt",
		"text/plain", "x", 1 };
	struct compose_msg m = { 0 };
	struct buf out = BUF_INIT(1 << 20);
	const char *s;

	(void)state;
	m.from.addr = "support@example.com";
	m.to = &to;
	m.nto = 1;
	m.subject = "S";
	m.message_id = "x.2@example.com";
	m.body = "b\n";
	m.date = 1790000000;
	m.attachments = &at;
	m.nattachments = 1;
	assert_int_equal(compose_message(&out, &m, NULL), 0);
	s = buf_str(&out);
	assert_null(strstr(s, "\r\nX-Evil"));
	assert_null(strstr(s, "/etc"));
	assert_null(strstr(s, "..\\"));
	assert_non_null(strstr(s, "filename*0*=utf-8''.._.._etc_pa%22ss"));
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escaped),
		cmocka_unit_test(test_escape_as_reference),
		cmocka_unit_test(test_blocks_and_links),
		cmocka_unit_test(test_runs_and_link_starts),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_hostile_sizes),
		cmocka_unit_test(test_alternative),
		cmocka_unit_test(test_attachment_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
