/*
 * reply.c - mails about a ticket, to customers and agents (see reply.h)
 */
#include "desk/reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/evjson.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "desk/agentauth.h"
#include "desk/follow.h"
#include "desk/mailout.h"
#include "desk/pgp.h"
#include "desk/record.h"
#include "notify/compose.h"
#include "notify/template.h"
#include "parsers/address.h"
#include "parsers/commands.h"
#include "parsers/html_safe.h"
#include "parsers/mime.h"
#include "sql/store_message.h"
#include "sql/store_participant.h"
#include "sql/store_ticket.h"

#define THREAD_REFS 20    /* Message-IDs in References: of a reply */
#define MAX_VARS 32
/* Files an agent's reply carries to the customer, whatever the config
 * says: the message, base64 and all, stays under mailout's cap. */
#define REPLY_ATTACH_HARD_MAX (16 * 1024 * 1024)
#define MAX_IMAGE_REFS 100      /* inline images named in a relayed text */

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
		fatal("reply: too many template variables");
	vs->v[vs->n].name = name;
	vs->v[vs->n].value = value;
	vs->n++;
}

const struct conf_mailbox *
reply_mailbox(const struct conf *c, const struct store_ticket *t,
    const struct conf_mailbox *fallback)
{
	const struct conf_mailbox *mb = conf_mailbox(c, t->mailbox);

	if (mb != NULL)
		return mb;
	if (fallback == NULL && c->nmailboxes > 0)
		return &c->mailboxes[0];
	return fallback;
}

static const char *const status_labels[] = {
	"new", "received", "re\u00e7u",
	"open", "in progress", "en cours",
	"pending", "waiting for your answer",
	"en attente de votre r\u00e9ponse",
	"resolved", "resolved", "r\u00e9solu",
	"closed", "closed", "clos",
	NULL };

/* the mails of ours that undelivered.h tells of */
static const char *const purpose_labels[] = {
	"update", "answer", "r\u00e9ponse",
	"resolution", "resolution mail", "mail de r\u00e9solution",
	"rca", "root-cause analysis", "analyse des causes",
	"canned_reply", "canned reply", "r\u00e9ponse type",
	NULL };

static const char *const timer_labels[] = {
	"acknowledge", "acknowledgement", "prise en compte",
	"workaround", "workaround", "contournement",
	"resolve", "resolution", "r\u00e9solution",
	"update", "update", "point d'\u00e9tape",
	"rca", "RCA", "RCA",
	NULL };

/* The word of a table of (key, English, French) rows for key, in lang. */
static const char *
label_of(const char *const *table, const char *key, const char *lang)
{
	return word_in(table, key, lang != NULL && strcmp(lang, "fr") == 0);
}

const char *
reply_status_label(const char *status, const char *lang)
{
	return label_of(status_labels, status, lang);
}

const char *
reply_timer_label(const char *kind, const char *lang)
{
	return label_of(timer_labels, kind, lang);
}

/* The variables of every mail about t, in lang (its reader's). */
static void
ticket_vars(struct varset *vs, const struct conf *c,
    const struct store_ticket *t, const struct conf_mailbox *mb,
    const char *lang)
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
	var(vs, "status_label", reply_status_label(t->status, lang));
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

/* A ticket of a redacted queue (conf_queue_redacted): what its mails to
 * agents say instead of the subject, and of the text and files. */
const char *
reply_withheld_subject(const char *lang)
{
	return strcmp(lang, "fr") == 0 ? "(signalement de sécurité)" :
	    "(security report)";
}

static void
redacted_summary(struct buf *b, const struct store_ticket *t,
    const struct mail *m, const char *text, const char *lang)
{
	size_t lines = 0, files = m ? m->nattachments : 0;

	for (const char *p = text ? text : ""; *p != '\0'; p++)
		lines += *p == '\n' || p[1] == '\0';
	if (strcmp(lang, "fr") == 0)
		(void)!buf_printf(b, "Message de %s : %zu ligne(s) de texte, "
		    "%zu fichier(s), non envoyés par mail (file restreinte). "
		    "Pour le lire : guichet ticket show %s\n", t->requester,
		    lines, files, t->number);
	else
		(void)!buf_printf(b, "Message from %s: %zu line(s) of text, "
		    "%zu file(s), not sent by mail (restricted queue). To "
		    "read it: guichet ticket show %s\n", t->requester, lines,
		    files, t->number);
}

/* The customer and the other participants (p, n), as recipients. */
static void
customer_rcpts(struct desk *in, const struct store_ticket *t,
    const struct store_participant *p, size_t n, struct mailout_rcpt **to_r,
    size_t *nto_r, struct mailout_rcpt **cc_r, size_t *ncc_r)
{
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
		/* the customer in another writing gets no second copy */
		if (addr_same(p[i].address, t->requester) ||
		    conf_is_our_address(in->conf, p[i].address) ||
		    conf_agent_by_address(in->conf, p[i].address) != NULL ||
		    compose_addr_check(p[i].address, NULL) != 0)
			continue;
		(*cc_r)[*ncc_r].name = p[i].name;
		(*cc_r)[(*ncc_r)++].addr = p[i].address;
	}
}

/* What an agent's mail adds to our copy for the customer: its files up
 * to the cap (a line of the text and an event for each one left out),
 * and its HTML, sanitised. The strings live in r->a. */
struct relay {
	struct arena a;
	struct mailout_file *files;
	size_t nfiles;
	struct buf text;        /* the agent's text and the notes */
	struct buf notes_html;
	struct mailout_var html;
	bool has_html;
	bool fr;                /* the notes in French (the customer's) */
};

/* line on a line of its own at the end of b */
static void
add_line(struct buf *b, const char *line)
{
	(void)!buf_printf(b, "%s%s\n", b->len > 0 && b->data[b->len - 1] !=
	    '\n' ? "\n" : "", line);
}

static int
relay_files(struct desk *in, const struct store_ticket *t,
    const struct conf_agent *agent, const struct mail *m, struct relay *r,
    struct gc_err *err)
{
	size_t max = (size_t)in->conf->general.reply_attach_max, attached = 0;
	int rc = 0;

	if (max > REPLY_ATTACH_HARD_MAX)
		max = REPLY_ATTACH_HARD_MAX;
	r->files = arena_alloc(&r->a, (m->nattachments + 1) *
	    sizeof(*r->files));
	for (size_t i = 0; rc == 0 && i < m->nattachments; i++) {
		const struct mail_attachment *a = &m->attachments[i];
		struct evjson *e;
		char *note, size[32], cap[32];

		if (attached + a->len <= max) {
			r->files[r->nfiles].filename = a->filename;
			r->files[r->nfiles].content_type = a->content_type;
			r->files[r->nfiles].data = a->data ? (const void *)a->data :
			    "";
			r->files[r->nfiles++].len = a->data ? a->len : 0;
			attached += a->data ? a->len : 0;
			continue;
		}
		size_text(size, sizeof(size), a->len, r->fr);
		size_text(cap, sizeof(cap), max, r->fr);
		note = arena_printf(&r->a, r->fr ? "[non joint : %s, %s, "
		    "au-del\u00e0 des %s de fichiers qu'une r\u00e9ponse "
		    "emporte]" : "[not attached: %s, %s, over the %s of files "
		    "a reply carries]", a->filename, size, cap);
		add_line(&r->text, note);
		(void)!buf_addstr(&r->notes_html, "<p>");
		(void)!compose_html_escape(&r->notes_html, note, strlen(note));
		(void)!buf_addstr(&r->notes_html, "</p>\n");
		e = ev_new();
		ev_str(e, "filename", a->filename);
		ev_str(e, "content_type", a->content_type);
		ev_int(e, "bytes", (long long)a->len);
		ev_int(e, "limit", (long long)max);
		rc = record_event(in, t->id, "attachment_not_sent", agent->name,
		    ev_end(e), err);
	}
	return rc;
}

/* Does sanitised HTML show anything but blanks? (Its tags are ours:
 * no '>' inside one.) */
static bool
has_words(const char *h)
{
	for (bool tag = false; *h != '\0'; h++) {
		if (*h == '<' || *h == '>')
			tag = *h == '<';
		else if (!tag && (unsigned char)*h > ' ')
			return true;
	}
	return false;
}

static int
relay_prepare(struct desk *in, const struct store_ticket *t,
    const struct conf_agent *agent, const char *text, const struct mail *m,
    const char *lang, struct relay *r, struct gc_err *err)
{
	char *h = NULL;
	int rc;

	r->fr = strcmp(lang, "fr") == 0;
	arena_init(&r->a, 8192);
	buf_init(&r->text, TEMPLATE_MAX_OUTPUT);
	buf_init(&r->notes_html, TEMPLATE_MAX_OUTPUT);
	(void)!buf_addstr(&r->text, text ? text : "");
	/* an inline image the text does not name yet (its HTML showed it);
	 * a few looked for, not thousands */
	for (size_t i = 0, k = 0; i < m->nattachments && k < MAX_IMAGE_REFS;
	    i++) {
		const char *ref;

		if (m->attachments[i].content_id == NULL)
			continue;
		k++;
		ref = arena_printf(&r->a, "[image: %s]",
		    m->attachments[i].filename);
		if (strstr(buf_str(&r->text), ref) == NULL)
			add_line(&r->text, ref);
	}
	if ((rc = relay_files(in, t, agent, m, r, err)) != 0)
		return rc;
	/* the HTML, when there is one and it says something: a mail too
	 * big or too broken for it keeps its text only */
	if (html_safe_mail(&h, &r->a, m, TEMPLATE_MAX_OUTPUT / 2,
	    HTML_SAFE_NO_HISTORY | HTML_SAFE_NO_COMMANDS) == 0 && h != NULL &&
	    has_words(h)) {
		r->html.name = "message_text";
		r->html.value = arena_printf(&r->a, "%s%s", h,
		    buf_str(&r->notes_html));
		r->has_html = true;
	}
	return 0;
}

static int
relay_drop_files(struct desk *in, const struct store_ticket *t,
    const struct conf_agent *agent, struct relay *r, struct varset *vs,
    struct mailout_req *req, struct gc_err *err)
{
	char *note = arena_printf(&r->a, r->fr ? "[fichiers non joints "
	    "(%zu) : le message d\u00e9passerait sa taille maximale]" :
	    "[files not attached (%zu): the message would pass its size "
	    "limit]", req->nfiles);
	struct evjson *e = ev_new();

	add_line(&r->text, note);
	var(vs, "message_text", buf_str(&r->text));
	req->vars = vs->v;
	req->nvars = vs->n;
	req->files = NULL;
	req->nfiles = 0;
	ev_str(e, "reason", "message too large");
	ev_int(e, "files", (long long)r->nfiles);
	return record_event(in, t->id, "attachment_not_sent", agent->name,
	    ev_end(e), err);
}

static void
relay_free(struct relay *r)
{
	arena_free(&r->a);
	buf_free(&r->text);
	buf_free(&r->notes_html);
}

/* No address of the ticket's customer side can be written to (one
 * that hides what it is, say, or that came in a charset other than
 * UTF-8: compose_addr_check()): said on the ticket and in the log, with
 * what is wrong with the customer's address, so that an agent and the
 * operator know. */
static int
not_sent(struct desk *in, const struct store_ticket *t, const char *purpose,
    struct gc_err *err)
{
	struct gc_err why = { 0 };
	char reason[GC_ERRMSG_SIZE + 64];

	if (compose_addr_check(t->requester, &why) != 0)
		snprintf(reason, sizeof(reason), "no recipient address we can "
		    "write to (the customer's: %s)", why.msg);
	else
		snprintf(reason, sizeof(reason), "no recipient address we can "
		    "write to");
	log_warn("ticket %s: %s not sent: %s (see the ticket's mail_not_sent "
	    "event)", t->number, purpose, reason);
	return record_event(in, t->id, "mail_not_sent", NULL, ev_json(
	    "purpose", purpose, "reason", reason, NULL), err);
}

/* Send a template to the customer and participants, threaded to the
 * customer's last mail. origin: the mail that opened the ticket, when
 * answering it at once (the acknowledgement): then the recipients and the
 * thread are known without asking the database. relay: the agent's mail
 * whose files and HTML go along, or NULL. */
static int
customer_mail(struct desk *in, const struct store_ticket *t,
    const struct conf_mailbox *mb, const char *template_name,
    const char *purpose, const char *text, const struct conf_agent *agent,
    bool automatic, const struct mail *origin, const struct mail *relay,
    const struct mailout_var *extra, size_t nextra, struct gc_err *err)
{
	struct mailout_rcpt *to = NULL, *cc = NULL;
	struct store_reply_context ctx = { 0 };
	size_t nto = 0, ncc = 0, nrefs = 0;
	char **refs = NULL, *last = NULL, mid[256];
	struct varset vs;
	struct mailout_req req = { 0 };
	struct mailout_var pv[2];
	char pline[200];
	struct relay r = { 0 };
	bool relayed = false;
	char *follow = NULL;
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
			rc = not_sent(in, t, purpose, err);
		if (rc != 0 || nto == 0)
			goto out;
		goto send;
	}
	/* the recipients and the thread in one round trip */
	if ((rc = store_reply_context(in->db, t->id, THREAD_REFS, &ctx,
	    err)) != 0)
		goto out;
	customer_rcpts(in, t, ctx.parts, ctx.nparts, &to, &nto, &cc, &ncc);
	refs = ctx.ids;
	nrefs = ctx.nids;
	last = ctx.last;
	ctx.ids = NULL;
	ctx.nids = 0;
	ctx.last = NULL;
	if (nto + ncc == 0) {
		rc = not_sent(in, t, purpose, err);
		goto out;
	}
	if (nto == 0) {
		/* the requester cannot be written to: the others still are */
		to[0] = cc[--ncc];
		nto = 1;
	}
send:
	if (relay != NULL && agent != NULL) {
		relayed = true;
		if ((rc = relay_prepare(in, t, agent, text, relay,
		    ticket_language(t, mb), &r, err)) != 0)
			goto out;
		text = buf_str(&r.text);
		req.files = r.files;
		req.nfiles = r.nfiles;
		req.html_vars = r.has_html ? &r.html : NULL;
		req.nhtml_vars = r.has_html ? 1 : 0;
	}
	ticket_vars(&vs, in->conf, t, mb, ticket_language(t, mb));
	var(&vs, "message_text", text ? text : "");
	if (agent != NULL)
		var(&vs, "agent_name", agent->display_name);
	for (size_t i = 0; i < nextra; i++)
		var(&vs, extra[i].name, extra[i].value);
	pgp_vars(pv, pline, sizeof(pline), in->conf, t->mailbox,
	    ticket_language(t, mb));
	var(&vs, pv[0].name, pv[0].value);
	var(&vs, pv[1].name, pv[1].value);
	follow = follow_line(in, t, ticket_language(t, mb));
	var(&vs, "follow_line", follow);
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
	/* the answer to the mail that opened the ticket is its first: its
	 * slot is now, taken with the mail */
	req.first_slot = origin != NULL &&
	    in->conf->general.ticket_send_cap > 0;
	/* past the ticket's hourly cap the mail waits its turn */
	req.slot_cap = req.first_slot ? 0 : in->conf->general.ticket_send_cap;
	rc = mailout_queue(in->out, in->db, in->now, &req, mid, err);
	if (rc == GC_ELIMIT && req.nfiles > 0) {
		/* a long text and the files pass the message's cap: the
		 * reply goes without them, and says so */
		gc_err_clear(err);
		rc = relay_drop_files(in, t, agent, &r, &vs, &req, err);
		if (rc == 0)
			rc = mailout_queue(in->out, in->db, in->now, &req, mid,
			    err);
	}
out:
	if (relayed)
		relay_free(&r);
	free(to);
	free(cc);
	store_reply_context_clear(&ctx);
	store_strings_free(refs, nrefs);
	free(last);
	free(follow);
	return rc;
}

int
reply_customer(struct desk *in, const struct store_ticket *t,
    const struct conf_mailbox *mb, const char *template_name,
    const char *purpose, const char *text, const struct conf_agent *agent,
    bool automatic, const struct mail *origin, struct gc_err *err)
{
	return customer_mail(in, t, mb, template_name, purpose, text, agent,
	    automatic, origin, NULL, NULL, 0, err);
}

int
reply_customer_vars(struct desk *in, const struct store_ticket *t,
    const struct conf_mailbox *mb, const char *template_name,
    const char *purpose, const struct mailout_var *extra, size_t nextra,
    struct gc_err *err)
{
	return customer_mail(in, t, mb, template_name, purpose, NULL, NULL,
	    true, NULL, NULL, extra, nextra, err);
}

int
reply_relay(struct desk *in, const struct store_ticket *t,
    const struct conf_mailbox *mb, const char *template_name,
    const char *purpose, const char *text, const struct conf_agent *agent,
    const struct mail *m, const struct mailout_var *extra, size_t nextra,
    struct gc_err *err)
{
	return customer_mail(in, t, mb, template_name, purpose, text, agent,
	    false, NULL, m, extra, nextra, err);
}

/* The files of m, a line each, for a reader of French (fr) or English. */
static void
attachment_list(struct buf *b, const struct mail *m, bool fr)
{
	if (m == NULL || m->nattachments == 0)
		return;
	if (buf_addstr(b, "\n") != 0)
		return;
	for (size_t i = 0; i < m->nattachments; i++) {
		char size[32];

		size_text(size, sizeof(size), m->attachments[i].len, fr);
		if (buf_printf(b, "[%s, %s, %s]\n", m->attachments[i].filename ?
		    m->attachments[i].filename : fr ? "(sans nom)" :
		    "(no name)", m->attachments[i].content_type, size) != 0)
			return;
	}
}

/* A mail of ours to one agent about a ticket (purpose = template name):
 * internal, automatic, never a message of the ticket's conversation. */
static void
to_agent(struct mailout_req *req, const char *purpose,
    const struct conf_agent *a, const struct mailout_rcpt *to,
    const struct store_ticket *t, const struct conf_mailbox *mb,
    const struct varset *vs)
{
	req->template_name = purpose;
	req->purpose = purpose;
	req->language = a->language;
	req->ticket_id = t->id;
	req->to = to;
	req->nto = 1;
	req->reply_to = mb->address;
	req->author = "system";
	req->agent = a->name;
	req->internal = true;
	req->automatic = true;
	req->vars = vs->v;
	req->nvars = vs->n;
}

/* Tell the agents of the ticket's queue (only_agent alone, when it is
 * one of them) by template tpl, each in their own thread of the ticket,
 * with a Message-ID that carries their token; extra: more variables,
 * NULL-ended rows of (name, value, value for a French reader or NULL:
 * the same). */
static int
agents_mail(struct desk *in, const struct store_ticket *t,
    const struct conf_mailbox *mb, const char *tpl, const char *text,
    const char *author, const struct mail *m, const char *except_agent,
    const char *only_agent, bool fresh, const char *const *extra,
    struct gc_err *err)
{
	const struct conf *c = in->conf;
	const struct agentauth_key *key;
	/* the customer's files, listed for English and French readers:
	 * each made when a first agent reads it */
	struct buf list[2] = { BUF_INIT(64 * 1024), BUF_INIT(64 * 1024) };
	bool listed[2] = { false, false };
	struct buf summary = BUF_INIT(1024);
	struct mailout_file *files = NULL;
	size_t nfiles = 0, attached = 0;
	bool redact = conf_queue_redacted(c, t->queue);
	int rc;

	if ((rc = mailout_agent_key(in->out, in->db, &key, err)) != 0)
		return rc;
	if (!redact && m != NULL && m->nattachments > 0) {
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
		bool fr = strcmp(a->language, "fr") == 0;

		if (!conf_agent_has_queue(a, t->queue) || (except_agent &&
		    strcmp(except_agent, a->name) == 0) || (only_agent &&
		    strcmp(only_agent, a->name) != 0))
			continue;
		agentauth_hint(hint, sizeof(hint), key, t->id, a->name);
		agentauth_thread_root(root, sizeof(root), key, t->id, a->name,
		    c->general.message_id_domain);
		ticket_vars(&vs, c, t, mb, a->language);
		var(&vs, "message_text", text);
		if (redact) {
			summary.len = 0;
			redacted_summary(&summary, t, m, text, a->language);
			var(&vs, "message_text", buf_str(&summary));
			var(&vs, "subject", reply_withheld_subject(a->language));
		}
		var(&vs, "author", author);
		if (!redact && !listed[fr]) {
			attachment_list(&list[fr], m, fr);
			listed[fr] = true;
		}
		var(&vs, "attachments", buf_str(&list[fr]));
		var(&vs, "commands_help", commands_help_in(a->language));
		for (size_t k = 0; extra != NULL && extra[k] != NULL; k += 3)
			var(&vs, extra[k], fr && extra[k + 2] != NULL ?
			    extra[k + 2] : extra[k + 1]);
		to_agent(&req, tpl, a, &to, t, mb, &vs);
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
		req.not_a_message = true;
		req.files = files;
		req.nfiles = nfiles;
		rc = mailout_queue(in->out, in->db, in->now, &req, mid, err);
	}
	free(files);
	buf_free(&list[0]);
	buf_free(&list[1]);
	buf_free(&summary);
	return rc;
}

int
reply_agents(struct desk *in, const struct store_ticket *t,
    const struct conf_mailbox *mb, const char *text, const char *author,
    const struct mail *m, const char *except_agent, bool fresh,
    struct gc_err *err)
{
	return agents_mail(in, t, mb, "notify_agent", text, author, m,
	    except_agent, NULL, fresh, NULL, err);
}

int
reply_agents_undelivered(struct desk *in, const struct store_ticket *t,
    const struct conf_mailbox *mb, const char *recipient, const char *what,
    const char *error, struct gc_err *err)
{
	const char *extra[] = { "recipient", recipient, NULL,
		"error", error, NULL, "what", what, NULL,
		"what_label", label_of(purpose_labels, what, "en"),
		label_of(purpose_labels, what, "fr"), NULL };

	return agents_mail(in, t, mb, "undelivered", NULL, "system", NULL,
	    NULL, NULL, false, extra, err);
}

int
reply_agents_reminder(struct desk *in, const struct store_ticket *t,
    const struct conf_mailbox *mb, const char *agent, const char *by,
    const char *at, struct gc_err *err)
{
	const char *extra[] = { "due_at", at, NULL, NULL };

	return agents_mail(in, t, mb, "reminder", NULL, by, NULL, NULL, agent,
	    false, extra, err);
}

/* A mail of ours to one agent in their thread of the ticket, answering
 * their mail in_reply_to: vs holds the ticket's variables, the subject
 * withheld here for a redacted queue. */
static int
agent_thread_mail(struct desk *in, const struct store_ticket *t,
    const struct conf_mailbox *mb, const struct conf_agent *agent,
    const char *in_reply_to, const char *tpl, struct varset *vs,
    struct gc_err *err)
{
	struct mailout_rcpt to = { agent->display_name, agent->address };
	struct mailout_req req = { 0 };
	const struct agentauth_key *key;
	char hint[200], mid[256], root[300];
	const char *rootp = root;
	int rc;

	if ((rc = mailout_agent_key(in->out, in->db, &key, err)) != 0)
		return rc;
	agentauth_hint(hint, sizeof(hint), key, t->id, agent->name);
	agentauth_thread_root(root, sizeof(root), key, t->id, agent->name,
	    in->conf->general.message_id_domain);
	if (conf_queue_redacted(in->conf, t->queue))
		var(vs, "subject", reply_withheld_subject(agent->language));
	var(vs, "agent_name", agent->display_name);
	to_agent(&req, tpl, agent, &to, t, mb, vs);
	req.in_reply_to = in_reply_to;
	req.references = &rootp;
	req.nreferences = 1;
	/* its Message-ID carries the agent's token: an answer to it is the
	 * agent's, proven, as an answer to a notification is */
	req.id_hint = hint;
	return mailout_queue(in->out, in->db, in->now, &req, mid, err);
}

int
reply_command_error(struct desk *in, const struct store_ticket *t,
    const struct conf_mailbox *mb, const struct conf_agent *agent,
    const char *in_reply_to, const char *why, struct gc_err *err)
{
	struct varset vs;

	ticket_vars(&vs, in->conf, t, mb, agent->language);
	var(&vs, "error", why ? why : "");
	var(&vs, "commands_help", commands_help_in(agent->language));
	return agent_thread_mail(in, t, mb, agent, in_reply_to, why ?
	    "command_error" : "command_help", &vs, err);
}

int
reply_answer_held(struct desk *in, const struct store_ticket *t,
    const struct conf_mailbox *mb, const struct conf_agent *agent,
    const char *in_reply_to, const char *first, const char *at,
    const char *text, struct gc_err *err)
{
	struct varset vs;

	ticket_vars(&vs, in->conf, t, mb, agent->language);
	var(&vs, "author", first);
	var(&vs, "answered_at", at);
	var(&vs, "message_text", conf_queue_redacted(in->conf, t->queue) ?
	    (strcmp(agent->language, "fr") == 0 ? "(non reproduite : les "
	    "messages de cette file ne sont pas recopiés dans les "
	    "notifications)" : "(not shown: the mails of this queue are not "
	    "copied into notifications)") : text);
	return agent_thread_mail(in, t, mb, agent, in_reply_to, "answer_held",
	    &vs, err);
}
