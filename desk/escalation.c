/*
 * escalation.c - what an SLA warning or breach sends, and to whom; the
 * escalations of a storm gathered (see escalation.h)
 */
#include "desk/escalation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/evjson.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "desk/digest.h"
#include "desk/reply.h"
#include "sla/calendar.h"
#include "sla/tz.h"
#include "sql/escalation_db.h"

#define GATHER_MAX 5000      /* waiting escalations read by a pass */
#define PURGE_BATCH 1000

/* The webhook's JSON body; subject: the ticket's, or what stands for
 * it in a redacted queue. */
static char *
webhook_json(const struct store_ticket *t, const char *timer,
    const char *level, const char *due, const char *subject)
{
	return ev_json("event", level, "ticket", t->number, "timer", timer,
	    "due_at", due, "priority", t->priority, "plan", t->plan,
	    "queue", t->queue, "status", t->status, "subject", subject,
	    "requester", t->requester, NULL);
}

void
escalation_clear(struct escalation *e)
{
	for (size_t i = 0; i < ESCALATION_MAILS; i++)
		mailout_mail_free(&e->mail[i]);
	for (size_t i = 0; i < e->f.nhooks; i++)
		free((char *)e->hooks[i].data);
	free(e->hooks);
	free(e->data);
}

/* Who e tells: the route's addresses, less the agents of other queues
 * (told nothing of the ticket, whatever the route says). */
static void
route(struct desk *in, const struct store_due_timer *d, struct escalation *e)
{
	const struct store_ticket *t = &d->ticket;
	enum sla_timer_kind kind;

	e->lvl = e->level == SLA_LEVEL_BREACH ? "breach" : "warning";
	if (sla_timer_kind_parse(&kind, d->kind) != 0)
		kind = SLA_TIMER_RESOLVE;
	sla_policy_route(&e->r, in->policy, t->queue, t->plan, t->priority,
	    kind, e->level);
	e->route = e->r.name;
	e->nto = 0;
	if (reply_mailbox(in->conf, t, NULL) == NULL)
		return;
	for (size_t i = 0; i < e->r.naddresses; i++) {
		const struct conf_agent *a = conf_agent_by_address(in->conf,
		    e->r.addresses[i]);

		if (a == NULL || conf_agent_has_queue(a, t->queue))
			e->to[e->nto++] = e->r.addresses[i];
	}
}

/* Each address of the pass once, case aside. */
static size_t
addresses(const struct escalation *e, size_t n, const char ***out)
{
	size_t k = 0, total = 0;

	for (size_t i = 0; i < n; i++)
		total += e[i].nto;
	*out = xcalloc(total + 1, sizeof(**out));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < e[i].nto; j++) {
			bool had = false;

			for (size_t m = 0; m < k && !had; m++)
				had = strcasecmp((*out)[m], e[i].to[j]) == 0;
			if (!had)
				(*out)[k++] = e[i].to[j];
		}
	return k;
}

/* Which addresses wait, from their escalations of the past hour and
 * those of this pass before; every one noted. */
static int
gather(struct desk *in, const struct store_due_timer *due,
    struct escalation *e, size_t n, struct gc_err *err)
{
	long long burst = in->conf->general.escalation_burst, *count;
	struct escalation_send *rows;
	const char **addr;
	size_t na = addresses(e, n, &addr), nrows = 0;
	int rc = 0;

	if (na == 0) {
		free(addr);
		return 0;
	}
	count = xcalloc(na, sizeof(*count));
	rows = xcalloc(n * SLA_ROUTE_MAX_ADDRS, sizeof(*rows));
	if (burst > 0)
		rc = escalation_db_recent(in->db, in->now, addr, na, count,
		    err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		for (size_t j = 0; j < e[i].nto; j++) {
			size_t a = 0;

			while (strcasecmp(addr[a], e[i].to[j]) != 0)
				a++;
			e[i].gathered[j] = burst > 0 && count[a] >= burst;
			count[a]++;
			rows[nrows++] = (struct escalation_send){
				.address = e[i].to[j],
				.ticket_id = due[i].ticket_id,
				.timer = due[i].kind, .level = e[i].lvl,
				.due_at = due[i].due_at,
				.gathered = e[i].gathered[j],
			};
		}
	if (rc == 0)
		rc = escalation_db_note(in->db, rows, nrows, in->now, err);
	free(rows);
	free(count);
	free(addr);
	return rc;
}

/* The addresses of e that wait, as one text ("a, b"), or NULL. */
static char *
gathered_text(const struct escalation *e)
{
	struct buf b = BUF_INIT(4096);

	for (size_t j = 0; j < e->nto; j++)
		if (e->gathered[j] && buf_printf(&b, "%s%s", b.len ? ", " : "",
		    e->to[j]) != 0)
			break;
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

/* The language of a mail to addr: its agent's, else the support's. */
static const char *
language_of(const struct conf *c, const char *addr)
{
	const struct conf_agent *a = conf_agent_by_address(c, addr);
	const char *lang = a != NULL && a->language != NULL ? a->language :
	    c->general.language;

	return strcmp(lang, "fr") == 0 ? "fr" : "en";
}

/* e's mail in lang to to[0..nto): those told at once who read it. */
static int
compose_mail(struct desk *in, const struct store_due_timer *d,
    struct escalation *e, const char *lang, struct mailout_rcpt *to,
    size_t nto, struct gc_err *err)
{
	const struct store_ticket *t = &d->ticket;
	const struct conf_mailbox *mb = reply_mailbox(in->conf, t, NULL);
	const char *subject = conf_queue_redacted(in->conf, t->queue) ?
	    reply_withheld_subject(lang) : t->subject;
	char tag[80], due_text[TZ_TEXT_MAX];
	struct mailout_mail **mail = &e->mail[e->f.nmails];
	struct mailout_var vars[] = {
		{ "ticket_number", t->number }, { "ticket_tag", tag },
		{ "subject", subject },
		{ "requester_name", t->requester_name ?
		    t->requester_name : t->requester },
		{ "requester_address", t->requester },
		{ "mailbox_address", mb->address },
		{ "priority", t->priority }, { "status", t->status },
		{ "status_label", reply_status_label(t->status, lang) },
		{ "queue", t->queue }, { "plan", t->plan },
		{ "support_name", in->conf->general.support_name },
		{ "agent_name", t->assignee[0] ? t->assignee : "-" },
		{ "timer", d->kind }, { "due_at", due_text },
		{ "timer_label", reply_timer_label(d->kind, lang) },
	};
	struct mailout_req req = {
		.template_name = e->level == SLA_LEVEL_BREACH ?
		    "escalation_breach" : "escalation_warning",
		.language = lang,
		.purpose = e->level == SLA_LEVEL_BREACH ?
		    "escalation_breach" : "escalation_warning",
		.ticket_id = t->id, .to = to, .nto = nto,
		.reply_to = mb->address,
		.author = "system", .internal = true,
		.not_a_message = true,
		.automatic = true, .vars = vars,
		.nvars = sizeof(vars) / sizeof(vars[0]),
	};
	int rc;

	/* the events and webhooks say it in UTC; the mail as agents read */
	tz_text(sla_policy_support_tz(in->policy), d->due_at, due_text,
	    sizeof(due_text));
	snprintf(tag, sizeof(tag), "[%s]", t->number);
	rc = mailout_compose(mail, in->out, in->now, &req, err);
	if (rc == 0 && *mail != NULL) {
		e->f.mails[e->f.nmails] = mailout_mail_outbox(*mail);
		e->f.mail_events[e->f.nmails++] = mailout_mail_event(*mail);
	}
	return rc;
}

/* e's event; its mails to those told at once, one per language (the
 * agent's, else the support's: a French desk's English-reading lead
 * reads it in English); its webhooks. */
static int
compose(struct desk *in, const struct store_due_timer *d,
    struct escalation *e, struct gc_err *err)
{
	const struct store_ticket *t = &d->ticket;
	const char *ev = e->level == SLA_LEVEL_BREACH ? "sla_breach" :
	    "sla_warning";
	const char *subject = conf_queue_redacted(in->conf, t->queue) ?
	    reply_withheld_subject("en") : t->subject;
	static const char *const langs[ESCALATION_MAILS] = { "fr", "en" };
	char *waits = gathered_text(e);
	int rc = 0;

	time_iso8601(e->due, sizeof(e->due), d->due_at);
	e->data = ev_json("timer", d->kind, "due_at", e->due, "route",
	    e->route, "gathered", waits, NULL);
	free(waits);
	e->f.event_kind = ev;
	e->f.event_json = e->data;
	/* no mailbox to answer from: route() told nobody */
	for (size_t l = 0; rc == 0 && l < ESCALATION_MAILS; l++) {
		struct mailout_rcpt to[SLA_ROUTE_MAX_ADDRS];
		size_t nto = 0;

		memset(to, 0, sizeof(to));
		for (size_t j = 0; j < e->nto; j++)
			if (!e->gathered[j] && strcmp(language_of(in->conf,
			    e->to[j]), langs[l]) == 0)
				to[nto++].addr = e->to[j];
		if (nto > 0)
			rc = compose_mail(in, d, e, langs[l], to, nto, err);
	}
	if (rc == 0 && e->r.nwebhooks > 0) {
		e->hooks = xcalloc(e->r.nwebhooks, sizeof(*e->hooks));
		for (size_t i = 0; i < e->r.nwebhooks; i++) {
			char *json = webhook_json(t, d->kind, ev, e->due,
			    subject);

			e->hooks[i] = (struct store_outbox){
				.kind = "webhook", .purpose = ev,
				.ticket_id = t->id, .url = e->r.webhooks[i],
				.data = json, .len = strlen(json),
				.now = in->now,
			};
			e->f.nhooks++;
		}
		e->f.hooks = e->hooks;
	}
	return rc;
}

int
escalation_prepare(struct desk *in, const struct store_due_timer *due,
    struct escalation *e, size_t n, struct gc_err *err)
{
	int rc;

	for (size_t i = 0; i < n; i++)
		if (e[i].level != SLA_LEVEL_NONE)
			route(in, &due[i], &e[i]);
	rc = gather(in, due, e, n, err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (e[i].level != SLA_LEVEL_NONE)
			rc = compose(in, &due[i], &e[i], err);
	return rc;
}

/* ----- The gathered ones' mail ---------------------------------------- */

struct summary_words {
	const char *breach, *warning, *due, *now, *nobody;
	const char *statuses[5][2];
};

static const struct summary_words en = {
	"BREACH ", "warning", "due", "now", "nobody",
	{ { "new", "new" }, { "open", "open" }, { "pending", "pending" },
	  { "resolved", "resolved" }, { "closed", "closed" } },
};

static const struct summary_words fr = {
	"DÉPASSÉ", "alerte ", "échéance", "à présent", "personne",
	{ { "new", "nouveau" }, { "open", "ouvert" },
	  { "pending", "en attente" }, { "resolved", "résolu" },
	  { "closed", "clos" } },
};

static const char *
status_said(const struct summary_words *w, const char *s)
{
	for (size_t i = 0; i < 5; i++)
		if (strcmp(w->statuses[i][0], s) == 0)
			return w->statuses[i][1];
	return s;
}

/* One address's waiting escalations rows[0..n) as the mail lists them:
 * two lines each. */
static int
entries(struct desk *in, const struct escalation_waiting *rows, size_t n,
    bool is_fr, struct buf *b, struct gc_err *err)
{
	const struct summary_words *w = is_fr ? &fr : &en;
	const struct tz *tz = sla_policy_support_tz(in->policy);
	char subject[DIGEST_SUBJECT_MAX + 8];

	for (size_t i = 0; i < n; i++) {
		const struct escalation_waiting *r = &rows[i];
		struct tm tm;

		tz_to_local(tz, r->due_at, &tm);
		digest_subject_line(in->conf, r->queue, r->subject, is_fr,
		    subject, sizeof(subject));
		if (buf_printf(b, "  %s  %s  %s  %s  %s %s %04d-%02d-%02d "
		    "%02d:%02d  (%s %s, %s)\n      %s\n", r->number,
		    r->priority, r->plan, strcmp(r->level, "breach") == 0 ?
		    w->breach : w->warning, reply_timer_label(r->timer,
		    is_fr ? "fr" : "en"), w->due,
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, w->now, status_said(w, r->status),
		    r->assignee[0] ? r->assignee : w->nobody, subject) != 0)
			return gc_err_set(err, GC_ELIMIT, "the list of gathered "
			    "escalations is too long");
	}
	return 0;
}

/* One address's rows of those read, and their list. */
struct summary {
	size_t from, to;              /* ws->rows[from..to) */
	struct buf list;
	bool taken;                   /* in a mail already */
	const char *lang;             /* "fr" | "en": the agent's, if the
	                                 address is an agent's */
};

/* One mail to the addresses of s[members[0..nm)], whose lists are the
 * same; every member's rows marked sent. */
static int
send_summary(struct desk *in, const struct escalation_waits *ws,
    const struct summary *s, const size_t *members, size_t nm,
    struct gc_err *err)
{
	const struct summary *first = &s[members[0]];
	const struct escalation_waiting *rows = &ws->rows[first->from];
	size_t n = first->to - first->from, nids = 0;
	const struct tz *tz = sla_policy_support_tz(in->policy);
	char count[24], breaches[24], warnings[24], burst[24],
	    since[TZ_TEXT_MAX], mid[256] = "";
	struct mailout_rcpt *to = xcalloc(nm, sizeof(*to));
	time_t oldest = rows[0].at;
	long long nb = 0;
	int64_t *ids;
	int rc;

	for (size_t i = 0; i < n; i++) {
		nb += strcmp(rows[i].level, "breach") == 0;
		if (rows[i].at < oldest)
			oldest = rows[i].at;
	}
	for (size_t k = 0; k < nm; k++)
		to[k].addr = ws->rows[s[members[k]].from].address;
	snprintf(count, sizeof(count), "%zu", n);
	snprintf(breaches, sizeof(breaches), "%lld", nb);
	snprintf(warnings, sizeof(warnings), "%lld", (long long)n - nb);
	snprintf(burst, sizeof(burst), "%lld",
	    in->conf->general.escalation_burst);
	tz_text(tz, oldest, since, sizeof(since));
	{
		struct mailout_var vars[] = {
			{ "support_name", in->conf->general.support_name },
			{ "count", count }, { "breaches", breaches },
			{ "warnings", warnings }, { "since", since },
			{ "burst", burst }, { "zone", tz_name(tz) },
			{ "entries", buf_str(&first->list) },
		};
		struct mailout_req req = {
			.template_name = "escalation_summary",
			.language = first->lang,
			.purpose = "escalation_summary", .to = to, .nto = nm,
			.author = "system", .automatic = true,
			.generated = true, .urgent = true, .internal = true,
			.not_a_message = true, .vars = vars,
			.nvars = sizeof(vars) / sizeof(vars[0]),
		};

		rc = mailout_queue(in->out, in->db, in->now, &req, mid, err);
	}
	if (rc == 0) {
		ids = xcalloc(ws->n, sizeof(*ids));
		for (size_t k = 0; k < nm; k++)
			for (size_t i = s[members[k]].from;
			    i < s[members[k]].to; i++)
				ids[nids++] = ws->rows[i].id;
		rc = escalation_db_sent(in->db, ids, nids, mid, in->now, err);
		free(ids);
	}
	if (rc == 0)
		log_info("escalation: %zu gathered escalation(s) mailed to "
		    "%s%s (%s)", n, to[0].addr, nm > 1 ? " and others" : "",
		    mid);
	free(to);
	return rc;
}

/* The rows read (by address), one mail per address; addresses whose
 * lists are the same get one together. */
static int
summaries(struct desk *in, const struct escalation_waits *ws, int *mails_r,
    struct gc_err *err)
{
	struct summary *s = xcalloc(ws->n + 1, sizeof(*s));
	size_t ns = 0, *members = xcalloc(ws->n + 1, sizeof(*members));
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < ws->n; ns++) {
		s[ns].from = i;
		while (i < ws->n && strcmp(ws->rows[i].address,
		    ws->rows[s[ns].from].address) == 0)
			i++;
		s[ns].to = i;
		s[ns].lang = language_of(in->conf,
		    ws->rows[s[ns].from].address);
		s[ns].list = (struct buf)BUF_INIT(16 * 1024 * 1024);
		rc = entries(in, &ws->rows[s[ns].from], s[ns].to - s[ns].from,
		    strcmp(s[ns].lang, "fr") == 0, &s[ns].list, err);
	}
	for (size_t k = 0; rc == 0 && k < ns; k++) {
		size_t nm = 0;

		if (s[k].taken)
			continue;
		for (size_t m = k; m < ns; m++)
			if (!s[m].taken && strcmp(s[k].lang, s[m].lang) == 0 &&
			    strcmp(buf_str(&s[k].list),
			    buf_str(&s[m].list)) == 0) {
				members[nm++] = m;
				s[m].taken = true;
			}
		if ((rc = send_summary(in, ws, s, members, nm, err)) == 0)
			(*mails_r)++;
	}
	for (size_t k = 0; k < ns; k++)
		buf_free(&s[k].list);
	free(members);
	free(s);
	return rc;
}

int
escalation_gather_tick(struct desk *in, int *mails_r, struct gc_err *err)
{
	struct escalation_waits ws = { 0 };
	long long keep = in->conf->general.outbox_keep;
	int purged = 0, rc;

	*mails_r = 0;
	if (in->policy == NULL)
		return 0;
	if ((rc = db_begin(in->db, err)) != 0)
		return rc;
	rc = escalation_db_waiting(in->db, in->now -
	    (time_t)in->conf->general.escalation_gather, GATHER_MAX, &ws,
	    err);
	if (rc == 0 && ws.n > 0)
		rc = summaries(in, &ws, mails_r, err);
	if (rc == 0 && keep > 0 && keep < in->now)
		rc = escalation_db_purge(in->db, in->now - (time_t)keep,
		    PURGE_BATCH, &purged, err);
	escalation_waits_free(&ws);
	if (rc == 0)
		return db_commit(in->db, err);
	db_rollback(in->db);
	*mails_r = 0;
	/* a template that does not render: tried again at the next pass */
	if (db_ok(in->db)) {
		log_warn("escalation: the gathered escalations are not sent "
		    "yet: %s", err->msg);
		gc_err_clear(err);
		return 0;
	}
	return rc;
}
