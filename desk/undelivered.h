/*
 * undelivered.h - an answer of ours that did not reach the customer
 *
 * A mail with an agent's words for the customer (purposes "update",
 * "resolution", "rca", "canned_reply") that the relay refused for good,
 * that was given up after its retries (daemon/outbox.c), or that came
 * back in a delivery report of failure (conversation_bounce(), which
 * finds the customer in the report whatever its writing): the
 * customer has not read it, so the ticket is the desk's move again.
 * A pending or resolved ticket becomes open (event status_changed with
 * "reason": "undelivered"), so that its clock runs again and it is not
 * closed for want of an answer, and the agents of its queue are told,
 * in their threads of the ticket, to whom, which mail and why (template
 * "undelivered").
 *
 * Other mails keep their delivery events only: an acknowledgement that
 * bounces is most often a forged sender's (spam), an agent's
 * notification that bounces must not make another, and a copy to a
 * participant in Cc does not leave the customer without the answer.
 */
#ifndef GC_UNDELIVERED_H
#define GC_UNDELIVERED_H

#include <stdbool.h>
#include <stdint.h>

#include "desk/desk.h"

/* Whether a mail of this purpose carries an agent's answer. */
bool undelivered_is_answer(const char *purpose);

/* Our mail message_id (without <>) of purpose about ticket_id did not
 * reach recipient (NULL: a report naming no recipient, taken as the
 * customer), for error; acts as above when the mail was an answer and
 * recipient is the ticket's customer, once per mail (an event
 * "answer_undelivered" says so: more reports about it, forged or not,
 * change nothing), else does nothing. In the caller's transaction. */
int undelivered_answer(struct desk *in, int64_t ticket_id,
    const char *purpose, const char *message_id, const char *recipient,
    const char *error, struct gc_err *err);

#endif
