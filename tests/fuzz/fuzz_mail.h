/*
 * fuzz_mail.h - checks shared by the parser targets: strings and whole
 * struct mail results
 *
 * fuzz_check_mail() walks everything a struct mail points to, touches
 * every byte (so that ASan sees a dangling or short pointer) and checks
 * what parsers/mime.h promises: every string valid UTF-8, header values
 * on one line without controls, a subject without controls or doubled
 * blanks, LF-only text and new_text, lowercase types, parts in
 * depth-first order with consistent parent and depth, attachments
 * pointing at parts, limits kept. Strings have no length beside them,
 * so a NUL byte inside one cannot be seen here; where the API gives a
 * length (part data) the bytes are only touched, since data may hold
 * NULs.
 */
#ifndef GC_TESTS_FUZZ_MAIL_H
#define GC_TESTS_FUZZ_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "parsers/auto.h"
#include "parsers/bounce.h"
#include "parsers/mime.h"
#include "parsers/pgp.h"
#include "parsers/utf8.h"
#include "tests/fuzz/fuzz.h"

/* s (may be NULL) is valid UTF-8. */
static inline void
fuzz_check_utf8(const char *what, const char *s)
{
	if (s == NULL)
		return;
	FUZZ_CHECK(utf8_valid(s, strlen(s)), "%s is not valid UTF-8", what);
}

/* len bytes at s are valid UTF-8 without NUL. */
static inline void
fuzz_check_utf8n(const char *what, const char *s, size_t len)
{
	FUZZ_CHECK(s != NULL || len == 0, "%s: NULL with a length", what);
	if (len == 0)
		return;
	FUZZ_CHECK(memchr(s, 0, len) == NULL, "%s holds a NUL byte", what);
	FUZZ_CHECK(utf8_valid(s, len), "%s is not valid UTF-8", what);
}

/* s (may be NULL) has no C0 control other than those in allowed, and no
 * DEL. */
static inline void
fuzz_check_no_ctl(const char *what, const char *s, const char *allowed)
{
	if (s == NULL)
		return;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		FUZZ_CHECK((*p >= 0x20 && *p != 0x7f) ||
		    strchr(allowed, *p) != NULL,
		    "%s holds control 0x%02x", what, *p);
}

/* s (may be NULL) has no ASCII uppercase letter. */
static inline void
fuzz_check_lower(const char *what, const char *s)
{
	if (s == NULL)
		return;
	for (const char *p = s; *p; p++)
		FUZZ_CHECK(!(*p >= 'A' && *p <= 'Z'), "%s is not lowercase: %s",
		    what, s);
}

static inline void
fuzz_check_addr(const char *what, const struct mail_addr *a)
{
	const char *at;

	fuzz_check_utf8(what, a->name);
	fuzz_check_no_ctl(what, a->name, "");
	fuzz_check_utf8(what, a->addr);
	fuzz_check_no_ctl(what, a->addr, "");
	if (a->addr != NULL && (at = strrchr(a->addr, '@')) != NULL)
		fuzz_check_lower("address domain", at + 1);
}

static inline void
fuzz_check_headers(const struct mail_header *h, size_t n)
{
	FUZZ_CHECK(h != NULL || n == 0, "headers NULL with a count");
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(h[i].name != NULL && h[i].value != NULL,
		    "header %zu: NULL name or value", i);
		for (const unsigned char *p =
		    (const unsigned char *)h[i].name; *p; p++)
			FUZZ_CHECK(*p > 0x20 && *p < 0x7f,
			    "header name holds 0x%02x", *p);
		fuzz_check_utf8("header value", h[i].value);
		fuzz_check_no_ctl("header value", h[i].value, "\t");
	}
}

static inline void
fuzz_check_part(const struct mail *m, size_t i, const struct mail_limits *lim,
    unsigned depth);

/* depth: nesting of m itself (0 for the top-level mail). */
static inline void
fuzz_check_mail(const struct mail *m, const struct mail_limits *lim,
    unsigned depth)
{
	size_t i;
	const char *s;

	FUZZ_CHECK(depth <= lim->max_depth, "nested mails deeper than %zu",
	    lim->max_depth);
	fuzz_check_headers(m->headers, m->nheaders);

	FUZZ_CHECK(m->subject != NULL, "subject is NULL");
	fuzz_check_utf8("subject", m->subject);
	fuzz_check_no_ctl("subject", m->subject, "");
	FUZZ_CHECK(strstr(m->subject, "  ") == NULL && m->subject[0] != ' ' &&
	    (m->subject[0] == '\0' ||
	    m->subject[strlen(m->subject) - 1] != ' '),
	    "subject blanks not squeezed: \"%s\"", m->subject);

	fuzz_check_addr("from", &m->from);
	FUZZ_CHECK(m->to != NULL || m->nto == 0, "to: NULL with a count");
	for (i = 0; i < m->nto; i++)
		fuzz_check_addr("to", &m->to[i]);
	FUZZ_CHECK(m->cc != NULL || m->ncc == 0, "cc: NULL with a count");
	for (i = 0; i < m->ncc; i++)
		fuzz_check_addr("cc", &m->cc[i]);
	FUZZ_CHECK(m->reply_to != NULL || m->nreply_to == 0,
	    "reply_to: NULL with a count");
	for (i = 0; i < m->nreply_to; i++)
		fuzz_check_addr("reply_to", &m->reply_to[i]);
	fuzz_check_utf8("sender", m->sender);
	fuzz_check_no_ctl("sender", m->sender, "");
	fuzz_check_utf8("return_path", m->return_path);
	fuzz_check_no_ctl("return_path", m->return_path, "");
	fuzz_check_utf8("message_id", m->message_id);
	fuzz_check_no_ctl("message_id", m->message_id, "");
	fuzz_check_utf8("in_reply_to", m->in_reply_to);
	fuzz_check_no_ctl("in_reply_to", m->in_reply_to, "");
	FUZZ_CHECK(m->references != NULL || m->nreferences == 0,
	    "references: NULL with a count");
	for (i = 0; i < m->nreferences; i++) {
		FUZZ_CHECK(m->references[i] != NULL, "reference %zu NULL", i);
		fuzz_check_utf8("reference", m->references[i]);
		fuzz_check_no_ctl("reference", m->references[i], "");
	}
	FUZZ_CHECK(m->has_date || m->date == 0, "date without has_date");

	FUZZ_CHECK(m->text != NULL, "text is NULL");
	fuzz_check_utf8("text", m->text);
	fuzz_check_no_ctl("text", m->text, "\t\n\f\v\b\a");
	FUZZ_CHECK(strchr(m->text, '\r') == NULL, "CR in text");
	FUZZ_CHECK(strlen(m->text) <= lim->max_text_bytes,
	    "text longer than max_text_bytes");
	FUZZ_CHECK(m->new_text != NULL, "new_text is NULL");
	fuzz_check_utf8("new_text", m->new_text);
	fuzz_check_no_ctl("new_text", m->new_text, "\t\n\f\v\b\a");
	FUZZ_CHECK(strchr(m->new_text, '\r') == NULL, "CR in new_text");
	fuzz_check_utf8("text_charset", m->text_charset);
	fuzz_check_lower("text_charset", m->text_charset);

	FUZZ_CHECK(m->nparts >= 1 && m->parts != NULL, "no root part");
	FUZZ_CHECK(m->nparts <= lim->max_parts, "%zu parts, limit %zu",
	    m->nparts, lim->max_parts);
	for (i = 0; i < m->nparts; i++)
		fuzz_check_part(m, i, lim, depth);

	FUZZ_CHECK(m->attachments != NULL || m->nattachments == 0,
	    "attachments: NULL with a count");
	for (i = 0; i < m->nattachments; i++) {
		const struct mail_attachment *a = &m->attachments[i];

		fuzz_check_utf8("attachment filename", a->filename);
		fuzz_check_no_ctl("attachment filename", a->filename, "");
		FUZZ_CHECK(a->content_type != NULL,
		    "attachment without content_type");
		fuzz_check_utf8("attachment type", a->content_type);
		fuzz_check_lower("attachment type", a->content_type);
		FUZZ_CHECK(a->disposition == NULL ||
		    strcmp(a->disposition, "attachment") == 0 ||
		    strcmp(a->disposition, "inline") == 0,
		    "attachment disposition \"%s\"", a->disposition);
		fuzz_check_utf8("attachment content_id", a->content_id);
		FUZZ_CHECK(a->data != NULL || a->len == 0,
		    "attachment data NULL with a length");
		fuzz_touch(a->data, a->len);
		FUZZ_CHECK(a->part < m->nparts, "attachment part %zu of %zu",
		    a->part, m->nparts);
		FUZZ_CHECK(m->parts[a->part].is_attachment,
		    "attachment's part not flagged is_attachment");
		if (a->message != NULL)
			fuzz_check_mail(a->message, lim, depth + 1);
	}

	s = mail_header_get(m, "Subject");
	FUZZ_CHECK(s == NULL || m->nheaders > 0, "header without headers");
	if (s != NULL)
		fuzz_check_utf8("mail_header_get", s);
	FUZZ_CHECK(mail_header_get(m, "X-Fuzz-Never-There") == NULL,
	    "mail_header_get found a field that is not there");
}

static inline void
fuzz_check_part(const struct mail *m, size_t i, const struct mail_limits *lim,
    unsigned depth)
{
	const struct mail_part *p = &m->parts[i];

	if (i == 0)
		FUZZ_CHECK(p->parent == 0 && p->depth == 0,
		    "root part with parent %zu depth %u", p->parent, p->depth);
	else
		FUZZ_CHECK(p->parent < i &&
		    p->depth == m->parts[p->parent].depth + 1,
		    "part %zu: parent %zu, depth %u", i, p->parent, p->depth);
	FUZZ_CHECK(depth + p->depth <= lim->max_depth,
	    "part %zu at depth %u + %u, limit %zu", i, depth, p->depth,
	    lim->max_depth);
	FUZZ_CHECK(p->content_type != NULL, "part %zu: no content_type", i);
	fuzz_check_utf8("part content_type", p->content_type);
	fuzz_check_lower("part content_type", p->content_type);
	fuzz_check_utf8("part charset", p->charset);
	fuzz_check_lower("part charset", p->charset);
	fuzz_check_utf8("part disposition", p->disposition);
	fuzz_check_lower("part disposition", p->disposition);
	fuzz_check_utf8("part filename", p->filename);
	fuzz_check_no_ctl("part filename", p->filename, "");
	fuzz_check_utf8("part content_id", p->content_id);
	fuzz_check_utf8("part encoding", p->encoding);
	fuzz_check_lower("part encoding", p->encoding);
	fuzz_check_headers(p->headers, p->nheaders);
	FUZZ_CHECK(p->data != NULL || p->len == 0,
	    "part data NULL with a length");
	fuzz_touch(p->data, p->len);
	if (p->message != NULL)
		fuzz_check_mail(p->message, lim, depth + p->depth + 1);
}

/* pgp_detect() points inside the mail's text, and the clear mail made
 * with what it found (and a small header) stays under its buffer's cap. */
static inline void
fuzz_check_pgp(const struct mail *m)
{
	static const char head[] = "From: a@example.org\nSubject: s\n\n";
	struct pgp_found f;
	enum pgp_kind k = pgp_detect(&f, m);
	struct buf b;
	int rc;

	FUZZ_CHECK(k >= PGP_NONE && k <= PGP_INLINE, "pgp kind %d", (int)k);
	if (k == PGP_NONE)
		return;
	FUZZ_CHECK((f.data == NULL) == (f.why != NULL), "pgp data %p why %s",
	    (const void *)f.data, f.why ? f.why : "NULL");
	if (k == PGP_INLINE) {
		size_t tl = strlen(m->text);

		FUZZ_CHECK(f.before == m->text && f.before_len <= tl,
		    "inline armor before the text's end");
		FUZZ_CHECK(f.data == NULL || f.before_len + f.len <= tl,
		    "inline armor past the text");
	}
	buf_init(&b, 4096);
	rc = pgp_clear_mail(&b, head, sizeof(head) - 1, &f, "clear", 5);
	FUZZ_CHECK(rc == 0 || rc == GC_ELIMIT, "pgp_clear_mail %d", rc);
	FUZZ_CHECK(b.len <= 4096, "pgp clear mail past its cap");
	buf_free(&b);
}

/* The detectors that read a parsed mail (auto.h, bounce.h, pgp.h): a kind in
 * range, a reason exactly when automatic, a bounce's strings UTF-8 and
 * its recipients within BOUNCE_MAX_RECIPIENTS, each the same mailbox as
 * itself (bounce_recipient_is()). m must be a top-level
 * mail (bounce_detect() allocates in its arena). */
static inline void
fuzz_check_detectors(struct mail *m)
{
	const char *reason = NULL;
	enum auto_kind k = auto_classify(m, &reason);
	struct bounce b;
	bool is;

	FUZZ_CHECK(k >= AUTO_NONE && k <= AUTO_BULK, "auto kind %d", (int)k);
	FUZZ_CHECK((k == AUTO_NONE) == (reason == NULL),
	    "auto kind %d with reason %s", (int)k, reason ? reason : "NULL");
	fuzz_check_utf8("auto reason", reason);
	FUZZ_CHECK(auto_kind_name(k) != NULL, "auto_kind_name NULL");

	is = bounce_detect(&b, mail_arena(m), m);
	FUZZ_CHECK(is == (b.kind != BOUNCE_NONE), "bounce_detect %d, kind %d",
	    is, (int)b.kind);
	FUZZ_CHECK(b.kind >= BOUNCE_NONE && b.kind <= BOUNCE_DELIVERED,
	    "bounce kind %d", (int)b.kind);
	FUZZ_CHECK(bounce_kind_name(b.kind) != NULL, "bounce_kind_name NULL");
	fuzz_check_pgp(m);
	if (!is)
		return;
	FUZZ_CHECK(b.status != NULL || b.kind == BOUNCE_DELIVERED,
	    "a %s report without a status", bounce_kind_name(b.kind));
	fuzz_check_utf8("bounce status", b.status);
	fuzz_check_utf8("bounce rule", b.rule);
	fuzz_check_utf8("bounce original_message_id", b.original_message_id);
	fuzz_check_utf8("bounce reporting_mta", b.reporting_mta);
	FUZZ_CHECK(b.nrecipients <= BOUNCE_MAX_RECIPIENTS, "%zu recipients",
	    b.nrecipients);
	FUZZ_CHECK(b.recipients != NULL || b.nrecipients == 0,
	    "recipients NULL with a count");
	for (size_t i = 0; i < b.nrecipients; i++) {
		fuzz_check_utf8("bounce address", b.recipients[i].address);
		fuzz_check_utf8("bounce action", b.recipients[i].action);
		fuzz_check_lower("bounce action", b.recipients[i].action);
		fuzz_check_utf8("bounce recipient status",
		    b.recipients[i].status);
		fuzz_check_utf8("bounce diagnostic",
		    b.recipients[i].diagnostic);
		fuzz_check_utf8("bounce original", b.recipients[i].original);
		/* the writings of address.h: a recipient is itself; any
		 * other comparison only has to end */
		FUZZ_CHECK(b.recipients[i].address == NULL ||
		    bounce_recipient_is(mail_arena(m), &b.recipients[i],
		    b.recipients[i].address), "recipient %zu is not itself", i);
		(void)bounce_recipient_is(mail_arena(m), &b.recipients[i],
		    "zo\xc3\xab@xn--exmple-cua.org");
		(void)bounce_recipient_failed(&b.recipients[i]);
	}
}

#endif
