/*
 * cli_import.c - `guichet tickets import FILE.csv --format
 * rt|zammad|osticket|generic [--skip-bad] [--dry-run]`
 *
 * The whole file is read and checked first (parsers/history.c); every
 * bad row is printed as "file:line: message". With any bad row nothing
 * is imported unless --skip-bad, which leaves out the tickets of the bad
 * rows (never half a ticket). The import is one transaction
 * (desk/import.c); --dry-run rolls it back after counting, so its counts
 * are those a real run would give. Tickets go to the first mailbox of
 * the config (its queue and language).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "daemon/cli.h"
#include "desk/import.h"
#include "parsers/history.h"

int
cli_tickets(struct app *app, int argc, char **argv)
{
	struct desk in = { .conf = app->conf, .policy = app_policy(app) };
	const char *file = NULL, *format = NULL;
	struct import_stats st = { 0 };
	struct gc_err err = { 0 };
	struct history *h = NULL;
	enum history_format f;
	bool skip_bad = false, dry_run = false;
	size_t len;
	char *data;
	int rc;

	if (argc < 2 || strcmp(argv[1], "import") != 0)
		goto usage;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			format = argv[++i];
		else if (strcmp(argv[i], "--skip-bad") == 0)
			skip_bad = true;
		else if (strcmp(argv[i], "--dry-run") == 0)
			dry_run = true;
		else if (file == NULL && argv[i][0] != '-')
			file = argv[i];
		else
			goto usage;
	}
	if (file == NULL || format == NULL)
		goto usage;
	if (history_format_parse(&f, format) != 0) {
		fprintf(stderr, "guichet tickets import: --format \"%.64s\": "
		    "expected rt, zammad, osticket or generic\n", format);
		return EX_USAGE;
	}
	if (app->conf->nmailboxes == 0) {
		fprintf(stderr, "guichet tickets import: the config has no "
		    "mailbox to import into\n");
		return EX_CONFIG;
	}
	if (file_read(&data, &len, file, HISTORY_MAX_FILE, &err) != 0) {
		fprintf(stderr, "guichet tickets import: %s\n", err.msg);
		return EX_NOINPUT;
	}
	in.now = app_now(app);
	rc = history_parse(&h, f, file, data, len, in.now, &err);
	for (size_t i = 0; i < h->nproblems && i < 1000; i++)
		printf("%s\n", h->problems[i]);
	if (h->nproblems > 1000)
		printf("%s: and more problems\n", file);
	if (rc != 0) {
		fprintf(stderr, "guichet tickets import: %s: not a %s export: "
		    "nothing imported\n", file, format);
		rc = EX_DATAERR;
		goto out;
	}
	if (h->bad_rows > 0 && !skip_bad) {
		fprintf(stderr, "guichet tickets import: %zu bad row(s): "
		    "nothing imported (--skip-bad imports the tickets without "
		    "one)\n", h->bad_rows);
		rc = EX_DATAERR;
		goto out;
	}
	if ((rc = app_db_connect(app, &in.db, &err)) == 0 &&
	    (rc = db_schema_check(in.db, &err)) == 0 &&
	    (rc = db_begin(in.db, &err)) == 0) {
		rc = import_history(&in, &app->conf->mailboxes[0], f, h, &st,
		    &err);
		if (rc == 0 && !dry_run)
			rc = db_commit(in.db, &err);
		else
			db_rollback(in.db);
	}
	db_close(&in.db);
	if (rc != 0) {
		fprintf(stderr, "guichet tickets import: %s: nothing "
		    "imported\n", err.msg);
		rc = app_exit_code(rc);
		goto out;
	}
	printf("%s%zu ticket(s) imported, %zu already there, %zu left out "
	    "(bad rows); %zu message(s) imported, %zu already there\n",
	    dry_run ? "dry run: " : "", st.tickets_new, st.tickets_known,
	    st.tickets_bad, st.messages_new, st.messages_known);
	rc = EX_OK;
out:
	history_free(&h);
	free(data);
	return rc;
usage:
	fprintf(stderr, "usage: guichet tickets import FILE.csv --format "
	    "rt|zammad|osticket|generic [--skip-bad] [--dry-run]\n");
	return EX_USAGE;
}
