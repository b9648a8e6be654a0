/*
 * listen_conf.h - the listeners' sections, [http] and [lmtp] (conf.c's
 * reader; conf/ only)
 */
#ifndef GC_CONF_LISTEN_CONF_H
#define GC_CONF_LISTEN_CONF_H

#include "conf/conf.h"
#include "conf/keys.h"

/* [http] into r->c->http: once, without a name; listen a numeric
 * ADDRESS:PORT, loopback unless allow_remote. */
void conf_read_http(struct reader *r, struct conf_section *s);
/* [lmtp] into r->c->lmtp: once, without a name; listen unix:/PATH or
 * ADDRESS:PORT (loopback unless allow_remote), socket_mode, the limits. */
void conf_read_lmtp(struct reader *r, struct conf_section *s);
/* Free what the two stored. */
void conf_listen_free(struct conf *c);

#endif
