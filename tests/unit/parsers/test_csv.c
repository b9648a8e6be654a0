/*
 * test_csv.c - the CSV reader (parsers/csv.c)
 *
 * Records written by hand as spreadsheets and help desks write them
 * (quotes, doubled quotes, newlines in quotes, CRLF, BOM, blank lines,
 * no final newline), the line each record starts at, and every refusal:
 * an unclosed quote, text after a closing quote, Latin-1, a NUL byte,
 * the caps on fields and records, with the reader going on at the next
 * line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "parsers/csv.h"

/* All records of text as "line:f1|f2|...;" or "line:!message;". */
static void
read_all(char *out, size_t outlen, const char *text, size_t len,
    const struct csv_settings *set)
{
	struct csv_reader r;
	struct csv_record rec;
	struct gc_err err = { 0 };
	size_t o = 0;
	int rc;

	out[0] = '\0';
	csv_init(&r, text, len, set);
	while ((rc = csv_next(&r, &rec, &err)) != 0) {
		o += (size_t)snprintf(out + o, outlen - o, "%zu:", rec.line);
		if (rc < 0) {
			assert_int_equal(rec.nfields, 0);
			o += (size_t)snprintf(out + o, outlen - o, "!%s;",
			    err.msg);
			continue;
		}
		for (size_t i = 0; i < rec.nfields; i++) {
			assert_int_equal(strlen(rec.fields[i]), rec.lens[i]);
			o += (size_t)snprintf(out + o, outlen - o, "%s%s",
			    i ? "|" : "", rec.fields[i]);
		}
		o += (size_t)snprintf(out + o, outlen - o, ";");
		assert_true(o < outlen);
	}
	csv_deinit(&r);
}

#define CHECK(text, want) do {                                         \
	char got_[4096];                                               \
	read_all(got_, sizeof(got_), text, sizeof(text) - 1, NULL);    \
	assert_string_equal(got_, want);                               \
} while (0)

static void
test_plain_records(void **state)
{
	(void)state;
	CHECK("id,subject\n1,Hello\n2,World\n",
	    "1:id|subject;2:1|Hello;3:2|World;");
	CHECK("a,b", "1:a|b;");                      /* no final newline */
	CHECK("a,,c,\n", "1:a||c|;");                /* empty fields */
	CHECK("a\r\nb\r\n", "1:a;2:b;");             /* CRLF */
	CHECK("a\rb\r", "1:a;2:b;");                 /* lone CR */
	CHECK("\xef\xbb\xbfid,x\n1,y\n", "1:id|x;2:1|y;");   /* BOM */
	CHECK("\n\na\n\r\n\nb\n\n", "3:a;6:b;");     /* blank lines */
	CHECK("", "");
	CHECK("=cmd|' /C calc'!A0,+1,-2,@SUM(A1)\n",
	    "1:=cmd|' /C calc'!A0|+1|-2|@SUM(A1);");
	CHECK("caf\xc3\xa9,\xe2\x82\xac\n", "1:caf\xc3\xa9|\xe2\x82\xac;");
}

static void
test_quotes(void **state)
{
	(void)state;
	CHECK("\"a,b\",\"say \"\"hi\"\"\"\n", "1:a,b|say \"hi\";");
	CHECK("\"\",\"\"\"\"\n", "1:|\";");
	/* newlines inside quotes: the next record starts lines later */
	CHECK("1,\"line one\nline two\r\nline three\"\n2,x\n",
	    "1:1|line one\nline two\r\nline three;4:2|x;");
	/* a quote inside an unquoted field is a character */
	CHECK("5\" disk,x\n", "1:5\" disk|x;");
}

static void
test_refusals_and_resync(void **state)
{
	(void)state;
	CHECK("a,\"never closed\nb,c\n",
	    "1:!line 1: a quoted field is never closed;2:b|c;");
	CHECK("\"a\"b,c\nd\n",
	    "1:!line 1: text after the closing quote of field 1;2:d;");
	CHECK("ok\nR\xe9seau,x\nok2\n",
	    "1:ok;2:!line 2: field 1 is not UTF-8 (is the file in Latin-1 or "
	    "Windows-1252? convert it to UTF-8);3:ok2;");
	CHECK("a\0b,c\nd\n", "1:!line 1: field 1 holds a NUL byte;2:d;");
	CHECK("\xc3\n", "1:!line 1: field 1 is not UTF-8 (is the file in "
	    "Latin-1 or Windows-1252? convert it to UTF-8);");
}

static void
test_caps(void **state)
{
	struct csv_settings set = { .max_field = 8, .max_fields = 3,
		.max_record = 20 };
	char got[1024];
	static const char text[] = "123456789,x\n"
	    "a,b,c,d\n"
	    "1234567,1234567,1234567\n"
	    "\"12345678\nmore\",x\n"
	    "ok,ok\n";

	(void)state;
	read_all(got, sizeof(got), text, sizeof(text) - 1, &set);
	assert_string_equal(got,
	    "1:!line 1: field 1 is longer than 8 bytes;"
	    "2:!line 2: more than 3 fields;"
	    "3:!line 3: a record longer than 20 bytes;"
	    "4:!line 4: field 1 is longer than 8 bytes;"
	    "5:more\"|x;"       /* the resync lands inside the bad record */
	    "6:ok|ok;");
}

static void
test_tab_separated(void **state)
{
	struct csv_settings set = { .delim = '\t' };
	char got[256];
	static const char text[] = "id\tSubject\n42\ta, b\n";

	(void)state;
	read_all(got, sizeof(got), text, sizeof(text) - 1, &set);
	assert_string_equal(got, "1:id|Subject;2:42|a, b;");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_records),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_refusals_and_resync),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_tab_separated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
