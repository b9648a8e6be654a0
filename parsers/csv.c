/*
 * csv.c - the CSV reader (see csv.h)
 *
 * One pass over the bytes of a record: fields are copied, unquoted, into
 * one growing buffer (never beyond max_record bytes), then checked for
 * UTF-8 and NUL. Line numbers count every LF, CRLF or lone CR, also those
 * inside quoted fields, so that the next record's line is right.
 */
#include "parsers/csv.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/utf8.h"

void
csv_init(struct csv_reader *r, const char *data, size_t len,
    const struct csv_settings *set)
{
	memset(r, 0, sizeof(*r));
	if (set != NULL)
		r->set = *set;
	if (r->set.delim == 0)
		r->set.delim = ',';
	if (r->set.max_field == 0)
		r->set.max_field = CSV_MAX_FIELD;
	if (r->set.max_fields == 0)
		r->set.max_fields = CSV_MAX_FIELDS;
	if (r->set.max_record == 0)
		r->set.max_record = CSV_MAX_RECORD;
	r->p = data;
	r->end = data + len;
	r->line = 1;
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		r->p += 3;
}

void
csv_deinit(struct csv_reader *r)
{
	free(r->buf);
	free(r->fields);
	free(r->lens);
	memset(r, 0, sizeof(*r));
}

/* The length of the line end at p (LF, CRLF, CR), 0 if none. */
static size_t
eol(const struct csv_reader *r, const char *p)
{
	if (p >= r->end)
		return 0;
	if (*p == '\n')
		return 1;
	if (*p == '\r')
		return p + 1 < r->end && p[1] == '\n' ? 2 : 1;
	return 0;
}

/* Skip to the start of the line after the one at start (its line number
 * is line), after a bad record. */
static void
resync(struct csv_reader *r, const char *start, size_t line)
{
	const char *p = start;
	size_t n = 0;

	while (p < r->end && (n = eol(r, p)) == 0)
		p++;
	r->p = p + n;
	r->line = line + (n > 0);
}

static int fail(struct csv_reader *r, struct csv_record *rec,
    const char *start, size_t line, struct gc_err *err, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static int
fail(struct csv_reader *r, struct csv_record *rec, const char *start,
    size_t line, struct gc_err *err, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rec->line = line;
	rec->nfields = 0;
	resync(r, start, line);
	return gc_err_set(err, GC_EPARSE, "line %zu: %s", line, msg), -1;
}

static bool
add_byte(struct csv_reader *r, char c)
{
	if (r->buflen + 1 >= r->set.max_record)
		return false;
	if (r->buflen + 2 > r->bufcap) {
		r->bufcap = r->bufcap ? 2 * r->bufcap : 256;
		if (r->bufcap > r->set.max_record + 1)
			r->bufcap = r->set.max_record + 1;
		r->buf = xrealloc(r->buf, r->bufcap);
	}
	r->buf[r->buflen++] = c;
	return true;
}

/* Where a field starts in buf, as an offset until the record is done
 * (buf may move while it grows). */
static void
start_field(struct csv_reader *r, size_t n)
{
	if (n >= r->fieldcap) {
		r->fieldcap = r->fieldcap ? 2 * r->fieldcap : 16;
		r->fields = xrealloc(r->fields, r->fieldcap *
		    sizeof(*r->fields));
		r->lens = xrealloc(r->lens, r->fieldcap * sizeof(*r->lens));
	}
	r->lens[n] = r->buflen;   /* the offset, for now */
}

/* Why the field is not text (NUL, not UTF-8), or NULL. */
static const char *
field_problem(const char *s, size_t len)
{
	for (size_t i = 0, n; i < len; i += n) {
		if (s[i] == '\0')
			return "holds a NUL byte";
		if ((n = utf8_decode(NULL, (const unsigned char *)s + i,
		    len - i)) == 0)
			return "is not UTF-8 (is the file in Latin-1 or "
			    "Windows-1252? convert it to UTF-8)";
	}
	return NULL;
}

int
csv_next(struct csv_reader *r, struct csv_record *rec, struct gc_err *err)
{
	const char *start, *p;
	size_t line, n, nf = 0, fieldstart;
	bool quoted;

	/* blank lines are no records */
	while (r->p < r->end && (n = eol(r, r->p)) > 0) {
		r->p += n;
		r->line++;
	}
	if (r->p >= r->end)
		return 0;
	start = p = r->p;
	line = r->line;
	r->buflen = 0;
	for (;;) {
		if (nf == r->set.max_fields)
			return fail(r, rec, start, line, err, "more than %zu "
			    "fields", r->set.max_fields);
		start_field(r, nf);
		fieldstart = r->buflen;
		quoted = p < r->end && *p == '"';
		if (quoted) {
			p++;
			for (;;) {
				if (p >= r->end)
					return fail(r, rec, start, line, err,
					    "a quoted field is never closed");
				if (*p == '"') {
					if (p + 1 < r->end && p[1] == '"') {
						p++;
					} else {
						p++;
						break;
					}
				} else if ((n = eol(r, p)) > 0) {
					r->line++;
					if (n == 2 && !add_byte(r, *p++))
						goto too_long;
				}
				if (!add_byte(r, *p++))
					goto too_long;
				if (r->buflen - fieldstart > r->set.max_field)
					goto field_too_long;
			}
			if (p < r->end && *p != r->set.delim && eol(r, p) == 0)
				return fail(r, rec, start, line, err, "text "
				    "after the closing quote of field %zu",
				    nf + 1);
		} else {
			while (p < r->end && *p != r->set.delim &&
			    eol(r, p) == 0) {
				if (!add_byte(r, *p++))
					goto too_long;
				if (r->buflen - fieldstart > r->set.max_field)
					goto field_too_long;
			}
		}
		r->lens[nf++] = fieldstart;
		if (!add_byte(r, '\0'))
			goto too_long;
		if (p < r->end && *p == r->set.delim) {
			p++;
			continue;
		}
		break;
	}
	/* the end of the record: its line end, or the end of the data */
	n = eol(r, p);
	r->p = p + n;
	r->line += n > 0;
	for (size_t i = 0; i < nf; i++) {
		const char *why;

		r->fields[i] = r->buf + r->lens[i];
		r->lens[i] = (i + 1 < nf ? r->lens[i + 1] : r->buflen) -
		    r->lens[i] - 1;
		if ((why = field_problem(r->fields[i], r->lens[i])) != NULL) {
			rec->line = line;
			rec->nfields = 0;
			return gc_err_set(err, GC_EPARSE, "line %zu: field "
			    "%zu %s", line, i + 1, why), -1;
		}
	}
	rec->line = line;
	rec->nfields = nf;
	rec->fields = r->fields;
	rec->lens = r->lens;
	return 1;
too_long:
	return fail(r, rec, start, line, err, "a record longer than %zu "
	    "bytes", r->set.max_record);
field_too_long:
	return fail(r, rec, start, line, err, "field %zu is longer than %zu "
	    "bytes", nf + 1, r->set.max_field);
}
