/*
 * cli_release.c - `guichet quarantine release ID [--to NUMBER]`
 *
 * Ops judge a quarantined mail good (a stranger's follow-up held by
 * stranger_followup = hold, a mail over a limit, a report about no mail of
 * ours...) and let it into a ticket: the one named by --to, as a
 * customer's message there, or a new one. In one transaction: the entry
 * is marked released by the operator (the first of two operators at once
 * wins; the other is told who did it), the mail is stored with what
 * follows from it (acknowledgement, agents' notifications, timers), and a
 * "quarantine_released" event names the operator. A mail that still
 * cannot be parsed is released as a new ticket with what can be read of
 * it; its raw bytes are kept whole either way.
 *
 * The operator is the user behind sudo ($SUDO_USER), else $USER, else
 * the account of the real uid; the real uid is recorded beside the name.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/evjson.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "daemon/cli.h"
#include "desk/conversation.h"
#include "desk/intake.h"
#include "desk/mailout.h"
#include "desk/pgp.h"
#include "desk/vault.h"
#include "parsers/auto.h"
#include "parsers/mime.h"
#include "parsers/utf8.h"
#include "sql/hold.h"
#include "sql/store_event.h"
#include "sql/store_quarantine.h"

#define READABLE_TEXT_MAX (1024 * 1024)  /* text of an unparseable mail */
#define READABLE_SCAN (64 * 1024)        /* where its header lines are */
#define READABLE_VALUE_MAX 998           /* one header line */
#define RELEASE_MAX_PARTS (50 * MAIL_DEFAULT_MAX_PARTS)   /* memory */

/* ----- What can be read of a mail --------------------------------- */

/* The value of the first header line "name:" in the first bytes of raw,
 * made one line of valid UTF-8 without controls; NULL if none. */
static char *
raw_header(struct arena *a, const char *raw, size_t len, const char *name)
{
	size_t nl = strlen(name), end = len < READABLE_SCAN ? len :
	    READABLE_SCAN;

	for (size_t i = 0; i < end; ) {
		size_t j = i;
		char *v;

		while (j < end && raw[j] != '\n')
			j++;
		if (j - i > nl && str_ncasecmp(raw + i, name, nl) == 0 &&
		    raw[i + nl] == ':') {
			v = utf8_sanitize(a, raw + i + nl + 1, j - i - nl - 1,
			    NULL);
			utf8_strip_controls(v, false, false);
			utf8_squeeze_spaces(v);
			utf8_truncate(v, READABLE_VALUE_MAX);
			return v[0] ? v : NULL;
		}
		i = j + 1;
	}
	return NULL;
}

/* A mail made of what can be read of raw: its From:, Subject: and
 * Message-ID: lines when they can be found, and the bytes themselves as
 * text (valid UTF-8, at most READABLE_TEXT_MAX bytes). */
static int
readable_mail(struct mail **out, const char *raw, size_t len, int64_t id,
    struct gc_err *err)
{
	struct arena a;
	struct buf b = BUF_INIT(READABLE_TEXT_MAX + 64 * 1024);
	const char *from, *subject, *mid;
	size_t n = len < READABLE_TEXT_MAX ? len : READABLE_TEXT_MAX;
	int rc;

	arena_init(&a, 4096);
	from = raw_header(&a, raw, len, "From");
	subject = raw_header(&a, raw, len, "Subject");
	mid = raw_header(&a, raw, len, "Message-ID");
	rc = buf_printf(&b, "Subject: %s\r\n", subject ? subject :
	    "(a mail that could not be read)");
	if (rc == 0 && from != NULL)
		rc = buf_printf(&b, "From: %s\r\n", from);
	if (rc == 0 && mid != NULL)
		rc = buf_printf(&b, "Message-ID: %s\r\n", mid);
	if (rc == 0)
		rc = buf_printf(&b, "MIME-Version: 1.0\r\nContent-Type: "
		    "text/plain; charset=utf-8\r\nContent-Transfer-Encoding: "
		    "8bit\r\n\r\n[Released from quarantine entry %" PRId64
		    " as it could be read: %zu bytes%s.]\r\n\r\n", id, len,
		    n < len ? ", the text cut short" : "");
	if (rc == 0)
		rc = utf8_sanitize_buf(&b, raw, n);
	arena_free(&a);
	if (rc == 0)
		rc = mail_parse(out, buf_str(&b), b.len, NULL, err);
	else
		rc = gc_err_set(err, GC_ELIMIT, "the readable text is too "
		    "long");
	buf_free(&b);
	return rc;
}

/* Parse a released mail: with wide limits first (ops chose to let it
 * in), else what can be read. *partly_r tells which. */
static int
parse_released(struct mail **out, const char *raw, size_t len, int64_t id,
    bool *partly_r, struct gc_err *err)
{
	struct mail_limits lim = mail_limits_default();
	struct gc_err perr = { 0 };

	lim.max_mail_bytes = len + 1;
	lim.max_header_bytes = len + 1;
	lim.max_depth = MAIL_DEPTH_HARD_MAX;
	lim.max_parts = RELEASE_MAX_PARTS;
	*partly_r = false;
	if (mail_parse(out, raw, len, &lim, &perr) == 0)
		return 0;
	log_info("quarantine entry %" PRId64 ": %s: released with what can "
	    "be read", id, perr.msg);
	*partly_r = true;
	return readable_mail(out, raw, len, id, err);
}

/* ----- The command ------------------------------------------------ */

static int
usage(void)
{
	fprintf(stderr, "usage: guichet quarantine release ID [--to NUMBER]"
	    "\n");
	return EX_USAGE;
}

/* A quarantine id: digits only, 1 up to the largest bigint. */
static bool
parse_id(int64_t *out, const char *s)
{
	size_t n = strspn(s, "0123456789");

	if (n == 0 || s[n] != '\0' || n > 18)
		return false;
	*out = (int64_t)strtoll(s, NULL, 10);
	return *out > 0;
}

static char *
release_event(int64_t id, const struct hold_entry *e, const char *by,
    bool partly, const char *into)
{
	struct evjson *j = ev_new();

	ev_int(j, "quarantine_id", id);
	ev_str(j, "by", by);
	ev_int(j, "uid", (long long)getuid());
	ev_str(j, "reason", e->reason ? e->reason : "");
	if (e->detail != NULL && utf8_valid(e->detail, strlen(e->detail)))
		ev_str(j, "detail", e->detail);
	if (into != NULL)
		ev_str(j, "into", into);
	else
		ev_null(j, "into");
	ev_str(j, "parsed", partly ? "partly" : "whole");
	return ev_end(j);
}

int
cli_quarantine_release(struct app *app, int argc, char **argv)
{
	struct gc_err err = { 0 };
	struct desk in = { .conf = app->conf, .now = app_now(app),
		.policy = app_policy(app), .careful = true };
	struct hold_entry e = { 0 };
	struct intake_result res = { 0 };
	const struct conf_mailbox *mb;
	const char *into = NULL, *why = NULL;
	struct conv_mail cm = { 0 };
	struct mail *m = NULL;
	struct db *db = NULL;
	char by[CLI_OPERATOR_MAX + 1], *ev;
	bool partly = false, begun = false;
	int64_t id = 0;
	int rc;

	/* argv: "quarantine" "release" ID [--to NUMBER] */
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--to") == 0 && i + 1 < argc &&
		    into == NULL && argv[i + 1][0] != '\0')
			into = argv[++i];
		else if (id == 0 && parse_id(&id, argv[i]))
			continue;
		else
			return usage();
	}
	if (id == 0)
		return usage();
	if (into != NULL && !utf8_valid(into, strlen(into))) {
		fprintf(stderr, "guichet: quarantine release: --to: not a "
		    "ticket number\n");
		return EX_USAGE;
	}
	cli_operator(by, sizeof(by));
	rc = cli_desk_begin(app, &in, &err);
	db = in.db;
	if (rc != 0)
		goto fail;
	begun = true;
	if ((rc = hold_release_claim(db, id, in.now, by, &e, &err)) != 0)
		goto fail;
	if (e.len == 0) {
		/* a mail too big to download is only in the IMAP folder:
		 * releasing the entry would let nothing in */
		rc = gc_err_set(&err, GC_EINVAL, "the entry holds no bytes of "
		    "the mail (%s): nothing to release", e.detail ? e.detail :
		    e.reason);
		goto fail;
	}
	if ((mb = conf_mailbox(app->conf, e.mailbox)) == NULL) {
		rc = gc_err_set(&err, GC_ECONFIG, "mailbox %s is no longer in "
		    "the config", e.mailbox);
		goto fail;
	}
	if ((rc = vault_open_quarantine_raw(app->conf, db, id, &e.raw, &e.len,
	    &err)) != 0)
		goto fail;
	if ((rc = parse_released(&m, e.raw, e.len, id, &partly, &err)) != 0)
		goto fail;
	/* a report to [pgp]'s mailbox goes in clear or not at all: let in
	 * encrypted, it would show agents a cipher and its reporter nothing
	 * (held because it could not be decrypted, it stays held) */
	{
		struct mail_limits lim = mail_limits_default();
		struct gc_err perr = { 0 };
		bool clear;

		if ((rc = pgp_open_mail(app->conf, mb, e.raw, &lim, &m, &clear,
		    &perr)) != 0) {
			rc = gc_err_set(&err, rc == GC_ETEMP ? GC_ETEMP :
			    GC_EINVAL, "the report is encrypted and cannot be "
			    "decrypted (%s): nothing released; `guichet "
			    "quarantine retry %" PRId64 "` once it can be",
			    perr.msg, id);
			goto fail;
		}
	}
	/* with nobody to write to, the ticket still holds the mail */
	if ((m->from.addr = intake_sender(m)) == NULL)
		m->from.addr = "";
	/* never an automatic answer to automatic mail, nor to ourselves */
	if (conf_is_our_address(app->conf, m->from.addr))
		why = "sent from our own address";
	else if (auto_classify(m, &why) == AUTO_NONE)
		why = NULL;
	cm.mb = mb;
	cm.m = m;
	cm.raw = e.raw;
	cm.len = e.len;
	cm.key = e.dedup_key;
	cm.automatic = why;
	cm.released = true;
	if ((rc = conversation_release(&in, &cm, into, &res, &err)) != 0 ||
	    (rc = store_quarantine_set_ticket(db, id, res.ticket_id,
	    &err)) != 0)
		goto fail;
	ev = release_event(id, &e, by, partly, into);
	rc = store_event(db, res.ticket_id, in.now, "quarantine_released",
	    by, ev, &err);
	free(ev);
	if (rc == 0)
		rc = db_flush(db, &err);
	if (rc == 0)
		rc = db_commit(db, &err);
	if (rc != 0)
		goto fail;
	log_info("quarantine entry %" PRId64 " released by %s: %s %s", id, by,
	    intake_outcome_name(res.outcome), res.number);
	printf("released %" PRId64 " into %s (%s)%s\n", id, res.number,
	    into ? "follow-up" : "new ticket", partly ?
	    ", with what could be read of it" : "");
	goto out;
fail:
	if (begun)
		db_rollback(db);
	fprintf(stderr, "guichet: quarantine release %" PRId64 ": %s\n", id,
	    err.msg);
out:
	mail_free(&m);
	hold_entry_clear(&e);
	mailout_free(&in.out);
	db_close(&db);
	return app_exit_code(rc);
}
