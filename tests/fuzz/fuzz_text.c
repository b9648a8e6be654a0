/*
 * fuzz_text.c - fuzz target: the parsers that read text rather than
 * MIME: parsers/html.h, quote.h, commands.h, authres.h, date.h and
 * enriched.h
 *
 * The first byte picks the parser, the rest is its input:
 *   0  html_to_text() on the input made valid UTF-8 (as mime.c does
 *      first), with room for everything and then with a 64-byte cap;
 *      html_sniff_charset() on the raw bytes; html_safe() the same
 *      (no <script or <img in its output)
 *   1  quote_strip() on the input made valid UTF-8 with LF line ends
 *   2  commands_parse() (in English and in French: the same outcome,
 *      the error on the same line), rating_parse(), confirm_read() and
 *      confirm_before_signature()
 *      on the input up to its first NUL
 *   3  authres_pass_for_domain() on the input up to its first NUL
 *   4  date_parse() on the input
 *   5  enriched_to_text() on the input made valid UTF-8 (text/enriched),
 *   6  the same as text/richtext; room for everything, then a 64-byte cap
 * Checked: html text is UTF-8 without CR or trailing blanks, within its
 * cap or GC_ELIMIT with no text; a sniffed charset is lowercase;
 * quote_strip() returns UTF-8 no longer than its input; commands stay
 * within CMD_MAX with known names, NUL-terminated arguments, lines in
 * order and a body offset inside the text, or an error message; a
 * rating is 1-5 with its comment inside the text; a verdict on a
 * resolution is one of the four, and the same when the text is read
 * again; a date
 * or GC_EPARSE with a message; enriched text is UTF-8 without CR or
 * trailing blanks, within its cap or GC_ELIMIT with no text.
 * Seeds: tests/fuzz/corpus/text/; dictionary tests/fuzz/dict/text.dict.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "common/mem.h"
#include "parsers/authres.h"
#include "parsers/commands.h"
#include "parsers/confirm.h"
#include "parsers/rating.h"
#include "parsers/date.h"
#include "parsers/enriched.h"
#include "parsers/html.h"
#include "parsers/html_safe.h"
#include "parsers/quote.h"
#include "parsers/utf8.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_mail.h"

/* Text without CR and without a blank at the end of any line. */
static void
check_lines(const char *what, const char *out)
{
	size_t n = strlen(out);

	fuzz_check_utf8(what, out);
	FUZZ_CHECK(strchr(out, '\r') == NULL, "CR in %s", what);
	for (const char *p = out; (p = strchr(p, '\n')) != NULL; p++)
		FUZZ_CHECK(p == out || (p[-1] != ' ' && p[-1] != '\t'),
		    "trailing blank in %s", what);
	FUZZ_CHECK(n == 0 || (out[n - 1] != ' ' && out[n - 1] != '\t'),
	    "trailing blank in %s", what);
}

static void
check_html(struct arena *a, const char *raw, size_t len)
{
	size_t ulen;
	char *u = utf8_sanitize(a, raw, len, &ulen), *out = NULL;
	const char *cs;
	int rc;

	rc = html_to_text(&out, a, u, ulen, 1u << 24);
	FUZZ_CHECK(rc == 0 && out != NULL, "html_to_text: %d", rc);
	check_lines("html text", out);

	out = (char *)a;
	rc = html_to_text(&out, a, u, ulen, 64);
	FUZZ_CHECK(rc == 0 || rc == GC_ELIMIT, "html_to_text capped: %d", rc);
	if (rc == 0)
		FUZZ_CHECK(out != NULL && strlen(out) <= 64,
		    "html text past its cap");
	else
		FUZZ_CHECK(out == NULL, "GC_ELIMIT with a text");

	/* the sanitiser: UTF-8, no element outside its allow-list */
	rc = html_safe(&out, a, u, ulen, 1u << 26,
	    HTML_SAFE_NO_HISTORY | HTML_SAFE_NO_COMMANDS);
	FUZZ_CHECK(rc == 0 && out != NULL, "html_safe: %d", rc);
	fuzz_check_utf8("safe html", out);
	FUZZ_CHECK(strstr(out, "<script") == NULL &&
	    strstr(out, "<img") == NULL, "html_safe let an element through");
	rc = html_safe(&out, a, u, ulen, 64, 0);
	FUZZ_CHECK(rc == 0 || rc == GC_ELIMIT, "html_safe capped: %d", rc);

	cs = html_sniff_charset(a, raw, len);
	fuzz_check_lower("sniffed charset", cs);
	if (cs != NULL)
		fuzz_touch(cs, strlen(cs));
}

static void
check_enriched(struct arena *a, const char *raw, size_t len, bool rich)
{
	size_t ulen;
	char *u = utf8_sanitize(a, raw, len, &ulen), *out = NULL;
	int rc;

	rc = enriched_to_text(&out, a, u, ulen, rich, 1u << 24);
	FUZZ_CHECK(rc == 0 && out != NULL, "enriched_to_text: %d", rc);
	check_lines("enriched text", out);
	out = (char *)a;
	rc = enriched_to_text(&out, a, u, ulen, rich, 64);
	FUZZ_CHECK(rc == 0 || rc == GC_ELIMIT, "enriched capped: %d", rc);
	if (rc == 0)
		FUZZ_CHECK(out != NULL && strlen(out) <= 64,
		    "enriched text past its cap");
	else
		FUZZ_CHECK(out == NULL, "GC_ELIMIT with a text");
}

static void
check_date(const char *raw, size_t len)
{
	struct gc_err err = { 0, "" };
	time_t t = 0;
	int rc = date_parse(&t, raw, len, &err);

	FUZZ_CHECK(rc == 0 || rc == GC_EPARSE, "date_parse: %d", rc);
	if (rc != 0)
		FUZZ_CHECK(err.msg[0] != '\0', "date_parse failed silently");
}

static void
check_quote(struct arena *a, const char *raw, size_t len)
{
	size_t ulen;
	char *u = utf8_sanitize(a, raw, len, &ulen);
	const char *out;

	for (char *p = u; (p = strchr(p, '\r')) != NULL; p++)
		*p = '\n';
	out = quote_strip(a, u);
	FUZZ_CHECK(out != NULL, "quote_strip returned NULL");
	fuzz_check_utf8("quote_strip", out);
	FUZZ_CHECK(strlen(out) <= ulen, "quote_strip made text longer");
}

static void
check_commands(const char *text)
{
	struct cmd_list l, lfr;
	char err[256] = "", err_fr[256] = "";
	int last = 0, rc = commands_parse(&l, text, err, sizeof(err));

	/* the same reading in French: the same outcome and commands, the
	 * error on the same line in French words */
	FUZZ_CHECK(commands_parse_in(&lfr, text, "fr", err_fr,
	    sizeof(err_fr)) == rc, "French and English readings differ");
	if (rc != 0) {
		FUZZ_CHECK(err[0] != '\0', "commands_parse failed silently");
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL,
		    "error message not terminated");
		FUZZ_CHECK(strncmp(err, "line ", 5) == 0 &&
		    strncmp(err_fr, "ligne ", 6) == 0 &&
		    strcmp(err + 5 + strspn(err + 5, "0123456789"),
		    err_fr + 6 + strspn(err_fr + 6, "0123456789")) != 0 &&
		    strspn(err + 5, "0123456789") ==
		    strspn(err_fr + 6, "0123456789") &&
		    strncmp(err + 5, err_fr + 6, strspn(err + 5,
		    "0123456789")) == 0, "errors \"%s\" / \"%s\"", err,
		    err_fr);
		return;
	}
	FUZZ_CHECK(lfr.n == l.n && lfr.body_offset == l.body_offset,
	    "French reading found other commands");
	FUZZ_CHECK(l.n <= CMD_MAX, "%zu commands", l.n);
	FUZZ_CHECK(l.body_offset <= strlen(text), "body offset %zu of %zu",
	    l.body_offset, strlen(text));
	for (size_t i = 0; i < l.n; i++) {
		FUZZ_CHECK(strcmp(commands_name(l.v[i].kind), "?") != 0,
		    "command %zu of unknown kind %d", i, (int)l.v[i].kind);
		FUZZ_CHECK(memchr(l.v[i].arg, '\0', CMD_ARG_MAX) != NULL,
		    "argument not terminated");
		FUZZ_CHECK(l.v[i].line > last, "command lines out of order");
		last = l.v[i].line;
	}
}

static void
check_rating(const char *text)
{
	const char *comment;
	int score = 0;

	if (!rating_parse(text, &score, &comment))
		return;
	FUZZ_CHECK(score >= 1 && score <= 5, "score %d", score);
	FUZZ_CHECK(comment >= text && comment <= text + strlen(text),
	    "comment outside the text");
}

static void
check_confirm(const char *text)
{
	static const char *const phrases[] = { "ça marche", "it works",
		"c'est résolu", "", "vous pouvez fermer" };
	enum confirm_verdict v = confirm_read(text, phrases, 5);
	size_t n = confirm_before_signature(text), all = strlen(text);

	FUZZ_CHECK(v == CONFIRM_NONE || v == CONFIRM_YES || v == CONFIRM_NO ||
	    v == CONFIRM_THANKS, "verdict %d", (int)v);
	FUZZ_CHECK(confirm_read(text, phrases, 5) == v, "verdict changes");
	/* the text before a signature: a part of it, never an empty one
	 * for a text with something in it */
	FUZZ_CHECK(n <= all, "%zu bytes before the signature of %zu", n, all);
	FUZZ_CHECK(n > 0 || strspn(text, " \t\r\n") == all,
	    "a text with words is all signature");
}

static int
fuzz_text(const uint8_t *data, size_t len)
{
	struct arena a;
	unsigned mode;
	char *raw, *s;

	if (len < 1)
		return 0;
	mode = data[0] % 7;
	data++;
	len--;
	raw = malloc(len ? len : 1);
	if (raw == NULL)
		abort();
	if (len > 0)
		memcpy(raw, data, len);
	arena_init(&a, 4096);
	switch (mode) {
	case 0:
		check_html(&a, raw, len);
		break;
	case 1:
		check_quote(&a, raw, len);
		break;
	case 2:
		s = fuzz_cstr(data, len, 1u << 20, NULL, NULL);
		check_commands(s);
		check_rating(s);
		check_confirm(s);
		free(s);
		break;
	case 3:
		s = fuzz_cstr(data, len, 1u << 20, NULL, NULL);
		(void)authres_pass_for_domain(s, "mx.example.com",
		    "example.com");
		(void)authres_pass_for_domain(s, "", "");
		free(s);
		break;
	case 4:
		check_date(raw, len);
		break;
	default:
		check_enriched(&a, raw, len, mode == 6);
		break;
	}
	arena_free(&a);
	free(raw);
	return 0;
}

FUZZ_TARGET(fuzz_text)
