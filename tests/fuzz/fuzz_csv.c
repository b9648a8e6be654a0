/*
 * fuzz_csv.c - fuzz target: parsers/csv.h, the CSV reader
 *
 * The first byte picks the separator (',' ';' or tab) and small or
 * default caps; the rest is the file. Every record returned must keep
 * csv.h's promises: fields NUL-terminated at their length, UTF-8 without
 * NUL, within the caps; line numbers start at 1 and never go back; the
 * reader always moves on (at most one record or error per input byte,
 * plus one). Seeds: tests/fuzz/corpus/csv/.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "parsers/csv.h"
#include "tests/fuzz/fuzz.h"

static int
fuzz_csv(const uint8_t *data, size_t len)
{
	static const char delims[] = { ',', ';', '\t' };
	struct csv_settings set = { 0 };
	struct gc_err err = { 0 };
	struct csv_reader r;
	struct csv_record rec;
	size_t last = 1, count = 0, total;
	char *copy;
	int rc;

	if (len < 1)
		return 0;
	set.delim = delims[data[0] % 3];
	if (data[0] & 0x80) {
		set.max_field = 16;
		set.max_fields = 4;
		set.max_record = 48;
	}
	data++;
	len--;
	copy = malloc(len ? len : 1);
	if (copy == NULL)
		abort();
	if (len > 0)
		memcpy(copy, data, len);
	csv_init(&r, copy, len, &set);
	while ((rc = csv_next(&r, &rec, &err)) != 0) {
		FUZZ_CHECK(++count <= len + 1, "no progress");
		FUZZ_CHECK(rec.line >= last, "line %zu after %zu", rec.line,
		    last);
		last = rec.line;
		if (rc < 0) {
			FUZZ_CHECK(err.msg[0] != '\0', "error without message");
			continue;
		}
		FUZZ_CHECK(rec.nfields >= 1 && rec.nfields <= r.set.max_fields,
		    "%zu fields", rec.nfields);
		total = 0;
		for (size_t i = 0; i < rec.nfields; i++) {
			const unsigned char *f =
			    (const unsigned char *)rec.fields[i];

			FUZZ_CHECK(strlen(rec.fields[i]) == rec.lens[i],
			    "field length");
			FUZZ_CHECK(rec.lens[i] <= r.set.max_field,
			    "field over its cap");
			for (size_t k = 0, n; k < rec.lens[i]; k += n) {
				n = utf8_decode(NULL, f + k, rec.lens[i] - k);
				FUZZ_CHECK(n > 0, "field not UTF-8");
			}
			total += rec.lens[i] + 1;
		}
		FUZZ_CHECK(total <= r.set.max_record, "record over its cap");
	}
	csv_deinit(&r);
	free(copy);
	return 0;
}

FUZZ_TARGET(fuzz_csv)
