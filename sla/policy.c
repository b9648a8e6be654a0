/*
 * policy.c - what every part of the policy code shares: small helpers of
 * reading (names, lists, diagnostics), adding a priority, plan or
 * calendar, and the names of the timer kinds (see policy.h, policy_int.h)
 *
 * The policy is loaded by policy_load.c, its sections read by
 * policy_read.c, its answers given by policy_eval.c; all of them call
 * down to this file, and this file calls none of them.
 */
#include "sla/policy_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/mem.h"
#include "common/util.h"

static const char *const kind_names[SLA_TIMER_COUNT] = { "acknowledge",
	"workaround", "resolve", "update", "rca" };

char *
policy_astr(struct sla_policy *p, const char *s)
{
	return s != NULL ? arena_strdup(&p->arena, s) : NULL;
}

void
policy_diag(struct ctx *x, const struct conf_section *s, int line,
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

bool
policy_is_name(const char *s)
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
char **
policy_split(struct sla_policy *p, const char *v, size_t *n_r, size_t max,
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

bool
policy_is_http_url(const char *s)
{
	return (str_casestarts(s, "http://") && s[7] != '\0') ||
	    (str_casestarts(s, "https://") && s[8] != '\0');
}

bool
policy_list_has(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (str_casecmp(v[i], s) == 0)
			return true;
	return false;
}

struct pprio *
policy_add_prio(struct sla_policy *p, const char *name)
{
	struct pprio *pr = &p->prios[p->nprios++];

	memset(pr, 0, sizeof(*pr));
	pr->name = policy_astr(p, name);
	return pr;
}

struct pplan *
policy_add_plan(struct sla_policy *p, const char *name, int rank)
{
	struct pplan *pl = &p->plans[p->nplans++];

	memset(pl, 0, sizeof(*pl));
	pl->name = policy_astr(p, name);
	pl->rank = rank;
	pl->cal = pl->p1_cal = -1;
	return pl;
}

struct pcal *
policy_add_cal(struct sla_policy *p, const char *name)
{
	struct pcal *pc = &p->cals[p->ncals++];

	memset(pc, 0, sizeof(*pc));
	pc->name = policy_astr(p, name);
	return pc;
}

bool
policy_queue_known(const struct sla_policy *p, const char *q)
{
	for (size_t i = 0; i < p->nqueues; i++)
		if (strcmp(p->queues[i].name, q) == 0)
			return true;
	return false;
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
