/*
 * imap.c - the IMAP client over libetpan (see imap.h)
 *
 * Sections: URL parsing; the TCP connection (ours, not libetpan's, for a
 * real connect timeout, a source address and errors that say what went
 * wrong); TLS set-up and the certificate check; mapping libetpan's codes
 * to GC_E*; LOGIN and the capabilities. The folder commands (select,
 * search, fetch, move, append) are in imap_folder.c, IDLE in imap_idle.c;
 * what these files share is in imap_conn.h.
 *
 * What libetpan 1.9 (Debian, GnuTLS) does that shapes this file:
 * - Connect functions return MAILIMAP_NO_ERROR_NON_AUTHENTICATED (2) or
 *   MAILIMAP_NO_ERROR_AUTHENTICATED (1, PREAUTH) on success, not 0.
 * - It never checks the server certificate: we check the chain it hands
 *   us (mailstream_get_certificate_chain) before anything is sent.
 * - Its GnuTLS handshake loops on GNUTLS_E_AGAIN, which spins on a
 *   non-blocking socket; we give it a blocking one, so that GnuTLS waits
 *   with its handshake timeout instead. After the handshake libetpan makes
 *   the socket non-blocking and waits with poll() and the stream timeout.
 * - Its sender writes with plain send(): SIGPIPE is ignored (imap.h).
 */
#include "imap_conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "tls_verify.h"

/* ----- URLs ---------------------------------------------------------- */

static bool
host_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_';
}

static bool
is_ip_literal(const char *host)
{
	unsigned char addr[16];

	return inet_pton(AF_INET, host, addr) == 1 ||
	    inet_pton(AF_INET6, host, addr) == 1;
}

int
imap_url_parse(struct imap_url *out, const char *url, struct gc_err *err)
{
	const char *p, *h, *sep;
	size_t hlen, i;
	unsigned long port;
	unsigned char addr[16];
	bool digits_dots = true;

	memset(out, 0, sizeof(*out));
	if (url == NULL || url[0] == '\0')
		return gc_err_set(err, GC_EINVAL, "empty IMAP URL");
	if (str_casestarts(url, "imaps://")) {
		out->implicit_tls = true;
		out->port = IMAPS_PORT;
		p = url + 8;
	} else if (str_casestarts(url, "imap://")) {
		out->port = IMAP_PORT;
		p = url + 7;
	} else {
		sep = strstr(url, "://");
		if (sep == NULL || sep - url > 20)
			return gc_err_set(err, GC_EINVAL, "IMAP URL must start "
			    "with imap:// or imaps://");
		return gc_err_set(err, GC_EINVAL, "unsupported scheme '%.*s' "
		    "in IMAP URL (use imap:// or imaps://)", (int)(sep - url),
		    url);
	}
	/* Never echo what may be a user:password@ part. */
	if (strchr(p, '@') != NULL)
		return gc_err_set(err, GC_EINVAL, "user info in an IMAP URL "
		    "is not supported (use the user and password_file keys)");
	if (*p == '[') {
		h = p + 1;
		sep = strchr(h, ']');
		if (sep == NULL)
			return gc_err_set(err, GC_EINVAL, "IMAP URL: '[' "
			    "without ']' around an IPv6 address");
		hlen = (size_t)(sep - h);
		p = sep + 1;
		if (hlen == 0 || hlen > IMAP_HOST_MAX)
			return gc_err_set(err, GC_EINVAL, "IMAP URL: bad "
			    "IPv6 address");
		memcpy(out->host, h, hlen);
		out->host[hlen] = '\0';
		if (inet_pton(AF_INET6, out->host, addr) != 1)
			return gc_err_set(err, GC_EINVAL, "IMAP URL: '%s' is "
			    "not an IPv6 address", out->host);
	} else {
		h = p;
		hlen = strcspn(p, ":/?#");
		p += hlen;
		if (hlen == 0)
			return gc_err_set(err, GC_EINVAL, "IMAP URL has no "
			    "host");
		if (hlen > IMAP_HOST_MAX)
			return gc_err_set(err, GC_EINVAL, "IMAP URL: host "
			    "name longer than %d bytes", IMAP_HOST_MAX);
		for (i = 0; i < hlen; i++) {
			if (!host_char(h[i]))
				return gc_err_set(err, GC_EINVAL, "IMAP URL: "
				    "bad character in host name '%.*s'",
				    (int)hlen, h);
			if (!(h[i] == '.' || (h[i] >= '0' && h[i] <= '9')))
				digits_dots = false;
		}
		memcpy(out->host, h, hlen);
		out->host[hlen] = '\0';
		if (digits_dots && inet_pton(AF_INET, out->host, addr) != 1)
			return gc_err_set(err, GC_EINVAL, "IMAP URL: '%s' is "
			    "not an IPv4 address", out->host);
	}
	if (*p == ':') {
		p++;
		port = 0;
		for (i = 0; p[i] >= '0' && p[i] <= '9' && i < 6; i++)
			port = port * 10 + (unsigned long)(p[i] - '0');
		if (i == 0 || i == 6 || port == 0 || port > 65535)
			return gc_err_set(err, GC_EINVAL, "IMAP URL: bad port "
			    "(1 to 65535)");
		out->port = (uint16_t)port;
		p += i;
	}
	if (*p == '/')
		p++;
	if (*p != '\0')
		return gc_err_set(err, GC_EINVAL, "IMAP URL: unexpected "
		    "'%.40s' after host and port (no path or query)", p);
	return 0;
}

/* ----- TCP ------------------------------------------------------------ */

static void
ignore_sigpipe(void)
{
	struct sigaction sa, old;

	if (sigaction(SIGPIPE, NULL, &old) == 0 &&
	    !(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_IGN;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGPIPE, &sa, NULL);
	}
}

static int
set_blocking(int fd, bool blocking)
{
	int fl = fcntl(fd, F_GETFL, 0);

	if (fl < 0)
		return -1;
	fl = blocking ? (fl & ~O_NONBLOCK) : (fl | O_NONBLOCK);
	return fcntl(fd, F_SETFL, fl);
}

static int
bind_source(int s, int family, const char *source)
{
	struct addrinfo hints, *res = NULL;
	int r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
	if (getaddrinfo(source, NULL, &hints, &res) != 0 || res == NULL) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	r = bind(s, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return r;
}

/* Connected, blocking socket to one of host's addresses, or -1 with a
 * reason in why. */
static int
connect_addr(const struct addrinfo *ai, const char *source, int timeout,
    char *why, size_t whylen)
{
	struct pollfd pfd;
	struct timeval tv;
	socklen_t len;
	int s, r, soerr = 0, one = 1;

	s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, ai->ai_protocol);
	if (s < 0) {
		snprintf(why, whylen, "socket: %s", strerror(errno));
		return -1;
	}
	if (source != NULL && bind_source(s, ai->ai_family, source) < 0) {
		snprintf(why, whylen, "cannot bind to %s: %s", source,
		    strerror(errno));
		goto fail;
	}
	r = connect(s, ai->ai_addr, ai->ai_addrlen);
	if (r < 0 && errno != EINPROGRESS) {
		snprintf(why, whylen, "%s", strerror(errno));
		goto fail;
	}
	if (r < 0) {
		pfd.fd = s;
		pfd.events = POLLOUT;
		do
			r = poll(&pfd, 1, timeout * 1000);
		while (r < 0 && errno == EINTR);
		if (r == 0) {
			snprintf(why, whylen, "timed out after %d s",
			    timeout);
			goto fail;
		}
		len = sizeof(soerr);
		if (r < 0 || getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr,
		    &len) < 0)
			soerr = errno;
		if (soerr != 0) {
			snprintf(why, whylen, "%s", strerror(soerr));
			goto fail;
		}
	}
	/* libetpan's plain stream wants a blocking socket; our sends are
	 * bounded by SO_SNDTIMEO, reads by libetpan's poll(). */
	tv.tv_sec = timeout;
	tv.tv_usec = 0;
	if (set_blocking(s, true) < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		snprintf(why, whylen, "socket set-up: %s", strerror(errno));
		goto fail;
	}
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	return s;
fail:
	close(s);
	return -1;
}

static int
tcp_connect(int *fd_r, const struct imap_conn *c, const char *source,
    struct gc_err *err)
{
	struct addrinfo hints, *res = NULL, *ai;
	char port[8], why[160];
	int r, s = -1;

	*fd_r = -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", (unsigned)c->url.port);
	r = getaddrinfo(c->url.host, port, &hints, &res);
	if (r != 0)
		return gc_err_set(err, GC_ETEMP, "cannot resolve %s: %s",
		    c->url.host, r == EAI_SYSTEM ? strerror(errno) :
		    gai_strerror(r));
	snprintf(why, sizeof(why), "no address");
	for (ai = res; ai != NULL && s < 0; ai = ai->ai_next)
		s = connect_addr(ai, source, c->timeout, why, sizeof(why));
	freeaddrinfo(res);
	if (s < 0)
		return gc_err_set(err, GC_ETEMP, "cannot connect to %s: %s",
		    c->where, why);
	*fd_r = s;
	return 0;
}

/* ----- Stream driver ------------------------------------------------- */

static ssize_t
eof_read(mailstream_low *s, void *buf, size_t count)
{
	struct eof_driver *d = (struct eof_driver *)s->driver;
	ssize_t r = d->orig->mailstream_read(s, buf, count);

	if (r == 0 && count > 0) {
		d->eof = true;
		return -1;
	}
	return r;
}

/* Give the stream's current low-level driver an end-of-file check. */
static void
guard_eof(struct eof_driver *d, mailstream *s)
{
	mailstream_low *low = mailstream_get_low(s);

	if (low == NULL || low->driver == &d->drv)
		return;
	d->orig = low->driver;
	d->drv = *low->driver;
	d->drv.mailstream_read = eof_read;
	low->driver = &d->drv;
}

/* ----- TLS ------------------------------------------------------------ */

/* Called by libetpan before its handshake. */
static void
tls_setup(struct mailstream_ssl_context *ctx, void *data)
{
	struct imap_conn *c = data;
	int fd = mailstream_ssl_get_fd(ctx);

	if (fd >= 0)
		set_blocking(fd, true);
	if (!is_ip_literal(c->url.host))
		mailstream_ssl_set_server_name(ctx, c->url.host);
}

static int
verify_peer(struct imap_conn *c, mailstream *s, const char *ca_file,
    struct gc_err *err)
{
	struct tls_verify_cert *certs;
	carray *chain;
	unsigned int i, n;
	int r;

	chain = mailstream_get_certificate_chain(s);
	n = chain != NULL ? carray_count(chain) : 0;
	if (n == 0) {
		if (chain != NULL)
			mailstream_certificate_chain_free(chain);
		return gc_err_set(err, GC_ETLS, "%s presented no "
		    "certificate", c->where);
	}
	certs = xcalloc(n, sizeof(*certs));
	for (i = 0; i < n; i++) {
		MMAPString *str = carray_get(chain, i);

		certs[i].der = (const unsigned char *)str->str;
		certs[i].len = str->len;
	}
	r = tls_verify_chain(certs, n, c->url.host, ca_file, err);
	free(certs);
	mailstream_certificate_chain_free(chain);
	if (r < 0)
		gc_err_prefix(err, "TLS with %s", c->where);
	return r;
}

static int
capability(struct imap_conn *c, struct gc_err *err)
{
	struct mailimap_capability_data *cap = NULL;
	int r;

	r = mailimap_capability(c->imap, &cap);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "CAPABILITY", err);
	mailimap_capability_data_free(cap);
	return 0;
}

/* imap:// : STARTTLS when offered, else plaintext only if allowed (the
 * password goes with it: the loopback is no exception). */
static int
starttls(struct imap_conn *c, const struct imap_params *p, bool preauth,
    struct gc_err *err)
{
	char text[SERVER_TEXT_MAX + 8];
	int r;

	r = capability(c, err);
	if (r < 0)
		return r;
	if (preauth || !mailimap_has_extension(c->imap, "STARTTLS")) {
		if (p->allow_plaintext)
			return 0;
		c->dead = true;
		return gc_err_set(err, GC_ETLS, "%s offers no STARTTLS: "
		    "refusing to log in without TLS (use imaps://, or tls = "
		    "none on a trusted network)", c->where);
	}
	r = mailimap_socket_starttls_with_callback(c->imap, tls_setup, c);
	if (r == MAILIMAP_ERROR_STARTTLS) {
		c->dead = true;
		imap_server_text(text, sizeof(text), c, NULL);
		return gc_err_set(err, GC_ETLS, "%s refused STARTTLS: %s",
		    c->where, text);
	}
	if (r == MAILIMAP_ERROR_STREAM || r == MAILIMAP_ERROR_SSL) {
		c->dead = true;
		return gc_err_set(err, GC_ETLS, "STARTTLS with %s failed "
		    "(TLS handshake or connection lost)", c->where);
	}
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "STARTTLS", err);
	c->tls = true;
	r = verify_peer(c, c->imap->imap_stream, p->ca_file, err);
	if (r < 0) {
		c->dead = true;
		return r;
	}
	guard_eof(&c->tls_drv, c->imap->imap_stream);
	/* Capabilities before TLS are not to be trusted. */
	return capability(c, err);
}

static int
login(struct imap_conn *c, const struct imap_params *p, struct gc_err *err)
{
	char text[SERVER_TEXT_MAX + 8];
	int r;

	if (mailimap_has_extension(c->imap, "LOGINDISABLED"))
		return gc_err_set(err, GC_EAUTH, "%s does not allow LOGIN "
		    "(LOGINDISABLED)", c->where);
	r = mailimap_login(c->imap, p->user, p->password);
	if (r == MAILIMAP_NO_ERROR)
		return 0;
	if (r == MAILIMAP_ERROR_LOGIN) {
		imap_server_text(text, sizeof(text), c, p->password);
		return gc_err_set(err, GC_EAUTH, "login as %s at %s refused: "
		    "%s", p->user, c->where, text);
	}
	return imap_fail_secret(c, r, "LOGIN", p->password, err);
}

static void
update_caps(struct imap_conn *c, unsigned int ignore)
{
	c->caps = 0;
	if (mailimap_has_idle(c->imap))
		c->caps |= IMAP_CAP_IDLE;
	if (mailimap_has_extension(c->imap, "MOVE"))
		c->caps |= IMAP_CAP_MOVE;
	if (mailimap_has_uidplus(c->imap))
		c->caps |= IMAP_CAP_UIDPLUS;
	c->caps &= ~ignore;
}

/* ----- Connection ----------------------------------------------------- */

int
imap_connect(struct imap_conn **out, const struct imap_params *p,
    struct gc_err *err)
{
	struct imap_conn *c;
	mailstream *s;
	bool preauth;
	int fd = -1, r;

	*out = NULL;
	if (p == NULL || p->url == NULL || p->user == NULL ||
	    (p->password == NULL && p->oauth2_token == NULL))
		return gc_err_set(err, GC_EINVAL, "IMAP: url, user and "
		    "password are required");
	if (p->user[0] == '\0' || !imap_clean_string(p->user, CRED_MAX))
		return gc_err_set(err, GC_EINVAL, "IMAP: empty user name, or "
		    "one with control characters");
	if (p->oauth2_token == NULL &&
	    !imap_clean_string(p->password, CRED_MAX))
		return gc_err_set(err, GC_EINVAL, "IMAP: the password holds "
		    "control characters or is too long");

	c = xcalloc(1, sizeof(*c));
	c->ready_fd = -1;
	r = imap_url_parse(&c->url, p->url, err);
	if (r < 0)
		goto fail;
	c->timeout = p->timeout_sec > 0 ? p->timeout_sec :
	    IMAP_TIMEOUT_DEFAULT;
	snprintf(c->where, sizeof(c->where), strchr(c->url.host, ':') ?
	    "[%s]:%u" : "%s:%u", c->url.host, (unsigned)c->url.port);
	ignore_sigpipe();

	r = tcp_connect(&fd, c, p->source_address, err);
	if (r < 0)
		goto fail;
	c->imap = mailimap_new(0, NULL);
	if (c->imap == NULL)
		fatal("mailimap_new: out of memory");
	mailimap_set_timeout(c->imap, c->timeout);

	if (c->url.implicit_tls) {
		s = mailstream_ssl_open_with_callback_timeout(fd, c->timeout,
		    tls_setup, c);
		if (s == NULL) {
			close(fd);
			r = gc_err_set(err, GC_ETLS, "TLS handshake with %s "
			    "failed", c->where);
			goto fail;
		}
		c->tls = true;
		r = verify_peer(c, s, p->ca_file, err);
		if (r < 0) {
			mailstream_close(s);
			goto fail;
		}
	} else {
		s = mailstream_socket_open_timeout(fd, c->timeout);
		if (s == NULL)
			fatal("mailstream_socket_open: out of memory");
	}
	guard_eof(c->tls ? &c->tls_drv : &c->plain_drv, s);
	/* From here the session owns the stream and the socket. */
	r = mailimap_connect(c->imap, s);
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_AUTHENTICATED) {
		if (r == MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION) {
			char text[SERVER_TEXT_MAX + 8];

			imap_server_text(text, sizeof(text), c, NULL);
			r = gc_err_set(err, GC_ETEMP, "%s refuses "
			    "connections: %s", c->where, text);
		} else {
			r = imap_fail(c, r, "greeting", err);
		}
		c->dead = true;
		goto fail;
	}
	preauth = r == MAILIMAP_NO_ERROR_AUTHENTICATED;
	if (!c->url.implicit_tls) {
		r = starttls(c, p, preauth, err);
		if (r < 0)
			goto fail;
	}
	if (!preauth) {
		r = p->oauth2_token != NULL ? imap_authenticate(c, p->user,
		    p->oauth2_token, p->oauthbearer, err) :
		    login(c, p, err);
		if (r < 0)
			goto fail;
	}
	r = capability(c, err);
	if (r < 0)
		goto fail;
	update_caps(c, p->ignore_caps);
	log_debug("imap: logged in to %s as %s (%s; idle %d, move %d, "
	    "uidplus %d)", c->where, p->user, c->tls ? "TLS" : "plaintext",
	    !!(c->caps & IMAP_CAP_IDLE), !!(c->caps & IMAP_CAP_MOVE),
	    !!(c->caps & IMAP_CAP_UIDPLUS));
	*out = c;
	return 0;
fail:
	imap_close(&c);
	return r;
}

void
imap_close(struct imap_conn **cp)
{
	struct imap_conn *c = cp != NULL ? *cp : NULL;

	if (c == NULL)
		return;
	if (c->imap != NULL) {
		/* mailimap_free() sends LOGOUT and waits for the answer:
		 * not on a dead stream, nor in the middle of IDLE. */
		if ((c->dead || c->idling) && c->imap->imap_stream != NULL) {
			mailstream_close(c->imap->imap_stream);
			c->imap->imap_stream = NULL;
		}
		mailimap_free(c->imap);
	}
	if (c->ready_fd >= 0)
		close(c->ready_fd);
	free(c);
	*cp = NULL;
}

unsigned int
imap_caps(const struct imap_conn *c)
{
	return c != NULL ? c->caps : 0;
}

bool
imap_is_dead(const struct imap_conn *c)
{
	return c == NULL || c->dead;
}

