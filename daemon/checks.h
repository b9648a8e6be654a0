/*
 * checks.h - validation that spans modules, for `guichet check-config`
 *
 * conf_load() checks the config file itself; checks_config() then checks
 * what the config points at: templates (every variable known), the SLA
 * policy with its calendars, holidays and rules files. Problems go to diag as
 * "file:line: message".
 */
#ifndef GC_CHECKS_H
#define GC_CHECKS_H

#include "conf/conf.h"
#include "sla/policy.h"

/* *p_r (NULL: not asked): the policy loaded, for checks_connect(); NULL
 * when it has problems. */
void checks_config(const struct conf *c, struct conf_diag *diag,
    struct sla_policy **p_r);

#endif
