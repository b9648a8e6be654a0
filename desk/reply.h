/*
 * reply.h - the mails the desk writes about a ticket: to the customer and
 * the participants, to the agents of its queue, and to an agent whose
 * commands were refused
 *
 * Each is composed from a template with the ticket's variables, threaded
 * (the customer's last mail; each agent's own thread of the ticket, whose
 * Message-IDs carry the agent's token) and queued in the outbox in the
 * caller's transaction. Nothing is sent here.
 */
#ifndef GC_DESK_REPLY_H
#define GC_DESK_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "desk/desk.h"

struct store_ticket;

/* The mailbox the ticket came in by, else fallback; a NULL fallback is
 * the configuration's first mailbox (NULL when it has none), for the
 * mails no incoming mail prompted (scheduler, command line). */
const struct conf_mailbox *reply_mailbox(const struct conf *c,
    const struct store_ticket *t, const struct conf_mailbox *fallback);

/* Send a template to the customer and participants, threaded to the
 * customer's last mail. origin: the mail that opened the ticket, when
 * answering it at once (the acknowledgement): then the recipients and the
 * thread are known without asking the database. A ticket with no address
 * we can write to gets a "mail_not_sent" event instead. */
int reply_customer(struct desk *in, const struct store_ticket *t,
    const struct conf_mailbox *mb, const char *template_name,
    const char *purpose, const char *text, const struct conf_agent *agent,
    bool automatic, const struct mail *origin, struct gc_err *err);

struct mailout_var;

/* reply_customer() of an automatic mail (no agent, no text) with extra
 * template variables. */
int reply_customer_vars(struct desk *in, const struct store_ticket *t,
    const struct conf_mailbox *mb, const char *template_name,
    const char *purpose, const struct mailout_var *extra, size_t nextra,
    struct gc_err *err);

/* An agent's reply m relayed to the customer and participants with the
 * template "update", "resolution", "rca" or a canned reply (text: the
 * agent's text without the commands; extra: more template variables).
 * m's files go along, up to [guichet] reply_attach_max bytes in all
 * (16MB at most): each one past it is named in a line added to the text
 * and gets an "attachment_not_sent" event. When m was written in HTML,
 * its HTML, sanitised (html_safe.h: no quoted history, no #commands,
 * nothing active), stands for the text in the HTML part. */
int reply_relay(struct desk *in, const struct store_ticket *t,
    const struct conf_mailbox *mb, const char *template_name,
    const char *purpose, const char *text, const struct conf_agent *agent,
    const struct mail *m, const struct mailout_var *extra, size_t nextra,
    struct gc_err *err);

/* Tell the agents of the ticket's queue (but except_agent), each in their
 * own thread of the ticket; fresh: the ticket's first notification, the
 * root of those threads. m: the mail told of (its attachments listed, and
 * joined up to [general] notify_attach_max), or NULL. */
int reply_agents(struct desk *in, const struct store_ticket *t,
    const struct conf_mailbox *mb, const char *text, const char *author,
    const struct mail *m, const char *except_agent, bool fresh,
    struct gc_err *err);

/* Tell the agents of the ticket's queue, in their threads of it, that
 * our mail what (its purpose: "update", "resolution"...) did not reach
 * recipient, and why (template "undelivered"). */
int reply_agents_undelivered(struct desk *in, const struct store_ticket *t,
    const struct conf_mailbox *mb, const char *recipient, const char *what,
    const char *error, struct gc_err *err);

/* A reminder set by agent by ("#remind") is due at at (ISO 8601): told
 * to agent (NULL: every agent of the ticket's queue) in their thread of
 * the ticket (template "reminder"). */
int reply_agents_reminder(struct desk *in, const struct store_ticket *t,
    const struct conf_mailbox *mb, const char *agent, const char *by,
    const char *at, struct gc_err *err);

/* Tell an agent why the commands of the mail in_reply_to were refused;
 * why NULL: the agent asked for the list (#help). */
int reply_command_error(struct desk *in, const struct store_ticket *t,
    const struct conf_mailbox *mb, const struct conf_agent *agent,
    const char *in_reply_to, const char *why, struct gc_err *err);

/* Tell an agent that their answer in_reply_to was held: first (who)
 * answered the customer at `at` (a time to show) with text, which a
 * redacted queue's mail does not copy (template "answer_held"). */
int reply_answer_held(struct desk *in, const struct store_ticket *t,
    const struct conf_mailbox *mb, const struct conf_agent *agent,
    const char *in_reply_to, const char *first, const char *at,
    const char *text, struct gc_err *err);

/* What a mail to agents in lang ("fr", else English) says instead of
 * the subject of a ticket of a redacted queue (conf_queue_redacted). */
const char *reply_withheld_subject(const char *lang);

/* A ticket's status ("new", "open", ...) as its customer reads it, in
 * lang ("fr", else English): "received", "en cours"...; an unknown
 * status as it is. The ticket page and {{status_label}} say these. */
const char *reply_status_label(const char *status, const char *lang);

/* An SLA timer's kind ("acknowledge", "resolve", ...) as agents read it,
 * in lang ("fr", else English): "acknowledgement", "prise en compte"...;
 * an unknown kind as it is. {{timer_label}}, the digest and the gathered
 * escalations say these. */
const char *reply_timer_label(const char *kind, const char *lang);

#endif
