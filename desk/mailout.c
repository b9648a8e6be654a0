/*
 * mailout.c - render, compose and queue a mail of ours (see mailout.h)
 */
#include "desk/mailout.h"

#include "desk/agentauth.h"
#include "desk/vault.h"
#include "desk/vault_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/evjson.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "notify/compose.h"
#include "notify/replies.h"
#include "notify/template.h"
#include "sla/policy.h"
#include "sql/store_event.h"
#include "sql/store_message.h"

#define MAILOUT_MAX_MESSAGE (32 * 1024 * 1024)
#define MAX_CACHED 64

struct cached {
	char lang[8];
	char name[80];        /* "replies/" and a canned reply's name */
	struct template *t;
};

struct mailout {
	const struct conf *conf;
	const struct sla_policy *policy;   /* NULL: every mail ranks 0 */
	struct cached cache[MAX_CACHED];
	size_t ncache;
	struct agentauth_key *key;      /* NULL until first needed */
};

int
mailout_new(struct mailout **out, const struct conf *conf,
    const struct sla_policy *policy, struct gc_err *err)
{
	(void)err;
	*out = xcalloc(1, sizeof(**out));
	(*out)->conf = conf;
	(*out)->policy = policy;
	return 0;
}

void
mailout_free(struct mailout **mo)
{
	if (*mo == NULL)
		return;
	for (size_t i = 0; i < (*mo)->ncache; i++)
		template_free(&(*mo)->cache[i].t);
	if ((*mo)->key != NULL) {
		explicit_bzero((*mo)->key, sizeof(*(*mo)->key));
		free((*mo)->key);
	}
	free(*mo);
	*mo = NULL;
}

int
mailout_agent_key(struct mailout *mo, struct db *db,
    const struct agentauth_key **out, struct gc_err *err)
{
	int rc;

	if (mo->key == NULL) {
		struct agentauth_key *k = xcalloc(1, sizeof(*k));

		if ((rc = agentauth_key_load(k, mo->conf, db, err)) != 0) {
			free(k);
			return rc;
		}
		mo->key = k;
	}
	*out = mo->key;
	return 0;
}

static int
get_template(struct mailout *mo, const char *lang, const char *name,
    const struct template **out, struct gc_err *err)
{
	struct cached *c;
	int rc;

	for (size_t i = 0; i < mo->ncache; i++)
		if (strcmp(mo->cache[i].lang, lang) == 0 &&
		    strcmp(mo->cache[i].name, name) == 0) {
			*out = mo->cache[i].t;
			return 0;
		}
	if (mo->ncache == MAX_CACHED) {
		/* many canned replies: the last slot is taken again (a
		 * template is used only while its mail is composed) */
		template_free(&mo->cache[--mo->ncache].t);
	}
	c = &mo->cache[mo->ncache];
	rc = template_load(&c->t, mo->conf->general.templates_dir, lang, name,
	    err);
	if (rc != 0)
		return rc;
	snprintf(c->lang, sizeof(c->lang), "%s", lang);
	snprintf(c->name, sizeof(c->name), "%s", name);
	mo->ncache++;
	*out = c->t;
	return 0;
}

static char *
event_json(const struct mailout_req *req, const char *mid)
{
	struct evjson *e = ev_new();
	const char **to = xcalloc(req->nto + req->ncc + 1, sizeof(*to));
	char *s;

	ev_str(e, "purpose", req->purpose);
	ev_str(e, "message_id", mid);
	for (size_t i = 0; i < req->nto; i++)
		to[i] = req->to[i].addr;
	for (size_t i = 0; i < req->ncc; i++)
		to[req->nto + i] = req->cc[i].addr;
	ev_strs(e, "to", to, req->nto + req->ncc);
	s = ev_end(e);
	free(to);
	return s;
}

struct mailout_mail {
	struct arena a;
	struct buf raw;
	struct store_outbox ob;
	struct store_message sm;
	bool has_message;
	char dedup[300];
	char *ev;
	unsigned char *sealed_data, *sealed_text;   /* desk/vault.h */
	char *sealed_tsv;                           /* desk/vault_index.h */
};

const struct store_outbox *
mailout_mail_outbox(const struct mailout_mail *m)
{
	return &m->ob;
}

const struct store_message *
mailout_mail_message(const struct mailout_mail *m)
{
	return m->has_message ? &m->sm : NULL;
}

const char *
mailout_mail_event(const struct mailout_mail *m)
{
	return m->ev;
}

void
mailout_mail_free(struct mailout_mail **mp)
{
	struct mailout_mail *m = *mp;

	if (m == NULL)
		return;
	buf_free(&m->raw);
	arena_free(&m->a);
	free(m->ev);
	free(m->sealed_data);
	free(m->sealed_text);
	free(m->sealed_tsv);
	free(m);
	*mp = NULL;
}

/* With encryption on, the outbox row and the message keep the mail and
 * its text sealed (desk/vault.h); the message takes its blind index
 * (desk/vault_index.h) when it has one, which asks db for its lexemes
 * (db NULL: a mail that is no searched message, see mailout_compose()). */
static int
seal_mail(const struct conf *conf, struct db *db, struct mailout_mail *m,
    struct gc_err *err)
{
	size_t len;
	char *ad;
	int rc;

	if (!vault_on(conf))
		return 0;
	if (db != NULL && m->has_message && vault_index_wanted(&m->sm, true)) {
		if ((rc = vault_index_message(conf, db, &m->sm,
		    &m->sealed_tsv, err)) != 0)
			return rc;
		m->sm.sealed_tsv = m->sealed_tsv;
	}
	ad = vault_ad_outbox(m->ob.message_id);
	rc = vault_seal(conf, ad, m->ob.data, m->ob.len, &m->sealed_data, &len,
	    err);
	free(ad);
	if (rc != 0)
		return rc;
	m->ob.data = (const char *)m->sealed_data;
	m->ob.len = len;
	ad = vault_ad_message("text", m->sm.dedup_key);
	rc = vault_seal(conf, ad, m->sm.text ? m->sm.text : "",
	    m->sm.text ? strlen(m->sm.text) : 0, &m->sealed_text,
	    &m->sm.sealed_text_len, err);
	free(ad);
	m->sm.sealed_text = m->sealed_text;
	m->sm.text = "";
	return rc;
}

/* Without the fragment marker of compose_text_html(). */
static const char *
unmarked(struct arena *a, const char *v)
{
	char *c, *w;

	if (v == NULL || strchr(v, COMPOSE_HTML_MARK) == NULL)
		return v;
	c = w = arena_strdup(a, v);
	for (const char *r = c; *r != '\0'; r++)
		if (*r != COMPOSE_HTML_MARK)
			*w++ = *r;
	*w = '\0';
	return c;
}

/* The HTML alternative: the template rendered again, the variables of
 * req->html_vars replaced by markers of their fragments, every other
 * value escaped by compose_text_html(). */
static int
render_html(char **out, struct arena *a, const struct template *t,
    const struct template_result *r, const struct mailout_req *req,
    struct gc_err *err)
{
	struct template_var *vars = arena_alloc(a, (req->nvars + 1) *
	    sizeof(*vars));
	const char *frags[10];
	size_t nfrags = req->nhtml_vars < 10 ? req->nhtml_vars : 10;
	struct template_result hr = *r;
	struct buf b = BUF_INIT(MAILOUT_MAX_MESSAGE / 4);
	int rc = 0;

	for (size_t i = 0; i < nfrags; i++)
		frags[i] = req->html_vars[i].value;
	if (nfrags > 0) {
		for (size_t i = 0; i < req->nvars; i++) {
			vars[i].name = req->vars[i].name;
			vars[i].value = unmarked(a, req->vars[i].value);
			for (size_t k = 0; k < nfrags; k++)
				if (strcmp(vars[i].name,
				    req->html_vars[k].name) == 0)
					vars[i].value = arena_printf(a,
					    "%c%c%c", COMPOSE_HTML_MARK,
					    (char)('0' + k),
					    COMPOSE_HTML_MARK);
		}
		rc = template_render(&hr, a, t, vars, req->nvars, err);
	}
	if (rc == 0 && compose_text_html(&b, hr.body, r->subject, frags,
	    nfrags) != 0)
		rc = gc_err_set(err, GC_ELIMIT, "HTML part larger than %zu "
		    "bytes", b.max);
	*out = rc == 0 ? arena_strndup(a, buf_str(&b), b.len) : NULL;
	buf_free(&b);
	return rc;
}

/* Where the mail stands in the outbox's order (sql/032_outbox_rank.sql):
 * an urgent or a P1's mail first, then the ticket's plan by its rank,
 * mail to many alike last. A mail without a plan (a size notice) ranks
 * as the default plan. */
/* The value of the request's variable name, "" when it has none. */
static const char *
req_var(const struct mailout_req *req, const char *name)
{
	for (size_t i = 0; i < req->nvars; i++)
		if (req->vars[i].value != NULL &&
		    strcmp(req->vars[i].name, name) == 0)
			return req->vars[i].value;
	return "";
}

static int
send_rank(const struct mailout *mo, const struct mailout_req *req)
{
	if (req->bulk)
		return STORE_RANK_BULK;
	if (req->urgent || mo->policy == NULL ||
	    strcmp(req_var(req, "priority"), "P1") == 0)
		return 0;
	return sla_policy_plan_rank(mo->policy, req_var(req, "plan"));
}

/* A mail to the staff that their mail client should flag: about a P1,
 * an escalation, or urgent. Customers' mails are never flagged (bulk
 * senders flag theirs: a spam filter's sign). Our rules only tag an
 * incoming mail marked so (rules.conf "marked-urgent"), and our own
 * mails coming back are dropped as ours. */
static bool
flagged(const struct mailout_req *req)
{
	if (!req->internal)
		return false;
	return req->urgent || strncmp(req->purpose, "escalation_", 11) == 0 ||
	    strcmp(req_var(req, "priority"), "P1") == 0;
}

/* The template's X-* headers, and Importance and X-Priority when the
 * mail is flagged (the template's own X-Priority, if any, stays). */
static void
extra_headers(struct compose_msg *msg, struct arena *a,
    const struct template_result *r, bool flag)
{
	struct compose_header *h;
	bool own = false;
	size_t n = r->nheaders;

	msg->extra = r->headers;
	msg->nextra = r->nheaders;
	if (!flag)
		return;
	h = arena_alloc(a, (n + 2) * sizeof(*h));
	for (size_t i = 0; i < n; i++) {
		h[i] = r->headers[i];
		own = own || str_casecmp(h[i].name, "X-Priority") == 0;
	}
	h[n].name = "Importance";
	h[n++].value = "high";
	if (!own) {
		h[n].name = "X-Priority";
		h[n++].value = "1 (Highest)";
	}
	msg->extra = h;
	msg->nextra = n;
}

static int
compose(struct mailout_mail **out, struct mailout *mo, struct db *db,
    time_t now, const struct mailout_req *req, struct gc_err *err)
{
	const struct conf *conf = mo->conf;
	struct mailout_mail *m = xcalloc(1, sizeof(*m));
	const struct template *t;
	struct template_result r;
	struct template_var *vars;
	struct compose_addr *to, *cc, reply_to = { NULL, req->reply_to };
	struct compose_msg msg = { 0 };
	const char **rcpts, **to_addrs, **cc_addrs;
	struct store_outbox *ob = &m->ob;
	struct store_message *sm = &m->sm;
	const char *mid;
	char *html;
	size_t nrcpts = 0;
	int rc;

	*out = NULL;
	arena_init(&m->a, 8192);
	m->raw = (struct buf)BUF_INIT(MAILOUT_MAX_MESSAGE);
	if ((rc = get_template(mo, req->language, req->template_name, &t,
	    err)) != 0) {
		gc_err_prefix(err, "template %s/%s", req->language,
		    req->template_name);
		mailout_mail_free(&m);
		return rc;
	}
	vars = arena_alloc(&m->a, (req->nvars + 1) * sizeof(*vars));
	for (size_t i = 0; i < req->nvars; i++) {
		vars[i].name = req->vars[i].name;
		vars[i].value = req->vars[i].value;
	}
	if ((rc = template_render(&r, &m->a, t, vars, req->nvars, err)) != 0) {
		mailout_mail_free(&m);
		return rc;
	}
	/* an HTML part too big for the message: the text alone goes */
	if ((rc = render_html(&html, &m->a, t, &r, req, err)) == GC_ELIMIT) {
		gc_err_clear(err);
		html = NULL;
	} else if (rc != 0) {
		mailout_mail_free(&m);
		return rc;
	}
	mid = req->message_id ? arena_strdup(&m->a, req->message_id) :
	    compose_message_id(&m->a, conf->general.message_id_domain,
	    req->id_hint ? req->id_hint : req->purpose);
	to = arena_alloc(&m->a, (req->nto + 1) * sizeof(*to));
	cc = arena_alloc(&m->a, (req->ncc + 1) * sizeof(*cc));
	rcpts = arena_alloc(&m->a, (req->nto + req->ncc + 1) * sizeof(*rcpts));
	to_addrs = arena_alloc(&m->a, (req->nto + 1) * sizeof(*to_addrs));
	cc_addrs = arena_alloc(&m->a, (req->ncc + 1) * sizeof(*cc_addrs));
	for (size_t i = 0; i < req->nto; i++) {
		to[i].name = req->to[i].name;
		to[i].addr = req->to[i].addr;
		to_addrs[i] = rcpts[nrcpts++] = req->to[i].addr;
	}
	for (size_t i = 0; i < req->ncc; i++) {
		cc[i].name = req->cc[i].name;
		cc[i].addr = req->cc[i].addr;
		cc_addrs[i] = rcpts[nrcpts++] = req->cc[i].addr;
	}
	if (req->nfiles > 0) {
		struct compose_attachment *ca = arena_alloc(&m->a,
		    req->nfiles * sizeof(*ca));

		for (size_t i = 0; i < req->nfiles; i++) {
			ca[i].filename = req->files[i].filename;
			ca[i].content_type = req->files[i].content_type;
			ca[i].data = req->files[i].data;
			ca[i].len = req->files[i].len;
		}
		msg.attachments = ca;
		msg.nattachments = req->nfiles;
	}
	msg.from.name = req->from_name ? req->from_name :
	    conf->general.support_name;
	msg.from.addr = conf->smtp.from_addr;
	msg.to = to;
	msg.nto = req->nto;
	msg.cc = cc;
	msg.ncc = req->ncc;
	msg.reply_to = req->reply_to ? &reply_to : NULL;
	msg.subject = r.subject;
	msg.message_id = mid;
	msg.in_reply_to = req->in_reply_to;
	msg.references = req->references;
	msg.nreferences = req->nreferences;
	msg.auto_submitted = req->generated ? "auto-generated" :
	    req->automatic ? "auto-replied" : NULL;
	extra_headers(&msg, &m->a, &r, flagged(req));
	msg.body = r.body;
	msg.html_body = html;
	msg.date = now;
	rc = compose_message(&m->raw, &msg, err);
	if (rc == GC_ELIMIT && msg.html_body != NULL) {
		gc_err_clear(err);
		buf_reset(&m->raw);
		msg.html_body = NULL;
		rc = compose_message(&m->raw, &msg, err);
	}
	if (rc != 0) {
		mailout_mail_free(&m);
		return rc;
	}
	ob->kind = "mail";
	ob->purpose = req->purpose;
	ob->ticket_id = req->ticket_id;
	ob->message_id = mid;
	ob->mail_from = conf->smtp.from_addr;
	ob->rcpts = rcpts;
	ob->nrcpts = nrcpts;
	ob->data = m->raw.data;
	ob->len = m->raw.len;
	ob->now = now;
	ob->first_slot = req->first_slot;
	ob->slot_cap = req->slot_cap;
	ob->rank = send_rank(mo, req);
	snprintf(m->dedup, sizeof(m->dedup), "out:%s", mid);
	sm->ticket_id = req->ticket_id;
	sm->direction = "out";
	sm->author = req->author ? req->author : "system";
	sm->from_addr = conf->smtp.from_addr;
	sm->from_name = msg.from.name;
	sm->to = to_addrs;
	sm->nto = req->nto;
	sm->cc = cc_addrs;
	sm->ncc = req->ncc;
	sm->subject = r.subject;
	sm->message_id = mid;
	sm->in_reply_to = req->in_reply_to;
	sm->refs = req->references;
	sm->nrefs = req->nreferences;
	sm->text = msg.body;
	sm->dedup_key = m->dedup;
	sm->agent = req->agent;
	sm->internal = req->internal;
	sm->purpose = req->purpose;
	/* about no ticket (a size notice): the outbox row is all */
	m->has_message = req->ticket_id && !req->not_a_message;
	m->ev = event_json(req, mid);
	if ((rc = seal_mail(conf, db, m, err)) != 0) {
		mailout_mail_free(&m);
		return rc;
	}
	*out = m;
	return 0;
}

int
mailout_compose(struct mailout_mail **out, struct mailout *mo, time_t now,
    const struct mailout_req *req, struct gc_err *err)
{
	*out = NULL;
	if (req->capped)
		return gc_err_set(err, GC_EINVAL, "mailout_compose: a capped "
		    "mail needs mailout_queue()");
	return compose(out, mo, NULL, now, req, err);
}

int
mailout_queue(struct mailout *mo, struct db *db, time_t now,
    const struct mailout_req *req, char *message_id_r, struct gc_err *err)
{
	const struct conf *conf = mo->conf;
	struct mailout_mail *m;
	int rc;

	if ((rc = compose(&m, mo, db, now, req, err)) != 0)
		return rc;
	/* a capped mail's recipients are checked against the cap in the
	 * same statement (see store_mail_out()) */
	rc = store_mail_out(db, &m->ob, mailout_mail_message(m), m->ev,
	    req->capped ? m->ob.rcpts : NULL, req->capped ? m->ob.nrcpts : 0,
	    conf->general.auto_reply_cap, NULL, err);
	if (rc == 0 && message_id_r != NULL)
		snprintf(message_id_r, 256, "%s", m->ob.message_id);
	mailout_mail_free(&m);
	return rc;
}

void
mailout_check_templates(const struct conf *conf, struct conf_diag *diag)
{
	const char *const *langs = template_languages();
	const char *const *names = template_names();

	for (size_t l = 0; langs[l]; l++) {
		for (size_t n = 0; names[n]; n++) {
			struct template *t = NULL;
			struct gc_err err = { 0 };

			if (template_load(&t, conf->general.templates_dir,
			    langs[l], names[n], &err) != 0)
				conf_diag_add(diag, NULL, 0, "%s", err.msg);
			template_free(&t);
		}
		replies_check(conf->general.templates_dir, langs[l], diag);
	}
}
