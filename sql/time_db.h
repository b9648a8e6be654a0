/*
 * time_db.h - the time agents worked on tickets (038_time_entries.sql)
 *
 * The caller checks the amount (parsers/commands.h, CMD_TIME_MAX) and
 * that an agent never takes back more than it logged.
 */
#ifndef GC_SQL_TIME_DB_H
#define GC_SQL_TIME_DB_H

#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "sql/db.h"

/* The minutes agent has logged on ticket_id, and those of the ticket;
 * the ticket's row stays locked to the end of the transaction. */
int time_db_totals(struct db *db, int64_t ticket_id, const char *agent,
    long long *agent_r, long long *ticket_r, struct gc_err *err);
/* minutes (not 0) logged by agent on ticket_id at now. */
int time_db_add(struct db *db, int64_t ticket_id, const char *agent,
    int minutes, time_t now, struct gc_err *err);

#endif
