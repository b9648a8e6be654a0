/*
 * agents_db.h - what each agent did in a period (`guichet report
 * agents`), for the team's lead
 *
 * Figures by PostgreSQL, one JSON array of one object per agent (the
 * names given first, in their order, then any other actor seen: an
 * agent since removed from the config):
 *   mails          the agent's mails and `ticket reply` calls taken
 *                  (agent_reply and internal_note events)
 *   notes          of them, internal notes
 *   tickets        distinct tickets they wrote on
 *   first_answers  tickets whose first answer fell in the period and
 *                  was theirs (the first of our mails to the customer
 *                  with an agent's words); first_answer_median_seconds
 *                  their median
 *                  (wall clock from the ticket's opening; null: none)
 *   resolved       tickets they set to resolved
 *   time_minutes   time they logged (#time, corrections in)
 *   ratings, rating_average   customers' ratings given in the period
 *                  to tickets assigned to them (null average: none)
 * With queue, only that queue's tickets count (as they stand now).
 *
 * Events have no index by time: the period's are read by one pass over
 * the table (about a second for ten million events), which a monthly
 * report can pay and the intake of every mail should not.
 */
#ifndef GC_SQL_AGENTS_DB_H
#define GC_SQL_AGENTS_DB_H

#include <stddef.h>
#include <time.h>

#include "common/err.h"
#include "sql/db.h"

int agents_db_report(struct db *db, time_t start, time_t end,
    const char *queue, const char *const *agents, size_t nagents,
    char **json_r, struct gc_err *err);

#endif
