/*
 * policy_load.c - the SLA policy: loading it from the config (see policy.h)
 *
 * Loading runs in four steps: the built-in policy of policy.md is set up
 * first (default_policy()); then every SLA section of the config, in file
 * order, overrides or adds to it (read_*(), which only check syntax and
 * store names); then the calendars are built (zones through the loader,
 * hours, holidays); last, every name a section refers to (calendars,
 * plans, priorities, queues) is resolved, and the rules are loaded and
 * checked against the priorities and queues. Each step reports what is
 * wrong with file:line and goes on, so check-config shows every problem
 * at once. The sections are read by policy_read.c; what the loaded
 * policy answers (timers, qualification, routes) is in policy_eval.c.
 *
 * Invariants once loaded: every plan has calendar indexes that are valid;
 * every priority has its three targets set (possibly to "none"); the
 * default plan, default priority and [sla] calendar exist; strings live
 * in the policy's arena. The policy is never modified afterwards.
 */
#include "sla/policy_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "conf/embedded.h"

#define BUILTIN_RULES "conf/defaults/rules.conf"
#define BUILTIN_HOLIDAYS "conf/defaults/holidays-fr.txt"
#define PARIS_POSIX "CET-1CEST,M3.5.0,M10.5.0/3"

/* ----- The built-in policy ----------------------------------------- */

static void
set_target(struct target *t, long long amount, char unit)
{
	t->set = true;
	t->none = amount == 0;
	t->amount = amount;
	t->unit = unit;
}

static void
default_policy(struct sla_policy *p)
{
	struct pcal *pc;
	struct pprio *pr;
	struct pplan *pl;
	struct ptarget *tg;

	p->set.default_plan = policy_astr(p, "Basic");
	p->set.default_priority = policy_astr(p, "P3");
	p->set.calendar = policy_astr(p, "business");
	p->set.warn_permille = 800;
	p->set.auto_close_after = 7 * 86400;
	p->set.reopen_within = 14 * 86400;
	set_target(&p->p1_update, 3600, 's');
	set_target(&p->rca_due, 5, 'd');

	pc = policy_add_cal(p, "business");
	pc->zone = policy_astr(p, "Europe/Paris");
	pc->hours = policy_astr(p, "mon-fri 09:00-18:00");
	pc->holidays_builtin = true;
	pc = policy_add_cal(p, "24x7");
	pc->hours = policy_astr(p, "24/7");

	pr = policy_add_prio(p, "P1");
	set_target(&pr->t[T_ACK], 15 * 60, 's');
	set_target(&pr->t[T_WORKAROUND], 2 * 3600, 's');
	set_target(&pr->t[T_RESOLVE], 8 * 3600, 's');
	pr = policy_add_prio(p, "P2");
	set_target(&pr->t[T_ACK], 3600, 's');
	set_target(&pr->t[T_WORKAROUND], 4 * 3600, 's');
	set_target(&pr->t[T_RESOLVE], 2, 'd');
	pr = policy_add_prio(p, "P3");
	set_target(&pr->t[T_ACK], 4 * 3600, 's');
	set_target(&pr->t[T_WORKAROUND], 0, 's');
	set_target(&pr->t[T_RESOLVE], 5, 'd');

	policy_add_plan(p, "Basic", 3);
	pl = policy_add_plan(p, "Pro", 2);
	pl->reports = 1u << SLA_REPORT_MONTHLY;
	pl = policy_add_plan(p, "Enterprise", 1);
	pl->reports = 1u << SLA_REPORT_MONTHLY | 1u << SLA_REPORT_QUARTERLY;
	pl->p1_cal_name = policy_astr(p, "24x7");
	pl->csm_on = arena_alloc(&p->arena, sizeof(char *));
	pl->csm_on[0] = policy_astr(p, "P1");
	pl->ncsm_on = 1;

	tg = &p->targets[p->ntargets++];
	memset(tg, 0, sizeof(*tg));
	tg->queue = policy_astr(p, "security");
	set_target(&tg->t[T_ACK], 24 * 3600, 's');
	tg->cal = -1;
}

/* ----- Building calendars ------------------------------------------ */

static void
file_diag(struct ctx *x, const struct where *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
file_diag(struct ctx *x, const struct where *at, const char *fmt, ...)
{
	char msg[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (at != NULL && at->file != NULL)
		conf_diag_add(x->d, at->file, at->line, "%s", msg);
	else
		conf_diag_add(x->d, x->c && x->c->path ? x->c->path :
		    "config", 0, "%s", msg);
}

static int
load_file(struct ctx *x, const char *path, char **data_r, size_t *len_r,
    struct gc_err *err)
{
	int rc;

	if (x->ld == NULL || x->ld->read == NULL)
		return gc_err_set(err, GC_EIO, "%s: no way to read files here",
		    path);
	*data_r = NULL;
	rc = x->ld->read(x->ld->arg, path, data_r, len_r, err);
	if (rc == 0 && *len_r > SLA_MAX_FILE) {
		free(*data_r);
		*data_r = NULL;
		return gc_err_set(err, GC_ELIMIT, "%s: larger than %d bytes",
		    path, SLA_MAX_FILE);
	}
	return rc;
}

/* The zone of a name, loaded once. Returns false after reporting. */
static bool
get_zone(const struct tz **out, struct ctx *x, const char *name,
    const struct where *at)
{
	struct sla_policy *p = x->p;
	struct gc_err err = { 0 };
	struct tz *tz = NULL;
	char *data = NULL, *path;
	size_t len = 0;
	int rc;

	for (size_t i = 0; i < p->nzones; i++)
		if (strcmp(p->zone_names[i], name) == 0) {
			*out = p->zones[i] ? p->zones[i] : tz_utc();
			return true;
		}
	path = xasprintf("zone:%s", name);
	rc = load_file(x, path, &data, &len, &err);
	free(path);
	if (rc == 0)
		rc = tz_parse(&tz, name, (const unsigned char *)data, len,
		    &err);
	free(data);
	if (rc != 0 && (x->ld == NULL || x->ld->read == NULL ||
	    rc == GC_ENOTFOUND)) {
		/* No zoneinfo here: the zones Guichet cannot do without. */
		if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0)
			rc = 0, tz = NULL;
		else if (strcmp(name, "Europe/Paris") == 0)
			rc = tz_from_posix(&tz, name, PARIS_POSIX, &err);
	}
	if (rc != 0) {
		file_diag(x, at, "timezone %s: %s", name, err.msg);
		return false;
	}
	p->zone_names[p->nzones] = policy_astr(p, name);
	p->zones[p->nzones++] = tz;
	*out = tz ? tz : tz_utc();
	return true;
}

static void
build_calendar(struct ctx *x, struct pcal *pc)
{
	const struct tz *tz = tz_utc();
	struct gc_err err = { 0 };
	const struct where *hours_at = pc->hours_at.file ? &pc->hours_at :
	    &pc->at;

	if (pc->hours == NULL)
		return;         /* reported */
	if (strcmp(pc->hours, "24/7") != 0 || pc->zone_at.file != NULL) {
		if (pc->zone != NULL && !get_zone(&tz, x, pc->zone,
		    pc->zone_at.file ? &pc->zone_at : &pc->at))
			return;
	}
	pc->cal = calendar_new(tz);
	if (calendar_parse_hours(pc->cal, pc->hours, &err) != 0) {
		file_diag(x, hours_at, "[calendar %s] %s", pc->name, err.msg);
		return;
	}
	if (!calendar_always_open(pc->cal) &&
	    calendar_week_seconds(pc->cal) == 0) {
		file_diag(x, hours_at, "[calendar %s] hours: never open",
		    pc->name);
		return;
	}
	if (pc->holidays_builtin) {
		const struct embedded_file *f = embedded_find(BUILTIN_HOLIDAYS);

		if (f == NULL)
			fatal("built-in %s missing", BUILTIN_HOLIDAYS);
		if (calendar_parse_holidays(pc->cal, f->data, f->len,
		    "holidays-fr.txt", &err) != 0)
			fatal("built-in holidays: %s", err.msg);
	} else if (pc->holidays_file != NULL) {
		char *data = NULL;
		size_t len = 0;

		if (load_file(x, pc->holidays_file, &data, &len, &err) != 0)
			file_diag(x, &pc->hol_at, "[calendar %s] "
			    "holidays_file: %s", pc->name, err.msg);
		else if (calendar_parse_holidays(pc->cal, data, len,
		    pc->holidays_file, &err) != 0)
			conf_diag_add(x->d, NULL, 0, "%s", err.msg);
		free(data);
	}
	for (size_t i = 0; i < pc->nextra; i++) {
		int y, m, d;
		char tail;

		if (sscanf(pc->extra[i], "%4d-%2d-%2d%c", &y, &m, &d,
		    &tail) != 3 || strlen(pc->extra[i]) != 10 ||
		    calendar_add_holiday(pc->cal, y, m, d, NULL, &err) != 0)
			file_diag(x, &pc->extra_at, "[calendar %s] holidays: "
			    "\"%s\" is not a date (YYYY-MM-DD)", pc->name,
			    pc->extra[i]);
	}
	if (pc->day_seconds > 0)
		calendar_set_day_seconds(pc->cal, pc->day_seconds);
}

/* ----- Resolving names --------------------------------------------- */

static void
resolve_cal(struct ctx *x, const char *name, const struct where *at,
    int *idx_r, const char *what)
{
	if (policy_find_cal(x->p, name, idx_r) == NULL) {
		struct buf names = BUF_INIT(1024);

		for (size_t i = 0; i < x->p->ncals; i++)
			if (buf_printf(&names, "%s%s", i ? ", " : "",
			    x->p->cals[i].name) != 0)
				break;
		file_diag(x, at, "%s: no calendar \"%s\" (%s)", what, name,
		    buf_str(&names));
		buf_free(&names);
		*idx_r = 0;
	}
}

/* The queue name, once: its escalation route and webhook from its
 * [queue] section if it has one, and the agents who work on it. */
static void
add_queue(struct sla_policy *p, const struct conf *c, const char *name)
{
	const struct conf_queue *cq;
	struct pqueue *q;

	if (name == NULL || policy_queue_known(p, name))
		return;
	q = &p->queues[p->nqueues++];
	q->name = policy_astr(p, name);
	if ((cq = conf_queue(c, name)) != NULL) {
		q->escalation = arena_alloc(&p->arena,
		    (cq->escalation_to.n + 1) * sizeof(char *));
		for (size_t k = 0; k < cq->escalation_to.n; k++)
			q->escalation[q->nescalation++] = policy_astr(p,
			    cq->escalation_to.v[k]);
		q->webhook = policy_astr(p, cq->webhook_url);
	}
	q->agents = arena_alloc(&p->arena, (c->nagents + 1) * sizeof(char *));
	for (size_t a = 0; a < c->nagents; a++)
		if (policy_list_has(c->agents[a].queues.v,
		    c->agents[a].queues.n, name))
			q->agents[q->nagents++] = policy_astr(p,
			    c->agents[a].address);
}

/* The queues the config knows: its [queue] sections, its mailboxes'
 * queues, and the queues its agents work on. An agent's queue is known
 * as the others are (the config has checked those names: only the
 * security queue may be named there alone, CONF_SECURITY_QUEUE): the
 * default rules send vulnerability reports to the security queue, and
 * with an agent on it (the design's example: one support mailbox,
 * alice on "support, security") a report written to support@ reaches
 * that agent, under the security queue's target and redaction. With
 * nobody on it, the rule is ignored and the report stays in its
 * mailbox's queue, where somebody reads it. */
static void
copy_queues(struct sla_policy *p, const struct conf *c)
{
	size_t max = c->nqueues + c->nmailboxes;

	for (size_t a = 0; a < c->nagents; a++)
		max += c->agents[a].queues.n;
	p->queues = xcalloc(max ? max : 1, sizeof(*p->queues));
	for (size_t i = 0; i < c->nqueues; i++)
		add_queue(p, c, c->queues[i].name);
	for (size_t i = 0; i < c->nmailboxes; i++)
		add_queue(p, c, c->mailboxes[i].queue);
	for (size_t a = 0; a < c->nagents; a++)
		for (size_t k = 0; k < c->agents[a].queues.n; k++)
			add_queue(p, c, c->agents[a].queues.v[k]);
}

static void
check_prio_name(struct ctx *x, const char *name, const struct where *at,
    const char *what)
{
	if (policy_find_prio(x->p, name) == NULL)
		file_diag(x, at, "%s: \"%s\" is not a priority of the policy "
		    "([priority NAME]; built in: P1, P2, P3)", what, name);
}

static void
check_plan_name(struct ctx *x, const char *name, const struct where *at,
    const char *what)
{
	if (policy_find_plan(x->p, name) == NULL)
		file_diag(x, at, "%s: \"%s\" is not a plan of the policy "
		    "([plan NAME]; built in: Basic, Pro, Enterprise)", what,
		    name);
}

static void
resolve(struct ctx *x)
{
	struct sla_policy *p = x->p;
	int set_cal = 0;

	resolve_cal(x, p->set.calendar, &p->set_cal_at, &set_cal,
	    "[sla] calendar");
	check_plan_name(x, p->set.default_plan, &p->set_plan_at,
	    "[sla] default_plan");
	check_prio_name(x, p->set.default_priority, &p->set_prio_at,
	    "[sla] default_priority");
	if (policy_find_plan(p, p->set.default_plan) != NULL)
		p->set.default_plan = policy_find_plan(p, p->set.default_plan)->name;
	if (policy_find_prio(p, p->set.default_priority) != NULL)
		p->set.default_priority = policy_find_prio(p,
		    p->set.default_priority)->name;
	for (size_t i = 0; i < p->nplans; i++) {
		struct pplan *pl = &p->plans[i];
		char what[128];

		pl->cal = set_cal;
		snprintf(what, sizeof(what), "[plan %s] calendar", pl->name);
		if (pl->cal_name != NULL)
			resolve_cal(x, pl->cal_name, &pl->cal_at, &pl->cal,
			    what);
		pl->p1_cal = pl->cal;
		snprintf(what, sizeof(what), "[plan %s] p1_calendar",
		    pl->name);
		if (pl->p1_cal_name != NULL)
			resolve_cal(x, pl->p1_cal_name, &pl->p1_cal_at,
			    &pl->p1_cal, what);
		snprintf(what, sizeof(what), "[plan %s] csm_on", pl->name);
		for (size_t k = 0; k < pl->ncsm_on; k++)
			check_prio_name(x, pl->csm_on[k], &pl->csm_on_at,
			    what);
	}
	for (size_t i = 0; i < p->ntargets; i++) {
		struct ptarget *tg = &p->targets[i];
		char what[128];

		tg->cal = set_cal;
		snprintf(what, sizeof(what), "[target %s] calendar",
		    tg->queue);
		if (tg->cal_name != NULL)
			resolve_cal(x, tg->cal_name, &tg->cal_at, &tg->cal,
			    what);
		if (tg->at.file != NULL && !policy_queue_known(p, tg->queue))
			file_diag(x, &tg->at, "[target %s]: no queue \"%s\" "
			    "(neither a [queue] section, a mailbox's nor an "
			    "agent's queue)", tg->queue, tg->queue);
	}
	for (size_t i = 0; i < p->nroutes; i++) {
		struct proute *rt = &p->routes[i];
		char what[128];

		snprintf(what, sizeof(what), "[route %s] plan", rt->name);
		for (size_t k = 0; k < rt->nplans; k++)
			check_plan_name(x, rt->plans[k], &rt->plan_at, what);
		snprintf(what, sizeof(what), "[route %s] priority", rt->name);
		for (size_t k = 0; k < rt->nprios; k++)
			check_prio_name(x, rt->prios[k], &rt->prio_at, what);
		for (size_t k = 0; k < rt->nqueues; k++)
			if (!policy_queue_known(p, rt->queues[k]))
				file_diag(x, &rt->queue_at, "[route %s] queue: "
				    "no queue \"%s\"", rt->name,
				    rt->queues[k]);
	}
	/* a webhook's queue of a typo would never fire */
	for (size_t i = 0; x->c != NULL && i < x->c->nwebhooks; i++) {
		const struct conf_webhook *w = &x->c->webhooks[i];

		for (size_t k = 0; k < w->queues.n; k++)
			if (!policy_queue_known(p, w->queues.v[k]))
				conf_diag_add(x->d, x->c->path ? x->c->path :
				    "guichet.conf", w->line, "[webhook %s] "
				    "queues: no queue \"%s\"", w->name,
				    w->queues.v[k]);
	}
	org_table_fill_plan(p->orgs, p->set.default_plan);
	for (size_t i = 0; i < org_table_count(p->orgs); i++) {
		const struct org *o = org_table_get(p->orgs, i);
		struct where at = { o->file, o->line };
		char what[300];

		snprintf(what, sizeof(what), "[organisation %s] plan",
		    o->name);
		check_plan_name(x, o->plan, &at, what);
	}
	/* A priority defined by the config has all three targets. */
	for (size_t i = 0; i < p->nprios; i++)
		for (int k = 0; k < T_N; k++)
			if (!p->prios[i].t[k].set)
				file_diag(x, &p->prios[i].at, "[priority %s] "
				    "missing key \"%s\"", p->prios[i].name,
				    target_keys[k]);
}

static void
load_rules(struct ctx *x)
{
	struct sla_policy *p = x->p;
	struct gc_err err = { 0 };
	char *data = NULL;
	size_t len = 0, before = x->d->n;
	const char *name = "rules.conf";

	if (p->rules_file == NULL) {
		const struct embedded_file *f = embedded_find(BUILTIN_RULES);

		if (f == NULL)
			fatal("built-in %s missing", BUILTIN_RULES);
		if (rules_load(&p->rules, "rules.conf (built-in)", f->data,
		    f->len, x->d) != 0)
			return;
	} else {
		if (load_file(x, p->rules_file, &data, &len, &err) != 0) {
			file_diag(x, &p->rules_at, "[rules] file: %s",
			    err.msg);
			return;
		}
		name = p->rules_file;
		rules_load(&p->rules, name, data, len, x->d);
		free(data);
		if (p->rules == NULL)
			return;
	}
	for (size_t i = 0; i < rules_count(p->rules); i++) {
		struct rules_info ri;

		rules_get(&ri, p->rules, i);
		if (ri.priority != NULL && policy_find_prio(p, ri.priority) == NULL)
			conf_diag_add(x->d, ri.file, ri.priority_line,
			    "rule %s: priority \"%s\" is not a priority of the "
			    "policy", ri.name, ri.priority);
		if (ri.queue != NULL && p->rules_file != NULL &&
		    !policy_queue_known(p, ri.queue))
			conf_diag_add(x->d, ri.file, ri.queue_line, "rule %s: "
			    "no queue \"%s\" (neither a [queue] section, a "
			    "mailbox's nor an agent's queue)", ri.name,
			    ri.queue);
	}
	if (x->d->n > before)
		rules_free(&p->rules);
}

/* ----- Loading ----------------------------------------------------- */

int
sla_policy_load(struct sla_policy **out, const struct conf *c,
    const struct sla_loader *ld, struct conf_diag *d)
{
	struct sla_policy *p = xcalloc(1, sizeof(*p));
	struct ctx x = { p, c, ld, d, false, false };
	size_t before = d->n;

	*out = NULL;
	arena_init(&p->arena, 16384);
	p->orgs = org_table_new();
	default_policy(p);
	copy_queues(p, c);
	for (size_t i = 0; i < c->nsections; i++) {
		const struct conf_section *s = &c->sections[i];

		if (strcmp(s->type, "sla") == 0)
			policy_read_sla(&x, s);
		else if (strcmp(s->type, "calendar") == 0)
			policy_read_calendar(&x, s);
		else if (strcmp(s->type, "priority") == 0)
			policy_read_priority(&x, s);
		else if (strcmp(s->type, "plan") == 0)
			policy_read_plan(&x, s);
		else if (strcmp(s->type, "target") == 0)
			policy_read_target_section(&x, s);
		else if (strcmp(s->type, "organisation") == 0 ||
		    strcmp(s->type, "organization") == 0)
			policy_read_org(&x, s);
		else if (strcmp(s->type, "rules") == 0)
			policy_read_rules(&x, s);
		else if (strcmp(s->type, "route") == 0)
			policy_read_route(&x, s);
	}
	for (size_t i = 0; i < p->ncals; i++)
		build_calendar(&x, &p->cals[i]);
	resolve(&x);
	load_rules(&x);
	if (d->n > before) {
		sla_policy_free(&p);
		return GC_ECONFIG;
	}
	*out = p;
	return 0;
}

void
sla_policy_free(struct sla_policy **pp)
{
	struct sla_policy *p = *pp;

	if (p == NULL)
		return;
	for (size_t i = 0; i < p->ncals; i++)
		calendar_free(&p->cals[i].cal);
	for (size_t i = 0; i < p->nzones; i++)
		tz_free(&p->zones[i]);
	rules_free(&p->rules);
	org_table_free(&p->orgs);
	free(p->routes);
	free(p->queues);
	arena_free(&p->arena);
	free(p);
	*pp = NULL;
}
