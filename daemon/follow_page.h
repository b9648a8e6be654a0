/*
 * follow_page.h - the customer's page of a ticket (GET /ticket/TOKEN)
 *
 * The link at the end of our mails to the customer side (desk/follow.h)
 * leads here, through the [http] listener's thread. The page says where
 * the ticket stands, in the ticket's language: its number, subject
 * (withheld for a redacted queue's ticket, security by default: a link
 * may travel without its mail), status and priority; each SLA deadline
 * and when it was met; the ETA an agent gave; and the dates of what
 * happened (the customer's messages, our answers, the changes of status
 * and priority), the newest 100.
 * It quotes no message, and names no agent. It stores nothing: a mail
 * scanner that opens every link changes nothing. Times are in the
 * support's zone (its business calendar's).
 *
 * As rate_page.h: its own database connection and copies of the config,
 * one mutex. Answers: 200 with the page; 404 for a token that is not one
 * of ours, altered, revoked (`ticket revoke-links`), or whose ticket is
 * gone or anonymised (one answer for all: a guess learns nothing); 410
 * for a good token of a ticket closed longer than [http]
 * ticket_link_expiry; 503 when the database cannot be reached.
 */
#ifndef GC_FOLLOW_PAGE_H
#define GC_FOLLOW_PAGE_H

#include <time.h>

#include "conf/conf.h"

struct follow_page;

/* zone: the support's time zone name (NULL: UTC); now: the clock. */
void follow_page_new(struct follow_page **out, const struct conf *c,
    const char *zone, time_t (*now)(void *), void *now_arg);
void follow_page_free(struct follow_page **fp);

/* The answer to token (the URL after "/ticket/"): the HTTP status, and a
 * malloc'd HTML page in *page_r. */
unsigned follow_page_answer(struct follow_page *fp, const char *token,
    char **page_r);

#endif
