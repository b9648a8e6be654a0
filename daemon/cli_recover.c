/*
 * cli_recover.c - `guichet recover --since TIME [--mailbox NAME
 * [--folder FOLDER]] [--dry-run]`: the mails of each mailbox's processed
 * folder taken in again, those the database lacks stored.
 *
 * A mail leaves its folder for processed_folder only once its ticket is
 * committed. A database restored from a dump older than its last mails,
 * or a failover to a standby that had not received the last commits,
 * loses those tickets while their mails sit in processed_folder. recover
 * reads that folder of each mailbox (the mails that reached it on TIME's
 * day or later, from the day before so that the server's time zone
 * cannot hide one) and gives each mail to intake as the MTA's path does,
 * one transaction a mail, the mails of all mailboxes in the order they
 * first reached their folders (their INTERNALDATE, which the move to
 * processed_folder keeps): the mailboxes share the ticket numbering, so
 * that, run before the daemons, each lost ticket gets the number its
 * acknowledgement named. A mail stored already is recognised by its key
 * (dedup.h) and left alone; the others become tickets or follow-ups again, with their
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
#include "daemon/imap_conn.h"
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

/* A mailbox's folder to read, and what became of its mails. */
struct box {
	const struct conf_mailbox *mb;
	const char *folder;
	struct imap_conn *imap;
	bool there;             /* the folder exists */
	uint32_t *uids;         /* what reached it since the day, ascending */
	time_t *dates;          /* their INTERNALDATE, indexed like uids */
	size_t n;
	struct tally t;
};

/* One mail to take: the nth UID of a box. */
struct item {
	time_t date;
	size_t box, nth;
};

/* The order the mails were first taken in: when they reached their
 * folder (a move keeps the INTERNALDATE of the INBOX it came to), then
 * the config's order of the mailboxes, then the UIDs. */
static int
cmp_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	if (x->box != y->box)
		return x->box < y->box ? -1 : 1;
	return x->nth < y->nth ? -1 : x->nth > y->nth;
}

/* Connect, find the folder, list the mails that reached it since day,
 * with their dates. */
static int
box_open(struct app *app, struct box *b, const struct tm *day,
    struct gc_err *err)
{
	int rc;

	if ((rc = poller_connect_mailbox(app->conf, b->mb, &b->imap,
	    err)) == 0 && (rc = imap_folder_exists(b->imap, b->folder,
	    &b->there, err)) == 0 && b->there && (rc = imap_select(b->imap,
	    b->folder, NULL, NULL, NULL, err)) == 0 && (rc =
	    imap_search_since(b->imap, day, &b->uids, &b->n, err)) == 0 &&
	    b->n > 0) {
		b->dates = xcalloc(b->n, sizeof(*b->dates));
		rc = imap_internal_dates(b->imap, b->uids, b->n, b->dates,
		    err);
	}
	return rc;
}

/* The mails uids[0..n) (ascending) of box b through intake, in that
 * order, fetched within fetch_budget. */
static int
take_run(struct app *app, struct desk *in, struct box *b,
    const uint32_t *uids, size_t n, bool dry, struct gc_err *err)
{
	const struct conf_general *g = &app->conf->general;
	int rc = 0;

	for (size_t off = 0, taken = 0; rc == 0 && off < n; off += taken) {
		struct imap_msg *msgs = NULL;
		size_t nmsgs = 0;

		if ((rc = imap_fetch_budget(b->imap, uids + off, n - off,
		    (size_t)g->max_mail_size * 4, (size_t)g->fetch_budget,
		    &msgs, &nmsgs, &taken, err)) != 0)
			break;
		if (taken == 0)
			taken = n - off;
		for (size_t i = 0; rc == 0 && i < nmsgs; i++) {
			struct intake_result res = { 0 };

			b->t.seen++;
			if (msgs[i].data == NULL) {
				/* the poller sent it to the quarantine
				 * folder, never here; left alone */
				b->t.oversize++;
				continue;
			}
			in->now = app_now(app);
			if ((rc = one(in, b->mb, &msgs[i], dry, &res, err)) == 0)
				tell(b->mb, &msgs[i], &res, dry, &b->t);
		}
		imap_msgs_free(&msgs, nmsgs);
	}
	return rc;
}

/* Every box's mails, all boxes' in the order they were first taken
 * (cmp_item()): the tickets come back with the numbers their
 * acknowledgements named, the mailboxes sharing the numbering. Runs of
 * one box's mails in UID order are fetched together (at most
 * fetch_batch). */
static int
take_all(struct app *app, struct desk *in, struct box *boxes, size_t nb,
    bool dry, struct gc_err *err)
{
	size_t batch = (size_t)app->conf->general.fetch_batch, total = 0;
	struct item *items;
	uint32_t *run;
	int rc = 0;

	for (size_t i = 0; i < nb; i++)
		total += boxes[i].n;
	items = xcalloc(total + 1, sizeof(*items));
	run = xcalloc(batch + 1, sizeof(*run));
	for (size_t i = 0, k = 0; i < nb; i++)
		for (size_t j = 0; j < boxes[i].n; j++, k++)
			items[k] = (struct item){ boxes[i].dates[j], i, j };
	qsort(items, total, sizeof(*items), cmp_item);
	for (size_t i = 0; rc == 0 && i < total;) {
		struct box *b = &boxes[items[i].box];
		size_t n = 0;

		run[n++] = b->uids[items[i++].nth];
		while (i < total && n < batch && items[i].box ==
		    items[i - 1].box && b->uids[items[i].nth] > run[n - 1])
			run[n++] = b->uids[items[i++].nth];
		rc = take_run(app, in, b, run, n, dry, err);
	}
	free(run);
	free(items);
	return rc;
}

static void
box_report(const struct box *b, bool failed, bool dry)
{
	if (!failed && !b->there) {
		printf("mailbox %s: no folder %s: nothing to recover\n",
		    b->mb->name, b->folder);
		return;
	}
	printf("mailbox %s: %zu mail(s) in %s%s: %zu stored already, %zu %s "
	    "in, %zu %squarantined, %zu automatic (no ticket)", b->mb->name,
	    b->t.seen, b->folder, failed ? " looked at before the "
	    "failure" : "", b->t.stored, b->t.taken, dry ? "would be taken" :
	    "taken", b->t.quarantined, dry ? "would be " : "", b->t.dropped);
	if (b->t.oversize > 0)
		printf(", %zu over max_mail_size left alone", b->t.oversize);
	printf("\n");
}

/* A folder name as the command line gives it: as a config's folder
 * (imap_check_folder: not empty, no control bytes, FOLDER_MAX bytes at
 * most); the server says whether it exists. */
static bool
folder_ok(const char *f)
{
	struct gc_err err = { 0 };

	return imap_check_folder(f, "--folder", &err) == 0;
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
	struct box *boxes = NULL;
	size_t nb = 0;
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
	boxes = xcalloc(app->conf->nmailboxes + 1, sizeof(*boxes));
	for (size_t i = 0; rc == 0 && i < app->conf->nmailboxes; i++) {
		const struct conf_mailbox *mb = &app->conf->mailboxes[i];
		struct box *b = &boxes[nb];

		if (only != NULL && strcmp(mb->name, only) != 0)
			continue;
		b->mb = mb;
		b->folder = folder ? folder : mb->processed_folder;
		nb++;
		rc = box_open(app, b, &day, &err);
	}
	if (rc == 0)
		rc = take_all(app, &in, boxes, nb, dry, &err);
	for (size_t i = 0; i < nb; i++) {
		box_report(&boxes[i], rc != 0, dry);
		imap_close(&boxes[i].imap);
		free(boxes[i].uids);
		free(boxes[i].dates);
	}
	free(boxes);
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
