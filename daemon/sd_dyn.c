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
static struct dynlib lib = DYNLIB_INIT(GUICHET_SONAME_SYSTEMD, syms);

int
sd_dyn_load(struct gc_err *err)
{
	return dynlib_load(&lib, err);
}

const struct sd_dyn *
sd_dyn(void)
{
	dynlib_need(&lib);
	return &table;
}
