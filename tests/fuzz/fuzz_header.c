/*
 * fuzz_header.c - fuzz target: the header and address decoders of
 * parsers/mime.h, reached through mail_parse()
 *
 * The address, message-id, date and subject decoders are internal to
 * mime.c; this target feeds them directly. Each line of the input becomes
 * the value of the next field of a fixed list (From, To, Cc, ...; a line
 * that starts with a blank continues the previous field, as folding
 * does); the mail then gets a blank line and a one-line body. So every
 * mutation lands in a structured header value instead of in MIME
 * framing. The result is walked as in fuzz_mime.c.
 * Seeds: tests/fuzz/corpus/header/ (one field value per line).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/mem.h"
#include "parsers/mime.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_mail.h"

static const char *const header_fields[] = {
	"From", "To", "Cc", "Subject", "Reply-To", "Sender", "Return-Path",
	"Message-ID", "In-Reply-To", "References", "Date", "Content-Type",
	"Content-Transfer-Encoding", "Content-Disposition", "Bcc",
	"Resent-From",
};

static int
fuzz_header(const uint8_t *data, size_t len)
{
	struct mail_limits lim = mail_limits_default();
	struct buf b = BUF_INIT(4 * len + 4096);
	struct gc_err err = { 0, "" };
	struct mail *m = NULL;
	size_t nfields = sizeof(header_fields) / sizeof(header_fields[0]);
	size_t i = 0, field = 0;
	int rc;

	while (i < len) {
		const uint8_t *nl = memchr(data + i, '\n', len - i);
		size_t n = nl != NULL ? (size_t)(nl - (data + i)) : len - i;

		if (n > 0 && (data[i] == ' ' || data[i] == '\t') && field > 0) {
			rc = buf_add(&b, data + i, n);
		} else {
			rc = buf_printf(&b, "%s: ",
			    header_fields[field % nfields]);
			field++;
			if (rc == 0)
				rc = buf_add(&b, data + i, n);
		}
		if (rc == 0)
			rc = buf_add(&b, "\r\n", 2);
		FUZZ_CHECK(rc == 0, "buffer too small");
		i += n + 1;
	}
	if (buf_addstr(&b, "\r\nbody\r\n") != 0)
		FUZZ_FAIL("buffer too small");

	rc = mail_parse(&m, b.data, b.len, &lim, &err);
	buf_free(&b);
	if (rc != 0) {
		FUZZ_CHECK(rc == GC_ELIMIT || rc == GC_EPARSE,
		    "mail_parse returned %d (%s)", rc, err.msg);
		FUZZ_CHECK(m == NULL, "mail_parse failed but set *out");
		return 0;
	}
	fuzz_check_mail(m, &lim, 0);
	fuzz_check_detectors(m);
	mail_free(&m);
	return 0;
}

FUZZ_TARGET(fuzz_header)
