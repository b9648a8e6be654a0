/*
 * store_util.h - what the store's files share: the parameter macros,
 * PostgreSQL array literals, a column copied into a fixed buffer
 *
 * For the files of sql/ only: the layers above never need it.
 */
#ifndef GC_SQL_STORE_UTIL_H
#define GC_SQL_STORE_UTIL_H

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/mem.h"
#include "common/util.h"
#include "sql/db.h"

#define TS(buf, t) char buf[32]; time_iso8601(buf, sizeof(buf), (t))
#define I64(buf, v) char buf[24]; snprintf(buf, sizeof(buf), "%" PRId64, \
	(int64_t)(v))

/* A message row's sealed texts, as the "sealed" member of its JSON
 * object (NULL when clear), for desk/vault.h to open: m its alias. */
#define SEALED_JSON(m) \
	"CASE WHEN " m ".sealed_text IS NOT NULL OR " m ".sealed_new_text " \
	"IS NOT NULL THEN json_build_object('key', " m ".dedup_key, 'text', " \
	"encode(" m ".sealed_text, 'hex'), 'new_text', encode(" m \
	".sealed_new_text, 'hex')) END"

/* A rating's sealed comment as the "sealed_comment" member of its JSON
 * object (NULL when clear), for desk/vault.h to open: r its alias. */
#define SEALED_COMMENT_JSON(r) \
	"CASE WHEN " r ".sealed_comment IS NOT NULL THEN json_build_object(" \
	"'key', " r ".ticket_id, 'hex', encode(" r ".sealed_comment, " \
	"'hex')) END"

/* A timestamp column as Unix seconds, in a SELECT list. */
#define EPOCH(c) "extract(epoch FROM " c ")::bigint"

/* A column read with EPOCH(): its seconds, 0 when NULL. */
static inline time_t
ts_of(const PGresult *res, int row, int col)
{
	return db_get(res, row, col) ? (time_t)db_get_ll(res, row, col) : 0;
}

/* A PostgreSQL array literal of text values into b ("{"a","b\"c"}"). */
int store_array_literal(struct buf *b, const char *const *v, size_t n);
/* One element of it, quoted, appended to b (NULL as ""). */
int store_array_element(struct buf *b, const char *v);

/* A one-dimension array in PostgreSQL's binary format, the form of an
 * array parameter sent with format 1 (lens and binary of db_exec()): no
 * element quoted, no bytea in hex, none parsed by the server. Begin with
 * the elements' type OID, then add each element's bytes (the count is
 * kept in the header); an array left without an element is the empty
 * one. GC_ELIMIT past the buffer's cap. */
#define STORE_BYTEA_OID 17
int store_bin_array_begin(struct buf *b, uint32_t elem_oid);
int store_bin_array_add(struct buf *b, const void *p, size_t len);
/* Close it: the empty array's header when nothing was added. */
void store_bin_array_end(struct buf *b);

/* The first column of every row of res, NULL as "": *out malloc'd, one
 * more slot NULL (free with store_strings_free()). */
void store_strings_of(const PGresult *res, char ***out, size_t *n_r);

/* The first column of res's rows as ids, max at most, into ids. */
static inline void
store_ids_of(const PGresult *res, int max, int64_t *ids, size_t *n_r)
{
	*n_r = 0;
	for (int i = 0; i < PQntuples(res) && i < max; i++)
		ids[(*n_r)++] = db_get_ll(res, i, 0);
}

/* The same as a malloc'd string ("{}" past 64 MiB); free() it. */
static inline char *
array_literal(const char *const *v, size_t n)
{
	struct buf b = BUF_INIT(64 * 1024 * 1024);

	if (store_array_literal(&b, v, n) != 0) {
		buf_free(&b);
		return xstrdup("{}");
	}
	return buf_detach(&b, NULL);
}

/* A number literal whose elements b holds after its "{" (rc: whether
 * they all went in) closed and handed over; "{}" past its cap. */
static inline char *
number_literal_end(struct buf *b, int rc)
{
	if (rc == 0)
		rc = buf_addc(b, '}');
	if (rc != 0) {
		buf_free(b);
		return xstrdup("{}");
	}
	return buf_detach(b, NULL);
}

/* The same of integers ("{1,2,3}"); free() it. */
static inline char *
int_array_literal(const int *v, size_t n)
{
	struct buf b = BUF_INIT(64 * 1024 * 1024);
	int rc = buf_addc(&b, '{');

	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = buf_printf(&b, "%s%d", i ? "," : "", v[i]);
	return number_literal_end(&b, rc);
}

/* The same of row ids ("{1,2,3}"); free() it. */
static inline char *
id_array_literal(const int64_t *v, size_t n)
{
	struct buf b = BUF_INIT(64 * 1024 * 1024);
	int rc = buf_addc(&b, '{');

	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = buf_printf(&b, "%s%" PRId64, i ? "," : "", v[i]);
	return number_literal_end(&b, rc);
}

/* A column's text (NULL as "") into a fixed buffer, cut to fit. */
static inline void
copy_field(char *dst, size_t len, const char *v)
{
	snprintf(dst, len, "%s", v ? v : "");
}

#endif
