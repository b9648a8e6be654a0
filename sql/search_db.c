/*
 * search_db.c - full-text search over messages (see search_db.h)
 *
 * Each message is matched with the configuration of its ticket's
 * language, so the query is parsed with both and each configuration is
 * matched with its own query. A ticket appears once, with its best
 * message.
 */
#include "sql/search_db.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

/* Mails ranked at most: the newest that match (see search_db.h). */
#define SEARCH_RANKED "500"

/* The two parsed queries: what the index can use of each ('T': nothing,
 * only exclusions; '': no word at all). */
static const struct db_stmt st_search_check = { "search_check",
	"SELECT querytree(q.fr), querytree(q.en), q.fr::text, q.en::text "
	"FROM (SELECT websearch_to_tsquery('french', search_fold($1)) AS fr, "
	"websearch_to_tsquery('english', search_fold($1)) AS en) AS q", 1 };

#define SEARCH_DOC(m) \
	"search_document(" m ".subject, " m ".from_addr, " m ".to_addrs, " \
	m ".cc_addrs, " m ".text)"

/* $1 the query, $2 at most so many tickets, $3 at most so many mails
 * ranked: the newest that match. For a query of several words or a
 * phrase, all required, search_recent() (migration 020) finds them in the
 * newest rows and blocks of ids first; for the others (one word, OR) and
 * for the blind statement the planner chooses between the GIN indexes
 * and a walk back along the primary key, which it does well there, in
 * one statement. */
#define SEARCH_CLEAR_TQ \
	"CASE WHEN m.search_config = 'english'::regconfig " \
	"THEN q.en ELSE q.fr END"
/* Clear mail: $4 and $5, the french and english queries matched, each
 * phrase asking for its word pairs (search_pairs_query()); fr and en,
 * without them, rank. A database without the pairs fails at
 * search_pairs(), and its missing migration is named, rather than finding
 * no phrase. */
#define SEARCH_PAIRED_Q \
	", $4::tsquery AS mfr, $5::tsquery AS men, " \
	"search_pairs(NULL::tsvector) AS pairs_kept"
#define SEARCH_PAIRED_MATCH \
	"(m.search_config = 'french'::regconfig AND " \
	"m.search_tsv @@ q.mfr) OR (m.search_config = 'english'::regconfig " \
	"AND m.search_tsv @@ q.men)"
/* The query's lexemes keyed ($6 french, $7 english: desk/vault_index.h)
 * meet a sealed message's blind index, the clear query the others. */
#define SEARCH_BLIND_Q \
	SEARCH_PAIRED_Q ", $6::tsquery AS hfr, $7::tsquery AS hen"
#define SEARCH_BLIND_TSV "coalesce(m.sealed_tsv, m.search_tsv)"
#define SEARCH_BLIND_TQ \
	"CASE WHEN m.sealed_tsv IS NULL THEN " SEARCH_CLEAR_TQ " WHEN " \
	"m.search_config = 'english'::regconfig THEN q.hen ELSE q.hfr END"
#define SEARCH_BLIND_MATCH \
	"(m.sealed_tsv IS NULL AND (" SEARCH_PAIRED_MATCH ")) OR " \
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

/* The query of every statement: fr and en, and what Q adds. */
#define SEARCH_WITH_Q(Q) \
	"WITH q AS (SELECT websearch_to_tsquery('french', search_fold($1)) " \
	"AS fr, websearch_to_tsquery('english', search_fold($1)) AS en" Q \
	"), "
#define SEARCH_SQL(Q, TSV, TQ, MATCH) \
	SEARCH_WITH_Q(Q) "cand AS (SELECT m.id, m.ticket_id, " \
	"m.search_config AS cfg, " TSV " AS search_tsv, " TQ " AS tq FROM q, messages m " \
	"WHERE " MATCH " ORDER BY m.id DESC LIMIT $3::bigint), " \
	SEARCH_RANK

/* Clear mail, the planner's choice: the GIN index for rare words, a walk
 * back along the primary key for common ones. */
static const struct db_stmt st_search = { "search_tickets",
	SEARCH_SQL(SEARCH_PAIRED_Q, "m.search_tsv", SEARCH_CLEAR_TQ,
	SEARCH_PAIRED_MATCH), 5 };
/* Clear mail, several words that must all be there: search_recent(). The
 * planner takes such words for independent and, when each is common,
 * walks back along the primary key through thousands of rows for the few
 * that hold them all. */
static const struct db_stmt st_search_recent = { "search_tickets_recent",
	SEARCH_WITH_Q(SEARCH_PAIRED_Q) "ids AS (SELECT unnest(search_recent("
	"q.mfr, q.men, $3::integer)) AS id FROM q), "
	"cand AS (SELECT m.id, m.ticket_id, m.search_config AS cfg, "
	"m.search_tsv, " SEARCH_CLEAR_TQ " AS tq FROM q, ids "
	"JOIN messages m ON m.id = ids.id), " SEARCH_RANK, 5 };
static const struct db_stmt st_search_blind = { "search_tickets_blind",
	SEARCH_SQL(SEARCH_BLIND_Q, SEARCH_BLIND_TSV, SEARCH_BLIND_TQ,
	SEARCH_BLIND_MATCH), 7 };

/* The queries as tsquery text, for the blind index to key. */
static const struct db_stmt st_search_queries = { "search_queries",
	"SELECT websearch_to_tsquery('french', search_fold($1))::text, "
	"websearch_to_tsquery('english', search_fold($1))::text", 1 };



/* A token of a tsquery's text: a lexeme ('...', quotes and backslashes
 * doubled, maybe :* or weights after it), a phrase operator (<-> or
 * <N>), &, |, ! or a parenthesis. */
enum tq_kind { TQ_LEXEME, TQ_PHRASE, TQ_NOT, TQ_OTHER };
struct tq_tok {
	enum tq_kind kind;
	const char *at;         /* where it starts in the text */
	size_t len;             /* its length there */
	size_t n;               /* a lexeme's length between its quotes */
	bool plain;             /* a lexeme without :* or weights; a phrase
				 * operator of a distance of 1 to 8 */
	int dist;               /* a phrase operator's distance */
};

/* The next token at *s: 1, 0 at the end, -1 on what a tsquery's text
 * never holds. */
static int
tq_next(const char **s, struct tq_tok *t)
{
	const char *c = *s;
	size_t i, d;

	while (*c == ' ')
		c++;
	if (*c == '\0')
		return 0;
	memset(t, 0, sizeof(*t));
	t->at = c;
	if (*c == '\'') {
		for (i = 1; c[i] != '\'' || c[i + 1] == '\''; i++) {
			if (c[i] == '\0')
				return -1;
			if ((c[i] == '\\' || c[i] == '\'') && c[++i] == '\0')
				return -1;
		}
		t->kind = TQ_LEXEME;
		t->n = i - 1;
		t->plain = c[i + 1] != ':';
		c += i + 1;
		if (*c == ':')
			c += 1 + strspn(c + 1, "*ABCD");
	} else if (*c == '<') {
		d = strspn(c + 1, "0123456789");
		t->kind = TQ_PHRASE;
		if (c[1] == '-' && c[2] == '>') {
			t->dist = 1;
			c += 3;
		} else if (d > 0 && c[1 + d] == '>') {
			t->dist = d > 2 ? 99 : atoi(c + 1);
			c += 2 + d;
		} else
			return -1;
		t->plain = t->dist >= 1 && t->dist <= 8;
	} else if (strchr("&|()!", *c) != NULL) {
		t->kind = *c == '!' ? TQ_NOT : TQ_OTHER;
		c++;
	} else
		return -1;
	t->len = (size_t)(c - t->at);
	*s = c;
	return 1;
}

/* Appends what a phrase chain of lexemes t[0] <op> t[2] <op> ... t[last]
 * requires: "( chain & ( 'a b' & 'b  c' ... | 'ZP' ) )" (a space for
 * each position between the two words), or the chain as it is when one
 * of its words carries a prefix or a weight, or stands at the same
 * position as the next (<0>) or more than 8 after, or when *npairs
 * reached the cap. */
static int
tq_chain(struct buf *out, const struct tq_tok *t, size_t last,
    int *npairs)
{
	const char *end = t[last].at + t[last].len;
	int before = *npairs, rc = 0;
	bool ok = *npairs + (int)last / 2 <= SEARCH_PAIRS_MAX;

	for (size_t k = 0; ok && k <= last; k += 2)
		ok = t[k].plain && (k == last || t[k + 1].plain);
	if (!ok)
		return buf_add(out, t[0].at, (size_t)(end - t[0].at));
	rc |= buf_addstr(out, "( ");
	rc |= buf_add(out, t[0].at, (size_t)(end - t[0].at));
	rc |= buf_addstr(out, " & ( ");
	for (size_t k = 0; k < last; k += 2) {
		/* a pair longer than a lexeme may be is in no mail: such a
		 * mail holds "ZP" */
		if (t[k].n + (size_t)t[k + 1].dist + t[k + 2].n >= 2046)
			continue;
		rc |= buf_addstr(out, *npairs > before ? " & '" : "'");
		rc |= buf_add(out, t[k].at + 1, t[k].n);
		rc |= buf_add(out, "        ", (size_t)t[k + 1].dist);
		rc |= buf_add(out, t[k + 2].at + 1, t[k + 2].n);
		rc |= buf_addc(out, '\'');
		(*npairs)++;
	}
	rc |= buf_addstr(out, *npairs > before ? " | 'ZP' ) )" : "'ZP' ) )");
	return rc != 0 ? -1 : 0;
}

int
search_pairs_query(const char *tsq, struct buf *out)
{
	struct tq_tok *t;
	const char *s = tsq;
	size_t n = 0, cap = strlen(tsq) / 2 + 1, i = 0;
	int npairs = 0, rc = 0;

	t = xcalloc(cap, sizeof(*t));
	while (n < cap && (rc = tq_next(&s, &t[n])) == 1)
		n++;
	if (rc < 0)
		goto none;
	while (i < n && rc == 0) {
		size_t last = 0;

		if (t[i].kind != TQ_LEXEME || i + 2 >= n ||
		    t[i + 1].kind != TQ_PHRASE) {
			if (t[i].kind == TQ_PHRASE)
				goto none;      /* a phrase of groups */
			rc = buf_add(out, t[i].at, t[i].len) != 0 ||
			    buf_addc(out, ' ') != 0 ? -1 : 0;
			i++;
			continue;
		}
		/* a chain: lexeme (phrase lexeme)+, not next to another
		 * phrase operator or after a NOT */
		while (i + last + 2 < n && t[i + last + 1].kind == TQ_PHRASE &&
		    t[i + last + 2].kind == TQ_LEXEME)
			last += 2;
		if (last == 0 || (i > 0 && (t[i - 1].kind == TQ_NOT ||
		    t[i - 1].kind == TQ_PHRASE)) || (i + last + 1 < n &&
		    t[i + last + 1].kind == TQ_PHRASE))
			goto none;
		rc = tq_chain(out, &t[i], last, &npairs);
		if (rc == 0)
			rc = buf_addc(out, ' ') != 0 ? -1 : 0;
		i += last + 1;
	}
	free(t);
	if (rc == 0 && npairs > 0)
		return npairs;
	buf_reset(out);
	return rc != 0 ? -1 : 0;
none:
	free(t);
	buf_reset(out);
	return 0;
}

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
	struct buf q[2] = { BUF_INIT(65536), BUF_INIT(65536) };
	bool usable = false, words = false, all_of = false;
	int rc;

	*json_r = NULL;
	if ((rc = db_execv(db, &st_search_check, &res, err, 1, query)) != 0)
		return rc;
	for (int i = 0; i < 2; i++) {
		const char *tree = PQgetvalue(res, 0, i);

		words |= tree[0] != '\0';
		usable |= tree[0] != '\0' && strcmp(tree, "T") != 0;
		/* words, or phrases, all required: no OR (querytree() text) */
		all_of |= (strstr(tree, " & ") != NULL || strchr(tree, '<') !=
		    NULL) && strchr(tree, '|') == NULL;
		/* the query matched: its phrases with their pairs */
		if (search_pairs_query(PQgetvalue(res, 0, 2 + i),
		    &q[i]) <= 0 && buf_addstr(&q[i], PQgetvalue(res, 0, 2 + i))
		    != 0)
			rc = gc_err_set(err, GC_EINVAL, "the query is too long");
	}
	PQclear(res);
	if (rc == 0 && !words)
		rc = gc_err_set(err, GC_EINVAL, "the query holds no word to "
		    "search for (punctuation and words as common as \"the\" "
		    "or \"le\" are not indexed)");
	if (rc == 0 && !usable)
		rc = gc_err_set(err, GC_EINVAL, "the query only excludes "
		    "words: give at least one word to find");
	snprintf(maxs, sizeof(maxs), "%lld", max);
	if (rc == 0 && hfr != NULL && hen != NULL)
		rc = db_execv(db, &st_search_blind, &res, err, 7, query, maxs,
		    SEARCH_RANKED, buf_str(&q[0]), buf_str(&q[1]), hfr, hen);
	else if (rc == 0)
		rc = db_execv(db, all_of ? &st_search_recent : &st_search, &res,
		    err, 5, query, maxs, SEARCH_RANKED, buf_str(&q[0]),
		    buf_str(&q[1]));
	buf_free(&q[0]);
	buf_free(&q[1]);
	if (rc != 0)
		return rc;
	*json_r = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}
