/*
 * test_mime_real.c - real-world mail read right, not only survived
 * (parsers/mime.c, rfc2047.c, charset.c)
 *
 * One fixture per class of breakage seen in the mail a support desk
 * receives (tests/fixtures/mail/addr-*, struct-*, part-*, hdr8-*, cs-*,
 * alt-*): senders whose address hides behind a broken display name,
 * stray lines before the header, transfer encodings written oddly, parts
 * that must all be kept, header fields in raw legacy charsets, stateful
 * and mislabelled charsets, text and HTML alternatives that differ.
 * Smaller variants are written inline. Every fixture is parsed again cut
 * at every length: each truncation parses or fails cleanly.
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
	"addr-glued-word.eml", "addr-unclosed-word.eml",
	"addr-8bit-name.eml", "addr-unclosed-quote.eml",
	"struct-stray-lines.eml", "struct-cte-odd.eml",
	"part-every-part.eml", "part-signed.eml", "part-smime.eml",
	"hdr8-gbk.eml", "hdr8-big5.eml", "hdr8-sjis.eml", "hdr8-eucjp.eml",
	"hdr8-euckr.eml", "hdr8-koi8r.eml", "hdr8-cp1252.eml",
	"cs-iso2022jp-undeclared.eml", "cs-iso2022jp2.eml", "cs-mislabels.eml",
	"alt-stub.eml", "alt-forward.eml", "alt-same.eml",
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

static struct mail *
parse_mem(const char *raw, size_t len)
{
	struct gc_err err = { 0, "" };
	struct mail *m = NULL;
	size_t i;

	if (mail_parse(&m, raw, len, NULL, &err) != 0)
		fail_msg("mail_parse: %s", err.msg);
	assert_true(utf8_valid(m->subject, strlen(m->subject)));
	assert_true(utf8_valid(m->text, strlen(m->text)));
	if (m->from.name != NULL)
		assert_true(utf8_valid(m->from.name, strlen(m->from.name)));
	for (i = 0; i < m->nattachments; i++)
		if (m->attachments[i].filename != NULL)
			assert_true(utf8_valid(m->attachments[i].filename,
			    strlen(m->attachments[i].filename)));
	return m;
}

static struct mail *
parse_str(const char *raw)
{
	return parse_mem(raw, strlen(raw));
}

static struct mail *
parse_fixture(const char *name)
{
	size_t len;
	char *raw = load(name, &len);
	struct mail *m = parse_mem(raw, len);

	free(raw);
	return m;
}

/* The From of a one-line mail. */
static void
check_from(const char *from, const char *name, const char *addr)
{
	char raw[1024];
	struct mail *m;

	snprintf(raw, sizeof(raw), "From: %s\nSubject: s\n\nbody\n", from);
	m = parse_str(raw);
	if (m->from.addr == NULL || strcmp(m->from.addr, addr) != 0)
		fail_msg("From: %s: address %s, not %s", from,
		    m->from.addr ? m->from.addr : "NULL", addr);
	if (name == NULL && m->from.name != NULL)
		fail_msg("From: %s: name %s, not none", from, m->from.name);
	if (name != NULL && (m->from.name == NULL ||
	    strcmp(m->from.name, name) != 0))
		fail_msg("From: %s: name %s, not %s", from,
		    m->from.name ? m->from.name : "NULL", name);
	mail_free(&m);
}

/* ----- 1. Addresses ----------------------------------------------- */

static void
test_addr_fixtures(void **state)
{
	struct mail *m;

	(void)state;
	m = parse_fixture("addr-glued-word.eml");
	assert_string_equal(m->from.addr, "zhang.san@example.cn");
	assert_string_equal(m->from.name, "张三");
	assert_string_equal(m->subject, "订单问题");
	mail_free(&m);

	m = parse_fixture("addr-unclosed-word.eml");
	assert_string_equal(m->from.addr, "juergen.buerling@example.de");
	assert_string_equal(m->from.name, "Jürgen Bürling");
	mail_free(&m);

	m = parse_fixture("addr-8bit-name.eml");
	assert_string_equal(m->from.addr, "j.mueller@example.de");
	assert_string_equal(m->from.name, "Müller, Jürgen");
	mail_free(&m);

	m = parse_fixture("addr-unclosed-quote.eml");
	assert_string_equal(m->from.addr, "claire.dupont@example.fr");
	assert_string_equal(m->from.name, "Dupont, Claire");
	mail_free(&m);
}

static void
test_addr_variants(void **state)
{
	(void)state;
	/* the plain forms still read as before */
	check_from("Jean Dupont <jd@example.org>", "Jean Dupont",
	    "jd@example.org");
	check_from("\"Jean \\\"JD\\\" Dupont\" <jd@example.org>",
	    "Jean \"JD\" Dupont", "jd@example.org");
	check_from("jd@example.org (Jean Dupont)", "Jean Dupont",
	    "jd@example.org");
	check_from("MAILER-DAEMON", NULL, "MAILER-DAEMON");
	/* glued or never-closed encoded words, with and without a blank */
	check_from("=?utf-8?q?Jean_=28Acme=29?=,<jd@example.org>",
	    "Jean (Acme)", "jd@example.org");
	check_from("=?utf-8?b?SsO8cmdlbg==?= <jd@example.org>", "Jürgen",
	    "jd@example.org");
	check_from("=?utf-8?q?J=C3=BCrgen<jd@example.org>", "Jürgen",
	    "jd@example.org");
	/* specials in an unquoted name */
	check_from("Jean;Paul <jd@example.org>", "Jean;Paul",
	    "jd@example.org");
	check_from("Jean: <jd@example.org>", NULL, "jd@example.org");
	check_from("Dupont, Jean (Acme) <jd@example.org>", "Dupont, Jean",
	    "jd@example.org");
	/* a quote or a comment never closed, a bracket never closed */
	check_from("\"Jean Dupont <jd@example.org>", "Jean Dupont",
	    "jd@example.org");
	check_from("Jean (Acme <jd@example.org>", "Jean (Acme",
	    "jd@example.org");
	check_from("Jean <jd@example.org", "Jean", "jd@example.org");
	check_from("\"Dupont, Jean\" (Acme) jd@example.org", "Dupont, Jean",
	    "jd@example.org");
	/* the last <...> with an '@' wins over an address-like name */
	check_from("\"old@example.com\" <jd@example.org>", "old@example.com",
	    "jd@example.org");
	check_from("Jean <jd@example.org> <x@example.net>", "Jean",
	    "jd@example.org");
	/* raw UTF-8 name (converted 8-bit) */
	check_from("Ren\xc3\xa9 <rene@example.fr>", "René", "rene@example.fr");
}

static void
test_addr_lists(void **state)
{
	struct mail *m;

	(void)state;
	/* an unquoted comma in a name does not split the address */
	m = parse_str("From: a@example.org\nTo: Dupont, Jean <jd@example.org>,"
	    " support@example.com\nCc: MAILER-DAEMON, x@example.net\n"
	    "Subject: s\n\nbody\n");
	assert_int_equal(m->nto, 2);
	assert_string_equal(m->to[0].name, "Dupont, Jean");
	assert_string_equal(m->to[0].addr, "jd@example.org");
	assert_string_equal(m->to[1].addr, "support@example.com");
	assert_int_equal(m->ncc, 2);
	assert_string_equal(m->cc[0].addr, "MAILER-DAEMON");
	assert_string_equal(m->cc[1].addr, "x@example.net");
	mail_free(&m);

	/* From: the first address that has an '@' */
	m = parse_str("From: Support Team, <help@example.org>\nSubject: s\n\n"
	    "b\n");
	assert_string_equal(m->from.addr, "help@example.org");
	mail_free(&m);
}

/* Hostile From fields: long, deep, unbalanced; always linear, never an
 * invalid string. */
static void
test_addr_hostile(void **state)
{
	static const char *const pieces[] = {
		"\"", "<", ">", "(", ")", ",", ";", ":", "@", "=?", "?=",
		"=?utf-8?q?", "a", " ", "\\", "\xff",
	};
	size_t n = 200000, i;
	char *raw = malloc(n + 64);
	struct mail *m;
	unsigned seed = 7;

	(void)state;
	for (i = 0; i < 40; i++) {
		size_t len = (size_t)snprintf(raw, 64, "From: "), k;

		while (len < n) {
			const char *p;

			seed = seed * 1103515245u + 12345u;
			p = pieces[(seed >> 16) % (sizeof(pieces) /
			    sizeof(pieces[0]))];
			for (k = 0; p[k] != '\0' && len < n; k++)
				raw[len++] = p[k];
		}
		memcpy(raw + len, "\n\nb\n", 4);
		m = parse_mem(raw, len + 4);
		if (m->from.addr != NULL)
			assert_true(utf8_valid(m->from.addr,
			    strlen(m->from.addr)));
		mail_free(&m);
		n = 2000;       /* then many short ones */
	}
	free(raw);

	/* angle brackets by the hundred thousand, the address at an end */
	raw = malloc(240064);
	memcpy(raw, "From: ", 6);
	memset(raw + 6, '<', 120000);
	memset(raw + 120006, '>', 120000);
	memcpy(raw + 240006, " a@example.org\n\nb\n", 18);
	m = parse_mem(raw, 240024);
	assert_string_equal(m->from.addr, "a@example.org");
	mail_free(&m);
	memcpy(raw + 6, "a@example.org ", 14);
	memset(raw + 20, '<', 239986);
	memcpy(raw + 240006, "\n\nb\n", 4);
	m = parse_mem(raw, 240010);
	assert_string_equal(m->from.addr, "a@example.org");
	mail_free(&m);
	free(raw);
}

/* ----- 5. Structure oddities ------------------------------------- */

static void
test_struct_stray_lines(void **state)
{
	struct mail *m;

	(void)state;
	m = parse_fixture("struct-stray-lines.eml");
	assert_string_equal(m->from.addr, "claire@example.fr");
	assert_string_equal(m->subject,
	    "Export impossible depuis la mise à jour");
	assert_string_equal(m->message_id, "struct-stray@example.fr");
	assert_non_null(strstr(m->text, "L'export échoue"));
	assert_null(strstr(m->text, "Subject:"));
	mail_free(&m);

	/* a line of text, then the header */
	m = parse_str("garbage line\nFrom: a@example.org\nSubject: s1\n\n"
	    "Hello\n");
	assert_string_equal(m->from.addr, "a@example.org");
	assert_string_equal(m->subject, "s1");
	assert_string_equal(m->text, "Hello\n");
	mail_free(&m);

	/* no header at all: the text stays the text, even when a line of
	 * it looks like a field */
	m = parse_str("Hello\nNote: this is text\n\nMore\n");
	assert_string_equal(m->subject, "");
	assert_non_null(strstr(m->text, "Hello"));
	mail_free(&m);
}

static void
test_struct_cte(void **state)
{
	static const char *const ctes[] = {
		"BASE64", "base64 (comment)", "\n base64", "base64  \t",
		"\"base64\"", "base-64", "x-base64", "Base64;", "b",
		"8bit\nContent-Transfer-Encoding: base64", "x-unknown-token",
	};
	struct mail *m;
	size_t i;

	(void)state;
	m = parse_fixture("struct-cte-odd.eml");
	assert_non_null(strstr(m->text, "la facture jointe est illisible."));
	assert_non_null(strstr(m->text,
	    "Total : 120 €, payé le 2 novembre, référence F-2026-11."));
	assert_int_equal(m->nattachments, 1);
	assert_string_equal(m->attachments[0].filename, "facture.pdf");
	assert_int_equal(m->attachments[0].len, 16 + 256);
	assert_memory_equal(m->attachments[0].data, "%PDF-1.4", 8);
	mail_free(&m);

	for (i = 0; i < sizeof(ctes) / sizeof(ctes[0]); i++) {
		char raw[512];

		snprintf(raw, sizeof(raw), "From: a@example.org\nSubject: c\n"
		    "Content-Type: text/plain; charset=utf-8\n"
		    "Content-Transfer-Encoding: %s\n\n"
		    "SGVsbG8gd29ybGQsIHRoaXMgaXMgYmFzZTY0\n", ctes[i]);
		m = parse_str(raw);
		if (strcmp(m->text, "Hello world, this is base64") != 0)
			fail_msg("CTE %s: text %s", ctes[i], m->text);
		mail_free(&m);
	}
	/* identity encodings are never second-guessed, and a text that
	 * only looks like base64 under an unknown label stays text */
	m = parse_str("From: a@example.org\nContent-Transfer-Encoding: 7bit\n"
	    "\nSGVsbG8gd29ybGQsIHRoaXMgaXMgYmFzZTY0\n");
	assert_string_equal(m->text, "SGVsbG8gd29ybGQsIHRoaXMgaXMgYmFzZTY0\n");
	mail_free(&m);
	m = parse_str("From: a@example.org\nContent-Transfer-Encoding: none\n"
	    "\nThanks a lot = merci\n");
	assert_string_equal(m->text, "Thanks a lot = merci\n");
	mail_free(&m);
	/* a second field that the body does not bear out is not believed */
	m = parse_str("From: a@example.org\nContent-Transfer-Encoding: 7bit\n"
	    "Content-Transfer-Encoding: quoted-printable\n\nsize=25; "
	    "x==\n");
	assert_string_equal(m->text, "size=25; x==\n");
	mail_free(&m);
	/* a guessed encoding that gives binary data: kept, not shown */
	m = parse_str("From: a@example.org\nContent-Type: text/plain\n"
	    "Content-Transfer-Encoding: x-gzip64\n\n"
	    "H4sIAJ+A5jIAA0VPTWvDMAy9+1e8nbpCsS877bRS1vayXdJDDwURbJEEEqez\n");
	assert_string_equal(m->text, "");
	assert_int_equal(m->nattachments, 1);
	assert_string_equal(m->attachments[0].content_type,
	    "application/octet-stream");
	assert_memory_equal(m->attachments[0].data, "\x1f\x8b", 2);
	mail_free(&m);
}

static void
test_struct_subject_word(void **state)
{
	static const char *const subjects[] = {
		"=?UTF-8?B?5pel5pys6Kqe?=",
		("\n =?UTF-8?B?5pel5pys?=\n " "=?UTF-8?B?6Kqe?="),
		"=?UTF-8?B?5pel5p\n ys6Kqe?=",
		"=?UTF-8?B?5pel5pys6Kqe", "=?UTF-8?B?5pel 5pys 6Kqe?=",
		"=?utf-8?b?5pel5pys6Kqe?=\t",
		"=?UTF-8?Q?=E6=97=A5=E6=9C=AC=E8=AA=9E",
	};
	struct mail *m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++) {
		char raw[512];

		snprintf(raw, sizeof(raw), "From: a@example.org\nSubject: %s\n"
		    "\nbody\n", subjects[i]);
		m = parse_str(raw);
		if (strcmp(m->subject, "日本語") != 0)
			fail_msg("Subject: %s: %s", subjects[i], m->subject);
		mail_free(&m);
	}
	m = parse_str("From: a@example.org\nSubject: =?UTF-8?Q?a?b?=\n\nb\n");
	assert_string_equal(m->subject, "a?b");
	mail_free(&m);
}

/* ----- 4. Every part kept --------------------------------------- */

static void
test_parts_every_part(void **state)
{
	static const char *const names[] = {
		"part-4.html", "rapport.pdf", "rapport (2).pdf", "video.mov",
		"part-8.bin", "Devis n°2.pdf", "Facture été.pdf",
	};
	static const size_t sizes[] = { 52, 14, 19, 17, 40, 10, 12 };
	struct mail *m = parse_fixture("part-every-part.eml");
	size_t i;

	(void)state;
	assert_string_equal(m->text, "Voici les pièces.");
	assert_int_equal(m->nattachments, 7);
	for (i = 0; i < 7; i++) {
		assert_string_equal(m->attachments[i].filename, names[i]);
		assert_int_equal(m->attachments[i].len, sizes[i]);
	}
	/* the HTML page beside the body is kept whole; the two reports of
	 * the same name keep their own bytes */
	assert_string_equal(m->attachments[0].content_type, "text/html");
	assert_non_null(memmem(m->attachments[0].data, m->attachments[0].len,
	    "Journal d'erreurs", 17));
	assert_memory_equal(m->attachments[2].data, "%PDF-1.4 second", 15);
	/* the parts keep the names they were given (none) */
	assert_null(m->parts[m->attachments[3].part].filename);
	mail_free(&m);
}

static void
test_parts_signatures(void **state)
{
	struct mail *m = parse_fixture("part-signed.eml");

	(void)state;
	assert_string_equal(m->text, "Please reset my token.");
	assert_int_equal(m->nattachments, 1);
	assert_string_equal(m->attachments[0].filename, "signature.asc");
	assert_string_equal(m->attachments[0].content_type,
	    "application/pgp-signature");
	assert_non_null(memmem(m->attachments[0].data, m->attachments[0].len,
	    "BEGIN PGP SIGNATURE", 19));
	mail_free(&m);

	m = parse_fixture("part-smime.eml");
	assert_string_equal(m->text, "Signed with S/MIME.");
	assert_int_equal(m->nattachments, 1);
	assert_string_equal(m->attachments[0].filename, "smime.p7s");
	assert_int_equal(m->attachments[0].len, 9);
	mail_free(&m);
}

/* The HTML alternative of the body is no attachment; an HTML part
 * named, or beside plain text in a mixed, is. */
static void
test_parts_html(void **state)
{
	struct mail *m;

	(void)state;
	m = parse_str("From: a@example.org\nContent-Type: multipart/"
	    "alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\n"
	    "Hi\n--b\nContent-Type: text/html\n\n<p>Hi</p>\n--b--\n");
	assert_int_equal(m->nattachments, 0);
	mail_free(&m);

	m = parse_str("From: a@example.org\nContent-Type: multipart/mixed; "
	    "boundary=b\n\n--b\nContent-Type: text/plain\n\nSee the page."
	    "\n--b\nContent-Type: text/html\n\n<p>The page</p>\n--b\n"
	    "Content-Type: text/html; name=\"log.html\"\n\n<p>Log</p>\n"
	    "--b--\n");
	assert_string_equal(m->text, "See the page.");
	assert_int_equal(m->nattachments, 2);
	assert_string_equal(m->attachments[0].filename, "part-2.html");
	assert_string_equal(m->attachments[1].filename, "log.html");
	mail_free(&m);
}

/* Many parts of one name, and names that collide with the renamed
 * ones: every attachment kept, names unique, quickly. */
static void
test_parts_same_names(void **state)
{
	struct buf b;
	struct mail *m;
	size_t i, k;

	(void)state;
	buf_init(&b, 1 << 20);
	assert_int_equal(buf_addstr(&b, "From: a@example.org\nContent-Type: "
	    "multipart/mixed; boundary=b\n\n"), 0);
	for (i = 0; i < 1500; i++)
		assert_int_equal(buf_printf(&b, "--b\nContent-Type: "
		    "application/pdf; name=\"%s\"\n\nx%zu\n", i % 3 == 0 ?
		    "a (2).pdf" : i % 3 == 1 ? "a.pdf" : "A.PDF", i), 0);
	assert_int_equal(buf_addstr(&b, "--b--\n"), 0);
	m = parse_mem(buf_str(&b), b.len);
	assert_int_equal(m->nattachments, 1500);
	assert_string_equal(m->attachments[0].filename, "a (2).pdf");
	assert_string_equal(m->attachments[1].filename, "a.pdf");
	assert_string_equal(m->attachments[2].filename, "A (3).PDF");
	for (i = 0; i < 60; i++)
		for (k = 0; k < i; k++)
			assert_true(str_casecmp(m->attachments[i].filename,
			    m->attachments[k].filename) != 0);
	mail_free(&m);
	buf_free(&b);
}

/* ----- 2. Raw 8-bit header fields -------------------------------- */

static void
test_hdr8(void **state)
{
	static const struct {
		const char *file, *name, *subject, *text, *filename;
	} cases[] = {
		{ "hdr8-gbk.eml", "张伟", "订单没有收到，请尽快处理",
		    "我的订单已经两周了还没有收到。", "发票.pdf" },
		{ "hdr8-big5.eml", "陳大文", "關於發票的問題",
		    "您好，我的發票還沒有收到。", "報價單.pdf" },
		/* body declared ISO-2022-JP, header in raw Shift_JIS: the
		 * declared charset refuses the bytes, the guess reads them */
		{ "hdr8-sjis.eml", "山田太郎", "ログインできません",
		    "昨日からログインできません。", "画面.png" },
		{ "hdr8-eucjp.eml", "佐藤花子", "請求書のお問い合わせ",
		    "請求書の件でお問い合わせします。", "請求書.pdf" },
		{ "hdr8-euckr.eml", "김철수", "결제 확인 부탁드립니다",
		    "안녕하세요, 결제 확인 부탁드립니다.", "영수증.pdf" },
		{ "hdr8-koi8r.eml", "Иван Петров", "Заказ не пришёл",
		    "Здравствуйте, мой заказ не пришёл.", "счёт.pdf" },
		/* body declared us-ascii, 8-bit all the same */
		{ "hdr8-cp1252.eml", "Jürgen Müller",
		    "Rechnung für März – falsch",
		    "Die Rechnung für März ist falsch.", "Rechnung März.pdf" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mail *m = parse_fixture(cases[i].file);

		assert_non_null(m->from.addr);
		assert_string_equal(m->from.name, cases[i].name);
		assert_string_equal(m->subject, cases[i].subject);
		assert_string_equal(m->text, cases[i].text);
		assert_int_equal(m->nattachments, 1);
		assert_string_equal(m->attachments[0].filename,
		    cases[i].filename);
		mail_free(&m);
	}
}

/* The charset the body declares comes before the guess, when it reads
 * every byte. */
static void
test_hdr8_declared(void **state)
{
	struct mail *m;

	(void)state;
	/* "Ð¾" read in KOI8-R as declared, though windows-1252 would do */
	m = parse_str("From: a@example.org\nSubject: \xf0\xd2\xc9\xd7\xc5"
	    "\xd4\nContent-Type: text/plain; charset=koi8-r\n\nb\n");
	assert_string_equal(m->subject, "Привет");
	mail_free(&m);
	/* ISO-2022-JP written raw in a header, escapes and all */
	m = parse_str("From: a@example.org\nSubject: \x1b$B%m%0%$%s\x1b(B "
	    "OK\n\nb\n");
	assert_string_equal(m->subject, "ログイン OK");
	mail_free(&m);
}

/* ----- 3. Stateful, undeclared and mislabelled charsets ---------- */

static void
test_cs_iso2022(void **state)
{
	struct mail *m;

	(void)state;
	/* no charset: recognised by its escape sequences */
	m = parse_fixture("cs-iso2022jp-undeclared.eml");
	assert_string_equal(m->subject, "ログイン");
	assert_string_equal(m->text,
	    "お世話になっております。ログインできません。\n");
	mail_free(&m);
	/* ISO-2022-JP-2: Korean designated inside Japanese text */
	m = parse_fixture("cs-iso2022jp2.eml");
	assert_string_equal(m->text, "日本語と한국어 OK\n");
	mail_free(&m);
	/* labelled UTF-8 (or us-ascii), written in ISO-2022-JP */
	m = parse_str("From: a@example.org\nContent-Type: text/plain; "
	    "charset=utf-8\n\n\x1b$B%m%0%$%s\x1b(B\n");
	assert_string_equal(m->text, "ログイン\n");
	mail_free(&m);
	m = parse_str("From: a@example.org\nContent-Type: text/plain; "
	    "charset=us-ascii\n\n\x1b$B%m%0%$%s\x1b(B\n");
	assert_string_equal(m->text, "ログイン\n");
	mail_free(&m);
	/* a lone ESC is no ISO-2022 */
	m = parse_str("From: a@example.org\n\nx\x1by\n");
	assert_string_equal(m->text, "xy\n");
	mail_free(&m);
}

static void
test_cs_labels(void **state)
{
	struct mail *m;

	(void)state;
	/* labels mapped as the WHATWG Encoding Standard maps them: GBK
	 * characters under gb2312, CP949 syllables under ks_c_5601-1987,
	 * NEC and Microsoft characters under x-sjis and windows-31j, the
	 * euro sign under latin1, ... */
	m = parse_fixture("cs-mislabels.eml");
	assert_string_equal(m->text, "镕基与喆\n똠방각하\nשלום\n①番\n"
	    "～ご確認ください\ncafé\n5 € net\nœuvre\nСчёт");
	assert_false(m->text_charset_unknown);
	mail_free(&m);
	/* an undeclared body in a legacy charset */
	m = parse_str("From: a@example.org\n\n\xc4\xfa\xba\xc3\xa3\xac\xce"
	    "\xd2\xb5\xc4\xb6\xa9\xb5\xa5\xc3\xbb\xd3\xd0\xb5\xbd\xa1\xa3\n");
	assert_string_equal(m->text, "您好，我的订单没有到。\n");
	mail_free(&m);
}

/* ----- 6. Text or HTML: the one a reader would see ---------------- */

static void
test_alt_choice(void **state)
{
	struct mail *m;

	(void)state;
	/* a stub in the text/plain: the HTML has the content */
	m = parse_fixture("alt-stub.eml");
	assert_true(m->text_from_html);
	assert_non_null(strstr(m->text, "l'export CSV des factures donne un "
	    "fichier vide"));
	assert_null(strstr(m->text, "HTML mail reader"));
	mail_free(&m);
	/* a forward whose message is only in the HTML */
	m = parse_fixture("alt-forward.eml");
	assert_true(m->text_from_html);
	assert_non_null(strstr(m->text, "il manque deux cartons sur cinq"));
	mail_free(&m);
	/* the same text in both, the HTML heavy with style: the plain one */
	m = parse_fixture("alt-same.eml");
	assert_false(m->text_from_html);
	assert_string_equal(m->text, "Bonjour,\n\nLe bouton Exporter ne fait "
	    "rien depuis ce matin.\n\nClaire");
	mail_free(&m);
	/* in a message the mail carries (a bounce returning a newsletter),
	 * the text/plain stays: its HTML is not converted for nothing */
	{
		size_t len;
		char *raw = load("alt-stub.eml", &len);
		struct buf b;
		const struct mail *sub;

		buf_init(&b, 1 << 20);
		assert_int_equal(buf_addstr(&b, "From: MAILER-DAEMON@example.org"
		    "\nContent-Type: multipart/report; boundary=r\n\n--r\n"
		    "Content-Type: text/plain\n\nDelivery failed.\n--r\n"
		    "Content-Type: message/rfc822\n\n"), 0);
		assert_int_equal(buf_add(&b, raw, len), 0);
		assert_int_equal(buf_addstr(&b, "\n--r--\n"), 0);
		m = parse_mem(buf_str(&b), b.len);
		assert_string_equal(m->text, "Delivery failed.");
		sub = m->attachments[0].message;
		assert_non_null(sub);
		assert_false(sub->text_from_html);
		assert_non_null(strstr(sub->text, "HTML mail reader"));
		mail_free(&m);
		buf_free(&b);
		free(raw);
	}
	/* a short plain text and a short HTML: the plain one, unconverted */
	m = parse_str("From: a@example.org\nContent-Type: multipart/"
	    "alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\n"
	    "Hi\n--b\nContent-Type: text/html\n\n<p>Hi there, all of you"
	    "</p>\n--b--\n");
	assert_string_equal(m->text, "Hi");
	assert_false(m->text_from_html);
	mail_free(&m);
}

/* ----- Every fixture, cut at every length ------------------------- */

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
			assert_true(utf8_valid(m->subject,
			    strlen(m->subject)));
			mail_free(&m);
		}
		free(raw);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_fixtures),
		cmocka_unit_test(test_addr_variants),
		cmocka_unit_test(test_addr_lists),
		cmocka_unit_test(test_addr_hostile),
		cmocka_unit_test(test_struct_stray_lines),
		cmocka_unit_test(test_struct_cte),
		cmocka_unit_test(test_struct_subject_word),
		cmocka_unit_test(test_parts_every_part),
		cmocka_unit_test(test_parts_signatures),
		cmocka_unit_test(test_parts_html),
		cmocka_unit_test(test_parts_same_names),
		cmocka_unit_test(test_hdr8),
		cmocka_unit_test(test_hdr8_declared),
		cmocka_unit_test(test_cs_iso2022),
		cmocka_unit_test(test_cs_labels),
		cmocka_unit_test(test_alt_choice),
		cmocka_unit_test(test_prefixes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
