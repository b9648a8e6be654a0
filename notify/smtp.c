/*
 * smtp.c - SMTP delivery with libcurl (see smtp.h)
 *
 * Classifying a failure needs to know which command the server refused:
 * a 5xx reply to MAIL FROM, RCPT TO or DATA refuses this message, a 5xx
 * reply to AUTH or EHLO says something about our configuration. curl
 * does not tell, so a debug callback watches the dialogue: for each
 * command sent it keeps the verb (its first four letters, nothing more:
 * the rest of an AUTH line is a credential) and for each reply line the
 * code and a cleaned, capped copy of the text.
 *
 * Which recipient got which answer is read the same way. curl sends the
 * RCPT TO commands one at a time, in the order of the list, and waits
 * for each reply before the next (it does not use PIPELINING), so the
 * k-th reply to a RCPT command is the answer for the k-th address. This
 * reads exactly what the server said to each recipient, in the one
 * transaction that also carries the message, where the alternatives
 * either send the message once per recipient (one transaction each) or
 * probe with RCPT and RSET first (an answer that may differ from the
 * one given to the real transaction). A recipient with no reply
 * recorded (the connection broke) is a temporary failure.
 *
 * Lifetimes: a client owns its CURL handle and copies of every
 * parameter; per-message state (the recipient list, the read cursor,
 * the dialogue record) is reset by each smtp_send().
 */
#include "notify/smtp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "notify/curl_dyn.h"
#include "notify/curl_url.h"

#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "notify/compose.h"
#include "notify/trust.h"

#define REPLY_MAX 300           /* server reply text kept for errors */

struct dialogue {
	char verb[5];               /* last command sent: "MAIL", "RCPT"... */
	bool quitting;              /* QUIT sent: later replies are ignored */
	int code;                   /* last reply code, 0 before any */
	char reply[REPLY_MAX + 1];  /* last reply line, cleaned */
	/* the recipients of the transaction, in the order given to curl */
	struct smtp_rcpt **rcpt;
	int *rcpt_code;             /* each one's reply code, 0: none yet */
	size_t nrcpt;
	size_t rcpt_sent;           /* RCPT commands sent so far */
};

struct smtp_client {
	CURL *curl;
	char *url;                  /* with the EHLO name as its path */
	char *where;                /* "smtp://host:port", for messages */
	char *user, *password, *ca_file;
	char errbuf[CURL_ERROR_SIZE];
	struct dialogue dlg;
	const char *data;           /* message being sent */
	size_t len, pos;
	bool login_refused;         /* the last transfer's AUTH refused */
	/* the connection's last EHLO answer listed SMTPUTF8; kept from one
	 * transaction to the next, since a reused connection says no EHLO */
	bool smtputf8;
	bool needs_utf8;            /* the message has an address in UTF-8 */
	bool utf8_stopped;          /* stopped before MAIL: no SMTPUTF8 */
	enum trust_mode trust;      /* the CAs the next connection trusts */
};

int
smtp_global_init(struct gc_err *err)
{
	CURLcode cc = curl_global_init(CURL_GLOBAL_DEFAULT);

	if (cc != CURLE_OK)
		return gc_err_set(err, GC_EIO, "curl_global_init: %s",
		    curl_easy_strerror(cc));
	return 0;
}

static bool
helo_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 255)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '.' || s[i] == '[' || s[i] == ']' || s[i] == ':'))
			return false;
	return true;
}

/* ----- Callbacks -------------------------------------------------- */

static size_t
read_cb(char *buffer, size_t size, size_t nitems, void *userp)
{
	struct smtp_client *c = userp;
	size_t room = size * nitems, n = c->len - c->pos;

	if (n > room)
		n = room;
	memcpy(buffer, c->data + c->pos, n);
	c->pos += n;
	return n;
}

static int
debug_cb(CURL *h, curl_infotype type, char *data, size_t size, void *userp)
{
	struct smtp_client *c = userp;
	struct dialogue *d = &c->dlg;

	(void)h;
	if (type == CURLINFO_HEADER_OUT) {
		char verb[5];
		size_t i;

		/* The verb only: an AUTH line carries a credential. */
		for (i = 0; i < 4 && i < size && data[i] >= 'A' &&
		    data[i] <= 'z'; i++)
			verb[i] = (char)(data[i] & ~0x20);
		verb[i] = '\0';
		/* curl says QUIT after a failure: keep what failed. */
		if (strcmp(verb, "QUIT") == 0)
			d->quitting = true;
		else
			memcpy(d->verb, verb, sizeof(verb));
		if (strcmp(verb, "RCPT") == 0)
			d->rcpt_sent++;
		if (strcmp(verb, "EHLO") == 0 || strcmp(verb, "HELO") == 0)
			c->smtputf8 = false;
	} else if (type == CURLINFO_HEADER_IN && !d->quitting && size >= 3 &&
	    data[0] >= '1' && data[0] <= '5' && data[1] >= '0' &&
	    data[1] <= '9' && data[2] >= '0' && data[2] <= '9') {
		size_t n = size < REPLY_MAX ? size : REPLY_MAX;

		d->code = (data[0] - '0') * 100 + (data[1] - '0') * 10 +
		    (data[2] - '0');
		memcpy(d->reply, data, n);
		d->reply[n] = '\0';
		str_strip_ctl(d->reply);
		str_trim(d->reply);
		/* "250-SMTPUTF8" or "250 SMTPUTF8" in the EHLO answer */
		if (strcmp(d->verb, "EHLO") == 0 && d->code == 250 &&
		    size >= 12 && strncasecmp(data + 4, "SMTPUTF8", 8) == 0 &&
		    (size == 12 || data[12] == '\r' || data[12] == '\n' ||
		    data[12] == ' '))
			c->smtputf8 = true;
		/* the answer to the latest RCPT: its recipient's */
		if (strcmp(d->verb, "RCPT") == 0 && d->rcpt_sent >= 1 &&
		    d->rcpt_sent <= d->nrcpt) {
			size_t k = d->rcpt_sent - 1;

			d->rcpt_code[k] = d->code;
			snprintf(d->rcpt[k]->error, sizeof(d->rcpt[k]->error),
			    "%s", d->reply);
		}
	}
	return 0;
}

/* Called once the connection is up and greeted (EHLO, STARTTLS, AUTH
 * done), before MAIL FROM: a message with an address in UTF-8 goes
 * only to a server that offered SMTPUTF8 (RFC 6531 3.4), as Postfix
 * does; another one would mangle it or pass it to one that does. */
static int
prereq_cb(void *userp, char *ip, char *local_ip, int port, int local_port)
{
	struct smtp_client *c = userp;

	(void)ip;
	(void)local_ip;
	(void)port;
	(void)local_port;
	if (c->needs_utf8 && !c->smtputf8) {
		c->utf8_stopped = true;
		return CURL_PREREQFUNC_ABORT;
	}
	return CURL_PREREQFUNC_OK;
}

/* ----- SMTP client ------------------------------------------------ */

#define SETOPT(c, opt, val) do {					\
	if (curl_easy_setopt((c), (opt), (val)) != CURLE_OK)		\
		goto setopt_failed;					\
} while (0)

int
smtp_open(struct smtp_client **out, const struct smtp_params *p,
    struct gc_err *err)
{
	struct smtp_client *c;
	CURLU *h = NULL;
	char *where = NULL, *path = NULL;
	long timeout = p->timeout_sec > 0 ? p->timeout_sec :
	    SMTP_DEFAULT_TIMEOUT;
	bool loopback = false;
	int rc;

	*out = NULL;
	if ((rc = curl_url_check(&h, &where, p->url, "smtp", "smtps", err)) != 0) {
		gc_err_prefix(err, "smtp url");
		return rc;
	}
	if (p->helo_name != NULL && !helo_ok(p->helo_name)) {
		curl_url_cleanup(h);
		free(where);
		return gc_err_set(err, GC_ECONFIG, "bad EHLO name");
	}
	c = xcalloc(1, sizeof(*c));
	c->where = where;
	/* curl takes the EHLO name from the URL's path. */
	curl_url_get(h, CURLUPART_PATH, &path, 0);
	if (p->helo_name != NULL &&
	    curl_url_set(h, CURLUPART_PATH, p->helo_name, 0) != CURLUE_OK) {
		curl_free(path);
		curl_url_cleanup(h);
		smtp_close(&c);
		return gc_err_set(err, GC_ECONFIG, "bad EHLO name");
	}
	curl_free(path);
	{
		char *u = NULL, *host = NULL;

		curl_url_get(h, CURLUPART_URL, &u, 0);
		c->url = xstrdup(u ? u : p->url);
		curl_free(u);
		curl_url_get(h, CURLUPART_HOST, &host, 0);
		loopback = host != NULL && host_is_loopback(host);
		curl_free(host);
	}
	curl_url_cleanup(h);
	c->user = p->user ? xstrdup(p->user) : NULL;
	c->password = p->password ? xstrdup(p->password) : NULL;
	c->ca_file = p->ca_file ? xstrdup(p->ca_file) : NULL;

	c->curl = curl_easy_init();
	if (c->curl == NULL)
		fatal("curl_easy_init failed");
	SETOPT(c->curl, CURLOPT_URL, c->url);
	SETOPT(c->curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	SETOPT(c->curl, CURLOPT_NOSIGNAL, 1L);
	SETOPT(c->curl, CURLOPT_ERRORBUFFER, c->errbuf);
	if (p->no_tls && strncasecmp(c->url, "smtps:", 6) == 0) {
		smtp_close(&c);
		return gc_err_set(err, GC_ECONFIG, "smtps:// is TLS: it cannot "
		    "go with tls = none");
	}
	/* Neither credentials nor mail travel in clear unless told so
	 * (tls = none); the mail alone may to this machine's loopback,
	 * where nobody else listens, when its server offers no STARTTLS. */
	SETOPT(c->curl, CURLOPT_USE_SSL, p->no_tls ? (long)CURLUSESSL_NONE :
	    p->require_tls || c->user != NULL || !loopback ?
	    (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
#if LIBCURL_VERSION_NUM >= 0x080200
	SETOPT(c->curl, CURLOPT_MAIL_RCPT_ALLOWFAILS, 1L);
#else
	SETOPT(c->curl, CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1L);
#endif
	if (trust_set(c->curl, c->ca_file, false, &c->trust) != CURLE_OK)
		goto setopt_failed;
	if (c->user != NULL && p->oauth2_mech != NULL) {
		char *opt = xasprintf("AUTH=%s", p->oauth2_mech);
		CURLcode oc;

		SETOPT(c->curl, CURLOPT_USERNAME, c->user);
		oc = curl_easy_setopt(c->curl, CURLOPT_LOGIN_OPTIONS, opt);
		free(opt);
		if (oc != CURLE_OK)
			goto setopt_failed;
	} else if (c->user != NULL) {
		SETOPT(c->curl, CURLOPT_USERNAME, c->user);
		SETOPT(c->curl, CURLOPT_PASSWORD,
		    c->password ? c->password : "");
	}
	SETOPT(c->curl, CURLOPT_CONNECTTIMEOUT, timeout);
	SETOPT(c->curl, CURLOPT_SERVER_RESPONSE_TIMEOUT, timeout);
	/* A stalled upload: less than 1 byte/s during timeout seconds. */
	SETOPT(c->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	SETOPT(c->curl, CURLOPT_LOW_SPEED_TIME, timeout);
	SETOPT(c->curl, CURLOPT_UPLOAD, 1L);
	SETOPT(c->curl, CURLOPT_READFUNCTION, read_cb);
	SETOPT(c->curl, CURLOPT_READDATA, c);
	SETOPT(c->curl, CURLOPT_DEBUGFUNCTION, debug_cb);
	SETOPT(c->curl, CURLOPT_DEBUGDATA, c);
	SETOPT(c->curl, CURLOPT_PREREQFUNCTION, prereq_cb);
	SETOPT(c->curl, CURLOPT_PREREQDATA, c);
	SETOPT(c->curl, CURLOPT_VERBOSE, 1L);  /* feeds debug_cb only */
	*out = c;
	return 0;
setopt_failed:
	smtp_close(&c);
	return gc_err_set(err, GC_ECONFIG, "libcurl lacks an SMTP option "
	    "(SMTP or TLS support missing?)");
}

static bool
refuses_message(const struct dialogue *d)
{
	return d->code >= 500 && d->code < 600 &&
	    (strcmp(d->verb, "MAIL") == 0 || strcmp(d->verb, "RCPT") == 0 ||
	    strcmp(d->verb, "DATA") == 0);
}

/* What failed, for the whole transaction: GC_EINVAL when the server
 * refused the message for good, GC_ETEMP otherwise. */
static int
transfer_error(const struct smtp_client *c, CURLcode cc, struct gc_err *err)
{
	if (cc == CURLE_LOGIN_DENIED)
		return gc_err_set(err, GC_ETEMP, "%s: login refused: %s",
		    c->where, c->dlg.reply[0] ? c->dlg.reply : "(no reply)");
	if (cc == CURLE_USE_SSL_FAILED)
		return gc_err_set(err, GC_ETEMP, "%s offers no STARTTLS, and "
		    "TLS is required%s (tls = none in [smtp] allows clear "
		    "text)", c->where, c->user != NULL ? " with credentials" :
		    " off this machine's loopback");
	if (refuses_message(&c->dlg))
		return gc_err_set(err, GC_EINVAL, "%s: %s refused: %s",
		    c->where, c->dlg.verb, c->dlg.reply);
	if (c->dlg.code >= 400 && c->dlg.code < 600)
		return gc_err_set(err, GC_ETEMP, "%s: %s: %s", c->where,
		    c->dlg.verb[0] ? c->dlg.verb : "greeting", c->dlg.reply);
	return gc_err_set(err, GC_ETEMP, "%s: %s", c->where,
	    c->errbuf[0] ? c->errbuf : curl_easy_strerror(cc));
}

static void
rcpt_set(struct smtp_rcpt *r, enum smtp_outcome o, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
rcpt_set(struct smtp_rcpt *r, enum smtp_outcome o, const char *fmt, ...)
{
	va_list ap;

	r->outcome = o;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
}

/* Whether the mail needs a server with SMTPUTF8: an address of the
 * envelope, or a byte of the header section, past ASCII. compose.c
 * writes nothing past ASCII in a header but an address in UTF-8. */
static bool
needs_smtputf8(const char *mail_from, struct smtp_rcpt *const *r, size_t n,
    const char *data, size_t len)
{
	if (compose_addr_utf8(mail_from))
		return true;
	for (size_t i = 0; i < n; i++)
		if (compose_addr_utf8(r[i]->addr))
			return true;
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)data[i] >= 0x80)
			return true;
		if (data[i] == '\n' && i + 2 < len &&
		    (data[i + 1] == '\n' ||
		    (data[i + 1] == '\r' && data[i + 2] == '\n')))
			break;          /* the end of the header section */
	}
	return false;
}

/* The transfer of c to start again, nothing of it taken: the server's
 * chain was refused (trust_perform(): nothing was said past STARTTLS),
 * or the connection kept was found closed (stale()). */
static void
rewind_transfer(void *arg)
{
	struct smtp_client *c = arg;
	struct dialogue d = {
		.rcpt = c->dlg.rcpt, .rcpt_code = c->dlg.rcpt_code,
		.nrcpt = c->dlg.nrcpt,
	};

	if (d.nrcpt > 0)      /* none for smtp_probe() */
		memset(d.rcpt_code, 0, d.nrcpt * sizeof(*d.rcpt_code));
	c->dlg = d;
	c->errbuf[0] = '\0';
	c->utf8_stopped = false;
	c->pos = 0;
}

/* Whether the transfer failed on a connection kept from an earlier one
 * that the server had closed meanwhile (its idle timeout: libcurl with
 * TLS does not see it before it writes), before any recipient was
 * named: nothing can have been taken, and a new connection is tried at
 * once rather than the mail waiting for its retry. A 421 is the
 * server's "closing" read late; any other reply stands. */
static bool
stale(struct smtp_client *c, CURLcode cc)
{
	long connects = 1;

	if (cc == CURLE_OK || c->utf8_stopped || c->dlg.rcpt_sent > 0 ||
	    (c->dlg.code != 0 && c->dlg.code != 421))
		return false;
	(void)curl_easy_getinfo(c->curl, CURLINFO_NUM_CONNECTS, &connects);
	return connects == 0;
}

/* A reply to NOOP, curl's "body": not wanted. */
static size_t
discard_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	(void)data;
	(void)userp;
	return size * nmemb;
}

int
smtp_probe(struct smtp_client *c, struct gc_err *err)
{
	CURLcode cc;

	memset(&c->dlg, 0, sizeof(c->dlg));
	c->errbuf[0] = '\0';
	c->needs_utf8 = false;
	c->utf8_stopped = false;
	c->data = NULL;
	c->len = c->pos = 0;
	/* no MAIL FROM and no upload: curl sends the command instead */
	curl_easy_setopt(c->curl, CURLOPT_UPLOAD, 0L);
	curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, "NOOP");
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, discard_cb);
	cc = trust_perform(c->curl, c->ca_file, &c->trust, c->where,
	    rewind_transfer, c);
	curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, NULL);
	curl_easy_setopt(c->curl, CURLOPT_UPLOAD, 1L);
	c->login_refused = cc == CURLE_LOGIN_DENIED;
	return cc == CURLE_OK ? 0 : transfer_error(c, cc, err);
}

int
smtp_send_rcpts(struct smtp_client *c, const char *mail_from,
    struct smtp_rcpt *r, size_t n, const char *data, size_t len,
    struct gc_err *err)
{
	struct curl_slist *list = NULL;
	struct smtp_rcpt **sent;
	struct gc_err terr = { 0 }, own = { 0 };
	char *from, reply[SMTP_ERROR_MAX];
	int *codes, rc = 0;
	size_t ns = 0, taken = 0;
	bool before_rcpt;
	CURLcode cc;

	if (err == NULL)
		err = &own;     /* its text goes to the recipients */
	if (mail_from == NULL)
		mail_from = "";
	if (*mail_from != '\0' && compose_addr_check(mail_from, err) != 0) {
		gc_err_prefix(err, "MAIL FROM");
		for (size_t i = 0; i < n; i++)
			rcpt_set(&r[i], SMTP_REFUSED, "%s", err->msg);
		return GC_EINVAL;
	}
	sent = xcalloc(n ? n : 1, sizeof(*sent));
	codes = xcalloc(n ? n : 1, sizeof(*codes));
	for (size_t i = 0; i < n; i++) {
		char *a;

		r[i].error[0] = '\0';
		if (compose_addr_check(r[i].addr, &terr) != 0) {
			rcpt_set(&r[i], SMTP_REFUSED, "RCPT TO: %s", terr.msg);
			continue;
		}
		a = xasprintf("<%s>", r[i].addr);
		list = curl_slist_append(list, a);
		free(a);
		if (list == NULL)
			fatal("curl_slist_append: out of memory");
		sent[ns++] = &r[i];
	}
	if (ns == 0) {
		free(sent);
		free(codes);
		return 0;
	}
	from = xasprintf("<%s>", mail_from);
	memset(&c->dlg, 0, sizeof(c->dlg));
	c->needs_utf8 = needs_smtputf8(mail_from, sent, ns, data, len);
	c->utf8_stopped = false;
	c->dlg.rcpt = sent;
	c->dlg.rcpt_code = codes;
	c->dlg.nrcpt = ns;
	c->errbuf[0] = '\0';
	c->data = data;
	c->len = len;
	c->pos = 0;
	curl_easy_setopt(c->curl, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c->curl, CURLOPT_MAIL_RCPT, list);
	curl_easy_setopt(c->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);

	cc = trust_perform(c->curl, c->ca_file, &c->trust, c->where,
	    rewind_transfer, c);
	if (stale(c, cc)) {
		log_info("%s: the connection kept from the last mail was "
		    "closed under us (%s): once more on a new one", c->where,
		    c->errbuf[0] ? c->errbuf : curl_easy_strerror(cc));
		rewind_transfer(c);
		cc = trust_perform(c->curl, c->ca_file, &c->trust, c->where,
		    rewind_transfer, c);
	}
	c->login_refused = cc == CURLE_LOGIN_DENIED;

	curl_easy_setopt(c->curl, CURLOPT_MAIL_RCPT, NULL);
	curl_easy_setopt(c->curl, CURLOPT_MAIL_FROM, NULL);
	curl_slist_free_all(list);
	free(from);
	c->data = NULL;
	c->dlg.rcpt = NULL;
	c->dlg.rcpt_code = NULL;

	if (c->utf8_stopped)
		rc = gc_err_set(err, GC_EINVAL, "%s offers no SMTPUTF8, which "
		    "this mail needs (an address in UTF-8): not sent",
		    c->where);
	else if (cc != CURLE_OK)
		rc = transfer_error(c, cc, err);
	/* Nothing reached RCPT: the server, not the recipients. */
	before_rcpt = c->dlg.rcpt_sent == 0;
	for (size_t k = 0; k < ns; k++)
		taken += codes[k] >= 200 && codes[k] < 300;
	for (size_t k = 0; k < ns; k++) {
		struct smtp_rcpt *x = sent[k];

		snprintf(reply, sizeof(reply), "%s", x->error);
		if (before_rcpt) {
			rcpt_set(x, rc == GC_EINVAL ? SMTP_REFUSED :
			    SMTP_TEMPFAIL, "%s", err->msg);
		} else if (codes[k] >= 500) {
			rcpt_set(x, SMTP_REFUSED, "%s: RCPT refused: %s",
			    c->where, reply);
		} else if (codes[k] == 452 && taken > 0 && cc == CURLE_OK) {
			/* RFC 5321 4.5.3.1.10: too many recipients for one
			 * transaction; the next one takes them */
			rcpt_set(x, SMTP_AGAIN, "%s: RCPT: %s", c->where,
			    reply);
		} else if (codes[k] >= 400) {
			rcpt_set(x, SMTP_TEMPFAIL, "%s: RCPT: %s", c->where,
			    reply);
		} else if (codes[k] < 200 || codes[k] >= 300) {
			rcpt_set(x, SMTP_TEMPFAIL, "%s: no answer to RCPT: %s",
			    c->where, cc != CURLE_OK ? err->msg :
			    "(none recorded)");
		} else if (cc == CURLE_OK) {
			rcpt_set(x, SMTP_SENT, "%s", "");
		} else {
			/* taken at RCPT, then the message failed */
			rcpt_set(x, rc == GC_EINVAL ? SMTP_REFUSED :
			    SMTP_TEMPFAIL, "%s", err->msg);
		}
	}
	free(sent);
	free(codes);
	if (before_rcpt && rc == GC_EINVAL)
		return 0;       /* MAIL FROM refused: each recipient knows */
	if (!before_rcpt)
		return 0;
	return rc;
}

int
smtp_send(struct smtp_client *c, const char *mail_from,
    const char *const *rcpts, size_t nrcpts, const char *data, size_t len,
    struct gc_err *err)
{
	struct smtp_rcpt *r;
	int rc;

	if (mail_from == NULL)
		mail_from = "";
	if (*mail_from != '\0' && compose_addr_check(mail_from, err) != 0) {
		gc_err_prefix(err, "MAIL FROM");
		return GC_EINVAL;
	}
	if (nrcpts == 0)
		return gc_err_set(err, GC_EINVAL, "no recipient");
	for (size_t i = 0; i < nrcpts; i++) {
		if (compose_addr_check(rcpts[i], err) != 0) {
			gc_err_prefix(err, "RCPT TO");
			return GC_EINVAL;
		}
	}
	r = xcalloc(nrcpts, sizeof(*r));
	for (size_t i = 0; i < nrcpts; i++)
		r[i].addr = rcpts[i];
	rc = smtp_send_rcpts(c, mail_from, r, nrcpts, data, len, err);
	for (size_t i = 0; rc == 0 && i < nrcpts; i++) {
		if (r[i].outcome != SMTP_SENT)
			rc = gc_err_set(err, r[i].outcome == SMTP_REFUSED ?
			    GC_EINVAL : GC_ETEMP, "%s", r[i].error);
	}
	free(r);
	return rc;
}

int
smtp_set_bearer(struct smtp_client *c, const char *token, struct gc_err *err)
{
	if (curl_easy_setopt(c->curl, CURLOPT_XOAUTH2_BEARER, token) !=
	    CURLE_OK)
		return gc_err_set(err, GC_ECONFIG, "libcurl cannot take an "
		    "OAuth2 bearer token");
	return 0;
}

bool
smtp_login_refused(const struct smtp_client *c)
{
	return c != NULL && c->login_refused;
}

void
smtp_close(struct smtp_client **cp)
{
	struct smtp_client *c = *cp;

	if (c == NULL)
		return;
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	if (c->password != NULL) {
		explicit_bzero(c->password, strlen(c->password));
		free(c->password);
	}
	free(c->user);
	free(c->ca_file);
	free(c->url);
	free(c->where);
	free(c);
	*cp = NULL;
}
