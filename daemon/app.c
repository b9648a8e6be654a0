/*
 * app.c - shared command context (see app.h)
 */
#include "daemon/app.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/log.h"
#include "daemon/policy.h"
#include "desk/pgp.h"

time_t
app_now(const struct app *app)
{
	return app->clock_fixed ? app->clock_now : time(NULL);
}

/* A config's problems, one a line on stderr; the list is freed. */
static void
diag_print(struct conf_diag *diag)
{
	for (size_t i = 0; i < diag->n; i++)
		fprintf(stderr, "%s\n", diag->lines[i]);
	conf_diag_free(diag);
}

/* text: path's bytes as the daemon read them, taken (NULL: the file). */
static int
read_config(const char *path, char *text, size_t len,
    struct conf **c_r, struct sla_policy **p_r, bool pgp)
{
	struct conf_diag diag = { 0 };
	struct conf *c = NULL;
	struct sla_policy *p = NULL;

	*c_r = NULL;
	if (p_r != NULL)
		*p_r = NULL;
	if ((text != NULL ? conf_load_text(&c, path, text, len, &diag) :
	    conf_load(&c, path, &diag)) != 0 ||
	    (p_r != NULL && policy_load(&p, c, &diag) != 0)) {
		diag_print(&diag);
		conf_free(&c);
		return GC_ECONFIG;
	}
	conf_diag_free(&diag);
	if (pgp) {
		/* the security channel's key is there, or nothing starts */
		struct gc_err err = { 0 };

		if (pgp_prepare(c, &err) != 0) {
			fprintf(stderr, "%s:%d: %s\n", c->pgp.file, c->pgp.line,
			    err.msg);
			sla_policy_free(&p);
			conf_free(&c);
			return GC_ECONFIG;
		}
	}
	*c_r = c;
	if (p_r != NULL)
		*p_r = p;
	return 0;
}

int
app_read_config(const char *path, struct conf **c_r, struct sla_policy **p_r)
{
	return read_config(path, NULL, 0, c_r, p_r, true);
}

void
app_install_config(struct app *app, struct conf *c, struct sla_policy *p)
{
	enum log_level lvl;
	enum log_format fmt;

	app_free_config(app);
	app->conf = c;
	app->policy = p;
	if (log_level_parse(c->general.log_level, &lvl) == 0)
		log_set_level(lvl);
	if (log_format_parse(c->general.log_format, &fmt) == 0)
		log_set_format(fmt);
}

static int
load_config(struct app *app, char *text, size_t len, bool pgp)
{
	struct conf *c;
	int rc = read_config(app->config_path, text, len, &c, NULL, pgp);

	if (rc == 0)
		app_install_config(app, c, NULL);
	return rc;
}

int
app_load_config(struct app *app)
{
	return load_config(app, NULL, 0, true);
}

int
app_load_config_scheduler(struct app *app, char *text, size_t len)
{
	return load_config(app, text, len, false);
}

static int fatal_exit = EX_CONFIG;

void
app_set_fatal_exit(int code)
{
	fatal_exit = code;
}

struct sla_policy *
app_policy(struct app *app)
{
	struct conf_diag diag = { 0 };

	if (app->policy != NULL)
		return app->policy;
	if (policy_load(&app->policy, app->conf, &diag) != 0) {
		diag_print(&diag);
		exit(fatal_exit);
	}
	conf_diag_free(&diag);
	return app->policy;
}

void
app_free_config(struct app *app)
{
	sla_policy_free(&app->policy);
	conf_free(&app->conf);
}

int
app_db_connect(const struct app *app, struct db **out, struct gc_err *err)
{
	return db_connect(out, app->conf->database.conninfo,
	    app->conf->database.password, err);
}

int
app_exit_code(int rc)
{
	switch (rc) {
	case 0:
		return EX_OK;
	case GC_ETEMP:
		return EX_TEMPFAIL;
	case GC_ECONFIG:
		return EX_CONFIG;
	case GC_EINVAL:
	case GC_EPARSE:
		return EX_DATAERR;
	case GC_ENOTFOUND:
		return EX_NOINPUT;
	case GC_EIO:
		return EX_IOERR;
	case GC_EAUTH:
		return EX_NOPERM;
	}
	return EX_SOFTWARE;
}
