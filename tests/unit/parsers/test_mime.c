/*
 * test_mime.c - the mail parser (parsers/mime.c) on hand-written fixtures
 * (tests/fixtures/mail/) and on generated hostile input
 *
 * Every parse goes through check_mail(), which walks everything the mail
 * points to and asserts the parser's promise: valid UTF-8, no NUL byte,
 * consistent indexes. test_prefixes feeds every fixture again cut at every
 * length (STYLE.md 13): each truncation must parse or fail cleanly.
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
#include "parsers/utf8.h"

static const char *fixtures[] = {
	"plain-lf.eml", "plain-crlf.eml", "plain-cr.eml", "alternative.eml",
	"attachment.eml", "rfc2047.eml", "latin1.eml", "latin1-qp.eml",
	"references.eml", "nul.eml", "8bit-headers.eml", "forward.eml",
	"iso2022jp.eml", "nested.eml", "html-only.eml", "quote-gmail-en.eml",
	"quote-gmail-fr.eml", "quote-gmail-html.eml", "quote-outlook-en.eml",
	"quote-outlook-fr.eml", "quote-outlook-html.eml", "quote-apple.eml",
	"quote-thunderbird-bottom.eml", "quote-german.eml", "quote-yahoo.eml",
	"quote-forward.eml", "quote-inline.eml",
};

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

static void
check_str(const char *s)
{
	if (s == NULL)
		return;
	assert_true(utf8_valid(s, strlen(s)));
}

static void
check_mail(const struct mail *m, int depth)
{
	size_t i;

	assert_true(depth < 200);
	assert_non_null(m->subject);
	assert_non_null(m->text);
	check_str(m->subject);
	check_str(m->text);
	check_str(m->text_charset);
	check_str(m->from.name);
	check_str(m->from.addr);
	check_str(m->sender);
	check_str(m->return_path);
	check_str(m->message_id);
	check_str(m->in_reply_to);
	for (i = 0; i < m->nheaders; i++) {
		check_str(m->headers[i].name);
		check_str(m->headers[i].value);
		assert_null(strpbrk(m->headers[i].value, "\r\n"));
	}
	assert_null(strpbrk(m->subject, "\r\n\t"));
	for (i = 0; i < m->nto; i++) {
		check_str(m->to[i].name);
		check_str(m->to[i].addr);
	}
	for (i = 0; i < m->ncc; i++) {
		check_str(m->cc[i].name);
		check_str(m->cc[i].addr);
	}
	for (i = 0; i < m->nreply_to; i++) {
		check_str(m->reply_to[i].name);
		check_str(m->reply_to[i].addr);
	}
	for (i = 0; i < m->nreferences; i++) {
		assert_non_null(m->references[i]);
		check_str(m->references[i]);
	}
	for (i = 0; i < m->nattachments; i++) {
		const struct mail_attachment *a = &m->attachments[i];

		check_str(a->filename);
		check_str(a->content_type);
		check_str(a->content_id);
		assert_true(a->part < m->nparts);
		assert_true(m->parts[a->part].is_attachment);
		assert_true(a->data != NULL || a->len == 0);
		if (a->message != NULL)
			check_mail(a->message, depth + 1);
	}
	assert_true(m->nparts >= 1);
	for (i = 0; i < m->nparts; i++) {
		const struct mail_part *p = &m->parts[i];
		size_t k;

		check_str(p->content_type);
		assert_non_null(strchr(p->content_type, '/'));
		check_str(p->charset);
		check_str(p->disposition);
		check_str(p->filename);
		check_str(p->content_id);
		check_str(p->encoding);
		for (k = 0; k < p->nheaders; k++)
			check_str(p->headers[k].value);
		assert_true(i == 0 ? p->parent == 0 : p->parent < i);
		if (p->message != NULL && !p->is_attachment)
			check_mail(p->message, depth + 1);
	}
}

static struct mail *
parse_lim(const char *raw, size_t len, const struct mail_limits *lim)
{
	struct mail *m = NULL;
	struct gc_err err = { 0, "" };
	int rc = mail_parse(&m, raw, len, lim, &err);

	if (rc != 0)
		fail_msg("mail_parse: %d %s", rc, err.msg);
	assert_non_null(m);
	check_mail(m, 0);
	return m;
}

static struct mail *
parse_ok(const char *raw, size_t len)
{
	return parse_lim(raw, len, NULL);
}

static struct mail *
parse_fixture(const char *name)
{
	size_t len;
	char *raw = load(name, &len);
	struct mail *m = parse_ok(raw, len);

	free(raw);      /* the mail owns copies of everything */
	return m;
}

static void
test_plain(void **state)
{
	struct mail *m = parse_fixture("plain-lf.eml");
	const char *eols[] = { "plain-crlf.eml", "plain-cr.eml" };
	size_t i;

	(void)state;
	assert_string_equal(m->subject, "Printer on fire again");
	assert_string_equal(m->from.name, "Alice Martin");
	assert_string_equal(m->from.addr, "alice@example.org");
	assert_int_equal(m->nto, 2);
	assert_string_equal(m->to[0].name, "Support");
	assert_string_equal(m->to[0].addr, "support@example.com");
	assert_null(m->to[1].name);
	assert_string_equal(m->to[1].addr, "bob@example.net");
	assert_int_equal(m->ncc, 1);
	assert_string_equal(m->cc[0].name, "Carol, the boss");
	assert_string_equal(m->cc[0].addr, "carol@example.net");
	assert_string_equal(m->return_path, "alice@example.org");
	assert_null(m->sender);
	assert_string_equal(m->message_id, "20261126.abc@example.org");
	assert_true(m->has_date);
	assert_int_equal(m->date, 1795683600);   /* 2026-11-26T09:00:00Z */
	assert_string_equal(m->text, "Hello,\n\nthe printer is on fire again."
	    "\nPlease help.\n\nAlice\n");
	assert_string_equal(m->text_charset, "us-ascii");
	assert_false(m->text_charset_unknown);
	assert_int_equal(m->nattachments, 0);
	assert_int_equal(m->nparts, 1);
	assert_true(m->parts[0].is_body);
	assert_string_equal(mail_header_get(m, "received"),
	    "from mx.example.org (mx.example.org [192.0.2.1])\tby "
	    "support.example.com with ESMTP id 4711\tfor "
	    "<support@example.com>; Thu, 26 Nov 2026 10:00:00 +0100");
	assert_string_equal(mail_header_get(m, "SUBJECT"),
	    "Printer on fire again");
	assert_null(mail_header_get(m, "X-None"));
	assert_int_equal(m->nheaders, 10);
	assert_int_equal(m->header_bytes, 498);

	/* The same mail with CRLF and with bare CR line ends reads the
	 * same. */
	for (i = 0; i < 2; i++) {
		struct mail *o = parse_fixture(eols[i]);

		assert_string_equal(o->subject, m->subject);
		assert_string_equal(o->text, m->text);
		assert_string_equal(o->from.addr, m->from.addr);
		assert_int_equal(o->nto, m->nto);
		assert_string_equal(o->cc[0].name, m->cc[0].name);
		assert_string_equal(o->message_id, m->message_id);
		assert_int_equal(o->date, m->date);
		assert_int_equal(o->nheaders, m->nheaders);
		assert_string_equal(mail_header_get(o, "Received"),
		    mail_header_get(m, "Received"));
		mail_free(&o);
		assert_null(o);
	}
	mail_free(&m);
	assert_null(m);
	mail_free(&m);  /* NULL is fine */
}

static void
test_alternative(void **state)
{
	struct mail *m = parse_fixture("alternative.eml");

	(void)state;
	assert_string_equal(m->text, "The plain version, café included.\n"
	    "A soft break.");
	assert_string_equal(m->text_charset, "utf-8");
	assert_int_equal(m->nparts, 3);
	assert_string_equal(m->parts[0].content_type,
	    "multipart/alternative");
	assert_null(m->parts[0].data);
	assert_string_equal(m->parts[1].content_type, "text/plain");
	assert_true(m->parts[1].is_body);
	assert_int_equal(m->parts[1].parent, 0);
	assert_int_equal(m->parts[1].depth, 1);
	assert_string_equal(m->parts[1].encoding, "quoted-printable");
	assert_string_equal(m->parts[2].content_type, "text/html");
	assert_false(m->parts[2].is_body);
	assert_false(m->parts[2].is_attachment);
	assert_int_equal(m->nattachments, 0);
	assert_int_equal(m->date, 1795786200);   /* 08:30 -0500 */
	mail_free(&m);
}

static void
test_attachment(void **state)
{
	struct mail *m = parse_fixture("attachment.eml");
	size_t plen;
	char *pdf = load("attachment.pdf.bin", &plen);
	const struct mail_attachment *a;

	(void)state;
	assert_string_equal(m->text, "Please find the invoice attached.\n");
	assert_int_equal(m->nattachments, 2);
	a = &m->attachments[0];
	assert_string_equal(a->filename, "invoice 2026-11.pdf");
	assert_string_equal(a->content_type, "application/pdf");
	assert_string_equal(a->disposition, "attachment");
	assert_null(a->content_id);
	assert_null(a->message);
	assert_int_equal(a->len, plen);
	assert_memory_equal(a->data, pdf, plen);
	a = &m->attachments[1];
	assert_string_equal(a->filename, "résumé.png");
	assert_string_equal(a->content_type, "image/png");
	assert_string_equal(a->disposition, "inline");
	assert_string_equal(a->content_id, "img1@example.net");
	assert_int_equal(a->len, 8);
	assert_memory_equal(a->data, "\x89PNG\r\n\x1a\n", 8);
	free(pdf);
	mail_free(&m);
}

static void
test_rfc2047(void **state)
{
	struct mail *m = parse_fixture("rfc2047.eml");

	(void)state;
	assert_string_equal(m->subject, "If you can read this you understand "
	    "the example. and café crème");
	assert_string_equal(m->from.name, "André Pirard");
	assert_string_equal(m->from.addr, "PIRARD@vm1.ulg.ac.be");
	assert_int_equal(m->nto, 2);
	assert_string_equal(m->to[0].name, "Jürgen Müller");
	assert_string_equal(m->to[1].name, "François");
	/* the raw header value keeps its encoded words; the text form
	 * decodes them */
	assert_non_null(strstr(mail_header_get(m, "Subject"),
	    "=?ISO-8859-1?B?"));
	assert_string_equal(mail_header_text(m, "to"), "Jürgen Müller "
	    "<juergen@example.de>, François <francois@example.fr>");
	assert_null(mail_header_text(m, "X-None"));
	mail_free(&m);
}

static void
test_latin1(void **state)
{
	struct mail *m = parse_fixture("latin1.eml");

	(void)state;
	/* 8-bit body and 8-bit header bytes, read as windows-1252 */
	assert_string_equal(m->text, "Bonjour, le café coûte 3 €.\n");
	assert_string_equal(m->text_charset, "iso-8859-1");
	assert_false(m->text_charset_unknown);
	assert_string_equal(m->subject, "Café crème");
	assert_string_equal(m->from.name, "Désirée");
	mail_free(&m);

	m = parse_fixture("latin1-qp.eml");
	assert_string_equal(m->text, "Ça coûte 5 €, déjà payé.  \nFin=\n");
	assert_string_equal(m->text_charset, "latin1");
	mail_free(&m);
}

/* RFC 6532: an address is UTF-8. One written in another charset is read
 * with U+FFFD for its characters past ASCII (nobody may write to a
 * guess); its display name keeps the charset's reading; an address in
 * UTF-8 stays as written. */
#define R "\xef\xbf\xbd"   /* U+FFFD */

static void
test_address_not_in_utf8(void **state)
{
	static const char latin[] =
	    "From: D\xe9sir\xe9" "e <d\xe9sir\xe9" "e@caf\xe9.example>\r\n"
	    "Reply-To: <r\xe9@caf\xe9.example>, plain@example.org\r\n"
	    "Sender: s\xe9@caf\xe9.example\r\n"
	    "Return-Path: <p\xe9@caf\xe9.example>\r\n"
	    "Subject: Caf\xe9 cr\xe8" "me\r\n"
	    "Content-Type: text/plain; charset=iso-8859-1\r\n\r\nCaf\xe9\r\n";
	static const char utf8[] =
	    "From: Zo\xc3\xab <zo\xc3\xab@ex\xc3\xa4mple.org>\r\n"
	    "Subject: Caf\xe9\r\n\r\ntext\r\n";
	struct mail *m;

	(void)state;
	m = parse_ok(latin, sizeof(latin) - 1);
	assert_string_equal(m->from.name, "D\xc3\xa9sir\xc3\xa9" "e");
	assert_string_equal(m->from.addr, "d" R "sir" R
	    "e@caf" R ".example");
	assert_int_equal(m->nreply_to, 2);
	assert_string_equal(m->reply_to[0].addr,
	    "r" R "@caf" R ".example");
	assert_string_equal(m->reply_to[1].addr, "plain@example.org");
	assert_string_equal(m->sender,
	    "s" R "@caf" R ".example");
	assert_string_equal(m->return_path,
	    "p" R "@caf" R ".example");
	assert_string_equal(m->subject, "Caf\xc3\xa9 cr\xc3\xa8me");
	mail_free(&m);

	/* the From in UTF-8 is kept, though the Subject is not UTF-8 */
	m = parse_ok(utf8, sizeof(utf8) - 1);
	assert_string_equal(m->from.addr, "zo\xc3\xab@ex\xc3\xa4mple.org");
	assert_string_equal(m->from.name, "Zo\xc3\xab");
	mail_free(&m);
}

#undef R

static void
test_references(void **state)
{
	struct mail *m = parse_fixture("references.eml");

	(void)state;
	assert_null(m->message_id);
	assert_string_equal(m->in_reply_to, "reply-2@support.example.com");
	assert_int_equal(m->nreferences, 3);
	assert_string_equal(m->references[0], "orig-1@example.com");
	assert_string_equal(m->references[1], "reply-1@support.example.com");
	assert_string_equal(m->references[2], "reply-2@support.example.com");
	assert_int_equal(m->date, 1795910399);
	assert_null(m->text_charset);
	assert_string_equal(m->text, "Still broken.\n");
	mail_free(&m);
}

static void
test_nul_and_8bit(void **state)
{
	struct mail *m = parse_fixture("nul.eml");

	(void)state;
	assert_string_equal(m->subject, "has NULbytes");
	assert_string_equal(m->message_id, "nul@example.com");
	assert_string_equal(m->text,
	    "body with  a NUL and \xef\xbf\xbd junk\n");
	mail_free(&m);

	m = parse_fixture("8bit-headers.eml");
	assert_string_equal(m->from.name, "éric");
	assert_string_equal(m->from.addr, "eric@example.com");
	assert_non_null(strstr(m->subject, "8-bit été"));
	assert_null(strchr(m->subject, '\x01'));
	assert_string_equal(m->text, "été\n");
	mail_free(&m);
}

static void
test_forward(void **state)
{
	struct mail *m = parse_fixture("forward.eml");
	const struct mail *fw;

	(void)state;
	assert_string_equal(m->text, "See the forwarded mail.");
	assert_int_equal(m->nattachments, 1);
	assert_string_equal(m->attachments[0].content_type, "message/rfc822");
	fw = m->attachments[0].message;
	assert_non_null(fw);
	assert_string_equal(fw->subject, "original problem");
	assert_string_equal(fw->message_id, "orig@example.org");
	assert_string_equal(fw->from.addr, "frank@example.org");
	assert_string_equal(fw->text, "The original text.");
	assert_int_equal(fw->nparts, 3);
	/* the attachment data is the forwarded message itself */
	assert_true(m->attachments[0].len > 100);
	assert_memory_equal(m->attachments[0].data, "From: frank@", 12);
	mail_free(&m);
}

static void
test_iso2022jp(void **state)
{
	struct mail *m = parse_fixture("iso2022jp.eml");

	(void)state;
	assert_string_equal(m->subject, "日本語の件名");
	assert_string_equal(m->from.name, "山田");
	assert_string_equal(m->text, "こんにちは、プリンターが燃えています。\n");
	assert_string_equal(m->text_charset, "iso-2022-jp");
	mail_free(&m);
}

static void
test_nested(void **state)
{
	struct mail *m = parse_fixture("nested.eml");
	const struct mail_attachment *a;

	(void)state;
	/* mixed > alternative > (plain, related > (html, gif)), pdf, eml */
	assert_int_equal(m->nparts, 8);
	assert_int_equal(m->parts[4].parent, 3);
	assert_int_equal(m->parts[4].depth, 3);
	assert_string_equal(m->text, "Plain alternative.");
	assert_false(m->text_from_html);
	assert_int_equal(m->nattachments, 3);
	a = &m->attachments[0];
	assert_string_equal(a->content_type, "image/gif");
	assert_string_equal(a->content_id, "logo@x");
	/* no name: one from its type; the part keeps none */
	assert_string_equal(a->filename, "image.gif");
	assert_null(m->parts[a->part].filename);
	assert_memory_equal(a->data, "GIF89a", 6);
	/* RFC 2231 continued and encoded name */
	a = &m->attachments[1];
	assert_string_equal(a->filename, "Rapport d'incident n°42.pdf");
	assert_int_equal(a->len, 5);
	assert_memory_equal(a->data, "%PDF-", 5);
	/* the forwarded mail, HTML only, its text reachable */
	a = &m->attachments[2];
	assert_string_equal(a->filename, "earlier.eml");
	assert_non_null(a->message);
	assert_string_equal(a->message->subject, "Première demande");
	assert_string_equal(a->message->text,
	    "First request <https://example.com/t/1>");
	assert_true(a->message->text_from_html);
	mail_free(&m);
}

static void
test_html_only(void **state)
{
	struct mail *m = parse_fixture("html-only.eml");

	(void)state;
	/* no MIME charset: the <meta> one is used */
	assert_string_equal(m->text, "Привет\n\nПринтер горит.");
	assert_string_equal(m->text_charset, "koi8-r");
	assert_true(m->text_from_html);
	mail_free(&m);
}

/* Every truncation of every fixture parses or fails cleanly. */
static void
test_prefixes(void **state)
{
	size_t f;

	(void)state;
	for (f = 0; f < sizeof(fixtures) / sizeof(fixtures[0]); f++) {
		size_t len, cut;
		char *raw = load(fixtures[f], &len);

		for (cut = 0; cut <= len; cut++) {
			/* a fresh copy of exactly cut bytes, so that ASan
			 * sees any read past the end */
			char *p = malloc(cut ? cut : 1);
			struct mail *m = NULL;
			struct gc_err err = { 0, "" };
			int rc;

			memcpy(p, raw, cut);
			rc = mail_parse(&m, p, cut, NULL, &err);
			if (rc == 0) {
				check_mail(m, 0);
				mail_free(&m);
			} else {
				assert_int_equal(rc, GC_EPARSE);
				assert_null(m);
			}
			free(p);
		}
		free(raw);
	}
}

/* ----- Hostile input ---------------------------------------------- */

static struct buf
make(size_t max)
{
	struct buf b;

	buf_init(&b, max);
	return b;
}

static int
parse_rc(const struct buf *b, const struct mail_limits *lim,
    struct gc_err *err)
{
	struct mail *m = NULL;
	int rc = mail_parse(&m, b->data, b->len, lim, err);

	if (rc == 0) {
		check_mail(m, 0);
		mail_free(&m);
	}
	assert_null(m);
	return rc;
}

static void
test_nesting_bomb(void **state)
{
	struct buf b = make(16 << 20);
	struct gc_err err = { 0, "" };
	int i;

	(void)state;
	assert_int_equal(buf_addstr(&b, "From: a@b.c\n"), 0);
	for (i = 0; i < 20000; i++)
		assert_int_equal(buf_printf(&b, "Content-Type: multipart/mixed;"
		    " boundary=\"b%d\"\n\n--b%d\n", i, i), 0);
	assert_int_equal(buf_addstr(&b, "Content-Type: text/plain\n\nhi\n"),
	    0);
	assert_int_equal(parse_rc(&b, NULL, &err), GC_ELIMIT);
	assert_non_null(strstr(err.msg, "nesting"));
	buf_free(&b);

	/* forwarded inside forwarded inside ... */
	b = make(16 << 20);
	assert_int_equal(buf_addstr(&b, "From: a@b.c\n"), 0);
	for (i = 0; i < 20000; i++)
		assert_int_equal(buf_addstr(&b,
		    "Content-Type: message/rfc822\n\nSubject: x\n"), 0);
	assert_int_equal(parse_rc(&b, NULL, &err), GC_ELIMIT);
	assert_non_null(strstr(err.msg, "nesting"));
	buf_free(&b);
}

static void
test_limits(void **state)
{
	struct buf b = make(16 << 20);
	struct gc_err err = { 0, "" };
	struct mail_limits lim = mail_limits_default();
	int i;

	(void)state;
	/* too many parts */
	assert_int_equal(buf_addstr(&b, "From: a@b.c\nContent-Type: "
	    "multipart/mixed; boundary=x\n\n"), 0);
	for (i = 0; i < 3000; i++)
		assert_int_equal(buf_addstr(&b, "--x\n\npart\n"), 0);
	assert_int_equal(parse_rc(&b, NULL, &err), GC_ELIMIT);
	assert_non_null(strstr(err.msg, "parts"));
	lim.max_parts = 5000;
	assert_int_equal(parse_rc(&b, &lim, &err), 0);
	buf_free(&b);

	/* header block */
	b = make(16 << 20);
	for (i = 0; i < 20000; i++)
		assert_int_equal(buf_addstr(&b, "X-Filler: 0123456789\n"), 0);
	assert_int_equal(parse_rc(&b, NULL, &err), GC_ELIMIT);
	assert_non_null(strstr(err.msg, "header"));
	lim = mail_limits_default();
	lim.max_header_bytes = 1 << 20;
	assert_int_equal(parse_rc(&b, &lim, &err), 0);

	/* whole mail and text */
	lim = mail_limits_default();
	lim.max_mail_bytes = 100;
	assert_int_equal(parse_rc(&b, &lim, &err), GC_ELIMIT);
	buf_reset(&b);
	assert_int_equal(buf_addstr(&b, "Subject: x\n\n"), 0);
	for (i = 0; i < 1000; i++)
		assert_int_equal(buf_addstr(&b, "some text\n"), 0);
	lim = mail_limits_default();
	lim.max_text_bytes = 5000;
	assert_int_equal(parse_rc(&b, &lim, &err), GC_ELIMIT);
	assert_non_null(strstr(err.msg, "text"));
	lim.max_text_bytes = 20000;
	assert_int_equal(parse_rc(&b, &lim, &err), 0);
	buf_free(&b);
}

static void
test_empty(void **state)
{
	struct mail *m = NULL;
	struct gc_err err = { 0, "" };

	(void)state;
	assert_int_equal(mail_parse(&m, "", 0, NULL, &err), GC_EPARSE);
	assert_null(m);
	assert_int_equal(mail_parse(&m, " \r\n\n\0\n", 6, NULL, &err),
	    GC_EPARSE);
	assert_null(m);
	/* no header at all: the whole input is the text */
	m = parse_ok("just text\nno header\n", 20);
	assert_int_equal(m->nheaders, 0);
	assert_string_equal(m->text, "just text\nno header\n");
	assert_string_equal(m->subject, "");
	assert_null(m->from.addr);
	mail_free(&m);
	/* header only, no blank line, no body */
	m = parse_ok("Subject: only\nFrom: x@y.z", 25);
	assert_string_equal(m->subject, "only");
	assert_string_equal(m->from.addr, "x@y.z");
	assert_string_equal(m->text, "");
	mail_free(&m);
}

static void
test_broken_mime(void **state)
{
	struct mail *m;
	static const char missing_close[] =
	    "Content-Type: multipart/mixed; boundary=\"ab\"\n\n"
	    "--ab\nContent-Type: text/plain\n\nfirst\n"
	    "--abc\nnot a delimiter: boundary prefix\n"
	    "--ab\nContent-Type: text/plain\n\nsecond, never closed\n";
	static const char no_boundary[] =
	    "Content-Type: multipart/mixed\n\nthe body as text\n";
	static const char nested_unclosed[] =
	    "Content-Type: multipart/mixed; boundary=out\n\n"
	    "--out\nContent-Type: multipart/alternative; boundary=in\n\n"
	    "--in\nContent-Type: text/plain\n\ninner text\n"
	    "--out\nContent-Type: application/octet-stream\n"
	    "Content-Transfer-Encoding: base64\n\n!!not base64 at all??\n"
	    "--out--\n";
	static const char headerless_part[] =
	    "Content-Type: multipart/mixed; boundary=z\n\n"
	    "--z\nno header line here\n--z--\n";

	(void)state;
	m = parse_ok(missing_close, sizeof(missing_close) - 1);
	assert_string_equal(m->text, "first\n--abc\nnot a delimiter: boundary"
	    " prefix\nsecond, never closed\n");
	assert_int_equal(m->nparts, 3);
	mail_free(&m);

	m = parse_ok(no_boundary, sizeof(no_boundary) - 1);
	assert_string_equal(m->text, "the body as text\n");
	mail_free(&m);

	m = parse_ok(nested_unclosed, sizeof(nested_unclosed) - 1);
	assert_string_equal(m->text, "inner text");
	assert_int_equal(m->nattachments, 1);
	assert_string_equal(m->attachments[0].content_type,
	    "application/octet-stream");
	mail_free(&m);

	m = parse_ok(headerless_part, sizeof(headerless_part) - 1);
	assert_string_equal(m->text, "no header line here");
	mail_free(&m);
}

static void
test_hostile_headers(void **state)
{
	struct buf b = make(4 << 20);
	struct mail_limits lim = mail_limits_default();
	const char *smuggle;
	struct mail *m;
	int i;

	(void)state;
	/* libetpan recurses per nested comment: 500,000 '(' in each field
	 * would overflow the stack if they reached it */
	lim.max_header_bytes = 4 << 20;
	assert_int_equal(buf_addstr(&b, "From: a@b.c "), 0);
	for (i = 0; i < 500000; i++)
		assert_int_equal(buf_addc(&b, '('), 0);
	assert_int_equal(buf_addstr(&b, "\nTo: "), 0);
	for (i = 0; i < 500000; i++)
		assert_int_equal(buf_addc(&b, '('), 0);
	assert_int_equal(buf_addstr(&b, "\nMessage-ID: <"), 0);
	for (i = 0; i < 100000; i++)
		assert_int_equal(buf_addstr(&b, "((((("), 0);
	assert_int_equal(buf_addstr(&b, "\nDate: "), 0);
	for (i = 0; i < 100000; i++)
		assert_int_equal(buf_addstr(&b, "((((("), 0);
	assert_int_equal(buf_addstr(&b, "\n\nbody\n"), 0);
	m = parse_lim(b.data, b.len, &lim);
	assert_string_equal(m->from.addr, "a@b.c");
	assert_false(m->has_date);
	mail_free(&m);
	buf_free(&b);

	/* an address list libetpan cannot read anywhere: each address is
	 * read on its own, in linear time (this took minutes when the
	 * rest of the field was handed over after each failure) */
	b = make(1 << 20);
	assert_int_equal(buf_addstr(&b, "To: "), 0);
	for (i = 0; i < 60000; i++)
		assert_int_equal(buf_addstr(&b, "\\\", "), 0);
	assert_int_equal(buf_addstr(&b, "\n\nbody\n"), 0);
	m = parse_ok(b.data, b.len);
	mail_free(&m);
	buf_free(&b);

	/* groups */
	smuggle = "To: A Group(Some people) :Chris <c@x.y>, joe@x.y;, "
	    "last@x.y\nCc: undisclosed-recipients:;\n\nb\n";
	m = parse_ok(smuggle, strlen(smuggle));
	assert_int_equal(m->nto, 3);
	assert_string_equal(m->to[0].name, "Chris");
	assert_string_equal(m->to[1].addr, "joe@x.y");
	assert_string_equal(m->to[2].addr, "last@x.y");
	assert_int_equal(m->ncc, 0);
	mail_free(&m);

	/* CR and LF smuggled into values through encoded words */
	smuggle = "Subject: =?utf-8?q?a=0D=0AX-Evil:_1?=\nFrom: "
	    "=?utf-8?q?Eve=0D=0A?= <eve@x.y>\n\nb\n";
	m = parse_ok(smuggle, strlen(smuggle));
	assert_string_equal(m->subject, "aX-Evil: 1");
	assert_string_equal(m->from.name, "Eve");
	mail_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_alternative),
		cmocka_unit_test(test_attachment),
		cmocka_unit_test(test_rfc2047),
		cmocka_unit_test(test_latin1),
		cmocka_unit_test(test_address_not_in_utf8),
		cmocka_unit_test(test_references),
		cmocka_unit_test(test_nul_and_8bit),
		cmocka_unit_test(test_forward),
		cmocka_unit_test(test_iso2022jp),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_html_only),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_nesting_bomb),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_broken_mime),
		cmocka_unit_test(test_hostile_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
