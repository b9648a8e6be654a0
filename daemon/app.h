/*
 * app.h - what every command shares: the config generation, the clock,
 * and the exit codes.
 *
 * The clock: every timestamp Guichet writes comes from app_now(), which is
 * the real time unless the global option --now fixed it for the run
 * (tests, what-if questions). The database's now() is never used.
 *
 * Ownership: struct app owns its struct conf (replaced whole on SIGHUP).
 */
#ifndef GC_APP_H
#define GC_APP_H

#include <stdbool.h>
#include <sysexits.h>
#include <time.h>

#include "common/err.h"
#include "conf/conf.h"
#include "sql/db.h"

struct sla_policy;

struct app {
	const char *config_path;
	struct conf *conf;
	struct sla_policy *policy;     /* of this config generation */
	bool clock_fixed;
	time_t clock_now;
};

time_t app_now(const struct app *app);

/* Load (or reload) the config; on failure print every problem to stderr
 * and keep the old generation. Returns 0 or GC_ECONFIG. Its SLA policy
 * (the rules' regular expressions compiled, the calendars built) is read
 * by the first app_policy(): a command that needs none (ticket search)
 * does not pay for it. */
int app_load_config(struct app *app);
/* The same for serve's scheduler process: from text, the file's bytes as
 * the daemon read them (taken, as by conf_load_text(); NULL: the file
 * now), and without [pgp]'s
 * preparation (its key_file imported again, gpg run): the daemon did
 * it, and the scheduler decrypts nothing. */
int app_load_config_scheduler(struct app *app, char *text, size_t len);

/* The SLA policy of the config in force, read on first use; a policy
 * that does not read prints its problems and exits with EX_CONFIG, or
 * the code of app_set_fatal_exit() (serve and ingest ask for it when they
 * start). */
struct sla_policy *app_policy(struct app *app);
/* The exit code of a policy that does not read: `ingest` sets
 * EX_TEMPFAIL, so that the MTA keeps the mail. */
void app_set_fatal_exit(int code);

/* Read a generation (printing its problems; its policy too unless p_r is
 * NULL), then install it in place of the current one. */
int app_read_config(const char *path, struct conf **c_r,
    struct sla_policy **p_r);
void app_install_config(struct app *app, struct conf *c,
    struct sla_policy *p);
void app_free_config(struct app *app);

/* Connect to the configured database. GC_ETEMP when unreachable. */
int app_db_connect(const struct app *app, struct db **out,
    struct gc_err *err);

/* Map an error code to a sysexits.h exit status. */
int app_exit_code(int rc);

#endif
