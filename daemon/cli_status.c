/*
 * cli_status.c - `guichet status ...`: maintenance, subscribers, the page
 *
 *   status maintenance add --start T --end T --title S [--components A,B]
 *   status maintenance list [--json]
 *   status maintenance cancel ID
 *   status subscribe ADDRESS
 *   status unsubscribe ADDRESS | --token TOKEN
 *   status render
 *
 * Each change is one transaction, and the page is written once it is
 * committed; a page that cannot be written is an error of the command
 * (EX_IOERR) but the change stands, and the daemon's scheduler writes the
 * page again.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "daemon/cli.h"
#include "desk/status.h"
#include "sql/status_db.h"

#define MAINT_AHEAD (366 * 86400)   /* announced at most a year ahead */

static int
usage(void)
{
	fprintf(stderr, "usage: guichet status maintenance add --start TIME "
	    "--end TIME --title TEXT [--components A,B]\n"
	    "       guichet status maintenance list [--json]\n"
	    "       guichet status maintenance cancel ID\n"
	    "       guichet status subscribe ADDRESS\n"
	    "       guichet status unsubscribe ADDRESS | --token TOKEN\n"
	    "       guichet status render\n");
	return EX_USAGE;
}

static int
fail(const char *what, struct gc_err *err, int rc)
{
	fprintf(stderr, "guichet: status %s: %s\n", what, err->msg);
	return app_exit_code(rc);
}

/* After a committed change: the page now. */
static int
render_after(struct desk *in, const char *done)
{
	struct gc_err err = { 0 };
	int rc;

	printf("%s\n", done);
	if ((rc = status_render(in, &err)) != 0) {
		fprintf(stderr, "guichet: status: the change is stored, but the "
		    "page could not be written (the daemon tries again): %s\n",
		    err.msg);
		return app_exit_code(rc);
	}
	return EX_OK;
}

static int
bad(const char *fmt, const char *v)
{
	fprintf(stderr, "guichet: status maintenance add: ");
	fprintf(stderr, fmt, v);
	fputc('\n', stderr);
	return EX_DATAERR;
}

static int
maint_add(struct desk *in, int argc, char **argv)
{
	const char *start = NULL, *end = NULL, *title = NULL, *comps = NULL;
	char list[1024], why[256], body[160], a[32], b[32], *t;
	time_t ts, te;
	struct gc_err err = { 0 };
	bool too_long;
	int64_t id;
	int rc;

	for (int i = 3; i < argc; i++) {
		const char **dst = strcmp(argv[i], "--start") == 0 ? &start :
		    strcmp(argv[i], "--end") == 0 ? &end :
		    strcmp(argv[i], "--title") == 0 ? &title :
		    strcmp(argv[i], "--components") == 0 ? &comps : NULL;

		if (dst == NULL || i + 1 >= argc)
			return usage();
		*dst = argv[++i];
	}
	if (start == NULL || end == NULL || title == NULL)
		return usage();
	if (time_parse_iso8601(&ts, start) != 0)
		return bad("--start: \"%s\" is not an ISO 8601 time", start);
	if (time_parse_iso8601(&te, end) != 0)
		return bad("--end: \"%s\" is not an ISO 8601 time", end);
	if (te <= ts)
		return bad("--end %s is not after --start", end);
	if (te <= in->now)
		return bad("--end %s is past", end);
	if (ts > in->now + MAINT_AHEAD)
		return bad("--start %s is more than a year ahead", start);
	if (status_components(in->conf, comps, list, sizeof(list), false,
	    why, sizeof(why)) != 0)
		return bad("--components: %s", why);
	if ((t = status_clean_text(title, strlen(title), STATUS_TITLE_MAX,
	    &too_long)) == NULL)
		return bad("--title: %s", too_long ? "longer than 200 bytes" :
		    "empty");
	time_iso8601(a, sizeof(a), ts);
	time_iso8601(b, sizeof(b), te);
	snprintf(body, sizeof(body), "From %s to %s.", a, b);
	if ((rc = db_begin(in->db, &err)) == 0 &&
	    (rc = status_db_maint_add(in->db, t, list, ts, te, in->now, &id,
	    &err)) == 0 &&
	    (rc = status_db_post(in->db, "maintenance", 0, id, body, 0,
	    in->now, &err)) == 0)
		rc = db_commit(in->db, &err);
	else
		db_rollback(in->db);
	free(t);
	if (rc != 0)
		return fail("maintenance add", &err, rc);
	snprintf(why, sizeof(why), "maintenance %" PRId64 " announced", id);
	return render_after(in, why);
}

static int
maint_list(struct desk *in, bool json)
{
	struct status_rows r;
	struct gc_err err = { 0 };
	json_t *arr = json_array();
	char a[32], b[32];
	int rc;

	if ((rc = status_db_maint_list(in->db, in->now - STATUS_HISTORY_DAYS *
	    86400, &r, &err)) != 0) {
		status_rows_free(&r);
		json_decref(arr);
		return fail("maintenance list", &err, rc);
	}
	for (size_t i = 0; i < r.nmnt; i++) {
		const struct status_maint *m = &r.mnt[i];
		const char *st = m->cancelled_at ? "cancelled" :
		    m->ends_at <= in->now ? "completed" :
		    m->starts_at <= in->now ? "in_progress" : "scheduled";

		time_iso8601(a, sizeof(a), m->starts_at);
		time_iso8601(b, sizeof(b), m->ends_at);
		if (!json)
			printf("%" PRId64 "\t%s\t%s\t%s\t%s\t%s\n", m->id, a, b,
			    st, m->components[0] ? m->components : "all",
			    m->title);
		json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, "
		    "s:s, s:s}", "id", (json_int_t)m->id, "title", m->title,
		    "starts_at", a, "ends_at", b, "state", st, "components",
		    m->components));
	}
	if (json) {
		char *s = json_dumps(arr, JSON_INDENT(2));

		printf("%s\n", s ? s : "[]");
		free(s);
	}
	json_decref(arr);
	status_rows_free(&r);
	return EX_OK;
}

static int
maint_cancel(struct desk *in, const char *arg)
{
	struct gc_err err = { 0 };
	char *end, msg[64];
	long long id = strtoll(arg, &end, 10);
	bool done = false;
	int rc;

	if (*arg == '\0' || *end != '\0' || id <= 0) {
		fprintf(stderr, "guichet: status maintenance cancel: \"%s\" is "
		    "not a maintenance number\n", arg);
		return EX_DATAERR;
	}
	if ((rc = db_begin(in->db, &err)) == 0 &&
	    (rc = status_db_maint_cancel(in->db, id, in->now, &done,
	    &err)) == 0 && done)
		rc = status_db_post(in->db, "maintenance_cancelled", 0, id,
		    "This maintenance is cancelled.", 0, in->now, &err);
	if (rc == 0 && done)
		rc = db_commit(in->db, &err);
	else
		db_rollback(in->db);
	if (rc != 0)
		return fail("maintenance cancel", &err, rc);
	if (!done) {
		fprintf(stderr, "guichet: status maintenance cancel: no "
		    "maintenance %lld to cancel (unknown, over or cancelled "
		    "already)\n", id);
		return EX_DATAERR;
	}
	snprintf(msg, sizeof(msg), "maintenance %lld cancelled", id);
	return render_after(in, msg);
}

static int
subscribe(struct desk *in, int argc, char **argv, bool on)
{
	struct gc_err err = { 0 };
	const char *addr = NULL, *token = NULL;
	char got[256] = "";
	bool done = false;
	int rc;

	if (argc == 3)
		addr = argv[2];
	else if (!on && argc == 4 && strcmp(argv[2], "--token") == 0)
		token = argv[3];
	else
		return usage();
	if (on)
		rc = status_subscribe(in, addr, &done, &err);
	else
		rc = status_db_unsubscribe(in->db, addr, token, in->now, &done,
		    got, &err);
	if (rc != 0)
		return fail(on ? "subscribe" : "unsubscribe", &err, rc);
	if (on)
		printf(done ? "%s subscribed\n" : "%s is subscribed already\n",
		    addr);
	else if (done)
		printf("%s unsubscribed\n", got);
	else {
		fprintf(stderr, "guichet: status unsubscribe: %s\n", token ?
		    "no subscriber has that token" : "not subscribed");
		return EX_DATAERR;
	}
	return EX_OK;
}

int
cli_status(struct app *app, int argc, char **argv)
{
	struct desk in = { .conf = app->conf, .policy = app_policy(app),
		.careful = true };
	struct gc_err err = { 0 };
	const char *sub = argc > 1 ? argv[1] : "";
	const char *verb = argc > 2 ? argv[2] : "";
	int rc;

	if (strcmp(sub, "maintenance") != 0 && strcmp(sub, "subscribe") != 0 &&
	    strcmp(sub, "unsubscribe") != 0 && strcmp(sub, "render") != 0)
		return usage();
	if (!status_on(app->conf)) {
		fprintf(stderr, "guichet: status: the config has no [status] "
		    "section (dir)\n");
		return EX_CONFIG;
	}
	in.now = app_now(app);
	if ((rc = app_db_connect(app, &in.db, &err)) != 0 ||
	    (rc = db_schema_check(in.db, &err)) != 0) {
		db_close(&in.db);
		return fail(sub, &err, rc);
	}
	if (strcmp(sub, "render") == 0 && argc == 2) {
		if ((rc = status_render(&in, &err)) != 0)
			rc = fail("render", &err, rc);
		else
			printf("%s/index.html\n%s/feed.atom\n%s/status.json\n",
			    app->conf->status.dir, app->conf->status.dir,
			    app->conf->status.dir);
	} else if (strcmp(sub, "subscribe") == 0 ||
	    strcmp(sub, "unsubscribe") == 0) {
		rc = subscribe(&in, argc, argv, sub[0] == 's');
	} else if (strcmp(sub, "maintenance") == 0 &&
	    strcmp(verb, "add") == 0) {
		rc = maint_add(&in, argc, argv);
	} else if (strcmp(sub, "maintenance") == 0 &&
	    strcmp(verb, "list") == 0 && argc <= 4 && (argc == 3 ||
	    strcmp(argv[3], "--json") == 0)) {
		rc = maint_list(&in, argc == 4);
	} else if (strcmp(sub, "maintenance") == 0 &&
	    strcmp(verb, "cancel") == 0 && argc == 4) {
		rc = maint_cancel(&in, argv[3]);
	} else {
		rc = usage();
	}
	db_close(&in.db);
	return rc;
}
