/*
 * intake.h - one incoming mail into the database
 *
 * intake_mail() takes the raw bytes of one mail (from IMAP or the MTA
 * pipe) and, inside the caller's transaction, under a savepoint of its
 * own, either stores it as a message of a new or existing ticket (with
 * its events and any acknowledgement queued in the outbox), recognises it
 * as a copy already stored, or puts it in the quarantine with the reason.
 * A mail is never dropped: when storing fails for a reason other than the
 * database being unreachable, the mail is quarantined instead.
 *
 * The caller commits; only then may the mail leave its IMAP folder. When
 * intake_mail returns GC_ETEMP the database went away: the caller rolls
 * the whole transaction back and leaves the mails where they are.
 *
 * Savepoints cost two round trips per mail, so a batch runs without them
 * (careful = false) as long as every mail goes well: a mail whose writes
 * fail makes intake_mail return GC_ERETRY, and the caller rolls the batch
 * back and runs it again with careful = true, where each mail has its
 * savepoint and a failing one is quarantined alone.
 */
#ifndef GC_INTAKE_H
#define GC_INTAKE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "conf/conf.h"
#include "sql/db.h"

struct mailout;
struct sla_policy;

enum intake_outcome {
	INTAKE_NEW_TICKET,
	INTAKE_FOLLOWUP,
	INTAKE_DUPLICATE,
	INTAKE_QUARANTINED,
	INTAKE_DROPPED,       /* our own mail come back: recorded, not stored */
};

struct intake_result {
	enum intake_outcome outcome;
	char number[64];          /* the ticket's, when there is one */
	int64_t ticket_id;
	int64_t quarantine_id;
	char message_id[256];     /* of the mail, for the log line */
	char reason[256];         /* quarantine / duplicate / drop reason */
	bool bounce;              /* a delivery report, recorded */
};

struct intake {
	const struct conf *conf;
	struct db *db;
	time_t now;
	struct mailout *out;      /* templates and composition of replies */
	const struct sla_policy *policy;   /* qualification and timers */
	bool careful;             /* a savepoint per mail (see above) */
	int orgs_imported;        /* 0 not known yet, 1 none, 2 some */
};

int intake_mail(struct intake *in, const struct conf_mailbox *mb,
    const char *raw, size_t len, uint32_t imap_uid,
    struct intake_result *res, struct gc_err *err);

/* Who a mail's ticket answers: its From: address, else the first
 * Reply-To:, Sender: or Return-Path: address; NULL when none is usable. */
struct mail;
const char *intake_sender(const struct mail *m);

/* A one-line description of a result for the log. */
const char *intake_outcome_name(enum intake_outcome o);
/* The same as one word, for the logs' outcome field: "ticket",
 * "followup", "duplicate", "quarantine", "loop_suppressed" (the words of
 * the metrics' outcome label). */
const char *intake_outcome_key(enum intake_outcome o);

#endif
