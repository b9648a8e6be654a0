/*
 * status.c - the status page written, its mails, unsubscribing (see
 * status.h)
 *
 * The page is written from the rows at each change and by the scheduler
 * when it is out of date (a write that failed, a maintenance that began
 * or ended): the rows are the truth, the files a view of them that any
 * daemon may write again at any time.
 */
#include "desk/status.h"

#include <errno.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/evjson.h"
#include "common/fileio.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "desk/status_render.h"
#include "notify/compose.h"
#include "parsers/mime.h"
#include "parsers/utf8.h"
#include "sql/status_db.h"
#include "sql/store_event.h"

#define NOTICE_BATCH 200          /* mails queued per scheduler pass */
#define NOTICE_DAYS 7             /* posts older than this are not mailed */
#define STATUS_MAIL_MAX (1024 * 1024)

bool
status_on(const struct conf *c)
{
	return c->status.line != 0 && c->status.dir != NULL;
}

char *
status_clean_text(const char *s, size_t len, size_t max, bool *too_long)
{
	struct arena a;
	char *v, *out = NULL;

	*too_long = false;
	arena_init(&a, len + 64);
	v = utf8_sanitize(&a, s, len, NULL);
	for (char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	utf8_squeeze_spaces(v);
	if (strlen(v) > max)
		*too_long = true;
	else if (v[0] != '\0')
		out = xstrdup(v);
	arena_free(&a);
	return out;
}

int
status_components(const struct conf *c, const char *list, char *out,
    size_t outlen, bool fr, char *why, size_t whylen)
{
	const struct conf_list *known = &c->status.components;
	size_t o = 0;

	out[0] = '\0';
	for (const char *p = list ? list : ""; *p; ) {
		size_t k = strcspn(p, ","), n = k;
		const char *w = p, *name = NULL;

		while (n > 0 && (*w == ' ' || *w == '\t'))
			w++, n--;
		while (n > 0 && (w[n - 1] == ' ' || w[n - 1] == '\t'))
			n--;
		p += k + (p[k] == ',');
		if (n == 0)
			continue;
		for (size_t i = 0; i < known->n; i++)
			if (strlen(known->v[i]) == n &&
			    str_ncasecmp(known->v[i], w, n) == 0)
				name = known->v[i];
		if (name == NULL) {
			snprintf(why, whylen, fr ? "pas de composant "
			    "\u00ab %.*s \u00bb sur la page d'\u00e9tat (%s)" :
			    "no component \"%.*s\" on the status page (%s)",
			    (int)(n > 40 ? 40 : n), w, known->n ? (fr ?
			    "voir [status] components" :
			    "see [status] components") : (fr ?
			    "elle n'en liste aucun" : "it lists none"));
			return 1;
		}
		if (out[0] != '\0' && status_touches(out, name))
			continue;   /* named twice */
		if (o + strlen(name) + 2 > outlen) {
			snprintf(why, whylen, "%s", fr ? "trop de composants" :
			    "too many components");
			return 1;
		}
		o += (size_t)snprintf(out + o, outlen - o, "%s%s", o ? "," : "",
		    name);
	}
	return 0;
}

/* ----- The files -------------------------------------------------- */

static int
write_one(const char *dir, const char *name, int (*render)(struct buf *,
    const struct conf_status *, const struct status_rows *, time_t),
    const struct conf_status *cs, const struct status_rows *r, time_t now,
    struct gc_err *err)
{
	struct buf b = BUF_INIT(STATUS_PAGE_MAX);
	int rc;

	if ((rc = render(&b, cs, r, now)) != 0)
		rc = gc_err_set(err, GC_ELIMIT, "status page: %s larger than "
		    "%d bytes", name, STATUS_PAGE_MAX);
	else
		rc = fileio_write_atomic(dir, name, b.data, b.len, 0644, err);
	buf_free(&b);
	return rc;
}

int
status_render(struct desk *in, struct gc_err *err)
{
	const struct conf_status *cs = &in->conf->status;
	struct status_rows r;
	struct status_state st;
	int rc;

	if (!status_on(in->conf))
		return gc_err_set(err, GC_ECONFIG, "no status page: the config "
		    "has no [status] section with dir");
	if ((rc = status_db_state(in->db, in->now, &st, err)) != 0)
		return rc;
	if (mkdir(cs->dir, 0755) != 0 && errno != EEXIST)
		return gc_err_set(err, GC_EIO, "%s: cannot make the folder: %s",
		    cs->dir, strerror(errno));
	if ((rc = status_db_load(in->db, in->now - STATUS_HISTORY_DAYS *
	    86400, &r, err)) != 0) {
		status_rows_free(&r);
		return rc;
	}
	/* the feed's ids and links are absolute: no feed without the
	 * page's address */
	if ((rc = write_one(cs->dir, "status.json", status_render_json, cs,
	    &r, in->now, err)) == 0 && cs->base_url != NULL)
		rc = write_one(cs->dir, "feed.atom", status_render_atom, cs, &r,
		    in->now, err);
	if (rc == 0)
		rc = write_one(cs->dir, "index.html", status_render_html, cs,
		    &r, in->now, err);
	status_rows_free(&r);
	if (rc == 0)
		rc = status_db_rendered(in->db, st.version, in->now, err);
	return rc;
}

void
status_changed(struct desk *in)
{
	struct gc_err err = { 0 };

	if (status_on(in->conf) && status_render(in, &err) != 0)
		log_warn("status page not written (the next scheduler pass "
		    "tries again): %s", err.msg);
}

/* ----- Mails to subscribers --------------------------------------- */

/* The mailbox whose address takes the replies and the mailto: link. */
static const char *
reply_address(const struct conf *c)
{
	return c->nmailboxes > 0 ? c->mailboxes[0].address :
	    c->smtp.from_addr;
}

static void
when(char *buf, size_t len, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm);
}

static int
queue_notice(struct desk *in, const struct status_notice *n,
    struct gc_err *err)
{
	const struct conf *c = in->conf;
	const char *reply = reply_address(c);
	struct arena a;
	struct buf body = BUF_INIT(STATUS_MAIL_MAX), raw =
	    BUF_INIT(2 * STATUS_MAIL_MAX);
	struct compose_msg msg = { 0 };
	struct compose_addr to = { NULL, n->address }, rt = { NULL, reply };
	struct compose_header hdr[3];
	struct store_outbox ob = { 0 };
	const char *rcpt = n->address;
	const struct status_words *w = status_words(c->status.language);
	char t1[40], t2[40], *subject, *mid, *ev;
	int rc;

	arena_init(&a, 4096);
	subject = arena_printf(&a, "[%s] %s%s%s", c->status.title,
	    status_kind_label(w, n->kind), w->colon, n->title);
	rc = buf_printf(&body, "%s%s%s\n\n%s\n", status_kind_label(w,
	    n->kind), w->colon, n->title, n->body);
	if (rc == 0 && n->eta != 0) {
		when(t1, sizeof(t1), n->eta);
		rc = buf_printf(&body, "\n%s%s\n", w->expected, t1);
	}
	if (rc == 0 && n->starts_at != 0) {
		when(t1, sizeof(t1), n->starts_at);
		when(t2, sizeof(t2), n->ends_at);
		rc = buf_printf(&body, "\n%s%s%s%s\n", w->from, t1, w->to, t2);
	}
	if (rc == 0)
		rc = buf_printf(&body, "%s%s\n\n", w->m_affects,
		    n->components[0] ? n->components : w->m_all);
	if (rc == 0 && c->status.base_url != NULL)
		rc = buf_printf(&body, "%s%s\n\n", w->m_page,
		    c->status.base_url);
	if (rc == 0)
		rc = buf_addstr(&body, "-- \n");
	if (rc == 0)
		rc = buf_printf(&body, w->m_footer, n->address,
		    c->status.title, reply, n->token);
	if (rc != 0) {
		rc = gc_err_set(err, GC_ELIMIT, "status mail too large");
		goto out;
	}
	mid = compose_message_id(&a, c->general.message_id_domain, "status");
	hdr[0].name = "List-Id";
	hdr[0].value = arena_printf(&a, "<status.%s>",
	    c->general.message_id_domain);
	hdr[1].name = "List-Unsubscribe";
	hdr[1].value = arena_printf(&a, "<mailto:%s?subject=unsubscribe%%20"
	    "%s>", reply, n->token);
	msg.nextra = 2;
	if (c->http.public_url != NULL && c->http.listen != NULL) {
		/* RFC 8058: one click, by the [http] listener (unsub_page.h) */
		size_t ul = strlen(c->http.public_url);

		while (ul > 0 && c->http.public_url[ul - 1] == '/')
			ul--;
		hdr[1].value = arena_printf(&a, "<%.*s/unsubscribe/%s>, %s",
		    (int)ul, c->http.public_url, n->token, hdr[1].value);
		hdr[2].name = "List-Unsubscribe-Post";
		hdr[2].value = "List-Unsubscribe=One-Click";
		msg.nextra = 3;
	}
	msg.from.name = c->status.title;
	msg.from.addr = c->smtp.from_addr;
	msg.to = &to;
	msg.nto = 1;
	msg.reply_to = &rt;
	msg.subject = subject;
	msg.message_id = mid;
	msg.auto_submitted = "auto-generated";
	msg.extra = hdr;
	msg.body = buf_str(&body);
	msg.date = in->now;
	if ((rc = compose_message(&raw, &msg, err)) != 0) {
		gc_err_prefix(err, "status mail to %s", n->address);
		goto out;
	}
	ob.kind = "mail";
	ob.purpose = "status";
	ob.message_id = mid;
	ob.mail_from = c->smtp.from_addr;
	ob.rcpts = &rcpt;
	ob.nrcpts = 1;
	ob.data = raw.data;
	ob.len = raw.len;
	ob.now = in->now;
	ob.rank = STORE_RANK_BULK;   /* one of many: after the tickets' mail */
	ev = ev_json("purpose", "status", "message_id", mid, "to", n->address,
	    NULL);
	rc = store_mail_out(in->db, &ob, NULL, ev, NULL, 0, 0, NULL, err);
	free(ev);
	if (rc == 0)
		rc = status_db_notice_sent(in->db, n->post_id, n->subscriber_id,
		    mid, err);
out:
	buf_free(&body);
	buf_free(&raw);
	arena_free(&a);
	return rc;
}

int
status_tick(struct desk *in, int *mails_r, struct gc_err *err)
{
	struct status_notice *v;
	struct status_state st;
	struct arena a;
	size_t n = 0;
	int rc;

	*mails_r = 0;
	if (!status_on(in->conf))
		return 0;
	if ((rc = db_begin(in->db, err)) != 0)
		return rc;
	arena_init(&a, 16384);
	rc = status_db_claim_notices(in->db, in->now - NOTICE_DAYS * 86400,
	    NOTICE_BATCH, in->now, &v, &n, &a, err);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct gc_err e2 = { 0 };
		int r2 = queue_notice(in, &v[i], &e2);

		if (r2 == GC_EINVAL || r2 == GC_ELIMIT)
			/* an address compose refuses: its row says so */
			log_warn("status mail not sent: %s", e2.msg);
		else if (r2 != 0) {
			*err = e2;
			rc = r2;
		} else {
			++*mails_r;
		}
	}
	if (rc == 0)
		rc = status_db_state(in->db, in->now, &st, err);
	if (rc == 0)
		rc = db_commit(in->db, err);
	else
		db_rollback(in->db);
	arena_free(&a);
	if (rc == 0 && (st.version != st.rendered_version || st.boundary)) {
		struct gc_err e2 = { 0 };

		if (status_render(in, &e2) != 0)
			log_warn("status page: %s", e2.msg);
	}
	return rc;
}

/* ----- Subscribing, unsubscribing ------------------------------------ */

int
status_subscribe(struct desk *in, const char *address, bool *added,
    struct gc_err *err)
{
	unsigned char rnd[STATUS_TOKEN_LEN / 2];
	char token[STATUS_TOKEN_LEN + 1];

	*added = false;
	if (compose_addr_check(address, err) != 0)
		return GC_EINVAL;
	if (conf_is_our_address(in->conf, address))
		return gc_err_set(err, GC_EINVAL, "%s is one of our own "
		    "addresses", address);
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		fatal("RAND_bytes failed");
	hex_encode(token, rnd, sizeof(rnd));
	return status_db_subscribe(in->db, address, token, in->now, added,
	    err);
}

/* "unsubscribe" alone (*token_r "") or "unsubscribe TOKEN", after any
 * "Re:" of a subject: true when s says it. */
static bool
says_unsubscribe(const char *s, char *token, size_t tlen)
{
	size_t n;

	token[0] = '\0';
	if (s == NULL)
		return false;
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		if (str_ncasecmp(s, "re:", 3) == 0)
			s += 3;
		else if (str_ncasecmp(s, "aw:", 3) == 0)
			s += 3;
		else
			break;
	}
	if (str_ncasecmp(s, "unsubscribe", 11) != 0)
		return false;
	s += 11;
	while (*s == ' ' || *s == '\t')
		s++;
	n = strcspn(s, " \t\r\n");
	if (n > 0 && n < tlen) {
		memcpy(token, s, n);
		token[n] = '\0';
	}
	s += n;
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	return *s == '\0' || *s == '\n';
}

int
status_mail_in(struct desk *in, const struct conv_mail *cm,
    struct intake_result *res, bool *taken, struct gc_err *err)
{
	const struct mail *m = cm->m;
	char token[STATUS_TOKEN_LEN + 8], addr[256];
	const char *mids[64];
	size_t nmids = 0;
	bool done = false;
	int rc;

	*taken = false;
	if (!says_unsubscribe(m->subject, token, sizeof(token)) &&
	    !says_unsubscribe(m->new_text ? m->new_text : m->text, token,
	    sizeof(token)))
		return 0;
	if (token[0] != '\0' && strlen(token) == STATUS_TOKEN_LEN) {
		if ((rc = status_db_unsubscribe(in->db, NULL, token, in->now,
		    &done, addr, err)) != 0)
			return rc;
	}
	if (!done && m->from.addr != NULL) {
		if (m->in_reply_to != NULL)
			mids[nmids++] = m->in_reply_to;
		for (size_t i = 0; i < m->nreferences && nmids < 64; i++)
			mids[nmids++] = m->references[i];
		if (nmids == 0)
			return 0;
		if ((rc = status_db_unsubscribe_reply(in->db, m->from.addr,
		    mids, nmids, in->now, &done, err)) != 0)
			return rc;
		snprintf(addr, sizeof(addr), "%s", m->from.addr);
	}
	if (!done)
		return 0;
	*taken = true;
	res->outcome = INTAKE_DROPPED;
	snprintf(res->reason, sizeof(res->reason), "%.200s unsubscribed from "
	    "the status mails", addr);
	log_info("status: %s unsubscribed by mail", addr);
	return 0;
}
