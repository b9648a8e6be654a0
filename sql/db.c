/*
 * db.c - libpq connection, lazily prepared statements, the session's settings
 */
#include "sql/db.h"
#include "sql/db_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"

#define MAX_PREPARED 256

struct db {
	PGconn *conn;
	const struct db_stmt *prepared[MAX_PREPARED];
	size_t nprepared;
	int pending;            /* deferred writes not read back yet */
	unsigned long long round_trips; /* waits for the server, for figures */
	unsigned long long statements;  /* statements executed, for figures */
	char durability_gap[64];        /* db_durability_gap(), "" if none */
	bool commit_raised;             /* synchronous_commit set on */
	long long stmt_timeout_ms;      /* the session's statement_timeout */
	long long begun_ms;             /* when the transaction began */
};

static long long
now_ms(void)
{
	return (long long)(mono_seconds() * 1000);
}

/* Whether a cancelled statement (57014) can have been cancelled by
 * statement_timeout: only when there is one and the transaction has run
 * at least that long (no statement of it can have run longer). Else an
 * administrator's pg_cancel_backend() or the server cancelled it:
 * nothing of the mail is wrong. */
static bool
maybe_timeout(const struct db *db)
{
	return db->stmt_timeout_ms > 0 &&
	    now_ms() - db->begun_ms >= db->stmt_timeout_ms;
}

static void
quiet_notices(void *arg, const char *message)
{
	(void)arg;
	log_debug("postgresql: %s", message);
}

int
db_connect(struct db **out, const char *conninfo, const char *password,
    struct gc_err *err)
{
	const char *keys[] = { "dbname", "password", "connect_timeout",
		"application_name", NULL };
	const char *vals[] = { conninfo, password, "10", "guichet", NULL };
	struct db *db;
	PGconn *conn;

	*out = NULL;
	if (password == NULL) {
		keys[1] = "connect_timeout";
		vals[1] = "10";
		keys[2] = "application_name";
		vals[2] = "guichet";
		keys[3] = NULL;
		vals[3] = NULL;
	}
	conn = PQconnectdbParams(keys, vals, 1);
	if (conn == NULL)
		fatal("PQconnectdbParams: out of memory");
	if (PQstatus(conn) != CONNECTION_OK) {
		char msg[GC_ERRMSG_SIZE];

		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(conn));
		msg[strcspn(msg, "\n")] = '\0';
		PQfinish(conn);
		return gc_err_set(err, GC_ETEMP, "database: %s", msg);
	}
	PQsetNoticeProcessor(conn, quiet_notices, NULL);
	db = xcalloc(1, sizeof(*db));
	db->conn = conn;
	*out = db;
	return 0;
}

void
db_close(struct db **dbp)
{
	if (*dbp == NULL)
		return;
	if (getenv("GUICHET_DB_STATS"))
		fprintf(stderr, "guichet: %llu database round trips, %llu "
		    "statements\n", (*dbp)->round_trips, (*dbp)->statements);
	PQfinish((*dbp)->conn);
	free(*dbp);
	*dbp = NULL;
}

unsigned long long
db_round_trips(const struct db *db)
{
	return db != NULL ? db->round_trips : 0;
}

bool
db_ok(struct db *db)
{
	return db != NULL && PQstatus(db->conn) == CONNECTION_OK;
}

/* Map a failed result to our codes. */
static int
result_error(struct db *db, const PGresult *res, const char *what,
    struct gc_err *err)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) :
	    NULL;
	char msg[GC_ERRMSG_SIZE];
	int code = GC_EIO;

	snprintf(msg, sizeof(msg), "%s", res ? PQresultErrorMessage(res) :
	    PQerrorMessage(db->conn));
	msg[strcspn(msg, "\n")] = '\0';
	if (PQstatus(db->conn) != CONNECTION_OK)
		code = GC_ETEMP;
	else if (state != NULL && (strncmp(state, "08", 2) == 0 ||
	    strncmp(state, "53", 2) == 0 || strncmp(state, "57P", 3) == 0 ||
	    strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    /* lock_timeout: another daemon's batch holds the ticket
	     * counter, say; the lock will be free, the mail is fine */
	    strcmp(state, "55P03") == 0))
		code = GC_ETEMP;
	else if (state != NULL && strcmp(state, "57014") == 0 &&
	    !maybe_timeout(db))
		return gc_err_set(err, GC_ETEMP, "database: %s: %s (cancelled "
		    "by pg_cancel_backend() or the server, not by "
		    "statement_timeout; the mails wait)", what, msg);
	else if (state != NULL && strcmp(state, "23505") == 0)
		code = GC_EDUP;
	else if (state != NULL && (strcmp(state, "42501") == 0 ||
	    strncmp(state, "58", 2) == 0))
		/* a privilege guichet's role lacks, the server's disk: never
		 * the mail's fault, which waits (not the quarantine) */
		return gc_err_set(err, GC_ETEMP, "database: %s: %s (%s; the "
		    "mails wait)", what, msg, state[0] == '4' ? "guichet's "
		    "role lacks a privilege: the tables, sequences and "
		    "functions of its schema are to be granted to it" :
		    "the database server's own failure");
	else if (state != NULL && strcmp(state, "25006") == 0)
		/* a standby, or default_transaction_read_only: nothing of the
		 * mail is wrong, it waits (not the quarantine) */
		return gc_err_set(err, GC_ETEMP, "database: %s: %s (the "
		    "database takes no writes: a standby, or "
		    "default_transaction_read_only; the mails wait)", what,
		    msg);
	return gc_err_set(err, code, "database: %s: %s", what,
	    msg[0] ? msg : "connection lost");
}

static bool
is_prepared(const struct db *db, const struct db_stmt *st)
{
	for (size_t i = 0; i < db->nprepared; i++)
		if (db->prepared[i] == st)
			return true;
	return false;
}

static int
prepare(struct db *db, const struct db_stmt *st, struct gc_err *err)
{
	PGresult *res;

	if (is_prepared(db, st))
		return 0;
	if (db->nprepared == MAX_PREPARED)
		fatal("db: more than %d prepared statements", MAX_PREPARED);
	db->round_trips++;
	res = PQprepare(db->conn, st->name, st->sql, st->nparams, NULL);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		int rc = result_error(db, res, st->name, err);

		PQclear(res);
		return rc;
	}
	PQclear(res);
	db->prepared[db->nprepared++] = st;
	return 0;
}

/* Read the results of everything sent in pipeline mode up to the sync;
 * keep the result of the last query sent (when keep_last) in *last_r.
 * Leaves pipeline mode. */
static int
drain(struct db *db, bool keep_last, PGresult **last_r, struct gc_err *err)
{
	int rc = 0, left = db->pending + (keep_last ? 1 : 0);

	db->round_trips++;
	if (last_r)
		*last_r = NULL;
	while (left > 0) {
		PGresult *res = PQgetResult(db->conn);
		ExecStatusType s;

		if (res == NULL) {
			if (PQstatus(db->conn) != CONNECTION_OK) {
				if (rc == 0)
					rc = result_error(db, NULL, "pipeline",
					    err);
				break;
			}
			left--;       /* the end of one query's results */
			continue;
		}
		s = PQresultStatus(res);
		if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
			if (rc == 0)
				rc = result_error(db, res, s ==
				    PGRES_PIPELINE_ABORTED ? "pipeline (after "
				    "an earlier error)" : "deferred write", err);
			PQclear(res);
		} else if (keep_last && left == 1 && last_r) {
			PQclear(*last_r);
			*last_r = res;
		} else {
			PQclear(res);
		}
	}
	/* the sync point */
	for (;;) {
		PGresult *res = PQgetResult(db->conn);

		if (res == NULL) {
			if (PQstatus(db->conn) != CONNECTION_OK)
				break;
			continue;
		}
		if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			break;
		}
		PQclear(res);
	}
	db->pending = 0;
	if (PQpipelineStatus(db->conn) != PQ_PIPELINE_OFF)
		PQexitPipelineMode(db->conn);
	if (rc != 0 && last_r) {
		PQclear(*last_r);
		*last_r = NULL;
	}
	return rc;
}

int
db_flush(struct db *db, struct gc_err *err)
{
	if (db->pending == 0)
		return 0;
	if (PQpipelineSync(db->conn) != 1)
		return result_error(db, NULL, "pipeline sync", err);
	return drain(db, false, NULL, err);
}

int
db_defer(struct db *db, const struct db_stmt *st, const char *const *params,
    const int *lens, const int *binary, struct gc_err *err)
{
	int rc;

	if (getenv("GUICHET_NO_DEFER"))
		return db_exec(db, st, params, lens, binary, NULL, err);
	/* preparing is synchronous: done before entering the pipeline, the
	 * first time a statement is used on this connection */
	if (!is_prepared(db, st)) {
		if ((rc = db_flush(db, err)) != 0 ||
		    (rc = prepare(db, st, err)) != 0)
			return rc;
	}
	if (PQpipelineStatus(db->conn) == PQ_PIPELINE_OFF &&
	    PQenterPipelineMode(db->conn) != 1)
		return result_error(db, NULL, "pipeline mode", err);
	if (PQsendQueryPrepared(db->conn, st->name, st->nparams, params, lens,
	    binary, 0) != 1)
		return result_error(db, NULL, st->name, err);
	db->pending++;
	db->statements++;
	/* left in libpq's buffer (sent once it holds 64 kB): the writes go
	 * with the sync of the next query that waits for its answer
	 * (PQpipelineSync() sends), in one send() and one wake-up of the
	 * server instead of one for each statement */
	return 0;
}

int
db_deferv(struct db *db, const struct db_stmt *st, struct gc_err *err,
    int nparams, ...)
{
	const char *params[32];
	va_list ap;

	if (nparams > 32 || nparams != st->nparams)
		fatal("db_deferv %s: %d parameters, statement has %d",
		    st->name, nparams, st->nparams);
	va_start(ap, nparams);
	for (int i = 0; i < nparams; i++)
		params[i] = va_arg(ap, const char *);
	va_end(ap);
	return db_defer(db, st, params, NULL, NULL, err);
}

int
db_exec(struct db *db, const struct db_stmt *st, const char *const *params,
    const int *lens, const int *binary, PGresult **res_r, struct gc_err *err)
{
	PGresult *res;
	ExecStatusType s;
	int rc;

	if (res_r)
		*res_r = NULL;
	if (db->pending > 0 && !is_prepared(db, st) &&
	    (rc = db_flush(db, err)) != 0)
		return rc;
	if ((rc = prepare(db, st, err)) != 0)
		return rc;
	db->statements++;
	if (db->pending > 0) {
		/* this query rides with the deferred writes: one round trip
		 * for all of them */
		if (PQsendQueryPrepared(db->conn, st->name, st->nparams,
		    params, lens, binary, 0) != 1 ||
		    PQpipelineSync(db->conn) != 1) {
			rc = result_error(db, NULL, st->name, err);
			db->pending = 0;
			return rc;
		}
		rc = drain(db, true, &res, err);
		if (rc != 0)
			return rc;
		if (res_r)
			*res_r = res;
		else
			PQclear(res);
		return 0;
	}
	db->round_trips++;
	res = PQexecPrepared(db->conn, st->name, st->nparams, params, lens,
	    binary, 0);
	s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		rc = result_error(db, res, st->name, err);
		PQclear(res);
		return rc;
	}
	if (res_r)
		*res_r = res;
	else
		PQclear(res);
	return 0;
}

int
db_each(struct db *db, const struct db_stmt *st, const char *const *params,
    db_row_fn *fn, void *arg, struct gc_err *err)
{
	PGresult *res;
	int rc;

	if (db->pending > 0 && (rc = db_flush(db, err)) != 0)
		return rc;
	if ((rc = prepare(db, st, err)) != 0)
		return rc;
	db->statements++;
	db->round_trips++;
	if (PQsendQueryPrepared(db->conn, st->name, st->nparams, params, NULL,
	    NULL, 0) != 1 || PQsetSingleRowMode(db->conn) != 1) {
		rc = result_error(db, NULL, st->name, err);
		while ((res = PQgetResult(db->conn)) != NULL)
			PQclear(res);
		return rc;
	}
	while ((res = PQgetResult(db->conn)) != NULL) {
		ExecStatusType s = PQresultStatus(res);

		if (s == PGRES_SINGLE_TUPLE) {
			if (rc == 0)
				rc = fn(arg, res);
		} else if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK &&
		    rc == 0) {
			rc = result_error(db, res, st->name, err);
		}
		PQclear(res);
	}
	return rc;
}

int
db_execv(struct db *db, const struct db_stmt *st, PGresult **res_r,
    struct gc_err *err, int nparams, ...)
{
	const char *params[32];
	va_list ap;

	if (nparams > 32 || nparams != st->nparams)
		fatal("db_execv %s: %d parameters, statement has %d",
		    st->name, nparams, st->nparams);
	va_start(ap, nparams);
	for (int i = 0; i < nparams; i++)
		params[i] = va_arg(ap, const char *);
	va_end(ap);
	return db_exec(db, st, params, NULL, NULL, res_r, err);
}

int
db_value(struct db *db, const struct db_stmt *st, char **value_r,
    struct gc_err *err, int nparams, ...)
{
	const char *params[32];
	PGresult *res;
	va_list ap;
	int rc;

	*value_r = NULL;
	if (nparams > 32 || nparams != st->nparams)
		fatal("db_value %s: %d parameters, statement has %d",
		    st->name, nparams, st->nparams);
	va_start(ap, nparams);
	for (int i = 0; i < nparams; i++)
		params[i] = va_arg(ap, const char *);
	va_end(ap);
	if ((rc = db_exec(db, st, params, NULL, NULL, &res, err)) != 0)
		return rc;
	if (PQntuples(res) > 0 && PQnfields(res) > 0 &&
	    db_get(res, 0, 0) != NULL)
		*value_r = xstrdup(db_get(res, 0, 0));
	PQclear(res);
	return 0;
}

int
db_command(struct db *db, const char *sql, struct gc_err *err)
{
	PGresult *res;
	ExecStatusType s;
	int rc;

	if ((rc = db_flush(db, err)) != 0)
		return rc;
	db->round_trips++;
	db->statements++;
	res = PQexec(db->conn, sql);
	s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		char what[48];

		snprintf(what, sizeof(what), "%.40s", sql);
		what[strcspn(what, "\n")] = '\0';
		rc = result_error(db, res, what, err);
	}
	PQclear(res);
	return rc;
}

int
db_begin(struct db *db, struct gc_err *err)
{
	db->begun_ms = now_ms();
	return db_command(db, "BEGIN", err);
}

int
db_commit(struct db *db, struct gc_err *err)
{
	return db_command(db, "COMMIT", err);
}

/* Undo what is pending: nothing to report when it fails, the connection
 * is then dead and the caller's next call says so. */
static void
discard(struct db *db, const char *sql)
{
	(void)db_flush(db, NULL);
	if (db_ok(db))
		PQclear(PQexec(db->conn, sql));
}

void
db_rollback(struct db *db)
{
	discard(db, "ROLLBACK");
}

int
db_savepoint(struct db *db, struct gc_err *err)
{
	return db_command(db, "SAVEPOINT mail", err);
}

int
db_release(struct db *db, struct gc_err *err)
{
	return db_command(db, "RELEASE SAVEPOINT mail", err);
}

void
db_rollback_to_savepoint(struct db *db)
{
	discard(db, "ROLLBACK TO SAVEPOINT mail");
}

const char *
db_get(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return NULL;
	return PQgetvalue(res, row, col);
}

long long
db_get_ll(const PGresult *res, int row, int col)
{
	const char *v = db_get(res, row, col);

	return v ? strtoll(v, NULL, 10) : 0;
}

/* ----- Settings -------------------------------------------------- */

/* A time setting as PostgreSQL shows it ("0", "300ms", "5s", "2min",
 * "1h", "1d") in milliseconds; 0 (none) for what it does not read. */
static long long
timeout_ms(const char *v)
{
	static const struct { const char *unit; long long ms; } units[] = {
		{ "", 1 }, { "ms", 1 }, { "s", 1000 }, { "min", 60000 },
		{ "h", 3600000 }, { "d", 86400000 },
	};
	char *end;
	long long n = strtoll(v, &end, 10);

	for (size_t i = 0; n > 0 && i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(end, units[i].unit) == 0)
			return n * units[i].ms;
	return 0;
}

void
db_settings_take(struct db *db, const PGresult *res)
{
	bool fsync_off = strcmp(PQgetvalue(res, 0, 1), "on") != 0;
	bool fpw_off = strcmp(PQgetvalue(res, 0, 2), "on") != 0;

	db->commit_raised = strcmp(PQgetvalue(res, 0, 3), "t") == 0;
	db->stmt_timeout_ms = timeout_ms(PQgetvalue(res, 0, 5));
	if (PQnfields(res) > 6 && !PQgetisnull(res, 0, 6))
		log_debug("lock_timeout %s for this session, below its "
		    "statement_timeout: a store that waits on a lock leaves "
		    "its mail waiting", PQgetvalue(res, 0, 6));
	snprintf(db->durability_gap, sizeof(db->durability_gap), "%s%s%s",
	    fsync_off ? "fsync = off" : "", fsync_off && fpw_off ? ", " : "",
	    fpw_off ? "full_page_writes = off" : "");
}

/* The same settings read alone, nothing set (a database without the
 * schema yet, for `check-config --connect`). */
static const struct db_stmt st_durable = { "db_durable",
	"SELECT 0, current_setting('fsync'), "
	"current_setting('full_page_writes'), "
	"current_setting('synchronous_commit') = 'off', NULL, " STMT_TIMEOUT,
	0 };

int
db_durability_read(struct db *db, struct gc_err *err)
{
	PGresult *res;
	int rc;

	if ((rc = db_exec(db, &st_durable, NULL, NULL, NULL, &res, err)) != 0)
		return rc;
	db_settings_take(db, res);
	PQclear(res);
	return 0;
}

static const struct db_stmt st_lock_wait = { "db_lock_wait",
	"WITH o AS MATERIALIZED (SELECT current_setting('lock_timeout') AS v, "
	"(SELECT setting::bigint FROM pg_settings WHERE name = "
	"'lock_timeout') AS ms) SELECT o.v, CASE WHEN o.ms = 0 THEN "
	"set_config('lock_timeout', $1::text, false) END FROM o", 1 };
static const struct db_stmt st_lock_restore = { "db_lock_restore",
	"SELECT set_config('lock_timeout', $1, false)", 1 };

int
db_lock_wait_at_most(struct db *db, long long ms, char **was_r,
    struct gc_err *err)
{
	char v[24];

	snprintf(v, sizeof(v), "%lld", ms);
	return db_value(db, &st_lock_wait, was_r, err, 1, v);
}

int
db_lock_wait_restore(struct db *db, const char *was, struct gc_err *err)
{
	return db_execv(db, &st_lock_restore, NULL, err, 1, was);
}

static const struct db_stmt st_turn_try = { "db_turn_try",
	"SELECT pg_try_advisory_lock(hashtextextended('guichet job ' || $1, "
	"0))", 1 };
static const struct db_stmt st_turn_end = { "db_turn_end",
	"SELECT pg_advisory_unlock(hashtextextended('guichet job ' || $1, "
	"0))", 1 };

int
db_turn_try(struct db *db, const char *name, bool *mine_r,
    struct gc_err *err)
{
	char *v = NULL;
	int rc = db_value(db, &st_turn_try, &v, err, 1, name);

	*mine_r = rc == 0 && v != NULL && strcmp(v, "t") == 0;
	free(v);
	return rc;
}

int
db_turn_end(struct db *db, const char *name, struct gc_err *err)
{
	return db_execv(db, &st_turn_end, NULL, err, 1, name);
}

const char *
db_durability_gap(const struct db *db)
{
	return db != NULL && db->durability_gap[0] != '\0' ?
	    db->durability_gap : NULL;
}

bool
db_commit_raised(const struct db *db)
{
	return db != NULL && db->commit_raised;
}

void
db_client_version(char *out, size_t len)
{
	int v = PQlibVersion();

	snprintf(out, len, "%d.%d", v / 10000, v % 10000);
}

/* ----- Notifications ---------------------------------------------- */

int
db_listen(struct db *db, const char *channel, struct gc_err *err)
{
	char sql[80];

	/* channel is one of our constants, never input: an identifier */
	if (strspn(channel, "abcdefghijklmnopqrstuvwxyz_") != strlen(channel) ||
	    strlen(channel) > 60)
		fatal("db_listen: bad channel name %s", channel);
	snprintf(sql, sizeof(sql), "LISTEN %s", channel);
	return db_command(db, sql, err);
}

int
db_socket(struct db *db)
{
	return db_ok(db) ? PQsocket(db->conn) : -1;
}

int
db_notifications(struct db *db, const char *channel, int *from_r)
{
	PGnotify *n;
	int count = 0;

	if (from_r != NULL)
		*from_r = 0;
	if (!db_ok(db))
		return -1;
	/* never in the middle of a pipeline: its results are not ours */
	if (db->pending == 0 && PQconsumeInput(db->conn) != 1)
		return -1;
	while ((n = PQnotifies(db->conn)) != NULL) {
		count++;
		if (from_r != NULL && strcmp(n->relname, channel) == 0)
			(*from_r)++;
		PQfreemem(n);
	}
	return count;
}
