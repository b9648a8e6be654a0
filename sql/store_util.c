/*
 * store_util.c - the PostgreSQL array literal the store's files share
 * (see store_util.h)
 */
#include "sql/store_util.h"

int
store_array_literal(struct buf *b, const char *const *v, size_t n)
{
	int rc = buf_addc(b, '{');

	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (i > 0)
			rc = buf_addc(b, ',');
		if (rc == 0)
			rc = buf_addc(b, '"');
		for (const char *p = v[i]; rc == 0 && *p; p++) {
			if (*p == '"' || *p == '\\')
				rc = buf_addc(b, '\\');
			if (rc == 0)
				rc = buf_addc(b, *p);
		}
		if (rc == 0)
			rc = buf_addc(b, '"');
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
