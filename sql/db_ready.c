/*
 * db_ready.c - what a server and a role provide to guichet, asked before
 * the daemon needs it (see db_ready.h)
 */
#include "sql/db_ready.h"

#include <stdio.h>
#include <string.h>

/* What `guichet migrate` needs of the server and of its role. */
static const struct db_stmt st_migrate_ready = { "db_migrate_ready",
	"SELECT current_setting('server_version_num')::int >= 150000, "
	"current_setting('server_version'), "
	"has_schema_privilege('public', 'CREATE'), "
	"EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'unaccent') OR "
	"(EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = "
	"'unaccent') AND has_database_privilege(current_database(), "
	"'CREATE')), "
	"EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = "
	"'unaccent')", 0 };

int
db_migrate_ready(struct db *db, char *why, size_t len, struct gc_err *err)
{
	PGresult *res;
	int rc;

	why[0] = '\0';
	if ((rc = db_exec(db, &st_migrate_ready, NULL, NULL, NULL, &res,
	    err)) != 0)
		return rc;
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
		snprintf(why, len, "PostgreSQL %s: guichet needs 15 or later",
		    PQgetvalue(res, 0, 1));
	else if (strcmp(PQgetvalue(res, 0, 2), "t") != 0)
		snprintf(why, len, "this role may not create tables in schema "
		    "public (since PostgreSQL 15 only the database's owner "
		    "may, unless granted: make the role the owner, or GRANT "
		    "CREATE ON SCHEMA public)");
	else if (strcmp(PQgetvalue(res, 0, 3), "t") != 0)
		snprintf(why, len, strcmp(PQgetvalue(res, 0, 4), "t") != 0 ?
		    "the unaccent extension is not installed on the server "
		    "(PostgreSQL's contrib modules)" : "the unaccent extension "
		    "is not in this database, and this role may not create it "
		    "(CREATE on the database, or a superuser's CREATE "
		    "EXTENSION unaccent)");
	PQclear(res);
	return 0;
}

/* The tables and sequences of guichet's schema this role may not use
 * as the daemon does: at most the first few named, and how many. */
static const struct db_stmt st_grants = { "db_grants_missing",
	"SELECT count(*), string_agg(relname, ', ' ORDER BY relname) "
	"FILTER (WHERE n <= 5) FROM (SELECT c.relname, row_number() OVER "
	"(ORDER BY c.relname) AS n FROM pg_class c JOIN pg_namespace s ON "
	"s.oid = c.relnamespace WHERE s.nspname = 'public' AND ((c.relkind "
	"IN ('r', 'p') AND NOT has_table_privilege(c.oid, "
	"'SELECT, INSERT, UPDATE, DELETE')) OR (c.relkind = 'S' AND NOT "
	"has_sequence_privilege(c.oid, 'USAGE, UPDATE')))) AS x", 0 };

int
db_grants_missing(struct db *db, char *out, size_t len, struct gc_err *err)
{
	PGresult *res;
	long long n;
	int rc;

	out[0] = '\0';
	if ((rc = db_exec(db, &st_grants, NULL, NULL, NULL, &res, err)) != 0)
		return rc;
	n = db_get_ll(res, 0, 0);
	if (n > 0)
		snprintf(out, len, "%s%s (%lld in all)", PQgetvalue(res, 0, 1),
		    n > 5 ? ", ..." : "", n);
	PQclear(res);
	return 0;
}

static const struct db_stmt st_replication = { "db_replication",
	"SELECT (SELECT count(*) FROM pg_stat_replication), "
	"current_setting('synchronous_standby_names')", 0 };

int
db_replication(struct db *db, long long *n_r, char *names, size_t len,
    struct gc_err *err)
{
	PGresult *res;
	int rc;

	*n_r = 0;
	names[0] = '\0';
	if ((rc = db_exec(db, &st_replication, NULL, NULL, NULL, &res,
	    err)) != 0)
		return rc;
	*n_r = db_get_ll(res, 0, 0);
	snprintf(names, len, "%s", PQgetvalue(res, 0, 1));
	PQclear(res);
	return 0;
}
