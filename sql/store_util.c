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
