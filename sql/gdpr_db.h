/*
 * gdpr_db.h - the statements of retention, export and erasure
 *
 * Finding the tickets to anonymise (closed past their queue's retention,
 * or those of one person), the addresses and events they hold, the
 * anonymisation of a batch of tickets in one go, and the reads of an
 * export page by page (keyset pagination: no statement holds more than a
 * page, or one attachment, in memory).
 *
 * A person is the writings of their address (parsers/address.h: the
 * domain in U-labels and in A-labels) of the address lower-cased by the
 * database (gdpr_db_lower()), a NULL-ended list. They are compared with `=` to
 * lower-cased columns, never with LIKE, so `%` and `_` in them are
 * plain characters.
 *
 * Conventions of the whole store (transactions, times, ids, who owns what
 * is returned): see sql/store.h. The domain is desk/gdpr.h.
 */
#ifndef GC_SQL_GDPR_DB_H
#define GC_SQL_GDPR_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "sql/db.h"

/* A list of ticket ids (malloc'd v; gdpr_db_ids_clear() frees it). */
struct gdpr_ids {
	int64_t *v;
	size_t n;
};
void gdpr_db_ids_clear(struct gdpr_ids *ids);

/* Closed tickets not anonymised whose closure is before their cutoff,
 * locked (FOR UPDATE SKIP LOCKED: a ticket another daemon is on is left
 * to it), at most limit, the oldest closure first. A ticket of queue
 * queues[i] has cutoffs[i] (0: never); any other, dflt (0: never). */
int gdpr_db_claim_expired(struct db *db, const char *const *queues,
    const time_t *cutoffs, size_t nqueues, time_t dflt, int limit,
    struct gdpr_ids *out, struct gc_err *err);

/* s lower-cased as the database lowers its columns, past ASCII too:
 * *out malloc'd. */
int gdpr_db_lower(struct db *db, const char *s, char **out,
    struct gc_err *err);

/* The tickets of a person: requester, participant or author of a
 * message. claim: only those not anonymised yet, locked FOR UPDATE, at
 * most limit; otherwise those of id above after, at most limit,
 * unlocked (the export). */
int gdpr_db_person_tickets(struct db *db, const char *const *person,
    bool claim, int64_t after, int limit, struct gdpr_ids *out,
    struct gc_err *err);

/* Every address of the tickets (lower-cased, distinct): requester,
 * participants, messages' from/to/cc, outbox recipients, events' actors.
 * *out is a malloc'd array of malloc'd strings. */
int gdpr_db_addresses(struct db *db, const struct gdpr_ids *ids,
    char ***out, size_t *n_r, struct gc_err *err);

/* The events of the tickets whose data holds an address or one of the
 * keys (a NULL-ended list): ids and data as JSON text, malloc'd. */
int gdpr_db_events(struct db *db, const struct gdpr_ids *ids,
    const char *const *keys, int64_t **ids_r, char ***data_r,
    size_t *n_r, struct gc_err *err);

/* What a batch becomes. */
struct gdpr_db_batch {
	const struct gdpr_ids *tickets;
	const char *const *addr;       /* lower-cased */
	const char *const *pseudo;     /* the pseudonym of addr[i] */
	size_t naddr;
	const int64_t *ev_id;          /* events whose data is replaced */
	const char *const *ev_data;    /* JSON text */
	size_t nev;
	time_t now;
	const char *reason;            /* "retention", "forget" */
	const char *actor;             /* of the "anonymised" events, NULL */
	const char *const *person;     /* forget: the person; their
	                                  organisation key, their recent
	                                  auto-reply log rows and the mails
	                                  naming them held in the quarantine
	                                  without a ticket go too */
};

/* Anonymise the batch's tickets (see sql/016_gdpr.sql and desk/gdpr.h
 * for what goes and what stays) and write an "anonymised" event on
 * each; *rows_r: the rows changed. */
int gdpr_db_anonymise(struct db *db, const struct gdpr_db_batch *b,
    long long *rows_r, struct gc_err *err);

/* ----- Export ------------------------------------------------------ */

/* A snapshot for the export: one read-only repeatable-read transaction
 * (end it with db_commit() or db_rollback()). */
int gdpr_db_begin_snapshot(struct db *db, struct gc_err *err);

/* A ticket as a JSON object (its fields and participants), malloc'd. */
int gdpr_db_ticket_json(struct db *db, int64_t id, char **out,
    struct gc_err *err);

/* A page of rows as JSON objects: the messages (headers and texts) of a
 * ticket, or its events, of id above after, at most limit. ids_r and
 * json_r are malloc'd (each string too). */
int gdpr_db_messages_json(struct db *db, int64_t ticket, int64_t after,
    int limit, int64_t **ids_r, char ***json_r, size_t *n_r,
    struct gc_err *err);
int gdpr_db_events_json(struct db *db, int64_t ticket, int64_t after,
    int limit, int64_t **ids_r, char ***json_r, size_t *n_r,
    struct gc_err *err);

/* A stored blob: the raw mail of a message (*key_r its dedup key), or
 * an attachment's content (the one of message msg with id above after;
 * sha_r its SHA-256, zeros when anonymised): *data_r malloc'd
 * (NULL and 0 when none), *meta_r the attachment's metadata as a JSON
 * object (malloc'd), *id_r its id (0: no more). *key_r is malloc'd;
 * the blobs may be sealed (desk/vault.h). */
int gdpr_db_message_raw(struct db *db, int64_t msg, unsigned char **data_r,
    size_t *len_r, char **key_r, struct gc_err *err);
int gdpr_db_attachment(struct db *db, int64_t msg, int64_t after,
    int64_t *id_r, char **meta_r, unsigned char **data_r, size_t *len_r,
    unsigned char sha_r[32], struct gc_err *err);

/* A person's status-page subscriptions, as a JSON array, and how many. */
int gdpr_db_subscriptions_json(struct db *db, const char *const *person,
    char **out, long long *n_r, struct gc_err *err);
/* Their address becomes pseudonym and they end at now; *rows_r rows. */
int gdpr_db_forget_subscriptions(struct db *db, const char *const *person,
    const char *pseudonym, time_t now, long long *rows_r,
    struct gc_err *err);

/* A person's rows of blocked_senders (037_blocked_senders.sql): as a
 * JSON array and how many; or deleted (forget: a block is no reason to
 * keep an address its owner asked us to erase), *rows_r of them. */
int gdpr_db_blocked_json(struct db *db, const char *const *person,
    char **out, long long *n_r, struct gc_err *err);
int gdpr_db_forget_blocked(struct db *db, const char *const *person,
    long long *rows_r, struct gc_err *err);

#endif
