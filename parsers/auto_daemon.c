/*
 * auto_daemon.c - is an address a mail system's own (see auto_daemon.h)?
 *
 * Apart from auto.c because both auto.c and bounce.c ask it, and auto.c
 * also asks bounce.c: with the question here, calls run one way.
 */
#include "parsers/auto_daemon.h"

#include <string.h>

#include "common/util.h"

bool
auto_daemon_address(const char *addr)
{
	static const char *const locals[] = {
		"mailer-daemon", "mailer_daemon", "mailerdaemon",
		"mail-daemon", "maildaemon", "postmaster", "post_master",
		"mdaemon",
		"mail.delivery.system", NULL
	};
	const char *at;
	size_t len, i;

	if (addr == NULL)
		return false;
	at = strchr(addr, '@');
	len = at != NULL ? (size_t)(at - addr) : strlen(addr);
	for (i = 0; locals[i] != NULL; i++)
		if (strlen(locals[i]) == len &&
		    str_ncasecmp(addr, locals[i], len) == 0)
			return true;
	return false;
}
