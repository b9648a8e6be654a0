/*
 * checks_connect.h - `guichet check-config --connect`
 *
 * What check-config cannot see in the file: whether each server it names
 * answers as the daemon needs. PostgreSQL (the connection, the schema's
 * version, the settings a commit rests on), each mailbox (TLS and its
 * certificate, the login or OAuth2 token, the folder, IDLE and MOVE, the
 * folders for processed and quarantined mail), the SMTP server (EHLO,
 * TLS, AUTH, then NOOP: no mail is sent), each webhook receiver (a
 * HEAD), and the daemon's own listeners. Nothing is written, created or
 * moved anywhere. One line per server on stdout, "NAME: FAILED: why" for
 * those that fail.
 */
#ifndef GC_CHECKS_CONNECT_H
#define GC_CHECKS_CONNECT_H

#include "conf/conf.h"
#include "sla/policy.h"

/* The number of servers that failed; p: c's policy (its escalation
 * webhooks are tried too), NULL when it did not load. */
int checks_connect(const struct conf *c, const struct sla_policy *p);

/* The daemon's own listeners, [lmtp] and [http]: whether it could open
 * each now. An address where a guichet answers already (the daemon
 * running, the file checked before a reload) is no failure; one another
 * program holds, one it may not take, a socket's folder it cannot write
 * in, or a file in the socket's place is. A TCP address is taken for a
 * moment and let go; no socket file is made or removed. The number that
 * failed. */
int checks_listeners(const struct conf *c);

#endif
