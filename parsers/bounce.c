/*
 * bounce.c - delivery reports (see bounce.h)
 *
 * RFC 3464 parts are read line by line as blocks of fields; everything
 * else is recognised from signals in the sender, the subject and the
 * first SCAN_BYTES of the text (where mail systems write their
 * explanation; the returned message, if quoted, comes after it).
 */
#include "parsers/bounce.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "parsers/address.h"
#include "parsers/auto_daemon.h"
#include "parsers/utf8.h"

#define SCAN_BYTES (64 * 1024)
#define VALUE_MAX 1000

struct rcpts {
	struct bounce_recipient *v;
	size_t n, cap;
};

/* ----- Small helpers ---------------------------------------------- */

static bool
is_sp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A cleaned copy of [s, s + len): UTF-8, no controls, trimmed, at most
 * VALUE_MAX bytes; NULL when empty. */
static const char *
clean(struct arena *a, const char *s, size_t len)
{
	char *c;

	while (len > 0 && is_sp(*s)) {
		s++;
		len--;
	}
	while (len > 0 && is_sp(s[len - 1]))
		len--;
	if (len > VALUE_MAX)
		len = VALUE_MAX;
	c = utf8_sanitize(a, s, len, NULL);
	utf8_strip_controls(c, false, false);
	c = str_trim(c);
	return c[0] != '\0' ? c : NULL;
}

/* An address out of "rfc822; <user@host>": after the ';', without <>
 * and blanks, domain lowercased. */
static const char *
clean_address(struct arena *a, const char *s, size_t len)
{
	const char *semi = memchr(s, ';', len);
	char *c, *w, *at;
	const char *r;

	if (semi != NULL) {
		len -= (size_t)(semi + 1 - s);
		s = semi + 1;
	}
	c = (char *)clean(a, s, len);
	if (c == NULL)
		return NULL;
	for (r = c, w = c; *r != '\0'; r++)
		if (*r != '<' && *r != '>' && *r != ' ' && *r != '"')
			*w++ = *r;
	*w = '\0';
	at = strrchr(c, '@');
	if (at != NULL)
		str_tolower(at + 1);
	return c[0] != '\0' ? c : NULL;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The first RFC 3463 code "c.s.d" in [s, s + len) whose class is in
 * classes; copied into the arena, or NULL. */
static const char *
find_status(struct arena *a, const char *s, size_t len, const char *classes)
{
	size_t i, j, k;

	for (i = 0; i + 5 <= len; i++) {
		if (strchr(classes, s[i]) == NULL || s[i] == '\0' ||
		    s[i + 1] != '.' || (i > 0 && (is_digit(s[i - 1]) ||
		    s[i - 1] == '.')))
			continue;
		for (j = i + 2, k = 0; j < len && is_digit(s[j]) && k < 3;
		    j++, k++)
			;
		if (k == 0 || j >= len || s[j] != '.')
			continue;
		for (j++, k = 0; j < len && is_digit(s[j]) && k < 3; j++, k++)
			;
		if (k == 0 || (j < len && (is_digit(s[j]) ||
		    (s[j] == '.' && j + 1 < len && is_digit(s[j + 1])))))
			continue;
		return arena_strndup(a, s + i, j - i);
	}
	return NULL;
}

static void
push(struct rcpts *r, const struct bounce_recipient *br)
{
	if (r->n >= BOUNCE_MAX_RECIPIENTS)
		return;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 4;
		r->v = xrealloc(r->v, r->cap * sizeof(*r->v));
	}
	r->v[r->n++] = *br;
}

/* ----- RFC 3464 --------------------------------------------------- */

static bool
field_is(const char *ls, size_t ll, const char *name, size_t *vs_r)
{
	size_t n = strlen(name), i;

	if (ll < n + 1 || str_ncasecmp(ls, name, n) != 0)
		return false;
	for (i = n; i < ll && (ls[i] == ' ' || ls[i] == '\t'); i++)
		;
	if (i >= ll || ls[i] != ':')
		return false;
	*vs_r = i + 1;
	return true;
}

struct dsn_block {
	struct bounce_recipient r;
	bool any;
	const char **last;      /* field that continuation lines extend */
};

static void
end_block(struct rcpts *r, struct dsn_block *b)
{
	if (b->any && b->r.address != NULL)
		push(r, &b->r);
	else if (b->any && (b->r.status != NULL || b->r.action != NULL))
		push(r, &b->r);
	memset(b, 0, sizeof(*b));
}

/* An Original-Recipient read (*orig) goes to the recipient being read:
 * its address too when it has no Final-Recipient (yet). */
static void
take_original(struct dsn_block *b, const char **orig)
{
	if (*orig == NULL)
		return;
	if (b->r.original == NULL)
		b->r.original = *orig;
	if (b->r.address == NULL)
		b->r.address = *orig;
	*orig = NULL;
}

static void
parse_dsn(struct bounce *out, struct rcpts *r, struct arena *a,
    const char *p, size_t len)
{
	const char *end = p + len, *ls, *le, *next;
	const char *orig = NULL;
	struct dsn_block b;
	size_t vs;

	memset(&b, 0, sizeof(b));
	for (ls = p; ls < end; ls = next) {
		le = memchr(ls, '\n', (size_t)(end - ls));
		next = le != NULL ? le + 1 : end;
		if (le == NULL)
			le = end;
		if (le > ls && le[-1] == '\r')
			le--;
		if (le == ls || (size_t)(le - ls) == strspn(ls, " \t\r")) {
			take_original(&b, &orig);
			end_block(r, &b);
			continue;
		}
		if (ls[0] == ' ' || ls[0] == '\t') {
			/* continuation: only Diagnostic-Code grows */
			const char *more = clean(a, ls, (size_t)(le - ls));

			if (b.last == &b.r.diagnostic && more != NULL &&
			    b.r.diagnostic != NULL &&
			    strlen(b.r.diagnostic) < VALUE_MAX)
				b.r.diagnostic = arena_printf(a, "%s %s",
				    b.r.diagnostic, more);
			continue;
		}
		b.last = NULL;
		if (field_is(ls, (size_t)(le - ls), "Reporting-MTA", &vs)) {
			if (out->reporting_mta == NULL) {
				const char *v = clean_address(a, ls + vs,
				    (size_t)(le - ls) - vs);

				out->reporting_mta = v;
			}
		} else if (field_is(ls, (size_t)(le - ls), "Final-Recipient",
		    &vs)) {
			if (b.r.address != NULL) {
				/* a new recipient without a blank line */
				end_block(r, &b);
			}
			b.r.address = clean_address(a, ls + vs,
			    (size_t)(le - ls) - vs);
			take_original(&b, &orig);
			b.any = true;
		} else if (field_is(ls, (size_t)(le - ls),
		    "Original-Recipient", &vs)) {
			orig = clean_address(a, ls + vs,
			    (size_t)(le - ls) - vs);
			b.any = true;
		} else if (field_is(ls, (size_t)(le - ls), "Action", &vs)) {
			char *act = (char *)clean(a, ls + vs,
			    (size_t)(le - ls) - vs);

			if (act != NULL) {
				act[strcspn(act, " \t;(")] = '\0';
				str_tolower(act);
			}
			b.r.action = act;
			b.any = true;
		} else if (field_is(ls, (size_t)(le - ls), "Status", &vs)) {
			b.r.status = find_status(a, ls + vs,
			    (size_t)(le - ls) - vs, "245");
			b.any = true;
		} else if (field_is(ls, (size_t)(le - ls), "Diagnostic-Code",
		    &vs)) {
			const char *v = ls + vs, *semi;
			size_t vl = (size_t)(le - ls) - vs;

			semi = memchr(v, ';', vl);
			if (semi != NULL) {
				vl -= (size_t)(semi + 1 - v);
				v = semi + 1;
			}
			b.r.diagnostic = clean(a, v, vl);
			b.last = &b.r.diagnostic;
			b.any = true;
		}
	}
	take_original(&b, &orig);
	end_block(r, &b);
}

static enum bounce_kind
kind_from_recipients(const struct rcpts *r)
{
	bool delayed = false, delivered = false;
	size_t i;

	for (i = 0; i < r->n; i++) {
		const char *act = r->v[i].action, *st = r->v[i].status;

		if ((act != NULL && strcmp(act, "failed") == 0) ||
		    (st != NULL && st[0] == '5'))
			return BOUNCE_FAILED;
		if ((act != NULL && strcmp(act, "delayed") == 0) ||
		    (st != NULL && st[0] == '4'))
			delayed = true;
		else if (act != NULL && (strcmp(act, "delivered") == 0 ||
		    strcmp(act, "relayed") == 0 ||
		    strcmp(act, "expanded") == 0))
			delivered = true;
		else if (st != NULL && st[0] == '2')
			delivered = true;
	}
	if (delayed)
		return BOUNCE_DELAYED;
	if (delivered)
		return BOUNCE_DELIVERED;
	return BOUNCE_FAILED;   /* a report that says nothing useful */
}

/* ----- Reports in plain text -------------------------------------- */

static const char *const subject_signals[] = {
	"undelivered mail", "undeliverable", "undelivered", "not delivered",
	"could not be delivered", "delivery failure", "delivery failed",
	"delivery has failed", "failure notice", "failure delivery",
	"delivery status notification", "delivery notification",
	"returned mail", "returning message to sender", "mail delivery",
	"delivery problem", "non-delivery", "nondeliverable", "non remis",
	"unzustellbar", "no entregado", "non recapitabile", "mail error",
	"delivery error", "failed mail", "mail failure",
	"error during delivery",
	"nameserver error", "message status - undeliverable",
	"delivery warning", "delayed", "not yet been delivered",
	"mail failed", "returning to sender", "processing error",
	"\xe3\x83\xa1\xe3\x83\xbc\xe3\x83\xab\xe3\x82\xa8\xe3\x83"
	"\xa9\xe3\x83\xbc",                     /* メールエラー */
	"\xd0\xbd\xd0\xb5 \xd0\xb4\xd0\xbe\xd1\x81\xd1\x82\xd0\xb0\xd0\xb2"
	"\xd0\xbb\xd0\xb5\xd0\xbd\xd0\xbe",         /* не доставлено */
	NULL
};

static const char *const delay_signals[] = {
	"delay", "warning", "not yet been delivered", "still being retried",
	"will continue to try", "will be retried", "will retry",
	NULL
};

struct text_rule {
	const char *needle;
	const char *rule;
	bool strong;            /* a mail system's own sentence */
};

static const struct text_rule body_signals[] = {
	{ "qmail-send program", "qmail", true },
	{ "I'm afraid I wasn't able to deliver", "qmail", true },
	{ "This message was created automatically by mail delivery",
	    "exim", true },
	{ "This is the mail system at host", "postfix", true },
	{ "I'm sorry to have to inform you that your message could not",
	    "postfix", true },
	{ "The original message was received at", "sendmail", true },
	{ "permanent fatal errors", "sendmail", true },
	{ "Delivery has failed to these recipients", "exchange", true },
	{ "did not reach some or all of the intended recipients",
	    "exchange", true },
	{ "The following recipient(s) could not be reached", "exchange",
	    true },
	{ "did not reach the following recipient", "exchange", true },
	{ "Delivery to the following recipient failed", "gmail", true },
	{ "Delivery to the following recipients failed", "gmail", true },
	{ "Delivery to the following recipient has been delayed", "gmail",
	    true },
	{ "Unable to deliver message to the following address", "yahoo",
	    true },
	{ "could not be delivered to the following", "text", true },
	{ "cannot be delivered to the following", "text", true },
	{ "the following mail could not be delivered", "text", true },
	{ "the following message could not be delivered", "text", true },
	{ "could not be delivered to:", "text", true },
	{ "returned mail follows", "text", true },
	{ "failed recipients ---", "text", true },
	{ "your message could not be delivered to", "text", true },
	{ "could not deliver message to the following", "text", true },
	{ "This is an advisory-only email", "text", true },
	{ "failed addresses follow", "text", true },
	{ "Your message did not reach", "exchange", false },
	{ "was not delivered to", "domino", false },
	{ "message could not be delivered", "text", false },
	{ "could not be delivered", "text", false },
	{ "cannot be delivered", "text", false },
	{ "has been returned", "text", false },
	{ "not a valid user", "text", false },
	{ "invalid user", "text", false },
	{ "continue to try to deliver", "text", false },
	{ "could not deliver", "text", false },
	{ "couldn't be delivered", "text", false },
	{ "was undeliverable", "text", false },
	{ "undeliverable", "text", false },
	{ "delivery failed", "text", false },
	{ "permanent error", "text", false },
	{ "user unknown", "text", false },
	{ "unknown user", "text", false },
	{ "no such user", "text", false },
	{ "mailbox unavailable", "text", false },
	{ "mailbox is full", "text", false },
	{ "over quota", "text", false },
	{ "returned to sender", "text", false },
	{ "has not yet been delivered", "text", false },
	{ "delivery temporarily suspended", "text", false },
	{ "message delayed", "text", false },
	{ "non-delivery", "text", false },
	{ NULL, NULL, false }
};

/* Subjects of mail passed on by a person (a forwarded bounce is a
 * question to us, not a bounce). */
static const char *const forward_prefixes[] = {
	"fwd:", "fw:", "tr:", "wg:", "rv:", "enc:", "doorst:", "vs:", NULL
};

static const char *const forward_markers[] = {
	"forwarded message", "original message", "begin forwarded message",
	"message transf\xc3\xa9r\xc3\xa9", "weitergeleitete nachricht",
	"message d'origine", NULL
};

static const char *const daemon_names[] = {
	"mail delivery", "mailer-daemon", "mailer daemon", "postmaster",
	"mail administrator", "system administrator", "mail system",
	NULL
};

static bool
any_in(const char *s, const char *const *needles)
{
	size_t i;

	if (s == NULL)
		return false;
	for (i = 0; needles[i] != NULL; i++)
		if (str_casestr(s, needles[i]) != NULL)
			return true;
	return false;
}

static bool
sender_signal(const struct mail *m)
{
	return auto_daemon_address(m->from.addr) ||
	    auto_daemon_address(m->return_path) ||
	    (m->return_path != NULL && m->return_path[0] == '\0') ||
	    any_in(m->from.name, daemon_names) ||
	    (m->from.addr != NULL && str_casestarts(m->from.addr, "bounce"));
}

/* Is this a person passing a bounce on: a forward subject, or a forward
 * marker in the text before the bounce sentence at strong_at? */
static bool
forwarded(const char *subject, const char *head, const char *strong_at)
{
	size_t i;
	char *before;
	bool yes = false;

	for (i = 0; forward_prefixes[i] != NULL; i++)
		if (str_casestarts(subject, forward_prefixes[i]))
			return true;
	before = xstrndup(head, (size_t)(strong_at - head));
	for (i = 0; forward_markers[i] != NULL && !yes; i++)
		yes = str_casestr(before, forward_markers[i]) != NULL;
	free(before);
	return yes;
}

/* A basic SMTP reply code where mail systems write one: at a line start
 * or after "said:", "reply:", "error:", "): "; as "5.0.0" / "4.0.0". */
static const char *
find_smtp_code(const char *s)
{
	static const char *const before[] = { "said: ", "said:", "reply: ",
	    "error: ", "): ", "reason: ", "response: ", NULL };
	const char *p;
	size_t i;

	for (p = s; *p != '\0'; p++) {
		bool start = p == s || p[-1] == '\n';
		bool ok = false;

		if (!(p[0] == '4' || p[0] == '5') || !is_digit(p[1]) ||
		    !is_digit(p[2]) || (p[3] != ' ' && p[3] != '-'))
			continue;
		if (p[0] == '4' && (p[1] < '2' || p[1] > '5'))
			continue;
		if (p[0] == '5' && p[1] > '5')
			continue;
		{
			const char *q = p;

			while (q > s && (q[-1] == ' ' || q[-1] == '\t'))
				q--;
			start = start || q == s || q[-1] == '\n';
		}
		for (i = 0; !start && before[i] != NULL; i++) {
			size_t n = strlen(before[i]);

			if ((size_t)(p - s) >= n &&
			    str_ncasecmp(p - n, before[i], n) == 0)
				ok = true;
		}
		if (start || ok)
			return p[0] == '5' ? "5.0.0" : "4.0.0";
	}
	return NULL;
}

/* What the usual sentences mean, for reports that give no code. */
static const struct {
	const char *needle;
	const char *status;     /* its permanent form; 4 for delays */
} reasons[] = {
	{ "user unknown", "5.1.1" }, { "unknown user", "5.1.1" },
	{ "no such user", "5.1.1" }, { "unknown recipient", "5.1.1" },
	{ "recipient unknown", "5.1.1" }, { "invalid recipient", "5.1.1" },
	{ "not a valid user", "5.1.1" }, { "invalid user", "5.1.1" },
	{ "does not exist", "5.1.1" }, { "no mailbox", "5.1.1" },
	{ "not listed in", "5.1.1" }, { "host unknown", "5.1.2" },
	{ "unknown host", "5.1.2" }, { "no such domain", "5.1.2" },
	{ "domain not found", "5.1.2" }, { "nameserver error", "5.1.2" },
	{ "name server error", "5.1.2" }, { "mailbox full", "5.2.2" },
	{ "mailbox is full", "5.2.2" }, { "full mailbox", "5.2.2" },
	{ "quota", "5.2.2" }, { "space not enough", "5.2.2" },
	{ "insufficient storage", "5.2.2" }, { "too large", "5.3.4" },
	{ "too big", "5.3.4" }, { "size limit", "5.3.4" },
	{ "too many hops", "5.4.6" }, { "relaying denied", "5.7.1" },
	{ "relay denied", "5.7.1" }, { "not permitted to relay", "5.7.1" },
	{ NULL, NULL }
};

/* The status a report without code implies: from its sentences, else
 * the class alone ("5.0.0", "4.0.0"). */
static const char *
implied_status(struct arena *a, const char *head, enum bounce_kind kind)
{
	size_t i;

	for (i = 0; reasons[i].needle != NULL; i++) {
		if (str_casestr(head, reasons[i].needle) == NULL)
			continue;
		if (kind != BOUNCE_DELAYED)
			return reasons[i].status;
		return arena_printf(a, "4%s", reasons[i].status + 1);
	}
	return kind == BOUNCE_DELAYED ? "4.0.0" : "5.0.0";
}

/* "<user@host>:" lines (qmail, Postfix) and X-Failed-Recipients (Exim). */
static void
text_recipients(struct rcpts *r, struct arena *a, const struct mail *m,
    const char *text, enum bounce_kind kind)
{
	struct bounce_recipient br;
	const char *v = mail_header_get(m, "X-Failed-Recipients"), *p, *nl;

	memset(&br, 0, sizeof(br));
	br.action = kind == BOUNCE_DELAYED ? "delayed" : "failed";
	if (v != NULL) {
		while (*v != '\0') {
			size_t n = strcspn(v, ",");

			br.address = clean_address(a, v, n);
			if (br.address != NULL)
				push(r, &br);
			v += n;
			if (*v == ',')
				v++;
		}
		return;
	}
	for (p = text; *p != '\0'; p = nl) {
		size_t ll = strcspn(p, "\n");
		const char *q = p, *gt;

		nl = p[ll] == '\n' ? p + ll + 1 : p + ll;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q != '<')
			continue;
		gt = memchr(q, '>', ll - (size_t)(q - p));
		if (gt == NULL || memchr(q, '@', (size_t)(gt - q)) == NULL ||
		    (gt[1] != ':' && gt[1] != ' '))
			continue;
		br.address = clean_address(a, q, (size_t)(gt - q + 1));
		if (br.address != NULL)
			push(r, &br);
		if (r->n >= 100)
			break;
	}
}

/* ----- The original message --------------------------------------- */

static bool
is_returned_type(const char *ct)
{
	return strcmp(ct, "message/rfc822") == 0 ||
	    strcmp(ct, "message/global") == 0 ||
	    strcmp(ct, "text/rfc822-headers") == 0 ||
	    strcmp(ct, "message/rfc822-headers") == 0 ||
	    strcmp(ct, "message/global-headers") == 0;
}

/* "Message-ID: <x>" lines of a returned text. */
static const char *
scan_message_id(struct arena *a, const char *text, const char *own)
{
	const char *p;

	for (p = text; p != NULL && *p != '\0';) {
		const char *q = p, *e = strchr(p, '\n');
		size_t ll = e != NULL ? (size_t)(e - p) : strlen(p);

		while (*q == ' ' || *q == '\t' || *q == '>')
			q++;
		if (str_casestarts(q, "Message-ID:") ||
		    str_casestarts(q, "Message-Id :")) {
			const char *lt = memchr(q, '<', ll - (size_t)(q - p));
			const char *gt = lt != NULL ? memchr(lt, '>',
			    ll - (size_t)(lt - p)) : NULL;

			if (gt != NULL && gt > lt + 1) {
				const char *id = clean(a, lt + 1,
				    (size_t)(gt - lt - 1));

				if (id != NULL && strchr(id, ' ') == NULL &&
				    (own == NULL || strcmp(id, own) != 0))
					return id;
			}
		}
		p = e != NULL ? e + 1 : NULL;
	}
	return NULL;
}

static const char *
original_id(struct arena *a, const struct mail *m)
{
	const char *id;
	size_t i, len;

	for (i = 0; i < m->nparts; i++) {
		const struct mail_part *p = &m->parts[i];

		if (is_returned_type(p->content_type) && p->message != NULL &&
		    p->message->message_id != NULL)
			return p->message->message_id;
	}
	id = scan_message_id(a, m->text, m->message_id);
	if (id != NULL)
		return id;
	/* returned messages sent as text parts beside the body */
	for (i = 0; i < m->nparts; i++) {
		const struct mail_part *p = &m->parts[i];

		if (p->data == NULL || p->is_body ||
		    strncmp(p->content_type, "text/", 5) != 0)
			continue;
		len = p->len > SCAN_BYTES ? SCAN_BYTES : p->len;
		id = scan_message_id(a, utf8_sanitize(a,
		    (const char *)p->data, len, NULL), m->message_id);
		if (id != NULL)
			return id;
	}
	return NULL;
}

/* ----- Public ----------------------------------------------------- */

bool
bounce_detect(struct bounce *out, struct arena *a, const struct mail *m)
{
	struct rcpts r = { NULL, 0, 0 };
	size_t i, tl;
	char *head;
	const char *rule = NULL, *strong_at = NULL;
	bool subj, body = false, ok;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < m->nparts; i++) {
		const struct mail_part *p = &m->parts[i];

		if (p->data != NULL &&
		    (strcmp(p->content_type, "message/delivery-status") == 0 ||
		    strcmp(p->content_type,
		    "message/global-delivery-status") == 0)) {
			out->dsn = true;
			parse_dsn(out, &r, a, (const char *)p->data, p->len);
		}
	}
	/* Without a report part, every way in below needs a mail
	 * system's sender or a bounce subject: without either, the text
	 * (the costly part: every sentence looked for) is not read. */
	subj = !out->dsn && any_in(m->subject, subject_signals);
	if (!out->dsn && !subj && !sender_signal(m))
		return false;
	/* the head of the text, where the explanation is */
	tl = strlen(m->text);
	head = arena_strndup(a, m->text, tl > SCAN_BYTES ? SCAN_BYTES : tl);

	if (out->dsn) {
		out->kind = kind_from_recipients(&r);
		out->rule = "delivery-status report";
	} else {
		for (i = 0; body_signals[i].needle != NULL; i++) {
			const char *at = str_casestr(head,
			    body_signals[i].needle);

			if (at == NULL)
				continue;
			if (!body) {
				body = true;
				rule = body_signals[i].rule;
			}
			if (body_signals[i].strong && strong_at == NULL)
				strong_at = at;
		}
		/* A mail system's sender and one more signal; or, from an
		 * ordinary address, a bounce subject and a mail system's
		 * own sentence, unless a person is passing a bounce on; or,
		 * without any From, a bounce subject and sentence. */
		if (sender_signal(m))
			ok = subj || body;
		else
			ok = (subj && strong_at != NULL &&
			    !forwarded(m->subject, head, strong_at)) ||
			    (m->from.addr == NULL && subj && body);
		if (!ok) {
			free(r.v);
			memset(out, 0, sizeof(*out));
			return false;
		}
		out->rule = rule != NULL ? rule : "subject and sender";
		out->status = find_status(a, head, strlen(head), "45");
		if (out->status == NULL)
			out->status = find_smtp_code(head);
		if ((any_in(m->subject, delay_signals) ||
		    (!subj && any_in(head, delay_signals))) &&
		    (out->status == NULL || out->status[0] != '5'))
			out->kind = BOUNCE_DELAYED;
		else
			out->kind = BOUNCE_FAILED;
		if (out->status == NULL)
			out->status = implied_status(a, head, out->kind);
		text_recipients(&r, a, m, head, out->kind);
	}
	if (r.n > 0) {
		out->recipients = arena_memdup(a, r.v, r.n * sizeof(*r.v));
		out->nrecipients = r.n;
	}
	/* the status of the first failed recipient, else the first one */
	for (i = 0; i < r.n && out->dsn; i++) {
		if (r.v[i].status == NULL)
			continue;
		if (out->status == NULL || (r.v[i].action != NULL &&
		    strcmp(r.v[i].action, "failed") == 0)) {
			out->status = r.v[i].status;
			if (r.v[i].action != NULL &&
			    strcmp(r.v[i].action, "failed") == 0)
				break;
		}
	}
	if (out->dsn && out->status == NULL)
		out->status = find_status(a, head, strlen(head), "45");
	if (out->dsn && out->status == NULL && out->kind != BOUNCE_DELIVERED)
		out->status = implied_status(a, head, out->kind);
	free(r.v);
	out->original_message_id = original_id(a, m);
	return out->kind != BOUNCE_NONE;
}

const char *
bounce_kind_name(enum bounce_kind k)
{
	switch (k) {
	case BOUNCE_NONE:
		return "none";
	case BOUNCE_FAILED:
		return "failed";
	case BOUNCE_DELAYED:
		return "delayed";
	case BOUNCE_DELIVERED:
		return "delivered";
	}
	return "none";
}

bool
bounce_recipient_failed(const struct bounce_recipient *r)
{
	if (r->action != NULL && strcmp(r->action, "failed") == 0)
		return true;
	if (r->status != NULL)
		return r->status[0] == '5';
	return r->action == NULL;
}

/* s, or its decoded form, is address. */
static bool
dsn_form_is(struct arena *a, const char *s, const char *address)
{
	return s != NULL && (addr_same(s, address) ||
	    addr_same(addr_dsn_decode(a, s), address));
}

bool
bounce_recipient_is(struct arena *a, const struct bounce_recipient *r,
    const char *address)
{
	return dsn_form_is(a, r->address, address) ||
	    dsn_form_is(a, r->original, address);
}
