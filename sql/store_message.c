/*
 * store_message.c - the mails of a ticket (see store_message.h)
 *
 * Text values go as text parameters, raw mail and attachment bytes as
 * binary parameters, times as ISO-8601 UTC text.
 */
#include "sql/store_message.h"

#include <stdlib.h>
#include <string.h>

#include "sql/store_util.h"

/* ----- Messages and attachments ----------------------------------- */


#define MESSAGE_INSERT \
	"INSERT INTO messages (ticket_id, direction, author, mailbox, " \
	"from_addr, from_name, to_addrs, cc_addrs, subject, message_id, " \
	"in_reply_to, refs, sent_date, received_at, text, new_text, " \
	"text_flags, raw, raw_size, raw_sha256, dedup_key, imap_uid, " \
	"outbox_id, agent, internal, purpose, sealed_text, sealed_new_text, " \
	"sealed_tsv) VALUES ($1, $2, $3, $4, $5, $6, " \
	"$7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, " \
	"$21, $22, $23, $24, $25, $26, $27, $28, $29::tsvector) RETURNING id"

static const struct db_stmt st_message_insert = { "message_insert",
	MESSAGE_INSERT, 29 };
/* The same with the event that the mail is ($30 kind, $31 actor, $32
 * data, at its receipt) and, with $33, the ticket's updated_at: what
 * three statements wrote, in one. */
static const struct db_stmt st_message_insert_event = {
	"message_insert_event",
	"WITH m AS (" MESSAGE_INSERT "), e AS (INSERT INTO events (ticket_id, "
	"at, kind, actor, data) SELECT $1, $14, $30, $31, $32::jsonb FROM m), "
	"u AS (UPDATE tickets SET updated_at = $14 WHERE $33 AND id = $1) "
	"SELECT id FROM m", 33 };

static int
message_insert(struct db *db, const struct store_message *m,
    const struct store_message_event *ev, int64_t *id_r, struct gc_err *err)
{
	I64(tid, m->ticket_id);
	I64(size, m->raw_len);
	I64(uid, m->imap_uid);
	I64(oid, m->outbox_id);
	TS(sent, m->sent_date);
	TS(recv, m->received_at);
	char *to = array_literal(m->to, m->nto);
	char *cc = array_literal(m->cc, m->ncc);
	char *refs = array_literal(m->refs, m->nrefs);
	char *flags = array_literal(m->text_flags, m->ntext_flags);
	const char *p[33] = { tid, m->direction, m->author, m->mailbox,
		m->from_addr, m->from_name, to, cc, m->subject ? m->subject :
		"", m->message_id, m->in_reply_to, refs,
		m->has_sent_date ? sent : NULL, recv, m->text ? m->text : "",
		m->new_text, flags, m->raw, m->raw ? size : NULL,
		(const char *)m->raw_sha256, m->dedup_key,
		m->imap_uid ? uid : NULL, m->outbox_id ? oid : NULL, m->agent,
		m->internal ? "true" : "false", m->purpose,
		(const char *)m->sealed_text, (const char *)m->sealed_new_text,
		m->sealed_tsv, ev ? ev->kind : NULL, ev ? ev->actor : NULL,
		ev && ev->data_json ? ev->data_json : "{}",
		ev && ev->touch ? "true" : "false" };
	int lens[33] = { 0 }, bin[33] = { 0 };
	const struct db_stmt *st = ev ? &st_message_insert_event :
	    &st_message_insert;
	PGresult *res;
	int rc;

	lens[17] = (int)(m->raw_sealed_len ? m->raw_sealed_len : m->raw_len);
	bin[17] = 1;
	lens[19] = 32;
	bin[19] = 1;
	lens[26] = (int)m->sealed_text_len;
	bin[26] = 1;
	lens[27] = (int)m->sealed_new_text_len;
	bin[27] = 1;
	if (id_r == NULL)
		rc = db_defer(db, st, p, lens, bin, err);
	else
		rc = db_exec(db, st, p, lens, bin, &res, err);
	free(to);
	free(cc);
	free(refs);
	free(flags);
	if (rc != 0 || id_r == NULL)
		return rc;
	*id_r = db_get_ll(res, 0, 0);
	PQclear(res);
	return 0;
}

int
store_message_insert(struct db *db, const struct store_message *m,
    int64_t *id_r, struct gc_err *err)
{
	return message_insert(db, m, NULL, id_r, err);
}

int
store_message_insert_event(struct db *db, const struct store_message *m,
    const struct store_message_event *ev, int64_t *id_r, struct gc_err *err)
{
	return message_insert(db, m, ev, id_r, err);
}

static const struct db_stmt st_attachment_insert = { "attachment_insert",
	"INSERT INTO attachments (message_id, filename, content_type, "
	"disposition, content_id, size, sha256, content) VALUES ($1, $2, $3, "
	"$4, $5, $6, $7, $8)", 8 };

int
store_attachment_insert(struct db *db, const struct store_attachment *a,
    struct gc_err *err)
{
	I64(mid, a->message_id);
	I64(size, a->len);
	const char *p[8] = { mid, a->filename, a->content_type,
		a->disposition, a->content_id, size, (const char *)a->sha256,
		(const char *)a->data };
	int lens[8] = { 0, 0, 0, 0, 0, 0, 32,
	    (int)(a->sealed_len ? a->sealed_len : a->len) };
	int bin[8] = { 0, 0, 0, 0, 0, 0, 1, 1 };

	if (a->data == NULL)
		p[7] = "";
	return db_exec(db, &st_attachment_insert, p, lens, bin, NULL, err);
}

/* ----- Threading -------------------------------------------------- */

/* Every Message-ID we received or sent for a ticket: the messages, and
 * our mails that are no message of the ticket (agents' notifications,
 * escalations) through their outbox rows. */
static const struct db_stmt st_ticket_by_mids = { "ticket_by_mids",
	"SELECT ticket_id FROM (SELECT ticket_id, id FROM messages "
	"WHERE message_id = ANY ($1::text[]) ORDER BY id DESC LIMIT 1) m "
	"UNION ALL (SELECT ticket_id FROM outbox WHERE message_id = "
	"ANY ($1::text[]) AND ticket_id IS NOT NULL ORDER BY id DESC "
	"LIMIT 1) LIMIT 1", 1 };

int
store_ticket_by_message_ids(struct db *db, const char *const *ids, size_t n,
    int64_t *id_r, struct gc_err *err)
{
	char *arr;
	PGresult *res;
	int rc;

	*id_r = 0;
	if (n == 0)
		return gc_err_set(err, GC_ENOTFOUND, "no message ids");
	arr = array_literal(ids, n);
	rc = db_execv(db, &st_ticket_by_mids, &res, err, 1, arr);
	free(arr);
	if (rc != 0)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return gc_err_set(err, GC_ENOTFOUND, "no ticket for these "
		    "message ids");
	}
	*id_r = db_get_ll(res, 0, 0);
	PQclear(res);
	return 0;
}

static const struct db_stmt st_our_mail = { "our_mail",
	"SELECT o.purpose, u.a FROM (SELECT purpose, rcpts FROM outbox "
	"WHERE message_id = $1 AND kind = 'mail' ORDER BY id DESC LIMIT 1) o "
	"LEFT JOIN LATERAL unnest(o.rcpts) WITH ORDINALITY AS u (a, ord) "
	"ON true ORDER BY u.ord", 1 };

int
store_our_mail(struct db *db, const char *message_id, char *purpose,
    size_t size, char ***rcpts_r, size_t *nrcpts_r, struct gc_err *err)
{
	PGresult *res;
	int rc, n;

	if (size > 0)
		purpose[0] = '\0';
	*rcpts_r = NULL;
	*nrcpts_r = 0;
	if (message_id == NULL)
		return gc_err_set(err, GC_ENOTFOUND, "no message id");
	if ((rc = db_execv(db, &st_our_mail, &res, err, 1,
	    message_id)) != 0)
		return rc;
	if ((n = PQntuples(res)) == 0) {
		PQclear(res);
		return gc_err_set(err, GC_ENOTFOUND, "no mail of ours with "
		    "that message id");
	}
	snprintf(purpose, size, "%s", PQgetvalue(res, 0, 0));
	*rcpts_r = xcalloc((size_t)n + 1, sizeof(**rcpts_r));
	for (int i = 0; i < n; i++)
		if (db_get(res, i, 1) != NULL)
			(*rcpts_r)[(*nrcpts_r)++] = xstrdup(db_get(res, i, 1));
	PQclear(res);
	return 0;
}

void
store_strings_free(char **v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}
