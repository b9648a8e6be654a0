/*
 * imap_conn.c - what the IMAP client's files share: the server's text
 * made safe to quote, libetpan's errors mapped to ours, and the checks
 * every command makes first (see imap_conn.h)
 */
#include "daemon/imap_conn.h"

#include <stdbool.h>
#include <string.h>

#include "common/log.h"

/* ----- Errors --------------------------------------------------------- */

/* The server's last text, safe to quote: control characters dropped,
 * capped, and every occurrence of secret (the password) masked. */
void
imap_server_text(char *buf, size_t len, const struct imap_conn *c,
    const char *secret)
{
	const char *p = c->imap != NULL ? c->imap->imap_response : NULL;
	size_t slen = secret != NULL ? strlen(secret) : 0;
	size_t o = 0, cap = len - 1;

	if (cap > SERVER_TEXT_MAX)
		cap = SERVER_TEXT_MAX;
	if (p == NULL || p[0] == '\0')
		p = "(no text)";
	while (*p != '\0' && o < cap) {
		if (slen > 0 && strncmp(p, secret, slen) == 0) {
			if (o + 3 > cap)
				break;
			memcpy(buf + o, "***", 3);
			o += 3;
			p += slen;
		} else if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			p++;
		} else {
			buf[o++] = *p++;
		}
	}
	buf[o] = '\0';
}

/* Map a libetpan error of command `what` to GC_E*, marking the
 * connection dead when the stream can no longer be trusted. */
int
imap_fail_secret(struct imap_conn *c, int r, const char *what,
    const char *secret, struct gc_err *err)
{
	char text[SERVER_TEXT_MAX + 8];

	switch (r) {
	case MAILIMAP_ERROR_STREAM:
		c->dead = true;
		if (c->plain_drv.eof || c->tls_drv.eof)
			return gc_err_set(err, GC_ETEMP, "%s: %s closed the "
			    "connection", what, c->where);
		return gc_err_set(err, GC_ETEMP, "%s: connection to %s lost "
		    "or timed out (%d s)", what, c->where, c->timeout);
	case MAILIMAP_ERROR_FATAL:
		c->dead = true;
		imap_server_text(text, sizeof(text), c, secret);
		return gc_err_set(err, GC_ETEMP, "%s: %s closed the "
		    "connection: %s", what, c->where, text);
	case MAILIMAP_ERROR_PARSE:
		c->dead = true;
		return gc_err_set(err, GC_EPROTO, "%s: cannot parse the "
		    "response of %s", what, c->where);
	case MAILIMAP_ERROR_MEMORY:
		fatal("libetpan: out of memory");
	case MAILIMAP_ERROR_BAD_STATE:
		return gc_err_set(err, GC_EINVAL, "%s: not allowed in the "
		    "session's state", what);
	case MAILIMAP_ERROR_PROTOCOL:
		imap_server_text(text, sizeof(text), c, secret);
		return gc_err_set(err, GC_EPROTO, "%s: %s says BAD: %s",
		    what, c->where, text);
	default:
		imap_server_text(text, sizeof(text), c, secret);
		return gc_err_set(err, GC_EPROTO, "%s refused by %s: %s",
		    what, c->where, text);
	}
}

int
imap_fail(struct imap_conn *c, int r, const char *what, struct gc_err *err)
{
	return imap_fail_secret(c, r, what, NULL, err);
}

int
imap_usable(struct imap_conn *c, bool need_selected, const char *what,
    struct gc_err *err)
{
	if (c == NULL || c->imap == NULL)
		return gc_err_set(err, GC_EINVAL, "%s: no connection", what);
	if (c->dead)
		return gc_err_set(err, GC_ETEMP, "%s: the connection to %s "
		    "was lost earlier; reconnect", what, c->where);
	if (c->idling)
		return gc_err_set(err, GC_EINVAL, "%s: IDLE in progress "
		    "(call imap_idle_done first)", what);
	if (need_selected && !c->selected)
		return gc_err_set(err, GC_EINVAL, "%s: no folder selected",
		    what);
	return 0;
}

/* No CR, LF or other control bytes (they would break the command line),
 * at most max bytes. */
bool
imap_clean_string(const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || i >= max)
			return false;
	return true;
}

int
imap_check_folder(const char *folder, const char *what, struct gc_err *err)
{
	if (folder == NULL || folder[0] == '\0')
		return gc_err_set(err, GC_EINVAL, "%s: empty folder name",
		    what);
	if (!imap_clean_string(folder, FOLDER_MAX))
		return gc_err_set(err, GC_EINVAL, "%s: folder name with "
		    "control characters or longer than %d bytes", what,
		    FOLDER_MAX);
	return 0;
}

