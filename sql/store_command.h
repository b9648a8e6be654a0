/*
 * store_command.h - what agents' #commands change on a ticket beyond its
 * row's basics: queue, tags, participants in copy, the promised solution
 * time (eta), and the customer mail a #split takes out
 *
 * Conventions of the whole store (transactions, deferred writes, times,
 * ids, who owns what is returned): see sql/store.h.
 */
#ifndef GC_SQL_STORE_COMMAND_H
#define GC_SQL_STORE_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "sql/db.h"

int store_ticket_set_queue(struct db *db, int64_t id, const char *queue,
    time_t now, struct gc_err *err);

/* The ticket's tags: *out malloc'd (free with store_strings_free()). */
int store_ticket_tags(struct db *db, int64_t id, char ***out, size_t *n_r,
    struct gc_err *err);
/* Add (once) or remove a tag. */
int store_ticket_tag(struct db *db, int64_t id, const char *tag, bool add,
    time_t now, struct gc_err *err);

/* Remove a participant in copy (never the requester); *removed_r says
 * whether there was one with that address. */
int store_participant_remove(struct db *db, int64_t ticket_id,
    const char *address, bool *removed_r, struct gc_err *err);

/* A reminder to agent at at (0: none, the one set cancelled). */
int store_ticket_set_remind(struct db *db, int64_t id, time_t at,
    const char *agent, time_t now, struct gc_err *err);

/* A reminder come due: the ticket, who asked, when. */
struct store_remind {
	int64_t ticket_id;
	char agent[64];
	time_t at;
};

/* Take at most max reminders due at now, oldest first, in the caller's
 * transaction: cleared as they are taken (a second daemon skips the
 * rows this one holds). *out malloc'd, *n_r of them. */
int store_remind_take(struct db *db, time_t now, int max,
    struct store_remind **out, size_t *n_r, struct gc_err *err);

/* The promised solution time (read back as store_ticket's eta). */
int store_ticket_set_eta(struct db *db, int64_t id, time_t eta, time_t now,
    struct gc_err *err);

/* The customer mail a #split takes: the last one received before our
 * notification notification_mid (without <>) when that is one of ours
 * about the ticket, else the ticket's last customer mail kept whole.
 * *raw_r malloc'd (*len_r bytes, NUL-terminated); *done_r: a message
 * with dedup key key_prefix + its id exists already (split before).
 * GC_ENOTFOUND: the ticket has no customer mail kept whole. */
int store_split_source(struct db *db, int64_t ticket_id,
    const char *notification_mid, const char *key_prefix, int64_t *msg_id_r,
    char **raw_r, size_t *len_r, bool *done_r, struct gc_err *err);

/* The purpose of an agent's mail held by answer_collision = hold. */
#define STORE_HELD_ANSWER "held_answer"

/* The last answer to the customer of the ticket by another agent than
 * agent, queued after the mail whose Message-ID is seen_mid (one of our
 * mails to the agent, or a stored message): *json_r a message object of
 * sql/views.h's form with "agent" and "at" (Unix seconds), malloc'd, or
 * NULL when there is none, or no such mail. */
int store_crossed_answer(struct db *db, int64_t ticket_id,
    const char *seen_mid, const char *agent, char **json_r,
    struct gc_err *err);

/* An agent's stored mail held (kept among agents, purpose
 * STORE_HELD_ANSWER), or let go (held false: a message of the
 * conversation). */
int store_answer_held(struct db *db, int64_t message_id, bool held,
    struct gc_err *err);

/* The agent's last mail held on the ticket: its row, Message-ID and
 * raw bytes as stored (*raw_r malloc'd, *len_r bytes; sealed or not).
 * GC_ENOTFOUND: none. */
int store_answer_held_find(struct db *db, int64_t ticket_id,
    const char *agent, int64_t *id_r, char *mid, size_t midlen,
    char **raw_r, size_t *len_r, struct gc_err *err);

#endif
