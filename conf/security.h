/*
 * security.h - the security channel's settings: the [pgp] section and
 * which queues' mails to agents are redacted (conf.c's reader calls the
 * reading and checking functions; the rest of the program asks
 * conf_queue_redacted())
 */
#ifndef GC_CONF_SECURITY_H
#define GC_CONF_SECURITY_H

#include <stdbool.h>

#include "conf/conf.h"
#include "conf/keys.h"

/* [pgp] into r->c->pgp: once, without a name. */
void conf_pgp_read(struct reader *r, struct conf_section *s);

/* After every section is read: the mailbox [pgp] names exists, one of
 * home and key_file is given, the fingerprint is 40 hex digits, the
 * caps are sane; which queues set redact. */
void conf_security_check(struct reader *r);

void conf_pgp_free(struct conf_pgp *p);

#endif
