/*
 * agents_db.c - what each agent did in a period (see agents_db.h)
 */
#include "sql/agents_db.h"

#include <stdlib.h>

#include "sql/store_util.h"

/* $1 start, $2 end, $3 queue (NULL: all), $4 the agents' names */
#define IN_QUEUE(t) "($3::text IS NULL OR " t ".queue = $3)"
static const struct db_stmt st_report = { "agents_report",
	"WITH ev AS (SELECT e.actor AS agent, e.kind, e.ticket_id, "
	"e.data->>'to' AS to_status FROM events e JOIN tickets t ON t.id = "
	"e.ticket_id WHERE e.at >= $1 AND e.at < $2 AND e.actor IS NOT NULL "
	"AND (e.kind IN ('agent_reply', 'internal_note') OR (e.kind = "
	"'status_changed' AND e.data->>'to' = 'resolved')) AND "
	IN_QUEUE("t") "), "
	"mails AS (SELECT agent, count(*) FILTER (WHERE kind <> "
	"'status_changed') AS mails, count(*) FILTER (WHERE kind = "
	"'internal_note') AS notes, count(DISTINCT ticket_id) FILTER "
	"(WHERE kind <> 'status_changed') AS tickets, count(*) FILTER "
	"(WHERE kind = 'status_changed' AND to_status = 'resolved') AS "
	"resolved FROM ev GROUP BY agent), "
	"firsts AS (SELECT f.agent, count(*) AS n, percentile_cont(0.5) "
	"WITHIN GROUP (ORDER BY extract(epoch FROM t.first_response_at - "
	"t.created_at)) AS median FROM tickets t CROSS JOIN LATERAL (SELECT "
	"m.agent FROM messages m WHERE m.ticket_id = t.id AND m.direction = "
	"'out' AND m.author = 'agent' AND NOT m.internal AND m.agent IS NOT "
	"NULL ORDER BY m.id LIMIT 1) f WHERE t.first_response_at "
	">= $1 AND t.first_response_at < $2 AND " IN_QUEUE("t") " GROUP BY "
	"f.agent), "
	"spent AS (SELECT w.agent, sum(w.minutes) AS minutes FROM "
	"time_entries w JOIN tickets t ON t.id = w.ticket_id WHERE w.at >= "
	"$1 AND w.at < $2 AND " IN_QUEUE("t") " GROUP BY w.agent), "
	"rated AS (SELECT t.assignee AS agent, count(*) AS n, avg(r.score) "
	"AS average FROM ticket_ratings r JOIN tickets t ON t.id = "
	"r.ticket_id WHERE r.rated_at >= $1 AND r.rated_at < $2 AND "
	"t.assignee IS NOT NULL AND t.assignee <> '' AND " IN_QUEUE("t")
	" GROUP BY t.assignee), "
	"names AS (SELECT n.name, n.ord FROM unnest($4::text[]) WITH "
	"ORDINALITY AS n(name, ord) UNION SELECT x.agent, NULL FROM (SELECT "
	"agent FROM mails UNION SELECT agent FROM firsts UNION SELECT agent "
	"FROM spent UNION SELECT agent FROM rated) x WHERE x.agent <> ALL "
	"($4::text[])) "
	"SELECT coalesce(json_agg(json_build_object('agent', n.name, "
	"'mails', coalesce(m.mails, 0), 'notes', coalesce(m.notes, 0), "
	"'tickets', coalesce(m.tickets, 0), 'first_answers', "
	"coalesce(f.n, 0), 'first_answer_median_seconds', "
	"round(f.median)::bigint, 'resolved', coalesce(m.resolved, 0), "
	"'time_minutes', coalesce(s.minutes, 0), 'ratings', coalesce(r.n, "
	"0), 'rating_average', round(r.average, 2)) ORDER BY n.ord NULLS "
	"LAST, n.name), '[]'::json)::text FROM names n LEFT JOIN mails m ON "
	"m.agent = n.name LEFT JOIN firsts f ON f.agent = n.name LEFT JOIN "
	"spent s ON s.agent = n.name LEFT JOIN rated r ON r.agent = n.name",
	4 };

int
agents_db_report(struct db *db, time_t start, time_t end,
    const char *queue, const char *const *agents, size_t nagents,
    char **json_r, struct gc_err *err)
{
	char *names = array_literal(agents, nagents);
	TS(s, start);
	TS(e, end);
	int rc;

	rc = db_value(db, &st_report, json_r, err, 4, s, e, queue, names);
	free(names);
	return rc;
}
