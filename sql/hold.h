/*
 * hold.h - mail held back, and let go
 *
 * Two things Guichet holds instead of losing or sending at once:
 *  - a quarantine entry that ops release into a ticket (`guichet
 *    quarantine release`): hold_release_claim() takes the entry for this
 *    transaction (one operator wins; the others are told who did it);
 *  - a ticket's mails to its customer side past ticket_send_cap in an
 *    hour: their delivery waits until the hour allows it, with a
 *    "mail_held" event (the outbox delivers it then); the statement that
 *    queues such a mail takes its slot (store_outbox.slot_cap,
 *    sql/store_event.h).
 *
 * It works inside the caller's transaction. Strings returned are
 * malloc'd and freed by hold_entry_clear().
 */
#ifndef GC_HOLD_H
#define GC_HOLD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "sql/db.h"

struct hold_entry {
	char *raw;              /* the mail as received (NUL after len) */
	size_t len;
	char *mailbox;
	char *reason;
	char *detail;           /* may be NULL */
	char *dedup_key;
};

/* Mark quarantine entry id released by `by` at now and return it in out.
 * An entry another transaction is releasing is waited for. GC_ENOTFOUND
 * when there is no such entry; GC_EINVAL when it is no longer held, with
 * what became of it (released by whom, when, into which ticket; or
 * retried) in err. */
int hold_release_claim(struct db *db, int64_t id, time_t now, const char *by,
    struct hold_entry *out, struct gc_err *err);
void hold_entry_clear(struct hold_entry *e);

#endif
