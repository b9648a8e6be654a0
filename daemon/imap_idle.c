/*
 * imap_idle.c - IMAP IDLE: wait for new mail on a selected folder (see
 * imap.h)
 *
 * libetpan's mailimap_idle() throws away untagged responses that come
 * before the "+" continuation, so an EXISTS sent as IDLE starts would be
 * lost; we send IDLE ourselves and read up to the "+" line by line. DONE
 * and its response are libetpan's (mailimap_idle_done), which records
 * EXISTS and RECENT in the selection info.
 */
#include "imap_conn.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"

/* ----- IDLE ----------------------------------------------------------- */

bool
imap_has_idle(const struct imap_conn *c)
{
	return c != NULL && (c->caps & IMAP_CAP_IDLE);
}

/* "{123}" at the end of a line (CRLF removed): the literal's size. */
static bool
literal_at_end(const char *line, size_t len, size_t *size_r)
{
	size_t i, v = 0;

	if (len < 3 || line[len - 1] != '}')
		return false;
	i = len - 1;
	while (i > 0 && line[i - 1] >= '0' && line[i - 1] <= '9')
		i--;
	if (i == 0 || i == len - 1 || line[i - 1] != '{' || len - 1 - i > 9)
		return false;
	for (; i < len - 1; i++)
		v = v * 10 + (size_t)(line[i] - '0');
	*size_r = v;
	return true;
}

static int
skip_literal(struct imap_conn *c, size_t size, struct gc_err *err)
{
	char buf[4096];
	ssize_t got;

	if (size > IDLE_LITERAL_MAX) {
		c->dead = true;
		return gc_err_set(err, GC_EPROTO, "IDLE: %s sent a %zu-byte "
		    "literal", c->where, size);
	}
	while (size > 0) {
		got = mailstream_read(c->imap->imap_stream, buf,
		    size < sizeof(buf) ? size : sizeof(buf));
		if (got <= 0)
			return imap_fail(c, MAILIMAP_ERROR_STREAM, "IDLE", err);
		size -= (size_t)got;
	}
	return 0;
}

/* Is this untagged line ("* 12 EXISTS") news of mail? */
static bool
line_is_news(const char *line)
{
	const char *p = line + 2;

	while (*p >= '0' && *p <= '9')
		p++;
	if (p == line + 2 || *p != ' ')
		return false;
	p++;
	return str_casestarts(p, "EXISTS") || str_casestarts(p, "RECENT");
}

/* News of mail, taken up once (see imap_conn.h). */
bool
imap_news_take(struct imap_conn *c)
{
	struct mailimap_selection_info *si = c->imap->imap_selection_info;
	bool news;

	if (si == NULL)
		return false;
	news = si->sel_has_exists || si->sel_has_recent;
	si->sel_has_exists = 0;
	si->sel_has_recent = 0;
	return news;
}

int
imap_idle_start(struct imap_conn *c, struct gc_err *err)
{
	char text[SERVER_TEXT_MAX + 8];
	mailstream *s;
	const char *line;
	size_t len, lit, lines = 0;
	bool continued = false;
	int r;

	r = imap_usable(c, true, "IDLE", err);
	if (r < 0)
		return r;
	if (!(c->caps & IMAP_CAP_IDLE))
		return gc_err_set(err, GC_EINVAL, "IDLE: not offered by %s",
		    c->where);
	s = c->imap->imap_stream;
	/* Mail told in the answer to a command since the SELECT or the last
	 * IDLE (a FETCH, a MOVE of the pass) is news the server will not
	 * tell again in IDLE (libetpan's mailimap_idle() forgets it): kept,
	 * it wakes us at once. */
	c->idle_news = imap_news_take(c);
	r = mailimap_send_current_tag(c->imap);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "IDLE", err);
	if (mailstream_write(s, "IDLE\r\n", 6) != 6 ||
	    mailstream_flush(s) == -1)
		return imap_fail(c, MAILIMAP_ERROR_STREAM, "IDLE", err);
	/* Read up to the "+" continuation, noting news on the way. */
	for (;;) {
		line = mailimap_read_line(c->imap);
		if (line == NULL)
			return imap_fail(c, MAILIMAP_ERROR_STREAM, "IDLE", err);
		len = strlen(line);
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			len--;
		if (++lines > IDLE_LINES_MAX) {
			c->dead = true;
			return gc_err_set(err, GC_EPROTO, "IDLE: %s sent "
			    "too many lines", c->where);
		}
		if (!continued && line[0] == '+')
			break;
		if (!continued && str_casestarts(line, "* BYE")) {
			c->dead = true;
			snprintf(text, sizeof(text), "%.*s", (int)len, line);
			str_strip_ctl(text);
			return gc_err_set(err, GC_ETEMP, "IDLE: %s closed the "
			    "connection: %s", c->where, text);
		}
		if (!continued && line[0] != '*') {
			/* Tagged: IDLE refused. Nothing more will come. */
			snprintf(text, sizeof(text), "%.*s", (int)len, line);
			str_strip_ctl(text);
			return gc_err_set(err, GC_EPROTO, "IDLE refused by "
			    "%s: %s", c->where, text);
		}
		if (!continued && line_is_news(line))
			c->idle_news = true;
		continued = literal_at_end(line, len, &lit);
		if (continued) {
			r = skip_literal(c, lit, err);
			if (r < 0)
				return r;
		}
	}
	c->idling = true;
	/* Data already buffered would not wake a poll() on the socket. */
	if (c->idle_news || s->read_buffer_len > 0) {
		c->ready_fd = eventfd(1, EFD_CLOEXEC);
		if (c->ready_fd < 0)
			log_warn("imap: eventfd: %s", strerror(errno));
	}
	return 0;
}

int
imap_idle_fd(const struct imap_conn *c)
{
	if (c == NULL || !c->idling || c->dead)
		return -1;
	if (c->ready_fd >= 0)
		return c->ready_fd;
	return mailimap_idle_get_fd(c->imap);
}

int
imap_idle_done(struct imap_conn *c, bool *new_mail_r, struct gc_err *err)
{
	int r;

	*new_mail_r = false;
	if (c == NULL || c->imap == NULL || !c->idling)
		return gc_err_set(err, GC_EINVAL, "IDLE DONE: not idling");
	if (c->ready_fd >= 0) {
		close(c->ready_fd);
		c->ready_fd = -1;
	}
	c->idling = false;
	if (c->dead)
		return gc_err_set(err, GC_ETEMP, "IDLE DONE: the connection "
		    "to %s was lost earlier; reconnect", c->where);
	r = mailimap_idle_done(c->imap);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "IDLE DONE", err);
	/* told once: the caller looks at the folder (or, the database
	 * away, remembers to) */
	*new_mail_r = imap_news_take(c) || c->idle_news;
	c->idle_news = false;
	return 0;
}
