/*
 * intake.h - one incoming mail into the database
 *
 * intake_mail() takes the raw bytes of one mail (from IMAP or the MTA
 * pipe) and, inside the caller's transaction, under a savepoint of its
 * own, either stores it as a message of a new or existing ticket (with
 * its events and any acknowledgement queued in the outbox), recognises it
 * as a copy already stored, or puts it in the quarantine with the reason.
 * A mail is never dropped: when storing fails for a reason other than the
 * database being unreachable, the mail is quarantined instead.
 *
 * The caller commits; only then may the mail leave its IMAP folder. When
 * intake_mail returns GC_ETEMP the database went away: the caller rolls
 * the whole transaction back and leaves the mails where they are.
 *
 * Savepoints cost two round trips per mail, so a batch runs without them
 * (careful = false) as long as every mail goes well: a mail whose writes
 * fail makes intake_mail return GC_ERETRY, and the caller rolls the batch
 * back and runs it again with careful = true, where each mail has its
 * savepoint and a failing one is quarantined alone.
 */
#ifndef GC_INTAKE_H
#define GC_INTAKE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "desk/desk.h"

int intake_mail(struct desk *in, const struct conf_mailbox *mb,
    const char *raw, size_t len, uint32_t imap_uid,
    struct intake_result *res, struct gc_err *err);

/* The MTA's path (`guichet ingest`, LMTP): intake_mail() of one mail in
 * a transaction of its own, committed. It goes as a batch of one (no
 * savepoint) and, when a write fails, again with its savepoint (so that
 * it lands in the quarantine); in->careful is left set accordingly. Not
 * 0: nothing of the mail is stored (rolled back), and the MTA is to try
 * again later. */
int intake_alone(struct desk *in, const struct conf_mailbox *mb,
    const char *raw, size_t len, struct intake_result *res,
    struct gc_err *err);

/* The log line of one result, with the log's fields: "mailbox support uid
 * 12: new ticket SUP-2026-000001 <id>" (uid 0: not from IMAP, left out). */
void intake_log(const char *mailbox, uint32_t uid,
    const struct intake_result *res);

/* Who a mail's ticket answers: its From: address, else the first
 * Reply-To:, Sender: or Return-Path: address; NULL when none is usable. */
struct mail;
const char *intake_sender(const struct mail *m);

/* A one-line description of a result for the log. */
const char *intake_outcome_name(enum intake_outcome o);
/* The same as one word, for the logs' outcome field: "ticket",
 * "followup", "duplicate", "quarantine", "loop_suppressed" (the words of
 * the metrics' outcome label). */
const char *intake_outcome_key(enum intake_outcome o);

/* Tell the sender of a mail too big to take (its size bytes; header its
 * header block, hlen bytes, all that is read of it) with the size_limit
 * template, unless the mail is automatic, ours, or its sender cannot be
 * read. Inside the caller's transaction. */
int intake_tell_too_big(struct desk *in, const struct conf_mailbox *mb,
    const char *header, size_t hlen, size_t size, struct gc_err *err);

#endif
