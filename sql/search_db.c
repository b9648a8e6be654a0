/*
 * search_db.c - full-text search over messages (see search_db.h)
 *
 * Each message is matched with the configuration of its ticket's
 * language, so the query is parsed with both and each configuration is
 * matched with its own query. A ticket appears once, with its best
 * message.
 */
#include "sql/search_db.h"

#include <stdio.h>
#include <string.h>

#include "common/mem.h"

/* Mails ranked at most: the newest that match (see search_db.h). */
#define SEARCH_RANKED "500"

/* The two parsed queries: what the index can use of each ('T': nothing,
 * only exclusions; '': no word at all). */
static const struct db_stmt st_search_check = { "search_check",
	"SELECT querytree(websearch_to_tsquery('french', search_fold($1))), "
	"querytree(websearch_to_tsquery('english', search_fold($1)))", 1 };

#define SEARCH_DOC(m) \
	"search_document(" m ".subject, " m ".from_addr, " m ".to_addrs, " \
	m ".cc_addrs, " m ".text)"

/* $1 the query, $2 at most so many tickets, $3 at most so many mails
 * ranked: the newest that match. For a query of several words that must
 * all be there, search_recent() (migration 020) finds them in the newest
 * rows and blocks of ids first; for the others (one word, OR, a phrase)
 * and for the blind statement the planner chooses between the GIN
 * indexes and a walk back along the primary key, which it does well
 * there, in one statement. */
#define SEARCH_CLEAR_TQ \
	"CASE WHEN m.search_config = 'english'::regconfig " \
	"THEN q.en ELSE q.fr END"
#define SEARCH_CLEAR_MATCH \
	"(m.search_config = 'french'::regconfig AND " \
	"m.search_tsv @@ q.fr) OR (m.search_config = 'english'::regconfig " \
	"AND m.search_tsv @@ q.en)"
/* The query's lexemes keyed ($4 french, $5 english: desk/vault_index.h)
 * meet a sealed message's blind index, the clear query the others. */
#define SEARCH_BLIND_Q \
	", $4::tsquery AS hfr, $5::tsquery AS hen"
#define SEARCH_BLIND_TSV "coalesce(m.sealed_tsv, m.search_tsv)"
#define SEARCH_BLIND_TQ \
	"CASE WHEN m.sealed_tsv IS NULL THEN " SEARCH_CLEAR_TQ " WHEN " \
	"m.search_config = 'english'::regconfig THEN q.hen ELSE q.hfr END"
#define SEARCH_BLIND_MATCH \
	"(m.sealed_tsv IS NULL AND (" SEARCH_CLEAR_MATCH ")) OR " \
	"(m.search_config = 'french'::regconfig AND " \
	"m.sealed_tsv @@ q.hfr) OR (m.search_config = 'english'::regconfig " \
	"AND m.sealed_tsv @@ q.hen)"

#define SEARCH_RANK \
	"hit AS (SELECT DISTINCT ON (c.ticket_id) c.ticket_id, c.id, c.cfg, " \
	"c.tq, ts_rank(c.search_tsv, c.tq) AS rank FROM cand c " \
	"ORDER BY c.ticket_id, rank DESC, c.id DESC), " \
	"top AS (SELECT * FROM hit ORDER BY rank DESC, ticket_id DESC " \
	"LIMIT $2::bigint) " \
	"SELECT coalesce(json_agg(json_build_object('number', t.number, " \
	"'status', t.status, 'subject', t.subject, 'requester', t.requester, " \
	"'language', t.language, 'rank', round(top.rank::numeric, 4), " \
	"'line', coalesce((SELECT left(btrim(l.line), 300) FROM " \
	"regexp_split_to_table(" SEARCH_DOC("m") ", E'\\n') WITH ORDINALITY " \
	"AS l(line, n) WHERE to_tsvector(top.cfg, search_fold(l.line)) @@ " \
	"top.tq ORDER BY l.n LIMIT 1), left(regexp_replace(ts_headline(" \
	"top.cfg, search_fold(" SEARCH_DOC("m") "), top.tq, " \
	"'MaxFragments=1, MaxWords=20, MinWords=5, StartSel=\"\", " \
	"StopSel=\"\"'), '\\s+', ' ', 'g'), 300))) " \
	"ORDER BY top.rank DESC, top.ticket_id DESC), '[]'::json)::text " \
	"FROM top JOIN tickets t ON t.id = top.ticket_id " \
	"JOIN messages m ON m.id = top.id"

#define SEARCH_SQL(Q, TSV, TQ, MATCH) \
	"WITH q AS (SELECT websearch_to_tsquery('french', search_fold($1)) " \
	"AS fr, websearch_to_tsquery('english', search_fold($1)) AS en" Q \
	"), cand AS (SELECT m.id, m.ticket_id, m.search_config AS cfg, " \
	TSV " AS search_tsv, " TQ " AS tq FROM q, messages m " \
	"WHERE " MATCH " ORDER BY m.id DESC LIMIT $3::bigint), " \
	SEARCH_RANK

/* Clear mail, the planner's choice: the GIN index for rare words, a walk
 * back along the primary key for common ones. */
static const struct db_stmt st_search = { "search_tickets",
	SEARCH_SQL("", "m.search_tsv", SEARCH_CLEAR_TQ, SEARCH_CLEAR_MATCH),
	3 };
/* Clear mail, several words that must all be there: search_recent(). The
 * planner takes such words for independent and, when each is common,
 * walks back along the primary key through thousands of rows for the few
 * that hold them all. */
static const struct db_stmt st_search_recent = { "search_tickets_recent",
	"WITH q AS (SELECT websearch_to_tsquery('french', search_fold($1)) "
	"AS fr, websearch_to_tsquery('english', search_fold($1)) AS en), "
	"ids AS (SELECT unnest(search_recent(q.fr, q.en, $3::integer)) "
	"AS id FROM q), "
	"cand AS (SELECT m.id, m.ticket_id, m.search_config AS cfg, "
	"m.search_tsv, " SEARCH_CLEAR_TQ " AS tq FROM q, ids "
	"JOIN messages m ON m.id = ids.id), " SEARCH_RANK, 3 };
static const struct db_stmt st_search_blind = { "search_tickets_blind",
	SEARCH_SQL(SEARCH_BLIND_Q, SEARCH_BLIND_TSV, SEARCH_BLIND_TQ,
	SEARCH_BLIND_MATCH), 5 };

/* The queries as tsquery text, for the blind index to key. */
static const struct db_stmt st_search_queries = { "search_queries",
	"SELECT websearch_to_tsquery('french', search_fold($1))::text, "
	"websearch_to_tsquery('english', search_fold($1))::text", 1 };



int
search_tickets(struct db *db, const char *query, long long max,
    char **json_r, struct gc_err *err)
{
	return search_tickets_blind(db, query, NULL, NULL, max, json_r, err);
}

int
search_queries(struct db *db, const char *query, char **fr_r, char **en_r,
    struct gc_err *err)
{
	PGresult *res;
	int rc;

	*fr_r = *en_r = NULL;
	if ((rc = db_execv(db, &st_search_queries, &res, err, 1, query)) != 0)
		return rc;
	*fr_r = xstrdup(PQgetvalue(res, 0, 0));
	*en_r = xstrdup(PQgetvalue(res, 0, 1));
	PQclear(res);
	return 0;
}

int
search_tickets_blind(struct db *db, const char *query, const char *hfr,
    const char *hen, long long max, char **json_r, struct gc_err *err)
{
	char maxs[24];
	PGresult *res;
	bool usable = false, words = false, all_of = false;
	int rc;

	*json_r = NULL;
	if ((rc = db_execv(db, &st_search_check, &res, err, 1, query)) != 0)
		return rc;
	for (int i = 0; i < 2; i++) {
		const char *tree = PQgetvalue(res, 0, i);

		words |= tree[0] != '\0';
		usable |= tree[0] != '\0' && strcmp(tree, "T") != 0;
		/* words all required, no phrase, no OR (querytree() text) */
		all_of |= strstr(tree, " & ") != NULL && strchr(tree, '<') ==
		    NULL && strchr(tree, '|') == NULL;
	}
	PQclear(res);
	if (!words)
		return gc_err_set(err, GC_EINVAL, "the query holds no word to "
		    "search for (punctuation and words as common as \"the\" "
		    "or \"le\" are not indexed)");
	if (!usable)
		return gc_err_set(err, GC_EINVAL, "the query only excludes "
		    "words: give at least one word to find");
	snprintf(maxs, sizeof(maxs), "%lld", max);
	if (hfr != NULL && hen != NULL)
		rc = db_execv(db, &st_search_blind, &res, err, 5, query, maxs,
		    SEARCH_RANKED, hfr, hen);
	else
		rc = db_execv(db, all_of ? &st_search_recent : &st_search, &res,
		    err, 3, query, maxs, SEARCH_RANKED);
	if (rc != 0)
		return rc;
	*json_r = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}
