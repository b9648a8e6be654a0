/*
 * cli_search.c - `guichet ticket search QUERY [--json] [--limit N]`
 *
 * The query is web-search syntax (words, "a phrase", OR, -word) over the
 * subjects, addresses and texts of every ticket's messages, accents
 * ignored, French or English stemming by the ticket's language
 * (sql/search_db.c). QUERY "-" reads the query on standard input. A query
 * that cannot be searched (empty, too long, not UTF-8, a NUL, no word, only
 * exclusions) gets a sentence and exit 65 before or instead of any
 * database error; an error of the database itself is never shown raw.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/utf8.h"
#include "common/util.h"
#include "daemon/cli.h"
#include "desk/vault_index.h"

#define SEARCH_MAX_QUERY 1000   /* bytes of a query */
#define SEARCH_DEFAULT 20       /* tickets shown without --limit */
#define SEARCH_MAX 500         /* the mails ranked bound the tickets */

/* Why q (len bytes) cannot be a query, or NULL. */
static const char *
query_problem(const char *q, size_t len)
{
	size_t i = 0, n;
	bool word = false;

	if (len > SEARCH_MAX_QUERY)
		return "the query is longer than 1000 bytes";
	if (memchr(q, '\0', len) != NULL)
		return "the query holds a NUL byte";
	while (i < len) {
		if ((n = utf8_decode(NULL, (const unsigned char *)q + i,
		    len - i)) == 0)
			return "the query is not UTF-8 text";
		if (n > 1 || isalnum((unsigned char)q[i]))
			word = true;
		i += n;
	}
	if (!word)
		return "the query holds no word to search for";
	return NULL;
}

/* s on the terminal: a control character of a customer's mail (an
 * escape sequence, a carriage return) is shown as a blank. */
static void
put_text(const char *s)
{
	for (; *s; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s);
}

static void
print_hit(const json_t *t)
{
	printf("%-18s %-8s ", cli_jstr(t, "number"), cli_jstr(t, "status"));
	put_text(cli_jstr(t, "subject"));
	fputs("\n    ", stdout);
	put_text(cli_jstr(t, "line"));
	putchar('\n');
}

int
cli_ticket_search(struct app *app, int argc, char **argv)
{
	const char *query = NULL, *limit = NULL, *why;
	struct gc_err err = { 0 };
	long long max = SEARCH_DEFAULT;
	char *stdin_query = NULL, *doc;
	size_t len;
	bool json = false;
	struct db *db = NULL;
	int rc;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc)
			limit = argv[++i];
		else if (query == NULL && (argv[i][0] != '-' ||
		    strcmp(argv[i], "-") == 0))
			query = argv[i];
		else
			goto usage;
	}
	if (query == NULL)
		goto usage;
	if (limit != NULL) {
		char *end;

		max = strtoll(limit, &end, 10);
		if (*end != '\0' || !isdigit((unsigned char)limit[0]) ||
		    max < 1 || max > SEARCH_MAX) {
			fprintf(stderr, "guichet ticket search: --limit "
			    "\"%.64s\": expected 1 to %d\n", limit,
			    SEARCH_MAX);
			return EX_USAGE;
		}
	}
	if (strcmp(query, "-") == 0) {
		if ((rc = fd_read_all(&stdin_query, &len, STDIN_FILENO,
		    SEARCH_MAX_QUERY + 1, &err)) != 0) {
			why = rc == GC_ELIMIT ?
			    "the query is longer than 1000 bytes" :
			    "the query could not be read";
			goto bad;
		}
		/* a final newline is the shell's, not the query's */
		if (len > 0 && stdin_query[len - 1] == '\n')
			stdin_query[--len] = '\0';
		query = stdin_query;
	} else {
		len = strlen(query);
	}
	if ((why = query_problem(query, len)) != NULL)
		goto bad;
	if ((rc = app_db_connect(app, &db, &err)) != 0) {
		fprintf(stderr, "guichet: %s\n", err.msg);
		free(stdin_query);
		return app_exit_code(rc);
	}
	/* The schema is checked only when the search fails: an old one is
	 * then named as the cause. A search reads and writes nothing else,
	 * and the check costs a fresh connection as much as a short search. */
	rc = vault_search(app->conf, db, query, max, &doc, &err);
	if (rc != 0 && rc != GC_EINVAL && rc != GC_ETEMP) {
		struct gc_err schema = { 0 };
		int src = db_schema_check(db, &schema);

		if (src != 0) {
			fprintf(stderr, "guichet: %s\n", schema.msg);
			db_close(&db);
			free(stdin_query);
			return app_exit_code(src);
		}
	}
	db_close(&db);
	free(stdin_query);
	if (rc == GC_EINVAL) {
		fprintf(stderr, "guichet ticket search: %s\n", err.msg);
		return EX_DATAERR;
	}
	if (rc != 0) {
		/* the database's own words go to the log, not to the user */
		log_debug("ticket search: %s", err.msg);
		fprintf(stderr, "guichet ticket search: the database could "
		    "not run the search%s\n", rc == GC_ETEMP ?
		    " (it is unreachable: try again later)" : "");
		return app_exit_code(rc);
	}
	rc = cli_print_doc(doc, json, print_hit, true);
	if (rc == EX_OK && !json && strcmp(doc, "[]") == 0)
		fprintf(stderr, "guichet: no ticket matches\n");
	free(doc);
	return rc;
bad:
	fprintf(stderr, "guichet ticket search: %s\n", why);
	free(stdin_query);
	return EX_DATAERR;
usage:
	fprintf(stderr, "usage: guichet ticket search QUERY|- [--json] "
	    "[--limit N]\n");
	return EX_USAGE;
}
