/*
 * conversation.h - what a stored mail does to the conversation
 *
 * Called by intake once a mail is parsed, new (not a copy) and not ours,
 * under the mail's savepoint. It decides who is writing (the ticket's
 * customer or a participant, an authenticated agent, or a stranger) and
 * acts: open a ticket (participants from Cc, acknowledgement, agents
 * notified), append a customer's follow-up (reopening a resolved ticket,
 * or closing it when the customer confirms), apply an agent's #commands
 * and relay the agent's new text to the customer, or keep a stranger out
 * of a ticket (a new related ticket, or held in the quarantine).
 * Every change is an event; every mail we send goes through the outbox.
 */
#ifndef GC_CONVERSATION_H
#define GC_CONVERSATION_H

#include <stdbool.h>
#include <stdint.h>

#include "desk/desk.h"
#include "parsers/confirm.h"
#include "sql/store_ticket.h"

int conversation_handle(struct desk *in, const struct conv_mail *cm,
    struct intake_result *res, struct gc_err *err);

/* A mail ops release from the quarantine (`guichet quarantine release`):
 * into the ticket numbered into (a merged one leads to the ticket it was
 * merged into) as a customer's message, whoever sent it; or, into NULL,
 * as a new ticket (related to the ticket the mail names, if any, which
 * records it with a "stranger_followup" event). Its #commands are not
 * applied and its sender becomes neither an agent nor a participant of
 * an existing ticket. GC_ENOTFOUND: no ticket into. */
int conversation_release(struct desk *in, const struct conv_mail *cm,
    const char *into, struct intake_result *res, struct gc_err *err);

/* A delivery report: matched to the ticket of our mail it reports on
 * (by that mail's Message-ID) and recorded there, never a new ticket and
 * never answered; one that matches nothing goes to the quarantine. */
struct bounce;
int conversation_bounce(struct desk *in, const struct conv_mail *cm,
    const struct bounce *b, struct intake_result *res, struct gc_err *err);

/* What a customer's words (a reply's new text, a rating's comment) say
 * of a resolution. */
enum confirm_verdict conversation_verdict(const struct conf *c,
    const char *text);

/* A resolved ticket t confirmed by its customer (author): closed, a
 * "validated" event, the closing mail. */
int conversation_validate(struct desk *in, struct store_ticket *t,
    const struct conf_mailbox *mb, const char *author, struct gc_err *err);

/* Ticket t open again by its customer's words (text, author): a
 * "reopened" event, the mail that says so. */
int conversation_reopen(struct desk *in, struct store_ticket *t,
    const struct conf_mailbox *mb, const char *text, const char *author,
    struct gc_err *err);

/* Close ticket id, left unanswered, with an "auto_closed" event saying
 * why, a closing mail and its timers stopped. */
int conversation_close_unanswered(struct desk *in, int64_t id,
    const char *why, struct gc_err *err);

/* Close resolved tickets left unanswered for the configured delay, each
 * with a closing mail; *closed_r counts them. */
int conversation_autoclose(struct desk *in, long long delay_seconds,
    int *closed_r, struct gc_err *err);

#endif
