/*
 * store_sealed.c - rows of sealed bytes for rotation and reading (see
 * store_sealed.h)
 *
 * The header compared is a blob's first bytes: the magic, the version
 * and the key id (common/seal.h); substring() on bytea reads them on the
 * server, so the batch hands back only the rows that need work.
 */
#include "sql/store_sealed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "sql/store_util.h"

/* $1 after, $2 the header, $3 the limit. */
#define STALE(c) "(" c " IS NOT NULL AND length(" c ") > 0 AND " \
	"substring(" c " FROM 1 FOR length($2::bytea)) <> $2::bytea)"

static const struct db_stmt st_batch[SEALED_NTABLES] = {
	{ "sealed_batch_messages",
	  "SELECT id, dedup_key, NULL, NULL, raw, convert_to(text, 'UTF8'), "
	  "convert_to(new_text, 'UTF8'), sealed_text, sealed_new_text "
	  "FROM messages WHERE id > $1 AND (text <> '' OR new_text IS NOT "
	  "NULL OR " STALE("raw") " OR " STALE("sealed_text") " OR "
	  STALE("sealed_new_text") ") ORDER BY id LIMIT $3 "
	  "FOR UPDATE", 3 },
	{ "sealed_batch_attachments",
	  "SELECT id, NULL, message_id, sha256, content FROM attachments "
	  "WHERE id > $1 AND " STALE("content") " ORDER BY id LIMIT $3 "
	  "FOR UPDATE", 3 },
	{ "sealed_batch_quarantine",
	  "SELECT id, dedup_key, NULL, NULL, raw FROM quarantine "
	  "WHERE id > $1 AND " STALE("raw") " ORDER BY id LIMIT $3 "
	  "FOR UPDATE", 3 },
	{ "sealed_batch_outbox",
	  "SELECT id, message_id, NULL, NULL, data FROM outbox "
	  "WHERE id > $1 AND kind = 'mail' AND " STALE("data")
	  " ORDER BY id LIMIT $3 FOR UPDATE", 3 },
	{ "sealed_batch_ratings",
	  "SELECT ticket_id, NULL, NULL, NULL, coalesce(sealed_comment, "
	  "convert_to(comment, 'UTF8')) FROM ticket_ratings "
	  "WHERE ticket_id > $1 AND (comment IS NOT NULL OR "
	  STALE("sealed_comment") ") ORDER BY ticket_id LIMIT $3 "
	  "FOR UPDATE", 3 },
};

static const struct db_stmt st_update[SEALED_NTABLES] = {
	{ "sealed_update_messages",
	  "UPDATE messages SET raw = $2, text = '', new_text = NULL, "
	  "sealed_text = $3, sealed_new_text = $4, sealed_tsv = $5::tsvector "
	  "WHERE id = $1", 5 },
	{ "sealed_update_attachments",
	  "UPDATE attachments SET content = $2 WHERE id = $1", 2 },
	{ "sealed_update_quarantine",
	  "UPDATE quarantine SET raw = $2 WHERE id = $1", 2 },
	{ "sealed_update_outbox",
	  "UPDATE outbox SET data = $2 WHERE id = $1", 2 },
	{ "sealed_update_ratings",
	  "UPDATE ticket_ratings SET comment = NULL, sealed_comment = $2 "
	  "WHERE ticket_id = $1", 2 },
};

static const struct db_stmt st_attachment = { "sealed_attachment",
	"SELECT a.id, a.filename, a.message_id, a.sha256, a.content "
	"FROM attachments a JOIN messages m ON m.id = a.message_id "
	"JOIN tickets t ON t.id = m.ticket_id WHERE t.number = $1 "
	"ORDER BY m.id, a.id OFFSET $2::bigint - 1 LIMIT 1", 2 };

const char *
store_sealed_table_name(enum store_sealed_table t)
{
	static const char *const names[SEALED_NTABLES] = { "messages",
		"attachments", "quarantine", "outbox", "ticket_ratings" };

	return names[t];
}

static void
get_bytes(struct store_sealed_col *c, const PGresult *res, int row, int col)
{
	unsigned char *b;
	size_t len;

	memset(c, 0, sizeof(*c));
	if (PQgetisnull(res, row, col))
		return;
	b = PQunescapeBytea((const unsigned char *)PQgetvalue(res, row, col),
	    &len);
	if (b == NULL)
		fatal("PQunescapeBytea: out of memory");
	c->data = xmalloc(len + 1);
	memcpy(c->data, b, len);
	c->data[len] = '\0';
	c->len = len;
	PQfreemem(b);
}

/* Columns: id, key, message_id, sha256, then the bytes. */
static void
get_row(struct store_sealed_row *r, const PGresult *res, int i)
{
	struct store_sealed_col sha;

	memset(r, 0, sizeof(*r));
	r->id = db_get_ll(res, i, 0);
	r->key = db_get(res, i, 1) ? xstrdup(db_get(res, i, 1)) : NULL;
	r->message_id = db_get(res, i, 2) ? db_get_ll(res, i, 2) : 0;
	get_bytes(&sha, res, i, 3);
	if (sha.data != NULL && sha.len == 32)
		memcpy(r->sha256, sha.data, 32);
	free(sha.data);
	for (int c = 4; c < PQnfields(res) && c - 4 < SEALED_MAXCOLS; c++)
		get_bytes(&r->col[c - 4], res, i, c);
}

int
store_sealed_batch(struct db *db, enum store_sealed_table t, int64_t after,
    const unsigned char *header, size_t hlen, long long limit,
    struct store_sealed_row **rows_r, size_t *n_r, struct gc_err *err)
{
	I64(a, after);
	I64(l, limit);
	const char *p[3] = { a, (const char *)header, l };
	int lens[3] = { 0, (int)hlen, 0 }, bin[3] = { 0, 1, 0 };
	PGresult *res;
	int rc, n;

	*rows_r = NULL;
	*n_r = 0;
	if ((rc = db_exec(db, &st_batch[t], p, lens, bin, &res, err)) != 0)
		return rc;
	n = PQntuples(res);
	*rows_r = xcalloc((size_t)n + 1, sizeof(**rows_r));
	for (int i = 0; i < n; i++)
		get_row(&(*rows_r)[i], res, i);
	*n_r = (size_t)n;
	PQclear(res);
	return 0;
}

void
store_sealed_rows_free(struct store_sealed_row *rows, size_t n)
{
	for (size_t i = 0; rows != NULL && i < n; i++) {
		free(rows[i].key);
		for (int c = 0; c < SEALED_MAXCOLS; c++)
			free(rows[i].col[c].data);
	}
	free(rows);
}

int
store_sealed_update(struct db *db, enum store_sealed_table t, int64_t id,
    const struct store_sealed_col *col, const char *tsv, struct gc_err *err)
{
	I64(ids, id);
	const char *p[5] = { ids, NULL, NULL, NULL, tsv };
	int lens[5] = { 0 }, bin[5] = { 0, 1, 1, 1, 0 };
	int n = t == SEALED_MESSAGES ? 4 : st_update[t].nparams;

	for (int i = 1; i < n; i++) {
		p[i] = (const char *)col[i - 1].data;
		lens[i] = (int)col[i - 1].len;
	}
	return db_exec(db, &st_update[t], p, lens, bin, NULL, err);
}

/* ----- Lexemes of the blind index --------------------------------- */

#define LEXEMES(cfg, doc) \
	"SELECT l.lexeme, coalesce(array_to_string(l.positions, ','), '') " \
	"FROM unnest(to_tsvector(" cfg ", search_fold(" doc "))) AS l"

static const struct db_stmt st_lexemes_new = { "sealed_lexemes_new",
	LEXEMES("(SELECT CASE WHEN t.language = 'en' THEN 'english' ELSE "
	"'french' END FROM tickets t WHERE t.id = $1)::regconfig",
	"search_document($2, $3, $4::text[], $5::text[], $6)"), 6 };
static const struct db_stmt st_lexemes_row = { "sealed_lexemes_row",
	"SELECT x.* FROM messages m, LATERAL (" LEXEMES("m.search_config",
	"search_document(m.subject, m.from_addr, m.to_addrs, m.cc_addrs, "
	"$2)") ") x WHERE m.id = $1 AND m.author <> 'system' AND NOT ("
	/* the copy relaying an agent's answer: its words are found in the
	 * agent's mail (sql/026_agent_reply_cost.sql) */
	"m.outbox_id IS NOT NULL AND m.author = 'agent' AND m.purpose IS "
	"DISTINCT FROM 'canned_reply')", 2 };

static int
lexemes(PGresult *res, struct store_lexeme **lex_r, size_t *n_r)
{
	int n = PQntuples(res);

	*lex_r = xcalloc((size_t)n + 1, sizeof(**lex_r));
	for (int i = 0; i < n; i++) {
		(*lex_r)[i].word = xstrdup(PQgetvalue(res, i, 0));
		(*lex_r)[i].positions = xstrdup(PQgetvalue(res, i, 1));
	}
	*n_r = (size_t)n;
	PQclear(res);
	return 0;
}

int
store_sealed_lexemes_new(struct db *db, int64_t ticket_id,
    const char *subject, const char *from, const char *const *to,
    size_t nto, const char *const *cc, size_t ncc, const char *text,
    struct store_lexeme **lex_r, size_t *n_r, struct gc_err *err)
{
	I64(tid, ticket_id);
	char *tos = array_literal(to, nto), *ccs = array_literal(cc, ncc);
	PGresult *res;
	int rc;

	*lex_r = NULL;
	*n_r = 0;
	rc = db_execv(db, &st_lexemes_new, &res, err, 6, tid, subject ?
	    subject : "", from, tos, ccs, text ? text : "");
	free(tos);
	free(ccs);
	return rc != 0 ? rc : lexemes(res, lex_r, n_r);
}

int
store_sealed_lexemes_row(struct db *db, int64_t message_id,
    const char *text, struct store_lexeme **lex_r, size_t *n_r,
    struct gc_err *err)
{
	I64(mid, message_id);
	PGresult *res;
	int rc;

	*lex_r = NULL;
	*n_r = 0;
	rc = db_execv(db, &st_lexemes_row, &res, err, 2, mid, text ? text :
	    "");
	return rc != 0 ? rc : lexemes(res, lex_r, n_r);
}

void
store_sealed_lexemes_free(struct store_lexeme *lex, size_t n)
{
	for (size_t i = 0; lex != NULL && i < n; i++) {
		free(lex[i].word);
		free(lex[i].positions);
	}
	free(lex);
}

int
store_sealed_attachment(struct db *db, const char *number, long long n,
    struct store_sealed_row *row, struct gc_err *err)
{
	char ns[24];
	PGresult *res;
	int rc;

	memset(row, 0, sizeof(*row));
	if (n < 1)
		return gc_err_set(err, GC_EINVAL, "attachments are numbered "
		    "from 1");
	snprintf(ns, sizeof(ns), "%lld", n);
	if ((rc = db_execv(db, &st_attachment, &res, err, 2, number, ns)) != 0)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return gc_err_set(err, GC_ENOTFOUND, "ticket %s has no "
		    "attachment %lld", number, n);
	}
	get_row(row, res, 0);
	PQclear(res);
	return 0;
}

static const struct db_stmt st_message_key = { "sealed_message_key",
	"SELECT dedup_key FROM messages WHERE id = $1", 1 };
static const struct db_stmt st_quarantine_key = { "sealed_quarantine_key",
	"SELECT dedup_key FROM quarantine WHERE id = $1", 1 };

int
store_sealed_message_key(struct db *db, int64_t id, char **key_r,
    struct gc_err *err)
{
	I64(ids, id);

	return db_value(db, &st_message_key, key_r, err, 1, ids);
}

int
store_sealed_quarantine_key(struct db *db, int64_t id, char **key_r,
    struct gc_err *err)
{
	I64(ids, id);

	return db_value(db, &st_quarantine_key, key_r, err, 1, ids);
}
