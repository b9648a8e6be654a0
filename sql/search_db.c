/*
 * search_db.c - full-text search over messages (see search_db.h)
 *
 * Each message is matched with the configuration of its ticket's
 * language, so the query is parsed with both and each configuration is
 * matched with its own query (search_recent() of migration 020, which
 * reads the newest matches from the GIN index). A ticket appears once,
 * with its best message.
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
 * ranked: the newest that match, found by search_recent() (migration
 * 020) in the newest blocks of ids first, so that neither a common word
 * nor a rare one makes PostgreSQL visit more rows than it ranks. */
static const struct db_stmt st_search = { "search_tickets",
	"WITH q AS (SELECT websearch_to_tsquery('french', search_fold($1)) "
	"AS fr, websearch_to_tsquery('english', search_fold($1)) AS en), "
	"ids AS (SELECT unnest(search_recent(q.fr, q.en, $3::integer)) "
	"AS id FROM q), "
	"cand AS (SELECT m.id, m.ticket_id, m.search_config AS cfg, "
	"m.search_tsv, CASE WHEN m.search_config = 'english'::regconfig "
	"THEN q.en ELSE q.fr END AS tq FROM q, ids "
	"JOIN messages m ON m.id = ids.id), "
"hit AS (SELECT DISTINCT ON (c.ticket_id) c.ticket_id, c.id, c.cfg, "
	"c.tq, ts_rank(c.search_tsv, c.tq) AS rank FROM cand c "
	"ORDER BY c.ticket_id, rank DESC, c.id DESC), "
	"top AS (SELECT * FROM hit ORDER BY rank DESC, ticket_id DESC "
	"LIMIT $2::bigint) "
	"SELECT coalesce(json_agg(json_build_object('number', t.number, "
	"'status', t.status, 'subject', t.subject, 'requester', t.requester, "
	"'language', t.language, 'rank', round(top.rank::numeric, 4), "
	"'line', coalesce((SELECT left(btrim(l.line), 300) FROM "
	"regexp_split_to_table(" SEARCH_DOC("m") ", E'\\n') WITH ORDINALITY "
	"AS l(line, n) WHERE to_tsvector(top.cfg, search_fold(l.line)) @@ "
	"top.tq ORDER BY l.n LIMIT 1), left(regexp_replace(ts_headline("
	"top.cfg, search_fold(" SEARCH_DOC("m") "), top.tq, "
	"'MaxFragments=1, MaxWords=20, MinWords=5, StartSel=\"\", "
	"StopSel=\"\"'), '\\s+', ' ', 'g'), 300))) "
	"ORDER BY top.rank DESC, top.ticket_id DESC), '[]'::json)::text "
	"FROM top JOIN tickets t ON t.id = top.ticket_id "
	"JOIN messages m ON m.id = top.id", 3 };

int
search_tickets(struct db *db, const char *query, long long max,
    char **json_r, struct gc_err *err)
{
	char maxs[24];
	PGresult *res;
	bool usable = false, words = false;
	int rc;

	*json_r = NULL;
	if ((rc = db_execv(db, &st_search_check, &res, err, 1, query)) != 0)
		return rc;
	for (int i = 0; i < 2; i++) {
		const char *tree = PQgetvalue(res, 0, i);

		words |= tree[0] != '\0';
		usable |= tree[0] != '\0' && strcmp(tree, "T") != 0;
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
	if ((rc = db_execv(db, &st_search, &res, err, 3, query, maxs,
	    SEARCH_RANKED)) != 0)
		return rc;
	*json_r = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}
