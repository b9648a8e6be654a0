/*
 * fuzz_codec.c - fuzz target: parsers/codec.h transfer decoders
 *
 * The first byte picks the decoder (base64, quoted-printable body or "Q"
 * header form, uuencode, or codec_decode() with one of the names), the
 * rest is the encoded text, copied to a buffer of its exact size. The
 * output buffer has exactly len + 1 bytes, as codec.h asks, so that a
 * decoder writing one byte too many is an ASan report; the decoded
 * length must not exceed len and the result must be NUL-terminated.
 * Seeds: tests/fuzz/corpus/codec/.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "parsers/codec.h"
#include "tests/fuzz/fuzz.h"

static const char *const codec_names[] = {
	"base64", "quoted-printable", "x-uuencode", "uuencode", "x-uue",
	"7bit", "binary",
};

static int
fuzz_codec(const uint8_t *data, size_t len)
{
	struct arena a;
	unsigned char *out, *d;
	const char *name = NULL;
	char *in;
	size_t n = 0, dlen = 0;
	unsigned mode;

	if (len < 1)
		return 0;
	mode = data[0] % 11;
	data++;
	len--;
	in = malloc(len ? len : 1);
	out = malloc(len + 1);
	if (in == NULL || out == NULL)
		abort();
	if (len > 0)
		memcpy(in, data, len);
	arena_init(&a, 4096);
	switch (mode) {
	case 0:
		n = codec_base64_decode(out, in, len);
		break;
	case 1:
	case 2:
		n = codec_qp_decode(out, in, len, mode == 2);
		break;
	case 3:
		n = codec_uu_decode(out, in, len, &a, &name);
		if (name != NULL)
			fuzz_touch(name, strlen(name));
		break;
	default:
		d = codec_decode(&a, codec_names[mode - 4], in, len, &dlen);
		FUZZ_CHECK(d != NULL, "codec_decode returned NULL");
		FUZZ_CHECK(dlen <= len, "decoded %zu bytes from %zu", dlen,
		    len);
		FUZZ_CHECK(d[dlen] == '\0', "not NUL-terminated");
		fuzz_touch(d, dlen);
		break;
	}
	if (mode <= 3) {
		FUZZ_CHECK(n <= len, "decoded %zu bytes from %zu", n, len);
		FUZZ_CHECK(out[n] == '\0', "not NUL-terminated");
		fuzz_touch(out, n);
	}
	arena_free(&a);
	free(out);
	free(in);
	return 0;
}

FUZZ_TARGET(fuzz_codec)
