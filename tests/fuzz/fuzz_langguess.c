/*
 * fuzz_langguess.c - fuzz target: parsers/langguess.h, which reads the
 * text of every new ticket's mail
 *
 * The input is read as a subject, a text and a Content-Language value,
 * separated by NUL bytes (the raw input too, as one text). Checked: each
 * verdict is NULL, "fr" or "en"; a text given alone or as lang_guess()'s
 * only part gets the same verdict; lang_guess() gives the verdict of the
 * subject and the text joined by a space (when they fit in the scan),
 * else the header's.
 * Seeds: tests/fuzz/corpus/langguess/.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/langguess.h"
#include "tests/fuzz/fuzz.h"

static void
check_verdict(const char *what, const char *v)
{
	FUZZ_CHECK(v == NULL || strcmp(v, "fr") == 0 || strcmp(v, "en") == 0,
	    "%s: verdict \"%s\"", what, v);
}

static bool
same(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int
fuzz_langguess(const uint8_t *data, size_t len)
{
	const uint8_t *rest, *rest2;
	size_t restlen, restlen2, ns, nt;
	char *subject, *text, *header, *both;
	const char *v, *vt, *vh;

	v = lang_guess_text((const char *)data, len);
	check_verdict("raw", v);
	subject = fuzz_cstr(data, len, 1u << 20, &rest, &restlen);
	text = fuzz_cstr(rest, restlen, 1u << 20, &rest2, &restlen2);
	header = fuzz_cstr(rest2, restlen2, 1u << 20, NULL, NULL);
	vt = lang_guess_text(text, strlen(text));
	check_verdict("text", vt);
	FUZZ_CHECK(same(vt, lang_guess(NULL, text, NULL)),
	    "the text alone and as lang_guess()'s text differ");
	vh = lang_guess_header(header);
	check_verdict("header", vh);
	v = lang_guess(subject, text, header);
	check_verdict("all", v);
	/* subject and text read as one, when both fit in the scan */
	ns = strlen(subject);
	nt = strlen(text);
	if (ns + 1 + nt <= LANG_GUESS_SCAN) {
		const char *vb;

		both = malloc(ns + nt + 2);
		if (both == NULL)
			abort();
		memcpy(both, subject, ns);
		both[ns] = ' ';
		memcpy(both + ns + 1, text, nt + 1);
		vb = lang_guess_text(both, ns + 1 + nt);
		/* the words' verdict, else the header's */
		FUZZ_CHECK(same(v, vb != NULL ? vb : vh), "read apart \"%s\","
		    " joined \"%s\", the header \"%s\"", v ? v : "-",
		    vb ? vb : "-", vh ? vh : "-");
		free(both);
	}
	free(subject);
	free(text);
	free(header);
	return 0;
}

FUZZ_TARGET(fuzz_langguess)
