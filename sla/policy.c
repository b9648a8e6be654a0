/*
 * policy.c - the SLA policy: loading it from the config, the timers of a
 * ticket, escalation routes (see policy.h)
 *
 * Loading runs in four steps: the built-in policy of policy.md is set up
 * first (default_policy()); then every SLA section of the config, in file
 * order, overrides or adds to it (read_*(), which only check syntax and
 * store names); then the calendars are built (zones through the loader,
 * hours, holidays); last, every name a section refers to (calendars,
 * plans, priorities, queues) is resolved, and the rules are loaded and
 * checked against the priorities and queues. Each step reports what is
 * wrong with file:line and goes on, so check-config shows every problem
 * at once.
 *
 * Invariants once loaded: every plan has calendar indexes that are valid;
 * every priority has its three targets set (possibly to "none"); the
 * default plan, default priority and [sla] calendar exist; strings live
 * in the policy's arena. The policy is never modified afterwards.
 */
#include "sla/policy.h"

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
#define MAX_TARGET (10LL * 366 * 86400)     /* ten years, any unit */

enum { T_ACK, T_WORKAROUND, T_RESOLVE, T_N };

static const char *const target_keys[T_N] = { "acknowledge", "workaround",
	"resolve" };

static const char *const kind_names[SLA_TIMER_COUNT] = { "acknowledge",
	"workaround", "resolve", "update", "rca" };

/* A target as written: an amount of seconds, business days or weeks. */
struct target {
	bool set;
	bool none;
	long long amount;
	char unit;              /* 's', 'd' or 'w' */
};

struct where {
	const char *file;
	int line;
};

struct pcal {
	char *name;
	char *zone;             /* NULL: UTC (24/7 calendars) */
	char *hours;
	char *holidays_file;    /* resolved path, or NULL */
	bool holidays_builtin;
	char **extra;           /* "YYYY-MM-DD" */
	size_t nextra;
	long long day_seconds;  /* 0: the calendar's own rule */
	struct where at, zone_at, hours_at, hol_at, extra_at;
	struct calendar *cal;
};

struct pprio {
	char *name;
	struct target t[T_N];
	struct where at;
};

struct pplan {
	char *name;
	char *cal_name, *p1_cal_name;   /* NULL: [sla] calendar, cal */
	int cal, p1_cal;
	char **oncall;
	size_t noncall;
	char *oncall_webhook;
	char *csm;
	char **csm_on;
	size_t ncsm_on;
	int rank;
	struct where at, cal_at, p1_cal_at, csm_on_at;
};

struct ptarget {
	char *queue;
	struct target t[T_N];
	char *cal_name;
	int cal;
	struct where at, cal_at;
};

struct proute {
	char *name;
	char **queues, **plans, **prios;
	size_t nqueues, nplans, nprios;
	unsigned kinds;         /* bit per sla_timer_kind; 0: any */
	unsigned levels;        /* bit per sla_level; 0: any */
	char **to;
	size_t nto;
	char *webhook;
	bool oncall;
	struct where at, plan_at, prio_at, queue_at;
};

struct pqueue {
	char *name;
	char **escalation;
	size_t nescalation;
	char *webhook;
	char **agents;
	size_t nagents;
};

struct sla_policy {
	struct sla_settings set;
	struct target p1_update;        /* none: no update reminders */
	struct target rca_due;          /* none: no RCA timer */
	struct where sla_at, set_cal_at, set_plan_at, set_prio_at;
	struct pcal cals[SLA_MAX_CALENDARS];
	size_t ncals;
	struct pprio prios[SLA_MAX_PRIORITIES];
	size_t nprios;
	struct pplan plans[SLA_MAX_PLANS];
	size_t nplans;
	struct ptarget targets[SLA_MAX_TARGETS];
	size_t ntargets;
	struct proute *routes;
	size_t nroutes;
	struct pqueue *queues;
	size_t nqueues;
	char *zone_names[SLA_MAX_CALENDARS];
	struct tz *zones[SLA_MAX_CALENDARS];   /* NULL entry: tz_utc() */
	size_t nzones;
	char *rules_file;       /* resolved path, NULL: built-in */
	struct where rules_at;
	struct rules *rules;
	struct org_table *orgs;
	struct arena arena;
};

/* Loading state. */
struct ctx {
	struct sla_policy *p;
	const struct conf *c;
	const struct sla_loader *ld;
	struct conf_diag *d;
	bool seen_sla, seen_rules;
};

/* ----- Small helpers ----------------------------------------------- */

static char *
astr(struct sla_policy *p, const char *s)
{
	return s != NULL ? arena_strdup(&p->arena, s) : NULL;
}

static void
diag(struct ctx *x, const struct conf_section *s, int line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
diag(struct ctx *x, const struct conf_section *s, int line,
    const char *fmt, ...)
{
	char msg[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s->name != NULL)
		conf_diag_add(x->d, s->file, line, "[%s %s] %s", s->type,
		    s->name, msg);
	else
		conf_diag_add(x->d, s->file, line, "[%s] %s", s->type, msg);
}

static bool
is_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > SLA_MAX_NAME)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		    *s == '.'))
			return false;
	return true;
}

/* Split a list on commas and blanks into arena strings. */
static char **
split(struct sla_policy *p, const char *v, size_t *n_r, size_t max,
    bool *over_r)
{
	char **out = arena_alloc(&p->arena, (max + 1) * sizeof(char *));
	size_t n = 0;

	*over_r = false;
	while (*v) {
		size_t k;

		while (*v == ',' || *v == ' ' || *v == '\t')
			v++;
		k = strcspn(v, ", \t");
		if (k == 0)
			break;
		if (n == max) {
			*over_r = true;
			break;
		}
		out[n++] = arena_strndup(&p->arena, v, k);
		v += k;
	}
	*n_r = n;
	return out;
}

static bool
is_http_url(const char *s)
{
	return (str_casestarts(s, "http://") && s[7] != '\0') ||
	    (str_casestarts(s, "https://") && s[8] != '\0');
}

static bool
list_has(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (str_casecmp(v[i], s) == 0)
			return true;
	return false;
}

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
static long long
target_seconds(const struct target *t, const struct calendar *cal)
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
		diag(x, s, e->line, "%s: \"%s\" is not a target (e.g. 15m, "
		    "4h, 2d%s)", e->key, e->value, allow_none ? ", none" : "");
		return false;
	}
	*t = nt;
	return true;
}

/* ----- The built-in policy ----------------------------------------- */

static void
set_target(struct target *t, long long amount, char unit)
{
	t->set = true;
	t->none = amount == 0;
	t->amount = amount;
	t->unit = unit;
}

static struct pprio *
add_prio(struct sla_policy *p, const char *name)
{
	struct pprio *pr = &p->prios[p->nprios++];

	memset(pr, 0, sizeof(*pr));
	pr->name = astr(p, name);
	return pr;
}

static struct pplan *
add_plan(struct sla_policy *p, const char *name, int rank)
{
	struct pplan *pl = &p->plans[p->nplans++];

	memset(pl, 0, sizeof(*pl));
	pl->name = astr(p, name);
	pl->rank = rank;
	pl->cal = pl->p1_cal = -1;
	return pl;
}

static struct pcal *
add_cal(struct sla_policy *p, const char *name)
{
	struct pcal *pc = &p->cals[p->ncals++];

	memset(pc, 0, sizeof(*pc));
	pc->name = astr(p, name);
	return pc;
}

static void
default_policy(struct sla_policy *p)
{
	struct pcal *pc;
	struct pprio *pr;
	struct pplan *pl;
	struct ptarget *tg;

	p->set.default_plan = astr(p, "Basic");
	p->set.default_priority = astr(p, "P3");
	p->set.calendar = astr(p, "business");
	p->set.warn_permille = 800;
	p->set.auto_close_after = 7 * 86400;
	set_target(&p->p1_update, 3600, 's');
	set_target(&p->rca_due, 5, 'd');

	pc = add_cal(p, "business");
	pc->zone = astr(p, "Europe/Paris");
	pc->hours = astr(p, "mon-fri 09:00-18:00");
	pc->holidays_builtin = true;
	pc = add_cal(p, "24x7");
	pc->hours = astr(p, "24/7");

	pr = add_prio(p, "P1");
	set_target(&pr->t[T_ACK], 15 * 60, 's');
	set_target(&pr->t[T_WORKAROUND], 2 * 3600, 's');
	set_target(&pr->t[T_RESOLVE], 8 * 3600, 's');
	pr = add_prio(p, "P2");
	set_target(&pr->t[T_ACK], 3600, 's');
	set_target(&pr->t[T_WORKAROUND], 4 * 3600, 's');
	set_target(&pr->t[T_RESOLVE], 2, 'd');
	pr = add_prio(p, "P3");
	set_target(&pr->t[T_ACK], 4 * 3600, 's');
	set_target(&pr->t[T_WORKAROUND], 0, 's');
	set_target(&pr->t[T_RESOLVE], 5, 'd');

	add_plan(p, "Basic", 3);
	add_plan(p, "Pro", 2);
	pl = add_plan(p, "Enterprise", 1);
	pl->p1_cal_name = astr(p, "24x7");
	pl->csm_on = arena_alloc(&p->arena, sizeof(char *));
	pl->csm_on[0] = astr(p, "P1");
	pl->ncsm_on = 1;

	tg = &p->targets[p->ntargets++];
	memset(tg, 0, sizeof(*tg));
	tg->queue = astr(p, "security");
	set_target(&tg->t[T_ACK], 24 * 3600, 's');
	tg->cal = -1;
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
			diag(x, s, e->line, "unknown key \"%s\" (%s)", e->key,
			    buf_str(&list));
		}
		buf_free(&list);
		for (size_t j = 0; j < i; j++)
			if (strcmp(s->entries[j].key, e->key) == 0) {
				diag(x, s, e->line, "%s: already set at line "
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
	if (want && (s->name == NULL || !is_name(s->name))) {
		diag(x, s, s->line, "needs a name: letters, digits, - _ . "
		    "up to %d bytes ([%s NAME])", SLA_MAX_NAME, s->type);
		return false;
	}
	if (!want && s->name != NULL) {
		diag(x, s, s->line, "takes no name");
		return false;
	}
	return true;
}

static bool
read_name(struct ctx *x, const struct conf_section *s,
    const struct conf_entry *e, char **out, struct where *at)
{
	if (!is_name(e->value)) {
		diag(x, s, e->line, "%s: \"%s\" is not a name (letters, "
		    "digits, - _ .)", e->key, e->value);
		return false;
	}
	*out = astr(x->p, e->value);
	if (at != NULL) {
		at->file = s->file;
		at->line = e->line;
	}
	return true;
}

static void
read_sla(struct ctx *x, const struct conf_section *s)
{
	static const char *const keys[] = { "warn_at", "default_plan",
		"default_priority", "calendar", "p1_update_every", "rca_due",
		"auto_close_after", NULL };
	struct sla_policy *p = x->p;
	const struct conf_entry *e;
	char *name;

	if (!need_name(x, s, false))
		return;
	if (x->seen_sla) {
		diag(x, s, s->line, "section repeated (one [sla] only)");
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
			diag(x, s, e->line, "warn_at: \"%s\" is not a fraction "
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
	if ((e = get(s, "auto_close_after")) != NULL) {
		long long v;

		if (str_casecmp(e->value, "never") == 0 ||
		    str_casecmp(e->value, "none") == 0)
			p->set.auto_close_after = 0;
		else if (duration_parse(&v, e->value) != 0 || v <= 0 ||
		    v > MAX_TARGET)
			diag(x, s, e->line, "auto_close_after: \"%s\" is not a "
			    "duration (e.g. 7d, or never)", e->value);
		else
			p->set.auto_close_after = v;
	}
}

static struct pcal *
find_cal(struct sla_policy *p, const char *name, int *idx_r)
{
	for (size_t i = 0; i < p->ncals; i++)
		if (strcmp(p->cals[i].name, name) == 0) {
			if (idx_r != NULL)
				*idx_r = (int)i;
			return &p->cals[i];
		}
	return NULL;
}

static struct pplan *
find_plan(const struct sla_policy *p, const char *name)
{
	for (size_t i = 0; i < p->nplans; i++)
		if (str_casecmp(p->plans[i].name, name) == 0)
			return (struct pplan *)&p->plans[i];
	return NULL;
}

static struct pprio *
find_prio(const struct sla_policy *p, const char *name)
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
		diag(x, s, s->line, "already defined at %s:%d", at->file,
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

static void
read_calendar(struct ctx *x, const struct conf_section *s)
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
	pc = find_cal(p, s->name, NULL);
	isnew = pc == NULL;
	if (isnew) {
		if (p->ncals == SLA_MAX_CALENDARS) {
			diag(x, s, s->line, "more than %d calendars",
			    SLA_MAX_CALENDARS);
			return;
		}
		pc = add_cal(p, s->name);
		pc->zone = astr(p, "Europe/Paris");
	}
	if (!claim(x, s, &pc->at))
		return;
	if ((e = get(s, "timezone")) != NULL) {
		if (!valid_zone(e->value)) {
			/* never handed to the loader */
			diag(x, s, e->line, "timezone: \"%s\" is not a zone "
			    "name (e.g. Europe/Paris, UTC)", e->value);
		} else {
			pc->zone = astr(p, e->value);
			pc->zone_at.file = s->file;
			pc->zone_at.line = e->line;
		}
	}
	if ((e = get(s, "hours")) != NULL) {
		pc->hours = astr(p, e->value);
		pc->hours_at.file = s->file;
		pc->hours_at.line = e->line;
	} else if (isnew) {
		diag(x, s, s->line, "missing key \"hours\" (e.g. mon-fri "
		    "09:00-18:00, or 24/7)");
	}
	if ((e = get(s, "holidays_file")) != NULL) {
		pc->holidays_builtin = false;
		pc->holidays_file = NULL;
		if (str_casecmp(e->value, "none") != 0 &&
		    strcmp(e->value, "builtin:fr") != 0) {
			char *path = path_resolve(x->c->dir, e->value);

			pc->holidays_file = astr(p, path);
			free(path);
		} else if (strcmp(e->value, "builtin:fr") == 0) {
			pc->holidays_builtin = true;
		}
		pc->hol_at.file = s->file;
		pc->hol_at.line = e->line;
	}
	if ((e = get(s, "holidays")) != NULL) {
		bool over;

		pc->extra = split(p, e->value, &pc->nextra, 1000, &over);
		if (over)
			diag(x, s, e->line, "holidays: more than 1000 dates");
		pc->extra_at.file = s->file;
		pc->extra_at.line = e->line;
	}
	if ((e = get(s, "day_length")) != NULL) {
		long long v;

		if (duration_parse(&v, e->value) != 0 || v <= 0 || v > 86400)
			diag(x, s, e->line, "day_length: \"%s\" is not a "
			    "duration up to 24h", e->value);
		else
			pc->day_seconds = v;
	}
}

static void
read_priority(struct ctx *x, const struct conf_section *s)
{
	static const char *const keys[] = { "acknowledge", "workaround",
		"resolve", NULL };
	struct sla_policy *p = x->p;
	struct pprio *pr;

	if (!need_name(x, s, true))
		return;
	check_keys(x, s, keys);
	pr = find_prio(p, s->name);
	if (pr == NULL) {
		if (p->nprios == SLA_MAX_PRIORITIES) {
			diag(x, s, s->line, "more than %d priorities",
			    SLA_MAX_PRIORITIES);
			return;
		}
		pr = add_prio(p, s->name);
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

static void
read_plan(struct ctx *x, const struct conf_section *s)
{
	static const char *const keys[] = { "calendar", "p1_calendar",
		"oncall", "oncall_webhook", "csm", "csm_on", "rank", NULL };
	struct sla_policy *p = x->p;
	const struct conf_entry *e;
	struct pplan *pl;
	bool over;

	if (!need_name(x, s, true))
		return;
	check_keys(x, s, keys);
	pl = find_plan(p, s->name);
	if (pl == NULL) {
		if (p->nplans == SLA_MAX_PLANS) {
			diag(x, s, s->line, "more than %d plans",
			    SLA_MAX_PLANS);
			return;
		}
		pl = add_plan(p, s->name, (int)p->nplans + 1);
	}
	if (!claim(x, s, &pl->at))
		return;
	if ((e = get(s, "calendar")) != NULL)
		read_name(x, s, e, &pl->cal_name, &pl->cal_at);
	if ((e = get(s, "p1_calendar")) != NULL)
		read_name(x, s, e, &pl->p1_cal_name, &pl->p1_cal_at);
	if ((e = get(s, "oncall")) != NULL) {
		pl->oncall = split(p, e->value, &pl->noncall, SLA_MAX_LIST,
		    &over);
		if (over)
			diag(x, s, e->line, "oncall: more than %d addresses",
			    SLA_MAX_LIST);
		for (size_t i = 0; i < pl->noncall; i++)
			if (!org_valid_address(pl->oncall[i]))
				diag(x, s, e->line, "oncall: \"%s\" is not a "
				    "mail address", pl->oncall[i]);
	}
	if ((e = get(s, "oncall_webhook")) != NULL) {
		if (!is_http_url(e->value))
			diag(x, s, e->line, "oncall_webhook: \"%s\" is not an "
			    "http:// or https:// URL", e->value);
		pl->oncall_webhook = astr(p, e->value);
	}
	if ((e = get(s, "csm")) != NULL) {
		if (!org_valid_address(e->value))
			diag(x, s, e->line, "csm: \"%s\" is not a mail "
			    "address", e->value);
		pl->csm = astr(p, e->value);
	}
	if ((e = get(s, "csm_on")) != NULL) {
		pl->ncsm_on = 0;
		if (str_casecmp(e->value, "none") != 0)
			pl->csm_on = split(p, e->value, &pl->ncsm_on,
			    SLA_MAX_PRIORITIES, &over);
		pl->csm_on_at.file = s->file;
		pl->csm_on_at.line = e->line;
	}
	if ((e = get(s, "rank")) != NULL) {
		size_t d = strspn(e->value, "0123456789");

		if (d == 0 || d > 6 || e->value[d] != '\0')
			diag(x, s, e->line, "rank: \"%s\" is not a number "
			    "(lower is handled first)", e->value);
		else
			pl->rank = atoi(e->value);
	}
}

static void
read_target_section(struct ctx *x, const struct conf_section *s)
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
			diag(x, s, s->line, "more than %d [target] sections",
			    SLA_MAX_TARGETS);
			return;
		}
		tg = &p->targets[p->ntargets++];
		memset(tg, 0, sizeof(*tg));
		tg->queue = astr(p, s->name);
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

static void
read_org(struct ctx *x, const struct conf_section *s)
{
	static const char *const keys[] = { "domains", "addresses", "plan",
		"language", "csm", NULL };
	struct org_spec sp;
	struct gc_err err = { 0 };

	if (s->name == NULL || *s->name == '\0') {
		diag(x, s, s->line, "needs a name ([%s NAME])", s->type);
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
	if (sp.plan == NULL) {
		diag(x, s, s->line, "missing key \"plan\"");
		return;
	}
	if (org_table_add(x->p->orgs, &sp, &err) != 0) {
		const char *key = strncmp(err.msg, "domain", 6) == 0 ?
		    "domains" : strncmp(err.msg, "address", 7) == 0 ?
		    "addresses" : strncmp(err.msg, "csm", 3) == 0 ? "csm" :
		    strncmp(err.msg, "language", 8) == 0 ? "language" : NULL;
		const struct conf_entry *e = key ? get(s, key) : NULL;

		diag(x, s, e != NULL ? e->line : s->line, "%s", err.msg);
	}
}

static void
read_rules(struct ctx *x, const struct conf_section *s)
{
	static const char *const keys[] = { "file", NULL };
	const struct conf_entry *e;

	if (!need_name(x, s, false))
		return;
	if (x->seen_rules) {
		diag(x, s, s->line, "section repeated (one [rules] only)");
		return;
	}
	x->seen_rules = true;
	check_keys(x, s, keys);
	if ((e = get(s, "file")) != NULL && strcmp(e->value, "builtin") != 0) {
		char *path = path_resolve(x->c->dir, e->value);

		x->p->rules_file = astr(x->p, path);
		free(path);
		x->p->rules_at.file = s->file;
		x->p->rules_at.line = e->line;
	}
}

static void
read_route(struct ctx *x, const struct conf_section *s)
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
			diag(x, s, s->line, "already defined at %s:%d",
			    p->routes[i].at.file, p->routes[i].at.line);
			return;
		}
	if (p->nroutes == SLA_MAX_ROUTES) {
		diag(x, s, s->line, "more than %d routes", SLA_MAX_ROUTES);
		return;
	}
	p->routes = xrealloc(p->routes, (p->nroutes + 1) * sizeof(*rt));
	rt = &p->routes[p->nroutes++];
	memset(rt, 0, sizeof(*rt));
	rt->name = astr(p, s->name);
	rt->oncall = true;
	rt->at.file = s->file;
	rt->at.line = s->line;
	if ((e = get(s, "queue")) != NULL) {
		rt->queues = split(p, e->value, &rt->nqueues, SLA_MAX_LIST,
		    &over);
		rt->queue_at.file = s->file;
		rt->queue_at.line = e->line;
	}
	if ((e = get(s, "plan")) != NULL) {
		rt->plans = split(p, e->value, &rt->nplans, SLA_MAX_PLANS,
		    &over);
		rt->plan_at.file = s->file;
		rt->plan_at.line = e->line;
	}
	if ((e = get(s, "priority")) != NULL) {
		rt->prios = split(p, e->value, &rt->nprios,
		    SLA_MAX_PRIORITIES, &over);
		rt->prio_at.file = s->file;
		rt->prio_at.line = e->line;
	}
	if ((e = get(s, "timer")) != NULL) {
		size_t n;
		char **v = split(p, e->value, &n, SLA_TIMER_COUNT * 2, &over);

		for (size_t i = 0; i < n; i++) {
			enum sla_timer_kind k;

			if (sla_timer_kind_parse(&k, v[i]) != 0)
				diag(x, s, e->line, "timer: \"%s\" is not a "
				    "timer (acknowledge, workaround, resolve, "
				    "update, rca)", v[i]);
			else
				rt->kinds |= 1u << k;
		}
	}
	if ((e = get(s, "level")) != NULL) {
		size_t n;
		char **v = split(p, e->value, &n, 4, &over);

		for (size_t i = 0; i < n; i++) {
			if (str_casecmp(v[i], "warning") == 0)
				rt->levels |= 1u << SLA_LEVEL_WARNING;
			else if (str_casecmp(v[i], "breach") == 0)
				rt->levels |= 1u << SLA_LEVEL_BREACH;
			else
				diag(x, s, e->line, "level: \"%s\" is not a "
				    "level (warning, breach)", v[i]);
		}
	}
	if ((e = get(s, "to")) != NULL) {
		rt->to = split(p, e->value, &rt->nto, SLA_MAX_LIST, &over);
		if (over)
			diag(x, s, e->line, "to: more than %d addresses",
			    SLA_MAX_LIST);
		for (size_t i = 0; i < rt->nto; i++)
			if (!org_valid_address(rt->to[i]))
				diag(x, s, e->line, "to: \"%s\" is not a mail "
				    "address", rt->to[i]);
	}
	if ((e = get(s, "webhook_url")) != NULL) {
		if (!is_http_url(e->value))
			diag(x, s, e->line, "webhook_url: \"%s\" is not an "
			    "http:// or https:// URL", e->value);
		rt->webhook = astr(p, e->value);
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
			diag(x, s, e->line, "oncall: \"%s\" is not yes or no",
			    e->value);
	}
	if (rt->nto == 0 && rt->webhook == NULL)
		diag(x, s, s->line, "sends nowhere: needs \"to\" or "
		    "\"webhook_url\"");
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
	p->zone_names[p->nzones] = astr(p, name);
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
	if (find_cal(x->p, name, idx_r) == NULL) {
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

static bool
queue_known(const struct sla_policy *p, const char *q)
{
	for (size_t i = 0; i < p->nqueues; i++)
		if (strcmp(p->queues[i].name, q) == 0)
			return true;
	return false;
}

static void
copy_queues(struct sla_policy *p, const struct conf *c)
{
	size_t max = c->nqueues + c->nmailboxes;

	p->queues = xcalloc(max ? max : 1, sizeof(*p->queues));
	for (size_t i = 0; i < max; i++) {
		const char *name = i < c->nqueues ? c->queues[i].name :
		    c->mailboxes[i - c->nqueues].queue;
		const struct conf_queue *cq;
		struct pqueue *q;

		if (name == NULL || queue_known(p, name))
			continue;
		q = &p->queues[p->nqueues++];
		q->name = astr(p, name);
		if ((cq = conf_queue(c, name)) != NULL) {
			q->escalation = arena_alloc(&p->arena,
			    (cq->escalation_to.n + 1) * sizeof(char *));
			for (size_t k = 0; k < cq->escalation_to.n; k++)
				q->escalation[q->nescalation++] = astr(p,
				    cq->escalation_to.v[k]);
			q->webhook = astr(p, cq->webhook_url);
		}
		q->agents = arena_alloc(&p->arena,
		    (c->nagents + 1) * sizeof(char *));
		for (size_t a = 0; a < c->nagents; a++)
			if (list_has(c->agents[a].queues.v,
			    c->agents[a].queues.n, name))
				q->agents[q->nagents++] = astr(p,
				    c->agents[a].address);
	}
}

static void
check_prio_name(struct ctx *x, const char *name, const struct where *at,
    const char *what)
{
	if (find_prio(x->p, name) == NULL)
		file_diag(x, at, "%s: \"%s\" is not a priority of the policy "
		    "([priority NAME]; built in: P1, P2, P3)", what, name);
}

static void
check_plan_name(struct ctx *x, const char *name, const struct where *at,
    const char *what)
{
	if (find_plan(x->p, name) == NULL)
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
	if (find_plan(p, p->set.default_plan) != NULL)
		p->set.default_plan = find_plan(p, p->set.default_plan)->name;
	if (find_prio(p, p->set.default_priority) != NULL)
		p->set.default_priority = find_prio(p,
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
		if (tg->at.file != NULL && !queue_known(p, tg->queue))
			file_diag(x, &tg->at, "[target %s]: no queue \"%s\" "
			    "(neither a [queue] section nor a mailbox's "
			    "queue)", tg->queue, tg->queue);
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
			if (!queue_known(p, rt->queues[k]))
				file_diag(x, &rt->queue_at, "[route %s] queue: "
				    "no queue \"%s\"", rt->name,
				    rt->queues[k]);
	}
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
		if (ri.priority != NULL && find_prio(p, ri.priority) == NULL)
			conf_diag_add(x->d, ri.file, ri.priority_line,
			    "rule %s: priority \"%s\" is not a priority of the "
			    "policy", ri.name, ri.priority);
		if (ri.queue != NULL && p->rules_file != NULL &&
		    !queue_known(p, ri.queue))
			conf_diag_add(x->d, ri.file, ri.queue_line, "rule %s: "
			    "no queue \"%s\" (neither a [queue] section nor a "
			    "mailbox's queue)", ri.name, ri.queue);
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
			read_sla(&x, s);
		else if (strcmp(s->type, "calendar") == 0)
			read_calendar(&x, s);
		else if (strcmp(s->type, "priority") == 0)
			read_priority(&x, s);
		else if (strcmp(s->type, "plan") == 0)
			read_plan(&x, s);
		else if (strcmp(s->type, "target") == 0)
			read_target_section(&x, s);
		else if (strcmp(s->type, "organisation") == 0 ||
		    strcmp(s->type, "organization") == 0)
			read_org(&x, s);
		else if (strcmp(s->type, "rules") == 0)
			read_rules(&x, s);
		else if (strcmp(s->type, "route") == 0)
			read_route(&x, s);
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

/* ----- Reading ----------------------------------------------------- */

const struct sla_settings *
sla_policy_settings(const struct sla_policy *p)
{
	return &p->set;
}

const char *
sla_policy_plan_name(const struct sla_policy *p, const char *name)
{
	const struct pplan *pl = name ? find_plan(p, name) : NULL;

	return pl != NULL ? pl->name : NULL;
}

const char *
sla_policy_priority_name(const struct sla_policy *p, const char *name)
{
	const struct pprio *pr = name ? find_prio(p, name) : NULL;

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
	const struct pplan *pl = name ? find_plan(p, name) : NULL;

	return pl != NULL ? pl : find_plan(p, p->set.default_plan);
}

static const struct pprio *
prio_or_default(const struct sla_policy *p, const char *name)
{
	const struct pprio *pr = name ? find_prio(p, name) : NULL;

	return pr != NULL ? pr : find_prio(p, p->set.default_priority);
}

int
sla_policy_plan_rank(const struct sla_policy *p, const char *plan)
{
	return plan_or_default(p, plan)->rank;
}

const struct calendar *
sla_policy_calendar(const struct sla_policy *p, const char *name)
{
	for (size_t i = 0; i < p->ncals; i++)
		if (strcmp(p->cals[i].name, name) == 0)
			return p->cals[i].cal;
	return NULL;
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
		if (queue_known(p, out->rules.queue)) {
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

	if (!list_has(pl->csm_on, pl->ncsm_on, pr->name))
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

const char *
sla_timer_kind_name(enum sla_timer_kind k)
{
	return (unsigned)k < SLA_TIMER_COUNT ? kind_names[k] : "?";
}

int
sla_timer_kind_parse(enum sla_timer_kind *out, const char *s)
{
	for (int k = 0; k < SLA_TIMER_COUNT; k++)
		if (str_casecmp(s, kind_names[k]) == 0) {
			*out = (enum sla_timer_kind)k;
			return 0;
		}
	return GC_EINVAL;
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
	long long secs = target_seconds(tg, pc->cal);
	int rc;

	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->name = kind_names[kind];
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
		rc = timer_fill(&out[n], SLA_TIMER_RCA, p, base, &p->rca_due,
		    st->resolved_at, NULL, 0, st->rca_sent_at, err);
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
	return n == 0 || (s != NULL && list_has(v, n, s));
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

static void
route_hook(struct sla_route *out, const char *url)
{
	for (size_t i = 0; i < out->nwebhooks; i++)
		if (strcmp(out->webhooks[i], url) == 0)
			return;
	if (out->nwebhooks < SLA_ROUTE_MAX_WEBHOOKS)
		out->webhooks[out->nwebhooks++] = url;
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
