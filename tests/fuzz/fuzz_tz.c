/*
 * fuzz_tz.c - fuzz target: sla/tz.h tz_parse() on TZif bytes
 *
 * The input is a TZif file (copied to a buffer of its exact size). When
 * it parses, fuzz_check_tz() walks the zone; when it does not, the error
 * must be GC_EPARSE or GC_ELIMIT with a message and no zone.
 * Seeds: tests/fuzz/corpus/tz/ (small hand-made files), and the system's
 * zoneinfo at run time (scripts/test.d/fuzz.sh).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "sla/tz.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_tz.h"

static int
fuzz_tz(const uint8_t *data, size_t len)
{
	struct gc_err err = { 0, "" };
	struct tz *tz = NULL;
	unsigned char *copy = malloc(len ? len : 1);
	int rc;

	if (copy == NULL)
		abort();
	if (len > 0)
		memcpy(copy, data, len);
	rc = tz_parse(&tz, "Fuzz/Zone", copy, len, &err);
	free(copy);
	if (rc != 0) {
		FUZZ_CHECK(rc == GC_EPARSE || rc == GC_ELIMIT,
		    "tz_parse returned %d (%s)", rc, err.msg);
		FUZZ_CHECK(err.msg[0] != '\0', "tz_parse failed silently");
		return 0;
	}
	FUZZ_CHECK(tz != NULL, "tz_parse: 0 without a zone");
	FUZZ_CHECK(strcmp(tz_name(tz), "Fuzz/Zone") == 0, "name not kept");
	fuzz_check_tz(tz);
	tz_free(&tz);
	FUZZ_CHECK(tz == NULL, "tz_free left the pointer");
	return 0;
}

FUZZ_TARGET(fuzz_tz)
