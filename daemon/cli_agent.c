/*
 * cli_agent.c - `guichet agent list [--json]`, `guichet agent away NAME
 * [--until TIME]`, `guichet agent back NAME`: the agents of the config,
 * and who is away (040_assignment.sql)
 *
 * An agent away gets no new ticket by turn ([queue NAME] assign =
 * round_robin); the rest of their mail goes on. Only an [agent NAME] of
 * the config may be away (65 otherwise); a time already past is refused
 * (65); back for an agent who was not away exits 66.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "daemon/cli.h"
#include "sql/assign_db.h"

static int
usage(void)
{
	fprintf(stderr, "usage: guichet agent list [--json]\n"
	    "       guichet agent away NAME [--until TIME]\n"
	    "       guichet agent back NAME\n");
	return EX_USAGE;
}

/* The away row of agent in the JSON array away, or NULL. */
static const json_t *
away_of(const json_t *away, const char *agent)
{
	const json_t *w;
	size_t i;

	json_array_foreach(away, i, w)
		if (strcmp(cli_jstr(w, "agent"), agent) == 0)
			return w;
	return NULL;
}

static int
agent_list(struct app *app, bool json)
{
	const struct conf *c = app->conf;
	struct gc_err err = { 0 };
	struct db *db = NULL;
	json_t *away, *out;
	char *doc = NULL;
	int rc;

	if ((rc = app_db_connect(app, &db, &err)) == 0)
		rc = assign_db_away_list(db, app_now(app), &doc, &err);
	db_close(&db);
	if (rc != 0) {
		fprintf(stderr, "guichet: agent list: %s\n", err.msg);
		return app_exit_code(rc);
	}
	away = json_loads(doc, 0, NULL);
	free(doc);
	out = json_array();
	for (size_t i = 0; i < c->nagents; i++) {
		const struct conf_agent *a = &c->agents[i];
		const json_t *w = away_of(away, a->name);
		json_t *qs = json_array();

		for (size_t k = 0; k < a->queues.n; k++)
			json_array_append_new(qs, json_string(a->queues.v[k]));
		json_array_append_new(out, json_pack("{s:s,s:s,s:o,s:b,s:o}",
		    "agent", a->name, "address", a->address, "queues", qs,
		    "away", w != NULL, "away_until", w && json_is_string(
		    json_object_get(w, "until")) ? json_string(cli_jstr(w,
		    "until")) : json_null()));
	}
	json_decref(away);
	if (json) {
		json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else {
		const json_t *r;
		size_t i;

		json_array_foreach(out, i, r) {
			const json_t *q;
			size_t k;

			printf("%-16s %-32s ", cli_jstr(r, "agent"),
			    cli_jstr(r, "address"));
			json_array_foreach(json_object_get(r, "queues"), k, q)
				printf("%s%s", k ? "," : "",
				    json_string_value(q));
			if (json_is_true(json_object_get(r, "away")))
				printf("  away%s%s", json_is_string(
				    json_object_get(r, "away_until")) ?
				    " until " : "", cli_jstr(r, "away_until"));
			putchar('\n');
		}
	}
	json_decref(out);
	return EX_OK;
}

static int
agent_away(struct app *app, const char *name, const char *until_arg,
    bool back)
{
	struct gc_err err = { 0 };
	struct db *db = NULL;
	time_t until = 0, now = app_now(app);
	char by[CLI_OPERATOR_MAX + 32];
	int rc;

	if (conf_agent_by_name(app->conf, name) == NULL) {
		fprintf(stderr, "guichet: agent: \"%.64s\": no [agent] of that "
		    "name\n", name);
		return EX_DATAERR;
	}
	if (until_arg != NULL && (time_parse_iso8601(&until, until_arg) != 0
	    || until <= 0)) {
		fprintf(stderr, "guichet: agent away: --until \"%.64s\": not an "
		    "ISO 8601 date or time\n", until_arg);
		return EX_USAGE;
	}
	if (until_arg != NULL && until <= now) {
		fprintf(stderr, "guichet: agent away: --until %.64s: the time "
		    "is past\n", until_arg);
		return EX_DATAERR;
	}
	cli_operator_as(by, sizeof(by), "ops");
	if ((rc = app_db_connect(app, &db, &err)) == 0)
		rc = back ? assign_db_back(db, name, &err) :
		    assign_db_away(db, name, until, by, now, &err);
	db_close(&db);
	if (rc != 0) {
		fprintf(stderr, "guichet: agent %s: %s\n", back ? "back" :
		    "away", err.msg);
		return app_exit_code(rc);
	}
	if (back)
		printf("%s is back: new tickets come to them in turn again\n",
		    name);
	else
		printf("%s is away%s%s: no new ticket comes to them in turn\n",
		    name, until_arg ? " until " : "", until_arg ? until_arg :
		    "");
	log_info("agent %s %s by %s", name, back ? "back" : "away", by);
	return EX_OK;
}

int
cli_agent(struct app *app, int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return agent_list(app, false);
	if (argc == 3 && strcmp(argv[1], "list") == 0 &&
	    strcmp(argv[2], "--json") == 0)
		return agent_list(app, true);
	if (argc == 3 && strcmp(argv[1], "back") == 0 && argv[2][0] != '-')
		return agent_away(app, argv[2], NULL, true);
	if (argc == 3 && strcmp(argv[1], "away") == 0 && argv[2][0] != '-')
		return agent_away(app, argv[2], NULL, false);
	if (argc == 5 && strcmp(argv[1], "away") == 0 && argv[2][0] != '-' &&
	    strcmp(argv[3], "--until") == 0)
		return agent_away(app, argv[2], argv[4], false);
	return usage();
}
