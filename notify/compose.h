/*
 * compose.h - build the RFC 5322 messages that Guichet sends
 *
 * compose_message() turns a struct compose_msg into the raw bytes of a
 * mail, ready for SMTP: CRLF line endings, every header line folded at
 * 78 columns where the header allows it (never longer than 998), UTF-8
 * in Subject, display names and extra header values as RFC 2047
 * encoded-words, a UTF-8 text body and, when attachments are given, a
 * multipart/mixed body with one base64 part per attachment. When an HTML
 * body is given too, the text and the HTML are the two parts of a
 * multipart/alternative (inside the multipart/mixed when there are
 * attachments); compose_text_html() makes that HTML from the text.
 *
 * Header injection cannot happen: CR, LF and other control characters
 * are removed from every text value (subject, display names, extra
 * header values), invalid UTF-8 is replaced by U+FFFD, and addresses and
 * message ids are checked rather than cleaned (an address that is not
 * plainly "local@domain" makes compose_message() fail with GC_EINVAL;
 * an unusable In-Reply-To or References entry is left out). An address
 * in UTF-8 is the one thing written past ASCII in a header (RFC 6532).
 *
 * Body encoding: "7bit" when every byte of the body is printable ASCII
 * (or TAB) and every line is at most 78 bytes; otherwise
 * quoted-printable. Either way the message needs no 8BITMIME from the
 * server. Line endings of the body (LF, CRLF, lone CR) become CRLF.
 *
 * Composition reads no clock and does no I/O: the date is a field of the
 * message. The output is deterministic for a given input (the MIME
 * boundary is derived from the Message-ID), except for
 * compose_message_id(), which draws 128 random bits.
 *
 * Ownership: compose_msg only borrows its strings for the duration of
 * the call. compose_message() appends to a caller-owned struct buf, whose
 * cap bounds the size of the message (GC_ELIMIT past it).
 */
#ifndef GC_NOTIFY_COMPOSE_H
#define GC_NOTIFY_COMPOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/err.h"
#include "common/mem.h"

/* Longest address and message id we accept (RFC 5321 path limit). */
#define COMPOSE_MAX_ADDR 254
#define COMPOSE_MAX_MSGID 250
/* References keeps the first entry and the last COMPOSE_MAX_REFS - 1. */
#define COMPOSE_MAX_REFS 20
/* Longest extra header name. */
#define COMPOSE_MAX_HEADER_NAME 64

struct compose_addr {
	const char *name;       /* display name, UTF-8, may be NULL or "" */
	const char *addr;       /* "local@domain", UTF-8 allowed */
};

struct compose_header {
	const char *name;       /* e.g. "X-Guichet-Ticket"; not one of ours */
	const char *value;      /* UTF-8 text; cleaned and encoded */
};

struct compose_attachment {
	const char *filename;       /* UTF-8, may be NULL */
	const char *content_type;   /* "type/subtype"; NULL or bad:
	                               application/octet-stream */
	const void *data;
	size_t len;
};

struct compose_msg {
	struct compose_addr from;
	const struct compose_addr *to;
	size_t nto;
	const struct compose_addr *cc;
	size_t ncc;
	const struct compose_addr *reply_to;    /* may be NULL */
	const char *subject;                    /* UTF-8 */
	const char *message_id;                 /* without <>; required */
	const char *in_reply_to;                /* without <>, may be NULL */
	const char *const *references;          /* without <> */
	size_t nreferences;
	const char *auto_submitted;  /* "auto-replied", "auto-generated", NULL */
	const struct compose_header *extra;
	size_t nextra;
	const char *body;                       /* UTF-8 text */
	time_t date;
	const struct compose_attachment *attachments;   /* may be NULL */
	size_t nattachments;
	const char *html_body;   /* UTF-8 HTML alternative of body, or NULL:
	                            the caller's, taken as safe */
};

/*
 * Append the message to out. Returns 0, GC_EINVAL (a bad address,
 * missing or bad message id, no recipient, a bad or reserved extra
 * header name; err names the field) or GC_ELIMIT (out's cap reached).
 * On error out may hold a partial message: reset it.
 */
int compose_message(struct buf *out, const struct compose_msg *m,
    struct gc_err *err);

/*
 * A new Message-ID without the angle brackets:
 * "<hint>.<26 base32 characters of 128 random bits>@<domain>", from
 * OpenSSL's RAND_bytes. Characters of hint other than letters, digits
 * and "-_+." are dropped (it may be NULL or empty: then no prefix);
 * domain is cleaned the same way ("localhost" when nothing is left).
 * Allocated in a. A failing random generator is a broken invariant:
 * fatal().
 */
char *compose_message_id(struct arena *a, const char *domain,
    const char *hint);

/* 0 when addr is a plain "local@domain" we can put in a header and an
 * SMTP command: no space or control, no "<>()[],;:\\\"", exactly one
 * "@" with something on both sides, at most COMPOSE_MAX_ADDR bytes.
 * Either part may be UTF-8 (RFC 6531, 6532): well-formed, and without a
 * character that shows as a space or nothing, turns the text around or
 * is U+FFFD. Such an address is written as it is in the header, and the
 * mail then needs a server that offers SMTPUTF8 (smtp.h). Otherwise
 * GC_EINVAL with the reason. */
int compose_addr_check(const char *addr, struct gc_err *err);

/* Whether addr holds a byte past ASCII (an address in UTF-8). */
bool compose_addr_utf8(const char *addr);

/*
 * The HTML alternative of a text body (compose_html.c), appended to out:
 * a whole document whose paragraphs, lists ("- ", "* "), quoted blocks
 * (">") and http/https/mailto links are those of the text, every byte of
 * the text HTML-escaped, no remote resource, inline CSS only. title
 * (may be NULL) is escaped into <title>. frags: HTML fragments the
 * caller vouches for, frags[i] replacing the marker COMPOSE_HTML_MARK,
 * '0' + i, COMPOSE_HTML_MARK in the text (nfrags at most 10); the
 * marker byte is a control, so text from outside cannot hold one once
 * controls are removed. Returns 0 or GC_ELIMIT (out's cap).
 */
#define COMPOSE_HTML_MARK '\x1e'
int compose_text_html(struct buf *out, const char *text, const char *title,
    const char *const *frags, size_t nfrags);

/* Append s (n bytes) to out HTML-escaped (& < > " '), controls other
 * than LF and TAB removed. 0 or GC_ELIMIT. */
int compose_html_escape(struct buf *out, const char *s, size_t n);

/* The domain part of a checked address (the text after "@"), or NULL. */
const char *compose_addr_domain(const char *addr);

#endif
