/*
 * search_db.h - full-text search over the messages of every ticket
 *
 * The query is web-search syntax (websearch_to_tsquery: words, "a
 * phrase", OR, -word), folded like the indexed text (accents away) and
 * parsed twice, with the french and the english configuration: each
 * message is matched with the configuration of its ticket's language
 * (sql/014_search_import.sql). The newest 500 matching mails are ranked
 * (ts_rank), so that a common word costs no more than a rare one; they
 * are read from the index in the newest blocks of ids first
 * (sql/020_search_recent.sql). The
 * result is one JSON array, best ticket first: number, status, subject,
 * rank and the matching line (the first line of the message's subject,
 * addresses or text holding a match, else a ts_headline excerpt). The
 * returned string is malloc'd; the caller frees it.
 */
#ifndef GC_SEARCH_DB_H
#define GC_SEARCH_DB_H

#include "common/err.h"
#include "common/mem.h"
#include "sql/db.h"

/* GC_EINVAL when the query holds no word that can be searched (empty,
 * only punctuation, only stop words): nothing is asked of the index. */
int search_tickets(struct db *db, const char *query, long long max,
    char **json_r, struct gc_err *err);

/* With encryption at rest: the query's two tsqueries as text (malloc'd),
 * for desk/vault_index.h to key; then the search with the keyed ones
 * (hfr, hen), which also meets sealed messages' blind index
 * (messages.sealed_tsv; the line shown of such a message is taken from
 * its subject and addresses). */
int search_queries(struct db *db, const char *query, char **fr_r,
    char **en_r, struct gc_err *err);
int search_tickets_blind(struct db *db, const char *query, const char *hfr,
    const char *hen, long long max, char **json_r, struct gc_err *err);

/* A query's tsquery text, each phrase of it asking for its word pairs
 * (sql/025_search_pairs.sql): a chain 'a' <-> 'b' <2> 'c' becomes
 * ( 'a' <-> 'b' <2> 'c' & ( 'a b' & 'b  c' | 'ZP' ) ), which the index
 * answers with the mails that hold the words one after the other, stop
 * words only between them, and those whose pairs were not kept. Written
 * to out; returns how many pairs (0: out left empty, the query is used as
 * it is: no phrase, a phrase of groups, a NOT on one word of a phrase,
 * text that is no tsquery), or -1 when out is full (out left empty too).
 * At most 16 pairs: the phrases after them are left as they are. Pure,
 * no database. */
#define SEARCH_PAIRS_MAX 16
int search_pairs_query(const char *tsq, struct buf *out);

#endif
