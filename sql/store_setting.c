/*
 * store_setting.c - settings shared through the database (see
 * store_setting.h)
 */
#include "sql/store_setting.h"

#include <string.h>

#include "common/log.h"

static const struct db_stmt st_setting_get = { "setting_get",
	"SELECT value FROM settings WHERE key = $1", 1 };
static const struct db_stmt st_setting_put = { "setting_put",
	"INSERT INTO settings (key, value) VALUES ($1, $2) "
	"ON CONFLICT (key) DO NOTHING", 2 };

int
store_setting_get(struct db *db, const char *key, unsigned char *out,
    size_t max, size_t *len_r, struct gc_err *err)
{
	unsigned char *v;
	PGresult *res;
	size_t len;
	int rc;

	*len_r = 0;
	if ((rc = db_execv(db, &st_setting_get, &res, err, 1, key)) != 0)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return gc_err_set(err, GC_ENOTFOUND, "no setting %s", key);
	}
	v = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 0),
	    &len);
	PQclear(res);
	if (v == NULL)
		fatal("PQunescapeBytea: out of memory");
	if (len > max)
		len = max;
	memcpy(out, v, len);
	*len_r = len;
	PQfreemem(v);
	return 0;
}

int
store_setting_put_new(struct db *db, const char *key,
    const unsigned char *v, size_t len, struct gc_err *err)
{
	const char *p[2] = { key, (const char *)v };
	int lens[2] = { 0, (int)len }, bin[2] = { 0, 1 };

	return db_exec(db, &st_setting_put, p, lens, bin, NULL, err);
}
