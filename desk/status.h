/*
 * status.h - the public status page: what is published, the files
 * written, the mails to subscribers
 *
 * What reaches the page is only what was published for it (status_db.h
 * posts): the titles and texts of agents' #incident commands
 * (desk/incident.h) and of `guichet status maintenance`, never a
 * ticket's subject or messages.
 *
 * status_render() writes PATH/index.html, PATH/feed.atom and
 * PATH/status.json ([status] dir, made when missing), each replaced
 * whole (a temporary file renamed over it): a reader sees the old page or
 * the new one. It reads through the caller's connection, so within a
 * transaction it shows what that transaction changed.
 *
 * Each post goes by mail to every subscriber of the time it was
 * published, once (a row per post and subscriber claimed by the scheduler
 * pass, status_tick()), through the outbox, with List-Unsubscribe.
 * Unsubscribing: `guichet status unsubscribe ADDRESS|--token T`, a
 * reply "unsubscribe" to a status mail from the subscriber's address, or
 * a mail whose subject is "unsubscribe TOKEN" (the mailto: link of
 * List-Unsubscribe) to one of our mailboxes.
 */
#ifndef GC_DESK_STATUS_H
#define GC_DESK_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#include "desk/desk.h"

#define STATUS_TITLE_MAX 200       /* bytes of a title */
#define STATUS_HISTORY_DAYS 90     /* what the page shows of the past */
#define STATUS_TOKEN_LEN 32        /* hex digits of a subscriber's token */

/* Whether [status] is configured. */
bool status_on(const struct conf *c);

/* Write the three files now. 0; GC_ECONFIG when [status] is off;
 * GC_EIO naming the file and the cause when it cannot be written (the
 * files on disk stay as they were). */
int status_render(struct desk *in, struct gc_err *err);

/* After a change published in the caller's transaction: the page written
 * at once. A failure is logged, never returned: the change stands, and
 * the next scheduler pass writes the page again. */
void status_changed(struct desk *in);

/* The scheduler's part: the subscribers' mails of new posts queued, and
 * the page written again when it is out of date or a maintenance started
 * or ended since it was written. In its own transaction. *mails_r: how
 * many mails were queued. */
int status_tick(struct desk *in, int *mails_r, struct gc_err *err);

/* A mail that asks to unsubscribe: *taken when it was one (then res says
 * so and nothing else is to be done with it). */
struct conv_mail;
int status_mail_in(struct desk *in, const struct conv_mail *cm,
    struct intake_result *res, bool *taken, struct gc_err *err);

/* Check a list of component names ("api, web") against [status]
 * components and write it as the rows keep it ("api,web", the config's
 * spelling) into out. 0, or 1 with why (in French: fr). NULL or "": all
 * (out ""). */
int status_components(const struct conf *c, const char *list, char *out,
    size_t outlen, bool fr, char *why, size_t whylen);

/* A title or text fit for the page: valid UTF-8, no control character
 * (they become spaces), runs of spaces squeezed, trimmed; NULL when
 * nothing is left or when it is longer than max bytes (*too_long). */
char *status_clean_text(const char *s, size_t len, size_t max,
    bool *too_long);

/* Subscribe address (checked: an address we can write to, not one of
 * ours). 0 with *added false when subscribed already; GC_EINVAL with why
 * in err for a bad address. */
int status_subscribe(struct desk *in, const char *address, bool *added,
    struct gc_err *err);

#endif
