/*
 * vault_index.h - the blind search index of sealed messages
 *
 * A sealed message's body cannot be in the clear search column of
 * migration 014. Instead PostgreSQL is asked for the lexemes of its
 * search document (nothing stored), each lexeme is replaced by a keyed
 * HMAC (SHA-256 with a key derived from the current storage key,
 * truncated to 16 hexadecimal digits) keeping its positions, and that
 * tsvector is stored in messages.sealed_tsv. A query's lexemes are
 * replaced the same way, its operators kept (AND, OR, NOT, phrase), so
 * that web-search queries match as they would the clear text; what is
 * lost is written in doc/encryption.md. `keys rotate` computes the index
 * again with the new key.
 *
 * Ownership: the strings handed back are malloc'd, the caller frees them.
 */
#ifndef GC_DESK_VAULT_INDEX_H
#define GC_DESK_VAULT_INDEX_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "conf/conf.h"
#include "sql/db.h"
#include "sql/store_message.h"

/* Whether message sm gets a blind index: not our automatic mails
 * (author "system"), and not the copy of a mail we sent (copy) that
 * relays an agent's answer, whose words are searched in the agent's own
 * mail; a canned reply's copy is indexed, no mail we received holds its
 * words. The same rule as the clear index's (sql/026_agent_reply_cost.sql)
 * and `keys rotate`'s (sql/store_sealed.c). */
bool vault_index_wanted(const struct store_message *sm, bool copy);
/* The blind index of message sm (clear, about to be stored in its
 * ticket) as a tsvector literal in *tsv_r; NULL with encryption off. */
int vault_index_message(const struct conf *c, struct db *db,
    const struct store_message *sm, char **tsv_r, struct gc_err *err);
/* The same for stored message id whose clear text is text. */
int vault_index_row(const struct conf *c, struct db *db, int64_t id,
    const char *text, char **tsv_r, struct gc_err *err);
/* `ticket search` (sql/search_db.h), through the blind index too when
 * encryption is on. */
int vault_search(const struct conf *c, struct db *db, const char *query,
    long long max, char **json_r, struct gc_err *err);

/* A tsquery's text form with each lexeme replaced by its HMAC; NULL
 * when encryption is off. */
char *vault_index_query(const struct conf *c, const char *tsquery);

#endif
