/*
 * rfc2047.c - encoded-word decoding (see rfc2047.h)
 *
 * One pass over the value with two pending buffers: `raw` holds plain
 * text not yet converted, `enc` holds the decoded bytes of a run of
 * encoded words in one charset. At most one of them is non-empty; each is
 * converted to UTF-8 when the other kind of text (or another charset)
 * comes. White space that follows an encoded word is held back until we
 * know whether another encoded word comes next (then it is dropped).
 *
 * Cost: an encoded word's text ends at its first '?', so the scans of
 * candidate words never overlap by more than a few bytes; the pass is
 * linear in the length of the value.
 */
#include "parsers/rfc2047.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "parsers/charset.h"
#include "parsers/codec.h"
#include "parsers/utf8.h"

#define CHARSET_MAX 64
#define QMARK_MAX 256          /* a Q word's text with a '?' in it */

struct state {
	struct buf out;
	struct buf raw;                 /* plain bytes not yet converted */
	struct buf enc;                 /* decoded bytes of encoded words */
	char enc_charset[CHARSET_MAX + 1];
	const char *fallback;
	bool *unknown_r;
};

struct word {
	char charset[CHARSET_MAX + 1];
	char encoding;                  /* 'b' or 'q' */
	const char *text;
	size_t textlen;
	size_t total;                   /* bytes from "=?" to "?=" */
};

/* The text of an encoded word that does not end at its first '?' with
 * "?=", as some mailers write them: a '?' inside Q text ("=?utf-8?q?
 * a?b?=": the word ends at the next "?=", QMARK_MAX bytes at most, no
 * "=?" between), or a word never closed, which then runs to the end of
 * the value (Q) or of its base64 run (B) when no other word starts
 * there. t is where the text starts, i the first '?' after it (or len). */
static bool
broken_word(struct word *w, const char *p, size_t len, size_t t, size_t i)
{
	size_t j, lim = t + QMARK_MAX < len ? t + QMARK_MAX : len;

	if (i < len && w->encoding == 'q') {
		for (j = t; j + 1 < lim; j++) {
			if (p[j] == '=' && p[j + 1] == '?')
				break;
			if (p[j] == '?' && p[j + 1] == '=') {
				w->text = p + t;
				w->textlen = j - t;
				w->total = j + 2;
				return true;
			}
		}
	}
	if (i < len)
		return false;           /* a '?' that ends nothing we know */
	for (j = t; j + 1 < len; j++)
		if (p[j] == '=' && p[j + 1] == '?')
			return false;
	if (w->encoding == 'b') {
		for (j = t; j < len && (isalnum((unsigned char)p[j]) ||
		    p[j] == '+' || p[j] == '/' || p[j] == '='); j++)
			;
		w->total = j;
	} else {
		j = len;
		while (j > t && (p[j - 1] == ' ' || p[j - 1] == '\t'))
			j--;
		w->total = len;
	}
	if (j == t)
		return false;
	w->text = p + t;
	w->textlen = j - t;
	return true;
}

/* Recognise an encoded word at p (which starts with "=?"). */
static bool
parse_word(struct word *w, const char *p, size_t len)
{
	size_t i = 2, cs = 0, t;

	while (i < len && p[i] != '?' && p[i] != ' ' && p[i] != '\t') {
		if (cs >= CHARSET_MAX)
			return false;
		w->charset[cs++] = p[i++];
	}
	w->charset[cs] = '\0';
	if (cs == 0 || i + 2 >= len || p[i] != '?' || p[i + 2] != '?')
		return false;
	/* RFC 2231 language suffix: charset*lang */
	{
		char *star = strchr(w->charset, '*');

		if (star != NULL)
			*star = '\0';
	}
	if (w->charset[0] == '\0')
		return false;
	switch (p[i + 1]) {
	case 'b': case 'B':
		w->encoding = 'b';
		break;
	case 'q': case 'Q':
		w->encoding = 'q';
		break;
	default:
		return false;
	}
	t = i + 3;
	i = t;
	while (i < len && p[i] != '?')
		i++;
	if (i + 1 < len && p[i + 1] == '=') {
		w->text = p + t;
		w->textlen = i - t;
		w->total = i + 2;
		return true;
	}
	return broken_word(w, p, len, t, i);
}

static void
add(struct buf *b, const void *p, size_t n)
{
	/* The buffers are sized from the input: this cannot happen. */
	if (buf_add(b, p, n) != 0)
		fatal("rfc2047: buffer cap reached");
}

static void
flush_raw(struct state *st)
{
	if (st->raw.len == 0)
		return;
	if (utf8_valid(st->raw.data, st->raw.len) &&
	    memchr(st->raw.data, 0x1b, st->raw.len) == NULL) {
		if (utf8_sanitize_buf(&st->out, st->raw.data, st->raw.len) != 0)
			fatal("rfc2047: buffer cap reached");
	} else if (charset_convert_guess(&st->out, st->fallback,
	    st->raw.data, st->raw.len) != 0) {
		fatal("rfc2047: buffer cap reached");
	}
	buf_reset(&st->raw);
}

static void
flush_enc(struct state *st)
{
	if (st->enc.len == 0)
		return;
	if (charset_convert(&st->out, st->unknown_r, st->enc_charset,
	    st->enc.data, st->enc.len) != 0)
		fatal("rfc2047: buffer cap reached");
	buf_reset(&st->enc);
}

static void
take_word(struct state *st, const struct word *w)
{
	unsigned char *tmp = xmalloc(w->textlen + 1);
	size_t n;

	if (w->encoding == 'b')
		n = codec_base64_decode(tmp, w->text, w->textlen);
	else
		n = codec_qp_decode(tmp, w->text, w->textlen, true);
	flush_raw(st);
	if (st->enc.len > 0 && str_casecmp(st->enc_charset, w->charset) != 0)
		flush_enc(st);
	memcpy(st->enc_charset, w->charset, sizeof(st->enc_charset));
	add(&st->enc, tmp, n);
	free(tmp);
}

char *
rfc2047_decode(struct arena *a, const char *in, size_t len,
    const char *fallback_charset, bool *unknown_r)
{
	struct state st;
	size_t i = 0;
	bool after_word = false;
	char *res;

	/* Each input byte gives at most 3 bytes of UTF-8 (U+FFFD or a
	 * BMP character); charset converters never do worse. */
	buf_init(&st.out, len * 4 + 16);
	buf_init(&st.raw, len + 1);
	buf_init(&st.enc, len + 1);
	st.enc_charset[0] = '\0';
	st.fallback = fallback_charset;
	st.unknown_r = unknown_r;

	while (i < len) {
		struct word w;

		if (in[i] == '=' && i + 1 < len && in[i + 1] == '?' &&
		    parse_word(&w, in + i, len - i)) {
			take_word(&st, &w);
			i += w.total;
			after_word = true;
			continue;
		}
		if (after_word && (in[i] == ' ' || in[i] == '\t')) {
			size_t j = i;

			while (j < len && (in[j] == ' ' || in[j] == '\t'))
				j++;
			if (j + 1 < len && in[j] == '=' && in[j + 1] == '?' &&
			    parse_word(&w, in + j, len - j)) {
				/* Dropped: only white space between words. */
				i = j;
				continue;
			}
			flush_enc(&st);
			add(&st.raw, in + i, j - i);
			i = j;
			after_word = false;
			continue;
		}
		flush_enc(&st);
		after_word = false;
		add(&st.raw, in + i, 1);
		i++;
	}
	flush_enc(&st);
	flush_raw(&st);
	res = arena_strndup(a, buf_str(&st.out), st.out.len);
	buf_free(&st.out);
	buf_free(&st.raw);
	buf_free(&st.enc);
	return res;
}
