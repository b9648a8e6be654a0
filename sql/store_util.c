/*
 * store_util.c - the PostgreSQL array literal the store's files share
 * (see store_util.h)
 */
#include "sql/store_util.h"

#include <string.h>

int
store_array_element(struct buf *b, const char *v)
{
	int rc = buf_addc(b, '"');

	/* runs without a character to escape copied whole: an element
	 * may be a mail's bytes in hex (sla_fire()), 100 kB a pass */
	for (const char *p = v ? v : ""; rc == 0 && *p != '\0';) {
		size_t n = strcspn(p, "\"\\");

		if (n > 0)
			rc = buf_add(b, p, n);
		p += n;
		if (rc == 0 && *p != '\0') {
			char esc[2] = { '\\', *p++ };

			rc = buf_add(b, esc, 2);
		}
	}
	return rc == 0 ? buf_addc(b, '"') : rc;
}

/* A 32-bit integer in network order at p. */
static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t
get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* The header: dimensions 1, no NULL, the type, then the one dimension's
 * size (at BIN_COUNT, counted as elements come) and lower bound 1; the
 * empty array is the first three alone, its dimensions 0. */
#define BIN_HEAD 20
#define BIN_COUNT 12
#define BIN_EMPTY 12

int
store_bin_array_begin(struct buf *b, uint32_t elem_oid)
{
	unsigned char h[BIN_HEAD];

	put_be32(h, 1);
	put_be32(h + 4, 0);
	put_be32(h + 8, elem_oid);
	put_be32(h + BIN_COUNT, 0);
	put_be32(h + 16, 1);
	buf_reset(b);
	return buf_add(b, h, sizeof(h));
}

int
store_bin_array_add(struct buf *b, const void *p, size_t len)
{
	unsigned char n[4], *count;
	int rc;

	if (len > INT32_MAX)
		return GC_ELIMIT;
	put_be32(n, (uint32_t)len);
	if ((rc = buf_add(b, n, 4)) != 0 || (rc = buf_add(b, p, len)) != 0)
		return rc;
	count = (unsigned char *)b->data + BIN_COUNT;
	put_be32(count, get_be32(count) + 1);
	return 0;
}

void
store_bin_array_end(struct buf *b)
{
	/* no element (each adds at least its length): no dimension, what
	 * the server sends for '{}' */
	if (b->len == BIN_HEAD) {
		put_be32((unsigned char *)b->data, 0);
		b->len = BIN_EMPTY;
		b->data[b->len] = '\0';    /* a struct buf ends with one */
	}
}

int
store_array_literal(struct buf *b, const char *const *v, size_t n)
{
	int rc = buf_addc(b, '{');

	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (i > 0)
			rc = buf_addc(b, ',');
		if (rc == 0)
			rc = store_array_element(b, v[i]);
	}
	if (rc == 0)
		rc = buf_addc(b, '}');
	return rc;
}

void
store_strings_of(const PGresult *res, char ***out, size_t *n_r)
{
	int n = PQntuples(res);

	*out = xcalloc((size_t)n + 1, sizeof(**out));
	for (int i = 0; i < n; i++)
		(*out)[i] = xstrdup(db_get(res, i, 0) ? db_get(res, i, 0) :
		    "");
	*n_r = (size_t)n;
}
