/*
 * cli_tickets.c - `guichet ticket list`: filters, and the most urgent
 * ticket first
 *
 * The order is the one agents work in: the soonest SLA due among the
 * timers still running, then the plan's handling rank of the policy
 * (Enterprise 1, Pro 2, Basic 3 by default: "Pro tickets are handled
 * first"), then the newest. Tickets with nothing due come last. The
 * ranks travel to PostgreSQL as parameters, since the policy lives in
 * the config and not in the database. At most 1000 tickets unless
 * --limit says otherwise.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "daemon/cli.h"
#include "desk/vault.h"
#include "sla/policy.h"
#include "sql/views.h"

#define LIST_MAX_ARG 256        /* bytes of a filter's value */
#define LIST_DEFAULT 1000       /* tickets shown without --limit */
#define LIST_MAX 1000000

static const char *const statuses[] = { "new", "open", "pending",
	"resolved", "closed", NULL };

/* The soonest due_at among the ticket's running timers, or "-". */
static const char *
next_due(const json_t *t)
{
	const char *best = NULL, *kind;
	json_t *s;

	json_object_foreach(json_object_get(t, "sla"), kind, s) {
		const char *due = json_string_value(json_object_get(s,
		    "due_at"));

		if (due != NULL && json_is_null(json_object_get(s, "met_at"))
		    && (best == NULL || strcmp(due, best) < 0))
			best = due;
	}
	return best ? best : "-";
}

/* Where `ticket list` writes, a ticket at a time. */
struct list_out {
	bool json;
	long long n;
	int ex;                 /* an exit code of ours, 0 */
	const struct conf *conf;
};

static int
list_one(void *arg, const char *text)
{
	struct list_out *o = arg;
	json_error_t jerr;
	json_t *t;

	if (o->json && strstr(text, "\"sealed_comment\"") != NULL) {
		/* a rated ticket: its comment opened when sealed, the
		 * member dropped */
		struct gc_err err = { 0 };
		char *doc = xstrdup(text);

		if (vault_ticket_json(o->conf, &doc, &err) != 0)
			fprintf(stderr, "guichet: %s\n", err.msg);
		fputs(o->n++ > 0 ? ",\n" : "[\n", stdout);
		fputs(doc, stdout);
		free(doc);
	} else if (o->json) {
		fputs(o->n++ > 0 ? ",\n" : "[\n", stdout);
		fputs(text, stdout);
	} else if ((t = json_loads(text, 0, &jerr)) == NULL) {
		fprintf(stderr, "guichet: bad JSON from the database: %s\n",
		    jerr.text);
		o->ex = EX_SOFTWARE;
		return GC_EINVAL;
	} else {
		printf("%-18s %-8s %-3s %-10s %-12s %-20s %-28.28s %s\n",
		    cli_jstr(t, "number"), cli_jstr(t, "status"),
		    cli_jstr(t, "priority"),
		    cli_jstr(t, "plan"), cli_jstr(t, "queue"), next_due(t),
		    cli_jstr(t, "requester"), cli_jstr(t, "subject"));
		json_decref(t);
		o->n++;
	}
	if (ferror(stdout)) {
		fprintf(stderr, "guichet: ticket list: cannot write the "
		    "list\n");
		o->ex = EX_IOERR;
		return GC_EIO;
	}
	return 0;
}

static bool
known_status(const char *s)
{
	for (const char *const *p = statuses; *p; p++)
		if (strcmp(*p, s) == 0)
			return true;
	return false;
}

int
cli_ticket_list(struct app *app, int argc, char **argv)
{
	struct views_ticket_filter f = { .now = app_now(app) };
	struct list_out out = { 0 };
	const char *limit = NULL;
	struct gc_err err = { 0 };
	struct sla_plan_ranks pr;
	bool json = false;
	struct db *db;
	int rc;

	for (int i = 2; i < argc; i++) {
		const char **dst = NULL;

		if (strcmp(argv[i], "--json") == 0) {
			json = true;
			continue;
		}
		if (strcmp(argv[i], "--breached") == 0) {
			f.breached = true;
			continue;
		}
		if (strcmp(argv[i], "--status") == 0)
			dst = &f.status;
		else if (strcmp(argv[i], "--queue") == 0)
			dst = &f.queue;
		else if (strcmp(argv[i], "--priority") == 0)
			dst = &f.priority;
		else if (strcmp(argv[i], "--assignee") == 0)
			dst = &f.assignee;
		else if (strcmp(argv[i], "--org") == 0)
			dst = &f.organisation;
		else if (strcmp(argv[i], "--limit") == 0)
			dst = &limit;
		if (dst == NULL || i + 1 >= argc) {
			fprintf(stderr, "guichet ticket list: %s %s\n",
			    dst ? "a value is needed after" :
			    "unexpected argument", argv[i]);
			return EX_USAGE;
		}
		*dst = argv[++i];
		if (strlen(*dst) > LIST_MAX_ARG || (*dst)[0] == '\0') {
			fprintf(stderr, "guichet ticket list: %s: a value of "
			    "1 to %d bytes is needed\n", argv[i - 1],
			    LIST_MAX_ARG);
			return EX_USAGE;
		}
	}
	if (limit != NULL) {
		char *end;

		f.max = strtoll(limit, &end, 10);
		if (*end != '\0' || !isdigit((unsigned char)limit[0]) ||
		    f.max < 1 || f.max > LIST_MAX) {
			fprintf(stderr, "guichet ticket list: --limit \"%s\": "
			    "expected 1 to %d\n", limit, LIST_MAX);
			return EX_USAGE;
		}
	}
	if (f.status != NULL && !known_status(f.status)) {
		fprintf(stderr, "guichet ticket list: --status \"%s\": "
		    "expected new, open, pending, resolved or closed\n",
		    f.status);
		return EX_USAGE;
	}
	if (f.priority != NULL) {
		const char *p = sla_policy_priority_name(app_policy(app),
		    f.priority);

		if (p == NULL) {
			fprintf(stderr, "guichet ticket list: --priority "
			    "\"%s\": the policy has no such priority\n",
			    f.priority);
			return EX_USAGE;
		}
		f.priority = p;
	}
	if ((rc = app_db_connect(app, &db, &err)) != 0) {
		fprintf(stderr, "guichet: %s\n", err.msg);
		return app_exit_code(rc);
	}
	sla_policy_plan_ranks(app_policy(app), &pr);
	f.plans = pr.plans;
	f.ranks = pr.ranks;
	f.nplans = pr.n;
	/* a plan the policy no longer has: the default plan's rank */
	f.other_rank = pr.other;
	/* every ticket for a program, the most urgent for a person */
	if (limit == NULL && !json)
		f.max = LIST_DEFAULT;
	out.json = json;
	out.conf = app->conf;
	rc = views_ticket_list(db, &f, list_one, &out, &err);
	db_close(&db);
	sla_plan_ranks_free(&pr);
	if (rc != 0) {
		/* a JSON array left open: no reader takes it for whole */
		if (out.ex == 0)
			fprintf(stderr, "guichet: %s\n", err.msg);
		return out.ex != 0 ? out.ex : app_exit_code(rc);
	}
	if (json)
		fputs(out.n > 0 ? "\n]\n" : "[]\n", stdout);
	return fflush(stdout) == 0 ? EX_OK : EX_IOERR;
}
