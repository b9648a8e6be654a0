/*
 * fuzz_mime.c - fuzz target: parsers/mime.h mail_parse() on raw mail bytes
 *
 * The input is a whole mail. It is parsed twice: with the default limits,
 * and with tight ones (depth 4, 16 parts, 2 KiB of header, 4 KiB of text)
 * so that the limit paths run too. The input is copied to a buffer of its
 * exact size and freed before the result is looked at: mail_parse()
 * promises to copy what it keeps, and ASan sees any pointer into the raw
 * bytes or past a buffer's end. fuzz_check_mail() then walks the result,
 * and the automatic-mail and bounce detectors (auto.h, bounce.h) read it.
 * Seeds: tests/fuzz/corpus/mime/ (and the shared mail corpus at run time).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "parsers/mime.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_mail.h"

static void
parse_one(const uint8_t *data, size_t len, const struct mail_limits *lim)
{
	struct gc_err err = { 0, "" };
	struct mail *m = (struct mail *)&err;   /* must become NULL or a mail */
	char *raw = malloc(len ? len : 1);
	int rc;

	if (raw == NULL)
		abort();
	if (len > 0)
		memcpy(raw, data, len);
	rc = mail_parse(&m, raw, len, lim, &err);
	free(raw);
	if (rc != 0) {
		FUZZ_CHECK(rc == GC_ELIMIT || rc == GC_EPARSE,
		    "mail_parse returned %d (%s)", rc, err.msg);
		FUZZ_CHECK(m == NULL, "mail_parse failed but set *out");
		FUZZ_CHECK(err.code == rc && err.msg[0] != '\0',
		    "mail_parse failed without a message");
		return;
	}
	FUZZ_CHECK(m != NULL, "mail_parse succeeded without a mail");
	fuzz_check_mail(m, lim, 0);
	FUZZ_CHECK(mail_arena(m) != NULL, "mail without an arena");
	fuzz_check_detectors(m);
	mail_free(&m);
	FUZZ_CHECK(m == NULL, "mail_free left the pointer");
}

static int
fuzz_mime(const uint8_t *data, size_t len)
{
	struct mail_limits lim = mail_limits_default();
	struct mail_limits tight = {
		.max_mail_bytes = 1u << 20,
		.max_header_bytes = 2048,
		.max_depth = 4,
		.max_parts = 16,
		.max_text_bytes = 4096,
	};

	parse_one(data, len, &lim);
	parse_one(data, len, &tight);
	return 0;
}

FUZZ_TARGET(fuzz_mime)
