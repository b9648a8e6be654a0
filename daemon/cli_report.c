/*
 * cli_report.c - `guichet report satisfaction [--since TIME] [--json]`:
 * the customers' ratings (desk/rating.h) as figures
 *
 * The figures come from the satisfaction() function of the migrations,
 * which other reports and dashboards may read as well.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "common/util.h"
#include "daemon/cli.h"
#include "sql/store_rating.h"

static void
print_json(const struct store_satisfaction *s, const char *since)
{
	json_t *j = json_object(), *by = json_object();

	json_object_set_new(j, "since", since ? json_string(since) :
	    json_null());
	json_object_set_new(j, "ratings", json_integer(s->ratings));
	json_object_set_new(j, "average", s->average[0] ?
	    json_real(strtod(s->average, NULL)) : json_null());
	json_object_set_new(j, "csat_percent", s->csat[0] ?
	    json_real(strtod(s->csat, NULL)) : json_null());
	for (int i = 1; i <= 5; i++) {
		char k[2] = { (char)('0' + i), '\0' };

		json_object_set_new(by, k, json_integer(s->score[i]));
	}
	json_object_set_new(j, "scores", by);
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(j);
}

int
cli_report(struct app *app, int argc, char **argv)
{
	struct store_satisfaction s;
	struct gc_err err = { 0 };
	const char *since_arg = NULL;
	char since_iso[32];
	bool json = false;
	time_t since = 0;
	struct db *db;
	int rc;

	if (argc >= 2 && (strcmp(argv[1], "monthly") == 0 ||
	    strcmp(argv[1], "quarterly") == 0))
		return cli_report_period(app, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "agents") == 0)
		return cli_report_agents(app, argc, argv);
	if (argc < 2 || strcmp(argv[1], "satisfaction") != 0)
		goto usage;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc) {
			since_arg = argv[++i];
			if (time_parse_iso8601(&since, since_arg) != 0) {
				fprintf(stderr, "guichet report: --since \"%s\": "
				    "not an ISO 8601 date or time\n", since_arg);
				return EX_USAGE;
			}
		} else {
			goto usage;
		}
	}
	if ((rc = app_db_connect(app, &db, &err)) == 0) {
		rc = store_satisfaction(db, since, &s, &err);
		db_close(&db);
	}
	if (rc != 0) {
		fprintf(stderr, "guichet: report: %s\n", err.msg);
		return app_exit_code(rc);
	}
	if (since_arg != NULL)
		time_iso8601(since_iso, sizeof(since_iso), since);
	if (json) {
		print_json(&s, since_arg ? since_iso : NULL);
		return EX_OK;
	}
	printf("Ratings:   %lld%s%s\n", s.ratings, since_arg ? " since " : "",
	    since_arg ? since_iso : "");
	printf("Average:   %s\nCSAT:      %s%s\n", s.average[0] ? s.average :
	    "-", s.csat[0] ? s.csat : "-", s.csat[0] ? " % (4 and 5)" : "");
	for (int i = 5; i >= 1; i--)
		printf("  %d: %lld\n", i, s.score[i]);
	return EX_OK;
usage:
	fprintf(stderr, "usage: guichet report satisfaction [--since TIME] "
	    "[--json]\n"
	    "       guichet report agents --month YYYY-MM | --quarter "
	    "YYYY-QN [--queue Q] [--json]\n"
	    "       guichet report monthly|quarterly ... (see guichet help "
	    "report)\n");
	return EX_USAGE;
}
