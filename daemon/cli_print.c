/*
 * cli_print.c - JSON documents from the database, printed: as they are
 * (--json, re-indented) or through a function that writes one object as
 * text; and the small readings every command shares (see cli.h)
 */
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "daemon/cli.h"
#include "desk/desk.h"
#include "desk/mailout.h"

const char *
cli_jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

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

/* A name fit for an event: printable ASCII, at most CLI_OPERATOR_MAX
 * bytes; false when nothing is left of it. */
static bool
clean_name(char *out, size_t len, const char *s)
{
	size_t o = 0;

	if (s == NULL)
		return false;
	for (; *s && o + 1 < len && o < CLI_OPERATOR_MAX; s++)
		if (*s > ' ' && *s < 0x7f)
			out[o++] = *s;
	out[o] = '\0';
	return o > 0;
}

void
cli_operator(char *out, size_t len)
{
	struct passwd *pw = getpwuid(getuid());

	if (clean_name(out, len, getenv("SUDO_USER")) ||
	    clean_name(out, len, getenv("USER")) ||
	    (pw != NULL && clean_name(out, len, pw->pw_name)))
		return;
	snprintf(out, len, "uid %ld", (long)getuid());
}

void
cli_operator_as(char *out, size_t len, const char *role)
{
	char who[CLI_OPERATOR_MAX + 1];

	cli_operator(who, sizeof(who));
	snprintf(out, len, "%s (%s)", role, who);
}

int
cli_desk_begin(struct app *app, struct desk *in, struct gc_err *err)
{
	int rc;

	if ((rc = app_db_connect(app, &in->db, err)) != 0 ||
	    (rc = db_schema_check(in->db, err)) != 0 ||
	    (rc = mailout_new(&in->out, app->conf, in->policy, err)) != 0)
		return rc;
	return db_begin(in->db, err);
}
