/*
 * store_org.c - the organisations imported from CSV (see store_org.h)
 */
#include "sql/store_org.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/store_util.h"

/* ----- Organisations ---------------------------------------------- */

static const struct db_stmt st_orgs_any = { "orgs_any",
	"SELECT EXISTS (SELECT 1 FROM organisations)", 0 };

int
store_orgs_any(struct db *db, bool *any_r, struct gc_err *err)
{
	char *v;
	int rc = db_value(db, &st_orgs_any, &v, err, 0);

	*any_r = v != NULL && v[0] == 't';
	free(v);
	return rc;
}

/* The first row's name, plan, language and CSM. */
static void
org_row(const PGresult *res, struct store_org *out)
{
	copy_field(out->name, sizeof(out->name), db_get(res, 0, 0));
	copy_field(out->plan, sizeof(out->plan), db_get(res, 0, 1));
	copy_field(out->language, sizeof(out->language), db_get(res, 0, 2));
	copy_field(out->csm, sizeof(out->csm), db_get(res, 0, 3));
}

static const struct db_stmt st_org_lookup = { "org_lookup",
	"SELECT o.name, o.plan, coalesce(o.language, ''), "
	"coalesce(o.csm, ''), array_position($1::text[], k.key) AS pos "
	"FROM organisation_keys k JOIN organisations o ON "
	"o.id = k.organisation_id WHERE k.key = ANY ($1::text[]) "
	"ORDER BY pos LIMIT 1", 1 };

int
store_org_lookup(struct db *db, const char *const *keys, size_t n,
    struct store_org *out, struct gc_err *err)
{
	char *arr = array_literal(keys, n);
	PGresult *res;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = db_execv(db, &st_org_lookup, &res, err, 1, arr);
	free(arr);
	if (rc != 0)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return gc_err_set(err, GC_ENOTFOUND, "no organisation");
	}
	org_row(res, out);
	PQclear(res);
	return 0;
}

static const struct db_stmt st_org_named = { "org_named",
	"SELECT name, plan, coalesce(language, ''), coalesce(csm, '') "
	"FROM organisations WHERE name = $1", 1 };

int
store_org_named(struct db *db, const char *name, struct store_org *out,
    struct gc_err *err)
{
	PGresult *res;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_execv(db, &st_org_named, &res, err, 1, name)) != 0)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return gc_err_set(err, GC_ENOTFOUND, "no organisation \"%.200s\"",
		    name);
	}
	org_row(res, out);
	PQclear(res);
	return 0;
}

static const struct db_stmt st_org_upsert = { "org_upsert",
	"INSERT INTO organisations (name, plan, language, csm, imported_at) "
	"VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO UPDATE SET "
	"plan = excluded.plan, language = excluded.language, "
	"csm = excluded.csm, imported_at = excluded.imported_at "
	"RETURNING id, xmax = 0", 5 };
static const struct db_stmt st_org_keys_clear = { "org_keys_clear",
	"DELETE FROM organisation_keys WHERE organisation_id = $1", 1 };
static const struct db_stmt st_org_key = { "org_key",
	"INSERT INTO organisation_keys (key, organisation_id) VALUES "
	"(lower($1), $2) ON CONFLICT (key) DO UPDATE SET organisation_id = "
	"excluded.organisation_id", 2 };

int
store_org_upsert(struct db *db, const char *name, const char *plan,
    const char *language, const char *csm, const char *const *keys,
    size_t nkeys, time_t now, bool *created_r, struct gc_err *err)
{
	TS(ts, now);
	PGresult *res;
	char id[24];
	int rc;

	if ((rc = db_execv(db, &st_org_upsert, &res, err, 5, name, plan,
	    language, csm, ts)) != 0)
		return rc;
	snprintf(id, sizeof(id), "%s", PQgetvalue(res, 0, 0));
	*created_r = PQgetvalue(res, 0, 1)[0] == 't';
	PQclear(res);
	if ((rc = db_execv(db, &st_org_keys_clear, NULL, err, 1, id)) != 0)
		return rc;
	for (size_t i = 0; rc == 0 && i < nkeys; i++)
		rc = db_execv(db, &st_org_key, NULL, err, 2, keys[i], id);
	return rc;
}
