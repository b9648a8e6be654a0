/*
 * policy.h - the SLA policy of a config generation, loaded with the files
 * it names (rules, holidays, time zones)
 *
 * sla/ is pure; this is the I/O seam it asks for: config paths are read
 * from disk (capped at SLA_MAX_FILE) and "zone:Area/City" from $TZDIR,
 * else /usr/share/zoneinfo.
 */
#ifndef GC_DAEMON_POLICY_H
#define GC_DAEMON_POLICY_H

#include "conf/conf.h"
#include "sla/policy.h"

/* Every problem goes to diag as file:line; GC_ECONFIG then. */
int policy_load(struct sla_policy **out, const struct conf *c,
    struct conf_diag *diag);

#endif
