/*
 * test_html.c - HTML to text (parsers/html.c)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/mem.h"
#include "parsers/html.h"
#include "parsers/utf8.h"

static struct arena pool;

static const char *
conv(const char *html)
{
	char *out = NULL;

	assert_int_equal(html_to_text(&out, &pool, html, strlen(html),
	    1 << 20), 0);
	assert_non_null(out);
	assert_true(utf8_valid(out, strlen(out)));
	return out;
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
test_blocks(void **state)
{
	(void)state;
	assert_string_equal(conv("<html><head><title>T</title><style>p{}"
	    "</style></head><body><p>Hello&nbsp;&nbsp; <b>world</b>,   this"
	    "\n is a test.</p><div>Line one<br>Line two<br><br>After</div>"
	    "<script>alert(1)</script></body></html>"),
	    "Hello world, this is a test.\n\nLine one\nLine two\n\nAfter");
	assert_string_equal(conv("<ul><li>one</li><li>two</li></ul>"
	    "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>"),
	    "- one\n- two\n\na b\nc");
	assert_string_equal(conv("<h1>Title</h1>text<pre>  keep   this\n"
	    "  too</pre>end"), "Title\n\ntext\n\n  keep   this\n  too\n\nend");
	assert_string_equal(conv("caf&eacute; &amp; cr&#232;me &euro;"),
	    "café & crème €");
	assert_string_equal(conv(""), "");
	assert_string_equal(conv("<p></p><br><div> </div>"), "");
}

static void
test_links(void **state)
{
	(void)state;
	assert_string_equal(conv("See <a href=\"https://example.com/a?b=1\">"
	    "the docs</a>."), "See the docs <https://example.com/a?b=1>.");
	/* no repeat when the text is the url */
	assert_string_equal(conv("<a href=\"https://example.com\">"
	    "https://example.com</a> <a href=\"mailto:a@b.c\">a@b.c</a>"),
	    "https://example.com a@b.c");
	/* javascript: and relative links are not shown */
	assert_string_equal(conv("<a href=\"javascript:x()\">click</a> "
	    "<a href=\"/rel\">rel</a>"), "click rel");
	/* an image link gives its target */
	assert_string_equal(conv("<a href=\"http://x.y/z\"><img src=\"i\">"
	    "</a>"), "<http://x.y/z>");
	/* line breaks inside the attribute do not reach the text */
	assert_string_equal(conv("<a href=\"http://x.y/\n\rz\">l</a>"),
	    "l <http://x.y/z>");
}

static void
test_quotes(void **state)
{
	(void)state;
	assert_string_equal(conv("<div>On Mon, John wrote:<blockquote>quoted"
	    " <p>para</p><blockquote>deeper</blockquote>back</blockquote>"
	    "</div>after"), "On Mon, John wrote:\n\n> quoted\n>\n> para\n>\n"
	    ">> deeper\n>\n> back\n\nafter");
}

static void
test_hostile(void **state)
{
	size_t n = 200000, i;
	char *deep = malloc(n * 5 + 32), *p = deep;
	char *out = NULL;

	(void)state;
	/* 200,000 nested elements: no recursion on our side */
	for (i = 0; i < n; i++) {
		memcpy(p, "<div>", 5);
		p += 5;
	}
	strcpy(p, "deep text");
	assert_int_equal(html_to_text(&out, &pool, deep, strlen(deep),
	    1 << 20), 0);
	/* and the text is there (libxml2's parser stopped at depth 256,
	 * and everything after was lost) */
	assert_string_equal(out, "deep text");
	free(deep);
	{
		struct buf b = BUF_INIT(1 << 16);

		(void)!buf_addstr(&b, "<p>start</p>");
		for (i = 0; i < 300; i++)
			(void)!buf_addstr(&b, "<div>");
		(void)!buf_addstr(&b, "deep");
		for (i = 0; i < 300; i++)
			(void)!buf_addstr(&b, "</div>");
		(void)!buf_addstr(&b, "<p>after</p>");
		assert_string_equal(conv(buf_str(&b)),
		    "start\n\ndeep\n\nafter");
		buf_free(&b);
	}
	/* the cap */
	assert_int_equal(html_to_text(&out, &pool, "<p>0123456789</p>", 17,
	    5), GC_ELIMIT);
	assert_null(out);
	/* binary junk and NULs */
	assert_int_equal(html_to_text(&out, &pool, "<p>a\0b\xff</p>", 10,
	    1024), 0);
	assert_true(utf8_valid(out, strlen(out)));
	/* a control character after a blank, stripped at the end, must not
	 * leave the blank at the end of a line (a fuzzer finding) */
	assert_string_equal(conv("x \x7f<br>y \x7f\x01"), "x\ny");
	assert_string_equal(conv("<p>a \x7f</p><p>b\t\x7f</p>"), "a\n\nb");
}

/* What the one-pass reader must get right where a tree builder did it
 * for free, and where hostile HTML tries to make us read something
 * other than what a browser shows. */
#define R "\xef\xbf\xbd"   /* U+FFFD */

static void
test_forgiving(void **state)
{
	(void)state;
	/* raw text: tags and entities inside scripts and styles are no
	 * markup, and show nothing */
	assert_string_equal(conv("a<script>if (x<y) document.write('<p>"
	    "hidden</p>&amp;')</script>b<style>p > b { }</style>c"), "abc");
	assert_string_equal(conv("<textarea><b>shown</b></textarea>"),
	    "<b>shown</b>");
	/* a '>' inside a quoted attribute does not end the tag */
	assert_string_equal(conv("<a href=\"https://x.y/?a>b\" title='>'>"
	    "go</a>"), "go <https://x.y/?a>b>");
	/* comments, doctypes, "</>" and "</ x>" show nothing (spam hides
	 * words with them), a lone '<' or '&' is text */
	assert_string_equal(conv("<!DOCTYPE html><!-- a -- b -->V<!x>IA</>"
	    "G</ y>RA 1 < 2 & 3 &unknown; &amp &lt;"),
	    "VIAGRA 1 < 2 & 3 &unknown; &amp <");
	assert_string_equal(conv("before<!-- never closed <p>x</p>"),
	    "before");
	/* numeric references: what is no character becomes U+FFFD */
	assert_string_equal(conv("&#65;&#x42;&#0;&#xD800;&#x110000;"
	    "&#99999999999;&#67"), "AB" R R R R "C");
	/* a stray end tag does not close what ranks above it: the quote
	 * goes on after "</table>" of a table that is already closed */
	assert_string_equal(conv("<blockquote>q1<table><tr><td>c</td></tr>"
	    "</table></td></table>q2</blockquote>out"),
	    "> q1\n>\n> c\n>\n> q2\n\nout");
	/* a block ends the paragraph it starts in; a link ends a link */
	assert_string_equal(conv("<p>one<div>two</div>three"),
	    "one\n\ntwo\nthree");
	assert_string_equal(conv("<a href=\"http://a.example\">a<a href=\""
	    "http://b.example\">b</a>"),
	    "a <http://a.example>b <http://b.example>");
	/* text before any tag, or after </body>, is a paragraph */
	assert_string_equal(conv("Hello<div>x</div>"), "Hello\n\nx");
	assert_string_equal(conv("<html><body>a</body>mid</html>tail"),
	    "a\n\nmid\n\ntail");
	/* "<div/>" closes at once; the head ends where the body starts */
	assert_string_equal(conv("<div/>a<br/>b"), "a\nb");
	assert_string_equal(conv("<head><title>t</title><p>shown"), "shown");
	assert_string_equal(conv("<svg><svg></svg><text>no</text></svg>yes"),
	    "yes");
	/* upper case, unknown and namespaced tags */
	assert_string_equal(conv("<P>A</P><O:P>b</O:P><X-Y>c</X-Y>"),
	    "A\n\nbc");
	/* an unclosed tag at the end, an unclosed attribute value */
	assert_string_equal(conv("text<b"), "text");
	assert_string_equal(conv("x<a href=\"http://u.example"), "x");
}

/* Past the depth the reader follows, quotes and links stay balanced. */
static void
test_deep_balanced(void **state)
{
	size_t n = 5000, i;
	struct buf b = BUF_INIT(1 << 20);
	char *out = NULL;

	(void)state;
	(void)!buf_addstr(&b, "<blockquote>q");
	for (i = 0; i < n; i++)
		(void)!buf_addstr(&b, "<blockquote><b>");
	(void)!buf_addstr(&b, "deep");
	for (i = 0; i < n; i++)
		(void)!buf_addstr(&b, "</b></blockquote>");
	(void)!buf_addstr(&b, "</blockquote><p>out <a href=\"http://x.y\">"
	    "l</a></p>");
	assert_int_equal(html_to_text(&out, &pool, buf_str(&b), b.len,
	    1 << 24), 0);
	/* the last line is not quoted, and the link is written */
	assert_non_null(strstr(out, "\nout l <http://x.y>"));
	assert_string_equal(strrchr(out, '\n'), "\nout l <http://x.y>");
	buf_free(&b);
}

static void
test_sniff(void **state)
{
	static const char h1[] = "<html><head><meta http-equiv=\"Content-Type\""
	    " content=\"text/html; charset=ISO-8859-2\"></head>";
	static const char h2[] = "<meta charset='Windows-1251'>";
	static const char h3[] = "<p>charset=utf-8 in text only</p>";

	(void)state;
	assert_string_equal(html_sniff_charset(&pool, h1, sizeof(h1) - 1),
	    "iso-8859-2");
	assert_string_equal(html_sniff_charset(&pool, h2, sizeof(h2) - 1),
	    "windows-1251");
	assert_null(html_sniff_charset(&pool, h3, sizeof(h3) - 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quotes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forgiving, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deep_balanced, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sniff, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
