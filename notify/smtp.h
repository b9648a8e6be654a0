/*
 * smtp.h - deliver mail over SMTP, with libcurl
 *
 * struct smtp_client keeps one CURL easy handle for its whole life, so
 * that consecutive smtp_send() calls go over one connection (curl keeps
 * it open and sends the next MAIL FROM on it; it reconnects by itself
 * when the server has dropped it). One client belongs to one thread at
 * a time.
 *
 * TLS: "smtps://host:port" is TLS from the first byte; "smtp://" uses
 * STARTTLS, and a server that does not offer it is an error, unless it
 * is on this machine's loopback (host_is_loopback(): the mail goes in
 * clear there, where nobody else can read it) and neither require_tls
 * nor a user is set. The certificate and the host name are
 * always verified (CURLOPT_SSL_VERIFYPEER/VERIFYHOST); ca_file adds a CA
 * to trust (CURLOPT_CAINFO). There is no switch to turn verification off.
 *
 * Errors: 0 when the server took the message; GC_EINVAL when it refused
 * it for good (a 5xx reply to MAIL FROM, RCPT TO or DATA: the error
 * holds the server's reply text), or when the arguments are bad;
 * GC_ETEMP for everything worth retrying: connection refused, timeouts,
 * TLS failures, a refused login (a configuration problem that ops fix,
 * after which the same message goes through), 4xx replies. Error
 * messages name the server by scheme, host and port only: never the
 * password, never a URL's path or query.
 *
 * Recipients: smtp_send_rcpts() gives each recipient its own outcome.
 * A refused recipient does not stop the transaction for the others
 * (CURLOPT_MAIL_RCPT_ALLOWFAILS); which recipient got which answer is
 * read from the dialogue (see smtp.c).
 *
 * Credentials and clear text: when a user is configured, TLS is
 * required (smtps://, or STARTTLS that must succeed), on the loopback
 * too, so that neither AUTH nor the mail travels in clear; no_tls (the
 * config's `tls = none`) is the explicit way out, and then TLS is not
 * used at all.
 *
 * Ownership: smtp_open() copies every string of smtp_params; the
 * password copy is wiped on smtp_close(). smtp_send() borrows its
 * arguments for the duration of the call.
 *
 * Call smtp_global_init() once at start-up, before any thread starts
 * (it is curl_global_init()); clients work without it in a
 * single-threaded program.
 */
#ifndef GC_NOTIFY_SMTP_H
#define GC_NOTIFY_SMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/err.h"

#define SMTP_DEFAULT_TIMEOUT 30     /* seconds, when timeout_sec <= 0 */

struct smtp_params {
	const char *url;        /* smtp://host:port or smtps://host:port */
	const char *user;       /* NULL: no AUTH */
	const char *password;
	const char *ca_file;    /* NULL: the system's CAs only */
	int timeout_sec;        /* connect, and each wait for the server */
	bool require_tls;       /* smtp://: fail unless STARTTLS works */
	bool no_tls;            /* smtp:// in clear, even with a user */
	const char *helo_name;  /* EHLO argument; NULL: curl's default */
	const char *oauth2_mech;    /* "XOAUTH2" or "OAUTHBEARER": AUTH with
	                             * the token of smtp_set_bearer() instead
	                             * of the password; NULL: password */
};

struct smtp_client;

int smtp_global_init(struct gc_err *err);

/* Check the parameters and set the handle up; does not connect (the
 * first smtp_send() does). GC_ECONFIG for a bad URL (other scheme,
 * credentials inside it) or helo_name. */
int smtp_open(struct smtp_client **out, const struct smtp_params *p,
    struct gc_err *err);

/* Send data (a complete RFC 5322 message with CRLF line endings, e.g.
 * from compose_message()) from mail_from ("" for the null sender <>) to
 * the nrcpts addresses. 0 only when every recipient took it; an error
 * may come after the server took it for some of them (use
 * smtp_send_rcpts() to know which). */
int smtp_send(struct smtp_client *c, const char *mail_from,
    const char *const *rcpts, size_t nrcpts, const char *data, size_t len,
    struct gc_err *err);

#define SMTP_ERROR_MAX GC_ERRMSG_SIZE   /* a recipient's error text */

enum smtp_outcome {
	SMTP_SENT,              /* the server took it for this recipient */
	SMTP_TEMPFAIL,          /* try again later (4xx, connection...) */
	SMTP_REFUSED,           /* refused for good (5xx, bad address) */
	SMTP_AGAIN,             /* not this time: the server took others
	                           and then no more (452, its limit of
	                           recipients per transaction): send again
	                           at once, it is no failure */
};

struct smtp_rcpt {
	const char *addr;               /* in: borrowed for the call */
	enum smtp_outcome outcome;      /* out */
	char error[SMTP_ERROR_MAX];     /* out: why, unless SMTP_SENT */
};

/*
 * Send data to each of r[0..n) in one SMTP transaction and give each
 * recipient its outcome: a recipient refused at RCPT TO (4xx or 5xx)
 * does not stop the others; a refusal of the message itself (MAIL FROM,
 * DATA) is the outcome of every recipient it concerns; an address that
 * is not one (CR/LF, no @...) is SMTP_REFUSED without being sent.
 * Returns 0 when the outcomes are the server's answers (maybe all
 * refusals); GC_ETEMP when the server could not be talked to (connect,
 * TLS, greeting, login, a 4xx to MAIL FROM): every recipient is then
 * SMTP_TEMPFAIL and err says why; GC_EINVAL for a bad mail_from (every
 * recipient SMTP_REFUSED).
 *
 * The one window for a double delivery is the server's final answer to
 * DATA: when the connection breaks after the server queued the message
 * and before its reply arrived, the recipients are SMTP_TEMPFAIL.
 */
int smtp_send_rcpts(struct smtp_client *c, const char *mail_from,
    struct smtp_rcpt *r, size_t n, const char *data, size_t len,
    struct gc_err *err);

/* The OAuth2 access token for the next logins (oauth2_mech set); curl
 * keeps a copy. A connection already logged in stays so. */
int smtp_set_bearer(struct smtp_client *c, const char *token,
    struct gc_err *err);

/* Whether the server refused the login in the last smtp_send_rcpts()
 * (the token of auth = oauth2 is then to be refreshed; nothing was
 * sent). */
bool smtp_login_refused(const struct smtp_client *c);

/* Say QUIT, close the connection, free; *c becomes NULL. */
/* Connect, say EHLO, STARTTLS (with the certificate checks of a send),
 * AUTH, then NOOP: whether a mail could be sent, without sending one
 * (`guichet check-config --connect`). Errors as smtp_send()'s. */
int smtp_probe(struct smtp_client *c, struct gc_err *err);

void smtp_close(struct smtp_client **c);

#endif
