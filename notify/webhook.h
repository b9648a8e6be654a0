/*
 * webhook.h - post an event to a webhook receiver, with libcurl
 *
 * One POST, one fate: no connection is kept (a desk posts a few events
 * an hour to each receiver). Error messages name the receiver by scheme,
 * host and port only, never the URL's path or query: a webhook URL
 * often carries a secret. TLS is verified as an SMTP server's is
 * (notify/trust.h).
 */
#ifndef GC_NOTIFY_WEBHOOK_H
#define GC_NOTIFY_WEBHOOK_H

#include <stddef.h>
#include <time.h>

#include "common/err.h"

#define WEBHOOK_DEFAULT_TIMEOUT 30  /* seconds, when timeout_sec <= 0 */

/*
 * Who a webhook is from, for its receiver: the outbox row's id (the
 * same at every retry: a receiver that got it twice, its 2xx lost,
 * knows) and, with secret, a signature of the body and the time:
 *   X-Guichet-Delivery: ID
 *   X-Guichet-Timestamp: UNIX-SECONDS
 *   X-Guichet-Signature: sha256=HEX(HMAC-SHA256(secret, "TS." BODY))
 * A receiver recomputes it, compares in constant time and refuses an
 * old timestamp (a replay).
 */
struct webhook_sign {
	long long delivery;        /* 0: no X-Guichet-Delivery */
	const char *secret;        /* NULL: not signed */
	time_t at;                 /* the timestamp signed */
};

/*
 * POST json (Content-Type: application/json) to url (http:// or
 * https://; redirects are not followed), with sign's headers (sign may
 * be NULL). 0 on a 2xx answer; GC_ETEMP for a 5xx, 408 or 429 answer, a
 * connection or TLS failure or a timeout; GC_EINVAL for any other answer
 * (the error holds the status and the start of the body; for a redirect,
 * which is not followed, the scheme, host and port it points to) or a
 * bad URL.
 * *retry_after_r (unless NULL): -1, or, when the receiver limits us (429,
 * or 503 with Retry-After), the seconds its Retry-After asks for (either
 * form of the header), 0 when a 429 says nothing of when.
 */
int webhook_post(const char *url, const char *json, size_t len,
    const struct webhook_sign *sign, const char *ca_file, int timeout_sec,
    long long *retry_after_r, struct gc_err *err);

/*
 * Whether url's receiver can be reached as a POST would reach it (name,
 * connection, TLS verified with ca_file and the trust of a POST),
 * without posting: one HEAD request. 0 and *status_r, the HTTP status it
 * answered (any but a redirect: a receiver may refuse a HEAD, which
 * still shows it there); GC_ETEMP for what a POST would fail on too (no
 * answer, the name, the connection, TLS, a timeout); GC_EINVAL for a bad
 * URL, or a redirect (3xx), which a POST does not follow. where
 * (wlen bytes) gets "scheme://host:port", what may be shown of the URL
 * (its path or query may hold a secret), "" for a bad URL.
 */
int webhook_probe(const char *url, const char *ca_file, int timeout_sec,
    long *status_r, char *where, size_t wlen, struct gc_err *err);

#endif
