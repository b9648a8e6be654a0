/*
 * digest.h - each agent's morning list of the open tickets of their
 * queues
 *
 * Agents work from their mail, with no screen of the queue: what is
 * still open, whose deadline comes first, what nobody has taken, is
 * otherwise scattered over the notifications of the days before. With
 * [digest] at = HH:MM, each agent who works on a queue gets, once a day
 * on the days the business calendar opens (its holidays and weekends
 * skipped; every day for a 24/7 one), at the first scheduler pass at or
 * after that local time, a mail (template "digest") listing the open
 * tickets (new, open, pending) of all their queues in the order of
 * `ticket list`: the soonest running SLA deadline first, then the
 * plan's rank. Each line: number, priority, plan, status, that deadline
 * in the calendar's zone and whether it has passed, who has the ticket;
 * then its subject, on one line, cut to DIGEST_SUBJECT_MAX bytes, and
 * withheld for the security queue and redacted queues, as the agents'
 * notifications withhold it. At most [digest] max_tickets are listed,
 * the others counted. An agent with nothing open gets no mail.
 *
 * A daemon stopped at the hour sends when it comes back, the same day.
 * Once per agent and local day, whichever daemon and however many
 * passes: a row (sql/digest_db.h) claimed in the transaction that queues
 * the mail. A digest that cannot be made (an operator's template that
 * does not render) is logged and tried again at the next pass.
 */
#ifndef GC_DESK_DIGEST_H
#define GC_DESK_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "desk/desk.h"

#define DIGEST_SUBJECT_MAX 80
/* Agents whose digest one pass makes, with one read of the open tickets
 * of all their queues; the others go at the next passes, 30 s apart. */
#define DIGEST_PER_PASS 100

/* A ticket's subject as agents' lists show it, into out (len at least
 * DIGEST_SUBJECT_MAX + 1): one line, cut to DIGEST_SUBJECT_MAX bytes;
 * a sentence instead for a redacted queue (English or French). */
void digest_subject_line(const struct conf *conf, const char *queue,
    const char *subject, bool is_fr, char *out, size_t len);

/* Whether in->now is at or after today's [digest] at, on a day the
 * business calendar opens: then day gets the local date ("2026-11-27",
 * daylen >= 11 bytes). False when [digest] is off or there is no
 * policy. Reads no database. */
bool digest_due(const struct desk *in, char *day, size_t daylen);

/* The digests of day (digest_due()'s) not sent yet, DIGEST_PER_PASS
 * agents at most: one read of the open tickets of their queues, then
 * each agent's claim and mail in a transaction of its own; *mails_r
 * counts the mails queued. Only a database error is returned; an agent
 * whose digest cannot be made is logged and left for the next pass. */
int digest_send(struct desk *in, const char *day, int *mails_r,
    struct gc_err *err);

#endif
