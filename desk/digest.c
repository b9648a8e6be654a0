/*
 * digest.c - each agent's morning list of the open tickets of their
 * queues (see digest.h)
 */
#include "desk/digest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "desk/mailout.h"
#include "desk/reply.h"
#include "parsers/utf8.h"
#include "sla/calendar.h"
#include "sla/policy.h"
#include "sla/tz.h"
#include "sql/digest_db.h"
#include "sql/store_message.h"

/* Whether cal opens at some time of the local day of tm. */
static bool
open_that_day(const struct calendar *cal, const struct tm *tm)
{
	struct tm day = { .tm_year = tm->tm_year, .tm_mon = tm->tm_mon,
		.tm_mday = tm->tm_mday };
	time_t from, to, open;

	if (calendar_always_open(cal))
		return true;
	if (tz_from_local(calendar_tz(cal), &day, &from) != 0)
		return false;
	day.tm_mday++;
	if (tz_from_local(calendar_tz(cal), &day, &to) != 0)
		return false;
	return calendar_next_open(&open, cal, from) == 0 && open < to;
}

bool
digest_due(const struct desk *in, char *day, size_t daylen)
{
	const struct calendar *cal = sla_policy_support_calendar(in->policy);
	struct tm tm;

	if (in->conf->digest.at_minutes < 0 || cal == NULL)
		return false;
	tz_to_local(calendar_tz(cal), in->now, &tm);
	if (tm.tm_hour * 60 + tm.tm_min < in->conf->digest.at_minutes ||
	    !open_that_day(cal, &tm))
		return false;
	snprintf(day, daylen, "%04d-%02d-%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday);
	return true;
}

/* ----- One agent's mail ----------------------------------------------- */

struct words {
	const char *overdue, *nobody, *no_deadline;
	const char *withheld;          /* "... %s" the queue */
	const char *statuses[3][2];
	const char *more;              /* "... and %lld more" */
};

static const struct words en = {
	"OVERDUE", "nobody", "no deadline running",
	"(subject withheld: %s queue)",
	{ { "new", "new" }, { "open", "open" }, { "pending", "pending" } },
	"  ... and %lld more: guichet ticket list\n",
};

static const struct words fr = {
	"EN RETARD", "personne", "aucune échéance en cours",
	"(objet masqué : file %s)",
	{ { "new", "nouveau" }, { "open", "ouvert" },
	  { "pending", "en attente" } },
	"  ... et %lld autre(s) : guichet ticket list\n",
};

static const char *
said(const char *const (*table)[2], size_t n, const char *v)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i][0], v) == 0)
			return table[i][1];
	return v;
}

struct digest_counts {
	long long open, overdue, unassigned, mine;
};

struct listing {
	const struct desk *in;
	const struct words *w;
	const struct tz *tz;
	struct buf *b;
};

void
digest_subject_line(const struct conf *conf, const char *queue,
    const char *subject, bool is_fr, char *out, size_t len)
{
	/* as the notifications: a redacted queue's subjects stay out of
	 * agents' mail (the security queue's, unless redact = no) */
	if (conf_queue_redacted(conf, queue)) {
		snprintf(out, len, (is_fr ? &fr : &en)->withheld, queue);
		return;
	}
	/* one line, whatever the customer wrote in it */
	snprintf(out, len, "%.*s", DIGEST_SUBJECT_MAX + 4, subject);
	utf8_strip_controls(out, false, false);
	utf8_squeeze_spaces(out);
	utf8_truncate(out, DIGEST_SUBJECT_MAX);
}

/* Two lines of one ticket: what it is and its deadline; its subject. */
static int
ticket_lines(struct listing *l, const struct digest_row *r)
{
	const struct words *w = l->w;
	char due[64] = "", subject[DIGEST_SUBJECT_MAX + 8];

	if (r->due != 0) {
		struct tm tm;

		tz_to_local(l->tz, r->due, &tm);
		snprintf(due, sizeof(due), "%s %04d-%02d-%02d %02d:%02d%s%s",
		    reply_timer_label(r->due_kind, w == &fr ? "fr" : "en"),
		    tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		    r->overdue ? "  " : "", r->overdue ? w->overdue : "");
	} else {
		snprintf(due, sizeof(due), "%s", w->no_deadline);
	}
	digest_subject_line(l->in->conf, r->queue, r->subject, w == &fr,
	    subject, sizeof(subject));
	if (buf_printf(l->b, "  %s  %s  %s  %s  %s  (%s)\n      %s\n",
	    r->number, r->priority, r->plan, said(w->statuses, 3, r->status),
	    due, r->assignee[0] ? r->assignee : w->nobody, subject) != 0)
		return GC_ELIMIT;
	return 0;
}

/* The agent's queues as one line (cut at its buffer's size: the list
 * of tickets has them all). */
static void
agent_queues(const struct conf_agent *a, struct buf *line)
{
	for (size_t i = 0; i < a->queues.n; i++)
		if (buf_printf(line, "%s%s", i ? ", " : "", a->queues.v[i]) != 0)
			break;
}

/* What of the read is the agent's: the first max tickets of its queues
 * listed, and the counts of all of them. */
static int
agent_part(struct desk *in, const struct conf_agent *a,
    const struct digest_open *o, struct listing *l, struct digest_counts *c)
{
	long long listed = 0;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < o->ngroups; i++) {
		const struct digest_group *g = &o->groups[i];

		if (!conf_agent_has_queue(a, g->queue))
			continue;
		c->open += g->open;
		c->overdue += g->overdue;
		if (g->assignee[0] == '\0')
			c->unassigned += g->open;
		else if (strcmp(g->assignee, a->name) == 0)
			c->mine += g->open;
	}
	for (size_t i = 0; rc == 0 && i < o->nrows &&
	    listed < in->conf->digest.max_tickets; i++)
		if (conf_agent_has_queue(a, o->rows[i].queue)) {
			rc = ticket_lines(l, &o->rows[i]);
			listed++;
		}
	return rc;
}

static int
agent_digest(struct desk *in, const struct conf_agent *a, const char *day,
    const struct digest_open *o, int *mails_r, struct gc_err *err)
{
	const struct calendar *cal = sla_policy_support_calendar(in->policy);
	const char *lang = a->language && strcmp(a->language, "fr") == 0 ?
	    "fr" : "en";
	struct buf list = BUF_INIT(4 * 1024 * 1024), queues = BUF_INIT(8192);
	struct listing l = { in, strcmp(lang, "fr") == 0 ? &fr : &en,
		calendar_tz(cal), &list };
	struct digest_counts c;
	char mid[256] = "", n_open[24], n_over[24], n_free[24], n_mine[24];
	bool claimed;
	int rc;

	agent_queues(a, &queues);
	if ((rc = digest_db_claim(in->db, day, a->name, in->now, &claimed,
	    err)) != 0 || !claimed)
		goto out;
	if (agent_part(in, a, o, &l, &c) != 0 || (c.open >
	    in->conf->digest.max_tickets && buf_printf(&list, l.w->more,
	    c.open - in->conf->digest.max_tickets) != 0)) {
		rc = gc_err_set(err, GC_ELIMIT, "the list is too long");
		goto out;
	}
	if (c.open > 0) {
		struct mailout_rcpt to = { a->display_name, a->address };
		struct mailout_var vars[] = {
			{ "support_name", in->conf->general.support_name },
			{ "agent_name", a->display_name ? a->display_name :
			    a->name },
			{ "queue", buf_str(&queues) },
			{ "count", n_open },
			{ "overdue", n_over },
			{ "unassigned", n_free },
			{ "yours", n_mine },
			{ "day", day },
			{ "zone", tz_name(calendar_tz(cal)) },
			{ "entries", buf_str(&list) },
		};
		struct mailout_req req = {
			.template_name = "digest", .language = lang,
			.purpose = "digest", .to = &to, .nto = 1,
			.author = "system", .automatic = true,
			.generated = true, .agent = a->name,
			.internal = true, .not_a_message = true,
			.id_hint = "digest", .vars = vars,
			.nvars = sizeof(vars) / sizeof(vars[0]),
		};

		snprintf(n_open, sizeof(n_open), "%lld", c.open);
		snprintf(n_over, sizeof(n_over), "%lld", c.overdue);
		snprintf(n_free, sizeof(n_free), "%lld", c.unassigned);
		snprintf(n_mine, sizeof(n_mine), "%lld", c.mine);
		if ((rc = mailout_queue(in->out, in->db, in->now, &req, mid,
		    err)) != 0)
			goto out;
		(*mails_r)++;
	}
	rc = digest_db_note(in->db, day, a->name, c.open, mid[0] ? mid : NULL,
	    err);
out:
	buf_free(&list);
	buf_free(&queues);
	return rc;
}

/* The queues of agents[0..n), each once. */
static size_t
union_queues(const struct conf_agent *const *agents, size_t n,
    const char ***out)
{
	size_t total = 0, k = 0;

	for (size_t i = 0; i < n; i++)
		total += agents[i]->queues.n;
	*out = xcalloc(total + 1, sizeof(**out));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < agents[i]->queues.n; j++) {
			const char *q = agents[i]->queues.v[j];
			bool had = false;

			for (size_t m = 0; m < k && !had; m++)
				had = strcmp((*out)[m], q) == 0;
			if (!had)
				(*out)[k++] = q;
		}
	return k;
}

int
digest_send(struct desk *in, const char *day, int *mails_r,
    struct gc_err *err)
{
	const struct conf *conf = in->conf;
	const struct conf_agent **todo;
	const char **queues = NULL;
	struct digest_open o = { 0 };
	struct sla_plan_ranks rk = { 0 };
	char **done = NULL;
	size_t ndone = 0, ntodo = 0, nq;
	int rc;

	*mails_r = 0;
	if ((rc = digest_db_done(in->db, day, &done, &ndone, err)) != 0)
		return rc;
	todo = xcalloc(conf->nagents + 1, sizeof(*todo));
	for (size_t i = 0; i < conf->nagents && ntodo < DIGEST_PER_PASS; i++) {
		const struct conf_agent *a = &conf->agents[i];
		bool had = false;

		for (size_t k = 0; k < ndone && !had; k++)
			had = strcmp(done[k], a->name) == 0;
		if (!had && a->queues.n > 0)
			todo[ntodo++] = a;
	}
	store_strings_free(done, ndone);
	if (ntodo == 0) {
		free(todo);
		return 0;
	}
	/* one read of the open tickets for all of them */
	nq = union_queues(todo, ntodo, &queues);
	sla_policy_plan_ranks(in->policy, &rk);
	rc = digest_db_open(in->db, queues, nq, in->now, rk.plans, rk.ranks,
	    rk.n, rk.other, in->conf->digest.max_tickets, &o, err);
	for (size_t i = 0; rc == 0 && i < ntodo; i++) {
		if ((rc = db_begin(in->db, err)) != 0)
			break;
		if ((rc = agent_digest(in, todo[i], day, &o, mails_r,
		    err)) == 0) {
			rc = db_commit(in->db, err);
			continue;
		}
		db_rollback(in->db);
		/* a template that does not render: the other agents go on,
		 * the next pass tries again */
		if (db_ok(in->db)) {
			log_warn("digest: %s's digest of %s is not sent yet: %s",
			    todo[i]->name, day, err->msg);
			gc_err_clear(err);
			rc = 0;
		}
	}
	if (rc == 0 && *mails_r > 0)
		log_info("digest: %d agent(s) sent the open tickets of their "
		    "queues (%s)", *mails_r, day);
	digest_db_open_free(&o);
	sla_plan_ranks_free(&rk);
	free(queues);
	free(todo);
	return rc;
}
