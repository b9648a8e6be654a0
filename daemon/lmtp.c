/*
 * lmtp.c - the LMTP listener and its sessions (see lmtp.h)
 *
 * The protocol is parsers/lmtp_session.c's; here, the sockets: accept,
 * read what a session has room for, write its replies when the socket
 * takes them, time out the silent. A recipient is a mailbox by its
 * address; the final dot stores the mail once per mailbox through the
 * daemon's callback, and each recipient gets the answer of its mailbox.
 */
#include "daemon/lmtp.h"

#include <errno.h>
#include <poll.h>
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
#include "parsers/lmtp_session.h"

struct session {
	int fd;
	struct lmtp_session *ps;
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
	struct metrics_lmtp fig;   /* answers and refusals, for /metrics */
};

static const struct conf_lmtp *
cf(const struct lmtp *l)
{
	return &l->app->conf->lmtp;
}

/* ----- what a recipient is, what becomes of a mail ------------------ */

static const char *
rcpt_mailbox(void *ctx, const char *addr)
{
	struct lmtp *l = ctx;
	const struct conf_mailbox *mb = conf_mailbox_by_address(l->app->conf,
	    addr);

	return mb != NULL ? mb->name : NULL;
}

/* The answer of one recipient, its mailbox stored already or not. */
static void
answer(char *out, const char *addr, int rc, const struct intake_result *res,
    const char *why)
{
	if (rc != 0)
		snprintf(out, LMTP_REPLY_MAX, "451 4.3.0 <%s> not stored now, "
		    "try again later: %s", addr, why);
	else if (res->outcome == INTAKE_NEW_TICKET ||
	    res->outcome == INTAKE_FOLLOWUP)
		snprintf(out, LMTP_REPLY_MAX, "250 2.0.0 <%s> stored: %s %s",
		    addr, intake_outcome_name(res->outcome), res->number);
	else
		snprintf(out, LMTP_REPLY_MAX, "250 2.0.0 <%s> taken: %s%s%s",
		    addr, intake_outcome_name(res->outcome),
		    res->reason[0] ? ": " : "", res->reason);
}

/* The final dot: the mail stored once per mailbox (a reload may have
 * taken one away since RCPT: 451, the MTA tries again). */
static void
deliver(void *ctx, const char *data, size_t len,
    const struct lmtp_rcpt *rcpts, size_t n, char (*replies)[LMTP_REPLY_MAX])
{
	struct lmtp *l = ctx;
	struct intake_result *res = xcalloc(n, sizeof(*res));
	struct gc_err *errs = xcalloc(n, sizeof(*errs));
	int *rcs = xcalloc(n, sizeof(*rcs));

	for (size_t i = 0; i < n; i++) {
		const struct conf_mailbox *mb;
		size_t j;

		for (j = 0; j < i; j++)   /* two addresses, one mailbox */
			if (strcmp(rcpts[j].mailbox, rcpts[i].mailbox) == 0)
				break;
		if (j < i) {
			res[i] = res[j];
			rcs[i] = rcs[j];
			errs[i] = errs[j];
		} else if ((mb = conf_mailbox(l->app->conf,
		    rcpts[i].mailbox)) == NULL) {
			rcs[i] = gc_err_set(&errs[i], GC_ETEMP, "mailbox %s is "
			    "no longer in the configuration", rcpts[i].mailbox);
		} else if ((rcs[i] = l->store(l->ctx, mb, data, len, &res[i],
		    &errs[i])) != 0) {
			log_warn("lmtp: mailbox %s: %s (answered 451: the MTA "
			    "keeps the mail)", mb->name, errs[i].msg);
		} else {
			intake_log(mb->name, 0, &res[i]);
		}
		answer(replies[i], rcpts[i].addr, rcs[i], &res[i],
		    errs[i].msg);
		if (rcs[i] == 0)
			l->fig.stored++;
		else
			l->fig.tempfail++;
	}
	free(res);
	free(errs);
	free(rcs);
}

static void
too_big(void *ctx, size_t n)
{
	struct lmtp *l = ctx;

	l->fig.too_big += n;
}

/* ----- sessions ----------------------------------------------------- */

static void
session_free(struct session *s)
{
	lmtp_session_free(&s->ps);
	close(s->fd);
	free(s);
}

static void
session_touch(struct lmtp *l, struct session *s)
{
	s->deadline = mono_seconds() + (double)cf(l)->timeout;
}

/* Write what the socket takes; false when the session is over (the
 * client went away, or every reply is written and it is closing). */
static bool
flush_out(struct session *s)
{
	const char *p;
	size_t len;

	while ((p = lmtp_session_output(s->ps, &len)), len > 0) {
		ssize_t w = send(s->fd, p, len, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (w <= 0)
			return false;
		lmtp_session_written(s->ps, (size_t)w);
	}
	if (lmtp_session_closing(s->ps) &&
	    lmtp_session_errors(s->ps) >= LMTP_MAX_ERRORS)
		log_warn("lmtp: a client made %d mistakes; its session is "
		    "closed", lmtp_session_errors(s->ps));
	return !lmtp_session_closing(s->ps);
}

static void
accept_all(struct lmtp *l)
{
	for (;;) {
		int fd = accept4(l->fd, NULL, NULL,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct lmtp_limits lim;
		struct lmtp_ops ops = { rcpt_mailbox, deliver, l, too_big };
		struct session *s;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE) {
				/* the pending client waits; not a busy loop */
				l->accept_pause = mono_seconds() + 1;
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
			l->fig.refused++;
			log_warn("lmtp: a connection refused: max_connections "
			    "(%lld) reached", cf(l)->max_connections);
			continue;
		}
		/* as `ingest`: past max_mail_size taken (and quarantined),
		 * up to four times it */
		lim.max_size = (size_t)l->app->conf->general.max_mail_size * 4;
		lim.max_rcpts = (size_t)cf(l)->max_recipients;
		s = xcalloc(1, sizeof(*s));
		s->fd = fd;
		s->ps = lmtp_session_new(&lim, &ops);
		session_touch(l, s);
		l->s = xrealloc(l->s, (l->ns + 1) * sizeof(*l->s));
		l->s[l->ns++] = s;
	}
}

/* Read and serve one session; false when it is over. */
static bool
session_run(struct lmtp *l, struct session *s, short revents)
{
	char buf[LMTP_IN_MAX];

	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		for (;;) {
			size_t room = lmtp_session_room(s->ps);
			ssize_t r;

			if (room == 0)
				break;
			r = recv(s->fd, buf, room, 0);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (r <= 0) {
				if (lmtp_session_in_data(s->ps))
					log_warn("lmtp: the client went away "
					    "in the middle of a mail (nothing "
					    "stored: the MTA keeps it)");
				return false;
			}
			session_touch(l, s);
			lmtp_session_feed(s->ps, buf, (size_t)r);
		}
	}
	lmtp_session_resume(s->ps);   /* what waited for room in the output */
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
	fds[n].fd = l->accept_pause > mono_seconds() ? -1 : l->fd;
	fds[n++].events = POLLIN;
	for (size_t i = 0; i < l->ns; i++) {
		struct session *s = l->s[i];
		size_t len;

		fds[n].fd = s->fd;
		fds[n].events = 0;
		if (lmtp_session_room(s->ps) > 0)
			fds[n].events |= POLLIN;
		(void)lmtp_session_output(s->ps, &len);
		if (len > 0)
			fds[n].events |= POLLOUT;
		n++;
	}
	return n;
}

int
lmtp_timeout_ms(const struct lmtp *l)
{
	double soonest = -1, now = mono_seconds();

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
	now = mono_seconds();
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
			char line[128];

			snprintf(line, sizeof(line), "421 4.4.2 no word for "
			    "%llds, closing%s", cf(l)->timeout,
			    lmtp_session_in_data(s->ps) ? " (the mail under "
			    "way is not stored)" : "");
			lmtp_session_close(s->ps, line);
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

void
lmtp_figures(const struct lmtp *l, struct metrics_lmtp *f)
{
	memset(f, 0, sizeof(*f));
	if (l == NULL)
		return;
	*f = l->fig;
	f->on = l->fd >= 0;
	f->sessions = l->ns;
}

unsigned long long
lmtp_stored(const struct lmtp *l)
{
	return l == NULL ? 0 : l->fig.stored;
}

void
lmtp_burst(struct lmtp *l, int budget_ms, int gap_ms)
{
	double end = mono_seconds() + budget_ms / 1000.0;
	struct pollfd *fds;
	size_t n;

	if (l == NULL || l->ns == 0)
		return;
	fds = xcalloc(lmtp_nfds(l), sizeof(*fds));
	while (l->ns > 0 && mono_seconds() < end) {
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
		lmtp_session_close(l->s[i]->ps, "421 4.3.2 the daemon is "
		    "stopping");
		(void)flush_out(l->s[i]);
		session_free(l->s[i]);
	}
	free(l->s);
	close_listener(l);
	free(l);
	*lp = NULL;
}
