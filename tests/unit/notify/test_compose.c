/*
 * test_compose.c - unit tests of notify/compose.c
 *
 * Each composed message is parsed back by the small, independent reader
 * below (header fields, RFC 2047 decoding, quoted-printable and base64
 * decoding) and checked against the input: CRLF everywhere, header lines
 * within 78 columns, encoded-words within 75 characters that decode to
 * the original text, and no header line that the input smuggled in.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/mem.h"
#include "common/util.h"
#include "notify/compose.h"

/* ----- A small reader of what compose produced -------------------- */

#define MAXF 64

struct field {
	char name[80];
	char *raw;          /* unfolded value, as written (CRLFs removed) */
};

struct parsed {
	struct field f[MAXF];
	size_t nf;
	const char *body;   /* after the blank line */
	size_t longest;     /* longest header line */
};

static void
parsed_free(struct parsed *p)
{
	for (size_t i = 0; i < p->nf; i++)
		free(p->f[i].raw);
	memset(p, 0, sizeof(*p));
}

/* Every CR is followed by LF and every LF preceded by CR. */
static void
assert_crlf(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r')
			assert_true(i + 1 < n && s[i + 1] == '\n');
		if (s[i] == '\n')
			assert_true(i > 0 && s[i - 1] == '\r');
	}
}

static void
parse(struct parsed *p, const char *msg)
{
	const char *s = msg;

	memset(p, 0, sizeof(*p));
	assert_crlf(msg, strlen(msg));
	while (*s && !(s[0] == '\r' && s[1] == '\n')) {
		const char *eol = strstr(s, "\r\n");
		size_t len;

		assert_non_null(eol);
		len = (size_t)(eol - s);
		/* Header lines are ASCII without controls (but TAB). */
		for (size_t i = 0; i < len; i++)
			assert_true((s[i] >= 32 && s[i] < 127) || s[i] == '\t');
		if (len > p->longest)
			p->longest = len;
		if (*s == ' ' || *s == '\t') {
			/* A continuation: unfold by removing the CRLF. */
			struct field *f = &p->f[p->nf - 1];
			size_t old = strlen(f->raw);

			assert_true(p->nf > 0);
			f->raw = realloc(f->raw, old + len + 1);
			memcpy(f->raw + old, s, len);
			f->raw[old + len] = '\0';
		} else {
			const char *colon = memchr(s, ':', len);
			struct field *f;

			assert_non_null(colon);
			assert_true(p->nf < MAXF);
			f = &p->f[p->nf++];
			assert_true((size_t)(colon - s) < sizeof(f->name));
			memcpy(f->name, s, (size_t)(colon - s));
			f->name[colon - s] = '\0';
			for (const char *c = f->name; *c; c++)
				assert_true(*c > 32 && *c < 127);
			f->raw = strndup(colon + 1,
			    len - (size_t)(colon + 1 - s));
		}
		s = eol + 2;
	}
	assert_true(s[0] == '\r' && s[1] == '\n');
	p->body = s + 2;
}

static const char *
field(const struct parsed *p, const char *name)
{
	const char *found = NULL;

	for (size_t i = 0; i < p->nf; i++) {
		if (str_casecmp(p->f[i].name, name) == 0) {
			assert_null(found);     /* at most once */
			found = p->f[i].raw;
		}
	}
	return found;
}

static int
b64val(char c)
{
	static const char set[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = strchr(set, c);

	return c && p ? (int)(p - set) : -1;
}

/* Decode base64 (ignoring CR/LF) into out; returns the length. */
static size_t
b64_decode(unsigned char *out, const char *s, size_t n)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int v;

		if (s[i] == '\r' || s[i] == '\n' || s[i] == '=')
			continue;
		v = b64val(s[i]);
		assert_true(v >= 0);
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			out[o++] = (unsigned char)(acc >> (bits - 8));
			bits -= 8;
		}
	}
	return o;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool
valid_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t len = s[i] < 0x80 ? 1 : s[i] >= 0xf0 ? 4 :
		    s[i] >= 0xe0 ? 3 : s[i] >= 0xc2 ? 2 : 0;

		if (len == 0 || i + len > n)
			return false;
		for (size_t k = 1; k < len; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		i += len;
	}
	return true;
}

/*
 * Decode the encoded-words of an unfolded header value (RFC 2047):
 * whitespace between two adjacent encoded-words disappears. Each word
 * is checked: at most 75 characters, charset utf-8, valid UTF-8 alone.
 * The leading space after the colon is dropped. malloc'd.
 */
static char *
decode_2047(const char *v)
{
	char *out = malloc(strlen(v) * 2 + 1);
	size_t o = 0;
	bool last_ew = false;
	const char *p = v;

	while (*p == ' ')
		p++;
	while (*p) {
		const char *ws = p;

		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "=?", 2) == 0) {
			const char *q = strchr(p + 2, '?'), *e;
			char enc;
			unsigned char dec[128];
			size_t dn = 0;

			assert_non_null(q);
			assert_true(str_ncasecmp(p + 2, "utf-8?", 6) == 0);
			enc = q[1];
			assert_true(q[2] == '?');
			e = strstr(q + 3, "?=");
			assert_non_null(e);
			assert_true(e + 2 - p <= 75);
			if (enc == 'B' || enc == 'b') {
				dn = b64_decode(dec, q + 3,
				    (size_t)(e - q - 3));
			} else {
				assert_true(enc == 'Q' || enc == 'q');
				for (const char *c = q + 3; c < e; c++) {
					if (*c == '_') {
						dec[dn++] = ' ';
					} else if (*c == '=') {
						int h = hexval(c[1]);
						int l = hexval(c[2]);

						assert_true(h >= 0 && l >= 0);
						dec[dn++] =
						    (unsigned char)(h * 16 + l);
						c += 2;
					} else {
						dec[dn++] = (unsigned char)*c;
					}
				}
			}
			assert_true(valid_utf8(dec, dn));
			if (!last_ew) {
				memcpy(out + o, ws, (size_t)(p - ws));
				o += (size_t)(p - ws);
			}
			memcpy(out + o, dec, dn);
			o += dn;
			p = e + 2;
			last_ew = true;
		} else {
			memcpy(out + o, ws, (size_t)(p - ws));
			o += (size_t)(p - ws);
			while (*p && *p != ' ' && *p != '\t')
				out[o++] = *p++;
			last_ew = false;
		}
	}
	out[o] = '\0';
	return out;
}

/* Quoted-printable decoding; checks line lengths (<= 76). malloc'd. */
static char *
decode_qp(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t o = 0, col = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r') {
			assert_true(col <= 76);
			col = 0;
			out[o++] = '\r';
			continue;
		}
		if (s[i] == '\n') {
			out[o++] = '\n';
			continue;
		}
		col++;
		if (s[i] == '=') {
			if (s[i + 1] == '\r') {         /* soft break */
				assert_true(col <= 76);
				col = 0;
				i += 2;
				continue;
			}
			assert_true(hexval(s[i + 1]) >= 0 &&
			    hexval(s[i + 2]) >= 0);
			out[o++] = (char)(hexval(s[i + 1]) * 16 +
			    hexval(s[i + 2]));
			i += 2;
			col += 2;
			continue;
		}
		/* No raw 8-bit data nor trailing white space. */
		assert_true((unsigned char)s[i] < 0x80);
		if (s[i] == ' ' || s[i] == '\t')
			assert_true(s[i + 1] != '\r');
		out[o++] = s[i];
	}
	out[o] = '\0';
	return out;
}

/* ----- Fixtures --------------------------------------------------- */

static const time_t DATE = 1790000000;  /* Mon, 21 Sep 2026 14:13:20 */

static struct compose_msg
basic_msg(const struct compose_addr *to)
{
	struct compose_msg m = {
		.from = { "Support", "support@example.com" },
		.to = to,
		.nto = 1,
		.subject = "[SUP-2026-000042] Printer on fire",
		.message_id = "sup-2026-000042.abc@example.com",
		.body = "Hello,\nWe got your request.\n",
		.date = DATE,
	};

	return m;
}

static char *
compose_ok(const struct compose_msg *m)
{
	struct buf b = BUF_INIT(1 << 20);
	struct gc_err err = { 0 };
	int rc = compose_message(&b, m, &err);

	if (rc != 0)
		fail_msg("compose_message: %d %s", rc, err.msg);
	return buf_detach(&b, NULL);
}

/* ----- Tests ------------------------------------------------------ */

static void
test_basic_message(void **state)
{
	static const struct compose_addr to = { "Alice Martin",
		"alice@client.example" };
	static const char *const refs[] = { "root@client.example",
		"ack@example.com" };
	static const struct compose_header extra[] = {
		{ "X-Guichet-Ticket", "SUP-2026-000042" } };
	struct compose_msg m = basic_msg(&to);
	struct compose_addr reply_to = { NULL, "support@example.com" };
	struct parsed p;
	char *msg;

	(void)state;
	m.in_reply_to = "root@client.example";
	m.references = refs;
	m.nreferences = 2;
	m.auto_submitted = "auto-replied";
	m.extra = extra;
	m.nextra = 1;
	m.reply_to = &reply_to;
	msg = compose_ok(&m);
	parse(&p, msg);
	assert_string_equal(field(&p, "Date"),
	    " Mon, 21 Sep 2026 14:13:20 +0000");
	assert_string_equal(field(&p, "From"),
	    " Support <support@example.com>");
	assert_string_equal(field(&p, "To"),
	    " Alice Martin <alice@client.example>");
	assert_string_equal(field(&p, "Reply-To"), " support@example.com");
	assert_string_equal(field(&p, "Subject"),
	    " [SUP-2026-000042] Printer on fire");
	assert_string_equal(field(&p, "Message-ID"),
	    " <sup-2026-000042.abc@example.com>");
	assert_string_equal(field(&p, "In-Reply-To"),
	    " <root@client.example>");
	assert_string_equal(field(&p, "References"),
	    " <root@client.example> <ack@example.com>");
	assert_string_equal(field(&p, "Auto-Submitted"), " auto-replied");
	assert_string_equal(field(&p, "X-Guichet-Ticket"),
	    " SUP-2026-000042");
	assert_string_equal(field(&p, "MIME-Version"), " 1.0");
	assert_string_equal(field(&p, "Content-Type"),
	    " text/plain; charset=utf-8");
	assert_string_equal(field(&p, "Content-Transfer-Encoding"), " 7bit");
	assert_null(field(&p, "Cc"));
	assert_int_equal(p.nf, 13);
	/* LF line endings of the input became CRLF. */
	assert_string_equal(p.body, "Hello,\r\nWe got your request.\r\n");
	parsed_free(&p);
	free(msg);
}

static void
test_optional_headers_absent(void **state)
{
	static const struct compose_addr to = { NULL, "alice@client.example" };
	struct compose_msg m = basic_msg(&to);
	struct parsed p;
	char *msg;

	(void)state;
	m.body = "no final newline";
	msg = compose_ok(&m);
	parse(&p, msg);
	assert_string_equal(field(&p, "To"), " alice@client.example");
	assert_null(field(&p, "In-Reply-To"));
	assert_null(field(&p, "References"));
	assert_null(field(&p, "Auto-Submitted"));
	assert_null(field(&p, "Reply-To"));
	assert_string_equal(p.body, "no final newline\r\n");
	parsed_free(&p);
	free(msg);
}

/* Subjects that need encoding decode back to the input, every line is
 * within 78 columns, every encoded-word within 75 characters. */
static void
test_subject_roundtrip(void **state)
{
	static const char *const subjects[] = {
		"Problème de connexion",
		"[SUP-2026-000042] Problème de connexion à l'application "
		"mobile depuis la mise à jour d'hier soir, impossible de "
		"valider les commandes en attente — urgent ! Merci d'avance",
		"日本語の件名です。サーバーが応答しません。至急ご確認をお願い"
		"いたします。よろしくお願いします。",
		"Emoji 🔥🔥 on fire 🧯 extinguisher",
		"A URL https://example.com/a/very/long/path/that/cannot/be/"
		"folded/anywhere/because/it/has/no/spaces/at/all?x=1",
		"Literal =?utf-8?Q?not_a_word?= must survive",
		"Mixed ASCII and été and more ASCII words and Ünïcödé at "
		"the end of a long line that needs folding somewhere",
		"Tabs\tand  double  spaces",
		"",
	};
	static const struct compose_addr to = { NULL, "a@b.example" };

	(void)state;
	for (size_t i = 0; i < sizeof(subjects) / sizeof(*subjects); i++) {
		struct compose_msg m = basic_msg(&to);
		struct parsed p;
		char *msg, *dec, *want;

		m.subject = subjects[i];
		msg = compose_ok(&m);
		parse(&p, msg);
		assert_true(p.longest <= 78);
		dec = decode_2047(field(&p, "Subject"));
		/* TAB becomes a space; nothing else changes. */
		want = strdup(subjects[i]);
		for (char *c = want; *c; c++)
			if (*c == '\t')
				*c = ' ';
		assert_string_equal(dec, want);
		free(want);
		free(dec);
		parsed_free(&p);
		free(msg);
	}
}

static void
test_subject_plain_ascii_stays_readable(void **state)
{
	static const struct compose_addr to = { NULL, "a@b.example" };
	struct compose_msg m = basic_msg(&to);
	struct parsed p;
	char *msg;

	(void)state;
	m.subject = "Re: [SUP-2026-000042] a fairly long subject line that "
	    "will have to be folded once or twice because it goes on and on";
	msg = compose_ok(&m);
	parse(&p, msg);
	assert_null(strstr(msg, "=?"));
	assert_true(p.longest <= 78);
	assert_string_equal(field(&p, "Subject") + 1, m.subject);
	assert_non_null(strstr(msg, "\r\n "));      /* it was folded */
	parsed_free(&p);
	free(msg);
}

static void
test_display_names(void **state)
{
	static const struct {
		const char *name;
		const char *want;       /* the field as written, unfolded */
	} cases[] = {
		{ "Alice Martin", " Alice Martin <a@b.example>" },
		{ "Martin, Alice", " \"Martin, Alice\" <a@b.example>" },
		{ "Bob \"the\" Builder",
		  " \"Bob \\\"the\\\" Builder\" <a@b.example>" },
		{ "  spaced   out  ", " spaced out <a@b.example>" },
		{ "", " a@b.example" },
	};
	static const char *const utf8[] = {
		"Jean-Éric Dupont-Müller de la Fontaine des Bois de Boulogne",
		"Zoë",
		"李小龍",
		"=?utf-8?Q?fake?=",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct compose_addr to = { cases[i].name, "a@b.example" };
		struct compose_msg m = basic_msg(&to);
		struct parsed p;
		char *msg = compose_ok(&m);

		parse(&p, msg);
		assert_string_equal(field(&p, "To"), cases[i].want);
		parsed_free(&p);
		free(msg);
	}
	for (size_t i = 0; i < sizeof(utf8) / sizeof(*utf8); i++) {
		struct compose_addr to = { utf8[i], "a@b.example" };
		struct compose_msg m = basic_msg(&to);
		struct parsed p;
		char *msg = compose_ok(&m), *dec;
		const char *v;
		size_t n;

		parse(&p, msg);
		assert_true(p.longest <= 78);
		v = field(&p, "To");
		n = strlen(v);
		assert_true(n > 14);
		assert_string_equal(v + n - 14, " <a@b.example>");
		assert_non_null(strstr(v, "=?utf-8?"));
		dec = decode_2047(v);
		assert_int_equal(strlen(dec), strlen(utf8[i]) + 14);
		assert_memory_equal(dec, utf8[i], strlen(utf8[i]));
		free(dec);
		parsed_free(&p);
		free(msg);
	}
}

static void
test_address_lists_fold(void **state)
{
	struct compose_addr to[8];
	char names[8][32], addrs[8][48];
	struct parsed p;
	struct compose_msg m;
	char *msg;

	(void)state;
	for (int i = 0; i < 8; i++) {
		snprintf(names[i], sizeof(names[i]), "Agent Number %d", i);
		snprintf(addrs[i], sizeof(addrs[i]),
		    "agent.number.%d@support.example.com", i);
		to[i].name = names[i];
		to[i].addr = addrs[i];
	}
	m = basic_msg(to);
	m.nto = 5;
	m.cc = to + 5;
	m.ncc = 3;
	msg = compose_ok(&m);
	parse(&p, msg);
	assert_true(p.longest <= 78);
	assert_non_null(strstr(field(&p, "To"), "Agent Number 0 "
	    "<agent.number.0@support.example.com>,"));
	assert_non_null(strstr(field(&p, "Cc"),
	    "<agent.number.7@support.example.com>"));
	/* 5 addresses, 4 commas. */
	{
		int commas = 0;

		for (const char *c = field(&p, "To"); *c; c++)
			commas += *c == ',';
		assert_int_equal(commas, 4);
	}
	parsed_free(&p);
	free(msg);
}

/* CR/LF smuggled into any text value never starts a header line. */
static void
test_header_injection(void **state)
{
	static const struct compose_addr to = {
		"Eve\r\nBcc: victim@example.org", "eve@example.org" };
	static const struct compose_header extra[] = {
		{ "X-Guichet-Ticket", "1\r\nX-Injected: yes\nBcc: x@y.z" } };
	static const char *const refs[] = { "ok@x.example",
		"bad@x\r\nBcc: x@y.z", "sp ace@x" };
	struct compose_msg m = basic_msg(&to);
	struct parsed p;
	char *msg;

	(void)state;
	m.from.name = "Support\rBcc: a@b.c";
	m.subject = "Hello\r\nBcc: victim@example.org\r\n\r\nbody?\x01\x1b\x7f";
	m.extra = extra;
	m.nextra = 1;
	m.references = refs;
	m.nreferences = 3;
	m.in_reply_to = "x@y\r\nBcc: z@w";
	m.auto_submitted = "auto-replied\r\nBcc: q@r.s";
	msg = compose_ok(&m);
	parse(&p, msg);
	assert_null(field(&p, "Bcc"));
	assert_null(field(&p, "X-Injected"));
	assert_null(field(&p, "In-Reply-To"));
	assert_string_equal(field(&p, "References"), " <ok@x.example>");
	assert_int_equal(p.nf, 11);
	assert_string_equal(p.body, "Hello,\r\nWe got your request.\r\n");
	{
		char *dec = decode_2047(field(&p, "Subject"));

		assert_string_equal(dec,
		    "Hello  Bcc: victim@example.org    body?");
		free(dec);
	}
	parsed_free(&p);
	free(msg);
}

static void
test_bad_addresses_refused(void **state)
{
	static const char *const bad[] = { "a@b\r\nBcc: c@d", "a b@c.d",
		"a@b@c", "no-at-sign", "@b.c", "a@", "a@b.c>", "<a@b.c>",
		"a@b..c", "a,b@c.d", "", "a@b.c\n",
		/* UTF-8 that is not, or that hides what it is */
		"\xff@b.c", "a@b\xc3", "\xc0\xa9@b.c", "\xed\xa0\x80@b.c",
		"a\xc2\x85@b.c",               /* U+0085 NEL */
		"a\xc2\xa0\x62@b.c",          /* U+00A0 no-break space */
		"a\xe2\x80\x8b@b.c",          /* U+200B zero width */
		"ab@\xe2\x80\xaeliam.example",  /* U+202E right-to-left */
		"a\xe2\x81\xa6@b.c",          /* U+2066 isolate */
		"a\xef\xbb\xbf@b.c",          /* U+FEFF */
		"a\xef\xbf\xbd@b.c",          /* U+FFFD: lost on the way */
		"a\xe3\x80\x80@b.c",          /* U+3000 ideographic space */
		"a\xf3\xa0\x80\x81@b.c" };    /* U+E0001 tag */
	struct gc_err err = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct compose_addr to = { NULL, bad[i] };
		struct compose_msg m = basic_msg(&to);
		struct buf b = BUF_INIT(1 << 16);

		assert_int_equal(compose_addr_check(bad[i], &err), GC_EINVAL);
		assert_int_equal(compose_message(&b, &m, &err), GC_EINVAL);
		assert_non_null(strstr(err.msg, "To"));
		m.to = NULL;
		m.nto = 0;
		m.cc = &to;
		m.ncc = 1;
		assert_int_equal(compose_message(&b, &m, &err), GC_EINVAL);
		m.cc = NULL;
		m.ncc = 0;
		assert_int_equal(compose_message(&b, &m, &err), GC_EINVAL);
		buf_free(&b);
	}
	assert_int_equal(compose_addr_check("a.b+tag@sub.example.com", &err),
	    0);
	assert_false(compose_addr_utf8("a.b+tag@sub.example.com"));
	/* RFC 6531: UTF-8 in either part */
	assert_int_equal(compose_addr_check("z\xc3\xab@b.c", &err), 0);
	assert_int_equal(compose_addr_check("\xe7\x94\xa8\xe6\x88\xb7@"
	    "\xe4\xbe\x8b\xe5\xad\x90.\xe5\xb9\xbf\xe5\x91\x8a", &err), 0);
	assert_int_equal(compose_addr_check("\xf0\x9f\x98\x80@b.c", &err), 0);
	assert_true(compose_addr_utf8("z\xc3\xab@b.c"));
	assert_int_equal(compose_addr_check("a\xe2\x80\xae@b.c", &err),
	    GC_EINVAL);
	assert_non_null(strstr(err.msg, "U+202E"));
	assert_string_equal(compose_addr_domain("a@b.example"), "b.example");
}

/* An address in UTF-8 (RFC 6532) is written as it is, in To and Cc;
 * its display name is still an encoded-word, and nothing else of the
 * header section goes past ASCII. */
static void
test_utf8_address_written_as_is(void **state)
{
	static const struct compose_addr to = { "Zo\xc3\xab \xc3\x9cnal",
		"zo\xc3\xab@ex\xc3\xa4mple.org" };
	static const struct compose_addr cc = { NULL,
		"\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.cn" };
	struct compose_msg m = basic_msg(&to);
	char *msg, *end, *to_at, *cc_at, *cc_end;

	(void)state;
	m.cc = &cc;
	m.ncc = 1;
	msg = compose_ok(&m);
	assert_crlf(msg, strlen(msg));
	end = strstr(msg, "\r\n\r\n");
	to_at = strstr(msg, "\r\nTo: =?utf-8?");
	cc_at = strstr(msg, "\r\nCc: \xe7\x94\xa8\xe6\x88\xb7@"
	    "\xe4\xbe\x8b\xe5\xad\x90.cn\r\n");
	assert_non_null(end);
	assert_non_null(to_at);
	assert_non_null(cc_at);
	assert_non_null(strstr(to_at,
	    " <zo\xc3\xab@ex\xc3\xa4mple.org>\r\n"));
	cc_end = strstr(cc_at + 2, "\r\n");
	for (const char *q = msg; q < end; q++) {
		if ((unsigned char)*q < 0x80)
			continue;
		/* inside the To or Cc address only */
		assert_true((q > strchr(to_at, '<') &&
		    q < strchr(to_at, '>')) || (q > cc_at && q < cc_end));
	}
	free(msg);
}

static void
test_bad_message_fields_refused(void **state)
{
	static const struct compose_addr to = { NULL, "a@b.example" };
	static const struct compose_header reserved[] = { { "Bcc", "x" } };
	static const struct compose_header content[] = {
		{ "content-type", "text/html" } };
	static const struct compose_header badname[] = { { "X Bad", "x" } };
	struct compose_msg m;
	struct buf b = BUF_INIT(1 << 16);
	struct gc_err err = { 0 };

	(void)state;
	m = basic_msg(&to);
	m.message_id = NULL;
	assert_int_equal(compose_message(&b, &m, &err), GC_EINVAL);
	m = basic_msg(&to);
	m.message_id = "a b@c";
	assert_int_equal(compose_message(&b, &m, &err), GC_EINVAL);
	m = basic_msg(&to);
	m.from.addr = "support@example.com\r\nBcc: x@y";
	assert_int_equal(compose_message(&b, &m, &err), GC_EINVAL);
	m = basic_msg(&to);
	m.extra = reserved;
	m.nextra = 1;
	assert_int_equal(compose_message(&b, &m, &err), GC_EINVAL);
	m.extra = content;
	assert_int_equal(compose_message(&b, &m, &err), GC_EINVAL);
	m.extra = badname;
	assert_int_equal(compose_message(&b, &m, &err), GC_EINVAL);
	buf_free(&b);
}

static void
test_body_quoted_printable(void **state)
{
	static const struct compose_addr to = { NULL, "a@b.example" };
	static const char body[] =
	    "Bonjour Zoë,\n"
	    "Voici la réponse = 42.   \n"
	    "Une ligne très longue qui dépasse largement les soixante-seize "
	    "caractères autorisés par ligne en quoted-printable, avec des "
	    "accents éèàùç partout, pour vérifier les coupures douces.\n"
	    "\ttab at start and tab at end\t\n"
	    ".\n"
	    "Invalid \xff byte\n";
	struct compose_msg m = basic_msg(&to);
	struct parsed p;
	char *msg, *dec;

	(void)state;
	m.body = body;
	msg = compose_ok(&m);
	parse(&p, msg);
	assert_string_equal(field(&p, "Content-Transfer-Encoding"),
	    " quoted-printable");
	dec = decode_qp(p.body, strlen(p.body));
	assert_string_equal(dec,
	    "Bonjour Zoë,\r\n"
	    "Voici la réponse = 42.   \r\n"
	    "Une ligne très longue qui dépasse largement les soixante-seize "
	    "caractères autorisés par ligne en quoted-printable, avec des "
	    "accents éèàùç partout, pour vérifier les coupures douces.\r\n"
	    "\ttab at start and tab at end\t\r\n"
	    ".\r\n"
	    "Invalid \xef\xbf\xbd byte\r\n");
	free(dec);
	parsed_free(&p);
	free(msg);
}

static void
test_body_long_ascii_line_is_qp(void **state)
{
	static const struct compose_addr to = { NULL, "a@b.example" };
	struct compose_msg m = basic_msg(&to);
	char body[2000];
	struct parsed p;
	char *msg, *dec;

	(void)state;
	memset(body, 'x', sizeof(body) - 2);
	body[sizeof(body) - 2] = '\n';
	body[sizeof(body) - 1] = '\0';
	m.body = body;
	msg = compose_ok(&m);
	parse(&p, msg);
	assert_string_equal(field(&p, "Content-Transfer-Encoding"),
	    " quoted-printable");
	dec = decode_qp(p.body, strlen(p.body));
	assert_int_equal(strlen(dec), sizeof(body) - 2 + 2);
	assert_memory_equal(dec, body, sizeof(body) - 2);
	free(dec);
	parsed_free(&p);
	free(msg);
}

static void
test_body_line_endings(void **state)
{
	static const struct compose_addr to = { NULL, "a@b.example" };
	struct compose_msg m = basic_msg(&to);
	struct parsed p;
	char *msg;

	(void)state;
	m.body = "one\r\ntwo\rthree\nfour\r\n\r\n";
	msg = compose_ok(&m);
	parse(&p, msg);
	assert_string_equal(p.body, "one\r\ntwo\r\nthree\r\nfour\r\n\r\n");
	parsed_free(&p);
	free(msg);
}

static void
test_references_capped(void **state)
{
	static const struct compose_addr to = { NULL, "a@b.example" };
	struct compose_msg m = basic_msg(&to);
	char ids[30][40];
	const char *refs[30];
	struct parsed p;
	char *msg;
	const char *v;
	int n = 0;

	(void)state;
	for (int i = 0; i < 30; i++) {
		snprintf(ids[i], sizeof(ids[i]), "ref%02d.x@thread.example", i);
		refs[i] = ids[i];
	}
	m.references = refs;
	m.nreferences = 30;
	msg = compose_ok(&m);
	parse(&p, msg);
	assert_true(p.longest <= 78);
	v = field(&p, "References");
	for (const char *c = v; (c = strchr(c, '<')) != NULL; c++)
		n++;
	assert_int_equal(n, COMPOSE_MAX_REFS);
	assert_non_null(strstr(v, "<ref00.x@thread.example>"));
	assert_null(strstr(v, "<ref01.x@thread.example>"));
	assert_null(strstr(v, "<ref10.x@thread.example>"));
	assert_non_null(strstr(v, "<ref11.x@thread.example>"));
	assert_non_null(strstr(v, "<ref29.x@thread.example>"));
	/* Order kept: the root first, the most recent last. */
	assert_true(strstr(v, "ref00") < strstr(v, "ref11"));
	assert_true(strstr(v, "ref28") < strstr(v, "ref29"));
	parsed_free(&p);
	free(msg);
}

static void
test_attachments(void **state)
{
	static const struct compose_addr to = { NULL, "a@b.example" };
	static const unsigned char bin[] = { 0, 1, 2, 0xff, 0xfe, '=', '_',
		'\r', '\n', '-', '-', 'x' };
	struct compose_attachment at[] = {
		{ "report.pdf", "application/pdf", bin, sizeof(bin) },
		{ "rapport d'été — version finale, très longue pour tester "
		  "la continuation RFC 2231.txt", "text/plain; evil", "abc", 3 },
	};
	struct compose_msg m = basic_msg(&to);
	struct parsed p;
	char *msg, boundary[64];
	const char *ct, *b, *part2, *part3;
	unsigned char dec[64];

	(void)state;
	m.body = "Voir pièces jointes.\n";
	m.attachments = at;
	m.nattachments = 2;
	msg = compose_ok(&m);
	parse(&p, msg);
	assert_true(p.longest <= 78);
	ct = field(&p, "Content-Type");
	b = strstr(ct, "boundary=\"");
	assert_non_null(b);
	assert_true(strncmp(ct, " multipart/mixed;", 17) == 0);
	b += 10;
	assert_true(strchr(b, '"') - b < (long)sizeof(boundary) - 3);
	snprintf(boundary, sizeof(boundary), "\r\n--%.*s",
	    (int)(strchr(b, '"') - b), b);
	/* Three parts and the close delimiter, nothing else. */
	part2 = strstr(p.body, boundary);
	assert_non_null(part2);
	part2 = strstr(part2 + 1, boundary);
	assert_non_null(part2);
	part3 = strstr(part2 + 1, boundary);
	assert_non_null(part3);
	{
		const char *end = strstr(part3 + 1, boundary);

		assert_non_null(end);
		assert_true(strncmp(end + strlen(boundary), "--\r\n", 4) == 0);
		assert_null(strstr(end + 1, boundary));
	}
	/* Part 2: the PDF, base64 that decodes to the bytes. */
	{
		struct parsed pp;
		const char *data;
		size_t n;

		parse(&pp, part2 + strlen(boundary) + 2);
		assert_string_equal(field(&pp, "Content-Type"),
		    " application/pdf");
		assert_string_equal(field(&pp, "Content-Transfer-Encoding"),
		    " base64");
		assert_string_equal(field(&pp, "Content-Disposition"),
		    " attachment; filename=\"report.pdf\"");
		data = pp.body;
		n = b64_decode(dec, data, (size_t)(part3 - data));
		assert_int_equal(n, sizeof(bin));
		assert_memory_equal(dec, bin, sizeof(bin));
		parsed_free(&pp);
	}
	/* Part 3: a bad media type becomes application/octet-stream and
	 * the name is RFC 2231 encoded. */
	{
		struct parsed pp;

		parse(&pp, part3 + strlen(boundary) + 2);
		assert_string_equal(field(&pp, "Content-Type"),
		    " application/octet-stream");
		assert_non_null(strstr(field(&pp, "Content-Disposition"),
		    "filename*0*=utf-8''rapport%20d%27%C3%A9t%C3%A9"));
		assert_non_null(strstr(field(&pp, "Content-Disposition"),
		    "filename*1*="));
		parsed_free(&pp);
	}
	parsed_free(&p);
	free(msg);
}

static void
test_output_cap(void **state)
{
	static const struct compose_addr to = { NULL, "a@b.example" };
	struct compose_msg m = basic_msg(&to);
	struct buf b = BUF_INIT(200);
	struct gc_err err = { 0 };

	(void)state;
	assert_int_equal(compose_message(&b, &m, &err), GC_ELIMIT);
	buf_free(&b);
}

static void
test_deterministic(void **state)
{
	static const struct compose_addr to = { "Zoë", "a@b.example" };
	struct compose_msg m = basic_msg(&to);
	char *a, *b;

	(void)state;
	m.subject = "Même sujet";
	a = compose_ok(&m);
	b = compose_ok(&m);
	assert_string_equal(a, b);
	free(a);
	free(b);
}

static bool
base32_tail(const char *s, size_t n)
{
	if (n != 26)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '2' && s[i] <= '7')))
			return false;
	return true;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
test_message_id(void **state)
{
	struct arena a;
	char *ids[1000];
	char *id, *at;

	(void)state;
	arena_init(&a, 4096);
	id = compose_message_id(&a, "example.com", "sup-2026-000042");
	at = strchr(id, '@');
	assert_non_null(at);
	assert_string_equal(at, "@example.com");
	assert_true(strncmp(id, "sup-2026-000042.", 16) == 0);
	assert_true(base32_tail(id + 16, (size_t)(at - id - 16)));

	/* Unsafe characters of the hint and domain are dropped. */
	id = compose_message_id(&a, "exa mple.com>\r\n", "a b<c>..d.");
	assert_true(strncmp(id, "abc.d.", 6) == 0);
	assert_string_equal(strchr(id, '@'), "@example.com");
	id = compose_message_id(&a, NULL, NULL);
	at = strchr(id, '@');
	assert_true(base32_tail(id, (size_t)(at - id)));
	assert_string_equal(at, "@localhost");

	/* Unique. */
	for (int i = 0; i < 1000; i++)
		ids[i] = compose_message_id(&a, "example.com", "t");
	qsort(ids, 1000, sizeof(*ids), cmp_str);
	for (int i = 1; i < 1000; i++)
		assert_string_not_equal(ids[i - 1], ids[i]);
	/* 128 random bits: each of the 25 full characters of the tail
	 * ("t." then 26) takes most of its 32 values over 1000 ids */
	for (size_t pos = 2; pos < 2 + 25; pos++) {
		bool seen[256] = { false };
		int distinct = 0;

		for (int i = 0; i < 1000; i++) {
			unsigned char c = (unsigned char)ids[i][pos];

			distinct += !seen[c];
			seen[c] = true;
		}
		assert_true(distinct >= 28);
	}
	assert_int_equal(strchr(ids[0], '@') - ids[0], 2 + 26);
	arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_message),
		cmocka_unit_test(test_optional_headers_absent),
		cmocka_unit_test(test_subject_roundtrip),
		cmocka_unit_test(test_subject_plain_ascii_stays_readable),
		cmocka_unit_test(test_display_names),
		cmocka_unit_test(test_address_lists_fold),
		cmocka_unit_test(test_header_injection),
		cmocka_unit_test(test_bad_addresses_refused),
		cmocka_unit_test(test_utf8_address_written_as_is),
		cmocka_unit_test(test_bad_message_fields_refused),
		cmocka_unit_test(test_body_quoted_printable),
		cmocka_unit_test(test_body_long_ascii_line_is_qp),
		cmocka_unit_test(test_body_line_endings),
		cmocka_unit_test(test_references_capped),
		cmocka_unit_test(test_attachments),
		cmocka_unit_test(test_output_cap),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_message_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
