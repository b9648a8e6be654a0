/*
 * listen_conf.c - the listeners' sections: [http] (/metrics, /healthz)
 * and [lmtp] (the MTA's deliveries), and the ADDRESS:PORT they share
 * (see listen_conf.h)
 */
#include "conf/listen_conf.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "common/mem.h"
#include "common/util.h"

#define H(f) offsetof(struct conf_http, f)
static const struct key_spec http_keys[] = {
	{ "listen", V_STR, H(listen), NULL, true },
	{ "allow_remote", V_BOOL, H(allow_remote), "no", 0 },
	{ "poll_stale_after", V_DURATION, H(poll_stale_after), "10m", 0 },
	{ "outbox_stuck_after", V_DURATION, H(outbox_stuck_after), "30m", 0 },
	{ "public_url", V_URL_HTTP, H(public_url), NULL, 0 },
	{ "ticket_link_expiry", V_DURATION, H(ticket_link_expiry), "90d", 0 },
	{ NULL, 0, 0, NULL, 0 }
};
#undef H

#define L(f) offsetof(struct conf_lmtp, f)
static const struct key_spec lmtp_keys[] = {
	{ "listen", V_STR, L(listen), NULL, true },
	{ "allow_remote", V_BOOL, L(allow_remote), "no", 0 },
	{ "socket_mode", V_STR, L(socket_mode), "0660", 0 },
	{ "max_connections", V_INT, L(max_connections), "20", 0 },
	{ "max_recipients", V_INT, L(max_recipients), "100", 0 },
	{ "timeout", V_DURATION, L(timeout), "5m", 0 },
	{ NULL, 0, 0, NULL, 0 }
};
#undef L

/* "127.0.0.1:9187", "[::1]:9187" or "localhost:9187": a numeric address
 * (localhost is 127.0.0.1) and a port from 1 to 65535. Returns NULL or
 * why the value is refused; *loopback_r tells whether the address is a
 * loopback one. */
static const char *
split_listen(const char *v, char **host_r, int *port_r, bool *loopback_r)
{
	const char *colon, *h = v, *p;
	char host[64], *end;
	unsigned char a[16];
	size_t hl;
	long port;

	if (v[0] == '[') {
		const char *close = strchr(v, ']');

		if (close == NULL || close[1] != ':')
			return "expected [IPv6]:PORT";
		h = v + 1;
		hl = (size_t)(close - h);
		p = close + 2;
	} else {
		if ((colon = strrchr(v, ':')) == NULL)
			return "expected ADDRESS:PORT (e.g. 127.0.0.1:9187)";
		hl = (size_t)(colon - v);
		p = colon + 1;
	}
	if (hl == 0 || hl >= sizeof(host))
		return "expected ADDRESS:PORT (e.g. 127.0.0.1:9187)";
	memcpy(host, h, hl);
	host[hl] = '\0';
	errno = 0;
	port = strtol(p, &end, 10);
	if (!isdigit((unsigned char)*p) || *end != '\0' || errno != 0 ||
	    port < 1 || port > 65535)
		return "the port is a number from 1 to 65535";
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	if (inet_pton(AF_INET, host, a) != 1 &&
	    inet_pton(AF_INET6, host, a) != 1)
		return "the address is a numeric IPv4 or IPv6 address (or "
		    "localhost)";
	*loopback_r = host_is_loopback(host);
	*host_r = xstrdup(host);
	*port_r = (int)port;
	return NULL;
}

void
conf_read_http(struct reader *r, struct conf_section *s)
{
	struct conf_http *h = &r->c->http;
	const struct conf_entry *e;
	const char *why;
	bool loopback = false;

	if (!keys_single_section(r, s, &h->line))
		return;
	keys_read_section(r, s, http_keys, h);
	if (h->listen == NULL)
		return;
	e = conf_section_entry(s, "listen");
	if ((why = split_listen(h->listen, &h->host, &h->port,
	    &loopback)) != NULL)
		conf_diag_add(r->d, s->file, e->line, "listen: \"%s\": %s",
		    h->listen, why);
	else if (!loopback && !h->allow_remote)
		conf_diag_add(r->d, s->file, e->line, "listen: \"%s\" is not "
		    "a loopback address: the metrics would be open to the "
		    "network; set allow_remote = yes if that is meant",
		    h->listen);
	if (h->poll_stale_after < 1)
		keys_diag(r, s, "poll_stale_after", "poll_stale_after: at "
		    "least 1s");
	if (h->outbox_stuck_after < 1)
		keys_diag(r, s, "outbox_stuck_after", "outbox_stuck_after: "
		    "at least 1s");
	if (h->ticket_link_expiry < 0 || h->ticket_link_expiry > 3660LL *
	    86400)
		keys_diag(r, s, "ticket_link_expiry", "ticket_link_expiry: 0 "
		    "(never) to 10 years");
}

void
conf_read_lmtp(struct reader *r, struct conf_section *s)
{
	struct conf_lmtp *l = &r->c->lmtp;
	const struct conf_entry *e;
	const char *why = NULL;
	bool loopback = true;
	char *end;

	if (!keys_single_section(r, s, &l->line))
		return;
	keys_read_section(r, s, lmtp_keys, l);
	if (l->listen == NULL)
		return;
	e = conf_section_entry(s, "listen");
	if (strncmp(l->listen, "unix:", 5) == 0) {
		if (l->listen[5] != '/')
			why = "unix:PATH takes an absolute path";
		else if (strlen(l->listen + 5) >= 108)
			why = "the socket's path is longer than 107 bytes";
		else
			l->path = xstrdup(l->listen + 5);
	} else {
		why = split_listen(l->listen, &l->host, &l->port, &loopback);
	}
	if (why != NULL)
		conf_diag_add(r->d, s->file, e->line, "listen: \"%s\": %s "
		    "(unix:/run/guichet/lmtp.sock or 127.0.0.1:2424)",
		    l->listen, why);
	else if (!loopback && !l->allow_remote)
		conf_diag_add(r->d, s->file, e->line, "listen: \"%s\" is not "
		    "a loopback address: anyone who reaches it could open "
		    "tickets under any sender, past the MTA's checks; set "
		    "allow_remote = yes if that is meant", l->listen);
	errno = 0;
	l->mode = (unsigned)strtoul(l->socket_mode, &end, 8);
	if (*l->socket_mode == '\0' || *end != '\0' || errno != 0 ||
	    l->mode > 0777 || (l->mode & 0600) != 0600) {
		keys_diag(r, s, "socket_mode", "socket_mode: \"%s\" is an "
		    "octal mode from 0600 to 0777 that lets the owner read and "
		    "write", l->socket_mode);
	}
	if (l->max_connections < 1 || l->max_connections > 1000)
		keys_diag(r, s, "max_connections", "max_connections: from 1 "
		    "to 1000");
	if (l->max_recipients < 1 || l->max_recipients > 1000)
		keys_diag(r, s, "max_recipients", "max_recipients: from 1 to "
		    "1000");
	if (l->timeout < 1)
		keys_diag(r, s, "timeout", "timeout: at least 1s");
}

void
conf_listen_free(struct conf *c)
{
	keys_free_strings(&c->http, http_keys);
	free(c->http.host);
	keys_free_strings(&c->lmtp, lmtp_keys);
	free(c->lmtp.path);
	free(c->lmtp.host);
}
