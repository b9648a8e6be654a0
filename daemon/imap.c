/*
 * imap.c - the IMAP client over libetpan (see imap.h)
 *
 * Sections: URL parsing; the TCP connection (ours, not libetpan's, for a
 * real connect timeout, a source address and errors that say what went
 * wrong); TLS set-up and the certificate check; mapping libetpan's codes
 * to GC_E*; the commands; IDLE.
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
 * - In a UID set, 0 stands for "*": UID 0 never reaches a set here.
 * - mailimap_idle() throws away untagged responses that come before the
 *   "+" continuation, so an EXISTS sent as IDLE starts would be lost; we
 *   send IDLE ourselves and read up to the "+" line by line. DONE and its
 *   response are libetpan's (mailimap_idle_done), which records EXISTS
 *   and RECENT in the selection info.
 * - Its sender writes with plain send(): SIGPIPE is ignored (imap.h).
 *
 * Lifetimes: struct imap_conn owns the mailimap session, which owns the
 * stream and the socket. Nothing else is kept between calls; the password
 * only lives in the caller's struct imap_params during imap_connect().
 */
#include "imap.h"

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
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libetpan/libetpan.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "tls_verify.h"

#define FOLDER_MAX 1000         /* bytes in a folder name */
#define CRED_MAX 1000           /* bytes in a user name or password */
#define SET_RANGES_MAX 500      /* ranges in one UID set (~8 KB of line) */
#define SERVER_TEXT_MAX 200     /* bytes of a server's text quoted */
#define IDLE_LINES_MAX 10000    /* untagged lines accepted before "+" */
#define IDLE_LITERAL_MAX (1 << 20) /* bytes of a literal skipped then */
#define WHERE_MAX (IMAP_HOST_MAX + 16)

/* A copy of a stream driver whose read turns end-of-file into an error:
 * libetpan's literal reader loops forever on a 0-byte read (a server
 * hanging up in the middle of a FETCH body), and its line reader takes
 * end-of-file for the end of a line. Every other entry is the original. */
struct eof_driver {
	mailstream_low_driver drv;              /* first: cast from driver */
	const mailstream_low_driver *orig;
	bool eof;                               /* the peer hung up */
};

struct imap_conn {
	mailimap *imap;
	struct eof_driver plain_drv, tls_drv;   /* outlive the streams */
	struct imap_url url;
	char where[WHERE_MAX];  /* "host:port" for messages */
	unsigned int caps;      /* IMAP_CAP_* usable */
	int timeout;            /* seconds */
	bool tls;
	bool selected;
	bool dead;              /* stream failed: no more commands */
	bool idling;
	bool idle_news;         /* EXISTS/RECENT seen as IDLE began */
	int ready_fd;           /* always-readable eventfd, or -1 */
};

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

/* ----- Errors --------------------------------------------------------- */

/* The server's last text, safe to quote: control characters dropped,
 * capped, and every occurrence of secret (the password) masked. */
static void
server_text(char *buf, size_t len, const struct imap_conn *c,
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
static int
fail_secret(struct imap_conn *c, int r, const char *what,
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
		server_text(text, sizeof(text), c, secret);
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
		server_text(text, sizeof(text), c, secret);
		return gc_err_set(err, GC_EPROTO, "%s: %s says BAD: %s",
		    what, c->where, text);
	default:
		server_text(text, sizeof(text), c, secret);
		return gc_err_set(err, GC_EPROTO, "%s refused by %s: %s",
		    what, c->where, text);
	}
}

static int
fail(struct imap_conn *c, int r, const char *what, struct gc_err *err)
{
	return fail_secret(c, r, what, NULL, err);
}

static int
usable(struct imap_conn *c, bool need_selected, const char *what,
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
static bool
clean_string(const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || i >= max)
			return false;
	return true;
}

static int
check_folder(const char *folder, const char *what, struct gc_err *err)
{
	if (folder == NULL || folder[0] == '\0')
		return gc_err_set(err, GC_EINVAL, "%s: empty folder name",
		    what);
	if (!clean_string(folder, FOLDER_MAX))
		return gc_err_set(err, GC_EINVAL, "%s: folder name with "
		    "control characters or longer than %d bytes", what,
		    FOLDER_MAX);
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
		return fail(c, r, "CAPABILITY", err);
	mailimap_capability_data_free(cap);
	return 0;
}

/* imap:// : STARTTLS when offered, else plaintext only if allowed. */
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
		    "refusing to log in without TLS (use imaps://, or allow "
		    "plaintext on a trusted network)", c->where);
	}
	r = mailimap_socket_starttls_with_callback(c->imap, tls_setup, c);
	if (r == MAILIMAP_ERROR_STARTTLS) {
		c->dead = true;
		server_text(text, sizeof(text), c, NULL);
		return gc_err_set(err, GC_ETLS, "%s refused STARTTLS: %s",
		    c->where, text);
	}
	if (r == MAILIMAP_ERROR_STREAM || r == MAILIMAP_ERROR_SSL) {
		c->dead = true;
		return gc_err_set(err, GC_ETLS, "STARTTLS with %s failed "
		    "(TLS handshake or connection lost)", c->where);
	}
	if (r != MAILIMAP_NO_ERROR)
		return fail(c, r, "STARTTLS", err);
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
		server_text(text, sizeof(text), c, p->password);
		return gc_err_set(err, GC_EAUTH, "login as %s at %s refused: "
		    "%s", p->user, c->where, text);
	}
	return fail_secret(c, r, "LOGIN", p->password, err);
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
	    p->password == NULL)
		return gc_err_set(err, GC_EINVAL, "IMAP: url, user and "
		    "password are required");
	if (p->user[0] == '\0' || !clean_string(p->user, CRED_MAX))
		return gc_err_set(err, GC_EINVAL, "IMAP: empty user name, or "
		    "one with control characters");
	if (!clean_string(p->password, CRED_MAX))
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

			server_text(text, sizeof(text), c, NULL);
			r = gc_err_set(err, GC_ETEMP, "%s refuses "
			    "connections: %s", c->where, text);
		} else {
			r = fail(c, r, "greeting", err);
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
		r = login(c, p, err);
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

/* ----- UID sets ------------------------------------------------------- */

static int
cmp_uid(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorted copy of uids without duplicates nor 0 (which libetpan would
 * send as "*"). *out is NULL when the result is empty. */
static size_t
normalize_uids(uint32_t **out, const uint32_t *uids, size_t n)
{
	uint32_t *u;
	size_t i, m = 0;

	*out = NULL;
	if (n == 0)
		return 0;
	u = xmalloc(n * sizeof(*u));
	memcpy(u, uids, n * sizeof(*u));
	qsort(u, n, sizeof(*u), cmp_uid);
	for (i = 0; i < n; i++)
		if (u[i] != 0 && (m == 0 || u[m - 1] != u[i]))
			u[m++] = u[i];
	if (m == 0) {
		free(u);
		return 0;
	}
	*out = u;
	return m;
}

/* A set of at most SET_RANGES_MAX ranges from uids[from..n) (sorted,
 * unique, no 0). Returns the index after the last UID taken. */
static size_t
make_set(struct mailimap_set **out, const uint32_t *uids, size_t n,
    size_t from)
{
	struct mailimap_set *set;
	size_t i = from, ranges = 0;
	uint32_t first, last;
	int r;

	set = mailimap_set_new_empty();
	if (set == NULL)
		fatal("mailimap_set_new_empty: out of memory");
	while (i < n && ranges < SET_RANGES_MAX) {
		first = last = uids[i++];
		while (i < n && last != UINT32_MAX && uids[i] == last + 1)
			last = uids[i++];
		if (first == last)
			r = mailimap_set_add_single(set, first);
		else
			r = mailimap_set_add_interval(set, first, last);
		if (r != MAILIMAP_NO_ERROR)
			fatal("mailimap_set_add: out of memory");
		ranges++;
	}
	*out = set;
	return i;
}

/* ----- Folders -------------------------------------------------------- */

int
imap_select(struct imap_conn *c, const char *folder, uint32_t *uidvalidity_r,
    uint32_t *uidnext_r, uint32_t *exists_r, struct gc_err *err)
{
	struct mailimap_selection_info *si;
	char text[SERVER_TEXT_MAX + 8];
	int r;

	r = usable(c, false, "SELECT", err);
	if (r == 0)
		r = check_folder(folder, "SELECT", err);
	if (r < 0)
		return r;
	c->selected = false;
	r = mailimap_select(c->imap, folder);
	if (r == MAILIMAP_ERROR_SELECT) {
		server_text(text, sizeof(text), c, NULL);
		return gc_err_set(err, GC_ENOTFOUND, "cannot select folder "
		    "'%s' on %s: %s", folder, c->where, text);
	}
	if (r != MAILIMAP_NO_ERROR)
		return fail(c, r, "SELECT", err);
	si = c->imap->imap_selection_info;
	if (si == NULL || si->sel_uidvalidity == 0)
		return gc_err_set(err, GC_EPROTO, "%s sent no UIDVALIDITY "
		    "for folder '%s'", c->where, folder);
	c->selected = true;
	if (uidvalidity_r != NULL)
		*uidvalidity_r = si->sel_uidvalidity;
	if (uidnext_r != NULL)
		*uidnext_r = si->sel_uidnext;
	if (exists_r != NULL)
		*exists_r = si->sel_exists;
	return 0;
}

/* Whether LIST names folder exactly (INBOX in any case). */
static int
folder_exists(struct imap_conn *c, const char *folder, bool *exists_r,
    struct gc_err *err)
{
	clist *list = NULL;
	clistiter *it;
	int r;

	*exists_r = false;
	r = mailimap_list(c->imap, "", folder, &list);
	if (r != MAILIMAP_NO_ERROR)
		return fail(c, r, "LIST", err);
	for (it = clist_begin(list); it != NULL; it = clist_next(it)) {
		struct mailimap_mailbox_list *mb = clist_content(it);

		if (mb->mb_name == NULL)
			continue;
		if (strcmp(mb->mb_name, folder) == 0 ||
		    (str_casecmp(folder, "INBOX") == 0 &&
		    str_casecmp(mb->mb_name, "INBOX") == 0))
			*exists_r = true;
	}
	mailimap_list_result_free(list);
	return 0;
}

int
imap_ensure_folder(struct imap_conn *c, const char *folder,
    struct gc_err *err)
{
	char text[SERVER_TEXT_MAX + 8];
	bool exists;
	int r;

	r = usable(c, false, "CREATE", err);
	if (r == 0)
		r = check_folder(folder, "CREATE", err);
	if (r < 0)
		return r;
	/* A name with LIST wildcards cannot be checked by LIST. */
	if (strpbrk(folder, "*%") == NULL) {
		r = folder_exists(c, folder, &exists, err);
		if (r < 0 || exists)
			return r;
	}
	r = mailimap_create(c->imap, folder);
	if (r == MAILIMAP_NO_ERROR)
		return 0;
	if (r != MAILIMAP_ERROR_CREATE)
		return fail(c, r, "CREATE", err);
	/* Someone else may have created it meanwhile. */
	server_text(text, sizeof(text), c, NULL);
	if (strpbrk(folder, "*%") == NULL) {
		r = folder_exists(c, folder, &exists, err);
		if (r < 0 || exists)
			return r;
	}
	return gc_err_set(err, GC_EPROTO, "cannot create folder '%s' on "
	    "%s: %s", folder, c->where, text);
}

/* ----- Search and fetch ----------------------------------------------- */

int
imap_search_uids(struct imap_conn *c, uint32_t min_uid, uint32_t **uids_r,
    size_t *n_r, struct gc_err *err)
{
	struct mailimap_search_key *key, *undeleted;
	struct mailimap_set *set;
	clist *result = NULL;
	clistiter *it;
	uint32_t *u;
	size_t n, m;
	int r;

	*uids_r = NULL;
	*n_r = 0;
	r = usable(c, true, "UID SEARCH", err);
	if (r < 0)
		return r;
	if (min_uid == 0)
		min_uid = 1;
	set = mailimap_set_new_interval(min_uid, 0);        /* min:* */
	undeleted = mailimap_search_key_new(MAILIMAP_SEARCH_KEY_UNDELETED,
	    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	    NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL,
	    NULL, NULL);
	key = mailimap_search_key_new_multiple_empty();
	if (set == NULL || undeleted == NULL || key == NULL)
		fatal("mailimap_search_key: out of memory");
	if (mailimap_search_key_multiple_add(key,
	    mailimap_search_key_new_uid(set)) != MAILIMAP_NO_ERROR ||
	    mailimap_search_key_multiple_add(key, undeleted) !=
	    MAILIMAP_NO_ERROR)
		fatal("mailimap_search_key: out of memory");
	r = mailimap_uid_search(c->imap, NULL, key, &result);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR)
		return fail(c, r, "UID SEARCH", err);

	n = (size_t)clist_count(result);
	u = xmalloc((n > 0 ? n : 1) * sizeof(*u));
	m = 0;
	/* "min:*" also matches the last message when min is past it. */
	for (it = clist_begin(result); it != NULL; it = clist_next(it)) {
		uint32_t *v = clist_content(it);

		if (v != NULL && *v >= min_uid && m < n)
			u[m++] = *v;
	}
	mailimap_search_result_free(result);
	*n_r = normalize_uids(uids_r, u, m);
	free(u);
	return 0;
}

struct fetched {
	uint32_t uid;
	bool has_uid, has_size, has_body;
	uint32_t size;
	const char *body;
	size_t body_len;
};

static void
fetched_of(struct fetched *f, struct mailimap_msg_att *att)
{
	clistiter *it;

	memset(f, 0, sizeof(*f));
	for (it = clist_begin(att->att_list); it != NULL;
	    it = clist_next(it)) {
		struct mailimap_msg_att_item *item = clist_content(it);
		struct mailimap_msg_att_static *st;

		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC ||
		    item->att_data.att_static == NULL)
			continue;
		st = item->att_data.att_static;
		switch (st->att_type) {
		case MAILIMAP_MSG_ATT_UID:
			f->uid = st->att_data.att_uid;
			f->has_uid = true;
			break;
		case MAILIMAP_MSG_ATT_RFC822_SIZE:
			f->size = st->att_data.att_rfc822_size;
			f->has_size = true;
			break;
		case MAILIMAP_MSG_ATT_BODY_SECTION:
			if (st->att_data.att_body_section != NULL &&
			    st->att_data.att_body_section->sec_body_part !=
			    NULL) {
				f->body = st->att_data.att_body_section->
				    sec_body_part;
				f->body_len = st->att_data.att_body_section->
				    sec_length;
				f->has_body = true;
			}
			break;
		}
	}
}

enum { SLOT_ABSENT = 0, SLOT_SIZED, SLOT_DONE };

/* Bytes of mail asked for by one UID FETCH of bodies, when the sizes are
 * known: libetpan holds a command's whole answer while we copy the mails
 * out of it, so this bounds what is held twice. At least one mail per
 * command. */
#define FETCH_CMD_BYTES (4u * 1024 * 1024)

/* The end of the run of uids[from..n) whose announced sizes (res[], by
 * their index in all[]) fit in FETCH_CMD_BYTES; at least from + 1. */
static size_t
sized_run(const uint32_t *uids, size_t n, size_t from, const uint32_t *all,
    size_t nall, const struct imap_msg *res, const unsigned char *state)
{
	size_t end = from, bytes = 0;

	for (; end < n; end++) {
		const uint32_t *hit = bsearch(&uids[end], all, nall,
		    sizeof(*all), cmp_uid);
		size_t size = hit && state[hit - all] == SLOT_SIZED ?
		    res[hit - all].len : 0;

		if (end > from && size > FETCH_CMD_BYTES - bytes)
			break;
		bytes += size < FETCH_CMD_BYTES ? size : FETCH_CMD_BYTES;
	}
	return end;
}

/* One fetch pass over uids[0..n) (sorted, unique): sizes only, or bodies.
 * Results land in res[]/state[], indexed like all[0..nall). */
static int
fetch_pass(struct imap_conn *c, const uint32_t *uids, size_t n, bool bodies,
    size_t max_size, const uint32_t *all, size_t nall,
    struct imap_msg *res, unsigned char *state, struct gc_err *err)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_fetch_att *fa;
	struct mailimap_set *set;
	struct fetched f;
	clist *result;
	clistiter *it;
	size_t from = 0, idx;
	const uint32_t *hit;
	int r;

	while (from < n) {
		size_t end = bodies ? sized_run(uids, n, from, all, nall, res,
		    state) : n;

		from = make_set(&set, uids, end, from);
		ft = mailimap_fetch_type_new_fetch_att_list_empty();
		if (ft == NULL)
			fatal("mailimap_fetch_type: out of memory");
		fa = mailimap_fetch_att_new_uid();
		if (fa == NULL ||
		    mailimap_fetch_type_new_fetch_att_list_add(ft, fa) != 0)
			fatal("mailimap_fetch_att: out of memory");
		if (bodies)
			fa = mailimap_fetch_att_new_body_peek_section(
			    mailimap_section_new(NULL));
		else
			fa = mailimap_fetch_att_new_rfc822_size();
		if (fa == NULL ||
		    mailimap_fetch_type_new_fetch_att_list_add(ft, fa) != 0)
			fatal("mailimap_fetch_att: out of memory");
		result = NULL;
		r = mailimap_uid_fetch(c->imap, set, ft, &result);
		mailimap_fetch_type_free(ft);
		mailimap_set_free(set);
		if (r != MAILIMAP_NO_ERROR)
			return fail(c, r, "UID FETCH", err);
		for (it = clist_begin(result); it != NULL;
		    it = clist_next(it)) {
			fetched_of(&f, clist_content(it));
			/* Unsolicited FETCH (flags) and strangers: skip. */
			if (!f.has_uid)
				continue;
			hit = bsearch(&f.uid, all, nall, sizeof(*all),
			    cmp_uid);
			if (hit == NULL)
				continue;
			idx = (size_t)(hit - all);
			if (!bodies && f.has_size) {
				res[idx].uid = f.uid;
				res[idx].len = f.size;
				state[idx] = SLOT_SIZED;
			} else if (bodies && f.has_body &&
			    state[idx] != SLOT_DONE) {
				res[idx].uid = f.uid;
				state[idx] = SLOT_DONE;
				if (max_size != 0 && f.body_len > max_size) {
					/* The size announced was wrong. */
					res[idx].len = f.body_len;
					continue;
				}
				res[idx].data = xmalloc(f.body_len + 1);
				memcpy(res[idx].data, f.body, f.body_len);
				res[idx].data[f.body_len] = '\0';
				res[idx].len = f.body_len;
			}
		}
		mailimap_fetch_list_free(result);
	}
	return 0;
}

int
imap_fetch(struct imap_conn *c, const uint32_t *uids, size_t n,
    size_t max_size, struct imap_msg **msgs_r, size_t *n_r,
    struct gc_err *err)
{
	return imap_fetch_budget(c, uids, n, max_size, 0, msgs_r, n_r, NULL,
	    err);
}

int
imap_fetch_budget(struct imap_conn *c, const uint32_t *uids, size_t n,
    size_t max_size, size_t budget, struct imap_msg **msgs_r, size_t *n_r,
    size_t *taken_r, struct gc_err *err)
{
	struct imap_msg *res;
	unsigned char *state;
	uint32_t *all, *want;
	size_t nall, nwant, i, m, upto, total = 0;
	int r;

	*msgs_r = NULL;
	*n_r = 0;
	if (taken_r)
		*taken_r = n;
	r = usable(c, true, "UID FETCH", err);
	if (r < 0)
		return r;
	nall = normalize_uids(&all, uids, n);
	if (nall == 0)
		return 0;
	res = xcalloc(nall, sizeof(*res));
	state = xcalloc(nall, 1);
	want = all;
	nwant = nall;
	upto = nall;
	if (max_size != 0 || budget != 0) {
		r = fetch_pass(c, all, nall, false, max_size, all, nall, res,
		    state, err);
		if (r < 0)
			goto out;
		want = xmalloc(nall * sizeof(*want));
		for (i = nwant = 0; i < nall; i++) {
			if (state[i] != SLOT_SIZED ||
			    (max_size != 0 && res[i].len > max_size))
				continue;
			/* the budget, as announced; at least one mail */
			if (budget != 0 && nwant > 0 &&
			    res[i].len > budget - total) {
				upto = i;
				break;
			}
			total += res[i].len;
			want[nwant++] = all[i];
		}
	}
	if (nwant > 0)
		r = fetch_pass(c, want, nwant, true, max_size, all, nall,
		    res, state, err);
	if (r < 0)
		goto out;
	/* Keep what came back whole, and what is too large to fetch. */
	for (i = m = 0; i < upto; i++) {
		bool oversize = max_size != 0 && res[i].data == NULL &&
		    res[i].len > max_size;

		if ((state[i] == SLOT_DONE && res[i].data != NULL) ||
		    (state[i] != SLOT_ABSENT && oversize))
			res[m++] = res[i];
	}
	for (; i < nall; i++)
		free(res[i].data);    /* past the budget: none, but be sure */
	if (m == 0) {
		free(res);
		res = NULL;
	}
	*msgs_r = res;
	*n_r = m;
	if (taken_r)
		*taken_r = upto;
	res = NULL;
out:
	if (res != NULL)
		imap_msgs_free(&res, nall);
	if (want != all)
		free(want);
	free(all);
	free(state);
	return r;
}

void
imap_msgs_free(struct imap_msg **msgs, size_t n)
{
	size_t i;

	if (msgs == NULL || *msgs == NULL)
		return;
	for (i = 0; i < n; i++)
		free((*msgs)[i].data);
	free(*msgs);
	*msgs = NULL;
}

/* ----- Move and append ------------------------------------------------ */

static int
move_fallback(struct imap_conn *c, struct mailimap_set *set,
    const char *dest, struct gc_err *err)
{
	struct mailimap_store_att_flags *flags;
	struct mailimap_flag_list *fl;
	char text[SERVER_TEXT_MAX + 8];
	int r;

	r = mailimap_uid_copy(c->imap, set, dest);
	if (r == MAILIMAP_ERROR_UID_COPY) {
		server_text(text, sizeof(text), c, NULL);
		return gc_err_set(err, GC_EPROTO, "UID COPY to '%s' refused "
		    "by %s: %s", dest, c->where, text);
	}
	if (r != MAILIMAP_NO_ERROR)
		return fail(c, r, "UID COPY", err);
	fl = mailimap_flag_list_new_empty();
	if (fl == NULL || mailimap_flag_list_add(fl,
	    mailimap_flag_new_deleted()) != MAILIMAP_NO_ERROR)
		fatal("mailimap_flag_list: out of memory");
	flags = mailimap_store_att_flags_new_add_flags_silent(fl);
	if (flags == NULL)
		fatal("mailimap_store_att_flags: out of memory");
	r = mailimap_uid_store(c->imap, set, flags);
	mailimap_store_att_flags_free(flags);
	if (r != MAILIMAP_NO_ERROR)
		return fail(c, r, "UID STORE", err);
	if (c->caps & IMAP_CAP_UIDPLUS)
		r = mailimap_uid_expunge(c->imap, set);
	else
		r = mailimap_expunge(c->imap);
	if (r != MAILIMAP_NO_ERROR)
		return fail(c, r, (c->caps & IMAP_CAP_UIDPLUS) ?
		    "UID EXPUNGE" : "EXPUNGE", err);
	return 0;
}

int
imap_move(struct imap_conn *c, const uint32_t *uids, size_t n,
    const char *dest, struct gc_err *err)
{
	struct mailimap_set *set;
	char text[SERVER_TEXT_MAX + 8];
	uint32_t *all;
	size_t nall, from = 0;
	int r;

	r = usable(c, true, "UID MOVE", err);
	if (r == 0)
		r = check_folder(dest, "UID MOVE", err);
	if (r < 0)
		return r;
	nall = normalize_uids(&all, uids, n);
	while (r == 0 && from < nall) {
		from = make_set(&set, all, nall, from);
		if (c->caps & IMAP_CAP_MOVE) {
			r = mailimap_uid_move(c->imap, set, dest);
			if (r == MAILIMAP_ERROR_UID_MOVE) {
				server_text(text, sizeof(text), c, NULL);
				r = gc_err_set(err, GC_EPROTO, "UID MOVE to "
				    "'%s' refused by %s: %s", dest, c->where,
				    text);
			} else if (r != MAILIMAP_NO_ERROR) {
				r = fail(c, r, "UID MOVE", err);
			}
		} else {
			r = move_fallback(c, set, dest, err);
		}
		mailimap_set_free(set);
	}
	free(all);
	return r;
}

int
imap_append(struct imap_conn *c, const char *folder, const char *data,
    size_t len, struct gc_err *err)
{
	char text[SERVER_TEXT_MAX + 8];
	int r;

	r = usable(c, false, "APPEND", err);
	if (r == 0)
		r = check_folder(folder, "APPEND", err);
	if (r < 0)
		return r;
	if (data == NULL || len == 0)
		return gc_err_set(err, GC_EINVAL, "APPEND: empty message");
	r = mailimap_append(c->imap, folder, NULL, NULL, data, len);
	if (r == MAILIMAP_ERROR_APPEND) {
		server_text(text, sizeof(text), c, NULL);
		return gc_err_set(err, GC_EPROTO, "APPEND to '%s' refused by "
		    "%s: %s", folder, c->where, text);
	}
	if (r != MAILIMAP_NO_ERROR)
		return fail(c, r, "APPEND", err);
	return 0;
}

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
			return fail(c, MAILIMAP_ERROR_STREAM, "IDLE", err);
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

int
imap_idle_start(struct imap_conn *c, struct gc_err *err)
{
	char text[SERVER_TEXT_MAX + 8];
	mailstream *s;
	const char *line;
	size_t len, lit, lines = 0;
	bool continued = false;
	int r;

	r = usable(c, true, "IDLE", err);
	if (r < 0)
		return r;
	if (!(c->caps & IMAP_CAP_IDLE))
		return gc_err_set(err, GC_EINVAL, "IDLE: not offered by %s",
		    c->where);
	s = c->imap->imap_stream;
	c->imap->imap_selection_info->sel_has_exists = 0;
	c->imap->imap_selection_info->sel_has_recent = 0;
	c->idle_news = false;
	r = mailimap_send_current_tag(c->imap);
	if (r != MAILIMAP_NO_ERROR)
		return fail(c, r, "IDLE", err);
	if (mailstream_write(s, "IDLE\r\n", 6) != 6 ||
	    mailstream_flush(s) == -1)
		return fail(c, MAILIMAP_ERROR_STREAM, "IDLE", err);
	/* Read up to the "+" continuation, noting news on the way. */
	for (;;) {
		line = mailimap_read_line(c->imap);
		if (line == NULL)
			return fail(c, MAILIMAP_ERROR_STREAM, "IDLE", err);
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
	struct mailimap_selection_info *si;
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
	si = c->imap->imap_selection_info;
	if (r != MAILIMAP_NO_ERROR)
		return fail(c, r, "IDLE DONE", err);
	*new_mail_r = c->idle_news ||
	    (si != NULL && (si->sel_has_exists || si->sel_has_recent));
	c->idle_news = false;
	return 0;
}
