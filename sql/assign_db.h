/*
 * assign_db.h - new tickets assigned in turn, and agents away
 * (040_assignment.sql, 041_assign_turns.sql)
 */
#ifndef GC_SQL_ASSIGN_DB_H
#define GC_SQL_ASSIGN_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/err.h"
#include "sql/db.h"

/* The next of agents (queue's, in the config's order) not away at now,
 * into out (outlen bytes); "" when every one is away. The turn is the
 * queue's own once assign_db_turn_create() made it, else the one all
 * queues share. */
int assign_db_next(struct db *db, const char *queue,
    const char *const *agents, size_t nagents, time_t now, char *out,
    size_t outlen, struct gc_err *err);

/* The queue's own turn, made if missing: DDL, in a transaction of its
 * own (not the intake's). */
int assign_db_turn_create(struct db *db, const char *queue,
    struct gc_err *err);

/* agent away until `until` (0: until assign_db_back()), set by `by`. */
int assign_db_away(struct db *db, const char *agent, time_t until,
    const char *by, time_t now, struct gc_err *err);
/* GC_ENOTFOUND when agent was not away. */
int assign_db_back(struct db *db, const char *agent, struct gc_err *err);
/* The agents away at now, as a JSON array of {agent, until, set_by,
 * set_at}; malloc'd. */
int assign_db_away_list(struct db *db, time_t now, char **json_r,
    struct gc_err *err);

#endif
