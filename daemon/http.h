/*
 * http.h - GET /metrics and GET /healthz over HTTP ([http] listen)
 *
 * libmicrohttpd serves the requests in a thread of its own (epoll): the
 * daemon's main loop never waits for a client. The thread reads struct
 * metrics only (metrics.h) and never touches the database: a scrape asks
 * the main loop for fresh database figures (metrics_want_refresh() and a
 * byte on wake_fd) and answers at once with the figures it has.
 *
 *   /metrics   200, the Prometheus text format
 *   /healthz   200 "ok", or 503 with the reasons, one a line
 *   /rate/TOKEN  the rating links of resolution mails, when opts.rate
 *              is set (rate_page.h): GET shows, POST stores (its form,
 *              the customer's comment, at most RATE_BODY_MAX bytes)
 *   /unsubscribe/TOKEN  status mails' one-click link, when opts.unsub is
 *              set (unsub_page.h): GET shows, POST unsubscribes
 *   anything else 404; a method other than GET or HEAD 405
 *
 * Limits against careless or hostile clients: at most HTTP_MAX_CONNS
 * connections at once (more are closed at once), a request's URL and
 * headers in HTTP_MEMORY bytes (past it: 414 or 431), a connection idle
 * for HTTP_TIMEOUT seconds is closed.
 *
 * Ownership: struct http borrows the metrics; stop it (http_stop) before
 * freeing them.
 */
#ifndef GC_HTTP_H
#define GC_HTTP_H

#include <time.h>

#include "common/err.h"
#include "daemon/follow_page.h"
#include "daemon/metrics.h"
#include "daemon/rate_page.h"
#include "daemon/unsub_page.h"

#define HTTP_MAX_CONNS 64
#define HTTP_MEMORY (16 * 1024)
#define HTTP_TIMEOUT 10

struct http;

struct http_opts {
	const char *host;          /* numeric address */
	int port;
	struct metrics *metrics;
	struct metrics_thresholds thresholds;
	int wake_fd;               /* written to ask for a refresh, or -1 */
	time_t (*now)(void *arg);  /* the clock of /healthz */
	void *now_arg;
	struct rate_page *rate;    /* GET/POST /rate/TOKEN, or NULL */
	struct unsub_page *unsub;  /* GET/POST /unsubscribe/TOKEN, or NULL */
	struct follow_page *follow; /* GET /ticket/TOKEN, or NULL */
};

/* Bind and start serving. A port in use or an address not ours is a
 * GC_EIO with the reason ("127.0.0.1:9187: Address already in use"). */
int http_start(struct http **out, const struct http_opts *o,
    struct gc_err *err);
void http_stop(struct http **h);

#endif
