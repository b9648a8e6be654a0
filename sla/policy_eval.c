/*
 * policy_eval.c - answers from a loaded SLA policy
 *
 * The timers of a ticket (due and warning instants on its calendar,
 * pauses, what met them), qualification (plan and priority of a mail),
 * escalation routes and the accessors of policy.h. The policy is never
 * modified here.
 */
#include "sla/policy_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "sla/tz.h"

/* ----- Reading ----------------------------------------------------- */

const struct sla_settings *
sla_policy_settings(const struct sla_policy *p)
{
	return &p->set;
}

const char *
sla_policy_plan_name(const struct sla_policy *p, const char *name)
{
	const struct pplan *pl = name ? policy_find_plan(p, name) : NULL;

	return pl != NULL ? pl->name : NULL;
}

const char *
sla_policy_priority_name(const struct sla_policy *p, const char *name)
{
	const struct pprio *pr = name ? policy_find_prio(p, name) : NULL;

	return pr != NULL ? pr->name : NULL;
}

size_t
sla_policy_plan_count(const struct sla_policy *p)
{
	return p->nplans;
}

const char *
sla_policy_plan_at(const struct sla_policy *p, size_t i)
{
	return i < p->nplans ? p->plans[i].name : NULL;
}

size_t
sla_policy_priority_count(const struct sla_policy *p)
{
	return p->nprios;
}

const char *
sla_policy_priority_at(const struct sla_policy *p, size_t i)
{
	return i < p->nprios ? p->prios[i].name : NULL;
}

static const struct pplan *
plan_or_default(const struct sla_policy *p, const char *name)
{
	const struct pplan *pl = name ? policy_find_plan(p, name) : NULL;

	return pl != NULL ? pl : policy_find_plan(p, p->set.default_plan);
}

static const struct pprio *
prio_or_default(const struct sla_policy *p, const char *name)
{
	const struct pprio *pr = name ? policy_find_prio(p, name) : NULL;

	return pr != NULL ? pr : policy_find_prio(p, p->set.default_priority);
}

bool
sla_policy_queue_known(const struct sla_policy *p, const char *queue)
{
	return policy_queue_known(p, queue);
}

int
sla_policy_plan_rank(const struct sla_policy *p, const char *plan)
{
	return plan_or_default(p, plan)->rank;
}

void
sla_policy_plan_ranks(const struct sla_policy *p, struct sla_plan_ranks *out)
{
	out->n = sla_policy_plan_count(p);
	out->plans = xcalloc(out->n + 1, sizeof(*out->plans));
	out->ranks = xcalloc(out->n + 1, sizeof(*out->ranks));
	for (size_t i = 0; i < out->n; i++) {
		out->plans[i] = sla_policy_plan_at(p, i);
		out->ranks[i] = sla_policy_plan_rank(p, out->plans[i]);
	}
	out->other = sla_policy_plan_rank(p, "");
}

void
sla_plan_ranks_free(struct sla_plan_ranks *r)
{
	free(r->plans);
	free(r->ranks);
	memset(r, 0, sizeof(*r));
}

bool
sla_policy_plan_reports(const struct sla_policy *p, const char *plan,
    enum sla_report r)
{
	const struct pplan *pl = policy_find_plan(p, plan);

	return pl != NULL && (pl->reports & (1u << r)) != 0;
}

const struct calendar *
sla_policy_calendar(const struct sla_policy *p, const char *name)
{
	for (size_t i = 0; i < p->ncals; i++)
		if (strcmp(p->cals[i].name, name) == 0)
			return p->cals[i].cal;
	return NULL;
}

const struct calendar *
sla_policy_support_calendar(const struct sla_policy *p)
{
	const char *name = p ? sla_policy_settings(p)->calendar : NULL;

	return name ? sla_policy_calendar(p, name) : NULL;
}

const struct tz *
sla_policy_support_tz(const struct sla_policy *p)
{
	const struct calendar *cal = sla_policy_support_calendar(p);

	return cal != NULL && calendar_tz(cal) != NULL ? calendar_tz(cal) :
	    tz_utc();
}

const struct rules *
sla_policy_rules(const struct sla_policy *p)
{
	return p->rules;
}

const struct org_table *
sla_policy_orgs(const struct sla_policy *p)
{
	return p->orgs;
}

const char *
sla_policy_plan_for(const struct sla_policy *p, const char *sender_addr,
    const char **org_r)
{
	const struct org *o = org_table_lookup(p->orgs, sender_addr, NULL);

	if (org_r != NULL)
		*org_r = o != NULL ? o->name : NULL;
	return plan_or_default(p, o != NULL ? o->plan : NULL)->name;
}

int
sla_policy_qualify(struct sla_qualification *out, const struct sla_policy *p,
    const struct rules_input *in, const char *default_queue)
{
	int rc;

	if (out == NULL || p == NULL || in == NULL)
		return GC_EINVAL;
	memset(out, 0, sizeof(*out));
	rc = rules_eval(&out->rules, p->rules, in);
	if (rc != 0)
		return rc;
	out->priority = prio_or_default(p, out->rules.priority)->name;
	out->priority_default = out->rules.priority == NULL;
	out->queue = default_queue;
	if (out->rules.queue != NULL) {
		if (policy_queue_known(p, out->rules.queue)) {
			out->queue = out->rules.queue;
			out->queue_from_rule = true;
		} else {
			out->queue_ignored = out->rules.queue;
		}
	}
	out->org = org_table_lookup(p->orgs, in->from, &out->org_by);
	out->plan = plan_or_default(p, out->org ? out->org->plan :
	    NULL)->name;
	return 0;
}

const char *
sla_policy_csm(const struct sla_policy *p, const char *plan,
    const char *priority, const char *org_csm)
{
	const struct pplan *pl = plan_or_default(p, plan);
	const struct pprio *pr = prio_or_default(p, priority);

	if (!policy_list_has(pl->csm_on, pl->ncsm_on, pr->name))
		return NULL;
	if (org_csm != NULL && *org_csm != '\0')
		return org_csm;
	return pl->csm;
}

time_t
sla_policy_auto_close_at(const struct sla_policy *p, time_t resolved_at)
{
	if (p->set.auto_close_after == 0 || resolved_at == 0)
		return 0;
	return resolved_at + (time_t)p->set.auto_close_after;
}

/* ----- Timers ------------------------------------------------------ */

static const struct ptarget *
queue_target(const struct sla_policy *p, const char *queue)
{
	if (queue == NULL)
		return NULL;
	for (size_t i = 0; i < p->ntargets; i++)
		if (strcmp(p->targets[i].queue, queue) == 0)
			return &p->targets[i];
	return NULL;
}

/* Fill one timer: due and warn instants of target on cal from start. */
static int
timer_fill(struct sla_timer *t, enum sla_timer_kind kind,
    const struct sla_policy *p, const struct pcal *pc,
    const struct target *tg, time_t start, const struct sla_pause *pauses,
    size_t npauses, time_t met_at, struct gc_err *err)
{
	long long secs = policy_target_seconds(tg, pc->cal);
	int rc;

	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->name = sla_timer_kind_name(kind);
	t->start = start;
	t->target_seconds = secs;
	t->calendar = pc->name;
	t->met_at = met_at;
	rc = calendar_add_paused(&t->due_at, pc->cal, start, secs, pauses,
	    npauses);
	if (rc == GC_ENOTFOUND) {
		t->due_at = 0;
		t->paused_open = true;
	} else if (rc != 0) {
		return gc_err_set(err, rc, "%s: no deadline from %lld on "
		    "calendar %s", t->name, (long long)start, pc->name);
	}
	if (p->set.warn_permille > 0) {
		long long ws = secs * p->set.warn_permille / 1000;

		if (calendar_add_paused(&t->warn_at, pc->cal, start, ws,
		    pauses, npauses) != 0)
			t->warn_at = 0;
	}
	t->met_late = met_at != 0 && t->due_at != 0 && met_at > t->due_at;
	return 0;
}

int
sla_policy_timers(struct sla_timer *out, size_t max, size_t *n_r,
    const struct sla_policy *p, const struct sla_ticket_state *st,
    struct gc_err *err)
{
	const struct pplan *pl;
	const struct pprio *pr;
	const struct ptarget *qt;
	const struct pcal *base;
	bool p1;
	size_t n = 0;
	int rc;

	*n_r = 0;
	if (p == NULL || st == NULL || (out == NULL && max > 0))
		return gc_err_set(err, GC_EINVAL, "no policy or ticket");
	pl = plan_or_default(p, st->plan);
	pr = prio_or_default(p, st->priority);
	qt = queue_target(p, st->queue);
	p1 = strcmp(pr->name, "P1") == 0;
	base = &p->cals[p1 ? pl->p1_cal : pl->cal];
	for (int k = 0; k < T_N; k++) {
		const struct target *tg = &pr->t[k];
		const struct pcal *pc = base;
		time_t met = k == T_ACK ? st->acknowledged_at :
		    k == T_WORKAROUND ? (st->workaround_at ? st->workaround_at :
		    st->resolved_at) : st->resolved_at;

		if (qt != NULL && qt->t[k].set) {
			tg = &qt->t[k];
			pc = &p->cals[qt->cal];
		}
		if (tg->none)
			continue;
		if (n == max)
			return gc_err_set(err, GC_ELIMIT, "more than %zu "
			    "timers", max);
		rc = timer_fill(&out[n], (enum sla_timer_kind)k, p, pc, tg,
		    st->created_at, st->pauses, st->npauses, met, err);
		if (rc != 0)
			return rc;
		n++;
	}
	if (p1 && !p->p1_update.none && st->resolved_at == 0) {
		time_t start = st->last_update_at > st->created_at ?
		    st->last_update_at : st->created_at;

		if (n == max)
			return gc_err_set(err, GC_ELIMIT, "more than %zu "
			    "timers", max);
		rc = timer_fill(&out[n], SLA_TIMER_UPDATE, p, base,
		    &p->p1_update, start, st->pauses, st->npauses, 0, err);
		if (rc != 0)
			return rc;
		n++;
	}
	if (p1 && !p->rca_due.none && st->resolved_at != 0) {
		if (n == max)
			return gc_err_set(err, GC_ELIMIT, "more than %zu "
			    "timers", max);
		/* a piece of writing once the outage is over: on the
		 * plan's calendar ("5 business days"), not the P1 one */
		rc = timer_fill(&out[n], SLA_TIMER_RCA, p, &p->cals[pl->cal],
		    &p->rca_due, st->resolved_at, NULL, 0, st->rca_sent_at,
		    err);
		if (rc != 0)
			return rc;
		n++;
	}
	*n_r = n;
	return 0;
}

/* ----- Routes ------------------------------------------------------ */

static bool
sel_match(char *const *v, size_t n, const char *s)
{
	return n == 0 || (s != NULL && policy_list_has(v, n, s));
}

static void
route_addr(struct sla_route *out, const char *a)
{
	for (size_t i = 0; i < out->naddresses; i++)
		if (str_casecmp(out->addresses[i], a) == 0)
			return;
	if (out->naddresses < SLA_ROUTE_MAX_ADDRS)
		out->addresses[out->naddresses++] = a;
}

/* url (unless NULL) into out[*n], unless there already or out is full
 * (max). */
static void
webhooks_add(const char **out, size_t max, size_t *n, const char *url)
{
	if (url == NULL || *n >= max)
		return;
	for (size_t i = 0; i < *n; i++)
		if (strcmp(out[i], url) == 0)
			return;
	out[(*n)++] = url;
}

static void
route_hook(struct sla_route *out, const char *url)
{
	webhooks_add(out->webhooks, SLA_ROUTE_MAX_WEBHOOKS, &out->nwebhooks,
	    url);
}

size_t
sla_policy_webhooks(const struct sla_policy *p, const char **out,
    size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < p->nroutes; i++)
		webhooks_add(out, max, &n, p->routes[i].webhook);
	for (size_t i = 0; i < p->nqueues; i++)
		webhooks_add(out, max, &n, p->queues[i].webhook);
	for (size_t i = 0; i < p->nplans; i++)
		webhooks_add(out, max, &n, p->plans[i].oncall_webhook);
	return n;
}

int
sla_policy_route(struct sla_route *out, const struct sla_policy *p,
    const char *queue, const char *plan, const char *priority,
    enum sla_timer_kind kind, enum sla_level level)
{
	const struct pplan *pl;
	const struct pprio *pr;
	const struct proute *rt = NULL;
	bool oncall = true;

	if (out == NULL || p == NULL)
		return GC_EINVAL;
	memset(out, 0, sizeof(*out));
	pl = plan_or_default(p, plan);
	pr = prio_or_default(p, priority);
	for (size_t i = 0; i < p->nroutes && rt == NULL; i++) {
		const struct proute *r = &p->routes[i];

		if (sel_match(r->queues, r->nqueues, queue) &&
		    sel_match(r->plans, r->nplans, pl->name) &&
		    sel_match(r->prios, r->nprios, pr->name) &&
		    (r->kinds == 0 || (r->kinds & (1u << kind))) &&
		    (r->levels == 0 || (r->levels & (1u << level))))
			rt = r;
	}
	if (rt != NULL) {
		out->name = rt->name;
		for (size_t i = 0; i < rt->nto; i++)
			route_addr(out, rt->to[i]);
		if (rt->webhook != NULL)
			route_hook(out, rt->webhook);
		oncall = rt->oncall;
	} else {
		const struct pqueue *q = NULL;

		for (size_t i = 0; queue != NULL && i < p->nqueues; i++)
			if (strcmp(p->queues[i].name, queue) == 0)
				q = &p->queues[i];
		if (q != NULL && (q->nescalation > 0 || q->webhook != NULL)) {
			out->name = "queue";
			for (size_t i = 0; i < q->nescalation; i++)
				route_addr(out, q->escalation[i]);
			if (q->webhook != NULL)
				route_hook(out, q->webhook);
			/* a P1 without news for the customer: "the agents
			 * are reminded" (policy.md), whoever else is told */
			for (size_t i = 0; kind == SLA_TIMER_UPDATE &&
			    i < q->nagents; i++)
				route_addr(out, q->agents[i]);
		} else if (q != NULL && q->nagents > 0) {
			out->name = "agents";
			for (size_t i = 0; i < q->nagents; i++)
				route_addr(out, q->agents[i]);
		}
	}
	if (oncall && strcmp(pr->name, "P1") == 0 &&
	    (pl->noncall > 0 || pl->oncall_webhook != NULL)) {
		out->oncall = true;
		if (out->name == NULL)
			out->name = "oncall";
		for (size_t i = 0; i < pl->noncall; i++)
			route_addr(out, pl->oncall[i]);
		if (pl->oncall_webhook != NULL)
			route_hook(out, pl->oncall_webhook);
	}
	return 0;
}
