/*
 * hooks_conf.h - the [webhook NAME] sections: the ticket events one may
 * subscribe to, and their checks (conf.c's reader; desk/hooks.h sends)
 */
#ifndef GC_CONF_HOOKS_CONF_H
#define GC_CONF_HOOKS_CONF_H

#include <stdbool.h>

#include "conf/conf.h"
#include "conf/keys.h"

/* The bit of a ticket event one may subscribe to (the list in
 * hooks_conf.c: "created", "message_received", ... "time_spent",
 * "followed_up", "pending_reminded"), or -1. */
int conf_hook_bit(const char *event);

/* Read one [webhook NAME]: url required (http or https); events a list
 * of the names above, or "all" (default: created, message_received,
 * agent_reply, status_changed, reopened, validated, auto_closed,
 * assigned); queues a list (default: all). */
void conf_hooks_read(struct reader *r, struct conf_section *s);

void conf_hooks_free(struct conf *c);

#endif
