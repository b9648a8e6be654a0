/*
 * http.c - /metrics and /healthz with libmicrohttpd (see http.h)
 *
 * The listening socket is made here (so that a port in use is told in
 * plain words before anything starts) and handed to libmicrohttpd, which
 * runs its own thread; the answer of each request is made whole in the
 * request's first callback.
 */
#include "daemon/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/listen.h"
#include "common/mem.h"
#include "daemon/mhd_dyn.h"
#include "daemon/procself.h"

struct http {
	struct MHD_Daemon *mhd;
	struct http_opts o;
	char *host;
};

static enum MHD_Result
answer(struct MHD_Connection *c, unsigned int code, char *body,
    const char *type)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(body), body,
	    MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (strncmp(type, "text/html", 9) == 0) {
		/* our pages: their own style and forms, nothing else; the
		 * token in the address is given to nobody */
		MHD_add_response_header(r, "Content-Security-Policy",
		    "default-src 'none'; style-src 'unsafe-inline'; "
		    "form-action 'self'; frame-ancestors 'none'");
		MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
		MHD_add_response_header(r, "X-Content-Type-Options",
		    "nosniff");
	}
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

/* A rating's POST body (its form: the comment), kept until the answer;
 * every other request's body is dropped. */
struct body {
	struct buf b;
	bool over;              /* past RATE_BODY_MAX: refused */
};

static char no_body;            /* a request whose body is dropped */

static void
on_completed(void *cls, struct MHD_Connection *c, void **req,
    enum MHD_RequestTerminationCode why)
{
	struct body *body = *req;

	(void)cls;
	(void)c;
	(void)why;
	if (body != NULL && body != (void *)&no_body) {
		buf_free(&body->b);
		free(body);
	}
	*req = NULL;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_size, void **req)
{
	struct http *h = cls;
	time_t now;

	(void)version;
	/* the first call has the headers; answer only on the last, once
	 * any body has been read */
	if (*req == NULL) {
		if (h->o.rate != NULL && strncmp(url, "/rate/", 6) == 0 &&
		    strcmp(method, "POST") == 0) {
			struct body *body = xcalloc(1, sizeof(*body));

			buf_init(&body->b, RATE_BODY_MAX);
			*req = body;
		} else {
			*req = (void *)&no_body;   /* no body kept */
		}
		return MHD_YES;
	}
	if (*upload_size != 0) {
		struct body *body = *req;

		if (body != (void *)&no_body && !body->over &&
		    buf_add(&body->b, upload_data, *upload_size) != 0)
			body->over = true;
		*upload_size = 0;
		return MHD_YES;
	}
	if ((h->o.rate != NULL && strncmp(url, "/rate/", 6) == 0) ||
	    (h->o.unsub != NULL && strncmp(url, "/unsubscribe/", 13) == 0)) {
		bool post = strcmp(method, "POST") == 0;
		struct body *body = *req != (void *)&no_body ? *req :
		    NULL;
		char *page = NULL;
		unsigned code;

		if (!post && strcmp(method, "GET") != 0)
			return answer(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			    xstrdup("only GET and POST\n"), "text/plain");
		if (url[1] == 'r')
			code = rate_page_answer(h->o.rate, url + 6, post,
			    body ? buf_str(&body->b) : "",
			    body != NULL && body->over, &page);
		else
			code = unsub_page_answer(h->o.unsub, url + 13, post,
			    &page);
		return answer(c, code, page, "text/html; charset=utf-8");
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return answer(c, MHD_HTTP_METHOD_NOT_ALLOWED,
		    xstrdup("only GET and HEAD\n"), "text/plain");
	if (h->o.follow != NULL && strncmp(url, "/ticket/", 8) == 0) {
		char *page = NULL;
		unsigned code = follow_page_answer(h->o.follow, url + 8,
		    &page);

		return answer(c, code, page, "text/html; charset=utf-8");
	}
	now = h->o.now(h->o.now_arg);
	if (strcmp(url, "/metrics") == 0) {
		struct metrics_process proc;

		(void)procself_read(&proc);   /* unknown: not shown */
		metrics_set_process(h->o.metrics, &proc);
		metrics_want_refresh(h->o.metrics);
		if (h->o.wake_fd >= 0)
			(void)!write(h->o.wake_fd, "m", 1);
		return answer(c, MHD_HTTP_OK, metrics_format(h->o.metrics, now),
		    "text/plain; version=0.0.4; charset=utf-8");
	}
	if (strcmp(url, "/healthz") == 0) {
		char why[2048];

		/* the outbox's age is read by the main loop: ask for it */
		metrics_want_refresh(h->o.metrics);
		if (h->o.wake_fd >= 0)
			(void)!write(h->o.wake_fd, "h", 1);

		if (metrics_health(h->o.metrics, now, &h->o.thresholds, why,
		    sizeof(why)) == 0)
			return answer(c, MHD_HTTP_OK, xstrdup("ok\n"),
			    "text/plain; charset=utf-8");
		return answer(c, MHD_HTTP_SERVICE_UNAVAILABLE, xstrdup(why),
		    "text/plain; charset=utf-8");
	}
	return answer(c, MHD_HTTP_NOT_FOUND,
	    xstrdup("not found: /metrics or /healthz\n"), "text/plain");
}

int
http_start(struct http **out, const struct http_opts *o, struct gc_err *err)
{
	struct http *h;
	int fd;

	*out = NULL;
	if (mhd_dyn_load(err) != 0)
		return err->code;
	if ((fd = listen_tcp("http", o->host, o->port, err)) < 0)
		return fd;
	h = xcalloc(1, sizeof(*h));
	h->o = *o;
	h->host = xstrdup(o->host);
	h->o.host = h->host;
	h->mhd = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC,
	    0, NULL, NULL, on_request, h,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_MAX_CONNS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_TIMEOUT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEMORY,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_END);
	if (h->mhd == NULL) {
		close(fd);
		free(h->host);
		free(h);
		return gc_err_set(err, GC_EIO, "http: libmicrohttpd could not "
		    "start on %s:%d", o->host, o->port);
	}
	*out = h;
	return 0;
}

void
http_stop(struct http **hp)
{
	struct http *h = *hp;

	if (h == NULL)
		return;
	MHD_stop_daemon(h->mhd);   /* closes the listening socket too */
	free(h->host);
	free(h);
	*hp = NULL;
}
