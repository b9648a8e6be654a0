/*
 * auto_daemon.h - is an address a mail system's own (MAILER-DAEMON,
 * postmaster, ...)? A signal of automatic mail for auto.c and of a
 * bounce for bounce.c.
 *
 * Pure code; nothing is allocated.
 */
#ifndef GC_PARSERS_AUTO_DAEMON_H
#define GC_PARSERS_AUTO_DAEMON_H

#include <stdbool.h>

/* Is addr (local@domain) a mail system's address: MAILER-DAEMON,
 * postmaster, mail-daemon, ...? */
bool auto_daemon_address(const char *addr);

#endif
