/*
 * db_int.h - what db.c and db_migrate.c share, for sql/ alone
 */
#ifndef GC_SQL_DB_INT_H
#define GC_SQL_DB_INT_H

#include <libpq-fe.h>

#include "sql/db.h"

#define STMT_TIMEOUT "current_setting('statement_timeout')"
/* With a statement_timeout (T) and no lock_timeout below it, the
 * session's lock_timeout is set to 9/10 of T: a statement that waits on
 * a lock held by another session (an administrator's ALTER TABLE, a
 * long transaction) ends as a lock timeout, which leaves its mail
 * waiting, before T could end it as a statement timeout, which is read
 * as a store too costly for the mail (the quarantine). The settings'
 * values in milliseconds (pg_settings), read before one is set. */
#define LOCK_BELOW \
	"(SELECT CASE WHEN st.v > 0 AND (lt.v = 0 OR lt.v >= st.v) THEN " \
	"set_config('lock_timeout', (st.v * 9 / 10)::text, false) END " \
	"FROM (SELECT setting::bigint AS v FROM pg_settings WHERE name = " \
	"'statement_timeout') st, (SELECT setting::bigint AS v FROM " \
	"pg_settings WHERE name = 'lock_timeout') lt)"

/* What the commits rest on, and the statement_timeout that a cancelled
 * statement is weighed against, from a row of the columns of
 * db_schema_check()'s statement: 1 fsync, 2 full_page_writes, 3
 * synchronous_commit raised, 5 statement_timeout, 6 (if any) the
 * lock_timeout set below it (LOCK_BELOW). */
void db_settings_take(struct db *db, const PGresult *res);

#endif
