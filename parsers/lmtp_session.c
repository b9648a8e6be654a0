/*
 * lmtp_session.c - one LMTP session, server side (see lmtp_session.h)
 *
 * A command line is served once its LF has come; after DATA, each line
 * of the mail as it comes (a line longer than half the input buffer in
 * pieces, which cannot be the final dot). Replies are appended to the
 * output; the commands are served in the order they came, so pipelined
 * commands get their replies in order.
 */
#include "parsers/lmtp_session.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/util.h"

enum state {
	S_GREETED,     /* before LHLO */
	S_READY,       /* LHLO said, no transaction */
	S_MAIL,        /* MAIL FROM said */
	S_DATA,        /* reading the mail */
};

struct lmtp_session {
	struct lmtp_limits lim;
	struct lmtp_ops ops;
	enum state st;
	char in[LMTP_IN_MAX];
	size_t inlen;
	bool skip_line;        /* a command line past LMTP_CMD_MAX: to its
	                          end */
	struct buf out;        /* the replies, from outoff on not written */
	size_t outoff;
	bool closing;          /* close once the replies are written */
	char *sender;          /* MAIL FROM's path, "" for <> */
	struct lmtp_rcpt *rcpts;
	size_t nrcpts;
	struct buf data;       /* Return-Path: then the mail, capped at
	                          lim.max_size bytes of the mail */
	bool line_start;       /* the next data byte starts a line */
	bool too_big;
	int errors;
};

/* ----- replies ----------------------------------------------------- */

/* One reply line, cut to 510 bytes and its CRLF. */
static void
vreply(struct lmtp_session *s, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void
vreply(struct lmtp_session *s, const char *fmt, va_list ap)
{
	char line[512];
	int n;

	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 3)
		n = (int)sizeof(line) - 3;
	memcpy(line + n, "\r\n", 2);
	n += 2;
	/* not capped here: past LMTP_OUT_MAX nothing more is read */
	if (buf_add(&s->out, line, (size_t)n) != 0)
		s->closing = true;
}

static void
reply(struct lmtp_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
reply(struct lmtp_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreply(s, fmt, ap);
	va_end(ap);
}

/* A mistake of the client: told, counted, and past LMTP_MAX_ERRORS the
 * end. Returns -1, for the command's return. */
static int
refuse(struct lmtp_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
refuse(struct lmtp_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreply(s, fmt, ap);
	va_end(ap);
	if (++s->errors >= LMTP_MAX_ERRORS && !s->closing) {
		reply(s, "421 4.7.0 too many errors, closing");
		s->closing = true;
	}
	return -1;
}

/* ----- the transaction ---------------------------------------------- */

static void
transaction_reset(struct lmtp_session *s)
{
	for (size_t i = 0; i < s->nrcpts; i++) {
		free(s->rcpts[i].addr);
		free(s->rcpts[i].mailbox);
	}
	free(s->rcpts);
	s->rcpts = NULL;
	s->nrcpts = 0;
	free(s->sender);
	s->sender = NULL;
	buf_free(&s->data);
	s->too_big = false;
	if (s->st > S_READY)
		s->st = S_READY;
}

static void
data_append(struct lmtp_session *s, const char *p, size_t n)
{
	if (!s->too_big && buf_add(&s->data, p, n) != 0) {
		s->too_big = true;   /* read to the end, kept no more */
		buf_free(&s->data);
	}
}

/* The final dot: each recipient told what deliver() says. */
static void
deliver(struct lmtp_session *s)
{
	char (*replies)[LMTP_REPLY_MAX] = xcalloc(s->nrcpts,
	    sizeof(*replies));

	if (!s->too_big)
		s->ops.deliver(s->ops.ctx, s->data.data, s->data.len, s->rcpts,
		    s->nrcpts, replies);
	else if (s->ops.too_big != NULL)
		s->ops.too_big(s->ops.ctx, s->nrcpts);
	for (size_t i = 0; i < s->nrcpts; i++) {
		const char *r = replies[i];

		if (s->too_big)
			reply(s, "552 5.3.4 <%s> the mail is larger than %zu "
			    "bytes", s->rcpts[i].addr, s->lim.max_size);
		else if (strnlen(r, LMTP_REPLY_MAX) < 4 || r[0] < '2' ||
		    r[0] > '5' || r[3] != ' ')
			reply(s, "451 4.3.0 <%s> no answer for this recipient, "
			    "try again later", s->rcpts[i].addr);
		else
			reply(s, "%.*s", LMTP_REPLY_MAX - 1, r);
	}
	free(replies);
	transaction_reset(s);
}

/* One line of the mail (n bytes with its LF, or a piece of a line longer
 * than the input buffer when partial); false at the final dot. */
static bool
data_line(struct lmtp_session *s, const char *p, size_t n,
    bool partial)
{
	if (s->line_start && !partial &&
	    ((n == 2 && memcmp(p, ".\n", 2) == 0) ||
	    (n == 3 && memcmp(p, ".\r\n", 3) == 0)))
		return false;
	if (s->line_start && n > 0 && p[0] == '.') {
		p++;      /* dot-stuffing (RFC 5321 4.5.2) */
		n--;
	}
	data_append(s, p, n);
	s->line_start = !partial;
	return true;
}

/* ----- commands ----------------------------------------------------- */

/* The path of "FROM:<a@b> PARAMS" after the verb's colon: *addr_r gets
 * the address (maybe ""), *rest_r the parameters. NULL or why not. */
static const char *
read_path(char *arg, char **addr_r, char **rest_r)
{
	char *lt, *gt;

	while (*arg == ' ')
		arg++;
	if (*arg != '<' || (gt = strchr(arg, '>')) == NULL)
		return "the address goes between < and >";
	lt = arg + 1;
	*gt = '\0';
	if ((size_t)(gt - lt) > LMTP_PATH_MAX)
		return "the address is longer than 256 bytes";
	/* a source route (<@a,@b:u@d>) is ignored (RFC 5321 4.1.2) */
	if (*lt == '@' && strchr(lt, ':') != NULL)
		lt = strchr(lt, ':') + 1;
	for (const char *c = lt; *c; c++)
		if ((unsigned char)*c < 0x21 || *c == 0x7f || *c == '<')
			return "the address holds a character it may not";
	if (*lt != '\0' && strchr(lt, '@') == NULL)
		return "the address has no domain";
	*addr_r = lt;
	*rest_r = gt + 1;
	return NULL;
}

/* MAIL's parameters: NULL or the reply refusing them. */
static const char *
mail_params(struct lmtp_session *s, char *p, char *buf, size_t len)
{
	char *save = NULL;

	for (char *t = strtok_r(p, " ", &save); t != NULL;
	    t = strtok_r(NULL, " ", &save)) {
		if (str_ncasecmp(t, "SIZE=", 5) == 0) {
			char *end;
			unsigned long long n;

			errno = 0;
			n = strtoull(t + 5, &end, 10);
			if (t[5] < '0' || t[5] > '9' || *end != '\0')
				return "501 5.5.4 SIZE takes a number";
			if (errno != 0 || n > s->lim.max_size) {
				snprintf(buf, len, "552 5.3.4 the mail is larger"
				    " than %zu bytes", s->lim.max_size);
				return buf;
			}
		} else if (str_casecmp(t, "BODY=7BIT") != 0 &&
		    str_casecmp(t, "BODY=8BITMIME") != 0 &&
		    str_casecmp(t, "SMTPUTF8") != 0 &&
		    str_ncasecmp(t, "ENVID=", 6) != 0 &&
		    str_ncasecmp(t, "RET=", 4) != 0 &&
		    str_ncasecmp(t, "AUTH=", 5) != 0) {
			return "555 5.5.4 a parameter not offered";
		}
	}
	return NULL;
}

static bool
rcpt_params(char *p)
{
	char *save = NULL;

	for (char *t = strtok_r(p, " ", &save); t != NULL;
	    t = strtok_r(NULL, " ", &save))
		if (str_ncasecmp(t, "ORCPT=", 6) != 0 &&
		    str_ncasecmp(t, "NOTIFY=", 7) != 0)
			return false;
	return true;
}

static int
cmd_mail(struct lmtp_session *s, char *arg)
{
	char buf[128], *addr, *rest;
	const char *why;

	if (s->st == S_GREETED)
		return refuse(s, "503 5.5.1 LHLO first");
	if (s->st != S_READY)
		return refuse(s, "503 5.5.1 one MAIL per transaction (RSET "
		    "ends one)");
	if (str_ncasecmp(arg, "FROM:", 5) != 0)
		return refuse(s, "501 5.5.4 MAIL FROM:<address>");
	if ((why = read_path(arg + 5, &addr, &rest)) != NULL)
		return refuse(s, "501 5.1.7 %s", why);
	if ((why = mail_params(s, rest, buf, sizeof(buf))) != NULL)
		return refuse(s, "%s", why);
	s->sender = xstrdup(addr);
	s->st = S_MAIL;
	reply(s, "250 2.1.0 sender ok");
	return 0;
}

static int
cmd_rcpt(struct lmtp_session *s, char *arg)
{
	const char *why, *mb;
	char *addr, *rest;
	struct lmtp_rcpt *r;

	if (s->st != S_MAIL)
		return refuse(s, "503 5.5.1 MAIL first");
	if (str_ncasecmp(arg, "TO:", 3) != 0)
		return refuse(s, "501 5.5.4 RCPT TO:<address>");
	if ((why = read_path(arg + 3, &addr, &rest)) != NULL)
		return refuse(s, "501 5.1.3 %s", why);
	if (!rcpt_params(rest))
		return refuse(s, "555 5.5.4 a parameter not offered");
	if (*addr == '\0' || (mb = s->ops.mailbox(s->ops.ctx, addr)) == NULL)
		return refuse(s, "550 5.1.1 <%s> is not the address of a "
		    "mailbox here", addr);
	if (s->nrcpts >= s->lim.max_rcpts) {
		reply(s, "452 4.5.3 too many recipients in one transaction");
		return 0;
	}
	s->rcpts = xrealloc(s->rcpts, (s->nrcpts + 1) * sizeof(*s->rcpts));
	r = &s->rcpts[s->nrcpts++];
	r->addr = xstrdup(addr);
	r->mailbox = xstrdup(mb);
	reply(s, "250 2.1.5 <%s> mailbox %s", addr, mb);
	return 0;
}

static int
cmd_data(struct lmtp_session *s)
{
	char head[LMTP_PATH_MAX + 32];
	int n;

	if (s->st != S_MAIL || s->nrcpts == 0)
		return refuse(s, "503 5.5.1 no valid recipient");
	n = snprintf(head, sizeof(head), "Return-Path: <%s>\r\n", s->sender);
	buf_init(&s->data, s->lim.max_size + (size_t)n);
	data_append(s, head, (size_t)n);
	s->line_start = true;
	s->st = S_DATA;
	reply(s, "354 2.0.0 go ahead, end with <CRLF>.<CRLF>");
	return 0;
}

static int
command(struct lmtp_session *s, char *line)
{
	char *arg = line;
	size_t vlen;

	for (char *c = line; *c; c++)
		if ((unsigned char)*c < 0x20 && *c != '\t')
			return refuse(s, "500 5.5.2 a control character in the "
			    "command");
	while (*arg && *arg != ' ')
		arg++;
	vlen = (size_t)(arg - line);
	while (*arg == ' ')
		arg++;
#define IS(v) (vlen == strlen(v) && str_ncasecmp(line, v, vlen) == 0)
	if (IS("LHLO")) {
		if (*arg == '\0')
			return refuse(s, "501 5.5.4 LHLO name");
		transaction_reset(s);
		s->st = S_READY;
		reply(s, "250-guichet");
		reply(s, "250-PIPELINING");
		reply(s, "250-ENHANCEDSTATUSCODES");
		reply(s, "250-8BITMIME");
		reply(s, "250-SMTPUTF8");
		reply(s, "250 SIZE %zu", s->lim.max_size);
	} else if (IS("MAIL")) {
		return cmd_mail(s, arg);
	} else if (IS("RCPT")) {
		return cmd_rcpt(s, arg);
	} else if (IS("DATA")) {
		return cmd_data(s);
	} else if (IS("RSET")) {
		transaction_reset(s);
		reply(s, "250 2.0.0 reset");
	} else if (IS("NOOP")) {
		reply(s, "250 2.0.0 ok");
	} else if (IS("QUIT")) {
		reply(s, "221 2.0.0 bye");
		s->closing = true;
	} else if (IS("VRFY")) {
		reply(s, "252 2.5.0 not verified; try RCPT");
	} else if (IS("HELO") || IS("EHLO")) {
		return refuse(s, "500 5.5.1 this is LMTP: LHLO, not %.*s",
		    (int)vlen, line);
	} else {
		return refuse(s, "502 5.5.2 unknown command");
	}
#undef IS
	return 0;
}

/* What the input buffer holds, as far as it goes. */
static void
consume(struct lmtp_session *s)
{
	size_t off = 0;

	while (off < s->inlen && !s->closing &&
	    s->out.len - s->outoff < LMTP_OUT_MAX) {
		char *p = s->in + off, *lf;
		size_t avail = s->inlen - off, n;

		lf = memchr(p, '\n', avail);
		if (s->st == S_DATA) {
			if (lf == NULL && avail < sizeof(s->in) / 2)
				break;   /* the line's end is still to come */
			n = lf ? (size_t)(lf - p) + 1 : avail;
			off += n;
			if (!data_line(s, p, n, lf == NULL))
				deliver(s);
			continue;
		}
		if (lf == NULL) {
			if (s->skip_line || avail > LMTP_CMD_MAX) {
				if (!s->skip_line)
					refuse(s, "500 5.5.2 the line is longer "
					    "than %d bytes", LMTP_CMD_MAX);
				s->skip_line = true;
				off = s->inlen;
			}
			break;
		}
		n = (size_t)(lf - p) + 1;
		off += n;
		if (s->skip_line) {
			s->skip_line = false;
			continue;
		}
		if (n > LMTP_CMD_MAX) {
			refuse(s, "500 5.5.2 the line is longer than %d bytes",
			    LMTP_CMD_MAX);
			continue;
		}
		*lf = '\0';
		if (lf > p && lf[-1] == '\r')
			lf[-1] = '\0';
		(void)command(s, p);
	}
	memmove(s->in, s->in + off, s->inlen - off);
	s->inlen -= off;
}


/* ----- the session --------------------------------------------------- */

struct lmtp_session *
lmtp_session_new(const struct lmtp_limits *lim, const struct lmtp_ops *ops)
{
	struct lmtp_session *s = xcalloc(1, sizeof(*s));

	s->lim = *lim;
	s->ops = *ops;
	s->st = S_GREETED;
	buf_init(&s->out, SIZE_MAX);
	reply(s, "220 guichet LMTP ready");
	return s;
}

void
lmtp_session_free(struct lmtp_session **sp)
{
	struct lmtp_session *s = *sp;

	if (s == NULL)
		return;
	transaction_reset(s);
	buf_free(&s->out);
	free(s);
	*sp = NULL;
}

size_t
lmtp_session_room(const struct lmtp_session *s)
{
	if (s->closing || s->out.len - s->outoff >= LMTP_OUT_MAX)
		return 0;
	return sizeof(s->in) - s->inlen;
}

void
lmtp_session_feed(struct lmtp_session *s, const char *p, size_t len)
{
	if (len > lmtp_session_room(s))
		len = lmtp_session_room(s);
	memcpy(s->in + s->inlen, p, len);
	s->inlen += len;
	consume(s);
}

void
lmtp_session_resume(struct lmtp_session *s)
{
	consume(s);
}

const char *
lmtp_session_output(const struct lmtp_session *s, size_t *len)
{
	*len = s->out.len - s->outoff;
	return buf_str(&s->out) + s->outoff;
}

void
lmtp_session_written(struct lmtp_session *s, size_t n)
{
	if (n > s->out.len - s->outoff)
		n = s->out.len - s->outoff;
	s->outoff += n;
	if (s->outoff == s->out.len) {
		buf_reset(&s->out);
		s->outoff = 0;
	}
}

void
lmtp_session_close(struct lmtp_session *s, const char *line)
{
	if (!s->closing)
		reply(s, "%s", line);
	s->closing = true;
}

bool
lmtp_session_closing(const struct lmtp_session *s)
{
	return s->closing;
}

bool
lmtp_session_in_data(const struct lmtp_session *s)
{
	return s->st == S_DATA;
}

int
lmtp_session_errors(const struct lmtp_session *s)
{
	return s->errors;
}
