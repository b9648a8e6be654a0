/*
 * test_log.c - common/log.c: the JSON format is one valid object a line
 * whatever the message and fields hold (quotes, backslashes, control
 * characters, bytes that are not UTF-8, huge messages); the fields stay
 * until cleared; the text format turns control characters into '?'.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "common/log.h"

/* Run fn with stderr going to a file; what it wrote, malloc'd. */
static char *
capture(void (*fn)(void))
{
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);
	char *buf;
	long n;

	assert_non_null(f);
	fflush(stderr);
	dup2(fileno(f), STDERR_FILENO);
	fn();
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = lseek(fileno(f), 0, SEEK_END);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(pread(fileno(f), buf, (size_t)n, 0), n);
	fclose(f);
	return buf;
}

static void
hostile_lines(void)
{
	struct log_fields lf = { "sup\"port", 42, "a\\b\"c\x01\xff\xfe@x",
		"SUP-2026-000001", "ticket" };
	char big[10000];

	memset(big, '\x01', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_set_fields(&lf);
	log_info("quote \" backslash \\ tab \t nl \n bad \xc3\x28 ok \xc3\xa9");
	log_warn("%s", big);
	log_set_fields(NULL);
	log_error("after");
	log_debug("not shown at info");
}

static void
test_json_lines_parse(void **state)
{
	char *out, *line, *save = NULL;
	int n = 0;

	(void)state;
	log_set_level(LOG_LVL_INFO);
	log_set_format(LOG_FMT_JSON);
	out = capture(hostile_lines);
	log_set_format(LOG_FMT_TEXT);
	for (line = strtok_r(out, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save), n++) {
		json_error_t jerr;
		json_t *o = json_loads(line, 0, &jerr);

		assert_non_null(o);
		assert_int_equal(json_object_size(o), 9);
		if (n == 0) {
			assert_string_equal(json_string_value(json_object_get(
			    o, "mailbox")), "sup\"port");
			assert_int_equal(json_integer_value(json_object_get(
			    o, "uid")), 42);
			assert_string_equal(json_string_value(json_object_get(
			    o, "message_id")), "a\\b\"c\x01\xef\xbf\xbd"
			    "\xef\xbf\xbd@x");
			assert_string_equal(json_string_value(json_object_get(
			    o, "level")), "info");
			assert_non_null(strstr(json_string_value(
			    json_object_get(o, "message")), "ok \xc3\xa9"));
		}
		if (n == 2) {
			assert_true(json_is_null(json_object_get(o,
			    "mailbox")));
			assert_true(json_is_null(json_object_get(o, "uid")));
			assert_string_equal(json_string_value(json_object_get(
			    o, "level")), "error");
		}
		json_decref(o);
	}
	assert_int_equal(n, 3);
	free(out);
}

static void
control_line(void)
{
	log_info("a\nb\rc\x1b[31md");
}

static void
test_text_line(void **state)
{
	char *out;

	(void)state;
	unsetenv("JOURNAL_STREAM");
	out = capture(control_line);
	assert_non_null(strstr(out, " info: a?b?c?[31md\n"));
	assert_null(strchr(out, '\x1b'));
	free(out);
}

static void
test_parse(void **state)
{
	enum log_format f;

	(void)state;
	assert_int_equal(log_format_parse("json", &f), 0);
	assert_int_equal(f, LOG_FMT_JSON);
	assert_int_equal(log_format_parse("text", &f), 0);
	assert_int_equal(f, LOG_FMT_TEXT);
	assert_int_equal(log_format_parse("JSON", &f), -1);
	assert_int_equal(log_format_parse("", &f), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_lines_parse),
		cmocka_unit_test(test_text_line),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
