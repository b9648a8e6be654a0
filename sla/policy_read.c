/*
 * policy_read.c - the SLA sections of the config, read into a policy
 *
 * Called by sla_policy_load() (policy.c) for each section in file order:
 * each read_*() checks the syntax of one section and stores its values
 * and the names it refers to, which policy.c resolves afterwards.
 */
#include "sla/policy_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* ----- Targets ----------------------------------------------------- */

/* "15m", "2h", "2d", "1w", "none", "—". Returns 0 or GC_EINVAL. */
static int
target_parse(struct target *t, const char *v)
{
	long long secs;
	size_t digits = strspn(v, "0123456789");
	const char *unit = v + digits;

	while (*unit == ' ')
		unit++;
	memset(t, 0, sizeof(*t));
	t->set = true;
	if (str_casecmp(v, "none") == 0 || strcmp(v, "-") == 0 ||
	    strcmp(v, "\xe2\x80\x94") == 0 || strcmp(v, "\xe2\x80\x93") ==
	    0) {
		t->none = true;
		return 0;
	}
	if (digits == 0 || digits > 9)
		return GC_EINVAL;
	t->amount = strtoll(v, NULL, 10);
	if (str_casecmp(unit, "d") == 0 || str_casecmp(unit, "w") == 0) {
		t->unit = (char)(unit[0] | 0x20);
		if (t->amount == 0 || t->amount > 3660)
			return GC_EINVAL;
		return 0;
	}
	if (duration_parse(&secs, v) != 0 || secs <= 0 || secs > MAX_TARGET)
		return GC_EINVAL;
	t->amount = secs;
	t->unit = 's';
	return 0;
}

/* Business seconds of t on cal. */
long long
policy_target_seconds(const struct target *t, const struct calendar *cal)
{
	switch (t->unit) {
	case 'd':
		return t->amount * calendar_business_day_seconds(cal);
	case 'w':
		return t->amount * calendar_week_seconds(cal);
	default:
		return t->amount;
	}
}

static bool
read_target(struct ctx *x, const struct conf_section *s,
    const struct conf_entry *e, struct target *t, bool allow_none)
{
	struct target nt;

	if (target_parse(&nt, e->value) != 0 || (nt.none && !allow_none)) {
		policy_diag(x, s, e->line, "%s: \"%s\" is not a target (e.g. 15m, "
		    "4h, 2d%s)", e->key, e->value, allow_none ? ", none" : "");
		return false;
	}
	*t = nt;
	return true;
}

/* ----- Reading the sections ---------------------------------------- */

/* Unknown and repeated keys of a section. */
static void
check_keys(struct ctx *x, const struct conf_section *s,
    const char *const *keys)
{
	for (size_t i = 0; i < s->nentries; i++) {
		const struct conf_entry *e = &s->entries[i];
		const char *const *k;
		struct buf list = BUF_INIT(512);

		for (k = keys; *k && strcmp(*k, e->key) != 0; k++)
			;
		if (*k == NULL) {
			for (k = keys; *k; k++)
				if (buf_printf(&list, "%s%s", k == keys ? "" :
				    ", ", *k) != 0)
					break;
			policy_diag(x, s, e->line, "unknown key \"%s\" (%s)", e->key,
			    buf_str(&list));
		}
		buf_free(&list);
		for (size_t j = 0; j < i; j++)
			if (strcmp(s->entries[j].key, e->key) == 0) {
				policy_diag(x, s, e->line, "%s: already set at line "
				    "%d", e->key, s->entries[j].line);
				break;
			}
	}
}

/* The first entry of key (a repeated key is reported by check_keys()),
 * or NULL. */
static const struct conf_entry *
get(const struct conf_section *s, const char *key)
{
	return conf_section_entry(s, key);
}

static bool
need_name(struct ctx *x, const struct conf_section *s, bool want)
{
	if (want && (s->name == NULL || !policy_is_name(s->name))) {
		policy_diag(x, s, s->line, "needs a name: letters, digits, - _ . "
		    "up to %d bytes ([%s NAME])", SLA_MAX_NAME, s->type);
		return false;
	}
	if (!want && s->name != NULL) {
		policy_diag(x, s, s->line, "takes no name");
		return false;
	}
	return true;
}

static bool
read_name(struct ctx *x, const struct conf_section *s,
    const struct conf_entry *e, char **out, struct where *at)
{
	if (!policy_is_name(e->value)) {
		policy_diag(x, s, e->line, "%s: \"%s\" is not a name (letters, "
		    "digits, - _ .)", e->key, e->value);
		return false;
	}
	*out = policy_astr(x->p, e->value);
	if (at != NULL) {
		at->file = s->file;
		at->line = e->line;
	}
	return true;
}

/* A wall-clock duration of [sla], or never/none (0). */
static void
read_wall_duration(struct ctx *x, const struct conf_section *s,
    const struct conf_entry *e, const char *example, long long *out)
{
	long long v;

	if (str_casecmp(e->value, "never") == 0 ||
	    str_casecmp(e->value, "none") == 0)
		*out = 0;
	else if (duration_parse(&v, e->value) != 0 || v <= 0 ||
	    v > MAX_TARGET)
		policy_diag(x, s, e->line, "%s: \"%s\" is not a duration "
		    "(e.g. %s, or never)", e->key, e->value, example);
	else
		*out = v;
}

void
policy_read_sla(struct ctx *x, const struct conf_section *s)
{
	static const char *const keys[] = { "warn_at", "default_plan",
		"default_priority", "calendar", "p1_update_every", "rca_due",
		"auto_close_after", "reopen_within", "pending_remind_after",
		"pending_close_after", NULL };
	struct sla_policy *p = x->p;
	const struct conf_entry *e;
	char *name;

	if (!need_name(x, s, false))
		return;
	if (x->seen_sla) {
		policy_diag(x, s, s->line, "section repeated (one [sla] only)");
		return;
	}
	x->seen_sla = true;
	p->sla_at.file = s->file;
	p->sla_at.line = s->line;
	check_keys(x, s, keys);
	if ((e = get(s, "warn_at")) != NULL) {
		char *end;
		double v = strtod(e->value, &end);

		while (*end == ' ')
			end++;
		if (str_casecmp(e->value, "none") == 0 ||
		    str_casecmp(e->value, "off") == 0)
			p->set.warn_permille = 0;
		else if (end == e->value || (*end == '%' ? end[1] != '\0' :
		    *end != '\0') || !(v > 0) || (*end == '%' ? v >= 100 :
		    v >= 1))
			policy_diag(x, s, e->line, "warn_at: \"%s\" is not a fraction "
			    "of the target (e.g. 80%%, 0.8, or none)",
			    e->value);
		else
			p->set.warn_permille = (int)(*end == '%' ? v * 10 +
			    0.5 : v * 1000 + 0.5);
	}
	if ((e = get(s, "default_plan")) != NULL &&
	    read_name(x, s, e, &name, &p->set_plan_at))
		p->set.default_plan = name;
	if ((e = get(s, "default_priority")) != NULL &&
	    read_name(x, s, e, &name, &p->set_prio_at))
		p->set.default_priority = name;
	if ((e = get(s, "calendar")) != NULL &&
	    read_name(x, s, e, &name, &p->set_cal_at))
		p->set.calendar = name;
	if ((e = get(s, "p1_update_every")) != NULL)
		read_target(x, s, e, &p->p1_update, true);
	if ((e = get(s, "rca_due")) != NULL)
		read_target(x, s, e, &p->rca_due, true);
	if ((e = get(s, "auto_close_after")) != NULL)
		read_wall_duration(x, s, e, "7d", &p->set.auto_close_after);
	if ((e = get(s, "reopen_within")) != NULL)
		read_wall_duration(x, s, e, "14d", &p->set.reopen_within);
	if ((e = get(s, "pending_remind_after")) != NULL)
		read_wall_duration(x, s, e, "3d", &p->set.pending_remind_after);
	if ((e = get(s, "pending_close_after")) != NULL) {
		read_wall_duration(x, s, e, "10d", &p->set.pending_close_after);
		/* a reminder announces the closing: it must come first */
		if (p->set.pending_close_after > 0 &&
		    p->set.pending_close_after <= p->set.pending_remind_after)
			policy_diag(x, s, e->line, "pending_close_after: \"%s\" "
			    "is not after pending_remind_after", e->value);
	}
}

struct pcal *
policy_find_cal(struct sla_policy *p, const char *name, int *idx_r)
{
	for (size_t i = 0; i < p->ncals; i++)
		if (strcmp(p->cals[i].name, name) == 0) {
			if (idx_r != NULL)
				*idx_r = (int)i;
			return &p->cals[i];
		}
	return NULL;
}

struct pplan *
policy_find_plan(const struct sla_policy *p, const char *name)
{
	for (size_t i = 0; i < p->nplans; i++)
		if (str_casecmp(p->plans[i].name, name) == 0)
			return (struct pplan *)&p->plans[i];
	return NULL;
}

struct pprio *
policy_find_prio(const struct sla_policy *p, const char *name)
{
	for (size_t i = 0; i < p->nprios; i++)
		if (str_casecmp(p->prios[i].name, name) == 0)
			return (struct pprio *)&p->prios[i];
	return NULL;
}

/* A config section may override a built-in one once: the at.file of a
 * built-in entry is NULL until a section claims it. */
static bool
claim(struct ctx *x, const struct conf_section *s, struct where *at)
{
	if (at->file != NULL) {
		policy_diag(x, s, s->line, "already defined at %s:%d", at->file,
		    at->line);
		return false;
	}
	at->file = s->file;
	at->line = s->line;
	return true;
}

static bool
valid_zone(const char *z)
{
	if (*z == '\0' || *z == '/' || strlen(z) > TZ_MAX_NAME ||
	    strstr(z, "..") != NULL)
		return false;
	for (; *z; z++)
		if (!((*z >= 'a' && *z <= 'z') || (*z >= 'A' && *z <= 'Z') ||
		    (*z >= '0' && *z <= '9') || strchr("/_+-", *z)))
			return false;
	return true;
}

void
policy_read_calendar(struct ctx *x, const struct conf_section *s)
{
	static const char *const keys[] = { "timezone", "hours",
		"holidays_file", "holidays", "day_length", NULL };
	struct sla_policy *p = x->p;
	const struct conf_entry *e;
	struct pcal *pc;
	bool isnew;

	if (!need_name(x, s, true))
		return;
	check_keys(x, s, keys);
	pc = policy_find_cal(p, s->name, NULL);
	isnew = pc == NULL;
	if (isnew) {
		if (p->ncals == SLA_MAX_CALENDARS) {
			policy_diag(x, s, s->line, "more than %d calendars",
			    SLA_MAX_CALENDARS);
			return;
		}
		pc = policy_add_cal(p, s->name);
		pc->zone = policy_astr(p, "Europe/Paris");
	}
	if (!claim(x, s, &pc->at))
		return;
	if ((e = get(s, "timezone")) != NULL) {
		if (!valid_zone(e->value)) {
			/* never handed to the loader */
			policy_diag(x, s, e->line, "timezone: \"%s\" is not a zone "
			    "name (e.g. Europe/Paris, UTC)", e->value);
		} else {
			pc->zone = policy_astr(p, e->value);
			pc->zone_at.file = s->file;
			pc->zone_at.line = e->line;
		}
	}
	if ((e = get(s, "hours")) != NULL) {
		pc->hours = policy_astr(p, e->value);
		pc->hours_at.file = s->file;
		pc->hours_at.line = e->line;
	} else if (isnew) {
		policy_diag(x, s, s->line, "missing key \"hours\" (e.g. mon-fri "
		    "09:00-18:00, or 24/7)");
	}
	if ((e = get(s, "holidays_file")) != NULL) {
		pc->holidays_builtin = false;
		pc->holidays_file = NULL;
		if (str_casecmp(e->value, "none") != 0 &&
		    strcmp(e->value, "builtin:fr") != 0) {
			char *path = path_resolve(x->c->dir, e->value);

			pc->holidays_file = policy_astr(p, path);
			free(path);
		} else if (strcmp(e->value, "builtin:fr") == 0) {
			pc->holidays_builtin = true;
		}
		pc->hol_at.file = s->file;
		pc->hol_at.line = e->line;
	}
	if ((e = get(s, "holidays")) != NULL) {
		bool over;

		pc->extra = policy_split(p, e->value, &pc->nextra, 1000, &over);
		if (over)
			policy_diag(x, s, e->line, "holidays: more than 1000 dates");
		pc->extra_at.file = s->file;
		pc->extra_at.line = e->line;
	}
	if ((e = get(s, "day_length")) != NULL) {
		long long v;

		if (duration_parse(&v, e->value) != 0 || v <= 0 || v > 86400)
			policy_diag(x, s, e->line, "day_length: \"%s\" is not a "
			    "duration up to 24h", e->value);
		else
			pc->day_seconds = v;
	}
}

void
policy_read_priority(struct ctx *x, const struct conf_section *s)
{
	static const char *const keys[] = { "acknowledge", "workaround",
		"resolve", NULL };
	struct sla_policy *p = x->p;
	struct pprio *pr;

	if (!need_name(x, s, true))
		return;
	check_keys(x, s, keys);
	pr = policy_find_prio(p, s->name);
	if (pr == NULL) {
		if (p->nprios == SLA_MAX_PRIORITIES) {
			policy_diag(x, s, s->line, "more than %d priorities",
			    SLA_MAX_PRIORITIES);
			return;
		}
		pr = policy_add_prio(p, s->name);
	}
	if (!claim(x, s, &pr->at))
		return;
	/* a new priority without all its keys is reported by resolve() */
	for (int k = 0; k < T_N; k++) {
		const struct conf_entry *e = get(s, target_keys[k]);

		if (e != NULL)
			read_target(x, s, e, &pr->t[k], k != T_ACK);
	}
}

/* reports = none | monthly | quarterly | monthly, quarterly */
static void
read_reports(struct ctx *x, const struct conf_section *s,
    const struct conf_entry *e, struct pplan *pl)
{
	size_t n = 0;
	bool over;
	char **v = policy_split(x->p, e->value, &n, 4, &over);

	pl->reports = 0;
	if (n == 1 && str_casecmp(v[0], "none") == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		if (str_casecmp(v[i], "monthly") == 0)
			pl->reports |= 1u << SLA_REPORT_MONTHLY;
		else if (str_casecmp(v[i], "quarterly") == 0)
			pl->reports |= 1u << SLA_REPORT_QUARTERLY;
		else
			policy_diag(x, s, e->line, "reports: \"%s\": expected "
			    "monthly, quarterly (both, or one) or none", v[i]);
	}
	if (over || n == 0)
		policy_diag(x, s, e->line, "reports: expected monthly, "
		    "quarterly (both, or one) or none");
}

void
policy_read_plan(struct ctx *x, const struct conf_section *s)
{
	static const char *const keys[] = { "calendar", "p1_calendar",
		"oncall", "oncall_webhook", "csm", "csm_on", "rank", "reports",
		NULL };
	struct sla_policy *p = x->p;
	const struct conf_entry *e;
	struct pplan *pl;
	bool over;

	if (!need_name(x, s, true))
		return;
	check_keys(x, s, keys);
	pl = policy_find_plan(p, s->name);
	if (pl == NULL) {
		if (p->nplans == SLA_MAX_PLANS) {
			policy_diag(x, s, s->line, "more than %d plans",
			    SLA_MAX_PLANS);
			return;
		}
		pl = policy_add_plan(p, s->name, (int)p->nplans + 1);
	}
	if (!claim(x, s, &pl->at))
		return;
	if ((e = get(s, "calendar")) != NULL)
		read_name(x, s, e, &pl->cal_name, &pl->cal_at);
	if ((e = get(s, "p1_calendar")) != NULL)
		read_name(x, s, e, &pl->p1_cal_name, &pl->p1_cal_at);
	if ((e = get(s, "oncall")) != NULL) {
		pl->oncall = policy_split(p, e->value, &pl->noncall, SLA_MAX_LIST,
		    &over);
		if (over)
			policy_diag(x, s, e->line, "oncall: more than %d addresses",
			    SLA_MAX_LIST);
		for (size_t i = 0; i < pl->noncall; i++)
			if (!org_valid_address(pl->oncall[i]))
				policy_diag(x, s, e->line, "oncall: \"%s\" is not a "
				    "mail address", pl->oncall[i]);
	}
	if ((e = get(s, "oncall_webhook")) != NULL) {
		if (!policy_is_http_url(e->value))
			policy_diag(x, s, e->line, "oncall_webhook: \"%s\" is not an "
			    "http:// or https:// URL", e->value);
		pl->oncall_webhook = policy_astr(p, e->value);
	}
	if ((e = get(s, "csm")) != NULL) {
		if (!org_valid_address(e->value))
			policy_diag(x, s, e->line, "csm: \"%s\" is not a mail "
			    "address", e->value);
		pl->csm = policy_astr(p, e->value);
	}
	if ((e = get(s, "csm_on")) != NULL) {
		pl->ncsm_on = 0;
		if (str_casecmp(e->value, "none") != 0)
			pl->csm_on = policy_split(p, e->value, &pl->ncsm_on,
			    SLA_MAX_PRIORITIES, &over);
		pl->csm_on_at.file = s->file;
		pl->csm_on_at.line = e->line;
	}
	if ((e = get(s, "reports")) != NULL)
		read_reports(x, s, e, pl);
	if ((e = get(s, "rank")) != NULL) {
		size_t d = strspn(e->value, "0123456789");

		if (d == 0 || d > 6 || e->value[d] != '\0')
			policy_diag(x, s, e->line, "rank: \"%s\" is not a number "
			    "(lower is handled first)", e->value);
		else
			pl->rank = atoi(e->value);
	}
}

void
policy_read_target_section(struct ctx *x, const struct conf_section *s)
{
	static const char *const keys[] = { "acknowledge", "workaround",
		"resolve", "calendar", NULL };
	struct sla_policy *p = x->p;
	const struct conf_entry *e;
	struct ptarget *tg = NULL;

	if (!need_name(x, s, true))
		return;
	check_keys(x, s, keys);
	for (size_t i = 0; i < p->ntargets; i++)
		if (strcmp(p->targets[i].queue, s->name) == 0)
			tg = &p->targets[i];
	if (tg == NULL) {
		if (p->ntargets == SLA_MAX_TARGETS) {
			policy_diag(x, s, s->line, "more than %d [target] sections",
			    SLA_MAX_TARGETS);
			return;
		}
		tg = &p->targets[p->ntargets++];
		memset(tg, 0, sizeof(*tg));
		tg->queue = policy_astr(p, s->name);
		tg->cal = -1;
	}
	if (!claim(x, s, &tg->at))
		return;
	for (int k = 0; k < T_N; k++)
		if ((e = get(s, target_keys[k])) != NULL)
			read_target(x, s, e, &tg->t[k], k != T_ACK);
	if ((e = get(s, "calendar")) != NULL)
		read_name(x, s, e, &tg->cal_name, &tg->cal_at);
}

/* A list of 1 to 64 addresses separated by commas or spaces. */
static bool
report_to_valid(const char *v)
{
	char one[321];
	size_t n = 0;

	for (;;) {
		size_t k;

		v += strspn(v, ", \t");
		if (*v == '\0')
			return n > 0;
		k = strcspn(v, ", \t");
		if (k >= sizeof(one) || ++n > 64)
			return false;
		memcpy(one, v, k);
		one[k] = '\0';
		if (!org_valid_address(one))
			return false;
		v += k;
	}
}

void
policy_read_org(struct ctx *x, const struct conf_section *s)
{
	static const char *const keys[] = { "domains", "addresses", "plan",
		"language", "csm", "report_to", NULL };
	struct org_spec sp;
	struct gc_err err = { 0 };
	const struct conf_entry *rt = get(s, "report_to");

	if (s->name == NULL || *s->name == '\0') {
		policy_diag(x, s, s->line, "needs a name ([%s NAME])", s->type);
		return;
	}
	check_keys(x, s, keys);
	memset(&sp, 0, sizeof(sp));
	sp.name = s->name;
	sp.plan = conf_section_get(s, "plan");
	sp.language = conf_section_get(s, "language");
	sp.csm = conf_section_get(s, "csm");
	sp.domains = conf_section_get(s, "domains");
	sp.addresses = conf_section_get(s, "addresses");
	sp.file = s->file;
	sp.line = s->line;
	sp.config = true;       /* no plan: [sla] default_plan's */
	/* the addresses its monthly and quarterly reports go to */
	if (rt != NULL && !report_to_valid(rt->value))
		policy_diag(x, s, rt->line, "report_to: \"%s\" is not a list "
		    "of mail addresses (a@example.com, b@example.com)",
		    rt->value);
	if (org_table_add(x->p->orgs, &sp, &err) != 0) {
		const char *key = strncmp(err.msg, "domain", 6) == 0 ?
		    "domains" : strncmp(err.msg, "address", 7) == 0 ?
		    "addresses" : strncmp(err.msg, "csm", 3) == 0 ? "csm" :
		    strncmp(err.msg, "language", 8) == 0 ? "language" : NULL;
		const struct conf_entry *e = key ? get(s, key) : NULL;

		policy_diag(x, s, e != NULL ? e->line : s->line, "%s", err.msg);
	}
}

void
policy_read_rules(struct ctx *x, const struct conf_section *s)
{
	static const char *const keys[] = { "file", NULL };
	const struct conf_entry *e;

	if (!need_name(x, s, false))
		return;
	if (x->seen_rules) {
		policy_diag(x, s, s->line, "section repeated (one [rules] only)");
		return;
	}
	x->seen_rules = true;
	check_keys(x, s, keys);
	if ((e = get(s, "file")) != NULL && strcmp(e->value, "builtin") != 0) {
		char *path = path_resolve(x->c->dir, e->value);

		x->p->rules_file = policy_astr(x->p, path);
		free(path);
		x->p->rules_at.file = s->file;
		x->p->rules_at.line = e->line;
	}
}

void
policy_read_route(struct ctx *x, const struct conf_section *s)
{
	static const char *const keys[] = { "queue", "plan", "priority",
		"timer", "level", "to", "webhook_url", "oncall", NULL };
	struct sla_policy *p = x->p;
	const struct conf_entry *e;
	struct proute *rt;
	bool over;

	if (!need_name(x, s, true))
		return;
	check_keys(x, s, keys);
	for (size_t i = 0; i < p->nroutes; i++)
		if (strcmp(p->routes[i].name, s->name) == 0) {
			policy_diag(x, s, s->line, "already defined at %s:%d",
			    p->routes[i].at.file, p->routes[i].at.line);
			return;
		}
	if (p->nroutes == SLA_MAX_ROUTES) {
		policy_diag(x, s, s->line, "more than %d routes", SLA_MAX_ROUTES);
		return;
	}
	p->routes = xrealloc(p->routes, (p->nroutes + 1) * sizeof(*rt));
	rt = &p->routes[p->nroutes++];
	memset(rt, 0, sizeof(*rt));
	rt->name = policy_astr(p, s->name);
	rt->oncall = true;
	rt->at.file = s->file;
	rt->at.line = s->line;
	if ((e = get(s, "queue")) != NULL) {
		rt->queues = policy_split(p, e->value, &rt->nqueues, SLA_MAX_LIST,
		    &over);
		rt->queue_at.file = s->file;
		rt->queue_at.line = e->line;
	}
	if ((e = get(s, "plan")) != NULL) {
		rt->plans = policy_split(p, e->value, &rt->nplans, SLA_MAX_PLANS,
		    &over);
		rt->plan_at.file = s->file;
		rt->plan_at.line = e->line;
	}
	if ((e = get(s, "priority")) != NULL) {
		rt->prios = policy_split(p, e->value, &rt->nprios,
		    SLA_MAX_PRIORITIES, &over);
		rt->prio_at.file = s->file;
		rt->prio_at.line = e->line;
	}
	if ((e = get(s, "timer")) != NULL) {
		size_t n;
		char **v = policy_split(p, e->value, &n, SLA_TIMER_COUNT * 2, &over);

		for (size_t i = 0; i < n; i++) {
			enum sla_timer_kind k;

			if (sla_timer_kind_parse(&k, v[i]) != 0)
				policy_diag(x, s, e->line, "timer: \"%s\" is not a "
				    "timer (acknowledge, workaround, resolve, "
				    "update, rca)", v[i]);
			else
				rt->kinds |= 1u << k;
		}
	}
	if ((e = get(s, "level")) != NULL) {
		size_t n;
		char **v = policy_split(p, e->value, &n, 4, &over);

		for (size_t i = 0; i < n; i++) {
			if (str_casecmp(v[i], "warning") == 0)
				rt->levels |= 1u << SLA_LEVEL_WARNING;
			else if (str_casecmp(v[i], "breach") == 0)
				rt->levels |= 1u << SLA_LEVEL_BREACH;
			else
				policy_diag(x, s, e->line, "level: \"%s\" is not a "
				    "level (warning, breach)", v[i]);
		}
	}
	if ((e = get(s, "to")) != NULL) {
		rt->to = policy_split(p, e->value, &rt->nto, SLA_MAX_LIST, &over);
		if (over)
			policy_diag(x, s, e->line, "to: more than %d addresses",
			    SLA_MAX_LIST);
		for (size_t i = 0; i < rt->nto; i++)
			if (!org_valid_address(rt->to[i]))
				policy_diag(x, s, e->line, "to: \"%s\" is not a mail "
				    "address", rt->to[i]);
	}
	if ((e = get(s, "webhook_url")) != NULL) {
		if (!policy_is_http_url(e->value))
			policy_diag(x, s, e->line, "webhook_url: \"%s\" is not an "
			    "http:// or https:// URL", e->value);
		rt->webhook = policy_astr(p, e->value);
	}
	if ((e = get(s, "oncall")) != NULL) {
		if (!str_casecmp(e->value, "yes") ||
		    !str_casecmp(e->value, "true") ||
		    !str_casecmp(e->value, "on") || !strcmp(e->value, "1"))
			rt->oncall = true;
		else if (!str_casecmp(e->value, "no") ||
		    !str_casecmp(e->value, "false") ||
		    !str_casecmp(e->value, "off") || !strcmp(e->value, "0"))
			rt->oncall = false;
		else
			policy_diag(x, s, e->line, "oncall: \"%s\" is not yes or no",
			    e->value);
	}
	if (rt->nto == 0 && rt->webhook == NULL)
		policy_diag(x, s, s->line, "sends nowhere: needs \"to\" or "
		    "\"webhook_url\"");
}
