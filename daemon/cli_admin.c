/*
 * cli_admin.c - the ops commands: migrate, check-config, ticket,
 * quarantine list/show
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "daemon/checks.h"
#include "daemon/checks_connect.h"
#include "daemon/imap.h"
#include "daemon/cli.h"
#include "desk/ticket_open.h"
#include "desk/vault.h"
#include "sql/store_ticket.h"
#include "sql/views.h"

static int
connect_or_say(struct app *app, struct db **db)
{
	struct gc_err err = { 0 };
	int rc = app_db_connect(app, db, &err);

	if (rc != 0)
		fprintf(stderr, "guichet: %s\n", err.msg);
	return rc;
}

int
cli_migrate(struct app *app, int argc, char **argv)
{
	struct gc_err err = { 0 };
	struct db *db;
	int applied, rc;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: guichet migrate\n");
		return EX_USAGE;
	}
	if ((rc = connect_or_say(app, &db)) != 0)
		return app_exit_code(rc);
	rc = db_migrate(db, app_now(app), &applied, &err);
	if (rc == 0)
		rc = ticket_assign_turns_create(db, app->conf, &err);
	db_close(&db);
	if (rc != 0) {
		fprintf(stderr, "guichet: %s\n", err.msg);
		return app_exit_code(rc);
	}
	printf(applied ? "%d migration(s) applied\n" :
	    "schema up to date%.0d\n", applied);
	return EX_OK;
}

/* A warning, not a problem: clear-text SMTP asked for in so many words. */
static void
smtp_tls_warning(const struct conf *c)
{
	const struct conf_section *s;

	if (!c->smtp.tls_none || conf_sections(c, "smtp", &s, 1) == 0)
		return;
	printf("%s:%d: warning: [smtp] tls = none: our mail%s travel%s in "
	    "clear text\n", s->file, c->smtp.tls_line, c->smtp.user ?
	    " and the SMTP password" : "", c->smtp.user ? "" : "s");
}

/* The file of section [mailbox name] ("?" when not found). */
static const char *
mailbox_file(const struct conf *c, const char *name)
{
	const struct conf_section *s[256];
	size_t n = conf_sections(c, "mailbox", s, 256);

	/* conf_sections() counts them all, and fills at most 256 */
	for (size_t j = 0; j < n && j < 256; j++)
		if (s[j]->name != NULL && strcmp(s[j]->name, name) == 0)
			return s[j]->file;
	return "?";
}

/* A warning: a mailbox that may log in in clear text, off this
 * machine's loopback. */
static void
imap_tls_warning(const struct conf *c)
{
	for (size_t i = 0; i < c->nmailboxes; i++) {
		const struct conf_mailbox *m = &c->mailboxes[i];
		struct imap_url u;
		struct gc_err e;

		if (!m->allow_plaintext || m->url == NULL ||
		    imap_url_parse(&u, m->url, &e) != 0 ||
		    host_is_loopback(u.host))
			continue;
		printf("%s:%d: warning: [mailbox %s] tls = none: its password "
		    "may travel in clear text\n", mailbox_file(c, m->name),
		    m->line, m->name);
	}
}

/* A warning: a mailbox whose queue nobody works on. Its customers are
 * acknowledged, and no agent hears of their tickets (escalations go
 * to their route all the same). */
static void
unworked_queue_warning(const struct conf *c)
{
	for (size_t i = 0; i < c->nmailboxes; i++) {
		const struct conf_mailbox *m = &c->mailboxes[i];

		if (m->queue == NULL || conf_queue_worked(c, m->queue))
			continue;
		printf("%s:%d: warning: [mailbox %s] no agent works on queue "
		    "%s: its customers are acknowledged, and no agent hears "
		    "of their tickets\n", mailbox_file(c, m->name), m->line,
		    m->name, m->queue);
	}
}

/* A warning: customers' links whose tokens would travel in clear
 * text, off this machine. */
static void
public_url_warning(const struct conf *c)
{
	const struct conf_section *s;
	const char *u = c->http.public_url;

	if (u == NULL || conf_sections(c, "http", &s, 1) == 0)
		return;
	if (strncmp(u, "http://", 7) == 0 &&
	    strncmp(u + 7, "localhost", 9) != 0 &&
	    strncmp(u + 7, "127.", 4) != 0 && strncmp(u + 7, "[::1]", 5) != 0)
		printf("%s:%d: warning: [http] public_url is http://: the "
		    "customers' links and their tokens travel in clear "
		    "text; put a proxy with TLS in front (https://)\n",
		    s->file, c->http.line);
}

/* A warning: pseudonyms whose key is kept beside them, in the database. */
static void
gdpr_key_warning(const struct conf *c)
{
	const struct conf_section *s;

	if (c->gdpr.line == 0 || c->gdpr.pseudonym_key != NULL ||
	    conf_sections(c, "gdpr", &s, 1) == 0)
		return;
	printf("%s:%d: warning: [gdpr] has no pseudonym_key_file: the key of "
	    "the pseudonyms is kept in the database, where a copy of it "
	    "lets a guessed address be matched\n", s->file, c->gdpr.line);
}

int
cli_check_config(struct app *app, int argc, char **argv)
{
	struct conf_diag diag = { 0 };
	struct conf *c = NULL;
	struct sla_policy *p = NULL;
	bool connect = argc == 2 && strcmp(argv[1], "--connect") == 0;
	int failures, listeners;

	if (argc != 1 && !connect) {
		fprintf(stderr, "usage: guichet check-config [--connect]\n");
		return EX_USAGE;
	}
	/* every problem in one run: what the file points at is checked
	 * even when the file itself has problems */
	conf_load_partial(&c, app->config_path, &diag);
	if (c != NULL)
		checks_config(c, &diag, &p);
	for (size_t i = 0; i < diag.n; i++)
		printf("%s\n", diag.lines[i]);
	if (diag.n > 0) {
		fprintf(stderr, "guichet: %zu problem(s) in the configuration"
		    "\n", diag.n);
		conf_diag_free(&diag);
		sla_policy_free(&p);
		conf_free(&c);
		return EX_CONFIG;
	}
	conf_diag_free(&diag);
	smtp_tls_warning(c);
	imap_tls_warning(c);
	gdpr_key_warning(c);
	unworked_queue_warning(c);
	public_url_warning(c);
	printf("%s: OK\n", app->config_path);
	if (!connect) {
		sla_policy_free(&p);
		conf_free(&c);
		return EX_OK;
	}
	failures = checks_connect(c, p);
	listeners = checks_listeners(c);
	sla_policy_free(&p);
	conf_free(&c);
	if (failures > 0)
		fprintf(stderr, "guichet: %d server(s) not reached as the "
		    "daemon needs\n", failures);
	if (listeners > 0)
		fprintf(stderr, "guichet: %d listener(s) the daemon could "
		    "not open\n", listeners);
	return failures > 0 || listeners > 0 ? EX_UNAVAILABLE : EX_OK;
}

/* Our mail's fate, per recipient. */
static void
print_delivery(const json_t *d)
{
	const json_t *r;
	size_t i;

	json_array_foreach(json_object_get(d, "recipients"), i, r) {
		printf("    Delivery: %s %s", cli_jstr(r, "address"),
		    cli_jstr(r, "status"));
		if (json_string_value(json_object_get(r, "last_error")))
			printf(" (%s)", cli_jstr(r, "last_error"));
		putchar('\n');
	}
}

/* "Time:      2 h 15 (alice 1 h 45, bob 30 min)", when any is left. */
static void
print_time_spent(const json_t *ts)
{
	const char *agent;
	const json_t *v;
	char m[32];
	bool first = true;

	if (json_integer_value(json_object_get(ts, "minutes")) == 0)
		return;
	minutes_text(m, sizeof(m), json_integer_value(json_object_get(ts,
	    "minutes")));
	printf("Time:      %s (", m);
	json_object_foreach((json_t *)json_object_get(ts, "by"), agent, v) {
		minutes_text(m, sizeof(m), json_integer_value(v));
		printf("%s%s %s", first ? "" : ", ", agent, m);
		first = false;
	}
	printf(")\n");
}

static void
print_ticket_text(const json_t *t)
{
	size_t i;
	json_t *m, *e;

	printf("Ticket:    %s\nSubject:   %s\nStatus:    %s\nPriority:  %s\n"
	    "Plan:      %s\nQueue:     %s\nRequester: %s\nLanguage:  %s\n"
	    "Created:   %s\n",
	    cli_jstr(t, "number"), cli_jstr(t, "subject"),
	    cli_jstr(t, "status"), cli_jstr(t, "priority"),
	    cli_jstr(t, "plan"), cli_jstr(t, "queue"),
	    cli_jstr(t, "requester"), cli_jstr(t, "language"),
	    cli_jstr(t, "created_at"));
	if (json_string_value(json_object_get(t, "eta")))
		printf("ETA:       %s\n", cli_jstr(t, "eta"));
	print_time_spent(json_object_get(t, "time_spent"));
	if (json_is_object(json_object_get(t, "rating"))) {
		const json_t *r = json_object_get(t, "rating");

		printf("Rating:    %lld/5 (%s, %s)%s%s\n",
		    (long long)json_integer_value(json_object_get(r, "score")),
		    cli_jstr(r, "via"), cli_jstr(r, "rated_at"),
		    cli_jstr(r, "comment")[0] ? ": " : "",
		    cli_jstr(r, "comment"));
	}
	json_array_foreach(json_object_get(t, "messages"), i, m) {
		printf("\n--- %s %s %s  %s -> ", cli_jstr(m, "received_at"),
		    cli_jstr(m, "direction"), cli_jstr(m, "author"),
		    cli_jstr(m, "from"));
		for (size_t k = 0; k < json_array_size(json_object_get(m,
		    "to")); k++)
			printf("%s%s", k ? ", " : "", json_string_value(
			    json_array_get(json_object_get(m, "to"), k)));
		printf("\n    Subject: %s\n    Message-ID: <%s>\n",
		    cli_jstr(m, "subject"), cli_jstr(m, "message_id"));
		print_delivery(json_object_get(m, "delivery"));
		printf("\n%s\n", cli_jstr(m, "text"));
	}
	printf("\nEvents:\n");
	json_array_foreach(json_object_get(t, "events"), i, e) {
		char *data = json_dumps(json_object_get(e, "data"),
		    JSON_COMPACT);

		printf("  %s %-20s %s\n", cli_jstr(e, "at"),
		    cli_jstr(e, "kind"), data ? data : "");
		free(data);
	}
}

/* `ticket revoke-links NUMBER`: the links of the ticket's page sent so
 * far stop working (a forwarded mail, a leaked link). */
static int
revoke_links(struct app *app, const char *number)
{
	struct gc_err err = { 0 };
	struct db *db = NULL;
	char by[CLI_OPERATOR_MAX + 32];
	int rc, epoch = 0;

	cli_operator_as(by, sizeof(by), "command line");
	if ((rc = app_db_connect(app, &db, &err)) == 0)
		rc = store_ticket_revoke_links(db, number, by, app_now(app),
		    &epoch, &err);
	db_close(&db);
	if (rc != 0) {
		fprintf(stderr, "guichet: ticket revoke-links: %s\n", err.msg);
		return app_exit_code(rc);
	}
	printf("%s: every page link sent so far revoked; the next mails "
	    "carry new ones\n", number);
	log_info("ticket %s: page links revoked by %s (epoch %d)", number, by,
	    epoch);
	return EX_OK;
}

int
cli_ticket(struct app *app, int argc, char **argv)
{
	struct gc_err err = { 0 };
	const char *number = NULL;
	bool json = false;
	struct db *db;
	char *doc;
	int rc, sealed_rc;

	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return cli_ticket_list(app, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "attachment") == 0)
		return cli_ticket_attachment(app, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "search") == 0)
		return cli_ticket_search(app, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "reply") == 0)
		return cli_ticket_reply(app, argc, argv);
	if (argc == 3 && strcmp(argv[1], "revoke-links") == 0 &&
	    argv[2][0] != '-')
		return revoke_links(app, argv[2]);
	if (argc < 2 || strcmp(argv[1], "show") != 0)
		goto usage;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (argv[i][0] != '-' && number == NULL)
			number = argv[i];
		else
			goto usage;
	}
	if (number == NULL)
		goto usage;
	if ((rc = connect_or_say(app, &db)) != 0)
		return app_exit_code(rc);
	rc = views_ticket(db, number, &doc, &err);
	db_close(&db);
	if (rc != 0) {
		fprintf(stderr, "guichet: %s\n", err.msg);
		return app_exit_code(rc);
	}
	/* a sealed text that does not open: shown null, and the exit
	 * code says so */
	sealed_rc = vault_ticket_json(app->conf, &doc, &err);
	rc = cli_print_doc(doc, json, print_ticket_text, false);
	free(doc);
	if (sealed_rc != 0) {
		fprintf(stderr, "guichet: %s\n", err.msg);
		return app_exit_code(sealed_rc);
	}
	return rc;
usage:
	fprintf(stderr, "usage: guichet ticket list [--status S] [--queue Q] "
	    "[--priority P]\n"
	    "         [--assignee NAME] [--org NAME] [--breached] [--limit N]"
	    " [--json]\n"
	    "       guichet ticket show NUMBER [--json]\n"
	    "       guichet ticket search QUERY [--json] [--limit N]\n"
	    "       guichet ticket attachment NUMBER N --output FILE\n"
	    "       guichet ticket reply NUMBER --as AGENT [--file FILE] "
	    "[--attach FILE]...\n"
	    "       guichet ticket revoke-links NUMBER\n");
	return EX_USAGE;
}

static void
print_quarantine_line(const json_t *q)
{
	printf("%-6lld %-10s %-8s %-20s %s\n",
	    (long long)json_integer_value(json_object_get(q, "id")),
	    cli_jstr(q, "mailbox"), cli_jstr(q, "status"),
	    cli_jstr(q, "received_at"), cli_jstr(q, "reason"));
}

#define QUARANTINE_LIST_DEFAULT 1000
#define QUARANTINE_LIST_MAX 1000000

static int
quarantine_usage(void)
{
	fprintf(stderr, "usage: guichet quarantine list [--reason R] "
	    "[--status held|retried|released]\n"
	    "         [--queue Q] [--since TIME] [--limit N] [--json]\n"
	    "       guichet quarantine show ID\n"
	    "       guichet quarantine retry ID\n"
	    "       guichet quarantine release ID [--to NUMBER]\n");
	return EX_USAGE;
}

/* `quarantine list` and its filters; the newest 1000 unless --limit. */
static int
quarantine_list(struct app *app, int argc, char **argv)
{
	struct views_quarantine_filter f = { .max = QUARANTINE_LIST_DEFAULT };
	struct gc_err err = { 0 };
	bool json = false, more = false;
	struct db *db;
	char *doc;
	int rc;

	for (int i = 2; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "--json") == 0) {
			json = true;
			continue;
		}
		if (v == NULL || strlen(v) > 64)
			return quarantine_usage();
		i++;
		if (strcmp(argv[i - 1], "--reason") == 0)
			f.reason = v;
		else if (strcmp(argv[i - 1], "--queue") == 0)
			f.queue = v;
		else if (strcmp(argv[i - 1], "--status") == 0 &&
		    (strcmp(v, "held") == 0 || strcmp(v, "retried") == 0 ||
		    strcmp(v, "released") == 0))
			f.status = v;
		else if (strcmp(argv[i - 1], "--since") == 0 &&
		    time_parse_iso8601(&f.since, v) == 0 && f.since != 0)
			continue;
		else if (strcmp(argv[i - 1], "--limit") != 0 ||
		    !cli_parse_count(v, QUARANTINE_LIST_MAX, &f.max))
			return quarantine_usage();
	}
	if ((rc = connect_or_say(app, &db)) != 0)
		return app_exit_code(rc);
	rc = views_quarantine_list(db, &f, &doc, &more, &err);
	db_close(&db);
	if (rc != 0) {
		fprintf(stderr, "guichet: %s\n", err.msg);
		return app_exit_code(rc);
	}
	rc = cli_print_doc(doc, json, print_quarantine_line, true);
	free(doc);
	if (more)
		fprintf(stderr, "guichet: the newest %lld entries shown, older "
		    "ones left out (--limit N, --since TIME)\n", f.max);
	return rc;
}

int
cli_quarantine(struct app *app, int argc, char **argv)
{
	struct gc_err err = { 0 };
	long long id = 0;
	struct db *db;
	char *doc;
	int rc;

	if (argc < 2)
		return quarantine_usage();
	if (strcmp(argv[1], "release") == 0)
		return cli_quarantine_release(app, argc, argv);
	if (strcmp(argv[1], "list") == 0)
		return quarantine_list(app, argc, argv);
	if (argc != 3 || !cli_parse_count(argv[2], INT64_MAX / 2, &id))
		return quarantine_usage();
	if (strcmp(argv[1], "retry") == 0)
		return cli_quarantine_retry(app, id);
	if (strcmp(argv[1], "show") != 0)
		return quarantine_usage();
	if ((rc = connect_or_say(app, &db)) != 0)
		return app_exit_code(rc);
	rc = views_quarantine(db, id, &doc, &err);
	db_close(&db);
	if (rc != 0) {
		fprintf(stderr, "guichet: %s\n", err.msg);
		return app_exit_code(rc);
	}
	rc = cli_print_json(doc);
	free(doc);
	return rc;
}
