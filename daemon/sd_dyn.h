/*
 * sd_dyn.h - libsystemd, opened by `serve` only
 *
 * Only the daemon talks to systemd (READY, STATUS, WATCHDOG, STOPPING),
 * so libsystemd (and the compression and crypto libraries it brings) is
 * not linked into every command but opened when `serve` starts (see
 * common/dynlib.h). serve.c calls sd_notify() and the others as it would
 * the library's: the names stand for the functions of the table.
 */
#ifndef GC_DAEMON_SD_DYN_H
#define GC_DAEMON_SD_DYN_H

#include <systemd/sd-daemon.h>

#include "common/err.h"

struct sd_dyn {
	__typeof__(sd_notify) *notify;
	__typeof__(sd_notifyf) *notifyf;
	__typeof__(sd_watchdog_enabled) *watchdog_enabled;
};

/* Open libsystemd once; 0, or GC_ECONFIG with the loader's reason. */
int sd_dyn_load(struct gc_err *err);
/* The table, opened on first use; exits (EX_UNAVAILABLE) if it cannot. */
const struct sd_dyn *sd_dyn(void);

#define sd_notify (sd_dyn()->notify)
#define sd_notifyf (sd_dyn()->notifyf)
#define sd_watchdog_enabled (sd_dyn()->watchdog_enabled)

#endif
