/*
 * smtp.h - deliver mail over SMTP and post webhooks, with libcurl
 *
 * struct smtp_client keeps one CURL easy handle for its whole life, so
 * that consecutive smtp_send() calls go over one connection (curl keeps
 * it open and sends the next MAIL FROM on it; it reconnects by itself
 * when the server has dropped it). One client belongs to one thread at
 * a time.
 *
 * TLS: "smtps://host:port" is TLS from the first byte; "smtp://" uses
 * STARTTLS when the server offers it, and require_tls makes a server
 * that does not offer it an error. The certificate and the host name are
 * always verified (CURLOPT_SSL_VERIFYPEER/VERIFYHOST); ca_file adds a CA
 * to trust (CURLOPT_CAINFO). There is no switch to turn verification off.
 *
 * Errors: 0 when the server took the message; GC_EINVAL when it refused
 * it for good (a 5xx reply to MAIL FROM, RCPT TO or DATA: the error
 * holds the server's reply text), or when the arguments are bad;
 * GC_ETEMP for everything worth retrying: connection refused, timeouts,
 * TLS failures, a refused login (a configuration problem that ops fix,
 * after which the same message goes through), 4xx replies. One refused
 * recipient fails the whole message (curl's default). Error messages
 * name the server by scheme, host and port only: never the password,
 * never a URL's path or query (a webhook URL often carries a secret).
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

#include "common/err.h"

#define SMTP_DEFAULT_TIMEOUT 30     /* seconds, when timeout_sec <= 0 */

struct smtp_params {
	const char *url;        /* smtp://host:port or smtps://host:port */
	const char *user;       /* NULL: no AUTH */
	const char *password;
	const char *ca_file;    /* NULL: the system's CAs only */
	int timeout_sec;        /* connect, and each wait for the server */
	bool require_tls;       /* smtp://: fail unless STARTTLS works */
	const char *helo_name;  /* EHLO argument; NULL: curl's default */
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
 * the nrcpts addresses. */
int smtp_send(struct smtp_client *c, const char *mail_from,
    const char *const *rcpts, size_t nrcpts, const char *data, size_t len,
    struct gc_err *err);

/* Say QUIT, close the connection, free; *c becomes NULL. */
void smtp_close(struct smtp_client **c);

/*
 * POST json (Content-Type: application/json) to url (http:// or
 * https://; redirects are not followed). 0 on a 2xx answer; GC_ETEMP
 * for a 5xx, 408 or 429 answer, a connection or TLS failure or a
 * timeout; GC_EINVAL for any other answer (the error holds the status
 * and the start of the body) or a bad URL.
 */
int webhook_post(const char *url, const char *json, size_t len,
    const char *ca_file, int timeout_sec, struct gc_err *err);

#endif
