/*
 * cli_report_agents.c - `guichet report agents --month YYYY-MM |
 * --quarter YYYY-QN [--queue Q] [--json]`: what each agent did in the
 * period (sql/agents_db.h), for the team's lead
 *
 * The agents of the config first, in its order, then any other name seen
 * in the period (an agent since removed). A bad option exits 64 before
 * anything is read, an unknown queue 65.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/util.h"
#include "daemon/cli.h"
#include "desk/report.h"
#include "sla/policy.h"
#include "sql/agents_db.h"

static int
usage(void)
{
	fprintf(stderr, "usage: guichet report agents --month YYYY-MM "
	    "[--queue Q] [--json]\n"
	    "       guichet report agents --quarter YYYY-QN [--queue Q] "
	    "[--json]\n");
	return EX_USAGE;
}

static void
print_text(const char *label, const char *queue, const json_t *rows)
{
	const json_t *r;
	size_t i;

	printf("Agents, %s%s%s\n\n", label, queue ? ", queue " : "",
	    queue ? queue : "");
	printf("%-16s %6s %6s %7s %6s %9s %8s %10s %8s\n", "agent", "mails",
	    "notes", "tickets", "first", "median", "resolved", "time",
	    "rating");
	json_array_foreach(rows, i, r) {
		const json_t *med = json_object_get(r, "first_answer_median_"
		    "seconds"), *avg = json_object_get(r, "rating_average");
		char m[32] = "-", t[32], rt[32] = "-";

		if (json_is_integer(med))
			minutes_text(m, sizeof(m), (json_integer_value(med) +
			    30) / 60);
		minutes_text(t, sizeof(t), json_integer_value(json_object_get(
		    r, "time_minutes")));
		if (json_is_number(avg))
			snprintf(rt, sizeof(rt), "%.2f (%lld)",
			    json_number_value(avg), (long long)
			    json_integer_value(json_object_get(r, "ratings")));
		printf("%-16.16s %6lld %6lld %7lld %6lld %9s %8lld %10s %8s\n",
		    cli_jstr(r, "agent"),
		    (long long)json_integer_value(json_object_get(r, "mails")),
		    (long long)json_integer_value(json_object_get(r, "notes")),
		    (long long)json_integer_value(json_object_get(r,
		    "tickets")),
		    (long long)json_integer_value(json_object_get(r,
		    "first_answers")), m,
		    (long long)json_integer_value(json_object_get(r,
		    "resolved")), t, rt);
	}
	printf("\nmails: answers, commands and notes taken; first: tickets "
	    "whose first answer was theirs (median: from the opening, wall "
	    "clock); rating: customers' average (count) on tickets assigned "
	    "to them\n");
}

int
cli_report_agents(struct app *app, int argc, char **argv)
{
	const char *month = NULL, *quarter = NULL, *queue = NULL;
	const struct sla_policy *policy = app_policy(app);
	const char **names;
	struct gc_err err = { 0 };
	struct db *db = NULL;
	time_t start, end, now = app_now(app);
	bool json = false;
	char label[16], *doc = NULL;
	json_t *rows;
	int rc;

	for (int i = 2; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "--json") == 0 && !json)
			json = true;
		else if (v && strcmp(argv[i], "--month") == 0 && !month) {
			month = v;
			i++;
		} else if (v && strcmp(argv[i], "--quarter") == 0 &&
		    !quarter) {
			quarter = v;
			i++;
		} else if (v && strcmp(argv[i], "--queue") == 0 && !queue) {
			queue = v;
			i++;
		} else {
			return usage();
		}
	}
	if ((month == NULL) == (quarter == NULL))
		return usage();
	if (report_period_parse(month ? REPORT_MONTHLY : REPORT_QUARTERLY,
	    month ? month : quarter, sla_policy_support_tz(policy), &start,
	    &end, label, &err) != 0) {
		fprintf(stderr, "guichet report: %s %s\n", month ? "--month" :
		    "--quarter", err.msg);
		return EX_USAGE;
	}
	if (now <= start) {
		fprintf(stderr, "guichet report: %s: the period has not begun "
		    "yet\n", label);
		return EX_USAGE;
	}
	if (queue != NULL && !sla_policy_queue_known(policy, queue)) {
		fprintf(stderr, "guichet report: --queue \"%.64s\": no queue of "
		    "that name\n", queue);
		return EX_DATAERR;
	}
	names = xcalloc(app->conf->nagents + 1, sizeof(*names));
	for (size_t i = 0; i < app->conf->nagents; i++)
		names[i] = app->conf->agents[i].name;
	if ((rc = app_db_connect(app, &db, &err)) == 0 &&
	    (rc = db_schema_check(db, &err)) == 0)
		rc = agents_db_report(db, start, now < end ? now : end, queue,
		    names, app->conf->nagents, &doc, &err);
	db_close(&db);
	free(names);
	if (rc != 0) {
		fprintf(stderr, "guichet report: %s\n", err.msg);
		free(doc);
		return app_exit_code(rc);
	}
	if (json) {
		printf("{\"period\": \"%s\", \"queue\": ", label);
		if (queue != NULL) {
			json_t *q = json_string(queue);

			json_dumpf(q, stdout, JSON_ENCODE_ANY);
			json_decref(q);
		} else {
			printf("null");
		}
		printf(", \"agents\": %s}\n", doc);
		free(doc);
		return EX_OK;
	}
	rows = json_loads(doc, 0, NULL);
	free(doc);
	if (rows == NULL) {
		fprintf(stderr, "guichet report: the database's answer is not "
		    "JSON\n");
		return EX_SOFTWARE;
	}
	print_text(label, queue, rows);
	json_decref(rows);
	return EX_OK;
}
