/*
 * test_mime_images.c - inline images (cid:) of an HTML mail: kept as
 * attachments, and named in the mail's text and in its sanitised HTML
 * (parsers/html.c, parsers/mime_attach.c, parsers/html_safe.c)
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
#include "parsers/html_safe.h"
#include "parsers/mime.h"

static const char related[] =
    "From: a@b.example\r\nTo: s@x.example\r\nSubject: pic\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/related; boundary=R\r\n\r\n"
    "--R\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    "<p>See <img src=\"cid:logo.1@b.example\"> and "
    "<img src=\"cid:gone@b.example\"><img src=\"http://t.example/p.gif\">"
    "</p>\r\n"
    "--R\r\nContent-Type: image/png; name=\"logo.png\"\r\n"
    "Content-ID: <logo.1@b.example>\r\n"
    "Content-Disposition: inline\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--R--\r\n";

static void
test_cid_named(void **state)
{
	struct mail *m = NULL;
	char *h = NULL;
	struct arena a;

	(void)state;
	assert_int_equal(mail_parse(&m, related, sizeof(related) - 1, NULL,
	    NULL), 0);
	assert_int_equal(m->nattachments, 1);
	assert_string_equal(m->attachments[0].filename, "logo.png");
	assert_non_null(strstr(m->text, "See [image: logo.png] and "
	    "[image: gone@b.example]"));
	assert_null(strstr(m->text, "t.example"));
	arena_init(&a, 4096);
	assert_int_equal(html_safe_mail(&h, &a, m, 1 << 20, 0), 0);
	assert_non_null(h);
	assert_non_null(strstr(h, "See [image: logo.png] and [image: "
	    "gone@b.example]"));
	assert_null(strstr(h, "<img"));
	arena_free(&a);
	mail_free(&m);
}

/* A text/plain mail that happens to say "[image: x]" is left alone. */
static void
test_plain_untouched(void **state)
{
	static const char plain[] = "From: a@b.example\r\nSubject: s\r\n"
	    "\r\nsee [image: logo.1@b.example]\r\n";
	struct mail *m = NULL;
	char *h = (char *)1;
	struct arena a;

	(void)state;
	assert_int_equal(mail_parse(&m, plain, sizeof(plain) - 1, NULL,
	    NULL), 0);
	assert_non_null(strstr(m->text, "[image: logo.1@b.example]"));
	arena_init(&a, 4096);
	assert_int_equal(html_safe_mail(&h, &a, m, 1 << 20, 0), 0);
	assert_null(h);
	arena_free(&a);
	mail_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cid_named),
		cmocka_unit_test(test_plain_untouched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
