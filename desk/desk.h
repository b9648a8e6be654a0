/*
 * desk.h - the ticket domain's one context, and what one mail became
 *
 * desk/ is the support desk itself: a mail in (intake), the conversation
 * it belongs to (threading, authorship, commands, replies), the SLA
 * timers and their escalations, the mails we send. It knows nothing of
 * where mail comes from (IMAP, the MTA pipe, the quarantine) or of the
 * process around it: the daemon and the CLI fill a struct desk and hand
 * it to every call of this layer.
 *
 * The clock: `now` is the instant every timestamp of the call is written
 * at (the daemon's app_now(), fixed by --now in tests); the database's
 * now() is never used.
 *
 * Ownership: a struct desk borrows all it points at; the caller keeps
 * them alive for the call.
 */
#ifndef GC_DESK_H
#define GC_DESK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "conf/conf.h"
#include "sql/db.h"

struct desk_tagged;
struct mail;
struct mailout;
struct sla_policy;

struct desk {
	const struct conf *conf;
	struct db *db;
	time_t now;
	struct mailout *out;      /* templates and composition of replies */
	const struct sla_policy *policy;   /* qualification and timers */
	bool careful;             /* a savepoint per mail (see intake.h) */
	bool terminal;            /* an agent's text from the command line
				   * (agent_text.h): a command that cannot be
				   * applied fails the call */
	int orgs_imported;        /* 0 not known yet, 1 none, 2 some */
};

enum intake_outcome {
	INTAKE_NEW_TICKET,
	INTAKE_FOLLOWUP,
	INTAKE_DUPLICATE,
	INTAKE_QUARANTINED,
	INTAKE_DROPPED,       /* our own mail come back: recorded, not stored */
};

/* What one mail became: filled by intake and by the conversation. */
struct intake_result {
	enum intake_outcome outcome;
	char number[64];          /* the ticket's, when there is one */
	int64_t ticket_id;
	int64_t quarantine_id;
	char message_id[256];     /* of the mail, for the log line */
	char reason[256];         /* quarantine / duplicate / drop reason */
	bool bounce;              /* a delivery report, recorded */
	bool held;                /* quarantined because a rule holds it
				   * (spam), not for a fault */
};

/* A mail the desk handles: parsed, new (not a copy of one stored) and
 * not ours; automatic tells why it needs no answer (an out-of-office, a
 * robot), or is NULL. */
struct conv_mail {
	const struct conf_mailbox *mb;
	const struct mail *m;
	const char *raw;
	size_t len;
	uint32_t uid;
	const char *key;          /* dedup key */
	const char *automatic;    /* why the mail is automatic, or NULL */
	bool copy;                /* a copy of a mail stored on another
				   * ticket (#split): its Message-ID stays
				   * that ticket's, for the threading */
	struct desk_tagged *tagged;   /* the ticket its subject's first tag
				       * numbers, read with its claim
				       * (desk/thread.h), or NULL */
	bool released;            /* let in by an operator from the
				   * quarantine: no rule holds it again */
	bool blocked;             /* its sender is a blocked sender: held
				   * rather than a new ticket (ticket_open.h) */
};

#endif
