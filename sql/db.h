/*
 * db.h - the PostgreSQL connection and named prepared statements
 *
 * All SQL that the program runs lives in sql/: migrations as NNN_name.sql
 * files (compiled into the binary) and queries as `struct db_stmt` values
 * (a name, the SQL text with $n parameters, the parameter count). A
 * statement is PREPAREd on a connection the first time it is used there,
 * then executed by name: values always travel as parameters, never pasted
 * into SQL text.
 *
 * Errors: GC_ETEMP when the server is unreachable or the connection broke
 * (callers reconnect with backoff and retry later; nothing is lost),
 * GC_EDUP on a unique violation, GC_EIO for anything else.
 *
 * Ownership: a PGresult returned through res_r belongs to the caller
 * (PQclear). struct db is one connection; it is not thread-safe.
 */
#ifndef GC_DB_H
#define GC_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <libpq-fe.h>

#include "common/err.h"

struct db_stmt {
	const char *name;
	const char *sql;
	int nparams;
};

struct db;

int db_connect(struct db **out, const char *conninfo, const char *password,
    struct gc_err *err);
void db_close(struct db **db);
bool db_ok(struct db *db);   /* connection still usable */

/* Execute a statement. params[i] may be NULL (SQL NULL); lens/binary may
 * be NULL for all-text parameters. res_r may be NULL when the rows are not
 * wanted. */
int db_exec(struct db *db, const struct db_stmt *st,
    const char *const *params, const int *lens, const int *binary,
    PGresult **res_r, struct gc_err *err);

/* A write whose result nobody waits for: sent at once in libpq's
 * pipeline mode, its result read (and any error returned) by the next
 * db_exec(), db_flush() or command, which thus cost one round trip for
 * all the writes deferred before them. An error of a deferred write is
 * reported there, so callers that must know which write failed flush
 * first. */
int db_defer(struct db *db, const struct db_stmt *st,
    const char *const *params, const int *lens, const int *binary,
    struct gc_err *err);
int db_deferv(struct db *db, const struct db_stmt *st, struct gc_err *err,
    int nparams, ...);
/* Wait for the deferred writes; the first error among them, or 0. */
int db_flush(struct db *db, struct gc_err *err);

/* Execute a query and hand its rows to fn one at a time, as they arrive
 * (libpq's single-row mode: memory for one row, however many there
 * are). fn returns 0 to go on, or an error code, which stops the
 * handing (the rest of the rows is read and dropped) and is returned.
 * Text parameters, as for db_execv(). For the long lists of the CLI
 * only: libpq 15 clears single-row mode when the next query is sent
 * outside pipeline mode, so writes deferred right after (every statement
 * already prepared) get their results as single rows, which drain()
 * takes for errors. Read a bounded list with db_exec() on a connection
 * that defers writes (the daemon's). */
typedef int db_row_fn(void *arg, const PGresult *row);
int db_each(struct db *db, const struct db_stmt *st,
    const char *const *params, db_row_fn *fn, void *arg,
    struct gc_err *err);

/* Same with text parameters only, given as a list ending with the count. */
int db_execv(struct db *db, const struct db_stmt *st, PGresult **res_r,
    struct gc_err *err, int nparams, ...);

/* A query of one value: the first column of its first row as text,
 * malloc'd into *value_r (NULL for SQL NULL or no row). Text parameters
 * only, as for db_execv(). */
int db_value(struct db *db, const struct db_stmt *st, char **value_r,
    struct gc_err *err, int nparams, ...);

/* A plain SQL command without parameters (BEGIN, SAVEPOINT, migrations). */
int db_command(struct db *db, const char *sql, struct gc_err *err);

int db_begin(struct db *db, struct gc_err *err);
int db_commit(struct db *db, struct gc_err *err);
void db_rollback(struct db *db);
int db_savepoint(struct db *db, struct gc_err *err);
int db_release(struct db *db, struct gc_err *err);
void db_rollback_to_savepoint(struct db *db);

/* Result helpers: NULL for SQL NULL. */
const char *db_get(const PGresult *res, int row, int col);
long long db_get_ll(const PGresult *res, int row, int col);

/* The version of the libpq this binary runs with, as "15.18"
 * (for `guichet --version`). */
void db_client_version(char *out, size_t len);

/* Notifications (LISTEN/NOTIFY): db_listen() subscribes the connection
 * to a channel (a lower-case constant of ours); db_socket() is the
 * descriptor to poll() for them (-1 when not connected);
 * db_notifications() reads what arrived, also while other queries ran,
 * and returns how many notifications were waiting (0 or more), or -1 when
 * the connection broke; with from_r, it also counts there those of one
 * channel. */
int db_listen(struct db *db, const char *channel, struct gc_err *err);
int db_socket(struct db *db);
int db_notifications(struct db *db, const char *channel, int *from_r);

/* With GUICHET_DB_STATS set in the environment, db_close() prints the
 * number of times the connection waited for the server (round trips)
 * and of the statements it ran to stderr: the benchmarks read them. */

/* The number of round trips of this connection so far (0 for NULL). */
unsigned long long db_round_trips(const struct db *db);

/* Bring the schema up to date; *applied_r is the number of migrations
 * applied now (0 when it was up to date), each recorded as applied at
 * now (the application's clock, as every time we store). Safe with
 * concurrent callers. */
int db_migrate(struct db *db, time_t now, int *applied_r,
    struct gc_err *err);

/* Whether the schema is at the newest version this binary knows. It
 * also reads what this connection's commits rest on, and sets
 * synchronous_commit on for the session when it was off (see below). */
int db_schema_check(struct db *db, struct gc_err *err);

/* As db_schema_check() found them: the server settings that make a
 * commit less than durable ("fsync = off", "full_page_writes = off",
 * both), NULL when none does; and whether synchronous_commit was off for
 * this session and guichet set it on. */
const char *db_durability_gap(const struct db *db);
bool db_commit_raised(const struct db *db);
/* Read them without the schema's check (a database not migrated yet);
 * synchronous_commit is then only read: db_commit_raised() says it is
 * off, nothing is set. */
int db_durability_read(struct db *db, struct gc_err *err);

/* The session's lock_timeout set to ms, when none is set (0: the
 * server's default; one of the role's or the database's is theirs to
 * choose), while the caller runs work that must not wait long on
 * another session's lock (the scheduler's jobs: a table locked by a
 * forgotten transaction would hold the whole daemon); *was_r (malloc'd)
 * gets the value before, for db_lock_wait_restore(). */
int db_lock_wait_at_most(struct db *db, long long ms, char **was_r,
    struct gc_err *err);
int db_lock_wait_restore(struct db *db, const char *was,
    struct gc_err *err);

/* The turn of a job that one process at a time does, among every
 * daemon and `sla tick` sharing the database (the month's reports, whose
 * claims would wait on another's uncommitted ones; the digests' read of
 * every open ticket): a session-level advisory lock named "guichet job
 * NAME", never waited for. *mine_r false: another process has the turn
 * and does the work. db_turn_end() lets it go (so does a lost session). */
int db_turn_try(struct db *db, const char *name, bool *mine_r,
    struct gc_err *err);
int db_turn_end(struct db *db, const char *name, struct gc_err *err);

#endif
