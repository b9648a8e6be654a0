/*
 * metrics.c - the figures of /metrics and the verdict of /healthz (see
 * metrics.h)
 *
 * Everything sits behind one mutex: the main loop holds it for an
 * increment, the HTTP thread for the time of formatting (a few
 * kilobytes). Label values (mailbox and queue names, which come from the
 * config and the database) are escaped as the text format wants:
 * backslash, double quote and line feed.
 */
#include "daemon/metrics.h"

#include <pthread.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

#define FORMAT_MAX (4 * 1024 * 1024)   /* bytes of one /metrics answer */

/* Seconds: from under a second (IDLE, a small batch) to minutes. */
static const double bucket_le[METRICS_NBUCKETS] = {
	0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900
};

struct hist {
	unsigned long long bucket[METRICS_NBUCKETS];   /* not cumulative */
	unsigned long long count;
	double sum;
};

struct mailbox_fig {
	char *name;
	unsigned long long outcome[METRICS_NOUTCOMES];
	unsigned long long passes_failed;
	time_t last_ok;          /* 0: never */
	time_t since;            /* when it joined the config */
	bool standby;            /* another daemon polls it */
	bool configured;
};

struct oauth2_fig {
	char *name;
	bool refused;
	unsigned long long refreshes, failures, rotations;
};

struct metrics {
	pthread_mutex_t lock;
	struct oauth2_fig *oauth2;
	size_t noauth2;
	time_t started;
	struct mailbox_fig *mb;
	size_t nmb;
	unsigned long long send[METRICS_NSEND];
	struct metrics_lmtp lmtp;
	unsigned long long sla_warnings, sla_breaches, auto_closed;
	unsigned long long escalation_summaries, ratings_told;
	unsigned long long round_trips, rt_seen;
	bool db_up;
	int db_durable;          /* -1 until a connection told */
	struct hist intake, ack, pass;
	double pass_cpu;         /* seconds, the passes' thread */
	time_t pass_last;        /* when the last pass was reported, 0 */
	struct metrics_process proc;
	struct metrics_db_tickets tickets[METRICS_MAX_TICKET_ROWS];
	size_t ntickets;
	long long outbox_pending;
	time_t outbox_oldest;
	time_t figures_at;       /* 0: not read yet */
	atomic_bool want_refresh;
};

static const char *const outcome_names[METRICS_NOUTCOMES] = {
	"ticket", "followup", "duplicate", "quarantine", "loop_suppressed",
	"bounce", "held"
};
static const char *const send_names[METRICS_NSEND] = {
	"temporary", "refused", "dead"
};

void
metrics_new(struct metrics **out, time_t started)
{
	struct metrics *m = xcalloc(1, sizeof(*m));

	pthread_mutex_init(&m->lock, NULL);
	m->started = started;
	m->db_durable = -1;
	atomic_init(&m->want_refresh, true);
	*out = m;
}

void
metrics_free(struct metrics **mp)
{
	struct metrics *m = *mp;

	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nmb; i++)
		free(m->mb[i].name);
	free(m->mb);
	for (size_t i = 0; i < m->noauth2; i++)
		free(m->oauth2[i].name);
	free(m->oauth2);
	pthread_mutex_destroy(&m->lock);
	free(m);
	*mp = NULL;
}

static struct mailbox_fig *
find_mailbox(struct metrics *m, const char *name)
{
	for (size_t i = 0; i < m->nmb; i++)
		if (strcmp(m->mb[i].name, name) == 0)
			return &m->mb[i];
	return NULL;
}

void
metrics_set_mailboxes(struct metrics *m, const char *const *names,
    size_t n, time_t now)
{
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->nmb; i++)
		m->mb[i].configured = false;
	for (size_t i = 0; i < n; i++) {
		struct mailbox_fig *f = find_mailbox(m, names[i]);

		if (f == NULL) {
			m->mb = xrealloc(m->mb, (m->nmb + 1) * sizeof(*m->mb));
			f = &m->mb[m->nmb++];
			memset(f, 0, sizeof(*f));
			f->name = xstrdup(names[i]);
		}
		if (!f->configured && f->since == 0)
			f->since = now;
		f->configured = true;
	}
	pthread_mutex_unlock(&m->lock);
}

void
metrics_oauth2(struct metrics *m, const struct metrics_oauth2 *o)
{
	struct oauth2_fig *f = NULL;

	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->noauth2 && f == NULL; i++)
		if (strcmp(m->oauth2[i].name, o->name) == 0)
			f = &m->oauth2[i];
	if (f == NULL) {
		m->oauth2 = xrealloc(m->oauth2,
		    (m->noauth2 + 1) * sizeof(*m->oauth2));
		f = &m->oauth2[m->noauth2++];
		memset(f, 0, sizeof(*f));
		f->name = xstrdup(o->name);
	}
	f->refused = o->refused;
	f->refreshes = o->refreshes;
	f->failures = o->failures;
	f->rotations = o->rotations;
	pthread_mutex_unlock(&m->lock);
}

void
metrics_mailbox_pass(struct metrics *m, const char *mailbox,
    const unsigned long long *outcomes, bool ok, bool standby, time_t now)
{
	struct mailbox_fig *f;

	pthread_mutex_lock(&m->lock);
	if ((f = find_mailbox(m, mailbox)) != NULL) {
		for (int i = 0; i < METRICS_NOUTCOMES; i++)
			f->outcome[i] += outcomes[i];
		f->standby = standby;
		if (ok && !standby)
			f->last_ok = now;
		else if (!ok)
			f->passes_failed++;
	}
	pthread_mutex_unlock(&m->lock);
}

void
metrics_mailbox_mail(struct metrics *m, const char *mailbox,
    const unsigned long long *outcomes)
{
	struct mailbox_fig *f;

	pthread_mutex_lock(&m->lock);
	if ((f = find_mailbox(m, mailbox)) != NULL)
		for (int i = 0; i < METRICS_NOUTCOMES; i++)
			f->outcome[i] += outcomes[i];
	pthread_mutex_unlock(&m->lock);
}

void
metrics_lmtp(struct metrics *m, const struct metrics_lmtp *f)
{
	pthread_mutex_lock(&m->lock);
	m->lmtp = *f;
	pthread_mutex_unlock(&m->lock);
}

void
metrics_send_failures(struct metrics *m, int temporary, int refused,
    int dead)
{
	pthread_mutex_lock(&m->lock);
	m->send[METRICS_SEND_TEMPORARY] += temporary > 0 ? temporary : 0;
	m->send[METRICS_SEND_REFUSED] += refused > 0 ? refused : 0;
	m->send[METRICS_SEND_DEAD] += dead > 0 ? dead : 0;
	pthread_mutex_unlock(&m->lock);
}

void
metrics_sla(struct metrics *m, int warnings, int breaches, int closed,
    int summaries, int ratings_told)
{
	pthread_mutex_lock(&m->lock);
	m->sla_warnings += warnings > 0 ? warnings : 0;
	m->sla_breaches += breaches > 0 ? breaches : 0;
	m->auto_closed += closed > 0 ? closed : 0;
	m->escalation_summaries += summaries > 0 ? summaries : 0;
	m->ratings_told += ratings_told > 0 ? ratings_told : 0;
	pthread_mutex_unlock(&m->lock);
}

void
metrics_db_round_trips(struct metrics *m, unsigned long long now_count)
{
	pthread_mutex_lock(&m->lock);
	if (now_count < m->rt_seen)
		m->rt_seen = 0;   /* a new connection */
	m->round_trips += now_count - m->rt_seen;
	m->rt_seen = now_count;
	pthread_mutex_unlock(&m->lock);
}

void
metrics_db_up(struct metrics *m, bool up)
{
	pthread_mutex_lock(&m->lock);
	m->db_up = up;
	pthread_mutex_unlock(&m->lock);
}

void
metrics_db_durable(struct metrics *m, bool durable)
{
	pthread_mutex_lock(&m->lock);
	m->db_durable = durable;
	pthread_mutex_unlock(&m->lock);
}

static void
observe(struct hist *h, double v, unsigned long n)
{
	int i = 0;

	if (v < 0)
		v = 0;
	while (i < METRICS_NBUCKETS && v > bucket_le[i])
		i++;
	if (i < METRICS_NBUCKETS)
		h->bucket[i] += n;
	h->count += n;
	h->sum += v * (double)n;
}

void
metrics_observe_intake(struct metrics *m, double seconds, unsigned long n)
{
	pthread_mutex_lock(&m->lock);
	observe(&m->intake, seconds, n);
	pthread_mutex_unlock(&m->lock);
}

void
metrics_observe_ack(struct metrics *m, double seconds, unsigned long n)
{
	pthread_mutex_lock(&m->lock);
	observe(&m->ack, seconds, n);
	pthread_mutex_unlock(&m->lock);
}

void
metrics_observe_pass(struct metrics *m, double seconds, double cpu_seconds,
    time_t now)
{
	pthread_mutex_lock(&m->lock);
	observe(&m->pass, seconds, 1);
	m->pass_last = now;
	if (cpu_seconds > 0)
		m->pass_cpu += cpu_seconds;
	pthread_mutex_unlock(&m->lock);
}

void
metrics_set_process(struct metrics *m, const struct metrics_process *p)
{
	pthread_mutex_lock(&m->lock);
	m->proc = *p;
	pthread_mutex_unlock(&m->lock);
}

void
metrics_set_db_figures(struct metrics *m,
    const struct metrics_db_tickets *rows, size_t n, long long outbox_pending,
    time_t outbox_oldest, time_t now)
{
	if (n > METRICS_MAX_TICKET_ROWS)
		n = METRICS_MAX_TICKET_ROWS;
	pthread_mutex_lock(&m->lock);
	if (n > 0)
		memcpy(m->tickets, rows, n * sizeof(*rows));
	m->ntickets = n;
	m->outbox_pending = outbox_pending;
	m->outbox_oldest = outbox_oldest;
	m->figures_at = now;
	pthread_mutex_unlock(&m->lock);
}

time_t
metrics_db_figures_at(struct metrics *m)
{
	time_t t;

	pthread_mutex_lock(&m->lock);
	t = m->figures_at;
	pthread_mutex_unlock(&m->lock);
	return t;
}

void
metrics_want_refresh(struct metrics *m)
{
	atomic_store(&m->want_refresh, true);
}

bool
metrics_refresh_wanted(struct metrics *m)
{
	return atomic_exchange(&m->want_refresh, false);
}

/* ----- The text format --------------------------------------------- */

/* Text into the answer; FORMAT_MAX is far above what the figures can
 * take (METRICS_MAX_TICKET_ROWS rows, the config's mailboxes). */
static void __attribute__((format(printf, 2, 3)))
put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vprintf(b, fmt, ap);   /* full: the rest is cut */
	va_end(ap);
	(void)rc;
}

/* A label value: \ " and line feed escaped; other bytes as they are. */
static void
add_label(struct buf *b, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\')
			put(b, "%s", "\\\\");
		else if (*v == '"')
			put(b, "%s", "\\\"");
		else if (*v == '\n')
			put(b, "%s", "\\n");
		else
			put(b, "%c", *v);
	}
}

static void
head(struct buf *b, const char *name, const char *type, const char *help)
{
	put(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

/* A metric of one value, without labels. */
static void
scalar(struct buf *b, const char *name, const char *type, const char *help,
    long long value)
{
	head(b, name, type, help);
	put(b, "%s %lld\n", name, value);
}

static void
hist(struct buf *b, const char *name, const char *help,
    const struct hist *h)
{
	unsigned long long cum = 0;

	head(b, name, "histogram", help);
	for (int i = 0; i < METRICS_NBUCKETS; i++) {
		cum += h->bucket[i];
		put(b, "%s_bucket{le=\"%g\"} %llu\n", name,
		    bucket_le[i], cum);
	}
	put(b, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n"
	    "%s_count %llu\n", name, h->count, name, h->sum, name, h->count);
}

/* Prometheus' standard process figures, as its client libraries name
 * them (dashboards and alerts know them). */
static void
format_process(struct buf *b, const struct metrics *m)
{
	const struct metrics_process *p = &m->proc;

	if (!p->known)
		return;
	head(b, "process_cpu_seconds_total", "counter", "Total user and "
	    "system CPU time spent in seconds.");
	put(b, "process_cpu_seconds_total %.2f\n", p->cpu_seconds);
	scalar(b, "process_resident_memory_bytes", "gauge", "Resident "
	    "memory size in bytes.", p->resident_bytes);
	scalar(b, "process_virtual_memory_bytes", "gauge", "Virtual memory "
	    "size in bytes.", p->virtual_bytes);
	if (p->open_fds >= 0)
		scalar(b, "process_open_fds", "gauge", "Number of open file "
		    "descriptors.", p->open_fds);
	if (p->max_fds >= 0)
		scalar(b, "process_max_fds", "gauge", "Maximum number of open "
		    "file descriptors.", p->max_fds);
	if (p->start_time > 0) {
		head(b, "process_start_time_seconds", "gauge", "Start time of "
		    "the process since unix epoch in seconds.");
		put(b, "process_start_time_seconds %.2f\n", p->start_time);
	}
}

/* The OAuth2 figures, one line per credential each. */
static void
format_oauth2(struct buf *b, const struct metrics *m)
{
	static const struct {
		const char *name, *type, *help;
		size_t off;
	} figs[] = {
		{ "guichet_oauth2_token_refreshes_total", "counter",
		  "Access tokens got from the provider.",
		  offsetof(struct oauth2_fig, refreshes) },
		{ "guichet_oauth2_refresh_failures_total", "counter",
		  "Token requests that failed (provider away, garbage, "
		  "refused).", offsetof(struct oauth2_fig, failures) },
		{ "guichet_oauth2_refresh_token_rotations_total", "counter",
		  "New refresh tokens saved to their file.",
		  offsetof(struct oauth2_fig, rotations) },
	};

	if (m->noauth2 == 0)
		return;
	for (size_t k = 0; k < sizeof(figs) / sizeof(figs[0]); k++) {
		head(b, figs[k].name, figs[k].type, figs[k].help);
		for (size_t i = 0; i < m->noauth2; i++) {
			put(b, "%s{credential=\"", figs[k].name);
			add_label(b, m->oauth2[i].name);
			put(b, "\"} %llu\n", *(const unsigned long long *)
			    ((const char *)&m->oauth2[i] + figs[k].off));
		}
	}
	head(b, "guichet_oauth2_refresh_refused", "gauge", "1 when the "
	    "provider refuses the refresh token (consent revoked: run "
	    "guichet oauth2 authorize).");
	for (size_t i = 0; i < m->noauth2; i++) {
		put(b, "%s", "guichet_oauth2_refresh_refused{credential=\"");
		add_label(b, m->oauth2[i].name);
		put(b, "\"} %d\n", m->oauth2[i].refused ? 1 : 0);
	}
}

char *
metrics_format(struct metrics *m, time_t now)
{
	struct buf b;

	buf_init(&b, FORMAT_MAX);
	pthread_mutex_lock(&m->lock);
	head(&b, "guichet_mails_ingested_total", "counter",
	    "Mails taken from each mailbox by this daemon, by outcome.");
	for (size_t i = 0; i < m->nmb; i++)
		for (int o = 0; o < METRICS_NOUTCOMES; o++) {
			put(&b, "%s", "guichet_mails_ingested_total"
			    "{mailbox=\"");
			add_label(&b, m->mb[i].name);
			put(&b, "\",outcome=\"%s\"} %llu\n",
			    outcome_names[o], m->mb[i].outcome[o]);
		}
	head(&b, "guichet_mailbox_last_poll_success_timestamp_seconds",
	    "gauge", "When this daemon last polled the mailbox successfully "
	    "(unix time, 0: never).");
	for (size_t i = 0; i < m->nmb; i++) {
		put(&b, "%s", "guichet_mailbox_last_poll_success_"
		    "timestamp_seconds{mailbox=\"");
		add_label(&b, m->mb[i].name);
		put(&b, "\"} %lld\n", (long long)m->mb[i].last_ok);
	}
	head(&b, "guichet_mailbox_standby", "gauge", "1 when another daemon "
	    "holds the mailbox (this one waits to take over).");
	for (size_t i = 0; i < m->nmb; i++) {
		put(&b, "%s", "guichet_mailbox_standby{mailbox=\"");
		add_label(&b, m->mb[i].name);
		put(&b, "\"} %d\n", m->mb[i].standby ? 1 : 0);
	}
	head(&b, "guichet_mailbox_poll_failures_total", "counter",
	    "Passes of a mailbox that failed (IMAP or the database).");
	for (size_t i = 0; i < m->nmb; i++) {
		put(&b, "%s", "guichet_mailbox_poll_failures_total"
		    "{mailbox=\"");
		add_label(&b, m->mb[i].name);
		put(&b, "\"} %llu\n", m->mb[i].passes_failed);
	}
	head(&b, "guichet_send_failures_total", "counter", "Delivery "
	    "failures of the outbox seen by this daemon, by kind.");
	for (int k = 0; k < METRICS_NSEND; k++)
		put(&b, "guichet_send_failures_total{kind=\"%s\"} "
		    "%llu\n", send_names[k], m->send[k]);
	if (m->lmtp.on) {
		head(&b, "guichet_lmtp_answers_total", "counter", "Answers "
		    "to the recipients of mails the MTA delivered by LMTP: "
		    "stored (250), tempfail (451: the MTA keeps the mail and "
		    "retries), too_big (552).");
		put(&b, "guichet_lmtp_answers_total{answer=\"stored\"} "
		    "%llu\n", m->lmtp.stored);
		put(&b, "guichet_lmtp_answers_total{answer=\"tempfail\"} "
		    "%llu\n", m->lmtp.tempfail);
		put(&b, "guichet_lmtp_answers_total{answer=\"too_big\"} "
		    "%llu\n", m->lmtp.too_big);
		scalar(&b, "guichet_lmtp_connections_refused_total",
		    "counter", "LMTP connections told 421 at once: "
		    "max_connections reached.",
		    (long long)m->lmtp.refused);
		scalar(&b, "guichet_lmtp_sessions", "gauge",
		    "LMTP sessions open.", (long long)m->lmtp.sessions);
	}
	scalar(&b, "guichet_sla_warnings_total", "counter",
	    "SLA warnings fired by this daemon.",
	    (long long)m->sla_warnings);
	scalar(&b, "guichet_sla_breaches_total", "counter",
	    "SLA breaches fired by this daemon.",
	    (long long)m->sla_breaches);
	scalar(&b, "guichet_escalation_summaries_total", "counter",
	    "Mails of gathered escalations (escalation_burst) sent by this "
	    "daemon.", (long long)m->escalation_summaries);
	scalar(&b, "guichet_ratings_told_total", "counter",
	    "Ratings from the rating page told to their agents by this "
	    "daemon.", (long long)m->ratings_told);
	scalar(&b, "guichet_tickets_auto_closed_total", "counter",
	    "Resolved tickets closed by this daemon for want of an answer.",
	    (long long)m->auto_closed);
	scalar(&b, "guichet_db_round_trips_total", "counter",
	    "Times this daemon waited for PostgreSQL.",
	    (long long)m->round_trips);
	scalar(&b, "guichet_db_up", "gauge",
	    "1 when this daemon is connected to PostgreSQL.", m->db_up ? 1 : 0);
	if (m->db_durable >= 0)
		scalar(&b, "guichet_db_durable", "gauge", "0 when PostgreSQL "
		    "runs with fsync or full_page_writes off: a commit may not "
		    "survive a crash of its machine.", m->db_durable);
	hist(&b, "guichet_intake_latency_seconds", "Seconds from the start "
	    "of the intake pass that took a mail to the commit of that pass.",
	    &m->intake);
	hist(&b, "guichet_ack_latency_seconds", "Seconds from the start of "
	    "the intake pass that opened a ticket to the end of the outbox "
	    "flush that sent its acknowledgement.", &m->ack);
	hist(&b, "guichet_scheduler_pass_seconds", "Seconds a scheduler "
	    "pass of this daemon took (SLA timers, auto-close, digests; its "
	    "commit included).", &m->pass);
	head(&b, "guichet_scheduler_pass_cpu_seconds_total", "counter",
	    "CPU seconds this daemon spent in its scheduler passes (its "
	    "scheduler process's; PostgreSQL's not counted).");
	put(&b, "guichet_scheduler_pass_cpu_seconds_total %.6f\n", m->pass_cpu);
	scalar(&b, "guichet_scheduler_last_pass_timestamp_seconds", "gauge",
	    "When this daemon's scheduler process last reported a pass (unix "
	    "time; 0: none yet).", (long long)m->pass_last);
	if (m->figures_at != 0) {
		head(&b, "guichet_open_tickets", "gauge", "Tickets not "
		    "closed, by priority, status and queue (whole database).");
		for (size_t i = 0; i < m->ntickets; i++) {
			const struct metrics_db_tickets *t = &m->tickets[i];

			put(&b, "%s", "guichet_open_tickets{priority=\"");
			add_label(&b, t->priority);
			put(&b, "%s", "\",status=\"");
			add_label(&b, t->status);
			put(&b, "%s", "\",queue=\"");
			add_label(&b, t->queue);
			put(&b, "\"} %lld\n", t->count);
		}
		scalar(&b, "guichet_outbox_pending", "gauge", "Mails and "
		    "webhooks waiting in the outbox (whole database).",
		    m->outbox_pending);
		scalar(&b, "guichet_outbox_oldest_pending_age_seconds",
		    "gauge", "How long the oldest pending outbox row has "
		    "waited.", m->outbox_oldest != 0 && now > m->outbox_oldest ?
		    (long long)(now - m->outbox_oldest) : 0LL);
		scalar(&b, "guichet_db_figures_timestamp_seconds", "gauge",
		    "When the database's figures above were read (unix time).",
		    (long long)m->figures_at);
	}
	format_oauth2(&b, m);
	scalar(&b, "guichet_start_time_seconds", "gauge",
	    "When this daemon started (unix time).", (long long)m->started);
	format_process(&b, m);
	pthread_mutex_unlock(&m->lock);
	return buf_detach(&b, NULL);
}

/* ----- Health ------------------------------------------------------- */

int
metrics_health(struct metrics *m, time_t now,
    const struct metrics_thresholds *t, char *why, size_t whylen)
{
	size_t n = 0;
	int rc = 0;

	why[0] = '\0';
#define REASON(...) do { \
		rc = -1; \
		if (n < whylen) \
			n += (size_t)snprintf(why + n, whylen - n, \
			    __VA_ARGS__); \
	} while (0)
	pthread_mutex_lock(&m->lock);
	if (!m->db_up)
		REASON("database unreachable\n");
	for (size_t i = 0; i < m->nmb; i++) {
		const struct mailbox_fig *f = &m->mb[i];
		time_t base = f->last_ok > f->since ? f->last_ok : f->since;

		if (!f->configured || f->standby)
			continue;
		if (now - base > t->poll_stale_after)
			REASON("mailbox %s not polled successfully for %llds "
			    "(poll_stale_after %llds)\n", f->name,
			    (long long)(now - base), t->poll_stale_after);
	}
	for (size_t i = 0; i < m->noauth2; i++)
		if (m->oauth2[i].refused)
			REASON("oauth2 %s: the provider refuses the refresh "
			    "token (run guichet oauth2 authorize)\n",
			    m->oauth2[i].name);
	if (t->pass_stale_after > 0) {
		time_t base = m->pass_last > m->started ? m->pass_last :
		    m->started;

		if (now - base > t->pass_stale_after)
			REASON("scheduler: no pass completed for %llds "
			    "(poll_stale_after %llds after the next was "
			    "due)\n", (long long)(now - base),
			    t->poll_stale_after);
	}
	if (m->figures_at != 0 && m->outbox_pending > 0 &&
	    m->outbox_oldest != 0 &&
	    now - m->outbox_oldest > t->outbox_stuck_after)
		REASON("outbox stuck: %lld pending, the oldest for %llds "
		    "(outbox_stuck_after %llds)\n", m->outbox_pending,
		    (long long)(now - m->outbox_oldest),
		    t->outbox_stuck_after);
	pthread_mutex_unlock(&m->lock);
#undef REASON
	return rc;
}
