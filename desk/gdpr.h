/*
 * gdpr.h - retention, export and erasure of a person's data
 *
 * Anonymising a ticket (the one function of retention and of `gdpr
 * forget`) replaces every address it holds (requester, participants,
 * messages' from/to/cc, our mails' recipients, events' actors and the
 * addresses in events' data, the auto-reply log past its hour) by a
 * keyed pseudonym, `anon-` and 20 hex digits of HMAC-SHA256(key,
 * lower-cased address, its domain's A-labels decoded) `@invalid`: one
 * person stays one pseudonym across tickets, and across the writings of
 * an internationalised domain, so counts per customer still work. Names, subjects (they
 * become "[anonymised]", and the search index, generated from them,
 * follows), message texts, raw mails, attachment names, contents and
 * SHA-256 (taken from the content, it would recognise a known file),
 * our mails' content, the quarantined mails of the ticket, rating
 * comments and the free text of events go. Kept: numbers, statuses,
 * priorities, plans, queues, tags, timestamps, SLA timers, sizes and
 * types, Message-IDs (machine identifiers that recognise a late copy).
 * An open ticket is closed (the "anonymised" event says from which
 * status) and its timers stop; a mail of ours not sent yet is never
 * sent. Each ticket gets an "anonymised" event and is done once
 * (tickets.anonymised_at). A forget also takes the person's
 * organisation key (customers import) and empties the quarantined mails
 * without a ticket that name their address. The IMAP folders (processed
 * and quarantine) keep what they received: their retention is the mail
 * server's.
 *
 * The key: [gdpr] pseudonym_key_file, or else one generated once and
 * kept in the database (weaker: whoever holds a dump can then test a
 * guessed address against a pseudonym).
 *
 * Batches: each batch of tickets is one transaction that the caller of
 * gdpr_retention()/gdpr_forget() does not open; a kill or a lost
 * connection loses at most the batch under way, which the next run
 * does again. Tickets are claimed FOR UPDATE (SKIP LOCKED for retention),
 * so two daemons never anonymise the same ticket twice.
 */
#ifndef GC_DESK_GDPR_H
#define GC_DESK_GDPR_H

#include <stddef.h>

#include "desk/desk.h"

#define GDPR_PSEUDONYM_MAX 48

struct gdpr_key {
	unsigned char v[64];
	size_t len;
};

/* The pseudonym key: from the config, or the database's (made once). */
int gdpr_key_load(struct gdpr_key *out, struct desk *in,
    struct gc_err *err);

/* The pseudonym of an address into out (GDPR_PSEUDONYM_MAX bytes). */
void gdpr_pseudonym(char *out, const struct gdpr_key *k, const char *addr);

/* The person behind addr, as the export and the erasure find them: the
 * writings of the address (its domain in U-labels first, then in
 * A-labels: parsers/address.h), lower-cased by the database. *out is a
 * NULL-ended malloc'd list (gdpr_person_free()). */
int gdpr_person(struct desk *in, const char *addr, char ***out,
    struct gc_err *err);
void gdpr_person_free(char **person);

/* Whether s is an address the commands take: UTF-8, one @ with text on
 * both sides, no space, control character, quote or angle bracket, at
 * most 254 bytes. */
bool gdpr_valid_address(const char *s);

/* One pass of retention at in->now: closed tickets past their queue's
 * retention (or [gdpr] retention) anonymised, at most max_batches
 * batches of [gdpr] batch tickets; *count_r: how many. Nothing to do
 * without a [gdpr] section or with every retention 0. */
int gdpr_retention(struct desk *in, int max_batches, int *count_r,
    struct gc_err *err);

/* Who runs an export or an erasure: the name given (--actor, the
 * events' actor) and the login name of the process's user, both kept. */
struct gdpr_who {
	const char *actor;
	const char *login;
};

/* What an export or an erasure touched, for its audit event. */
struct gdpr_counts {
	long long tickets, messages, attachments, events, rows;
	long long subscriptions;   /* to the status page */
	long long blocked;         /* rows of blocked senders */
	char pseudonym[GDPR_PSEUDONYM_MAX];
};

/* Anonymise every ticket of addr in any of its writings (requester,
 * participant or author of a message), and its status-page subscriptions
 * (the address becomes the pseudonym, the subscription ends); its rows
 * of blocked senders are deleted; batch after batch, each with a
 * "gdpr_forget" audit event (who, the person's pseudonym, never the
 * address, and the counts) inside its transaction. A person with nothing left still gets one
 * event (tickets 0): a second forget is harmless. */
int gdpr_forget(struct desk *in, const char *addr,
    const struct gdpr_who *who, struct gdpr_counts *out,
    struct gc_err *err);

/* Where an export writes: 0, or GC_EIO (the export stops). */
typedef int (*gdpr_write_fn)(void *arg, const char *p, size_t n);

/* One JSON document of everything stored about addr in any of its
 * writings (gdpr_person()), written piece by
 * piece (a page of messages or events, one attachment at a time, in
 * memory): {"address", "writings" (those searched), "exported_at",
 * "tickets": [ticket fields,
 * participants, "messages": [headers, text, "raw_base64", "attachments":
 * [metadata, "content_base64"]], "events"], "status_subscriptions":
 * [address, subscribed_at, unsubscribed_at], "blocked_senders":
 * [address, added_by, created_at]}. Read in one snapshot; a
 * "gdpr_export" audit event (who, pseudonym, counts) is written after.
 * GC_ETEMP when the database went away: what was written is incomplete
 * and must be thrown away. */
int gdpr_export(struct desk *in, const char *addr,
    const struct gdpr_who *who, gdpr_write_fn write, void *arg,
    struct gdpr_counts *out, struct gc_err *err);

/* The clear bytes of a stored blob (a raw mail, an attachment's
 * content) bound to ad (desk/vault.h), the one place where stored blobs
 * are opened for export: sealed ones are opened, clear ones copied;
 * *out_r is malloc'd. A blob that does not open fails the export. */
int gdpr_blob_open(struct desk *in, const char *ad, const char *what,
    int64_t row_id, unsigned char *data, size_t len, unsigned char **out_r,
    size_t *len_r, struct gc_err *err);

#endif
