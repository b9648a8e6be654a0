/*
 * fuzz_address.c - fuzz target: parsers/address.h, one mailbox in its
 * different writings
 *
 * The input is two strings separated by the first NUL (the second empty
 * when there is none; a later NUL ends it), each as a delivery report or
 * a From header could give it. Promises: a domain decoded from UTF-8 is
 * UTF-8; a domain encoded is ASCII, and decodes back to itself when it
 * decodes; every writing of an address is the same mailbox as the
 * address; a report address decodes to a string; addr_same() is
 * reflexive and symmetric. Seeds: tests/fuzz/corpus/address/.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "parsers/address.h"
#include "parsers/utf8.h"
#include "tests/fuzz/fuzz.h"

/* Whether two domains are the same text, ASCII case aside. */
static bool
addr_same_domain_text(const char *x, const char *y)
{
	for (; *x != '\0' && *y != '\0'; x++, y++) {
		char cx = *x >= 'A' && *x <= 'Z' ? (char)(*x + 32) : *x;
		char cy = *y >= 'A' && *y <= 'Z' ? (char)(*y + 32) : *y;

		if (cx != cy)
			return false;
	}
	return *x == *y;
}

/* Whether s holds "xn--" in any case (an A-label, which decoding its
 * encoding decodes too). */
static bool
has_a_label(const char *s)
{
	for (; *s != '\0'; s++)
		if ((s[0] | 0x20) == 'x' && (s[1] | 0x20) == 'n' &&
		    s[2] == '-' && s[3] == '-')
			return true;
	return false;
}

static int
fuzz_address(const uint8_t *data, size_t len)
{
	const uint8_t *nul = memchr(data, '\0', len);
	size_t lx = nul != NULL ? (size_t)(nul - data) : len;
	struct arena a;
	char *x, *y, *at, *d;

	x = malloc(lx + 1);
	y = malloc(len - lx + 1);
	if (x == NULL || y == NULL)
		abort();
	memcpy(x, data, lx);
	x[lx] = '\0';
	if (nul != NULL)
		memcpy(y, nul + 1, len - lx - 1);
	y[nul != NULL ? len - lx - 1 : 0] = '\0';
	arena_init(&a, 4096);

	at = strrchr(x, '@');
	d = addr_idna_decode(&a, at != NULL ? at + 1 : x);
	if (d != NULL && utf8_valid(at != NULL ? at + 1 : x,
	    strlen(at != NULL ? at + 1 : x)))
		FUZZ_CHECK(utf8_valid(d, strlen(d)), "decoded domain not "
		    "UTF-8");
	d = addr_idna_encode(&a, at != NULL ? at + 1 : x);
	if (d != NULL) {
		char *back = addr_idna_decode(&a, d);

		for (const char *p = d; *p != '\0'; p++)
			FUZZ_CHECK((unsigned char)*p < 0x80, "encoded domain "
			    "not ASCII");
		if (back != NULL && !has_a_label(at != NULL ? at + 1 : x))
			FUZZ_CHECK(addr_same_domain_text(back, at != NULL ?
			    at + 1 : x), "encoded domain decodes to another");
	}
	if (at != NULL) {
		char *w[2];
		int n = addr_writings(&a, x, w);

		for (int i = 0; i < n; i++)
			FUZZ_CHECK(addr_same(w[i], x), "a writing is another "
			    "mailbox");
	}
	d = addr_dsn_decode(&a, x);
	if (d != NULL)
		fuzz_touch(d, strlen(d));
	FUZZ_CHECK(addr_same(x, x), "an address is not itself");
	FUZZ_CHECK(addr_same(x, y) == addr_same(y, x),
	    "addr_same not symmetric");
	arena_free(&a);
	free(x);
	free(y);
	return 0;
}

FUZZ_TARGET(fuzz_address)
