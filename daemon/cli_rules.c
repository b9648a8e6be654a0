/*
 * cli_rules.c - `guichet rules test FILE.eml [--json]` and
 * `guichet customers import FILE.csv`
 *
 * rules test qualifies a mail as intake would (rules, organisation, plan,
 * queue) and computes every SLA deadline as if the ticket were opened at
 * the run's clock, storing nothing. Imported organisations are looked up
 * when the database answers; otherwise the config's alone are used.
 *
 * customers import reads organisations from CSV (name, domains,
 * addresses, plan[, language][, csm]) and inserts or updates them in one
 * transaction: importing the same file twice changes nothing, and a file
 * with any error (reported with its line) imports nothing.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "daemon/cli.h"
#include "desk/conversation.h"
#include "desk/qualify.h"
#include "parsers/mime.h"
#include "sla/org.h"
#include "sql/store_org.h"

#define MAX_EML (64 * 1024 * 1024)

static void
iso_or_null(json_t *o, const char *key, time_t t)
{
	char buf[32];

	if (t == 0) {
		json_object_set_new(o, key, json_null());
		return;
	}
	time_iso8601(buf, sizeof(buf), t);
	json_object_set_new(o, key, json_string(buf));
}

static json_t *
hit_json(const struct rules_hit *h)
{
	json_t *o;

	if (h->rule == NULL)
		return json_null();
	o = json_object();
	json_object_set_new(o, "name", json_string(h->rule));
	json_object_set_new(o, "file", json_string(h->file ? h->file : ""));
	json_object_set_new(o, "line", json_integer(h->line));
	return o;
}

static void
print_text(const struct conv_qual *q, const struct sla_timer *t, size_t n,
    time_t now)
{
	const struct rules_result *r = &q->q.rules;
	char ts[32];

	time_iso8601(ts, sizeof(ts), now);
	if (r->hold != NULL)
		printf("held:         %s, by rule %s (%s:%d): no ticket, the "
		    "quarantine\n", r->hold, r->hold_by.rule,
		    r->hold_by.file ? r->hold_by.file : "", r->hold_by.line);
	if (r->priority_by.rule)
		printf("rule:         %s (%s:%d)\n", r->priority_by.rule,
		    r->priority_by.file ? r->priority_by.file : "",
		    r->priority_by.line);
	else
		printf("rule:         none (default priority)\n");
	printf("priority:     %s\n", q->priority);
	printf("plan:         %s", q->plan);
	if (q->org[0])
		printf(" (organisation %s%s)", q->org, q->org_imported ?
		    ", imported" : "");
	printf("\nqueue:        %s", q->queue);
	if (q->q.queue_ignored != NULL)
		printf(" (rule %s names queue %s, which no [queue] section, "
		    "mailbox or agent has)", r->queue_by.rule,
		    q->q.queue_ignored);
	printf("\n");
	if (q->ntags > 0) {
		printf("tags:        ");
		for (size_t i = 0; i < q->ntags; i++)
			printf(" %s", q->tags[i]);
		printf("\n");
	}
	printf("opened at:    %s\n", ts);
	for (size_t i = 0; i < n; i++) {
		char due[32], warn[32];

		time_iso8601(due, sizeof(due), t[i].due_at);
		time_iso8601(warn, sizeof(warn), t[i].warn_at);
		printf("%-13s due %s  warn %s  (%lld s on %s)\n", t[i].name,
		    t[i].due_at ? due : "-", t[i].warn_at ? warn : "-",
		    t[i].target_seconds, t[i].calendar);
	}
}

static void
print_json(const struct conv_qual *q, const struct sla_timer *t, size_t n,
    time_t now)
{
	json_t *o = json_object(), *sla = json_object(), *tags = json_array();

	json_object_set_new(o, "rule", hit_json(&q->q.rules.priority_by));
	json_object_set_new(o, "queue_rule", hit_json(&q->q.rules.queue_by));
	json_object_set_new(o, "hold", q->q.rules.hold ?
	    json_string(q->q.rules.hold) : json_null());
	json_object_set_new(o, "hold_rule", hit_json(&q->q.rules.hold_by));
	json_object_set_new(o, "priority", json_string(q->priority));
	json_object_set_new(o, "plan", json_string(q->plan));
	json_object_set_new(o, "organisation", q->org[0] ?
	    json_string(q->org) : json_null());
	json_object_set_new(o, "queue", json_string(q->queue));
	json_object_set_new(o, "queue_ignored", q->q.queue_ignored ?
	    json_string(q->q.queue_ignored) : json_null());
	for (size_t i = 0; i < q->ntags; i++)
		json_array_append_new(tags, json_string(q->tags[i]));
	json_object_set_new(o, "tags", tags);
	iso_or_null(o, "created_at", now);
	for (size_t i = 0; i < n; i++) {
		json_t *x = json_object();

		iso_or_null(x, "due_at", t[i].due_at);
		iso_or_null(x, "warn_at", t[i].warn_at);
		json_object_set_new(x, "target_seconds",
		    json_integer(t[i].target_seconds));
		json_object_set_new(x, "calendar", json_string(t[i].calendar));
		json_object_set_new(sla, t[i].name, x);
	}
	json_object_set_new(o, "sla", sla);
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(o);
}

int
cli_rules(struct app *app, int argc, char **argv)
{
	struct desk in = { .conf = app->conf, .now = app_now(app),
		.policy = app_policy(app), .careful = true };
	struct conv_qual *q = NULL;
	struct sla_timer t[SLA_MAX_TIMERS];
	struct sla_ticket_state st = { 0 };
	struct mail_limits lim = mail_limits_default();
	struct gc_err err = { 0 };
	struct mail *m = NULL;
	const char *file = NULL;
	bool json = false;
	size_t len, n = 0;
	char *raw = NULL;
	int rc;

	if (argc < 3 || strcmp(argv[1], "test") != 0)
		goto usage;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (file == NULL)
			file = argv[i];
		else
			goto usage;
	}
	if (file == NULL)
		goto usage;
	if (file_read(&raw, &len, file, MAX_EML, &err) != 0 ||
	    mail_parse(&m, raw, len, &lim, &err) != 0) {
		fprintf(stderr, "guichet: rules test: %s\n", err.msg);
		free(raw);
		return EX_DATAERR;
	}
	/* imported organisations when the database answers, quietly */
	if (app_db_connect(app, &in.db, &err) != 0 ||
	    db_schema_check(in.db, &err) != 0)
		db_close(&in.db);
	gc_err_clear(&err);
	q = xcalloc(1, sizeof(*q));
	{
		struct conv_mail cm = { .mb = app->conf->nmailboxes ?
		    &app->conf->mailboxes[0] : NULL, .m = m };
		struct conf_mailbox none = { .queue = "support",
			.language = app->conf->general.language };

		if (cm.mb == NULL)
			cm.mb = &none;
		rc = qualify_mail(&in, &cm, q, &err);
	}
	if (rc == 0) {
		st.plan = q->plan;
		st.priority = q->priority;
		st.queue = q->queue;
		st.created_at = in.now;
		rc = sla_policy_timers(t, SLA_MAX_TIMERS, &n, app_policy(app),
		    &st, &err);
	}
	if (rc == 0) {
		if (json)
			print_json(q, t, n, in.now);
		else
			print_text(q, t, n, in.now);
	} else {
		fprintf(stderr, "guichet: rules test: %s\n", err.msg);
	}
	db_close(&in.db);
	mail_free(&m);
	free(raw);
	free(q);
	return app_exit_code(rc);
usage:
	fprintf(stderr, "usage: guichet rules test FILE.eml [--json]\n");
	return EX_USAGE;
}

int
cli_customers(struct app *app, int argc, char **argv)
{
	struct conf_diag diag = { 0 };
	struct org_table *t = NULL;
	struct gc_err err = { 0 };
	struct db *db = NULL;
	struct arena a;
	size_t len, created = 0, updated = 0;
	char *text;
	int rc;

	if (argc != 3 || strcmp(argv[1], "import") != 0) {
		fprintf(stderr, "usage: guichet customers import FILE.csv\n");
		return EX_USAGE;
	}
	if (file_read(&text, &len, argv[2], SLA_MAX_FILE, &err) != 0) {
		fprintf(stderr, "guichet: %s\n", err.msg);
		return EX_NOINPUT;
	}
	rc = org_csv_parse(&t, argv[2], text, len, &diag);
	free(text);
	for (size_t i = 0; t != NULL && i < org_table_count(t); i++) {
		const struct org *o = org_table_get(t, i);

		if (sla_policy_plan_name(app_policy(app), o->plan) == NULL)
			conf_diag_add(&diag, o->file ? o->file : argv[2],
			    o->line, "plan: \"%s\" is not a plan of the "
			    "configuration", o->plan);
	}
	if (rc != 0 || diag.n > 0) {
		for (size_t i = 0; i < diag.n; i++)
			printf("%s\n", diag.lines[i]);
		fprintf(stderr, "guichet: %zu problem(s): nothing imported\n",
		    diag.n);
		conf_diag_free(&diag);
		org_table_free(&t);
		return EX_DATAERR;
	}
	conf_diag_free(&diag);
	arena_init(&a, 4096);
	if ((rc = app_db_connect(app, &db, &err)) == 0 &&
	    (rc = db_schema_check(db, &err)) == 0)
		rc = db_begin(db, &err);
	for (size_t i = 0; rc == 0 && i < org_table_count(t); i++) {
		const struct org *o = org_table_get(t, i);
		const char **keys = arena_alloc(&a, (o->ndomains +
		    o->naddresses + 1) * sizeof(*keys));
		size_t nk = 0;
		bool fresh = false;

		for (size_t k = 0; k < o->naddresses; k++)
			keys[nk++] = o->addresses[k];
		for (size_t k = 0; k < o->ndomains; k++)
			keys[nk++] = o->domains[k];
		rc = store_org_upsert(db, o->name, sla_policy_plan_name(
		    app_policy(app), o->plan), o->language, o->csm, keys, nk,
		    app_now(app), &fresh, &err);
		if (fresh)
			created++;
		else
			updated++;
	}
	if (rc == 0)
		rc = db_commit(db, &err);
	else if (db != NULL)
		db_rollback(db);
	db_close(&db);
	arena_free(&a);
	if (rc != 0) {
		fprintf(stderr, "guichet: customers import: %s\n", err.msg);
		org_table_free(&t);
		return app_exit_code(rc);
	}
	printf("%zu organisation(s): %zu new, %zu updated\n",
	    org_table_count(t), created, updated);
	org_table_free(&t);
	return EX_OK;
}
