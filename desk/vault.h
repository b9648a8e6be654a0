/*
 * vault.h - encryption at rest of what the desk stores: the one place
 * that seals bytes before sql/ writes them and opens them after sql/
 * reads them
 *
 * With [storage] key_file set, each stored mail, text, attachment, queued
 * mail and quarantined mail is a sealed blob (common/seal.h) bound to its
 * row by the associated data built here:
 *
 *   messages.raw / text / new_text   "messages.COLUMN:" dedup key
 *   attachments.content              "attachments:" message id ":" sha256
 *   outbox.data (mails)              "outbox:" Message-ID
 *   quarantine.raw                   "quarantine:" dedup key (as it was
 *                                    before a retry renamed it)
 *
 * The dedup key is unique to a message row and never changes; the ticket
 * is not part of it, since #merge moves messages to another ticket.
 *
 * Without a key file nothing is sealed (vault_seal() hands back NULL and
 * the caller stores the clear bytes, as before), and vault_open() still
 * opens what was sealed only if keys are configured. Clear bytes (rows
 * written before encryption was turned on) open as themselves in both
 * cases; `guichet keys rotate` seals them.
 *
 * A blob that does not open (a byte changed, another row's blob, a key no
 * longer in the key file) is never served: vault_open() logs it as an
 * error naming the row, and returns GC_EINVAL (GC_ENOTFOUND for a missing
 * key) with the reason in err.
 *
 * Ownership: the associated data and the buffers handed back are
 * malloc'd, the caller frees them; opened buffers hold a NUL byte past
 * their length.
 */
#ifndef GC_DESK_VAULT_H
#define GC_DESK_VAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "conf/conf.h"
#include "sql/db.h"

/* Associated data of a row's blob (malloc'd). column: "raw", "text" or
 * "new_text". */
char *vault_ad_message(const char *column, const char *dedup_key);
char *vault_ad_attachment(int64_t message_id, const unsigned char *sha256);
char *vault_ad_outbox(const char *message_id);
/* a rating's comment, bound to its ticket's row */
char *vault_ad_rating(int64_t ticket_id);
/* id: the entry's, 0 for one being stored */
char *vault_ad_quarantine(const char *dedup_key, int64_t id);

/* Whether new rows are sealed. */
bool vault_on(const struct conf *c);

/* Seal len bytes with the current key, bound to ad: *out the blob, or
 * NULL (encryption off: store clear as it is). */
int vault_seal(const struct conf *c, const char *ad, const void *clear,
    size_t len, unsigned char **out, size_t *out_len, struct gc_err *err);

/* Open stored bytes (len of them) for ad: a sealed blob is opened, clear
 * bytes are copied. what names the row in the log line of a failure. */
int vault_open(const struct conf *c, const char *ad, const void *stored,
    size_t len, const char *what, unsigned char **out, size_t *out_len,
    struct gc_err *err);

/* A rating's sealed comment as sql/ reads it (hex of the blob), opened
 * for its ticket's row: *text malloc'd (len bytes and a NUL). */
int vault_open_rating_comment(const struct conf *c, int64_t ticket_id,
    const char *hex, unsigned char **text, size_t *len, struct gc_err *err);

/* A ticket document of sql/views.h (or of the GDPR export), its
 * messages' sealed texts and its rating's sealed comment opened in place
 * (*doc replaced). A text that does not open is null, with "text_error"
 * ("comment_error") saying why, and GC_EINVAL is returned once the whole
 * document is done, so that the caller shows it and fails. */
int vault_ticket_json(const struct conf *c, char **doc, struct gc_err *err);

/* The same for one message object of that form (the GDPR export's). */
int vault_message_json(const struct conf *c, char **doc, struct gc_err *err);

/* vault_open() of a malloc'd buffer, replaced by the opened bytes (left
 * as it is on failure). */
int vault_open_buf(const struct conf *c, const char *ad, char **buf,
    size_t *len, const char *what, struct gc_err *err);

/* A message row's raw mail as sql/ read it (*raw malloc'd, len bytes),
 * opened in place when sealed. */
int vault_open_message_raw(const struct conf *c, struct db *db,
    int64_t message_id, char **raw, size_t *len, struct gc_err *err);

/* The same for a quarantine entry's raw mail. */
int vault_open_quarantine_raw(const struct conf *c, struct db *db,
    int64_t id, char **raw, size_t *len, struct gc_err *err);

/* Whether stored bytes need `keys rotate`: clear, or sealed with another
 * key than the current one. */
bool vault_stale(const struct conf *c, const void *stored, size_t len);

#endif
