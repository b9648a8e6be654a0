/*
 * bounce.h - recognising bounces (non-delivery reports) and what they
 * bounce
 *
 * Bounces of our own mail are attached to their ticket rather than made
 * into tickets (DESIGN.md, "No loops"): bounce_detect() says whether a
 * parsed mail is a delivery report, of which kind, the status code, the
 * recipients that failed and the Message-ID of the original message.
 *
 * Two ways in:
 * - RFC 3464 reports: a message/delivery-status (or
 *   message/global-delivery-status) part, read field by field
 *   (Reporting-MTA; per recipient Final-Recipient, Action, Status,
 *   Diagnostic-Code, blank lines or not between them);
 * - the common reports that are not RFC 3464 (qmail, Exim, Postfix
 *   without DSN, Sendmail, Exchange/Outlook NDRs, Yahoo, Gmail, Domino,
 *   "Undelivered Mail Returned to Sender", ...): a mail system's sender
 *   (MAILER-DAEMON, postmaster, "Mail Delivery System", a null return
 *   path) with a bounce subject or a bounce sentence in the text; from
 *   any other sender, a bounce subject and one of the mail systems' own
 *   sentences ("This is the mail system at host", "qmail-send program",
 *   "Delivery has failed to these recipients", ...), unless a person is
 *   passing a bounce on (a "Fwd:" subject, a forward marker before the
 *   sentence); without any From, a bounce subject and a bounce sentence.
 *   A customer writing about a delivery problem is never a bounce.
 *   The status is then the first RFC 3463 code of the text
 *   ("5.1.1"), else one made from an SMTP reply code ("550" gives
 *   "5.0.0"), else one implied by the usual sentences ("user unknown"
 *   gives "5.1.1", "mailbox full" "5.2.2", ...), else the class alone
 *   ("5.0.0" for failures, "4.0.0" for delays). A report always has a
 *   status, except a success report that gives none.
 * The original Message-ID comes from the returned message
 * (message/rfc822) or its headers (text/rfc822-headers), else from a
 * "Message-ID:" line of the returned text.
 *
 * Ownership: strings are allocated in the arena passed in (normally the
 * mail's own, mail_arena()). Pure code over struct mail.
 */
#ifndef GC_PARSERS_BOUNCE_H
#define GC_PARSERS_BOUNCE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/mem.h"
#include "parsers/mime.h"

#define BOUNCE_MAX_RECIPIENTS 1000

enum bounce_kind {
	BOUNCE_NONE = 0,        /* not a delivery report */
	BOUNCE_FAILED,          /* at least one recipient failed */
	BOUNCE_DELAYED,         /* only delays: delivery is still tried */
	BOUNCE_DELIVERED,       /* a success report (delivered, relayed) */
};

struct bounce_recipient {
	const char *address;    /* Final- (else Original-) Recipient */
	const char *original;   /* Original-Recipient, or NULL */
	const char *action;     /* lowercase: failed, delayed, delivered,
	                         * relayed, expanded; or NULL */
	const char *status;     /* "5.1.1", or NULL */
	const char *diagnostic; /* Diagnostic-Code text, or NULL */
};

struct bounce {
	enum bounce_kind kind;
	bool dsn;                       /* RFC 3464; false: from the text */
	const char *rule;               /* which rule recognised it */
	const char *status;             /* of the first failed (else first)
	                                 * recipient, or from the text */
	const char *original_message_id;  /* without <>, or NULL */
	const char *reporting_mta;      /* or NULL */
	const struct bounce_recipient *recipients;
	size_t nrecipients;
};

/* Fill *out (zeroed first) and return true when m is a delivery report
 * (of any kind but BOUNCE_NONE). */
bool bounce_detect(struct bounce *out, struct arena *a, const struct mail *m);

/* "none", "failed", "delayed", "delivered". */
const char *bounce_kind_name(enum bounce_kind k);

/* Whether the report says delivery to r failed: its action is "failed",
 * or its status 5.x.x, or it says neither (as kind_from_recipients()
 * reads a report that says nothing useful). */
bool bounce_recipient_failed(const struct bounce_recipient *r);

/* Whether r is address: its Final- or Original-Recipient is the same
 * mailbox, as written or decoded (parsers/address.h). */
bool bounce_recipient_is(struct arena *a, const struct bounce_recipient *r,
    const char *address);

#endif
