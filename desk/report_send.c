/*
 * report_send.c - the scheduled reports (see report_send.h)
 */
#include "desk/report_send.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "desk/mailout.h"
#include "desk/report.h"
#include "sla/policy.h"
#include "sql/report_db.h"

#define MAX_RCPTS 64

struct due {
	enum report_kind kind;
	const char *kind_name;
	char label[16];
	time_t start, end;
};

/* The report_to list (or else the CSM) as addresses in buf. */
static size_t
recipients(const struct report_org *o, char *buf, size_t len,
    struct mailout_rcpt *out, size_t max)
{
	size_t n = 0;
	char *p;

	snprintf(buf, len, "%s", o->report_to[0] ? o->report_to : o->csm);
	for (p = buf; *p && n < max;) {
		size_t k;

		p += strspn(p, ", \t");
		if (*p == '\0')
			break;
		k = strcspn(p, ", \t");
		out[n].name = NULL;
		out[n++].addr = p;
		p += k;
		if (*p)
			*p++ = '\0';
	}
	return n;
}

static int
queue_mail(struct desk *in, const struct report_org *o,
    const struct report *r, const struct mailout_rcpt *to, size_t nto,
    char *mid, struct gc_err *err)
{
	struct buf text = BUF_INIT(8 * 1024 * 1024);
	struct buf html = BUF_INIT(8 * 1024 * 1024);
	struct buf csv = BUF_INIT(8 * 1024 * 1024);
	struct buf title = BUF_INIT(1024);
	char file[200];
	int rc;

	rc = report_render(&text, r, REPORT_TEXT);
	rc = rc ? rc : report_render_html_part(&html, r);
	rc = rc ? rc : report_render(&csv, r, REPORT_CSV);
	rc = rc ? rc : report_title(&title, r);
	if (rc != 0) {
		rc = gc_err_set(err, GC_ELIMIT, "the report is too large to "
		    "be mailed");
	} else {
		struct mailout_var vars[] = {
			{ "subject", buf_str(&title) },
			{ "report_text", buf_str(&text) },
			{ "organisation", o->name },
			{ "period", r->period },
		};
		struct mailout_var hv[] = { { "report_text", buf_str(&html) } };
		struct mailout_file f = { file, "text/csv; charset=utf-8",
			buf_str(&csv), csv.len };
		struct mailout_req req = {
			.template_name = "report",
			.language = strcmp(o->language, "fr") == 0 ? "fr" : "en",
			.purpose = "report", .to = to, .nto = nto,
			.author = "system", .automatic = true,
			.generated = true, .bulk = true,
			.vars = vars, .nvars = sizeof(vars) / sizeof(vars[0]),
			.id_hint = "report", .files = &f, .nfiles = 1,
			.html_vars = hv, .nhtml_vars = 1,
		};

		/* the name is ours: no path, no quote from the config */
		snprintf(file, sizeof(file), "report-%s.csv", r->period);
		rc = mailout_queue(in->out, in->db, in->now, &req, mid, err);
	}
	buf_free(&text);
	buf_free(&html);
	buf_free(&csv);
	buf_free(&title);
	return rc;
}

/* Claim, build and queue the report d of org name. */
static int
send_one(struct desk *in, const char *name, const struct due *d,
    bool *queued_r, struct gc_err *err)
{
	struct mailout_rcpt to[MAX_RCPTS];
	const char *addrs[MAX_RCPTS];
	struct report_doc *doc = NULL;
	struct report_org o;
	char list[1024], mid[256];
	bool claimed;
	size_t nto;
	int rc;

	*queued_r = false;
	if ((rc = report_db_claim(in->db, name, d->kind_name, d->label,
	    in->now, &claimed, err)) != 0 || !claimed)
		return rc;
	if ((rc = report_org_find(in, name, &o, err)) != 0)
		return rc;
	nto = recipients(&o, list, sizeof(list), to, MAX_RCPTS);
	if (nto == 0) {
		log_warn("report: the %s report %s of %s goes to nobody: the "
		    "organisation has no report_to and no CSM", d->kind_name,
		    d->label, name);
		return report_db_sent(in->db, name, d->kind_name, d->label,
		    NULL, NULL, 0, "no report_to and no CSM", err);
	}
	rc = report_build(&doc, in, &o, d->kind, d->label, d->start, d->end,
	    err);
	rc = rc ? rc : queue_mail(in, &o, report_doc_model(doc), to, nto, mid,
	    err);
	report_free(&doc);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < nto; i++)
		addrs[i] = to[i].addr;
	if ((rc = report_db_sent(in->db, name, d->kind_name, d->label, mid,
	    addrs, nto, NULL, err)) == 0) {
		log_info("report: the %s report %s of %s queued for %zu "
		    "recipient(s)", d->kind_name, d->label, name, nto);
		*queued_r = true;
	}
	return rc;
}

/* send_one() in a savepoint: a report that cannot be made is recorded
 * with its reason instead, so that the pass goes on. */
static int
send_guarded(struct desk *in, const char *name, const struct due *d,
    int *queued, struct gc_err *err)
{
	bool q;
	int rc;

	if ((rc = db_savepoint(in->db, err)) != 0)
		return rc;
	if ((rc = send_one(in, name, d, &q, err)) == 0) {
		*queued += q;
		return db_release(in->db, err);
	}
	db_rollback_to_savepoint(in->db);
	if (rc == GC_ETEMP)
		return rc;
	log_warn("report: the %s report %s of %s: %s", d->kind_name,
	    d->label, name, err->msg);
	if ((rc = report_db_claim(in->db, name, d->kind_name, d->label,
	    in->now, &q, err)) == 0 && q)
		rc = report_db_sent(in->db, name, d->kind_name, d->label, NULL,
		    NULL, 0, err->msg[0] ? err->msg : "failed", err);
	return rc;
}

static bool
plan_in(const char *plan, const char *const *plans, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (plan && str_casecmp(plan, plans[i]) == 0)
			return true;
	return false;
}

static int
send_kind(struct desk *in, const struct due *d, const char *const *plans,
    size_t nplans, int *budget, int *queued, struct gc_err *err)
{
	const struct org_table *t = sla_policy_orgs(in->policy);
	size_t max = t ? org_table_count(t) : 0;
	const char **names = xcalloc(max + 1, sizeof(*names));
	bool *unsent = xcalloc(max + 1, sizeof(*unsent));
	const char *imp[REPORT_SEND_BATCH];
	struct arena a;
	size_t n = 0, nimp;
	int rc = 0;

	for (size_t i = 0; i < max; i++) {
		const struct org *o = org_table_get(t, i);

		if (plan_in(o->plan, plans, nplans))
			names[n++] = o->name;
	}
	if (n > 0)
		rc = report_db_unsent(in->db, d->kind_name, d->label, names, n,
		    unsent, err);
	for (size_t i = 0; rc == 0 && i < n && *budget > 0; i++) {
		if (!unsent[i])
			continue;
		(*budget)--;
		rc = send_guarded(in, names[i], d, queued, err);
	}
	free(names);
	free(unsent);
	if (rc != 0 || *budget <= 0)
		return rc;
	arena_init(&a, 4096);
	rc = report_db_unsent_imported(in->db, d->kind_name, d->label, plans,
	    nplans, &a, imp, (size_t)*budget, &nimp, err);
	for (size_t i = 0; rc == 0 && i < nimp && *budget > 0; i++) {
		(*budget)--;
		rc = send_guarded(in, imp[i], d, queued, err);
	}
	arena_free(&a);
	return rc;
}

bool
report_send_days(const struct desk *in)
{
	struct tm tm;

	if (in->policy == NULL || in->out == NULL)
		return false;
	tz_to_local(sla_policy_support_tz(in->policy), in->now, &tm);
	return tm.tm_mday <= REPORT_CATCHUP_DAYS;
}

/* send_kind() for the plans whose [plan] reports names this report. */
static int
send_for_plans(struct desk *in, const struct due *d, enum sla_report r,
    int *budget, int *queued, struct gc_err *err)
{
	size_t n = sla_policy_plan_count(in->policy), k = 0;
	const char **plans = xcalloc(n + 1, sizeof(*plans));
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		if (sla_policy_plan_reports(in->policy,
		    sla_policy_plan_at(in->policy, i), r))
			plans[k++] = sla_policy_plan_at(in->policy, i);
	if (k > 0)
		rc = send_kind(in, d, plans, k, budget, queued, err);
	free(plans);
	return rc;
}

int
report_send_due(struct desk *in, int *queued_r, struct gc_err *err)
{
	const struct tz *tz = sla_policy_support_tz(in->policy);
	int budget = REPORT_SEND_BATCH, rc = 0;
	struct due d;
	struct tm tm;

	*queued_r = 0;
	if (!report_send_days(in))
		return 0;
	tz_to_local(tz, in->now, &tm);
	d.kind = REPORT_MONTHLY;
	d.kind_name = "monthly";
	report_period_previous(d.kind, tz, in->now, d.label, &d.start, &d.end);
	rc = send_for_plans(in, &d, SLA_REPORT_MONTHLY, &budget, queued_r,
	    err);
	if (rc == 0 && tm.tm_mon % 3 == 0) {
		d.kind = REPORT_QUARTERLY;
		d.kind_name = "quarterly";
		report_period_previous(d.kind, tz, in->now, d.label, &d.start,
		    &d.end);
		rc = send_for_plans(in, &d, SLA_REPORT_QUARTERLY, &budget,
		    queued_r, err);
	}
	return rc;
}
