/*
 * fuzz_charset.c - fuzz target: parsers/charset.h, text in a declared
 * charset to UTF-8
 *
 * The input is "LABEL\nTEXT": the charset label (at most 64 bytes; an
 * empty label means undeclared, NULL) and the text, copied to a buffer
 * of its exact size. The text is converted three ways: into a buffer
 * with room for all of it (must succeed), into one capped at a third of
 * the text (0 or GC_ELIMIT, a valid UTF-8 prefix either way), and with
 * charset_to_utf8() (the same bytes as the first way). Every output must
 * be UTF-8 without NUL; charset_is_unknown() must agree with the flag.
 * Seeds: tests/fuzz/corpus/charset/; dictionary tests/fuzz/dict/charset.dict.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/mem.h"
#include "parsers/charset.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_mail.h"

/* Room for the UTF-8 of any text: 4 bytes for each input byte covers
 * U+FFFD (3 bytes) per byte and every multi-byte charset. */
#define CHARSET_ROOM(n) (4 * (n) + 16)

static int
fuzz_charset(const uint8_t *data, size_t len)
{
	const uint8_t *nl = memchr(data, '\n', len < 65 ? len : 65);
	char label[66], *text, *s = NULL;
	const char *cs = NULL;
	struct buf full, part;
	struct arena a;
	size_t n, tlen, slen = 0;
	bool unknown = false, unknown2 = false, unknown3 = false;
	int rc;

	if (nl == NULL)
		return 0;
	n = (size_t)(nl - data);
	memcpy(label, data, n);
	label[n] = '\0';
	if (n > 0)
		cs = label;
	tlen = len - n - 1;
	text = malloc(tlen ? tlen : 1);
	if (text == NULL)
		abort();
	if (tlen > 0)
		memcpy(text, nl + 1, tlen);

	buf_init(&full, CHARSET_ROOM(tlen));
	rc = charset_convert(&full, &unknown, cs, text, tlen);
	FUZZ_CHECK(rc == 0, "charset_convert: %d with room for all", rc);
	fuzz_check_utf8n("charset_convert", full.data, full.len);
	FUZZ_CHECK(unknown == (cs != NULL && charset_is_unknown(cs)),
	    "unknown flag %d, charset_is_unknown(\"%s\") %d", unknown, label,
	    cs != NULL && charset_is_unknown(cs));

	buf_init(&part, tlen / 3);
	rc = charset_convert(&part, &unknown2, cs, text, tlen);
	FUZZ_CHECK(rc == 0 || rc == GC_ELIMIT, "charset_convert: %d", rc);
	FUZZ_CHECK(part.len <= tlen / 3, "past the cap");
	fuzz_check_utf8n("charset_convert capped", part.data, part.len);
	FUZZ_CHECK(part.len <= full.len &&
	    (part.len == 0 || memcmp(part.data, full.data, part.len) == 0),
	    "capped output is not a prefix of the full one");
	FUZZ_CHECK(rc == GC_ELIMIT || part.len == full.len,
	    "capped output short without GC_ELIMIT");

	arena_init(&a, 4096);
	rc = charset_to_utf8(&s, &slen, &unknown3, &a, cs, text, tlen,
	    CHARSET_ROOM(tlen));
	FUZZ_CHECK(rc == 0 && s != NULL, "charset_to_utf8: %d", rc);
	FUZZ_CHECK(slen == full.len &&
	    (slen == 0 || memcmp(s, full.data, slen) == 0),
	    "charset_to_utf8 differs from charset_convert");
	FUZZ_CHECK(s[slen] == '\0', "charset_to_utf8: not NUL-terminated");

	arena_free(&a);
	buf_free(&full);
	buf_free(&part);
	free(text);
	return 0;
}

FUZZ_TARGET(fuzz_charset)
