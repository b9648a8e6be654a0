/*
 * store.c - what the SLA needs of the store: a ticket's SLA state and
 * its timers (see store.h)
 *
 * Each function is one or two named prepared statements. Text values go
 * as text parameters, raw mail and attachment bytes as binary parameters,
 * times as ISO-8601 UTC text.
 */
#include "sql/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "sql/store_util.h"

/* ----- SLA -------------------------------------------------------- */

static const struct db_stmt st_sla_state = { "sla_state",
	"SELECT plan, priority, queue, status, "
	EPOCH("coalesce(sla_start_at, created_at)") ", "
	EPOCH("first_response_at") ", " EPOCH("workaround_at") ", "
	"CASE WHEN status IN ('resolved', 'closed') THEN "
	EPOCH("coalesce(resolved_at, closed_at)") " END, "
	EPOCH("last_update_at") ", " EPOCH("rca_sent_at") ", "
	"(SELECT array_agg(" EPOCH("start_at") " ORDER BY start_at) FROM "
	"ticket_pauses p WHERE p.ticket_id = t.id), "
	"(SELECT array_agg(coalesce(" EPOCH("end_at") ", 0) ORDER BY start_at) "
	"FROM ticket_pauses p WHERE p.ticket_id = t.id), "
	"(SELECT string_agg(kind || ' ' || coalesce(" EPOCH("due_at") ", 0) "
	"|| ' ' || coalesce(" EPOCH("warn_at") ", 0) || ' ' || "
	"(warned_at IS NOT NULL)::int || ' ' || (breached_at IS NOT NULL)::int "
	"|| ' ' || coalesce(" EPOCH("start_at") ", 0) || ' ' || coalesce("
	EPOCH("met_at") ", 0) || ' ' || coalesce(" EPOCH("next_at") ", 0) || "
	"' ' || target_seconds || ' ' || calendar, "
	"',' ORDER BY kind) FROM sla_timers s WHERE s.ticket_id = t.id), "
	"(SELECT count(*) FROM sla_timers s WHERE s.ticket_id = t.id) "
	"FROM tickets t WHERE id = $1", 1 };

/* The numbers of a bigint array's text form, "{1,2,3}", into v. */
static size_t
parse_ll_array(const char *s, time_t *v, size_t max)
{
	size_t n = 0;

	if (s == NULL)
		return 0;
	while (*s && n < max) {
		char *end;
		long long x;

		while (*s == '{' || *s == ',')
			s++;
		if (*s == '}' || *s == '\0')
			break;
		x = strtoll(s, &end, 10);
		if (end == s)
			break;
		v[n++] = (time_t)x;
		s = end;
	}
	return n;
}

/* The rest of a stored timer, " start met next target calendar" up to
 * the next ',': whole only when all of it reads (a calendar named with a
 * comma does not, and its timer is then written again at each refresh). */
static void
sla_timer_rest(struct store_sla_timer *t, const char *s)
{
	long long start, met, next, target;
	int cal = 0;
	size_t len;

	if (sscanf(s, " %lld %lld %lld %lld %n", &start, &met, &next, &target,
	    &cal) != 4 || cal == 0)
		return;
	len = strcspn(s + cal, ",");
	if (len == 0 || len >= sizeof(t->calendar))
		return;
	memcpy(t->calendar, s + cal, len);
	t->calendar[len] = '\0';
	t->start_at = (time_t)start;
	t->met_at = (time_t)met;
	t->next_at = (time_t)next;
	t->target_seconds = target;
	t->whole = true;
}

/* The stored timers, "kind due warn warned breached start met next
 * target calendar,..." (an entry that does not read is left out: it
 * counts as a new timer). */
static void
sla_timers_parse(struct store_sla_state *o, const char *s)
{
	size_t n = 1;

	for (const char *p = s; p && *p; p++)
		n += *p == ',';
	o->timers = xcalloc(n, sizeof(*o->timers));
	while (s != NULL && *s != '\0') {
		struct store_sla_timer *t = &o->timers[o->ntimers];
		long long due, warn;
		int w, b, end = 0, rest = 0;

		/* the kind is all of the text before one blank: a stored kind
		 * with blanks or a comma reads as no kind of ours */
		if (sscanf(s, "%15[^ ,]%n %lld %lld %d %d%n", t->kind, &end,
		    &due, &warn, &w, &b, &rest) == 5 && s[end] == ' ' &&
		    s[end + 1] != ' ') {
			t->due_at = (time_t)due;
			t->warn_at = (time_t)warn;
			t->warned = w != 0;
			t->breached = b != 0;
			sla_timer_rest(t, s + rest);
			o->ntimers++;
		}
		s = strchr(s, ',');
		s = s ? s + 1 : NULL;
	}
}

int
store_sla_state(struct db *db, int64_t ticket_id, struct store_sla_state *o,
    struct gc_err *err)
{
	I64(tid, ticket_id);
	PGresult *res;
	int rc;

	memset(o, 0, sizeof(*o));
	if ((rc = db_execv(db, &st_sla_state, &res, err, 1, tid)) != 0)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return gc_err_set(err, GC_ENOTFOUND, "no ticket %" PRId64,
		    ticket_id);
	}
	copy_field(o->plan, sizeof(o->plan), db_get(res, 0, 0));
	copy_field(o->priority, sizeof(o->priority), db_get(res, 0, 1));
	copy_field(o->queue, sizeof(o->queue), db_get(res, 0, 2));
	copy_field(o->status, sizeof(o->status), db_get(res, 0, 3));
	o->created_at = ts_of(res, 0, 4);
	o->first_response_at = ts_of(res, 0, 5);
	o->workaround_at = ts_of(res, 0, 6);
	o->resolved_at = ts_of(res, 0, 7);
	o->last_update_at = ts_of(res, 0, 8);
	o->rca_sent_at = ts_of(res, 0, 9);
	{
		const char *starts = db_get(res, 0, 10), *ends = db_get(res, 0,
		    11);
		size_t n = 1;

		for (const char *p = starts; p && *p; p++)
			n += *p == ',';
		o->pause_start = xcalloc(n + 1, sizeof(time_t));
		o->pause_end = xcalloc(n + 1, sizeof(time_t));
		o->npauses = parse_ll_array(starts, o->pause_start, n);
		parse_ll_array(ends, o->pause_end, n);
	}
	sla_timers_parse(o, db_get(res, 0, 12));
	o->nstored = (size_t)db_get_ll(res, 0, 13);
	PQclear(res);
	return 0;
}

void
store_sla_state_clear(struct store_sla_state *s)
{
	free(s->pause_start);
	free(s->pause_end);
	free(s->timers);
	memset(s, 0, sizeof(*s));
}
