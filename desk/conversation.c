/*
 * conversation.c - customers, agents and strangers (see conversation.h)
 */
#include "desk/conversation.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "desk/agentauth.h"
#include "desk/dedup.h"
#include "common/evjson.h"
#include "desk/mailout.h"
#include "desk/timers.h"
#include "desk/tracking.h"
#include "notify/compose.h"
#include "parsers/authres.h"
#include "parsers/bounce.h"
#include "parsers/commands.h"
#include "sla/policy.h"
#include "sql/hold.h"
#include "sql/store_event.h"
#include "sql/store_message.h"
#include "sql/store_org.h"
#include "sql/store_participant.h"
#include "sql/store_quarantine.h"
#include "sql/store_ticket.h"

#define THREAD_REFS 20
#define MAX_VARS 24

/* ----- Template variables ----------------------------------------- */

struct varset {
	struct mailout_var v[MAX_VARS];
	size_t n;
	char tag[80];
};

static void
var(struct varset *vs, const char *name, const char *value)
{
	for (size_t i = 0; i < vs->n; i++)
		if (strcmp(vs->v[i].name, name) == 0) {
			vs->v[i].value = value;
			return;
		}
	if (vs->n == MAX_VARS)
		fatal("conversation: too many template variables");
	vs->v[vs->n].name = name;
	vs->v[vs->n].value = value;
	vs->n++;
}

static const struct conf_mailbox *
ticket_mailbox(const struct conf *c, const struct store_ticket *t,
    const struct conf_mailbox *fallback)
{
	const struct conf_mailbox *mb = conf_mailbox(c, t->mailbox);

	return mb ? mb : fallback;
}

static void
ticket_vars(struct varset *vs, const struct conf *c,
    const struct store_ticket *t, const struct conf_mailbox *mb)
{
	memset(vs, 0, sizeof(*vs));
	snprintf(vs->tag, sizeof(vs->tag), "[%s]", t->number);
	var(vs, "ticket_number", t->number);
	var(vs, "ticket_tag", vs->tag);
	var(vs, "subject", t->subject);
	var(vs, "requester_name", t->requester_name ? t->requester_name :
	    t->requester);
	var(vs, "requester_address", t->requester);
	var(vs, "mailbox_address", mb->address);
	var(vs, "priority", t->priority);
	var(vs, "status", t->status);
	var(vs, "queue", t->queue);
	var(vs, "plan", t->plan);
	var(vs, "support_name", c->general.support_name);
	var(vs, "agent_name", t->assignee[0] ? t->assignee : "-");
}

static const char *
ticket_language(const struct store_ticket *t, const struct conf_mailbox *mb)
{
	if (strcmp(t->language, "fr") == 0 || strcmp(t->language, "en") == 0)
		return t->language;
	return mb->language;
}

/* ----- Who is writing --------------------------------------------- */

static bool
agent_has_queue(const struct conf_agent *a, const char *queue)
{
	for (size_t i = 0; i < a->queues.n; i++)
		if (strcmp(a->queues.v[i], queue) == 0)
			return true;
	return false;
}

/* An agent's mail is the agent's when it answers one of our
 * notifications to that agent about this ticket (HMAC token), or when
 * our MTA vouches for the agent's domain. */
static bool
agent_authenticated(struct desk *in, const struct mail *m,
    const struct conf_agent *a, int64_t ticket_id,
    const struct agentauth_key *key, const char **how_r)
{
	const char *id = in->conf->general.trusted_authserv_id;
	const char *at = strchr(a->address, '@');

	if (m->in_reply_to && agentauth_check_id(key, m->in_reply_to,
	    ticket_id, a->name)) {
		*how_r = "token";
		return true;
	}
	for (size_t i = 0; i < m->nreferences; i++)
		if (agentauth_check_id(key, m->references[i], ticket_id,
		    a->name)) {
			*how_r = "token";
			return true;
		}
	if (id != NULL && at != NULL) {
		for (size_t i = 0; i < m->nheaders; i++)
			if (str_casecmp(m->headers[i].name,
			    "Authentication-Results") == 0 &&
			    authres_pass_for_domain(m->headers[i].value, id,
			    at + 1)) {
				*how_r = "authentication-results";
				return true;
			}
	}
	return false;
}

/* ----- Finding the ticket ----------------------------------------- */

struct tag_lookup {
	struct desk *in;
	struct store_ticket *t;
	int rc;
	bool found;
	char token[64];
	struct gc_err *err;
};

static int
try_tag(const char *token, void *arg)
{
	struct tag_lookup *l = arg;
	int rc = store_ticket_by_number(l->in->db, token, l->t, l->err);

	if (rc == 0) {
		l->found = true;
		snprintf(l->token, sizeof(l->token), "%s", token);
		return 1;
	}
	if (rc != GC_ENOTFOUND) {
		l->rc = rc;
		return 1;
	}
	gc_err_clear(l->err);
	return 0;
}

/* By a known tag in the subject (wherever it is, after any prefixes),
 * else by In-Reply-To/References naming any mail of a ticket, ours or
 * the customer's. A merged ticket leads to the one it was merged into. */
static int
find_ticket(struct desk *in, const struct mail *m, struct store_ticket *t,
    bool *found_r, char *tag_r, size_t taglen, struct gc_err *err)
{
	struct tag_lookup l = { in, t, 0, false, "", err };
	const char **ids;
	size_t n = 0;
	int64_t id;
	int rc, hops = 0;

	*found_r = false;
	tag_r[0] = '\0';
	tracking_find_tags(m->subject, try_tag, &l);
	if (l.rc != 0)
		return l.rc;
	if (l.found) {
		snprintf(tag_r, taglen, "%s", l.token);
	} else {
		ids = xcalloc(m->nreferences + 1, sizeof(*ids));
		if (m->in_reply_to != NULL)
			ids[n++] = m->in_reply_to;
		for (size_t i = 0; i < m->nreferences; i++)
			ids[n++] = m->references[i];
		rc = n ? store_ticket_by_message_ids(in->db, ids, n, &id,
		    err) : GC_ENOTFOUND;
		free(ids);
		if (rc == GC_ENOTFOUND) {
			gc_err_clear(err);
			return 0;
		}
		if (rc != 0 || (rc = store_ticket_by_id(in->db, id, t,
		    err)) != 0)
			return rc;
	}
	while (t->merged_into != 0 && hops++ < 16) {
		id = t->merged_into;
		store_ticket_clear(t);
		if ((rc = store_ticket_by_id(in->db, id, t, err)) != 0)
			return rc;
	}
	*found_r = true;
	return 0;
}

/* ----- Storing the mail ------------------------------------------- */

/* The addresses of a header's list (out: n entries); returns how many. */
static size_t
addr_list(const char **out, const struct mail_addr *a, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (a[i].addr != NULL)
			out[k++] = a[i].addr;
	return k;
}

static int
store_mail(struct desk *in, const struct conv_mail *cm, int64_t ticket_id,
    const char *author, const char *agent, bool internal, int64_t *mid_r,
    struct gc_err *err)
{
	const struct mail *m = cm->m;
	const char **to = xcalloc(m->nto + 1, sizeof(*to));
	const char **cc = xcalloc(m->ncc + 1, sizeof(*cc));
	const char *flags[4];
	unsigned char sha[32];
	struct store_message sm = { 0 };
	size_t nto = 0, ncc = 0, nflags = 0;
	int64_t mid = 0;
	int rc;

	nto = addr_list(to, m->to, m->nto);
	ncc = addr_list(cc, m->cc, m->ncc);
	if (m->text_charset_unknown)
		flags[nflags++] = "charset-unknown";
	if (m->text_from_html)
		flags[nflags++] = "from-html";
	if (cm->automatic)
		flags[nflags++] = "automatic";
	dedup_sha256(sha, cm->raw, cm->len);
	sm.ticket_id = ticket_id;
	sm.direction = "in";
	sm.author = author;
	sm.mailbox = cm->mb->name;
	sm.from_addr = m->from.addr;
	sm.from_name = m->from.name;
	sm.to = to;
	sm.nto = nto;
	sm.cc = cc;
	sm.ncc = ncc;
	sm.subject = m->subject;
	sm.message_id = m->message_id;
	sm.in_reply_to = m->in_reply_to;
	sm.refs = m->references;
	sm.nrefs = m->nreferences;
	sm.sent_date = m->date;
	sm.has_sent_date = m->has_date;
	sm.received_at = in->now;
	sm.text = m->text ? m->text : "";
	sm.new_text = m->new_text;
	sm.text_flags = flags;
	sm.ntext_flags = nflags;
	sm.raw = cm->raw;
	sm.raw_len = cm->len;
	sm.raw_sha256 = sha;
	sm.dedup_key = cm->key;
	sm.imap_uid = cm->uid;
	sm.agent = agent;
	sm.internal = internal;
	/* the message's id only when its attachments need it */
	rc = store_message_insert(in->db, &sm, m->nattachments || mid_r ?
	    &mid : NULL, err);
	free(to);
	free(cc);
	for (size_t i = 0; rc == 0 && i < m->nattachments; i++) {
		const struct mail_attachment *a = &m->attachments[i];
		struct store_attachment sa = {
			.message_id = mid, .filename = a->filename,
			.content_type = a->content_type,
			.disposition = a->disposition,
			.content_id = a->content_id,
			.data = a->data, .len = a->len, .sha256 = sha,
		};

		dedup_sha256(sha, a->data ? (const void *)a->data : "",
		    a->len);
		rc = store_attachment_insert(in->db, &sa, err);
	}
	if (mid_r)
		*mid_r = mid;
	return rc;
}

static int
event(struct desk *in, int64_t ticket_id, const char *kind,
    const char *actor, char *data, struct gc_err *err)
{
	int rc = store_event(in->db, ticket_id, in->now, kind, actor, data,
	    err);

	free(data);
	return rc;
}

static const char *
new_text_of(const struct mail *m)
{
	if (m->new_text != NULL && m->new_text[0] != '\0')
		return m->new_text;
	return m->text ? m->text : "";
}

/* ----- Mails to the customer and to agents ------------------------ */

/* The customer and the other participants, as recipients. */
static int
customer_rcpts(struct desk *in, const struct store_ticket *t,
    struct mailout_rcpt **to_r, size_t *nto_r, struct mailout_rcpt **cc_r,
    size_t *ncc_r, struct store_participant **parts_r, size_t *nparts_r,
    struct gc_err *err)
{
	struct store_participant *p;
	size_t n;
	int rc;

	if ((rc = store_participants(in->db, t->id, &p, &n, err)) != 0)
		return rc;
	*to_r = xcalloc(1, sizeof(**to_r));
	*cc_r = xcalloc(n + 1, sizeof(**cc_r));
	*nto_r = 0;
	*ncc_r = 0;
	/* an address we cannot write to is left out, not an error */
	if (compose_addr_check(t->requester, NULL) == 0) {
		(*to_r)[0].name = t->requester_name;
		(*to_r)[0].addr = t->requester;
		*nto_r = 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (str_casecmp(p[i].address, t->requester) == 0 ||
		    conf_is_our_address(in->conf, p[i].address) ||
		    conf_agent_by_address(in->conf, p[i].address) != NULL ||
		    compose_addr_check(p[i].address, NULL) != 0)
			continue;
		(*cc_r)[*ncc_r].name = p[i].name;
		(*cc_r)[(*ncc_r)++].addr = p[i].address;
	}
	*parts_r = p;
	*nparts_r = n;
	return 0;
}

/* Send a template to the customer and participants, threaded to the
 * customer's last mail. origin: the mail that opened the ticket, when
 * answering it at once (the acknowledgement): then the recipients and the
 * thread are known without asking the database. */
static int
to_customer(struct desk *in, const struct store_ticket *t,
    const struct conf_mailbox *mb, const char *template_name,
    const char *purpose, const char *text, const struct conf_agent *agent,
    bool automatic, const struct mail *origin, struct gc_err *err)
{
	struct mailout_rcpt *to = NULL, *cc = NULL;
	struct store_participant *parts = NULL;
	size_t nto = 0, ncc = 0, nparts = 0, nrefs = 0;
	char **refs = NULL, *last = NULL, mid[256];
	struct varset vs;
	struct mailout_req req = { 0 };
	int rc = 0;

	if (origin != NULL) {
		to = xcalloc(1, sizeof(*to));
		if (compose_addr_check(t->requester, NULL) == 0) {
			to[0].name = t->requester_name;
			to[0].addr = t->requester;
			nto = 1;
		}
		refs = xcalloc(origin->nreferences + 2, sizeof(*refs));
		for (size_t i = 0; i < origin->nreferences; i++)
			refs[nrefs++] = xstrdup(origin->references[i]);
		if (origin->message_id != NULL) {
			refs[nrefs++] = xstrdup(origin->message_id);
			last = xstrdup(origin->message_id);
		}
		if (nto == 0)
			rc = event(in, t->id, "mail_not_sent", NULL, ev_json(
			    "purpose", purpose, "reason", "no recipient address "
			    "we can write to", NULL), err);
		if (rc != 0 || nto == 0)
			goto out;
		goto send;
	}
	rc = customer_rcpts(in, t, &to, &nto, &cc, &ncc, &parts, &nparts,
	    err);
	if (rc == 0 && nto + ncc == 0) {
		rc = event(in, t->id, "mail_not_sent", NULL, ev_json("purpose",
		    purpose, "reason", "no recipient address we can write to",
		    NULL), err);
		goto out;
	}
	if (rc == 0 && nto == 0) {
		/* the requester cannot be written to: the others still are */
		to[0] = cc[--ncc];
		nto = 1;
	}
	if (rc == 0)
		rc = store_thread_ids(in->db, t->id, THREAD_REFS, &refs,
		    &nrefs, err);
	if (rc == 0)
		rc = store_last_customer_mid(in->db, t->id, &last, err);
	if (rc != 0)
		goto out;
send:
	ticket_vars(&vs, in->conf, t, mb);
	var(&vs, "message_text", text ? text : "");
	if (agent != NULL)
		var(&vs, "agent_name", agent->display_name);
	req.template_name = template_name;
	req.language = ticket_language(t, mb);
	req.purpose = purpose;
	req.ticket_id = t->id;
	req.to = to;
	req.nto = nto;
	req.cc = cc;
	req.ncc = ncc;
	req.reply_to = mb->address;
	req.in_reply_to = last;
	req.references = (const char *const *)refs;
	req.nreferences = nrefs;
	req.author = agent ? "agent" : "system";
	req.agent = agent ? agent->name : NULL;
	req.automatic = automatic;
	req.capped = automatic;
	req.vars = vs.v;
	req.nvars = vs.n;
	req.from_name = agent ? agent->display_name : NULL;
	rc = mailout_queue(in->out, in->db, in->now, &req, mid, err);
	/* past the ticket's hourly cap the mail waits its turn */
	if (rc == 0)
		rc = hold_send_slot(in->db, t->id, mid, in->now,
		    in->conf->general.ticket_send_cap, err);
out:
	free(to);
	free(cc);
	store_participants_free(&parts, nparts);
	store_strings_free(refs, nrefs);
	free(last);
	return rc;
}

static void
attachment_list(struct buf *b, const struct mail *m)
{
	if (m == NULL || m->nattachments == 0)
		return;
	if (buf_addstr(b, "\n") != 0)
		return;
	for (size_t i = 0; i < m->nattachments; i++)
		if (buf_printf(b, "[%s, %s, %zu bytes]\n",
		    m->attachments[i].filename ? m->attachments[i].filename :
		    "(no name)", m->attachments[i].content_type,
		    m->attachments[i].len) != 0)
			return;
}

/* Tell the agents of the ticket's queue, each in their own thread of the
 * ticket, with a Message-ID that carries their token. */
static int
notify_agents(struct desk *in, const struct store_ticket *t,
    const struct conf_mailbox *mb, const char *text, const char *author,
    const struct mail *m, const char *except_agent, bool fresh,
    struct gc_err *err)
{
	const struct conf *c = in->conf;
	const struct agentauth_key *key;
	struct buf list = BUF_INIT(64 * 1024);
	struct mailout_file *files = NULL;
	size_t nfiles = 0, attached = 0;
	int rc;

	if ((rc = mailout_agent_key(in->out, in->db, &key, err)) != 0)
		return rc;
	attachment_list(&list, m);
	if (m != NULL && m->nattachments > 0) {
		files = xcalloc(m->nattachments, sizeof(*files));
		for (size_t i = 0; i < m->nattachments; i++) {
			const struct mail_attachment *a = &m->attachments[i];

			if (a->data == NULL || attached + a->len >
			    (size_t)c->general.notify_attach_max)
				continue;
			files[nfiles].filename = a->filename;
			files[nfiles].content_type = a->content_type;
			files[nfiles].data = a->data;
			files[nfiles].len = a->len;
			attached += a->len;
			nfiles++;
		}
	}
	for (size_t i = 0; rc == 0 && i < c->nagents; i++) {
		const struct conf_agent *a = &c->agents[i];
		struct mailout_rcpt to = { a->display_name, a->address };
		struct mailout_req req = { 0 };
		struct varset vs;
		char hint[200], mid[256], root[300];
		const char *rootp = root;

		if (!agent_has_queue(a, t->queue) || (except_agent &&
		    strcmp(except_agent, a->name) == 0))
			continue;
		agentauth_hint(hint, sizeof(hint), key, t->id, a->name);
		agentauth_thread_root(root, sizeof(root), key, t->id, a->name,
		    c->general.message_id_domain);
		ticket_vars(&vs, c, t, mb);
		var(&vs, "message_text", text);
		var(&vs, "author", author);
		var(&vs, "attachments", buf_str(&list));
		var(&vs, "commands_help", commands_help());
		req.template_name = "notify_agent";
		req.language = a->language;
		req.purpose = "notify_agent";
		req.ticket_id = t->id;
		req.to = &to;
		req.nto = 1;
		req.reply_to = mb->address;
		/* the first notification of a ticket is the root of the
		 * agent's thread; the others answer it */
		if (fresh) {
			req.message_id = root;
		} else {
			req.in_reply_to = root;
			req.references = &rootp;
			req.nreferences = 1;
			req.id_hint = hint;
		}
		req.author = "system";
		req.agent = a->name;
		req.internal = true;
		req.not_a_message = true;
		req.automatic = true;
		req.vars = vs.v;
		req.nvars = vs.n;
		req.files = files;
		req.nfiles = nfiles;
		rc = mailout_queue(in->out, in->db, in->now, &req, mid, err);
	}
	free(files);
	buf_free(&list);
	return rc;
}

/* ----- Qualification ---------------------------------------------- */

int
conversation_qualify(struct desk *in, const struct conv_mail *cm,
    struct conv_qual *out, struct gc_err *err)
{
	const struct mail *m = cm->m;
	struct rules_input ri = { 0 };
	struct rules_header *hdrs;
	const char **to, **cc, *keys[16];
	struct store_org org;
	size_t nto = 0, ncc = 0, nkeys;
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(out->priority, sizeof(out->priority), "P3");
	snprintf(out->plan, sizeof(out->plan), "Basic");
	snprintf(out->queue, sizeof(out->queue), "%s", cm->mb->queue);
	snprintf(out->language, sizeof(out->language), "%s",
	    cm->mb->language);
	if (in->policy == NULL)
		return 0;
	to = xcalloc(m->nto + 1, sizeof(*to));
	cc = xcalloc(m->ncc + 1, sizeof(*cc));
	hdrs = xcalloc(m->nheaders + 1, sizeof(*hdrs));
	nto = addr_list(to, m->to, m->nto);
	ncc = addr_list(cc, m->cc, m->ncc);
	for (size_t i = 0; i < m->nheaders; i++) {
		hdrs[i].name = m->headers[i].name;
		hdrs[i].value = m->headers[i].value;
	}
	ri.subject = m->subject;
	ri.text = m->text;
	ri.from = m->from.addr;
	ri.to = to;
	ri.nto = nto;
	ri.cc = cc;
	ri.ncc = ncc;
	ri.headers = hdrs;
	ri.nheaders = m->nheaders;
	rc = sla_policy_qualify(&out->q, in->policy, &ri, cm->mb->queue);
	free(to);
	free(cc);
	free(hdrs);
	if (rc != 0)
		return gc_err_set(err, rc, "qualification failed");
	snprintf(out->priority, sizeof(out->priority), "%s", out->q.priority);
	snprintf(out->plan, sizeof(out->plan), "%s", out->q.plan);
	snprintf(out->queue, sizeof(out->queue), "%s", out->q.queue);
	if (out->q.rules.priority_by.rule)
		snprintf(out->rule, sizeof(out->rule), "%s",
		    out->q.rules.priority_by.rule);
	for (size_t i = 0; i < out->q.rules.ntags && i < RULES_MAX_TAGS; i++)
		out->tags[out->ntags++] = out->q.rules.tags[i];
	if (out->q.org != NULL) {
		snprintf(out->org, sizeof(out->org), "%s", out->q.org->name);
		if (out->q.org->language)
			snprintf(out->language, sizeof(out->language), "%s",
			    out->q.org->language);
		if (out->q.org->csm)
			snprintf(out->csm, sizeof(out->csm), "%s",
			    out->q.org->csm);
	}
	/* organisations imported from CSV come before the config's */
	nkeys = m->from.addr ? org_lookup_keys(keys, 16,
	    mail_arena((struct mail *)m), m->from.addr) : 0;
	/* whether any organisation was imported, once per intake */
	if (in->db != NULL && in->orgs_imported == 0) {
		bool any;

		if ((rc = store_orgs_any(in->db, &any, err)) != 0)
			return rc;
		in->orgs_imported = any ? 2 : 1;
	}
	rc = nkeys && in->db && in->orgs_imported == 2 ?
	    store_org_lookup(in->db, keys, nkeys, &org, err) : GC_ENOTFOUND;
	if (rc == 0) {
		const char *plan = sla_policy_plan_name(in->policy, org.plan);

		snprintf(out->org, sizeof(out->org), "%s", org.name);
		out->org_imported = true;
		if (plan != NULL)
			snprintf(out->plan, sizeof(out->plan), "%s", plan);
		if (org.language[0])
			snprintf(out->language, sizeof(out->language), "%s",
			    org.language);
		snprintf(out->csm, sizeof(out->csm), "%s", org.csm);
	} else if (rc != GC_ENOTFOUND) {
		return rc;
	}
	gc_err_clear(err);
	return 0;
}

/* The customer's CSM is copied on the tickets the plan says (P1 of
 * Enterprise by default). */
static int
add_csm(struct desk *in, int64_t ticket_id, const char *plan,
    const char *priority, const char *org_csm, struct gc_err *err)
{
	const char *csm;
	int rc;

	if (in->policy == NULL)
		return 0;
	csm = sla_policy_csm(in->policy, plan, priority, org_csm && *org_csm ?
	    org_csm : NULL);
	if (csm == NULL || compose_addr_check(csm, NULL) != 0)
		return 0;
	if ((rc = store_participant_add(in->db, ticket_id, csm, NULL, "cc",
	    in->now, err)) != 0)
		return rc;
	return event(in, ticket_id, "participant_added", NULL, ev_json(
	    "address", csm, "role", "csm", NULL), err);
}

/* ----- New tickets ------------------------------------------------ */

static int
addr_casecmp(const void *a, const void *b)
{
	return str_casecmp(*(const char *const *)a, *(const char *const *)b);
}

/* The Cc of the mail that opens a ticket become its participants, at most
 * max_participants_per_mail distinct addresses: the others are named in
 * one "participants_capped" event and never written to, so that one mail
 * with thousands of addresses cannot make every answer go to thousands. */
static int
add_cc_participants(struct desk *in, int64_t id, const struct mail *m,
    struct gc_err *err)
{
	size_t cap = (size_t)in->conf->general.max_participants_per_mail;
	const char **added = xcalloc(m->ncc + 1, sizeof(*added));
	const char **left = xcalloc(m->ncc + 1, sizeof(*left));
	size_t nadded = 0, nleft = 0, nuniq = 0;
	struct evjson *o;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < m->ncc; i++) {
		const char *a = m->cc[i].addr;
		bool again = false;

		if (a == NULL || conf_is_our_address(in->conf, a) ||
		    str_casecmp(a, m->from.addr) == 0 ||
		    compose_addr_check(a, NULL) != 0)
			continue;
		for (size_t k = 0; k < nadded && !again; k++)
			again = str_casecmp(added[k], a) == 0;
		if (again)
			continue;
		if (nadded >= cap) {
			left[nleft++] = a;
			continue;
		}
		added[nadded++] = a;
		rc = store_participant_add(in->db, id, a, m->cc[i].name, "cc",
		    in->now, err);
		if (rc == 0)
			rc = event(in, id, "participant_added", NULL,
			    ev_json("address", a, "role", "cc", NULL), err);
	}
	if (rc == 0 && nleft > 0) {
		/* each address left out once, in a stable order */
		qsort(left, nleft, sizeof(*left), addr_casecmp);
		for (size_t i = 0; i < nleft; i++)
			if (nuniq == 0 ||
			    str_casecmp(left[i], left[nuniq - 1]) != 0)
				left[nuniq++] = left[i];
		o = ev_new();
		ev_int(o, "cap", (long long)cap);
		ev_int(o, "added", (long long)nadded);
		ev_int(o, "left_out", (long long)nuniq);
		ev_strs(o, "addresses", left, nuniq);
		rc = event(in, id, "participants_capped", NULL, ev_end(o), err);
		log_warn("ticket %" PRId64 ": %zu Cc address(es) past "
		    "max_participants_per_mail (%zu) left out", id, nuniq, cap);
	}
	free(added);
	free(left);
	return rc;
}

/* The subject of a new ticket: the mail's, without the tag of another
 * ticket it may carry (a stranger's follow-up). */
static char *
clean_subject(const struct mail *m, const char *drop_tag)
{
	const char *s = m->subject && m->subject[0] ? m->subject :
	    "(no subject)";
	char tag[80], *out = xstrdup(s), *p;

	if (drop_tag != NULL && drop_tag[0] != '\0') {
		snprintf(tag, sizeof(tag), "[%s]", drop_tag);
		if ((p = strstr(out, tag)) != NULL) {
			memmove(p, p + strlen(tag), strlen(p + strlen(tag)) +
			    1);
			memmove(out, str_trim(out), strlen(str_trim(out)) + 1);
		}
		if (out[0] == '\0') {
			free(out);
			out = xstrdup("(no subject)");
		}
	}
	return out;
}

static int
new_ticket(struct desk *in, const struct conv_mail *cm,
    int64_t related_to, const char *drop_tag, struct intake_result *res,
    struct gc_err *err)
{
	const struct mail *m = cm->m;
	const struct conf_mailbox *mb = cm->mb;
	struct store_ticket_new tn = { 0 };
	struct store_ticket t = { 0 };
	char *subject = clean_subject(m, drop_tag);
	char *created = NULL, *qualified = NULL, prefix[64], suffix[64];
	struct conv_qual *q = xcalloc(1, sizeof(*q));
	int64_t id;
	int rc;

	if ((rc = conversation_qualify(in, cm, q, err)) != 0)
		goto out;
	if (tracking_split(prefix, sizeof(prefix), suffix, sizeof(suffix),
	    &tn.number_width, &tn.number_zero,
	    in->conf->general.tracking_format, in->now) != 0) {
		rc = gc_err_set(err, GC_ECONFIG, "tracking_format \"%s\" "
		    "cannot be used", in->conf->general.tracking_format);
		goto out;
	}
	tn.number_prefix = prefix;
	tn.number_suffix = suffix;
	tn.status = "new";
	tn.priority = q->priority;
	tn.plan = q->plan;
	tn.queue = q->queue;
	tn.mailbox = mb->name;
	tn.requester = m->from.addr;
	tn.requester_name = m->from.name;
	tn.subject = subject;
	tn.language = q->language;
	tn.organisation = q->org[0] ? q->org : NULL;
	tn.tags = q->tags;
	tn.ntags = q->ntags;
	tn.now = in->now;
	tn.created_json = created = ev_json("mailbox", mb->name, "message_id",
	    m->message_id, "from", m->from.addr, "subject", subject, NULL);
	tn.qualified_json = qualified = ev_json("priority", q->priority,
	    "plan", q->plan, "queue", q->queue, "organisation", q->org[0] ?
	    q->org : NULL, "rule", q->rule[0] ? q->rule : NULL, NULL);
	if ((rc = store_ticket_insert(in->db, &tn, &id, res->number,
	    sizeof(res->number), err)) != 0)
		goto out;
	res->ticket_id = id;
	res->outcome = INTAKE_NEW_TICKET;
	if ((rc = store_mail(in, cm, id, "customer", NULL, false, NULL,
	    err)) != 0 ||
	    (rc = add_csm(in, id, q->plan, q->priority, q->csm, err)) != 0 ||
	    (rc = timers_start(in, id, q->plan, q->priority, q->queue,
	    err)) != 0)
		goto out;
	if ((rc = add_cc_participants(in, id, m, err)) != 0)
		goto out;
	if (related_to != 0) {
		char rel[24];

		snprintf(rel, sizeof(rel), "%" PRId64, related_to);
		if ((rc = store_ticket_set_related(in->db, id, related_to,
		    err)) != 0 || (rc = event(in, id, "related", NULL,
		    ev_json("ticket", drop_tag, NULL), err)) != 0)
			goto out;
	}
	/* the ticket as just written, without reading it back */
	t.id = id;
	snprintf(t.number, sizeof(t.number), "%s", res->number);
	snprintf(t.status, sizeof(t.status), "new");
	snprintf(t.priority, sizeof(t.priority), "%.3s", q->priority);
	snprintf(t.plan, sizeof(t.plan), "%s", q->plan);
	snprintf(t.queue, sizeof(t.queue), "%s", q->queue);
	snprintf(t.mailbox, sizeof(t.mailbox), "%s", mb->name);
	snprintf(t.language, sizeof(t.language), "%s", q->language);
	t.requester = xstrdup(m->from.addr);
	t.requester_name = m->from.name ? xstrdup(m->from.name) : NULL;
	t.subject = xstrdup(subject);
	t.created_at = in->now;
	if (cm->automatic != NULL) {
		/* no automatic answer to automatic mail: no loop */
		rc = event(in, id, "ack_suppressed", NULL, ev_json("reason",
		    cm->automatic, NULL), err);
	} else {
		rc = to_customer(in, &t, mb, "ack", "ack", m->text, NULL, true,
		    m, err);
	}
	if (rc == 0)
		rc = notify_agents(in, &t, mb, new_text_of(m),
		    m->from.addr, m, NULL, true, err);
out:
	store_ticket_clear(&t);
	free(subject);
	free(created);
	free(qualified);
	free(q);
	return rc;
}

/* ----- Customers' follow-ups -------------------------------------- */

static bool
confirms(const struct conf *c, const char *text)
{
	const char *p = text;

	/* "#close" at the top, like an agent's command */
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (str_casestarts(p, "#close"))
		return true;
	for (size_t i = 0; i < c->general.confirm_phrases.n; i++)
		if (str_casestr(text, c->general.confirm_phrases.v[i]))
			return true;
	return false;
}

static int
customer_followup(struct desk *in, const struct conv_mail *cm,
    struct store_ticket *t, struct intake_result *res, struct gc_err *err)
{
	const struct mail *m = cm->m;
	const struct conf_mailbox *mb = ticket_mailbox(in->conf, t, cm->mb);
	const char *text = new_text_of(m);
	int rc;

	res->outcome = INTAKE_FOLLOWUP;
	if ((rc = store_mail(in, cm, t->id, "customer", NULL, false, NULL,
	    err)) != 0 ||
	    (rc = store_ticket_touch(in->db, t->id, in->now, err)) != 0 ||
	    (rc = event(in, t->id, "message_received", m->from.addr,
	    ev_json("mailbox", cm->mb->name, "message_id", m->message_id,
	    "from", m->from.addr, NULL), err)) != 0)
		return rc;
	if (cm->automatic != NULL) {
		/* an out-of-office on an open ticket: noted, nothing more */
		return event(in, t->id, "auto_reply", m->from.addr,
		    ev_json("reason", cm->automatic, NULL), err);
	}
	if (strcmp(t->status, "resolved") == 0 && confirms(in->conf, text)) {
		if ((rc = store_ticket_mark(in->db, t->id, STORE_MARK_VALIDATED,
		    in->now, err)) != 0 ||
		    (rc = store_ticket_set_status(in->db, t->id, "closed",
		    in->now, err)) != 0 ||
		    (rc = event(in, t->id, "validated", m->from.addr,
		    ev_json("status", "closed", NULL), err)) != 0)
			return rc;
		snprintf(t->status, sizeof(t->status), "closed");
		rc = to_customer(in, t, mb, "closed", "closed", NULL, NULL,
		    true, NULL, err);
		if (rc == 0)
			rc = notify_agents(in, t, mb, text, m->from.addr, m,
			    NULL, false, err);
		return rc;
	}
	if (strcmp(t->status, "resolved") == 0) {
		if ((rc = store_ticket_set_status(in->db, t->id, "open",
		    in->now, err)) != 0 ||
		    (rc = event(in, t->id, "reopened", m->from.addr,
		    ev_json("from", "resolved", "to", "open", NULL), err)) != 0)
			return rc;
		snprintf(t->status, sizeof(t->status), "open");
		if ((rc = to_customer(in, t, mb, "reopened", "reopened", text,
		    NULL, true, NULL, err)) != 0)
			return rc;
	} else if (strcmp(t->status, "pending") == 0) {
		/* the customer answered: the clock runs again */
		if ((rc = store_ticket_set_status(in->db, t->id, "open",
		    in->now, err)) != 0 ||
		    (rc = event(in, t->id, "status_changed", m->from.addr,
		    ev_json("from", "pending", "to", "open", NULL), err)) != 0)
			return rc;
		snprintf(t->status, sizeof(t->status), "open");
	}
	return notify_agents(in, t, mb, text, m->from.addr, m, NULL, false,
	    err);
}

/* ----- Agents' replies -------------------------------------------- */

struct agent_ctx {
	struct desk *in;
	const struct conv_mail *cm;
	struct store_ticket *t;
	const struct conf_agent *agent;
	const struct conf_mailbox *mb;
	struct cmd_list cmds;
	bool internal, resolve, rca;
	struct store_ticket merge_into;
};

static int
command_error(struct agent_ctx *x, const char *why, struct gc_err *err)
{
	struct desk *in = x->in;
	struct mailout_rcpt to = { x->agent->display_name,
		x->agent->address };
	struct mailout_req req = { 0 };
	const struct agentauth_key *key;
	struct varset vs;
	char mid[256], root[300];
	const char *rootp = root;
	int rc;

	/* kept among agents, nothing applied */
	if ((rc = store_mail(in, x->cm, x->t->id, "agent", x->agent->name,
	    true, NULL, err)) != 0 ||
	    (rc = event(in, x->t->id, "command_rejected", x->agent->name,
	    ev_json("error", why, NULL), err)) != 0 ||
	    (rc = mailout_agent_key(in->out, in->db, &key, err)) != 0)
		return rc;
	agentauth_thread_root(root, sizeof(root), key, x->t->id,
	    x->agent->name, in->conf->general.message_id_domain);
	ticket_vars(&vs, in->conf, x->t, x->mb);
	var(&vs, "agent_name", x->agent->display_name);
	var(&vs, "error", why);
	var(&vs, "commands_help", commands_help());
	req.template_name = "command_error";
	req.language = x->agent->language;
	req.purpose = "command_error";
	req.ticket_id = x->t->id;
	req.to = &to;
	req.nto = 1;
	req.reply_to = x->mb->address;
	req.in_reply_to = x->cm->m->message_id;
	req.references = &rootp;
	req.nreferences = 1;
	req.author = "system";
	req.agent = x->agent->name;
	req.internal = true;
	req.automatic = true;
	req.vars = vs.v;
	req.nvars = vs.n;
	return mailout_queue(in->out, in->db, in->now, &req, mid, err);
}

/* Check what the commands need before applying any of them. */
static int
validate_commands(struct agent_ctx *x, char *why, size_t whylen,
    struct gc_err *err)
{
	for (size_t i = 0; i < x->cmds.n; i++) {
		const struct cmd *c = &x->cmds.v[i];
		int rc;

		if (c->kind == CMD_ASSIGN && strcmp(c->arg, "me") != 0) {
			bool known = false;

			for (size_t k = 0; k < x->in->conf->nagents; k++)
				if (strcmp(x->in->conf->agents[k].name,
				    c->arg) == 0)
					known = true;
			if (!known) {
				snprintf(why, whylen, "line %d: \"#assign %s\": "
				    "no agent of that name", c->line, c->arg);
				return 1;
			}
		}
		if (c->kind == CMD_MERGE) {
			store_ticket_clear(&x->merge_into);
			rc = store_ticket_by_number(x->in->db, c->arg,
			    &x->merge_into, err);
			if (rc == GC_ENOTFOUND) {
				gc_err_clear(err);
				snprintf(why, whylen, "line %d: \"#merge %s\": "
				    "no such ticket", c->line, c->arg);
				return 1;
			}
			if (rc != 0)
				return rc;
			if (x->merge_into.id == x->t->id ||
			    x->merge_into.merged_into != 0) {
				snprintf(why, whylen, "line %d: \"#merge %s\": "
				    "cannot merge into %s", c->line, c->arg,
				    x->merge_into.id == x->t->id ?
				    "the ticket itself" : "a merged ticket");
				return 1;
			}
		}
	}
	return 0;
}

static int
set_status(struct agent_ctx *x, const char *status, struct gc_err *err)
{
	char from[16];
	int rc;

	if (strcmp(x->t->status, status) == 0)
		return 0;
	snprintf(from, sizeof(from), "%s", x->t->status);
	if ((rc = store_ticket_set_status(x->in->db, x->t->id, status,
	    x->in->now, err)) != 0)
		return rc;
	snprintf(x->t->status, sizeof(x->t->status), "%s", status);
	return event(x->in, x->t->id, "status_changed", x->agent->name,
	    ev_json("from", from, "to", status, NULL), err);
}

static int
apply_command(struct agent_ctx *x, const struct cmd *c, struct gc_err *err)
{
	struct desk *in = x->in;
	const char *who = x->agent->name;
	int rc = 0;

	switch (c->kind) {
	case CMD_PRIORITY:
		if (strcmp(x->t->priority, c->arg) == 0)
			return 0;
		rc = event(in, x->t->id, "priority_changed", who, ev_json(
		    "from", x->t->priority, "to", c->arg, NULL), err);
		if (rc == 0)
			rc = store_ticket_set_priority(in->db, x->t->id,
			    c->arg, in->now, err);
		snprintf(x->t->priority, sizeof(x->t->priority), "%.2s", c->arg);
		if (rc == 0)
			rc = add_csm(in, x->t->id, x->t->plan, x->t->priority,
			    NULL, err);
		return rc;
	case CMD_STATUS:
		if (strcmp(c->arg, "resolved") == 0) {
			x->resolve = true;
			return 0;
		}
		return set_status(x, c->arg, err);
	case CMD_ASSIGN: {
		const char *name = strcmp(c->arg, "me") == 0 ? who : c->arg;

		rc = store_ticket_set_assignee(in->db, x->t->id, name, in->now,
		    err);
		if (rc == 0)
			rc = event(in, x->t->id, "assigned", who, ev_json(
			    "assignee", name, NULL), err);
		snprintf(x->t->assignee, sizeof(x->t->assignee), "%s", name);
		return rc;
	}
	case CMD_INTERNAL:
		return 0;   /* decided before storing */
	case CMD_WORKAROUND:
		rc = store_ticket_mark(in->db, x->t->id, STORE_MARK_WORKAROUND,
		    in->now, err);
		if (rc == 0)
			rc = event(in, x->t->id, "workaround", who, NULL, err);
		return rc;
	case CMD_RESOLVE:
		x->resolve = true;
		return 0;
	case CMD_RCA:
		x->rca = true;
		return 0;
	case CMD_CLOSE:
		return set_status(x, "closed", err);
	case CMD_MERGE:
		rc = store_ticket_merge(in->db, x->t->id, x->merge_into.id,
		    in->now, err);
		if (rc == 0)
			rc = event(in, x->t->id, "merged", who, ev_json(
			    "into", x->merge_into.number, NULL), err);
		if (rc == 0)
			rc = event(in, x->merge_into.id, "merged_in", who,
			    ev_json("from", x->t->number, NULL), err);
		return rc;
	}
	return 0;
}

static int
agent_reply(struct desk *in, const struct conv_mail *cm,
    struct store_ticket *t, const struct conf_agent *agent, const char *how,
    struct intake_result *res, struct gc_err *err)
{
	struct agent_ctx x = { .in = in, .cm = cm, .t = t, .agent = agent };
	const char *text = new_text_of(cm->m), *body;
	char why[256];
	bool merged = false;
	int rc;

	x.mb = ticket_mailbox(in->conf, t, cm->mb);
	res->outcome = INTAKE_FOLLOWUP;
	if (commands_parse(&x.cmds, text, why, sizeof(why)) != 0)
		return command_error(&x, why, err);
	rc = validate_commands(&x, why, sizeof(why), err);
	if (rc == 1) {
		rc = command_error(&x, why, err);
		goto out;
	}
	if (rc != 0)
		goto out;
	for (size_t i = 0; i < x.cmds.n; i++)
		if (x.cmds.v[i].kind == CMD_INTERNAL)
			x.internal = true;
	body = text + x.cmds.body_offset;
	while (*body == '\n' || *body == '\r')
		body++;
	if ((rc = store_mail(in, cm, t->id, "agent", agent->name, x.internal,
	    NULL, err)) != 0 ||
	    (rc = store_ticket_touch(in->db, t->id, in->now, err)) != 0 ||
	    (rc = event(in, t->id, x.internal ? "internal_note" :
	    "agent_reply", agent->name, ev_json("message_id",
	    cm->m->message_id, "authenticated_by", how, NULL), err)) != 0)
		goto out;
	for (size_t i = 0; rc == 0 && i < x.cmds.n; i++) {
		rc = apply_command(&x, &x.cmds.v[i], err);
		merged |= x.cmds.v[i].kind == CMD_MERGE;
	}
	if (rc != 0)
		goto out;
	if (x.resolve && (rc = set_status(&x, "resolved", err)) != 0)
		goto out;
	if (x.internal) {
		rc = notify_agents(in, t, x.mb, body, agent->display_name,
		    cm->m, agent->name, false, err);
		goto out;
	}
	if (merged)
		goto out;
	if (x.resolve || x.rca || body[0] != '\0') {
		const char *tpl = x.resolve ? "resolution" : x.rca ? "rca" :
		    "update";

		if ((rc = to_customer(in, t, x.mb, tpl, tpl, body, agent,
		    false, NULL, err)) != 0)
			goto out;
		if (x.rca && (rc = store_ticket_mark(in->db, t->id,
		    STORE_MARK_RCA_SENT, in->now, err)) != 0)
			goto out;
		if (strcmp(t->status, "new") == 0 &&
		    (rc = set_status(&x, "open", err)) != 0)
			goto out;
		if ((rc = store_ticket_mark(in->db, t->id,
		    STORE_MARK_FIRST_RESPONSE, in->now, err)) != 0 ||
		    (rc = store_ticket_mark(in->db, t->id,
		    STORE_MARK_LAST_UPDATE, in->now, err)) != 0)
			goto out;
	}
	if (strcmp(t->status, "closed") == 0 && x.cmds.n > 0)
		rc = to_customer(in, t, x.mb, "closed", "closed", NULL, agent,
		    true, NULL, err);
out:
	store_ticket_clear(&x.merge_into);
	return rc;
}

/* ----- Strangers -------------------------------------------------- */

static int
stranger(struct desk *in, const struct conv_mail *cm,
    struct store_ticket *t, const char *tag, bool forged_agent,
    struct intake_result *res, struct gc_err *err)
{
	char old[64];
	int rc;

	if (forged_agent && (rc = event(in, t->id, "agent_unauthenticated",
	    cm->m->from.addr, ev_json("message_id", cm->m->message_id, NULL),
	    err)) != 0)
		return rc;
	if (strcmp(in->conf->general.stranger_followup, "hold") == 0) {
		struct store_quarantine q = {
			.mailbox = cm->mb->name, .reason = "stranger",
			.raw = cm->raw, .raw_len = cm->len,
			.dedup_key = cm->key, .imap_uid = cm->uid,
			.now = in->now,
		};
		char detail[200];

		snprintf(detail, sizeof(detail), "%s is not a participant of "
		    "%s", cm->m->from.addr, t->number);
		q.detail = detail;
		if ((rc = store_quarantine_insert(in->db, &q,
		    &res->quarantine_id, err)) != 0)
			return rc;
		res->outcome = INTAKE_QUARANTINED;
		snprintf(res->reason, sizeof(res->reason), "stranger: %s",
		    detail);
		return event(in, t->id, "stranger_held", cm->m->from.addr,
		    ev_json("message_id", cm->m->message_id, NULL), err);
	}
	snprintf(old, sizeof(old), "%s", t->number);
	if ((rc = new_ticket(in, cm, t->id, tag[0] ? tag : NULL, res,
	    err)) != 0)
		return rc;
	snprintf(res->reason, sizeof(res->reason), "not a participant of "
	    "%s", old);
	return event(in, t->id, "stranger_followup", cm->m->from.addr,
	    ev_json("new_ticket", res->number, NULL), err);
}

/* ----- The entry point -------------------------------------------- */

static int
is_participant(struct desk *in, const struct store_ticket *t,
    const char *addr, bool *yes_r, struct gc_err *err)
{
	struct store_participant *p;
	size_t n;
	int rc;

	*yes_r = str_casecmp(addr, t->requester) == 0;
	if (*yes_r)
		return 0;
	if ((rc = store_participants(in->db, t->id, &p, &n, err)) != 0)
		return rc;
	for (size_t i = 0; i < n && !*yes_r; i++)
		*yes_r = str_casecmp(p[i].address, addr) == 0;
	store_participants_free(&p, n);
	return 0;
}

int
conversation_handle(struct desk *in, const struct conv_mail *cm,
    struct intake_result *res, struct gc_err *err)
{
	const struct mail *m = cm->m;
	const struct conf_agent *agent;
	struct store_ticket t = { 0 };
	char tag[64];
	bool found, member;
	int rc;

	if ((rc = find_ticket(in, m, &t, &found, tag, sizeof(tag), err)))
		return rc;
	if (!found)
		return new_ticket(in, cm, 0, NULL, res, err);
	snprintf(res->number, sizeof(res->number), "%s", t.number);
	res->ticket_id = t.id;
	agent = conf_agent_by_address(in->conf, m->from.addr);
	if (agent != NULL) {
		const struct agentauth_key *key;
		const char *how = NULL;
		bool ok;

		if ((rc = mailout_agent_key(in->out, in->db, &key, err)))
			goto out;
		ok = agent_authenticated(in, m, agent, t.id, key, &how);
		if (ok && cm->automatic != NULL) {
			/* an agent's out-of-office never reaches customers */
			res->outcome = INTAKE_FOLLOWUP;
			if ((rc = store_mail(in, cm, t.id, "agent", agent->name,
			    true, NULL, err)) == 0)
				rc = event(in, t.id, "auto_reply", agent->name,
				    ev_json("reason", cm->automatic, NULL),
				    err);
			goto out;
		}
		if (ok) {
			rc = agent_reply(in, cm, &t, agent, how, res, err);
			goto out;
		}
		log_warn("ticket %s: mail From: agent %s without proof that "
		    "the agent sent it: taken as a stranger's", t.number,
		    agent->name);
		rc = stranger(in, cm, &t, tag, true, res, err);
		goto out;
	}
	if ((rc = is_participant(in, &t, m->from.addr, &member, err)) != 0)
		goto out;
	if (member)
		rc = customer_followup(in, cm, &t, res, err);
	else
		rc = stranger(in, cm, &t, tag, false, res, err);
out:
	store_ticket_clear(&t);
	return rc;
}

int
conversation_release(struct desk *in, const struct conv_mail *cm,
    const char *into, struct intake_result *res, struct gc_err *err)
{
	struct store_ticket t = { 0 };
	char tag[64];
	bool found;
	int rc, hops = 0;

	memset(res, 0, sizeof(*res));
	if (into == NULL) {
		/* a new ticket, related to the one the mail names if any
		 * (as a stranger's follow-up would have been) */
		if ((rc = find_ticket(in, cm->m, &t, &found, tag, sizeof(tag),
		    err)) == 0)
			rc = new_ticket(in, cm, found ? t.id : 0, found &&
			    tag[0] ? tag : NULL, res, err);
		/* the ticket it named reads as if the mail was never held */
		if (rc == 0 && found)
			rc = event(in, t.id, "stranger_followup",
			    cm->m->from.addr, ev_json("new_ticket", res->number,
			    NULL), err);
		goto out;
	}
	rc = store_ticket_by_number(in->db, into, &t, err);
	if (rc == GC_ENOTFOUND)
		rc = gc_err_set(err, GC_ENOTFOUND, "no ticket %s", into);
	while (rc == 0 && t.merged_into != 0 && hops++ < 16) {
		int64_t id = t.merged_into;

		store_ticket_clear(&t);
		rc = store_ticket_by_id(in->db, id, &t, err);
	}
	if (rc != 0)
		goto out;
	snprintf(res->number, sizeof(res->number), "%s", t.number);
	res->ticket_id = t.id;
	if ((rc = customer_followup(in, cm, &t, res, err)) == 0)
		rc = timers_refresh(in, t.id, err);
out:
	store_ticket_clear(&t);
	return rc;
}

int
conversation_bounce(struct desk *in, const struct conv_mail *cm,
    const struct bounce *b, struct intake_result *res, struct gc_err *err)
{
	const char *orig = b->original_message_id;
	struct store_ticket t = { 0 };
	int64_t id = 0;
	int rc = GC_ENOTFOUND;

	if (orig != NULL)
		rc = store_ticket_by_message_ids(in->db, &orig, 1, &id, err);
	if (rc == GC_ENOTFOUND) {
		struct store_quarantine q = {
			.mailbox = cm->mb->name, .reason = "bounce",
			.detail = "a delivery report about no mail of ours",
			.raw = cm->raw, .raw_len = cm->len,
			.dedup_key = cm->key, .imap_uid = cm->uid,
			.now = in->now,
		};

		gc_err_clear(err);
		if ((rc = store_quarantine_insert(in->db, &q,
		    &res->quarantine_id, err)) != 0)
			return rc;
		res->outcome = INTAKE_QUARANTINED;
		snprintf(res->reason, sizeof(res->reason), "bounce: %s",
		    q.detail);
		return 0;
	}
	if (rc != 0 || (rc = store_ticket_by_id(in->db, id, &t, err)) != 0)
		return rc;
	snprintf(res->number, sizeof(res->number), "%s", t.number);
	res->ticket_id = t.id;
	res->outcome = INTAKE_FOLLOWUP;
	snprintf(res->reason, sizeof(res->reason), "delivery report (%s%s%s)",
	    bounce_kind_name(b->kind), b->status ? " " : "",
	    b->status ? b->status : "");
	rc = store_mail(in, cm, t.id, "system", NULL, true, NULL, err);
	for (size_t i = 0; rc == 0 && i < b->nrecipients; i++) {
		const struct bounce_recipient *r = &b->recipients[i];

		rc = event(in, t.id, b->kind == BOUNCE_FAILED ?
		    "delivery_failed" : b->kind == BOUNCE_DELAYED ?
		    "delivery_delayed" : "delivery_report", NULL, ev_json(
		    "recipient", r->address, "action", r->action, "status",
		    r->status, "diagnostic", r->diagnostic, "message_id", orig,
		    NULL), err);
	}
	if (rc == 0 && b->nrecipients == 0)
		rc = event(in, t.id, b->kind == BOUNCE_FAILED ?
		    "delivery_failed" : b->kind == BOUNCE_DELAYED ?
		    "delivery_delayed" : "delivery_report", NULL, ev_json(
		    "status", b->status, "message_id", orig, NULL), err);
	store_ticket_clear(&t);
	return rc;
}

int
conversation_autoclose(struct desk *in, long long delay_seconds,
    int *closed_r, struct gc_err *err)
{
	int64_t ids[100];
	size_t n;
	int rc;

	*closed_r = 0;
	if ((rc = store_tickets_to_autoclose(in->db, in->now -
	    (time_t)delay_seconds, 100, ids, &n, err)) != 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		struct store_ticket t = { 0 };
		const struct conf_mailbox *mb;

		if ((rc = store_ticket_by_id(in->db, ids[i], &t, err)) != 0)
			return rc;
		mb = ticket_mailbox(in->conf, &t, in->conf->nmailboxes ?
		    &in->conf->mailboxes[0] : NULL);
		rc = store_ticket_set_status(in->db, t.id, "closed", in->now,
		    err);
		if (rc == 0)
			rc = event(in, t.id, "auto_closed", NULL, ev_json(
			    "reason", "no answer after resolution", NULL),
			    err);
		snprintf(t.status, sizeof(t.status), "closed");
		if (rc == 0 && mb != NULL)
			rc = to_customer(in, &t, mb, "closed", "closed", NULL,
			    NULL, true, NULL, err);
		if (rc == 0)
			rc = timers_refresh(in, t.id, err);
		store_ticket_clear(&t);
		if (rc != 0)
			return rc;
		(*closed_r)++;
	}
	return 0;
}
