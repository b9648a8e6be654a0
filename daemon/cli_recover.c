/*
 * cli_recover.c - `guichet recover --since TIME [--mailbox NAME
 * [--folder FOLDER]] [--dry-run]`: the mails of each mailbox's processed folder taken in
 * again, those the database lacks stored.
 *
 * A mail leaves its folder for processed_folder only once its ticket is
 * committed. A database restored from a dump older than its last mails,
 * or a failover to a standby that had not received the last commits,
 * loses those tickets while their mails sit in processed_folder. recover
 * reads that folder (the mails that reached it on TIME's day or later,
 * from the day before so that the server's time zone cannot hide one)
 * and gives each mail to intake as the MTA's path does, one transaction
 * a mail: a mail stored already is recognised by its key (dedup.h) and
 * left alone; the others become tickets or follow-ups again, with their
 * acknowledgements. Nothing is moved or changed on the IMAP server, so it
 * can run beside the daemons, and again. --dry-run stores nothing: each
 * mail goes through intake in a transaction rolled back, which says what
 * would become of it.
 *
 * --folder reads another folder of one mailbox instead: a copy of the
 * mails the MTA delivers (ingest, LMTP), which are in no folder of
 * ours, kept by the MTA in an IMAP folder (Postfix's recipient_bcc_maps).
 *
 * Exit 0 when every mail was looked at; 75 when a server went away (what
 * was stored stays stored: run it again); 64 for a bad argument.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "daemon/cli.h"
#include "daemon/imap.h"
#include "daemon/poller.h"
#include "desk/intake.h"
#include "desk/mailout.h"

struct tally {
	size_t seen, stored, taken, quarantined, dropped, oversize;
};

/* One mail through intake: committed, or (dry) rolled back. */
static int
one(struct desk *in, const struct conf_mailbox *mb, const struct imap_msg *m,
    bool dry, struct intake_result *res, struct gc_err *err)
{
	int rc;

	if (!dry)
		return intake_alone(in, mb, m->data, m->len, res, err);
	in->careful = true;    /* a failing mail: its outcome, the quarantine */
	if ((rc = db_begin(in->db, err)) != 0)
		return rc;
	rc = intake_mail(in, mb, m->data, m->len, m->uid, res, err);
	db_rollback(in->db);
	return rc;
}

/* What became (or would become) of one mail, counted and said. */
static void
tell(const struct conf_mailbox *mb, const struct imap_msg *m,
    const struct intake_result *r, bool dry, struct tally *t)
{
	const char *verb = dry ? "would be" : "is";

	switch (r->outcome) {
	case INTAKE_DUPLICATE:
		t->stored++;
		return;
	case INTAKE_NEW_TICKET:
	case INTAKE_FOLLOWUP:
		t->taken++;
		printf("mailbox %s uid %" PRIu32 " %s: %s %s %s\n", mb->name,
		    m->uid, r->message_id, verb, intake_outcome_name(
		    r->outcome), r->number);
		return;
	case INTAKE_QUARANTINED:
		t->quarantined++;
		printf("mailbox %s uid %" PRIu32 " %s: %s quarantined: %s\n",
		    mb->name, m->uid, r->message_id, verb, r->reason);
		return;
	case INTAKE_DROPPED:
		t->dropped++;
		return;
	}
}

static int
recover_mailbox(struct app *app, struct desk *in,
    const struct conf_mailbox *mb, const char *folder, const struct tm *day,
    bool dry, struct gc_err *err)
{
	const struct conf_general *g = &app->conf->general;
	struct imap_conn *imap = NULL;
	struct tally t = { 0 };
	uint32_t *uids = NULL;
	size_t nuids = 0;
	bool there = false;
	int rc;

	if ((rc = poller_connect_mailbox(app->conf, mb, &imap, err)) == 0 &&
	    (rc = imap_folder_exists(imap, folder, &there, err)) == 0 &&
	    there && (rc = imap_select(imap, folder, NULL, NULL, NULL,
	    err)) == 0)
		rc = imap_search_since(imap, day, &uids, &nuids, err);
	for (size_t off = 0, taken = 0; rc == 0 && off < nuids;
	    off += taken) {
		size_t n = nuids - off < (size_t)g->fetch_batch ?
		    nuids - off : (size_t)g->fetch_batch;
		struct imap_msg *msgs = NULL;
		size_t nmsgs = 0;

		if ((rc = imap_fetch_budget(imap, uids + off, n,
		    (size_t)g->max_mail_size * 4, (size_t)g->fetch_budget,
		    &msgs, &nmsgs, &taken, err)) != 0)
			break;
		if (taken == 0)
			taken = n;
		for (size_t i = 0; rc == 0 && i < nmsgs; i++) {
			struct intake_result res = { 0 };

			t.seen++;
			if (msgs[i].data == NULL) {
				/* the poller sent it to the quarantine
				 * folder, never here; left alone */
				t.oversize++;
				continue;
			}
			in->now = app_now(app);
			if ((rc = one(in, mb, &msgs[i], dry, &res, err)) == 0)
				tell(mb, &msgs[i], &res, dry, &t);
		}
		imap_msgs_free(&msgs, nmsgs);
	}
	free(uids);
	imap_close(&imap);
	if (rc == 0 && !there) {
		printf("mailbox %s: no folder %s: nothing to recover\n",
		    mb->name, folder);
		return 0;
	}
	printf("mailbox %s: %zu mail(s) in %s%s: %zu stored already, %zu %s "
	    "in, %zu %squarantined, %zu automatic (no ticket)", mb->name,
	    t.seen, folder, rc != 0 ? " looked at before the "
	    "failure" : "", t.stored, t.taken, dry ? "would be taken" :
	    "taken", t.quarantined, dry ? "would be " : "", t.dropped);
	if (t.oversize > 0)
		printf(", %zu over max_mail_size left alone", t.oversize);
	printf("\n");
	return rc;
}

/* A folder name as the command line gives it: printable, not too long
 * (the server says whether it exists). */
static bool
folder_ok(const char *f)
{
	size_t n = strlen(f);

	if (n == 0 || n > 255)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)f[i] < 0x20 || f[i] == 0x7f)
			return false;
	return true;
}

int
cli_recover(struct app *app, int argc, char **argv)
{
	const char *only = NULL, *when = NULL, *folder = NULL;
	struct gc_err err = { 0 };
	struct desk in = { .conf = app->conf, .now = app_now(app),
		.policy = app_policy(app) };
	time_t since = 0;
	bool dry = false, bad = false;
	struct tm day;
	int rc = 0;

	for (int i = 1; i < argc && !bad; i++) {
		if (strcmp(argv[i], "--dry-run") == 0 && !dry)
			dry = true;
		else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc &&
		    since == 0)
			bad = time_parse_iso8601(&since, when = argv[++i]) !=
			    0 || since <= 0;
		else if (strcmp(argv[i], "--mailbox") == 0 && i + 1 < argc &&
		    only == NULL)
			only = argv[++i];
		else if (strcmp(argv[i], "--folder") == 0 && i + 1 < argc &&
		    folder == NULL && folder_ok(argv[i + 1]))
			folder = argv[++i];
		else
			bad = true;
	}
	if (bad || since == 0 || (folder != NULL && only == NULL)) {
		fprintf(stderr, "usage: guichet recover --since TIME "
		    "[--mailbox NAME [--folder FOLDER]] [--dry-run]\n(TIME: "
		    "YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM], not in the "
		    "future; --folder, another folder of that mailbox than its "
		    "processed_folder, needs --mailbox)\n");
		return EX_USAGE;
	}
	if (since > in.now) {
		fprintf(stderr, "guichet: recover: --since %s is in the "
		    "future: no mail reached a folder then\n", when);
		return EX_USAGE;
	}
	if (only != NULL && conf_mailbox(app->conf, only) == NULL) {
		fprintf(stderr, "guichet: recover: no [mailbox %s] in %s\n",
		    only, app->config_path);
		return EX_USAGE;
	}
	/* SINCE is a day of the server's calendar: from the day before */
	since -= 86400;
	gmtime_r(&since, &day);
	if ((rc = app_db_connect(app, &in.db, &err)) == 0 &&
	    (rc = db_schema_check(in.db, &err)) == 0)
		rc = mailout_new(&in.out, app->conf, in.policy, &err);
	for (size_t i = 0; rc == 0 && i < app->conf->nmailboxes; i++) {
		const struct conf_mailbox *mb = &app->conf->mailboxes[i];

		if (only == NULL || strcmp(mb->name, only) == 0)
			rc = recover_mailbox(app, &in, mb, folder ? folder :
			    mb->processed_folder, &day, dry, &err);
	}
	mailout_free(&in.out);
	db_close(&in.db);
	if (rc != 0) {
		fprintf(stderr, "guichet: recover: %s%s\n", err.msg,
		    rc == GC_ETEMP ? " (what was stored stays stored: run it "
		    "again)" : "");
		return app_exit_code(rc);
	}
	return EX_OK;
}
