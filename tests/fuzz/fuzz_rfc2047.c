/*
 * fuzz_rfc2047.c - fuzz target: parsers/rfc2047.h rfc2047_decode()
 *
 * The first byte picks the fallback charset for raw 8-bit text (NULL,
 * utf-8, iso-8859-1, koi8-r, shift_jis, an unknown label); the rest is
 * the header value. The result must be valid UTF-8. The value is copied
 * to a buffer of its exact size, not NUL-terminated, so that a read past
 * len is an ASan report.
 * Seeds: tests/fuzz/corpus/rfc2047/; dictionary tests/fuzz/dict/rfc2047.dict.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "parsers/rfc2047.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_mail.h"

static const char *const rfc2047_fallbacks[] = {
	NULL, "utf-8", "iso-8859-1", "koi8-r", "shift_jis", "x-fuzz-unknown",
};

static int
fuzz_rfc2047(const uint8_t *data, size_t len)
{
	struct arena a;
	const char *fallback;
	bool unknown = false;
	char *in, *out;

	if (len < 1)
		return 0;
	fallback = rfc2047_fallbacks[data[0] % (sizeof(rfc2047_fallbacks) /
	    sizeof(rfc2047_fallbacks[0]))];
	data++;
	len--;
	in = malloc(len ? len : 1);
	if (in == NULL)
		abort();
	if (len > 0)
		memcpy(in, data, len);
	arena_init(&a, 4096);
	out = rfc2047_decode(&a, in, len, fallback, &unknown);
	free(in);
	FUZZ_CHECK(out != NULL, "rfc2047_decode returned NULL");
	fuzz_check_utf8("rfc2047_decode", out);
	/* Without a pointer for the flag it must work the same. */
	in = malloc(len ? len : 1);
	if (in == NULL)
		abort();
	if (len > 0)
		memcpy(in, data, len);
	FUZZ_CHECK(strcmp(rfc2047_decode(&a, in, len, fallback, NULL), out) ==
	    0, "rfc2047_decode differs with unknown_r NULL");
	free(in);
	arena_free(&a);
	return 0;
}

FUZZ_TARGET(fuzz_rfc2047)
