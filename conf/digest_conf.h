/*
 * digest_conf.h - the [digest] section: its keys and their checks
 * (conf.c's reader; conf/ only)
 */
#ifndef GC_CONF_DIGEST_CONF_H
#define GC_CONF_DIGEST_CONF_H

#include "conf/conf.h"
#include "conf/keys.h"

/* Read [digest] into r->c->digest: once and without a name; at is
 * "HH:MM" (00:00 to 23:59) or "none"; max_tickets 1 to 1000. */
void conf_digest_read(struct reader *r, struct conf_section *s);

void conf_digest_free(struct conf_digest *d);

#endif
