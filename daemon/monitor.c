/*
 * monitor.c - the serve loop's events into /metrics (see monitor.h)
 */
#include "daemon/monitor.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "daemon/follow_page.h"
#include "daemon/http.h"
#include "daemon/jobs.h"
#include "daemon/lmtp.h"
#include "daemon/metrics.h"
#include "daemon/oauth2.h"
#include "daemon/rate_page.h"
#include "daemon/unsub_page.h"
#include "desk/status.h"
#include "sla/calendar.h"
#include "sla/policy.h"
#include "sla/tz.h"
#include "sql/metrics_db.h"

struct monitor {
	struct app *app;
	struct metrics *metrics;
	struct http *http;
	struct rate_page *rate;  /* the rating links' pages, with http */
	struct follow_page *follow;   /* the customers' ticket pages */
	struct unsub_page *unsub;   /* status mails' one-click link */
	int wake_fd;
	/* the [http] section the server runs with */
	char *listen;
	struct metrics_thresholds thr;
	char *pages;             /* what its pages copied (pages_of()) */
	/* acknowledgements waiting since the start of a pass */
	unsigned long acks_waiting;
	double ack_since;
	double refreshed_at;     /* monotonic; 0: never */
	double refresh_every;    /* seconds, MONITOR_REFRESH or more */
	bool refresh_due;        /* a scrape asked, too soon after the last */
};

/* The seconds of clock id. */
static double
seconds_of(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
monitor_cpu(void)
{
	return seconds_of(CLOCK_THREAD_CPUTIME_ID);
}

static time_t
clock_of_app(void *arg)
{
	return app_now(arg);
}

static void
set_mailboxes(struct monitor *m)
{
	const struct conf *c = m->app->conf;
	const char **names = xcalloc(c->nmailboxes + 1, sizeof(*names));

	for (size_t i = 0; i < c->nmailboxes; i++)
		names[i] = c->mailboxes[i].name;
	metrics_set_mailboxes(m->metrics, names, c->nmailboxes,
	    app_now(m->app));
	free(names);
}

/* The zone of the support's business calendar, for the times of the
 * customers' pages; NULL (UTC) without a policy. */
static const char *
support_zone(struct monitor *m)
{
	const struct calendar *cal = sla_policy_support_calendar(
	    app_policy(m->app));

	return cal ? tz_name(calendar_tz(cal)) : NULL;
}

/* What the customers' pages copy from the config and the policy when
 * they are made, as one string: a reload that changes it makes them
 * again (the database they write ratings to, the key of their links,
 * the names and the zone they show). */
static char *
pages_of(struct monitor *m)
{
	const struct conf *c = m->app->conf;
	const char *v[] = {
		c->http.public_url, status_on(c) ? "status" : "",
		c->database.conninfo, c->database.password,
		c->general.hmac_key, c->general.support_name,
		c->status.title, c->status.language,
		c->http.public_url ? support_zone(m) : NULL,
	};
	struct buf b = BUF_INIT(SIZE_MAX / 2);

	/* each value with its length: no two configs give one string */
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (buf_printf(&b, "%zu:%s;", v[i] ? strlen(v[i]) :
		    (size_t)-1, v[i] ? v[i] : "") != 0)
			fatal("pages_of: out of memory");
	return buf_detach(&b, NULL);
}

static int
start_http(struct monitor *m, struct gc_err *err)
{
	const struct conf_http *h = &m->app->conf->http;
	struct http_opts o = {
		.host = h->host, .port = h->port, .metrics = m->metrics,
		/* a pass comes every JOBS_EVERY at the latest: late by
		 * poll_stale_after past that, the scheduler is stuck */
		.thresholds = { h->poll_stale_after, h->outbox_stuck_after,
		    h->poll_stale_after + JOBS_EVERY },
		.wake_fd = m->wake_fd, .now = clock_of_app, .now_arg = m->app,
	};
	int rc;

	free(m->listen);
	m->listen = NULL;
	if (h->listen == NULL)
		return 0;
	if (h->public_url != NULL) {
		rate_page_new(&m->rate, m->app->conf, clock_of_app, m->app);
		o.rate = m->rate;
		follow_page_new(&m->follow, m->app->conf, support_zone(m),
		    clock_of_app, m->app);
		o.follow = m->follow;
	}
	if (h->public_url != NULL && status_on(m->app->conf)) {
		unsub_page_new(&m->unsub, m->app->conf, clock_of_app, m->app);
		o.unsub = m->unsub;
	}
	if ((rc = http_start(&m->http, &o, err)) != 0) {
		rate_page_free(&m->rate);
		follow_page_free(&m->follow);
		unsub_page_free(&m->unsub);
		return rc;
	}
	m->listen = xstrdup(h->listen);
	m->thr = o.thresholds;
	free(m->pages);
	m->pages = pages_of(m);
	log_info("http: /metrics and /healthz on %s", h->listen);
	return 0;
}

int
monitor_new(struct monitor **out, struct app *app, int wake_fd,
    struct gc_err *err)
{
	struct monitor *m = xcalloc(1, sizeof(*m));
	int rc;

	m->app = app;
	m->wake_fd = wake_fd;
	metrics_new(&m->metrics, app_now(app));
	set_mailboxes(m);
	if ((rc = start_http(m, err)) != 0) {
		monitor_free(&m);
		return rc;
	}
	*out = m;
	return 0;
}

void
monitor_reload(struct monitor *m)
{
	const struct conf_http *h;
	struct gc_err err = { 0 };
	char *pages;
	bool same;

	if (m == NULL)
		return;
	h = &m->app->conf->http;
	set_mailboxes(m);
	pages = pages_of(m);
	same = (h->listen == NULL && m->listen == NULL) ||
	    (h->listen != NULL && m->listen != NULL &&
	    strcmp(h->listen, m->listen) == 0 &&
	    h->poll_stale_after == m->thr.poll_stale_after &&
	    h->outbox_stuck_after == m->thr.outbox_stuck_after &&
	    m->pages != NULL && strcmp(pages, m->pages) == 0);
	free(pages);
	if (same)
		return;
	log_info("http: the listener and its pages follow the new "
	    "configuration");
	http_stop(&m->http);
	rate_page_free(&m->rate);
	follow_page_free(&m->follow);
	unsub_page_free(&m->unsub);
	if (start_http(m, &err) != 0)
		log_error("%s; /metrics and /healthz are off until the next "
		    "reload", err.msg);
}

void
monitor_free(struct monitor **mp)
{
	struct monitor *m = *mp;

	if (m == NULL)
		return;
	http_stop(&m->http);   /* before the metrics it reads */
	rate_page_free(&m->rate);
	follow_page_free(&m->follow);
	unsub_page_free(&m->unsub);
	metrics_free(&m->metrics);
	free(m->listen);
	free(m->pages);
	free(m);
	*mp = NULL;
}

/* The counts of st by metrics outcome (METRICS_TICKET...). */
static void
outcomes(const struct poll_stats *st, unsigned long long *o)
{
	o[METRICS_TICKET] = (unsigned long long)st->new_tickets;
	o[METRICS_FOLLOWUP] = (unsigned long long)st->followups;
	o[METRICS_DUPLICATE] = (unsigned long long)st->duplicates;
	o[METRICS_QUARANTINE] = (unsigned long long)st->quarantined;
	o[METRICS_LOOP] = (unsigned long long)st->loops;
	o[METRICS_BOUNCE] = (unsigned long long)st->bounces;
	o[METRICS_HELD] = (unsigned long long)st->held;
}

/* The mails of st taken since started: their intake latency, and the new
 * tickets whose acknowledgement is now awaited. */
static void
taken(struct monitor *m, const struct poll_stats *st, double started)
{
	unsigned long n = (unsigned long)(st->new_tickets + st->followups +
	    st->duplicates + st->quarantined + st->loops + st->bounces +
	    st->held);

	if (n == 0)
		return;
	metrics_observe_intake(m->metrics, mono_seconds() - started, n);
	if (st->new_tickets > 0) {
		if (m->acks_waiting == 0)
			m->ack_since = started;
		m->acks_waiting += (unsigned long)st->new_tickets;
	}
}

void
monitor_pass(struct monitor *m, const char *mailbox,
    const struct poll_stats *st, int rc, double started, time_t now)
{
	unsigned long long o[METRICS_NOUTCOMES] = { 0 };

	if (m == NULL)
		return;
	outcomes(st, o);
	metrics_mailbox_pass(m->metrics, mailbox, o, rc == 0, st->standby,
	    now);
	taken(m, st, started);
}

void
monitor_mail(struct monitor *m, const char *mailbox,
    const struct intake_result *res, double started)
{
	unsigned long long o[METRICS_NOUTCOMES] = { 0 };
	struct poll_stats st = { 0 };

	if (m == NULL)
		return;
	poll_stats_count(&st, res);
	outcomes(&st, o);
	metrics_mailbox_mail(m->metrics, mailbox, o);
	taken(m, &st, started);
}

void
monitor_lmtp(struct monitor *m, const struct lmtp *l)
{
	struct metrics_lmtp f;

	if (m == NULL)
		return;
	lmtp_figures(l, &f);
	metrics_lmtp(m->metrics, &f);
}

void
monitor_flush(struct monitor *m, const struct outbox_stats *st, int rc,
    int batch)
{
	unsigned long n;

	if (m == NULL || rc != 0)
		return;
	metrics_send_failures(m->metrics, st->retried, st->refused, st->dead);
	if (m->acks_waiting == 0)
		return;
	/* a flush that went through everything due leaves no
	 * acknowledgement waiting; otherwise count what was sent */
	if (st->retried == 0 && st->sent + st->dead < batch)
		n = m->acks_waiting;
	else if ((n = (unsigned long)st->sent) > m->acks_waiting)
		n = m->acks_waiting;
	if (n == 0)
		return;
	metrics_observe_ack(m->metrics, mono_seconds() - m->ack_since, n);
	m->acks_waiting -= n;
}

void
monitor_tick(struct monitor *m, const struct sched_stats *st,
    double seconds, double cpu_seconds)
{
	if (m == NULL)
		return;
	metrics_observe_pass(m->metrics, seconds, cpu_seconds,
	    app_now(m->app));
	if (st != NULL)
		metrics_sla(m->metrics, st->warnings, st->breaches,
		    st->closed, st->summaries, st->ratings_told);
}

void
monitor_oauth2(struct monitor *m, const struct oauth2 *o)
{
	struct oauth2_status st;

	if (m == NULL || o == NULL)
		return;
	oauth2_status(o, &st);
	metrics_oauth2(m->metrics, &(struct metrics_oauth2){ .name = st.name,
	    .refused = st.refused, .refreshes = st.refreshes,
	    .failures = st.failures, .rotations = st.rotations });
}

void
monitor_db_up(struct monitor *m)
{
	if (m != NULL)
		metrics_db_up(m->metrics, true);
}

void
monitor_turn(struct monitor *m, struct db *db, time_t now, time_t *next)
{
	struct metrics_db_tickets *rows;
	struct gc_err err = { 0 };
	long long pending;
	time_t oldest;
	double mono;
	size_t n;

	if (m == NULL)
		return;
	metrics_db_up(m->metrics, db_ok(db));
	if (!db_ok(db))
		return;
	metrics_db_durable(m->metrics, db_durability_gap(db) == NULL);
	metrics_db_round_trips(m->metrics, db_round_trips(db));
	if (metrics_refresh_wanted(m->metrics))
		m->refresh_due = true;
	if (!m->refresh_due || m->http == NULL)
		return;
	mono = mono_seconds();
	if (m->refreshed_at != 0 && mono < m->refreshed_at +
	    m->refresh_every) {
		time_t due = now + 1 + (time_t)(m->refreshed_at +
		    m->refresh_every - mono);

		if (next != NULL && due < *next)
			*next = due;
		return;
	}
	rows = xcalloc(METRICS_MAX_TICKET_ROWS, sizeof(*rows));
	if (metrics_db_tickets(db, rows, METRICS_MAX_TICKET_ROWS, &n,
	    &err) == 0 &&
	    metrics_db_outbox(db, &pending, &oldest, &err) == 0) {
		metrics_set_db_figures(m->metrics, rows, n, pending, oldest,
		    now);
		m->refresh_due = false;
		m->refreshed_at = mono;
	} else {
		log_warn("metrics: %s", err.msg);
		m->refreshed_at = mono;   /* try again later, not at once */
	}
	free(rows);
	m->refresh_every = (mono_seconds() - mono) * MONITOR_SHARE;
	if (m->refresh_every < MONITOR_REFRESH)
		m->refresh_every = MONITOR_REFRESH;
	metrics_db_round_trips(m->metrics, db_round_trips(db));
}
