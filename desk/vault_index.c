/*
 * vault_index.c - the blind search index (see vault_index.h)
 *
 * The index key is HMAC-SHA256(current storage key, a fixed label): one
 * key per storage key, never stored. A token is the first 8 bytes of
 * HMAC-SHA256(index key, lexeme) in hexadecimal, so that a lexeme is
 * always the same token under one key and the tokens need no quoting in
 * a tsvector or tsquery literal.
 */
#include "desk/vault_index.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/seal.h"
#include "common/sha256.h"
#include "common/util.h"
#include "desk/vault.h"
#include "sql/search_db.h"
#include "sql/store_sealed.h"

#define INDEX_LABEL  "guichet blind search index 1"
#define TOKEN_BYTES  8
#define TSV_MAX      (8u << 20)      /* bytes of one tsvector literal */

static void
index_key(const struct conf *c, unsigned char out[32])
{
	const struct seal_key *k = seal_keyring_find(&c->storage.keys,
	    c->storage.keys.current);

	if (k == NULL)
		fatal("cannot derive the search index key");
	hmac_sha256(out, k->key, SEAL_KEY_LEN, INDEX_LABEL,
	    strlen(INDEX_LABEL));
}

/* The token of word (n bytes) as 2 * TOKEN_BYTES hex digits and a NUL. */
static void
token(char out[2 * TOKEN_BYTES + 1], const unsigned char key[32],
    const char *word, size_t n)
{
	unsigned char mac[SHA256_LEN];

	hmac_sha256(mac, key, 32, word, n);
	hex_encode(out, mac, TOKEN_BYTES);
}

static int
tsv_literal(const struct conf *c, struct store_lexeme *lex, size_t n,
    char **tsv_r, struct gc_err *err)
{
	struct buf b = BUF_INIT(TSV_MAX);
	unsigned char key[32];
	char tok[2 * TOKEN_BYTES + 1];
	int rc = 0;

	index_key(c, key);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		token(tok, key, lex[i].word, strlen(lex[i].word));
		rc = buf_printf(&b, "%s'%s'%s%s", i ? " " : "", tok,
		    lex[i].positions[0] ? ":" : "", lex[i].positions);
	}
	explicit_bzero(key, sizeof(key));
	store_sealed_lexemes_free(lex, n);
	if (rc != 0) {
		buf_free(&b);
		return gc_err_set(err, GC_ELIMIT, "the search index of the "
		    "message is over %u bytes", TSV_MAX);
	}
	*tsv_r = buf_detach(&b, NULL);
	return 0;
}

bool
vault_index_wanted(const struct store_message *sm, bool copy)
{
	if (strcmp(sm->author, "system") == 0)
		return false;
	return !(copy && strcmp(sm->author, "agent") == 0 &&
	    (sm->purpose == NULL || strcmp(sm->purpose, "canned_reply") != 0));
}

int
vault_index_message(const struct conf *c, struct db *db,
    const struct store_message *sm, char **tsv_r, struct gc_err *err)
{
	struct store_lexeme *lex;
	size_t n;
	int rc;

	*tsv_r = NULL;
	if (!vault_on(c))
		return 0;
	if ((rc = store_sealed_lexemes_new(db, sm->ticket_id, sm->subject,
	    sm->from_addr, sm->to, sm->nto, sm->cc, sm->ncc, sm->text, &lex,
	    &n, err)) != 0)
		return rc;
	return tsv_literal(c, lex, n, tsv_r, err);
}

int
vault_index_row(const struct conf *c, struct db *db, int64_t id,
    const char *text, char **tsv_r, struct gc_err *err)
{
	struct store_lexeme *lex;
	size_t n;
	int rc;

	*tsv_r = NULL;
	if (!vault_on(c))
		return 0;
	if ((rc = store_sealed_lexemes_row(db, id, text, &lex, &n, err)) != 0)
		return rc;
	return tsv_literal(c, lex, n, tsv_r, err);
}

char *
vault_index_query(const struct conf *c, const char *q)
{
	struct buf out = BUF_INIT(TSV_MAX), word = BUF_INIT(TSV_MAX);
	unsigned char key[32];
	char tok[2 * TOKEN_BYTES + 1], *s;

	if (!vault_on(c) || q == NULL)
		return NULL;
	index_key(c, key);
	/* lexemes are 'quoted', a quote doubled and a backslash escaped
	 * inside; everything else (operators, parentheses) is kept */
	for (const char *p = q; *p; p++) {
		if (*p != '\'') {
			if (buf_add(&out, p, 1) != 0)
				break;
			continue;
		}
		buf_reset(&word);
		for (p++; *p; p++) {
			if (*p == '\'' && p[1] == '\'')
				p++;
			else if (*p == '\'')
				break;
			else if (*p == '\\' && p[1] != '\0')
				p++;
			if (buf_add(&word, p, 1) != 0)
				break;
		}
		token(tok, key, word.data ? word.data : "", word.len);
		if (buf_printf(&out, "'%s'", tok) != 0 || *p == '\0')
			break;
	}
	explicit_bzero(key, sizeof(key));
	buf_free(&word);
	s = buf_detach(&out, NULL);
	return s;
}

int
vault_search(const struct conf *c, struct db *db, const char *query,
    long long max, char **json_r, struct gc_err *err)
{
	char *fr, *en, *hfr, *hen;
	int rc;

	if (!vault_on(c))
		return search_tickets(db, query, max, json_r, err);
	if ((rc = search_queries(db, query, &fr, &en, err)) != 0)
		return rc;
	hfr = vault_index_query(c, fr);
	hen = vault_index_query(c, en);
	rc = search_tickets_blind(db, query, hfr, hen, max, json_r, err);
	free(fr);
	free(en);
	free(hfr);
	free(hen);
	return rc;
}
