/*
 * cli_ingest.c - `guichet ingest --mailbox NAME` (MTA pipe delivery) and
 * `guichet quarantine retry ID`
 *
 * ingest answers the MTA in its own terms: 0 when the mail is stored (as
 * a ticket message, a duplicate already stored, or in the quarantine),
 * 75 (EX_TEMPFAIL) when it could not be stored now, so that the MTA keeps
 * it and retries. Nothing is lost either way.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "daemon/cli.h"
#include "desk/vault.h"
#include "desk/intake.h"
#include "desk/mailout.h"
#include "sla/rules.h"
#include "sql/store_quarantine.h"

int
cli_ingest(struct app *app, int argc, char **argv)
{
	const struct conf_mailbox *mb = NULL;
	struct intake_result res;
	struct gc_err err = { 0 };
	struct db *db = NULL;
	size_t len, cap;
	char *raw;
	int rc;

	if (argc == 3 && strcmp(argv[1], "--mailbox") == 0)
		mb = conf_mailbox(app->conf, argv[2]);
	if (argc != 3 || strcmp(argv[1], "--mailbox") != 0) {
		fprintf(stderr, "usage: guichet ingest --mailbox NAME "
		    "< mail\n");
		return EX_USAGE;
	}
	if (mb == NULL) {
		fprintf(stderr, "guichet: ingest: no [mailbox %s] in %s\n",
		    argv[2], app->config_path);
		return EX_CONFIG;
	}
	/* one mail and exit: the rules interpreted, not compiled (rules.h) */
	rules_set_jit(false);
	(void)app_policy(app);      /* a policy that does not read: 75 now */
	/* Past the size limit the mail is still taken (and quarantined),
	 * up to a hard cap that protects memory; beyond it the MTA gets a
	 * permanent error and bounces it to its sender. */
	cap = (size_t)app->conf->general.max_mail_size * 4;
	if (fd_read_all(&raw, &len, STDIN_FILENO, cap, &err) != 0) {
		fprintf(stderr, "guichet: ingest: %s\n", err.msg);
		return err.code == GC_ELIMIT ? EX_DATAERR : EX_TEMPFAIL;
	}
	rc = app_db_connect(app, &db, &err);
	if (rc == 0)
		rc = db_schema_check(db, &err);
	if (rc == 0) {
		struct desk in = { .conf = app->conf, .db = db,
			.now = app_now(app), .policy = app_policy(app) };

		if ((rc = mailout_new(&in.out, app->conf, in.policy,
		    &err)) == 0)
			rc = intake_alone(&in, mb, raw, len, &res, &err);
		mailout_free(&in.out);
	}
	db_close(&db);
	free(raw);
	if (rc != 0) {
		log_error("ingest: mailbox %s: %s (the MTA will retry)",
		    mb->name, err.msg);
		return EX_TEMPFAIL;
	}
	intake_log(mb->name, 0, &res);
	return EX_OK;
}

int
cli_quarantine_retry(struct app *app, long long id)
{
	const struct conf_mailbox *mb;
	struct intake_result res;
	struct gc_err err = { 0 };
	struct desk in = { .conf = app->conf, .now = app_now(app),
		.policy = app_policy(app), .careful = true };
	char *raw = NULL, *mailbox = NULL, *status = NULL;
	struct db *db = NULL;
	size_t len;
	int rc;

	if ((rc = app_db_connect(app, &db, &err)) != 0)
		goto fail;
	in.db = db;
	if ((rc = store_quarantine_get(db, id, &raw, &len, &mailbox, &status,
	    &err)) != 0)
		goto fail;
	if (strcmp(status, "held") != 0) {
		fprintf(stderr, "guichet: quarantine entry %lld was already "
		    "%s\n", id, status);
		rc = GC_EINVAL;
		goto out;
	}
	if ((mb = conf_mailbox(app->conf, mailbox)) == NULL) {
		rc = gc_err_set(&err, GC_ECONFIG, "mailbox %s is no longer in "
		    "the config", mailbox);
		goto fail;
	}
	if ((rc = vault_open_quarantine_raw(app->conf, db, id, &raw, &len,
	    &err)) != 0)
		goto fail;
	mailout_new(&in.out, app->conf, in.policy, &err);
	rc = db_begin(db, &err);
	if (rc == 0)
		rc = store_quarantine_mark_retried(db, id, in.now, &err);
	if (rc == 0)
		rc = intake_mail(&in, mb, raw, len, 0, &res, &err);
	if (rc == 0 && res.ticket_id != 0)
		rc = store_quarantine_set_ticket(db, id, res.ticket_id, &err);
	if (rc == 0)
		rc = db_commit(db, &err);
	else
		db_rollback(db);
	mailout_free(&in.out);
	if (rc != 0)
		goto fail;
	intake_log(mb->name, 0, &res);
	if (res.outcome == INTAKE_QUARANTINED)
		printf("quarantined again as %" PRId64 ": %s\n",
		    res.quarantine_id, res.reason);
	else
		printf("%s %s\n", intake_outcome_name(res.outcome),
		    res.number);
	goto out;
fail:
	fprintf(stderr, "guichet: quarantine retry %lld: %s\n", id, err.msg);
out:
	db_close(&db);
	free(raw);
	free(mailbox);
	free(status);
	return app_exit_code(rc);
}
