/*
 * cli_outbox.c - `guichet outbox list [--json] [--status S] [--limit N]`,
 * `guichet outbox retry ID` and `guichet outbox retry --dead [--kind K]
 * [--since TIME]`
 *
 * list shows each row (newest first, 1000 unless --limit) with the fate
 * of each of its recipients; retry makes a dead row pending again once
 * ops fixed the cause: its recipients that were not sent are due now,
 * from zero attempts, the ones sent are never sent again. The ticket
 * gets an "outbox_retry" event. A row that is not dead is refused.
 * --dead retries every dead row still holding its content (a webhook
 * receiver or a relay down for longer than the retries lasted).
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/evjson.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "daemon/cli.h"
#include "sql/outbox_db.h"
#include "sql/store_event.h"
#include "sql/views.h"

#define LIST_DEFAULT 1000
#define LIST_MAX 1000000

static void
print_row(const json_t *o)
{
	json_t *r;
	size_t i;

	printf("%-8lld %-8s %-7s %-14s %-3lld %-18s %s\n",
	    (long long)json_integer_value(json_object_get(o, "id")),
	    cli_jstr(o, "status"), cli_jstr(o, "kind"), cli_jstr(o, "purpose"),
	    (long long)json_integer_value(json_object_get(o, "attempts")),
	    cli_jstr(o, "ticket"), cli_jstr(o, "message_id"));
	json_array_foreach(json_object_get(o, "recipients"), i, r) {
		printf("         %-8s %-3lld %s", cli_jstr(r, "status"),
		    (long long)json_integer_value(json_object_get(r,
		    "attempts")), cli_jstr(r, "address"));
		if (json_string_value(json_object_get(r, "last_error")))
			printf("  (%s)", cli_jstr(r, "last_error"));
		if (json_string_value(json_object_get(r, "next_at")) &&
		    strcmp(cli_jstr(r, "status"), "pending") == 0)
			printf("  next %s", cli_jstr(r, "next_at"));
		putchar('\n');
	}
	if (json_string_value(json_object_get(o, "last_error")) &&
	    json_array_size(json_object_get(o, "recipients")) == 0)
		printf("         %s\n", cli_jstr(o, "last_error"));
	if (json_integer_value(json_object_get(o, "bytes")) == 0)
		printf("         (its content was let go: outbox_keep, or "
		    "anonymised)\n");
}

static int
outbox_list(struct app *app, bool json, const char *status, long long max)
{
	struct gc_err err = { 0 };
	json_error_t jerr;
	struct db *db;
	char *doc;
	json_t *j, *o;
	size_t i;
	int rc;

	if ((rc = app_db_connect(app, &db, &err)) != 0)
		goto fail;
	rc = views_outbox_list(db, status, max, &doc, &err);
	db_close(&db);
	if (rc != 0)
		goto fail;
	if ((j = json_loads(doc, 0, &jerr)) == NULL) {
		fprintf(stderr, "guichet: bad JSON from the database: %s\n",
		    jerr.text);
		free(doc);
		return EX_SOFTWARE;
	}
	free(doc);
	if (json) {
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	} else {
		json_array_foreach(j, i, o)
			print_row(o);
	}
	json_decref(j);
	return EX_OK;
fail:
	fprintf(stderr, "guichet: %s\n", err.msg);
	return app_exit_code(rc);
}

/* Dead row id pending again, with its ticket's outbox_retry event, in
 * the transaction open on db; *n_r its recipients due again. */
static int
retry_one(struct db *db, long long id, time_t now, long long *n_r,
    struct gc_err *err)
{
	int64_t ticket = 0;
	struct evjson *e;
	char *data;
	int rc;

	if ((rc = outbox_db_retry(db, id, now, &ticket, n_r, err)) != 0)
		return rc;
	e = ev_new();
	ev_int(e, "outbox_id", id);
	ev_int(e, "recipients", *n_r);
	data = ev_end(e);
	if (ticket != 0)
		rc = store_event(db, ticket, now, "outbox_retry", "ops", data,
		    err);
	free(data);
	return rc;
}

static int
outbox_retry(struct app *app, long long id)
{
	struct gc_err err = { 0 };
	struct db *db = NULL;
	long long n = 0;
	int rc;

	if ((rc = app_db_connect(app, &db, &err)) != 0 ||
	    (rc = db_begin(db, &err)) != 0)
		goto fail;
	if ((rc = retry_one(db, id, app_now(app), &n, &err)) == 0)
		rc = db_commit(db, &err);
	else
		db_rollback(db);
	if (rc != 0)
		goto fail;
	db_close(&db);
	log_info("outbox %lld: retried by ops (%lld recipient(s) due again)",
	    id, n);
	printf("outbox row %lld is pending again: %lld recipient(s) due now"
	    "\n", id, n);
	return EX_OK;
fail:
	db_close(&db);
	fprintf(stderr, "guichet: outbox retry %lld: %s\n", id, err.msg);
	return app_exit_code(rc);
}

/* `outbox retry --dead`: every dead row (of a kind, queued since a time)
 * whose content is still there, RETRY_BATCH to a transaction; a row a
 * daemon or another retry took meanwhile is passed over. */
#define RETRY_BATCH 500
#define RETRY_MAX 1000000

static int
outbox_retry_dead(struct app *app, const char *kind, time_t since)
{
	struct gc_err err = { 0 };
	time_t now = app_now(app);
	struct db *db = NULL;
	long long rows = 0, rcpts = 0, skipped = 0;
	int64_t *ids = NULL;
	size_t n = 0;
	int rc;

	if ((rc = app_db_connect(app, &db, &err)) != 0 ||
	    (rc = outbox_db_dead_ids(db, kind, since, RETRY_MAX, &ids, &n,
	    &err)) != 0)
		goto fail;
	for (size_t i = 0; i < n && rc == 0; i += RETRY_BATCH) {
		long long r = 0, c = 0, k = 0;

		if ((rc = db_begin(db, &err)) != 0)
			break;
		for (size_t j = i; j < n && j < i + RETRY_BATCH && rc == 0;
		    j++) {
			long long m = 0;

			rc = retry_one(db, ids[j], now, &m, &err);
			if (rc == GC_EINVAL || rc == GC_ENOTFOUND) {
				gc_err_clear(&err);
				rc = 0;
				k++;
			} else if (rc == 0) {
				r++;
				c += m;
			}
		}
		if (rc == 0 && (rc = db_commit(db, &err)) == 0) {
			rows += r;
			rcpts += c;
			skipped += k;
		} else if (rc != 0) {
			db_rollback(db);
		}
	}
	if (rc != 0)
		goto fail;
	db_close(&db);
	free(ids);
	log_info("outbox: %lld dead row(s) retried by ops (%lld recipient(s) "
	    "due again)", rows, rcpts);
	printf("%lld dead row(s) pending again: %lld recipient(s) due now",
	    rows, rcpts);
	if (skipped > 0)
		printf(" (%lld no longer dead, left as they were)", skipped);
	printf("\n");
	return EX_OK;
fail:
	db_close(&db);
	free(ids);
	fprintf(stderr, "guichet: outbox retry --dead: %s (%lld row(s) "
	    "retried before)\n", err.msg, rows);
	return app_exit_code(rc);
}

int
cli_outbox(struct app *app, int argc, char **argv)
{
	const char *status = NULL;
	long long max = LIST_DEFAULT, id = 0;
	bool json = false;

	if (argc < 2)
		goto usage;
	if (strcmp(argv[1], "list") == 0) {
		for (int i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--json") == 0) {
				json = true;
			} else if (strcmp(argv[i], "--status") == 0 &&
			    i + 1 < argc) {
				status = argv[++i];
				if (strcmp(status, "pending") != 0 &&
				    strcmp(status, "sent") != 0 &&
				    strcmp(status, "dead") != 0)
					goto usage;
			} else if (strcmp(argv[i], "--limit") == 0 &&
			    i + 1 < argc) {
				if (!cli_parse_count(argv[++i], LIST_MAX, &max))
					goto usage;
			} else {
				goto usage;
			}
		}
		return outbox_list(app, json, status, max);
	}
	if (strcmp(argv[1], "retry") == 0 && argc == 3 &&
	    cli_parse_count(argv[2], INT64_MAX / 2, &id))
		return outbox_retry(app, id);
	if (strcmp(argv[1], "retry") == 0 && argc >= 3 &&
	    strcmp(argv[2], "--dead") == 0) {
		const char *kind = NULL;
		time_t since = 0;

		for (int i = 3; i < argc; i++) {
			if (strcmp(argv[i], "--kind") == 0 && i + 1 < argc &&
			    kind == NULL && (strcmp(argv[i + 1], "mail") == 0 ||
			    strcmp(argv[i + 1], "webhook") == 0))
				kind = argv[++i];
			else if (strcmp(argv[i], "--since") == 0 && i + 1 <
			    argc && since == 0 && time_parse_iso8601(&since,
			    argv[i + 1]) == 0 && since > 0)
				i++;
			else
				goto usage;
		}
		return outbox_retry_dead(app, kind, since);
	}
usage:
	fprintf(stderr, "usage: guichet outbox list [--json] "
	    "[--status pending|sent|dead] [--limit N]\n"
	    "       guichet outbox retry ID\n"
	    "       guichet outbox retry --dead [--kind mail|webhook] "
	    "[--since TIME]\n");
	return EX_USAGE;
}
