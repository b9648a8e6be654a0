/*
 * cli_print.c - JSON documents from the database, printed: as they are
 * (--json, re-indented) or through a function that writes one object as
 * text (see cli.h)
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "daemon/cli.h"

/* Print a JSON document from PostgreSQL, re-indented. */
int
cli_print_json(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);

	if (j == NULL) {
		fprintf(stderr, "guichet: bad JSON from the database: %s\n",
		    jerr.text);
		return EX_SOFTWARE;
	}
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(j);
	return EX_OK;
}

int
cli_print_doc(const char *text, bool json, void (*one)(const json_t *),
    bool is_list)
{
	json_error_t jerr;
	json_t *j;
	size_t i;
	json_t *t;

	if (json)
		return cli_print_json(text);
	if ((j = json_loads(text, 0, &jerr)) == NULL) {
		fprintf(stderr, "guichet: bad JSON from the database: %s\n",
		    jerr.text);
		return EX_SOFTWARE;
	}
	if (is_list) {
		json_array_foreach(j, i, t)
			one(t);
	} else {
		one(j);
	}
	json_decref(j);
	return EX_OK;
}

bool
cli_parse_count(const char *s, long long max, long long *out)
{
	size_t n = strlen(s);

	if (n == 0 || n > 18 || strspn(s, "0123456789") != n)
		return false;
	*out = strtoll(s, NULL, 10);
	return *out >= 1 && *out <= max;
}
