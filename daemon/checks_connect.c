/*
 * checks_connect.c - `guichet check-config --connect`: each server the
 * configuration names, reached as the daemon would reach it (see
 * checks_connect.h)
 */
#include "daemon/checks_connect.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/listen.h"
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
check_webhooks(const struct conf *c, const struct sla_policy *p)
{
	const char *urls[256];
	size_t n = 0;
	int failures = 0;

	for (size_t i = 0; i < c->nwebhooks; i++) {
		char what[160];

		snprintf(what, sizeof(what), "webhook %s", c->webhooks[i].name);
		failures += check_webhook(c, what, c->webhooks[i].url);
	}
	if (p != NULL)
		n = sla_policy_webhooks(p, urls, sizeof(urls) / sizeof(*urls));
	for (size_t i = 0; i < n; i++) {
		bool named = false;

		for (size_t j = 0; j < c->nwebhooks && !named; j++)
			named = strcmp(c->webhooks[j].url, urls[i]) == 0;
		if (!named)
			failures += check_webhook(c, "escalation webhook",
			    urls[i]);
	}
	return failures;
}

/* ----- the daemon's own listeners --------------------------------- */

/* Whether what answers on fd is a guichet: its LMTP listener greets
 * "220 guichet LMTP ready"; its HTTP listener answers any path but its
 * own with "not found: /metrics or /healthz" (a GET of such a path
 * changes nothing). Waits LISTENER_WAIT seconds at most, however the
 * other side trickles its bytes. */
#define LISTENER_WAIT 3.0
static bool
answers_as_guichet(int fd, bool http)
{
	static const char get[] = "GET /check-config HTTP/1.0\r\n\r\n";
	const char *mark = http ? "/metrics or /healthz" : "220 guichet LMTP";
	double end = mono_seconds() + LISTENER_WAIT, left;
	char buf[1024];
	size_t got = 0;
	bool yes = false;

	if (http && send(fd, get, sizeof(get) - 1, MSG_NOSIGNAL) !=
	    (ssize_t)(sizeof(get) - 1))
		return false;
	while (!yes && got < sizeof(buf) - 1 &&
	    (left = end - mono_seconds()) > 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, (int)(left * 1000) + 1) != 1 ||
		    (n = read(fd, buf + got, sizeof(buf) - 1 - got)) <= 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
		yes = strstr(buf, mark) != NULL;
		if (!http && strchr(buf, '\n') != NULL)
			break;     /* an LMTP greeting is one line */
	}
	if (!http)
		(void)!send(fd, "QUIT\r\n", 6, MSG_NOSIGNAL);
	return yes;
}

/* Where something listens already: a running guichet (this
 * configuration's daemon, as when the file is checked before a reload)
 * is not a failure; anything else is, since the daemon could not
 * start. */
static int
listener_taken(const char *what, int fd, bool http, const char *why)
{
	bool ours = answers_as_guichet(fd, http);

	close(fd);
	if (!ours) {
		printf("%s: FAILED: another program listens there (it does "
		    "not answer as guichet): %s\n", what, why);
		return 1;
	}
	printf("%s: a running guichet listens there (a daemon started "
	    "now would find it taken; a reload keeps it)\n", what);
	return 0;
}

/* A TCP listener: taken for the moment it takes to listen, as the
 * daemon would, then let go. */
static int
check_tcp_listener(const char *what, const char *host, int port, bool http)
{
	struct gc_err err = { 0 };
	/* its message without the listener's name, which what holds */
	int fd = listen_tcp(NULL, host, port, &err);
	const char *why = err.msg;

	if (fd >= 0) {
		close(fd);
		printf("%s: free: the daemon can listen there\n", what);
		return 0;
	}
	if ((fd = listen_tcp_connect(host, port)) >= 0)
		return listener_taken(what, fd, http, why);
	printf("%s: FAILED: %s\n", what, why);
	return 1;
}

/* The LMTP listener's Unix socket: nothing is made nor removed here. */
static int
check_unix_listener(const char *what, const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	const char *folder = slash != NULL ? dir : ".";
	struct stat st;
	bool exists = lstat(path, &st) == 0;
	int fd, rc = 0;

	if (slash != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	if (exists && !S_ISSOCK(st.st_mode)) {
		printf("%s: FAILED: %s exists and is not a socket; the daemon "
		    "does not replace it\n", what, path);
		rc = 1;
	} else if (exists && (fd = listen_unix_connect(path)) >= 0) {
		rc = listener_taken(what, fd, false, path);
	} else if (access(folder, W_OK | X_OK) != 0) {
		printf("%s: FAILED: the daemon cannot make its socket in %s: "
		    "%s (as this user)\n", what, folder, strerror(errno));
		rc = 1;
	} else if (exists) {
		printf("%s: a socket left by a daemon that did not exit "
		    "cleanly, which the daemon replaces\n", what);
	} else {
		printf("%s: free: the daemon can make its socket there\n",
		    what);
	}
	free(dir);
	return rc;
}

int
checks_listeners(const struct conf *c)
{
	char what[PATH_MAX + 32];
	int failures = 0;

	if (c->lmtp.listen != NULL) {
		snprintf(what, sizeof(what), "lmtp (%s)", c->lmtp.listen);
		failures += c->lmtp.path != NULL ?
		    check_unix_listener(what, c->lmtp.path) :
		    check_tcp_listener(what, c->lmtp.host, c->lmtp.port, false);
	}
	if (c->http.listen != NULL) {
		snprintf(what, sizeof(what), "http (%s)", c->http.listen);
		failures += check_tcp_listener(what, c->http.host,
		    c->http.port, true);
	}
	return failures;
}

int
checks_connect(const struct conf *c, const struct sla_policy *p)
{
	int failures = check_database(c);

	for (size_t i = 0; i < c->nmailboxes; i++)
		failures += check_mailbox(c, &c->mailboxes[i]);
	failures += check_smtp(c);
	failures += check_webhooks(c, p);
	return failures;
}
