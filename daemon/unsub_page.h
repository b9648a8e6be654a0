/*
 * unsub_page.h - the one-click unsubscribe link of status mails
 * (GET and POST /unsubscribe/TOKEN, RFC 8058)
 *
 * With [http] public_url and [status], every status mail's
 * List-Unsubscribe names <public_url>/unsubscribe/TOKEN beside its
 * mailto: link, with List-Unsubscribe-Post: List-Unsubscribe=One-Click:
 * a mail client POSTs to it and the subscriber is gone. GET shows a page
 * with a button (link scanners that fetch every URL never unsubscribe
 * anyone); only a POST unsubscribes. As rate_page.h: its own database
 * connection and copies of what it needs of the config.
 *
 * Answers: 200 with a page; 404 for a token that is no subscriber's (or
 * one unsubscribed already: the page says so, and nothing changes); 503
 * when the database cannot be reached.
 */
#ifndef GC_UNSUB_PAGE_H
#define GC_UNSUB_PAGE_H

#include <stdbool.h>
#include <time.h>

#include "conf/conf.h"

struct unsub_page;

void unsub_page_new(struct unsub_page **out, const struct conf *c,
    time_t (*now)(void *), void *now_arg);
void unsub_page_free(struct unsub_page **up);

/* The answer to token (the URL after "/unsubscribe/"): the HTTP status,
 * and a malloc'd HTML page in *page_r. post: unsubscribe. */
unsigned unsub_page_answer(struct unsub_page *up, const char *token,
    bool post, char **page_r);

#endif
