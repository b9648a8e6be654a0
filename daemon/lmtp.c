/*
 * lmtp.c - the LMTP listener and its sessions (see lmtp.h)
 *
 * A session is a small state machine fed by whatever read() returns:
 * command lines up to CMD_MAX bytes (past it 500 and the line skipped),
 * then, after DATA, the mail's lines un-dot-stuffed into a buffer capped
 * at the hard size cap (past it the rest is read and dropped, and each
 * recipient is told 552). Replies go to an output buffer written when the
 * socket takes them; a client that does not read them (PIPELINING taken
 * too far) is not read from until it does.
 */
#include "daemon/lmtp.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/listen.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "desk/intake.h"

#define CMD_MAX      2048      /* bytes of a command line (RFC 5321: 512
                                  and the parameters of its extensions) */
#define IN_CHUNK     65536     /* bytes read at a time, and held unparsed */
#define OUT_MAX      65536     /* replies waiting before reading stops */
#define ADDR_MAX     256       /* a path (RFC 5321 4.5.3.1.3) */
#define MAX_ERRORS   20        /* mistakes before 421 (Postfix's hard
                                  error limit) */

enum state {
	S_GREETED,     /* before LHLO */
	S_READY,       /* LHLO said, no transaction */
	S_MAIL,        /* MAIL FROM said */
	S_DATA,        /* reading the mail */
};

struct rcpt {
	char *addr;            /* as given, for the replies */
	char *mailbox;         /* the mailbox's name (looked up at delivery:
	                          a reload may have changed it) */
};

struct session {
	int fd;
	enum state st;
	char in[IN_CHUNK];
	size_t inlen;
	bool skip_line;        /* a command line past CMD_MAX: to its end */
	char *out;
	size_t outlen, outoff, outcap;
	bool closing;          /* close once the replies are written */
	char *sender;          /* MAIL FROM's path, "" for <> */
	struct rcpt *rcpts;
	size_t nrcpts;
	char *data;            /* Return-Path: then the mail */
	size_t datalen, datacap, prefix;
	bool line_start;       /* the next data byte starts a line */
	bool too_big;
	int errors;
	double deadline;       /* monotonic seconds */
};

struct lmtp {
	struct app *app;
	lmtp_store_fn store;
	void *ctx;
	int fd;                /* the listener, -1: off */
	char *listen;          /* what it listens on (to see a change) */
	char *path;            /* the Unix socket to remove at the end */
	struct session **s;
	size_t ns;
	double accept_pause;   /* out of descriptors: accept again then */
	unsigned long stored;  /* mails stored (one per mailbox) */
};

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const struct conf_lmtp *
cf(const struct lmtp *l)
{
	return &l->app->conf->lmtp;
}

static size_t
size_cap(const struct lmtp *l)
{
	return (size_t)l->app->conf->general.max_mail_size * 4;
}

/* ----- replies ----------------------------------------------------- */

static void
reply(struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
reply(struct session *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 3)
		n = (int)sizeof(line) - 3;
	memcpy(line + n, "\r\n", 2);
	n += 2;
	if (s->outlen + (size_t)n > s->outcap) {
		s->outcap = (s->outlen + (size_t)n) * 2;
		s->out = xrealloc(s->out, s->outcap);
	}
	memcpy(s->out + s->outlen, line, (size_t)n);
	s->outlen += (size_t)n;
}

/* A mistake of the client: told, counted, and past MAX_ERRORS the end.
 * Returns -1, for the command's return. */
static int
refuse(struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
refuse(struct session *s, const char *fmt, ...)
{
	char line[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	reply(s, "%s", line);
	if (++s->errors >= MAX_ERRORS && !s->closing) {
		reply(s, "421 4.7.0 too many errors, closing");
		s->closing = true;
		log_warn("lmtp: a client made %d mistakes (the last: %s); "
		    "closing its session", s->errors, line);
	}
	return -1;
}

/* Write what the socket takes; false when the session is over (the
 * client went away, or every reply is written and it is closing). */
static bool
flush_out(struct session *s)
{
	while (s->outoff < s->outlen) {
		ssize_t w = send(s->fd, s->out + s->outoff,
		    s->outlen - s->outoff, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (w <= 0)
			return false;
		s->outoff += (size_t)w;
	}
	s->outoff = s->outlen = 0;
	return !s->closing;
}

/* ----- the transaction ---------------------------------------------- */

static void
transaction_reset(struct session *s)
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
	free(s->data);
	s->data = NULL;
	s->datalen = s->datacap = s->prefix = 0;
	s->too_big = false;
	if (s->st > S_READY)
		s->st = S_READY;
}

static void
data_append(struct lmtp *l, struct session *s, const char *p, size_t n)
{
	if (s->too_big)
		return;
	if (s->datalen - s->prefix + n > size_cap(l)) {
		s->too_big = true;   /* read to the end, kept no more */
		free(s->data);
		s->data = NULL;
		s->datalen = s->datacap = 0;
		return;
	}
	if (s->datalen + n > s->datacap) {
		size_t want = s->datacap ? s->datacap * 2 : 16384;

		while (want < s->datalen + n)
			want *= 2;
		s->data = xrealloc(s->data, want);
		s->datacap = want;
	}
	memcpy(s->data + s->datalen, p, n);
	s->datalen += n;
}

/* The answer of one recipient, its mailbox stored already or not. */
static void
answer_rcpt(struct session *s, const struct rcpt *r, int rc,
    const struct intake_result *res, const char *why)
{
	if (rc != 0) {
		reply(s, "451 4.3.0 <%s> not stored now, try again later: %s",
		    r->addr, why);
		return;
	}
	switch (res->outcome) {
	case INTAKE_NEW_TICKET:
	case INTAKE_FOLLOWUP:
		reply(s, "250 2.0.0 <%s> stored: %s %s", r->addr,
		    intake_outcome_name(res->outcome), res->number);
		break;
	default:
		reply(s, "250 2.0.0 <%s> taken: %s%s%s", r->addr,
		    intake_outcome_name(res->outcome),
		    res->reason[0] ? ": " : "", res->reason);
		break;
	}
}

/* The final dot: the mail stored once per mailbox, each recipient told. */
static void
deliver(struct lmtp *l, struct session *s)
{
	struct intake_result *res = xcalloc(s->nrcpts, sizeof(*res));
	struct gc_err *errs = xcalloc(s->nrcpts, sizeof(*errs));
	int *rcs = xcalloc(s->nrcpts, sizeof(*rcs));

	for (size_t i = 0; i < s->nrcpts; i++) {
		const struct rcpt *r = &s->rcpts[i];
		const struct conf_mailbox *mb;
		size_t j;

		if (s->too_big) {
			reply(s, "552 5.3.4 <%s> the mail is larger than %zu "
			    "bytes", r->addr, size_cap(l));
			continue;
		}
		for (j = 0; j < i; j++)   /* two addresses, one mailbox */
			if (strcmp(s->rcpts[j].mailbox, r->mailbox) == 0)
				break;
		if (j < i) {
			res[i] = res[j];
			rcs[i] = rcs[j];
			errs[i] = errs[j];
		} else if ((mb = conf_mailbox(l->app->conf, r->mailbox)) ==
		    NULL) {
			rcs[i] = gc_err_set(&errs[i], GC_ETEMP, "mailbox %s is "
			    "no longer in the configuration", r->mailbox);
		} else {
			rcs[i] = l->store(l->ctx, mb, s->data, s->datalen,
			    &res[i], &errs[i]);
			if (rcs[i] == 0)
				l->stored++;
			if (rcs[i] != 0)
				log_warn("lmtp: mailbox %s: %s (answered 451: "
				    "the MTA keeps the mail)", mb->name,
				    errs[i].msg);
			else
				intake_log(mb->name, 0, &res[i]);
		}
		answer_rcpt(s, r, rcs[i], &res[i], errs[i].msg);
	}
	free(res);
	free(errs);
	free(rcs);
	transaction_reset(s);
}

/* One line of the mail (n bytes with its LF, or a piece of a line longer
 * than the input buffer when partial); false at the final dot. */
static bool
data_line(struct lmtp *l, struct session *s, const char *p, size_t n,
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
	data_append(l, s, p, n);
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
	if ((size_t)(gt - lt) > ADDR_MAX)
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
mail_params(struct lmtp *l, char *p, char *buf, size_t len)
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
			if (errno != 0 || n > size_cap(l)) {
				snprintf(buf, len, "552 5.3.4 the mail is larger"
				    " than %zu bytes", size_cap(l));
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
cmd_mail(struct lmtp *l, struct session *s, char *arg)
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
	if ((why = mail_params(l, rest, buf, sizeof(buf))) != NULL)
		return refuse(s, "%s", why);
	s->sender = xstrdup(addr);
	s->st = S_MAIL;
	reply(s, "250 2.1.0 sender ok");
	return 0;
}

static int
cmd_rcpt(struct lmtp *l, struct session *s, char *arg)
{
	const struct conf_mailbox *mb;
	char *addr, *rest;
	const char *why;
	struct rcpt *r;

	if (s->st != S_MAIL)
		return refuse(s, "503 5.5.1 MAIL first");
	if (str_ncasecmp(arg, "TO:", 3) != 0)
		return refuse(s, "501 5.5.4 RCPT TO:<address>");
	if ((why = read_path(arg + 3, &addr, &rest)) != NULL)
		return refuse(s, "501 5.1.3 %s", why);
	if (!rcpt_params(rest))
		return refuse(s, "555 5.5.4 a parameter not offered");
	if (*addr == '\0' || (mb = conf_mailbox_by_address(l->app->conf,
	    addr)) == NULL)
		return refuse(s, "550 5.1.1 <%s> is not the address of a "
		    "mailbox here", addr);
	if (s->nrcpts >= (size_t)cf(l)->max_recipients) {
		reply(s, "452 4.5.3 too many recipients in one transaction");
		return 0;
	}
	s->rcpts = xrealloc(s->rcpts, (s->nrcpts + 1) * sizeof(*s->rcpts));
	r = &s->rcpts[s->nrcpts++];
	r->addr = xstrdup(addr);
	r->mailbox = xstrdup(mb->name);
	reply(s, "250 2.1.5 <%s> mailbox %s", addr, mb->name);
	return 0;
}

static int
cmd_data(struct lmtp *l, struct session *s)
{
	char head[ADDR_MAX + 32];
	int n;

	if (s->st != S_MAIL || s->nrcpts == 0)
		return refuse(s, "503 5.5.1 no valid recipient");
	n = snprintf(head, sizeof(head), "Return-Path: <%s>\r\n", s->sender);
	data_append(l, s, head, (size_t)n);
	s->prefix = (size_t)n;
	s->line_start = true;
	s->st = S_DATA;
	reply(s, "354 2.0.0 go ahead, end with <CRLF>.<CRLF>");
	return 0;
}

static int
command(struct lmtp *l, struct session *s, char *line)
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
		reply(s, "250 SIZE %zu", size_cap(l));
	} else if (IS("MAIL")) {
		return cmd_mail(l, s, arg);
	} else if (IS("RCPT")) {
		return cmd_rcpt(l, s, arg);
	} else if (IS("DATA")) {
		return cmd_data(l, s);
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
consume(struct lmtp *l, struct session *s)
{
	size_t off = 0;

	while (off < s->inlen && !s->closing && s->outlen < OUT_MAX) {
		char *p = s->in + off, *lf;
		size_t avail = s->inlen - off, n;

		lf = memchr(p, '\n', avail);
		if (s->st == S_DATA) {
			if (lf == NULL && avail < sizeof(s->in) / 2)
				break;   /* the line's end is still to come */
			n = lf ? (size_t)(lf - p) + 1 : avail;
			off += n;
			if (!data_line(l, s, p, n, lf == NULL))
				deliver(l, s);
			continue;
		}
		if (lf == NULL) {
			if (s->skip_line || avail > CMD_MAX) {
				if (!s->skip_line)
					refuse(s, "500 5.5.2 the line is longer "
					    "than %d bytes", CMD_MAX);
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
		if (n > CMD_MAX) {
			refuse(s, "500 5.5.2 the line is longer than %d bytes",
			    CMD_MAX);
			continue;
		}
		*lf = '\0';
		if (lf > p && lf[-1] == '\r')
			lf[-1] = '\0';
		(void)command(l, s, p);
	}
	memmove(s->in, s->in + off, s->inlen - off);
	s->inlen -= off;
}

/* ----- sessions ----------------------------------------------------- */

static void
session_free(struct session *s)
{
	transaction_reset(s);
	close(s->fd);
	free(s->out);
	free(s);
}

static void
session_touch(struct lmtp *l, struct session *s)
{
	s->deadline = mono() + (double)cf(l)->timeout;
}

static void
accept_all(struct lmtp *l)
{
	for (;;) {
		int fd = accept4(l->fd, NULL, NULL,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct session *s;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE) {
				/* the pending client waits; not a busy loop */
				l->accept_pause = mono() + 1;
				log_warn("lmtp: accept: %s (new connections "
				    "wait a second)", strerror(errno));
			} else if (errno != EAGAIN && errno != EWOULDBLOCK) {
				log_warn("lmtp: accept: %s", strerror(errno));
			}
			return;
		}
		if (l->ns >= (size_t)cf(l)->max_connections) {
			static const char busy[] = "421 4.3.2 too many "
			    "connections, try again later\r\n";

			(void)!send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL);
			close(fd);
			log_warn("lmtp: a connection refused: max_connections "
			    "(%lld) reached", cf(l)->max_connections);
			continue;
		}
		s = xcalloc(1, sizeof(*s));
		s->fd = fd;
		s->st = S_GREETED;
		session_touch(l, s);
		reply(s, "220 guichet LMTP ready");
		l->s = xrealloc(l->s, (l->ns + 1) * sizeof(*l->s));
		l->s[l->ns++] = s;
	}
}

/* Read and serve one session; false when it is over. */
static bool
session_run(struct lmtp *l, struct session *s, short revents)
{
	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		for (;;) {
			ssize_t r;

			if (s->closing || s->outlen >= OUT_MAX ||
			    s->inlen == sizeof(s->in))
				break;
			r = recv(s->fd, s->in + s->inlen,
			    sizeof(s->in) - s->inlen, 0);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (r <= 0) {
				if (s->st == S_DATA)
					log_warn("lmtp: the client went away "
					    "in the middle of a mail (nothing "
					    "stored: the MTA keeps it)");
				return false;
			}
			s->inlen += (size_t)r;
			session_touch(l, s);
			consume(l, s);
		}
	}
	consume(l, s);   /* what waited for room in the output */
	return flush_out(s);
}

/* ----- the listener ------------------------------------------------- */

static int
open_listener(struct lmtp *l, struct gc_err *err)
{
	const struct conf_lmtp *c = cf(l);

	if (c->listen == NULL)
		return 0;
	l->fd = c->path != NULL ? listen_unix("lmtp", c->path, c->mode, err) :
	    listen_tcp("lmtp", c->host, c->port, err);
	if (l->fd < 0) {
		l->fd = -1;
		return err->code;
	}
	l->listen = xstrdup(c->listen);
	l->path = c->path ? xstrdup(c->path) : NULL;
	log_info("lmtp: listening on %s", c->listen);
	return 0;
}

static void
close_listener(struct lmtp *l)
{
	if (l->fd >= 0)
		close(l->fd);
	if (l->path != NULL)
		(void)unlink(l->path);
	l->fd = -1;
	free(l->listen);
	free(l->path);
	l->listen = l->path = NULL;
}

int
lmtp_new(struct lmtp **out, struct app *app, lmtp_store_fn store, void *ctx,
    struct gc_err *err)
{
	struct lmtp *l = xcalloc(1, sizeof(*l));
	int rc;

	l->app = app;
	l->store = store;
	l->ctx = ctx;
	l->fd = -1;
	if ((rc = open_listener(l, err)) != 0) {
		free(l);
		*out = NULL;
		return rc;
	}
	*out = l;
	return 0;
}

int
lmtp_reload(struct lmtp *l, struct gc_err *err)
{
	const char *want;

	if (l == NULL)
		return 0;
	want = cf(l)->listen;
	if (want != NULL && l->listen != NULL && strcmp(want, l->listen) == 0) {
		/* the same socket, perhaps another mode */
		if (l->path != NULL && chmod(l->path, cf(l)->mode) != 0)
			log_warn("lmtp: chmod %s: %s", l->path,
			    strerror(errno));
		return 0;
	}
	if (want == NULL && l->listen == NULL)
		return 0;
	close_listener(l);
	return open_listener(l, err);
}

size_t
lmtp_nfds(const struct lmtp *l)
{
	return l == NULL ? 0 : l->ns + 1;
}

size_t
lmtp_pollfds(struct lmtp *l, struct pollfd *fds)
{
	size_t n = 0;

	if (l == NULL)
		return 0;
	/* -1 when off or paused: poll() ignores it */
	fds[n].fd = l->accept_pause > mono() ? -1 : l->fd;
	fds[n++].events = POLLIN;
	for (size_t i = 0; i < l->ns; i++) {
		struct session *s = l->s[i];

		fds[n].fd = s->fd;
		fds[n].events = 0;
		if (!s->closing && s->outlen < OUT_MAX &&
		    s->inlen < sizeof(s->in))
			fds[n].events |= POLLIN;
		if (s->outlen > s->outoff)
			fds[n].events |= POLLOUT;
		n++;
	}
	return n;
}

int
lmtp_timeout_ms(const struct lmtp *l)
{
	double soonest = -1, now = mono();

	if (l == NULL)
		return -1;
	if (l->accept_pause > now)
		soonest = l->accept_pause;
	for (size_t i = 0; i < l->ns; i++)
		if (soonest < 0 || l->s[i]->deadline < soonest)
			soonest = l->s[i]->deadline;
	if (soonest < 0)
		return -1;
	if (soonest <= now)
		return 0;
	return soonest - now > 3600 ? 3600000 :
	    (int)((soonest - now) * 1000) + 1;
}

void
lmtp_service(struct lmtp *l, const struct pollfd *fds, size_t n)
{
	size_t ns, keep = 0;
	double now;

	if (l == NULL)
		return;
	ns = l->ns;   /* sessions that fds speaks of; new ones come after */
	if (n > 0 && l->fd >= 0 && fds[0].fd == l->fd &&
	    (fds[0].revents & POLLIN))
		accept_all(l);
	now = mono();
	for (size_t i = 0; i < l->ns; i++) {
		struct session *s = l->s[i];
		short rev = i < ns && i + 1 < n && fds[i + 1].fd == s->fd ?
		    fds[i + 1].revents : 0;
		bool alive;

		if (i >= ns)
			alive = flush_out(s);   /* the greeting */
		else if (rev != 0)
			alive = session_run(l, s, rev);
		else
			alive = true;
		if (alive && s->deadline <= now) {
			/* silent, or not reading what it is told (then the
			 * 421 may not get through either) */
			if (!s->closing)
				reply(s, "421 4.4.2 no word for %llds, "
				    "closing%s", cf(l)->timeout,
				    s->st == S_DATA ? " (the mail under way "
				    "is not stored)" : "");
			s->closing = true;
			(void)flush_out(s);
			alive = false;
		}
		if (alive) {
			l->s[keep++] = s;
		} else {
			session_free(s);
		}
	}
	l->ns = keep;
}

unsigned long
lmtp_stored(const struct lmtp *l)
{
	return l == NULL ? 0 : l->stored;
}

void
lmtp_burst(struct lmtp *l, int budget_ms, int gap_ms)
{
	double end = mono() + budget_ms / 1000.0;
	struct pollfd *fds;
	size_t n;

	if (l == NULL || l->ns == 0)
		return;
	fds = xcalloc(lmtp_nfds(l), sizeof(*fds));
	while (l->ns > 0 && mono() < end) {
		n = lmtp_pollfds(l, fds);
		fds[0].fd = -1;        /* the sessions under way, not new ones */
		if (poll(fds, n, gap_ms) <= 0)
			break;
		lmtp_service(l, fds, n);
		fds = xrealloc(fds, lmtp_nfds(l) * sizeof(*fds));
	}
	free(fds);
}

void
lmtp_free(struct lmtp **lp)
{
	struct lmtp *l = *lp;

	if (l == NULL)
		return;
	for (size_t i = 0; i < l->ns; i++) {
		reply(l->s[i], "421 4.3.2 the daemon is stopping");
		l->s[i]->closing = true;
		(void)flush_out(l->s[i]);
		session_free(l->s[i]);
	}
	free(l->s);
	close_listener(l);
	free(l);
	*lp = NULL;
}
