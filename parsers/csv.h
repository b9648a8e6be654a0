/*
 * csv.h - a CSV reader (RFC 4180 and what spreadsheets and help desks
 * write): one record at a time over a buffer in memory
 *
 * Fields are separated by set->delim (',' by default; '\t' for a
 * tab-separated export), records by LF, CRLF or a lone CR. A field in
 * double quotes may hold the separator, newlines and "" for one quote.
 * A byte-order mark at the start is skipped. Blank lines are skipped.
 *
 * Every field must be UTF-8 without NUL bytes: a file in Latin-1 or
 * Windows-1252 is refused record by record with a sentence saying so,
 * never guessed. Limits (set): bytes of a field, fields of a record,
 * bytes of a record (a "line" of one gigabyte is an error, not a
 * memory exhaustion: the reader never copies more than max_record
 * bytes of one record).
 *
 * Usage:
 *     csv_init(&r, data, len, &set);
 *     while ((rc = csv_next(&r, &rec, &err)) != 0) {
 *             if (rc < 0) { report err.msg (it names rec.line); continue; }
 *             use rec.fields[0 .. rec.nfields - 1]
 *     }
 *     csv_deinit(&r);
 *
 * After an error the reader goes on at the line that follows the line
 * where the bad record started, so that a caller may report every bad
 * record of a file and skip them.
 *
 * Ownership: the reader borrows data (kept alive by the caller until
 * csv_deinit()). rec.fields point into the reader's memory, valid until
 * the next csv_next() or csv_deinit(); each is NUL-terminated.
 */
#ifndef GC_PARSERS_CSV_H
#define GC_PARSERS_CSV_H

#include <stddef.h>

#include "common/err.h"

#define CSV_MAX_FIELD (1024 * 1024)        /* bytes of a field */
#define CSV_MAX_FIELDS 256                 /* fields of a record */
#define CSV_MAX_RECORD (4 * 1024 * 1024)   /* bytes of a record */

struct csv_settings {
	char delim;              /* 0: ',' */
	size_t max_field;        /* 0: CSV_MAX_FIELD */
	size_t max_fields;       /* 0: CSV_MAX_FIELDS */
	size_t max_record;       /* 0: CSV_MAX_RECORD */
};

struct csv_record {
	size_t line;             /* 1-based line where the record starts */
	size_t nfields;
	char **fields;           /* nfields NUL-terminated strings */
	size_t *lens;            /* their lengths */
};

struct csv_reader {
	const char *p, *end;
	size_t line;
	struct csv_settings set;
	char *buf;               /* the current record's fields, end to end */
	size_t buflen, bufcap;
	char **fields;
	size_t *lens;
	size_t fieldcap;
};

void csv_init(struct csv_reader *r, const char *data, size_t len,
    const struct csv_settings *set);

/* 1: a record in *rec; 0: the end of the data; -1: a bad record (err
 * says why, as "line N: ..."; rec->line is N), the reader has moved on. */
int csv_next(struct csv_reader *r, struct csv_record *rec,
    struct gc_err *err);

void csv_deinit(struct csv_reader *r);

#endif
