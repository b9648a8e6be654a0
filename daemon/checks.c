/*
 * checks.c - cross-module config validation (see checks.h)
 */
#include "daemon/checks.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/oauth2.h"
#include "daemon/policy.h"
#include "desk/mailout.h"
#include "desk/pgp.h"

/* auth = oauth2: the refresh token file is there, one token, and
 * only its owner may read it (it may not exist before `oauth2
 * authorize`, but then the daemon cannot log in). */
static void
check_refresh_file(const struct conf *c, const char *type, const char *name,
    const struct conf_oauth2 *o, struct conf_diag *diag)
{
	const struct conf_section *s[64], *in = NULL;
	const struct conf_entry *e = NULL;
	size_t n = conf_sections(c, type, s, 64);
	struct gc_err err = { 0 };
	char *rt = NULL;

	if (!o->on || o->refresh_token_file == NULL)
		return;
	for (size_t i = 0; i < n && i < 64 && e == NULL; i++)
		if ((name == NULL) == (s[i]->name == NULL) && (name == NULL ||
		    strcmp(name, s[i]->name) == 0)) {
			in = s[i];
			e = conf_section_entry(in, "oauth2_refresh_token_file");
		}
	if (oauth2_read_refresh(&rt, o->refresh_token_file, &err) != 0)
		conf_diag_add(diag, in ? in->file : c->path, e ? e->line : 0,
		    "oauth2_refresh_token_file: %s", err.msg);
	if (rt != NULL) {
		explicit_bzero(rt, strlen(rt));
		free(rt);
	}
}

/* [status] dir: a folder this user may write the page into (one that
 * does not exist yet is made at the first write). */
static void
check_status_dir(const struct conf *c, struct conf_diag *diag)
{
	const struct conf_section *s[2];
	const struct conf_entry *e;
	struct stat st;
	const char *why = NULL;

	if (c->status.dir == NULL || conf_sections(c, "status", s, 2) == 0)
		return;
	e = conf_section_entry(s[0], "dir");
	if (stat(c->status.dir, &st) != 0) {
		if (errno != ENOENT)
			why = strerror(errno);
	} else if (!S_ISDIR(st.st_mode))
		why = "not a folder";
	else if (access(c->status.dir, W_OK | X_OK) != 0)
		why = "this user cannot write in it";
	if (why != NULL)
		conf_diag_add(diag, s[0]->file, e ? e->line : s[0]->line,
		    "dir: %s: %s (the status page is written there)",
		    c->status.dir, why);
}

void
checks_config(const struct conf *c, struct conf_diag *diag,
    struct sla_policy **p_r)
{
	check_status_dir(c, diag);
	struct sla_policy *p = NULL;

	check_refresh_file(c, "smtp", NULL, &c->smtp.oauth2, diag);
	for (size_t i = 0; i < c->nmailboxes; i++)
		check_refresh_file(c, "mailbox", c->mailboxes[i].name,
		    &c->mailboxes[i].oauth2, diag);

	if (c->pgp.line != 0 && c->pgp.fingerprint != NULL &&
	    (c->pgp.home != NULL) != (c->pgp.key_file != NULL)) {
		struct gc_err err = { 0 };

		if (pgp_prepare(c, &err) != 0 ||
		    pgp_check_decrypts(c, &err) != 0)
			conf_diag_add(diag, c->pgp.file, c->pgp.line, "%s",
			    err.msg);
	}
	mailout_check_templates(c, diag);
	/* the SLA policy, its calendars, holidays and rules files */
	if (policy_load(&p, c, diag) != 0)
		sla_policy_free(&p);
	if (p_r != NULL)
		*p_r = p;
	else
		sla_policy_free(&p);
}
