/*
 * sd_dyn.c - libsystemd, opened by `serve` only (see sd_dyn.h)
 */
#include "daemon/sd_dyn.h"

#include "common/dynlib.h"

static struct sd_dyn table;
static const struct dynlib_sym syms[] = {
	{ "sd_notify", (void **)&table.notify },
	{ "sd_notifyf", (void **)&table.notifyf },
	{ "sd_watchdog_enabled", (void **)&table.watchdog_enabled },
};
DYNLIB_TABLE(sd_dyn, GUICHET_SONAME_SYSTEMD, syms, table)
