/*
 * checks_connect.h - `guichet check-config --connect`
 *
 * What check-config cannot see in the file: whether each server it names
 * answers as the daemon needs. PostgreSQL (the connection, the schema's
 * version, the settings a commit rests on), each mailbox (TLS and its
 * certificate, the login or OAuth2 token, the folder, IDLE and MOVE, the
 * folders for processed and quarantined mail), the SMTP server (EHLO,
 * TLS, AUTH, then NOOP: no mail is sent). Nothing is written, created or
 * moved anywhere. One line per server on stdout, "NAME: FAILED: why" for
 * those that fail.
 */
#ifndef GC_CHECKS_CONNECT_H
#define GC_CHECKS_CONNECT_H

#include "conf/conf.h"

/* The number of servers that failed. */
int checks_connect(const struct conf *c);

#endif
