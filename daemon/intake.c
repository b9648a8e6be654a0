/*
 * intake.c - one incoming mail into the database (see intake.h)
 *
 * The order of the steps matters:
 *  1. limits and parsing: what cannot be parsed goes to the quarantine;
 *  2. the dedup key is locked (pg_advisory_xact_lock) and looked up, so
 *     two daemons or the pipe and IMAP never store the same mail twice;
 *  3. the ticket is found by a known tag in the subject, else by
 *     In-Reply-To/References naming a message of a ticket;
 *  4. message, attachments, events and the acknowledgement are written.
 * Everything happens under one savepoint: a failure in 4 (other than the
 * database going away) rolls the mail's writes back and quarantines it.
 */
#include "daemon/intake.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "daemon/dedup.h"
#include "daemon/mailout.h"
#include "daemon/tracking.h"
#include "parsers/mime.h"
#include "sql/store.h"

const char *
intake_outcome_name(enum intake_outcome o)
{
	switch (o) {
	case INTAKE_NEW_TICKET: return "new ticket";
	case INTAKE_FOLLOWUP: return "follow-up";
	case INTAKE_DUPLICATE: return "duplicate";
	case INTAKE_QUARANTINED: return "quarantined";
	case INTAKE_DROPPED: return "dropped";
	}
	return "?";
}

/* A JSON object as text from key/value string pairs (NULL values skipped);
 * malloc'd. */
static char *
json_pairs(const char *k1, ...)
{
	json_t *o = json_object();
	va_list ap;
	char *s;

	va_start(ap, k1);
	for (const char *k = k1; k != NULL; k = va_arg(ap, const char *)) {
		const char *v = va_arg(ap, const char *);

		if (v != NULL)
			json_object_set_new(o, k, json_string(v));
	}
	va_end(ap);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s ? s : xstrdup("{}");
}

static int
quarantine(struct intake *in, const struct conf_mailbox *mb, const char *raw,
    size_t len, uint32_t uid, const char *key, const char *reason,
    const char *detail, struct intake_result *res, struct gc_err *err)
{
	struct store_quarantine q = {
		.mailbox = mb->name, .reason = reason, .detail = detail,
		.raw = raw, .raw_len = len, .dedup_key = key,
		.imap_uid = uid, .now = in->now,
	};
	const char *where;
	int64_t tid;
	int rc;

	/* A copy of a mail already quarantined (re-fetched after a crash
	 * before the IMAP move) is not quarantined twice. */
	if ((rc = store_lock_key(in->db, key, err)) != 0 ||
	    (rc = store_seen(in->db, key, &where, &tid, err)) != 0)
		return rc;
	if (where != NULL) {
		res->outcome = INTAKE_DUPLICATE;
		res->ticket_id = tid;
		snprintf(res->reason, sizeof(res->reason), "already in the %s",
		    strcmp(where, "message") == 0 ? "tickets" : "quarantine");
		return 0;
	}
	if ((rc = store_quarantine_insert(in->db, &q, &res->quarantine_id,
	    err)) != 0)
		return rc;
	res->outcome = INTAKE_QUARANTINED;
	snprintf(res->reason, sizeof(res->reason), "%s%s%s", reason,
	    detail ? ": " : "", detail ? detail : "");
	return 0;
}

/* ----- Finding the ticket ----------------------------------------- */

struct tag_lookup {
	struct intake *in;
	struct store_ticket *t;
	int rc;
	bool found;
	struct gc_err *err;
};

static int
try_tag(const char *token, void *arg)
{
	struct tag_lookup *l = arg;
	int rc = store_ticket_by_number(l->in->db, token, l->t, l->err);

	if (rc == 0) {
		l->found = true;
		return 1;
	}
	if (rc != GC_ENOTFOUND) {
		l->rc = rc;
		return 1;
	}
	gc_err_clear(l->err);
	return 0;
}

/* *found_r says whether t was filled. */
static int
find_ticket(struct intake *in, const struct mail *m, struct store_ticket *t,
    bool *found_r, struct gc_err *err)
{
	struct tag_lookup l = { in, t, 0, false, err };
	const char **ids;
	size_t n = 0;
	int64_t id;
	int rc;

	*found_r = false;
	tracking_find_tags(m->subject, try_tag, &l);
	if (l.rc != 0)
		return l.rc;
	if (l.found) {
		*found_r = true;
		return 0;
	}
	ids = xcalloc(m->nreferences + 1, sizeof(*ids));
	if (m->in_reply_to != NULL)
		ids[n++] = m->in_reply_to;
	for (size_t i = 0; i < m->nreferences; i++)
		ids[n++] = m->references[i];
	rc = n ? store_ticket_by_message_ids(in->db, ids, n, &id, err) :
	    GC_ENOTFOUND;
	free(ids);
	if (rc == GC_ENOTFOUND) {
		gc_err_clear(err);
		return 0;
	}
	if (rc != 0)
		return rc;
	if ((rc = store_ticket_by_id(in->db, id, t, err)) != 0)
		return rc;
	*found_r = true;
	return 0;
}

/* ----- Storing ---------------------------------------------------- */

static int
store_message(struct intake *in, const struct conf_mailbox *mb,
    const struct mail *m, const char *raw, size_t len, uint32_t uid,
    const char *key, int64_t ticket_id, struct gc_err *err)
{
	const char **to = xcalloc(m->nto + 1, sizeof(*to));
	const char **cc = xcalloc(m->ncc + 1, sizeof(*cc));
	const char *flags[2];
	unsigned char sha[32];
	struct store_message sm = { 0 };
	size_t nto = 0, ncc = 0, nflags = 0;
	int64_t mid = 0;
	int rc;

	for (size_t i = 0; i < m->nto; i++)
		if (m->to[i].addr)
			to[nto++] = m->to[i].addr;
	for (size_t i = 0; i < m->ncc; i++)
		if (m->cc[i].addr)
			cc[ncc++] = m->cc[i].addr;
	if (m->text_charset_unknown)
		flags[nflags++] = "charset-unknown";
	dedup_sha256(sha, raw, len);
	sm.ticket_id = ticket_id;
	sm.direction = "in";
	sm.author = "customer";
	sm.mailbox = mb->name;
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
	sm.new_text = NULL;
	sm.text_flags = flags;
	sm.ntext_flags = nflags;
	sm.raw = raw;
	sm.raw_len = len;
	sm.raw_sha256 = sha;
	sm.dedup_key = key;
	sm.imap_uid = uid;
	rc = store_message_insert(in->db, &sm, &mid, err);
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
	return rc;
}

static const char *
ticket_subject(const struct mail *m)
{
	return m->subject && m->subject[0] ? m->subject : "(no subject)";
}

static int
queue_ack(struct intake *in, const struct conf_mailbox *mb,
    const struct mail *m, const char *number, int64_t ticket_id,
    const char *language, struct gc_err *err)
{
	char tag[80], mid[256];
	struct mailout_rcpt to = { m->from.name, m->from.addr };
	struct mailout_var vars[] = {
		{ "ticket_number", number },
		{ "ticket_tag", tag },
		{ "subject", ticket_subject(m) },
		{ "requester_name", m->from.name ? m->from.name :
		    m->from.addr },
		{ "requester_address", m->from.addr },
		{ "mailbox_address", mb->address },
		{ "priority", "P3" },
		{ "status", "new" },
		{ "queue", mb->queue },
		{ "support_name", in->conf->general.support_name },
		{ "message_text", m->text ? m->text : "" },
	};
	const char **refs = xcalloc(m->nreferences + 1, sizeof(*refs));
	size_t nrefs = 0;
	struct mailout_req req = {
		.template_name = "ack", .language = language,
		.purpose = "ack", .ticket_id = ticket_id,
		.to = &to, .nto = 1, .reply_to = mb->address,
		.in_reply_to = m->message_id, .author = "system",
		.automatic = true, .vars = vars,
		.nvars = sizeof(vars) / sizeof(vars[0]),
	};
	int rc;

	snprintf(tag, sizeof(tag), "[%s]", number);
	/* References: the customer's thread, then their message */
	for (size_t i = 0; i < m->nreferences; i++)
		refs[nrefs++] = m->references[i];
	if (m->message_id != NULL)
		refs[nrefs++] = m->message_id;
	req.references = refs;
	req.nreferences = nrefs;
	rc = mailout_queue(in->out, in->db, in->now, &req, mid, err);
	free(refs);
	return rc;
}

static int
new_ticket(struct intake *in, const struct conf_mailbox *mb,
    const struct mail *m, const char *raw, size_t len, uint32_t uid,
    const char *key, struct intake_result *res, struct gc_err *err)
{
	struct store_ticket_new t = { 0 };
	long long seq;
	int64_t id;
	char *data;
	int rc;

	if ((rc = store_next_ticket_seq(in->db, &seq, err)) != 0)
		return rc;
	if (tracking_format(res->number, sizeof(res->number),
	    in->conf->general.tracking_format, seq, in->now) != 0)
		return gc_err_set(err, GC_ECONFIG, "tracking_format gives a "
		    "number longer than %zu bytes", sizeof(res->number) - 1);
	t.number = res->number;
	t.status = "new";
	t.priority = "P3";
	t.plan = "Basic";
	t.queue = mb->queue;
	t.mailbox = mb->name;
	t.requester = m->from.addr;
	t.requester_name = m->from.name;
	t.subject = ticket_subject(m);
	t.language = mb->language;
	t.now = in->now;
	if ((rc = store_ticket_insert(in->db, &t, &id, err)) != 0)
		return rc;
	res->ticket_id = id;
	res->outcome = INTAKE_NEW_TICKET;
	if ((rc = store_message(in, mb, m, raw, len, uid, key, id, err)))
		return rc;
	data = json_pairs("mailbox", mb->name, "message_id", m->message_id,
	    "from", m->from.addr, "subject", t.subject, NULL);
	rc = store_event(in->db, id, in->now, "created", m->from.addr, data,
	    err);
	free(data);
	if (rc != 0)
		return rc;
	return queue_ack(in, mb, m, res->number, id, mb->language, err);
}

static int
followup(struct intake *in, const struct conf_mailbox *mb,
    const struct mail *m, const char *raw, size_t len, uint32_t uid,
    const char *key, const struct store_ticket *t,
    struct intake_result *res, struct gc_err *err)
{
	char *data;
	int rc;

	snprintf(res->number, sizeof(res->number), "%s", t->number);
	res->ticket_id = t->id;
	res->outcome = INTAKE_FOLLOWUP;
	if ((rc = store_message(in, mb, m, raw, len, uid, key, t->id, err)))
		return rc;
	if ((rc = store_ticket_touch(in->db, t->id, in->now, err)) != 0)
		return rc;
	data = json_pairs("mailbox", mb->name, "message_id", m->message_id,
	    "from", m->from.addr, NULL);
	rc = store_event(in->db, t->id, in->now, "message_received",
	    m->from.addr, data, err);
	free(data);
	return rc;
}

/* Everything after parsing, under the mail's savepoint. */
static int
store_parsed(struct intake *in, const struct conf_mailbox *mb,
    const struct mail *m, const char *raw, size_t len, uint32_t uid,
    const char *key, struct intake_result *res, struct gc_err *err)
{
	struct store_ticket t = { 0 };
	const char *where;
	int64_t tid;
	bool found;
	int rc;

	if ((rc = store_lock_key(in->db, key, err)) != 0)
		return rc;
	if ((rc = store_seen(in->db, key, &where, &tid, err)) != 0)
		return rc;
	if (where != NULL) {
		res->outcome = INTAKE_DUPLICATE;
		res->ticket_id = tid;
		snprintf(res->reason, sizeof(res->reason), "already in the %s",
		    strcmp(where, "message") == 0 ? "tickets" : "quarantine");
		if (tid != 0 && store_ticket_by_id(in->db, tid, &t, err) == 0) {
			snprintf(res->number, sizeof(res->number), "%s",
			    t.number);
			store_ticket_clear(&t);
		}
		gc_err_clear(err);
		return 0;
	}
	if (m->from.addr == NULL)
		return quarantine(in, mb, raw, len, uid, key, "no sender",
		    "the mail has no usable From: address", res, err);
	if ((rc = find_ticket(in, m, &t, &found, err)) != 0)
		return rc;
	if (found)
		rc = followup(in, mb, m, raw, len, uid, key, &t, res, err);
	else
		rc = new_ticket(in, mb, m, raw, len, uid, key, res, err);
	store_ticket_clear(&t);
	return rc;
}

int
intake_mail(struct intake *in, const struct conf_mailbox *mb,
    const char *raw, size_t len, uint32_t uid, struct intake_result *res,
    struct gc_err *err)
{
	char key[DEDUP_KEY_LEN + 1];
	struct mail_limits lim;
	struct mail *m = NULL;
	struct gc_err perr = { 0 };
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = db_savepoint(in->db, err)) != 0)
		return rc;
	lim = mail_limits_default();
	lim.max_mail_bytes = len + 1;
	if (len > (size_t)in->conf->general.max_mail_size) {
		char detail[128];

		dedup_key(key, raw, len, NULL, NULL, NULL, NULL);
		snprintf(detail, sizeof(detail), "%zu bytes, the limit is %lld",
		    len, in->conf->general.max_mail_size);
		rc = quarantine(in, mb, raw, len, uid, key, "size", detail,
		    res, err);
		goto out;
	}
	rc = mail_parse(&m, raw, len, &lim, &perr);
	if (rc != 0) {
		dedup_key(key, raw, len, NULL, NULL, NULL, NULL);
		rc = quarantine(in, mb, raw, len, uid, key,
		    rc == GC_ELIMIT ? "limit" : "parse", perr.msg, res, err);
		goto out;
	}
	if (m->message_id)
		snprintf(res->message_id, sizeof(res->message_id), "%s",
		    m->message_id);
	dedup_key(key, raw, len, m->message_id, mail_header_get(m, "From"),
	    mail_header_get(m, "Date"), mail_header_get(m, "Subject"));
	rc = store_parsed(in, mb, m, raw, len, uid, key, res, err);
	if (rc != 0 && rc != GC_ETEMP) {
		/* Not the database going away: keep the mail whole in the
		 * quarantine with what went wrong, and go on. */
		char detail[GC_ERRMSG_SIZE];

		log_warn("mailbox %s uid %" PRIu32 ": %s: quarantined", mb->name,
		    uid, err->msg);
		snprintf(detail, sizeof(detail), "%s", err->msg);
		gc_err_clear(err);
		db_rollback_to_savepoint(in->db);
		memset(res, 0, sizeof(*res));
		rc = quarantine(in, mb, raw, len, uid, key, "store failed",
		    detail, res, err);
	}
out:
	mail_free(&m);
	if (rc == 0)
		rc = db_release(in->db, err);
	else
		db_rollback_to_savepoint(in->db);
	return rc;
}
