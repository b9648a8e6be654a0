/*
 * gdpr_check.h - the [gdpr] section: its keys, their checks, and freeing
 * its secret (conf.c's reader; conf/ only)
 */
#ifndef GC_CONF_GDPR_CHECK_H
#define GC_CONF_GDPR_CHECK_H

#include "conf/conf.h"
#include "conf/keys.h"

/* Read [gdpr] into r->c->gdpr: once and without a name; batch from 1 to
 * 10000; the pseudonym key file checked as every secret key is. */
void conf_read_gdpr(struct reader *r, struct conf_section *s);

/* Wipe and free what conf_read_gdpr() stored. */
void conf_free_gdpr(struct conf_gdpr *g);

#endif
