/*
 * db_migrate.c - the schema: the embedded migrations applied in number
 * order, and the check that a database holds every one this binary
 * needs (see db.h)
 */
#include "sql/db.h"
#include "sql/db_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "conf/embedded.h"

/* The embedded sql/NNN_name.sql files, in number order. */
static size_t
migrations(const struct embedded_file **out, size_t max)
{
	size_t n = 0;

	for (const struct embedded_file *f = embedded_files; f->path; f++) {
		if (strncmp(f->path, "sql/", 4) != 0 ||
		    strlen(f->path) < 9 || f->path[4] < '0' ||
		    f->path[4] > '9')
			continue;
		if (n < max)
			out[n++] = f;
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(out[j - 1]->path,
		    out[j]->path) > 0; j--) {
			const struct embedded_file *t = out[j];

			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

static const struct db_stmt st_applied = { "migr_applied",
	"SELECT version FROM schema_migrations WHERE version = $1", 1 };
static const struct db_stmt st_record = { "migr_record",
	"INSERT INTO schema_migrations (version, name, applied_at) "
	"VALUES ($1, $2, $3)", 3 };
/* The first of the binary's migrations ($1) that the database lacks,
 * 0 when none: migrations are applied by number with gaps allowed, so a
 * schema whose latest version is high enough may still lack one. With
 * it, what this session's commits rest on (no round trip of its own): a
 * synchronous_commit of off (the server's, the role's or the database's)
 * is set on for the session, since a mail leaves its folder once its
 * commit returned, and with off that commit may still be lost to a crash
 * of the server. The value is read before it is set (MATERIALIZED:
 * evaluated first). And the statement_timeout, then the lock_timeout
 * set below it (LOCK_BELOW), if it was. */
static const struct db_stmt st_missing = { "migr_missing",
	"WITH s AS MATERIALIZED (SELECT current_setting('synchronous_commit') "
	"AS sc) SELECT (SELECT coalesce(min(v), 0) FROM unnest($1::int[]) "
	"AS v WHERE NOT EXISTS (SELECT 1 FROM schema_migrations m "
	"WHERE m.version = v)), current_setting('fsync'), "
	"current_setting('full_page_writes'), s.sc = 'off', CASE WHEN "
	"s.sc = 'off' THEN set_config('synchronous_commit', 'on', false) END, "
	STMT_TIMEOUT ", " LOCK_BELOW " FROM s", 1 };

/* A fixed key for the advisory lock that serialises migrations. */
#define MIGRATE_LOCK "4711001"

int
db_migrate(struct db *db, time_t now, int *applied_r, struct gc_err *err)
{
	const struct embedded_file *files[512];
	size_t n = migrations(files, 512);
	char at[32];
	int rc;

	*applied_r = 0;
	time_iso8601(at, sizeof(at), now);
	if ((rc = db_command(db, "SELECT pg_advisory_lock(" MIGRATE_LOCK ")",
	    err)) != 0)
		return rc;
	rc = db_command(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version integer PRIMARY KEY, name text NOT NULL, "
	    "applied_at timestamptz NOT NULL DEFAULT now())", err);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const char *base = files[i]->path + 4;
		char version[16], *name;
		PGresult *res;
		bool done;

		snprintf(version, sizeof(version), "%d", atoi(base));
		if ((rc = db_execv(db, &st_applied, &res, err, 1,
		    version)) != 0)
			break;
		done = PQntuples(res) > 0;
		PQclear(res);
		if (done)
			continue;
		name = xstrdup(base);
		name[strcspn(name, ".")] = '\0';
		rc = db_begin(db, err);
		if (rc == 0)
			rc = db_command(db, files[i]->data, err);
		if (rc == 0)
			rc = db_execv(db, &st_record, NULL, err, 3, version,
			    name, at);
		if (rc == 0)
			rc = db_commit(db, err);
		if (rc != 0) {
			db_rollback(db);
			gc_err_prefix(err, "migration %s", base);
		} else {
			log_info("migration %s applied", name);
			(*applied_r)++;
		}
		free(name);
	}
	if (db_ok(db)) {
		struct gc_err uerr = { 0 };

		(void)db_command(db, "SELECT pg_advisory_unlock(" MIGRATE_LOCK
		    ")", &uerr);
	}
	return rc;
}

int
db_schema_check(struct db *db, struct gc_err *err)
{
	const struct embedded_file *files[512];
	size_t n = migrations(files, 512);
	struct buf versions = BUF_INIT(16 * 512);
	int missing;
	PGresult *res;
	int rc;

	(void)!buf_addc(&versions, '{');
	for (size_t i = 0; i < n; i++)
		(void)!buf_printf(&versions, "%s%d", i ? "," : "",
		    atoi(files[i]->path + 4));
	(void)!buf_addc(&versions, '}');
	rc = db_execv(db, &st_missing, &res, err, 1, buf_str(&versions));
	buf_free(&versions);
	if (rc == GC_ETEMP)     /* the server, or a privilege: its reason */
		return rc;
	if (rc != 0) {
		gc_err_set(err, GC_ECONFIG, "the database schema is missing: "
		    "run `guichet migrate`");
		return GC_ECONFIG;
	}
	missing = atoi(PQgetvalue(res, 0, 0));
	db_settings_take(db, res);
	PQclear(res);
	if (missing != 0)
		return gc_err_set(err, GC_ECONFIG, "the database schema lacks "
		    "migration %d that this guichet needs: run `guichet "
		    "migrate`", missing);
	return 0;
}
