/*
 * mailout.h - queue a mail of ours: template → composed message → outbox
 *
 * mailout_queue() renders a template (conf/templates, or the config's
 * templates_dir overriding it) in the recipient's language, composes the
 * message (the rendered text and its HTML alternative, compose.h) with a
 * fresh Message-ID of ours, and, in the caller's
 * transaction, writes the outbox row, the outgoing message of the ticket
 * and a "mail_queued" event. The Message-ID is fixed then, so a retry of
 * the delivery never makes a second, different mail.
 *
 * Ownership: struct mailout caches parsed templates for one config
 * generation; free it with the config.
 */
#ifndef GC_MAILOUT_H
#define GC_MAILOUT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "conf/conf.h"
#include "sql/db.h"
#include "sql/store_event.h"
#include "sql/store_message.h"

struct mailout;
struct sla_policy;

struct mailout_var {
	const char *name;
	const char *value;
};

struct mailout_rcpt {
	const char *name;     /* display name or NULL */
	const char *addr;
};

struct mailout_file;

struct mailout_req {
	const char *template_name;   /* "ack", "update"... */
	const char *language;        /* "fr" | "en" */
	const char *purpose;         /* outbox purpose, e.g. "ack" */
	int64_t ticket_id;
	const struct mailout_rcpt *to; size_t nto;
	const struct mailout_rcpt *cc; size_t ncc;
	const char *reply_to;        /* the mailbox address, or NULL */
	const char *in_reply_to;     /* without <> */
	const char *const *references; size_t nreferences;
	const char *author;          /* "system" | "agent" */
	bool automatic;              /* Auto-Submitted: auto-replied */
	bool generated;              /* ... auto-generated: answers no mail
	                                (RFC 3834 3.1.7), e.g. a report */
	bool capped;                 /* counts against auto_reply_cap */
	bool bulk;                   /* one of many alike (reports): sent
	                                after every ticket's mail */
	bool urgent;                 /* sent first, as escalations are (a
	                                security report held as spam) */
	bool first_slot;             /* a new ticket's first mail to its
	                                customer side: takes its slot under
	                                ticket_send_cap (store_outbox) */
	long long slot_cap;          /* another mail to the customer side:
	                                its slot under this ticket_send_cap
	                                (> 0), taken as it is queued */
	const struct mailout_var *vars; size_t nvars;
	const char *from_name;       /* display name, default support_name */
	const char *id_hint;         /* Message-ID hint, default purpose */
	const char *message_id;      /* this Message-ID instead of a new one */
	bool not_a_message;          /* staff only: no message on the ticket
	                                (outbox row and event only) */
	const char *agent;           /* the agent it goes to / comes from */
	bool internal;               /* among agents only */
	const struct mailout_file *files; size_t nfiles;   /* attached */
	/* variables whose value in the HTML part is this HTML, already
	 * safe (html_safe.h), instead of their escaped text (at most 10) */
	const struct mailout_var *html_vars; size_t nhtml_vars;
};

struct mailout_file {
	const char *filename;
	const char *content_type;
	const void *data;
	size_t len;
};

/* policy: the plans' ranks that order the outbox (NULL: all alike). */
int mailout_new(struct mailout **out, const struct conf *conf,
    const struct sla_policy *policy, struct gc_err *err);
void mailout_free(struct mailout **mo);

/* message_id_r: at least 256 bytes, receives our Message-ID (no <>).
 * A capped mail to a recipient who already got auto_reply_cap automatic
 * mails in the last hour is not queued: an "auto_reply_capped" event is
 * written instead (the loop breaker that holds even against an
 * auto-responder marking nothing as automatic).
 * ticket_id 0: a mail about no ticket (the outbox row only). */
int mailout_queue(struct mailout *mo, struct db *db, time_t now,
    const struct mailout_req *req, char *message_id_r,
    struct gc_err *err);

/* The key of agents' tokens (agentauth.h), loaded once per config
 * generation. */
struct agentauth_key;
int mailout_agent_key(struct mailout *mo, struct db *db,
    const struct agentauth_key **out, struct gc_err *err);

/* A mail of ours rendered and composed but not stored (to store many in
 * one statement): the outbox row, the message on the ticket (NULL when
 * none) and the "mail_queued" event's JSON live as long as the mail. The
 * strings of req must outlive it. A capped mail needs the database:
 * GC_EINVAL (use mailout_queue()). */
struct mailout_mail;
int mailout_compose(struct mailout_mail **out, struct mailout *mo,
    time_t now, const struct mailout_req *req, struct gc_err *err);
const struct store_outbox *mailout_mail_outbox(const struct mailout_mail *m);
const struct store_message *mailout_mail_message(
    const struct mailout_mail *m);
const char *mailout_mail_event(const struct mailout_mail *m);
void mailout_mail_free(struct mailout_mail **m);

/* Check that every template of every language parses and uses only known
 * variables (check-config). */
void mailout_check_templates(const struct conf *conf,
    struct conf_diag *diag);

#endif
