/*
 * store_participant.h - who takes part in a ticket's conversation: its
 * requester and the people in copy
 *
 * Conventions of the whole store (transactions, deferred writes, times,
 * ids, who owns what is returned): see sql/store.h.
 */
#ifndef GC_SQL_STORE_PARTICIPANT_H
#define GC_SQL_STORE_PARTICIPANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "sql/db.h"

struct store_participant {
	char *address;          /* lowercased */
	char *name;             /* may be NULL */
	char role[16];          /* "requester" | "cc" */
};

int store_participant_add(struct db *db, int64_t ticket_id,
    const char *address, const char *name, const char *role, time_t now,
    struct gc_err *err);
/* *out is malloc'd; free with store_participants_free(). */
int store_participants(struct db *db, int64_t ticket_id,
    struct store_participant **out, size_t *n_r, struct gc_err *err);
void store_participants_free(struct store_participant **p, size_t n);

/* What a mail of ours to a ticket's customer side needs, in one round
 * trip: the ticket's participants (as store_participants() gives them),
 * the Message-IDs of its mails that are not internal, oldest first (at
 * most max_ids, the newest kept: a reply's References), and the newest
 * incoming customer Message-ID or NULL (its In-Reply-To). Free with
 * store_reply_context_clear(). */
struct store_reply_context {
	struct store_participant *parts;
	size_t nparts;
	char **ids;
	size_t nids;
	char *last;
};
int store_reply_context(struct db *db, int64_t ticket_id, size_t max_ids,
    struct store_reply_context *o, struct gc_err *err);
void store_reply_context_clear(struct store_reply_context *o);

#endif
