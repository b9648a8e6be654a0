/*
 * fuzz_tz_posix.c - fuzz target: sla/tz.h tz_from_posix() on POSIX TZ
 * strings ("CET-1CEST,M3.5.0,M10.5.0/3")
 *
 * The input up to its first NUL byte (at most 1 KiB) is the string. When
 * it parses, fuzz_check_tz() walks the zone; otherwise the error must be
 * GC_EPARSE with a message and no zone.
 * Seeds: tests/fuzz/corpus/tz_posix/; dictionary tests/fuzz/dict/tz_posix.dict.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "sla/tz.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_tz.h"

static int
fuzz_tz_posix(const uint8_t *data, size_t len)
{
	struct gc_err err = { 0, "" };
	struct tz *tz = NULL;
	char *s = fuzz_cstr(data, len, 1024, NULL, NULL);
	int rc;

	rc = tz_from_posix(&tz, NULL, s, &err);
	if (rc != 0) {
		FUZZ_CHECK(rc == GC_EPARSE || rc == GC_ELIMIT,
		    "tz_from_posix returned %d (%s)", rc, err.msg);
		FUZZ_CHECK(err.msg[0] != '\0', "tz_from_posix failed silently");
		free(s);
		return 0;
	}
	FUZZ_CHECK(tz != NULL, "tz_from_posix: 0 without a zone");
	free(s);        /* the zone must not borrow the string */
	fuzz_check_tz(tz);
	tz_free(&tz);
	return 0;
}

FUZZ_TARGET(fuzz_tz_posix)
