/*
 * cli_blocked.c - `guichet blocked list [--json]`, `guichet blocked add
 * ADDRESS|@DOMAIN`, `guichet blocked remove ADDRESS|@DOMAIN`: the
 * senders whose mails that would open a ticket are held
 * (037_blocked_senders.sql; an agent's #spam adds its ticket's sender)
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "common/log.h"
#include "common/util.h"
#include "daemon/cli.h"
#include "notify/compose.h"
#include "sla/org.h"
#include "sql/blocked_db.h"

#define ADDRESS_MAX 254

static void
print_row(const json_t *o)
{
	printf("%-40s %-20s %s%s%s\n", cli_jstr(o, "address"),
	    cli_jstr(o, "created_at"), cli_jstr(o, "added_by"),
	    json_is_string(json_object_get(o, "ticket")) ? "  " : "",
	    cli_jstr(o, "ticket"));
}

/* What may be blocked: an address we could write to, or @domain; never
 * one of ours nor an agent's. *why says why not. */
static bool
blockable(const struct app *app, const char *a, const char **why)
{
	struct gc_err err = { 0 };
	const char *at = strchr(a, '@');

	*why = NULL;
	if (strlen(a) > ADDRESS_MAX || at == NULL || strchr(at + 1, '@'))
		*why = "not an address nor @domain";
	else if (a[0] == '@' ? !org_valid_domain(a + 1) :
	    compose_addr_check(a, &err) != 0 || !org_valid_domain(at + 1))
		*why = "not an address nor @domain";
	else if (conf_agent_by_address(app->conf, a) != NULL ||
	    conf_is_our_address(app->conf, a))
		*why = "one of our agents or addresses";
	for (size_t i = 0; *why == NULL && a[0] == '@' &&
	    i < app->conf->nagents; i++) {
		const char *ad = strchr(app->conf->agents[i].address, '@');

		if (ad != NULL && str_casecmp(ad, a) == 0)
			*why = "the domain of one of our agents";
	}
	for (size_t i = 0; *why == NULL && a[0] == '@' &&
	    i < app->conf->nmailboxes; i++) {
		const char *md = strchr(app->conf->mailboxes[i].address, '@');

		if (md != NULL && str_casecmp(md, a) == 0)
			*why = "the domain of one of our mailboxes";
	}
	return *why == NULL;
}

static int
blocked_change(struct app *app, bool add, const char *address)
{
	struct gc_err err = { 0 };
	struct db *db = NULL;
	char by[CLI_OPERATOR_MAX + 32];
	const char *why;
	bool added = false;
	int rc;

	if (add && !blockable(app, address, &why)) {
		fprintf(stderr, "guichet: blocked add: \"%.*s\": %s\n", 300,
		    address, why);
		return EX_DATAERR;
	}
	if ((rc = app_db_connect(app, &db, &err)) != 0)
		goto fail;
	cli_operator_as(by, sizeof(by), "ops");
	rc = add ? blocked_db_add(db, address, by, 0, app_now(app), &added,
	    &err) : blocked_db_remove(db, address, &err);
	if (rc != 0)
		goto fail;
	db_close(&db);
	if (add)
		printf("%s %s\n", address, added ? "blocked: its new mails "
		    "are held" : "was blocked already");
	else
		printf("%s no longer blocked\n", address);
	log_info("blocked senders: %s %s by %s", address, add ? "added" :
	    "removed", by);
	return EX_OK;
fail:
	db_close(&db);
	fprintf(stderr, "guichet: blocked %s: %s\n", add ? "add" : "remove",
	    err.msg);
	return app_exit_code(rc);
}

static int
blocked_list(struct app *app, bool json)
{
	struct gc_err err = { 0 };
	struct db *db = NULL;
	char *doc = NULL;
	int rc;

	if ((rc = app_db_connect(app, &db, &err)) != 0 ||
	    (rc = blocked_db_list(db, &doc, &err)) != 0) {
		db_close(&db);
		fprintf(stderr, "guichet: blocked list: %s\n", err.msg);
		return app_exit_code(rc);
	}
	db_close(&db);
	rc = cli_print_doc(doc, json, print_row, true);
	free(doc);
	return rc;
}

int
cli_blocked(struct app *app, int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return blocked_list(app, false);
	if (argc == 3 && strcmp(argv[1], "list") == 0 &&
	    strcmp(argv[2], "--json") == 0)
		return blocked_list(app, true);
	if (argc == 3 && strcmp(argv[1], "add") == 0)
		return blocked_change(app, true, argv[2]);
	if (argc == 3 && strcmp(argv[1], "remove") == 0)
		return blocked_change(app, false, argv[2]);
	fprintf(stderr, "usage: guichet blocked list [--json]\n"
	    "       guichet blocked add ADDRESS|@DOMAIN\n"
	    "       guichet blocked remove ADDRESS|@DOMAIN\n");
	return EX_USAGE;
}
