/*
 * dedup.h - the key that makes one mail one message, whatever the path
 *
 * The same mail can arrive more than once: re-fetched after a crash
 * between COMMIT and the IMAP move, delivered both by the MTA pipe and
 * through IMAP, or addressed to two of our mailboxes. Those copies differ
 * in their trace headers (Received, Delivered-To, Return-Path) and maybe
 * in line endings (IMAP serves CRLF, a pipe gives LF), but not in their
 * Message-ID nor in their body. So the key is a SHA-256 over:
 *   - the Message-ID when there is one, else the From, Date and Subject
 *     header values;
 *   - the body (everything after the first empty line), with CRs removed
 *     and trailing whitespace dropped.
 * Two different mails that reuse a Message-ID (broken mailers do) differ
 * in their bodies and so still get two keys.
 * A mail without a header/body separator hashes as all body.
 *
 * A mail that cannot be parsed (or is over a limit) has no trusted
 * headers, yet it must not be taken for a copy of another mail that
 * merely has the same body: dedup_key_raw() keys it by the Message-ID
 * found in its header block and its body, as above, or without one by
 * all its bytes (CRs removed, trailing whitespace dropped). Two different
 * broken mails thus get two keys; the same one fetched twice gets one.
 */
#ifndef GC_DEDUP_H
#define GC_DEDUP_H

#include <stddef.h>

#define DEDUP_KEY_LEN 64   /* hex characters */

/* out: DEDUP_KEY_LEN + 1 bytes. message_id may be NULL; from, date,
 * subject are the raw header values or NULL. */
void dedup_key(char *out, const char *raw, size_t len,
    const char *message_id, const char *from, const char *date,
    const char *subject);

/* The key of a mail that could not be parsed (see above); out as for
 * dedup_key(). */
void dedup_key_raw(char *out, const char *raw, size_t len);

/* The Message-ID that dedup_key_raw() finds in a mail that could not be
 * parsed, into out (size bytes, cut to fit; "" when there is none). */
void dedup_raw_message_id(char *out, size_t size, const char *raw,
    size_t len);

/* SHA-256 of bytes; out 32 bytes. */
void dedup_sha256(unsigned char *out, const void *data, size_t len);

#endif
