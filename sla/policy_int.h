/*
 * policy_int.h - what the files of the SLA policy share (not an API)
 *
 * The policy is loaded by policy.c (the built-in policy, building the
 * calendars, resolving names), which reads the config's sections with
 * policy_read.c; policy_eval.c answers from the loaded policy (the
 * timers of a ticket, qualification, routes). They share the policy's
 * layout below and the functions declared here; nothing outside sla/
 * includes this file.
 */
#ifndef GUICHET_SLA_POLICY_INT_H
#define GUICHET_SLA_POLICY_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/mem.h"
#include "sla/policy.h"

#define MAX_TARGET (10LL * 366 * 86400)     /* ten years, any unit */

enum { T_ACK, T_WORKAROUND, T_RESOLVE, T_N };

static const char *const target_keys[T_N] = { "acknowledge", "workaround",
	"resolve" };

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
	unsigned reports;               /* 1u << SLA_REPORT_* */
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

/* ----- policy.c ---------------------------------------------------- */

/* A copy of s in the policy's arena (NULL stays NULL). */
char *policy_astr(struct sla_policy *p, const char *s);
/* Report a problem of section s (line 0: the section's). */
void policy_diag(struct ctx *x, const struct conf_section *s, int line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
bool policy_is_name(const char *s);
/* Split a list on commas and blanks into arena strings. */
char **policy_split(struct sla_policy *p, const char *v, size_t *n_r,
    size_t max, bool *over_r);
bool policy_is_http_url(const char *s);
bool policy_list_has(char *const *v, size_t n, const char *s);
struct pprio *policy_add_prio(struct sla_policy *p, const char *name);
struct pplan *policy_add_plan(struct sla_policy *p, const char *name,
    int rank);
struct pcal *policy_add_cal(struct sla_policy *p, const char *name);
bool policy_queue_known(const struct sla_policy *p, const char *q);

/* ----- policy_read.c ----------------------------------------------- */

/* The seconds of a target on a calendar. */
long long policy_target_seconds(const struct target *t,
    const struct calendar *cal);
struct pcal *policy_find_cal(struct sla_policy *p, const char *name,
    int *idx_r);
struct pplan *policy_find_plan(const struct sla_policy *p,
    const char *name);
struct pprio *policy_find_prio(const struct sla_policy *p,
    const char *name);
/* One section each: syntax checked, names stored for resolve(). */
void policy_read_sla(struct ctx *x, const struct conf_section *s);
void policy_read_calendar(struct ctx *x, const struct conf_section *s);
void policy_read_priority(struct ctx *x, const struct conf_section *s);
void policy_read_plan(struct ctx *x, const struct conf_section *s);
void policy_read_target_section(struct ctx *x,
    const struct conf_section *s);
void policy_read_org(struct ctx *x, const struct conf_section *s);
void policy_read_rules(struct ctx *x, const struct conf_section *s);
void policy_read_route(struct ctx *x, const struct conf_section *s);

#endif
