/*
 * store_mailbox.h - a mail on its way in: the dedup claim that makes one
 * message of one mail, the lock that makes one daemon the poller of a
 * mailbox, and the last IMAP UID taken from it
 *
 * Conventions of the whole store (transactions, deferred writes, times,
 * ids, who owns what is returned): see sql/store.h.
 */
#ifndef GC_SQL_STORE_MAILBOX_H
#define GC_SQL_STORE_MAILBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "sql/db.h"

/* Claim a dedup key for the rest of the transaction (an advisory lock:
 * two daemons, or IMAP and the MTA pipe, on the same mail wait for each
 * other), then tell whether the mail is already a message or in the
 * quarantine (*where_r "message"/"quarantine", NULL when new) and
 * whether message_id (may be NULL) is one of our own mails. One round
 * trip. */
int store_claim(struct db *db, const char *key, const char *message_id,
    const char **where_r, int64_t *ticket_id_r, bool *ours_r,
    struct gc_err *err);
/* The same, and in that round trip the ticket numbered tag (the first
 * tag of the mail's subject, which threading asks for next): *found_r
 * tells whether *t holds it (then the caller clears *t); and whether
 * sender (may be NULL) or its @domain is a blocked sender
 * (037_blocked_senders.sql): *blocked_r. tag may be NULL (then t and
 * found_r are not used). */
struct store_ticket;
int store_claim_tagged(struct db *db, const char *key,
    const char *message_id, const char *tag, const char *sender,
    const char **where_r, int64_t *ticket_id_r, bool *ours_r,
    bool *blocked_r, struct store_ticket *t, bool *found_r,
    struct gc_err *err);

/* Advisory lock that makes one daemon the poller of a mailbox; held by the
 * session until released or the connection ends. */
int store_try_mailbox_lock(struct db *db, const char *mailbox, bool *got_r,
    struct gc_err *err);

int store_imap_state_get(struct db *db, const char *mailbox,
    uint32_t *uidvalidity_r, uint32_t *last_uid_r, bool *found_r,
    struct gc_err *err);
int store_imap_state_set(struct db *db, const char *mailbox,
    uint32_t uidvalidity, uint32_t last_uid, time_t now,
    struct gc_err *err);

#endif
