/*
 * checks.c - cross-module config validation (see checks.h)
 */
#include "daemon/checks.h"

#include "daemon/policy.h"
#include "desk/mailout.h"

void
checks_config(const struct conf *c, struct conf_diag *diag)
{
	struct sla_policy *p = NULL;

	mailout_check_templates(c, diag);
	/* the SLA policy, its calendars, holidays and rules files */
	policy_load(&p, c, diag);
	sla_policy_free(&p);
}
