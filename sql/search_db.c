/*
 * search_db.c - full-text search over messages (see search_db.h)
 *
 * Each message is matched with the configuration of its ticket's
 * language, so the query is parsed with both and the WHERE clause names
 * each configuration beside its own query: the planner ORs two scans of
 * the one GIN index. A ticket appears once, with its best message.
 */
#include "sql/search_db.h"

#include <stdio.h>
#include <string.h>

#include "common/mem.h"

/* The two parsed queries: what the index can use of each ('T': nothing,
 * only exclusions; '': no word at all). */
static const struct db_stmt st_search_check = { "search_check",
	"SELECT querytree(websearch_to_tsquery('french', search_fold($1))), "
	"querytree(websearch_to_tsquery('english', search_fold($1)))", 1 };

#define SEARCH_DOC(m) \
	"search_document(" m ".subject, " m ".from_addr, " m ".to_addrs, " \
	m ".cc_addrs, " m ".text)"

/* $1 the query, $2 at most so many tickets. */
static const struct db_stmt st_search = { "search_tickets",
	"WITH q AS (SELECT websearch_to_tsquery('french', search_fold($1)) "
	"AS fr, websearch_to_tsquery('english', search_fold($1)) AS en), "
	"hit AS (SELECT DISTINCT ON (x.ticket_id) x.* FROM (SELECT "
	"m.ticket_id, m.id, m.search_config AS cfg, x.tq, "
	"ts_rank(m.search_tsv, x.tq) AS rank "
	"FROM q, messages m CROSS JOIN LATERAL (SELECT CASE WHEN "
	"m.search_config = 'english'::regconfig THEN q.en ELSE q.fr END "
	"AS tq) AS x "
	"WHERE (m.search_config = 'french'::regconfig AND "
	"m.search_tsv @@ q.fr) OR (m.search_config = 'english'::regconfig "
	"AND m.search_tsv @@ q.en)) AS x "
	"ORDER BY x.ticket_id, x.rank DESC, x.id), "
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
	"JOIN messages m ON m.id = top.id", 2 };

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
	if ((rc = db_execv(db, &st_search, &res, err, 2, query, maxs)) != 0)
		return rc;
	*json_r = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}
