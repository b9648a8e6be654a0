/*
 * checks_connect.c - `guichet check-config --connect`: each server the
 * configuration names, reached as the daemon would reach it (see
 * checks_connect.h)
 */
#include "daemon/checks_connect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/util.h"
#include "daemon/imap.h"
#include "daemon/oauth2.h"
#include "daemon/outbox.h"
#include "daemon/policy.h"
#include "daemon/poller.h"
#include "notify/smtp.h"
#include "notify/webhook.h"
#include "sla/policy.h"
#include "sql/db.h"
#include "sql/db_ready.h"

static int
failed(const char *what, const struct gc_err *err)
{
	printf("%s: FAILED: %s\n", what, err->msg);
	return 1;
}

/* PostgreSQL: the connection, the schema (whether migrate can run, before
 * it; whether this role has its grants, after), what the commits rest
 * on, on this server and on its standbys. */
static int
check_database(const struct conf *c)
{
	char why[GC_ERRMSG_SIZE / 2];
	struct gc_err err = { 0 };
	struct db *db = NULL;
	const char *gap;
	long long standbys;
	int rc;

	if ((rc = db_connect(&db, c->database.conninfo, c->database.password,
	    &err)) != 0)
		return failed("database", &err);
	if ((rc = db_schema_check(db, &err)) == GC_ETEMP)
		goto fail;
	printf("database: connected; %s\n", rc == 0 ? "schema up to date" :
	    err.msg);
	if (rc != 0) {
		/* not migrated yet: whether migrate can run */
		if (db_durability_read(db, &err) != 0 ||
		    db_migrate_ready(db, why, sizeof(why), &err) != 0)
			goto fail;
		if (why[0] != '\0') {
			gc_err_set(&err, GC_ECONFIG, "`guichet migrate` would "
			    "fail: %s", why);
			goto fail;
		}
	} else {
		/* migrate run by another role: the grants to this one */
		if (db_grants_missing(db, why, sizeof(why), &err) != 0)
			goto fail;
		if (why[0] != '\0') {
			gc_err_set(&err, GC_ECONFIG, "this role may not read "
			    "and write %s: GRANT ALL ON ALL TABLES (and "
			    "SEQUENCES, FUNCTIONS) IN SCHEMA public to it, or "
			    "run `guichet migrate` as it", why);
			goto fail;
		}
	}
	if ((gap = db_durability_gap(db)) != NULL)
		printf("database: warning: PostgreSQL runs with %s: a commit "
		    "may not survive a crash of its machine (see "
		    "operations.md, PostgreSQL)\n", gap);
	if (db_commit_raised(db))
		printf("database: note: synchronous_commit is off for this "
		    "role or database; guichet sets it on for its sessions\n");
	if (db_replication(db, &standbys, why, sizeof(why), &err) != 0)
		goto fail;
	if (standbys > 0 && why[0] == '\0')
		printf("database: warning: %lld standby(s) replicate "
		    "asynchronously: a failover to one may lose the last "
		    "commits, whose mails have left their folder (set "
		    "synchronous_standby_names, or run `guichet recover` after "
		    "a failover; see operations.md, PostgreSQL)\n", standbys);
	else if (standbys > 0)
		printf("database: %lld standby(s); commits wait for "
		    "synchronous_standby_names = %s\n", standbys, why);
	db_close(&db);
	return 0;
fail:
	db_close(&db);
	return failed("database", &err);
}

/* One mailbox: TLS, login (its OAuth2 token first), the capabilities the
 * daemon uses, its folders. Nothing is created, moved or changed. */
static int
check_mailbox(const struct conf *c, const struct conf_mailbox *mb)
{
	const char *folders[] = { mb->processed_folder, mb->quarantine_folder };
	struct gc_err err = { 0 };
	struct imap_conn *imap = NULL;
	char what[160], *missing = NULL;
	uint32_t exists = 0;
	unsigned int caps;
	int rc;

	snprintf(what, sizeof(what), "mailbox %s (%s)", mb->name, mb->url);
	rc = poller_connect_mailbox(c, mb, &imap, &err);
	if (rc == 0)
		rc = imap_select(imap, mb->folder, NULL, NULL, &exists, &err);
	for (size_t i = 0; rc == 0 && i < 2; i++) {
		bool there = true;

		if (strpbrk(folders[i], "*%") == NULL &&
		    (rc = imap_folder_exists(imap, folders[i], &there,
		    &err)) == 0 && !there) {
			char *was = missing;

			missing = xasprintf("%s%s%s", was ? was : "",
			    was ? " and " : "", folders[i]);
			free(was);
		}
	}
	if (rc != 0) {
		imap_close(&imap);
		free(missing);
		return failed(what, &err);
	}
	caps = imap_caps(imap);
	printf("%s: logged in as %s; %s holds %u mail(s); %s%s%s%s\n", what,
	    mb->user, mb->folder, exists,
	    caps & IMAP_CAP_IDLE ? "IDLE" : "no IDLE (polled every "
	    "poll_interval)", caps & IMAP_CAP_MOVE ? ", MOVE" : ", no MOVE "
	    "(copied, then expunged)", missing ? "; created at the first "
	    "pass: " : "", missing ? missing : "");
	free(missing);
	imap_close(&imap);
	return 0;
}

/* The SMTP server: EHLO, TLS, AUTH, NOOP; no mail. */
static int
check_smtp(const struct conf *c)
{
	const struct conf_smtp *s = &c->smtp;
	struct smtp_params p;
	struct gc_err err = { 0 };
	struct smtp_client *sc = NULL;
	struct oauth2 *o = NULL;
	char what[160];
	int rc;

	snprintf(what, sizeof(what), "smtp (%s)", s->url);
	if (s->oauth2.on)
		oauth2_new(&o, "smtp", &s->oauth2, (int)s->timeout);
	outbox_smtp_params(c, o, &p);
	rc = smtp_global_init(&err);
	if (rc == 0)
		rc = smtp_open(&sc, &p, &err);
	if (rc == 0 && o != NULL) {
		const char *tok;

		if ((rc = oauth2_token(o, &tok, &err)) == 0)
			rc = smtp_set_bearer(sc, tok, &err);
		else if (rc == GC_EAUTH)
			oauth2_authorize_hint(&err, "--smtp", "");
	}
	if (rc == 0)
		rc = smtp_probe(sc, &err);
	smtp_close(&sc);
	oauth2_free(&o);
	if (rc != 0)
		return failed(what, &err);
	printf("%s: the server would take a mail%s (none sent)\n", what,
	    s->user != NULL || s->oauth2.on ? " from this login" : "");
	return 0;
}

/* One webhook receiver, reached as a POST would reach it, with a HEAD:
 * nothing posted. The URL is named by its scheme, host and port only
 * (its path or query may hold a secret). */
static int
check_webhook(const struct conf *c, const char *what, const char *url)
{
	struct gc_err err = { 0 };
	char where[256], label[320];
	long status;
	int rc;

	rc = webhook_probe(url, NULL, (int)c->smtp.timeout, &status, where,
	    sizeof(where), &err);
	snprintf(label, sizeof(label), "%s%s%s%s", what, where[0] ? " (" : "",
	    where, where[0] ? ")" : "");
	if (rc != 0)
		return failed(label, &err);
	printf("%s: reached%s; it answers a HEAD with HTTP %ld (nothing "
	    "posted)\n", label, strncmp(where, "https:", 6) == 0 ?
	    ", its certificate verified" : "", status);
	return 0;
}

/* Every receiver of our webhooks: the [webhook NAME] sections', then
 * those the escalation routes name (routes, queues, on-call), each
 * once. */
static int
check_webhooks(const struct conf *c)
{
	struct conf_diag diag = { 0 };
	struct sla_policy *p = NULL;
	const char *urls[256];
	size_t n = 0;
	int failures = 0;

	for (size_t i = 0; i < c->nwebhooks; i++) {
		char what[160];

		snprintf(what, sizeof(what), "webhook %s", c->webhooks[i].name);
		failures += check_webhook(c, what, c->webhooks[i].url);
	}
	if (policy_load(&p, c, &diag) == 0)
		n = sla_policy_webhooks(p, urls, sizeof(urls) / sizeof(*urls));
	conf_diag_free(&diag);
	for (size_t i = 0; i < n; i++) {
		bool named = false;

		for (size_t j = 0; j < c->nwebhooks && !named; j++)
			named = strcmp(c->webhooks[j].url, urls[i]) == 0;
		if (!named)
			failures += check_webhook(c, "escalation webhook",
			    urls[i]);
	}
	sla_policy_free(&p);
	return failures;
}

int
checks_connect(const struct conf *c)
{
	int failures = check_database(c);

	for (size_t i = 0; i < c->nmailboxes; i++)
		failures += check_mailbox(c, &c->mailboxes[i]);
	failures += check_smtp(c);
	failures += check_webhooks(c);
	return failures;
}
