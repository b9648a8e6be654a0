/*
 * store_sealed.h - the rows that hold sealed bytes, as `keys rotate` and
 * `ticket attachment` read and write them
 *
 * sql/ only moves the bytes: what is sealed, with which associated data,
 * is desk/vault.h's business. A rotation batch takes the rows, along one
 * table's primary key after a given id, whose bytes do not start with
 * the header of the current key (clear rows of before, rows of older
 * keys), locked for the caller's transaction (waiting for a daemon
 * that holds one: no row is passed over).
 *
 * Conventions of the whole store: see sql/store.h. Rows and their bytes
 * are malloc'd; free them with store_sealed_rows_free().
 */
#ifndef GC_SQL_STORE_SEALED_H
#define GC_SQL_STORE_SEALED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "sql/db.h"

enum store_sealed_table {
	SEALED_MESSAGES,        /* raw, text, new_text (clear or sealed) */
	SEALED_ATTACHMENTS,     /* content */
	SEALED_QUARANTINE,      /* raw */
	SEALED_OUTBOX,          /* data of mails */
	SEALED_RATINGS,         /* a rating's comment (id: its ticket's) */
	SEALED_NTABLES
};

/* messages: raw, text, new_text, sealed_text, sealed_new_text; the
 * others: their one column first. */
#define SEALED_MAXCOLS 5

struct store_sealed_col {
	unsigned char *data;    /* NULL: SQL NULL */
	size_t len;
};

struct store_sealed_row {
	int64_t id;
	char *key;              /* dedup key, or the outbox's Message-ID */
	int64_t message_id;     /* attachments: their message */
	unsigned char sha256[32];   /* attachments: of the clear content */
	struct store_sealed_col col[SEALED_MAXCOLS];
};

const char *store_sealed_table_name(enum store_sealed_table t);

/* At most limit rows of table t with id > after whose bytes do not all
 * start with header (hlen bytes: the current key's blob header). */
int store_sealed_batch(struct db *db, enum store_sealed_table t,
    int64_t after, const unsigned char *header, size_t hlen, long long limit,
    struct store_sealed_row **rows_r, size_t *n_r, struct gc_err *err);
void store_sealed_rows_free(struct store_sealed_row *rows, size_t n);

/* Write a row's new bytes back. messages: raw (NULL keeps NULL), then
 * the sealed text and new text, text set to '' and new_text to NULL,
 * and the blind index tsv (a tsvector literal); the others: their
 * column from col[0] (tsv unused). */
int store_sealed_update(struct db *db, enum store_sealed_table t,
    int64_t id, const struct store_sealed_col *col, const char *tsv,
    struct gc_err *err);

/* The n-th attachment (from 1, in the order `ticket show` lists them) of
 * a ticket: its content as stored in *row (col[0]), message_id and
 * sha256 set, key its file name (or NULL). GC_ENOTFOUND without it. */
int store_sealed_attachment(struct db *db, const char *number, long long n,
    struct store_sealed_row *row, struct gc_err *err);

/* The lexemes PostgreSQL finds in a message's search document (that of
 * sql/014_search_import.sql), with their positions ("1,5,9", or "" when
 * none), as the search configuration of the message's ticket sees them:
 * of a message to be stored in ticket ticket_id (subject, addresses and
 * its clear text), or of stored message message_id with its clear text.
 * Nothing is stored. Free with store_sealed_lexemes_free(). */
struct store_lexeme {
	char *word;
	char *positions;
};
int store_sealed_lexemes_new(struct db *db, int64_t ticket_id,
    const char *subject, const char *from, const char *const *to,
    size_t nto, const char *const *cc, size_t ncc, const char *text,
    struct store_lexeme **lex_r, size_t *n_r, struct gc_err *err);
int store_sealed_lexemes_row(struct db *db, int64_t message_id,
    const char *text, struct store_lexeme **lex_r, size_t *n_r,
    struct gc_err *err);
void store_sealed_lexemes_free(struct store_lexeme *lex, size_t n);

/* The dedup key of a message row, of a quarantine entry (malloc'd):
 * what their blobs are bound to. */
int store_sealed_message_key(struct db *db, int64_t id, char **key_r,
    struct gc_err *err);
int store_sealed_quarantine_key(struct db *db, int64_t id, char **key_r,
    struct gc_err *err);

#endif
