/*
 * fuzz_address.c - fuzz target: parsers/address.h, one mailbox in its
 * different writings
 *
 * The input is two strings separated by the first NUL (the second empty
 * when there is none; a later NUL ends it), each as a delivery report or
 * a From header could give it. Promises: a domain decoded from UTF-8 is
 * UTF-8; a report address decodes to a string; addr_same() is reflexive
 * and symmetric. Seeds: tests/fuzz/corpus/address/.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "parsers/address.h"
#include "parsers/utf8.h"
#include "tests/fuzz/fuzz.h"

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
