/*
 * store_event.h - what happens to a ticket: its events, and the mails of
 * ours queued in the outbox with their message and their event
 *
 * Conventions of the whole store (transactions, deferred writes, times,
 * ids, who owns what is returned): see sql/store.h.
 */
#ifndef GC_SQL_STORE_EVENT_H
#define GC_SQL_STORE_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "sql/db.h"
#include "sql/store_message.h"

struct store_outbox {
	const char *kind;            /* "mail" | "webhook" */
	const char *purpose;
	int64_t ticket_id;           /* 0: none */
	const char *message_id;
	const char *mail_from;
	const char *const *rcpts; size_t nrcpts;
	const char *url;
	const char *data; size_t len;
	time_t now;
	/* the first mail of a ticket opened in this transaction to its
	 * customer side: its slot under ticket_send_cap is now, logged in
	 * the same statement */
	bool first_slot;
	/* another mail of a ticket: its slot under this ticket_send_cap
	 * (> 0) is taken in the statement, the row written with it (a
	 * mail past the cap waits, with a mail_held event) */
	long long slot_cap;
	/* the outbox sends lower ranks first (sql/032_outbox_rank.sql):
	 * 0 an escalation or a P1's mail, then a plan's rank, then
	 * STORE_RANK_BULK */
	int rank;
};

/* The rank of mail sent to many alike (status notices, reports): after
 * every ticket's mail. Plans' ranks stay below (sla/policy_read.c). */
#define STORE_RANK_BULK 1000000

/* Whether ticket_id has an event of kind whose data's "message_id" is
 * message_id. */
int store_event_seen(struct db *db, int64_t ticket_id, const char *kind,
    const char *message_id, bool *seen_r, struct gc_err *err);

/* data_json: a JSON object as text ("{}" when NULL). */
int store_event(struct db *db, int64_t ticket_id, time_t at,
    const char *kind, const char *actor, const char *data_json,
    struct gc_err *err);

/* A mail of ours in one round trip: its outbox row, its message on the
 * ticket (m NULL for a mail about no ticket) and a "mail_queued" event
 * with ev_json. An automatic mail names its recipients in capped: when
 * one of them already got cap automatic mails in the hour before o->now,
 * nothing is queued and the event is "auto_reply_capped" instead (the
 * loop breaker that holds against responders that mark nothing). */
int store_mail_out(struct db *db, const struct store_outbox *o,
    const struct store_message *m, const char *ev_json,
    const char *const *capped, size_t ncapped, long long cap,
    int64_t *outbox_r, struct gc_err *err);

#endif
