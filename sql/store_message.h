/*
 * store_message.h - the mails of a ticket: store a message and its
 * attachments, find the ticket of a thread from its Message-IDs, list a
 * thread's Message-IDs for the references of a reply
 *
 * Conventions of the whole store (transactions, deferred writes, times,
 * ids, who owns what is returned): see sql/store.h.
 */
#ifndef GC_SQL_STORE_MESSAGE_H
#define GC_SQL_STORE_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "sql/db.h"

struct store_message {
	int64_t ticket_id;
	const char *direction;       /* "in" | "out" */
	const char *author;          /* "customer" | "agent" | "system" */
	const char *mailbox;
	const char *from_addr, *from_name;
	const char *const *to; size_t nto;
	const char *const *cc; size_t ncc;
	const char *subject;
	const char *message_id;
	const char *in_reply_to;
	const char *const *refs; size_t nrefs;
	time_t sent_date; bool has_sent_date;
	time_t received_at;
	const char *text;
	const char *new_text;
	const char *const *text_flags; size_t ntext_flags;
	const char *raw; size_t raw_len;          /* NULL for outgoing */
	const unsigned char *raw_sha256;          /* 32 bytes or NULL */
	const char *dedup_key;
	int64_t imap_uid;                         /* 0: none */
	int64_t outbox_id;                        /* 0: none */
	const char *agent;                        /* [agent NAME] or NULL */
	bool internal;                            /* among agents only */
	const char *purpose;                      /* ours: "ack"..., or NULL */
	size_t raw_sealed_len;       /* raw is sealed, raw_len the mail's */
	/* sealed texts (desk/vault.h): then text is "" and new_text NULL */
	const unsigned char *sealed_text; size_t sealed_text_len;
	const unsigned char *sealed_new_text; size_t sealed_new_text_len;
	const char *sealed_tsv;      /* the blind index, a tsvector literal */
};

struct store_attachment {
	int64_t message_id;
	const char *filename, *content_type, *disposition, *content_id;
	const unsigned char *data; size_t len;
	const unsigned char *sha256;              /* 32 bytes */
	size_t sealed_len;           /* data is sealed, len the file's */
};

int store_message_insert(struct db *db, const struct store_message *m,
    int64_t *id_r, struct gc_err *err);
/* The event that a stored mail is, written with it (at its received_at),
 * and with touch the ticket's updated_at set then too. */
struct store_message_event {
	const char *kind;
	const char *actor;       /* may be NULL */
	const char *data_json;   /* NULL: {} */
	bool touch;
};
int store_message_insert_event(struct db *db, const struct store_message *m,
    const struct store_message_event *ev, int64_t *id_r, struct gc_err *err);
int store_attachment_insert(struct db *db, const struct store_attachment *a,
    struct gc_err *err);

/* The ticket owning a message whose Message-ID is one of ids (newest
 * first); GC_ENOTFOUND if none. */
int store_ticket_by_message_ids(struct db *db, const char *const *ids,
    size_t n, int64_t *id_r, struct gc_err *err);
/* Our mail of that Message-ID (without <>), from its outbox row: its
 * purpose ("ack", "update"...) into purpose, its recipients in order
 * into *rcpts_r (free with store_strings_free()); GC_ENOTFOUND if
 * none. */
int store_our_mail(struct db *db, const char *message_id, char *purpose,
    size_t size, char ***rcpts_r, size_t *nrcpts_r, struct gc_err *err);
/* Frees a list of malloc'd strings (store_reply_context() of
 * sql/store_participant.h gives such lists). */
void store_strings_free(char **v, size_t n);

#endif
