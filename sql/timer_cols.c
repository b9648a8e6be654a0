/*
 * timer_cols.c - a ticket's SLA timers as array literals (see
 * timer_cols.h)
 */
#include "sql/timer_cols.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/util.h"
#include "sql/store_util.h"

/* A text array literal where 0 stands for NULL. */
static void
ts_array(struct buf *b, const struct store_timer *t, size_t n, size_t off)
{
	(void)!buf_addc(b, '{');
	for (size_t i = 0; i < n; i++) {
		time_t v = *(const time_t *)((const char *)&t[i] + off);
		char ts[32];

		if (i > 0)
			(void)!buf_addc(b, ',');
		time_iso8601(ts, sizeof(ts), v);
		(void)!buf_addstr(b, v ? ts : "NULL");
	}
	(void)!buf_addc(b, '}');
}

/* A boolean array literal of one flag of each timer. */
static void
bool_array(struct buf *b, const struct store_timer *t, size_t n, size_t off)
{
	(void)!buf_addc(b, '{');
	for (size_t i = 0; i < n; i++)
		(void)!buf_addstr(b, *(const bool *)((const char *)&t[i] +
		    off) ? (i ? ",t" : "t") : (i ? ",f" : "f"));
	(void)!buf_addc(b, '}');
}

/* Every array of a struct store_timer_cols. */
#define TIMER_COLS(a) { &(a)->k, &(a)->st, &(a)->due, &(a)->warn, \
	&(a)->met, &(a)->tgt, &(a)->c, &(a)->kw, &(a)->kb, &(a)->next }

void
store_timer_cols(struct store_timer_cols *a, const struct store_timer *t,
    size_t n)
{
	const char **kinds = xcalloc(n + 1, sizeof(*kinds));
	const char **cals = xcalloc(n + 1, sizeof(*cals));
	struct buf *all[] = TIMER_COLS(a);

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		*all[i] = (struct buf)BUF_INIT(64 * 1024);
	for (size_t i = 0; i < n; i++) {
		kinds[i] = t[i].kind;
		cals[i] = t[i].calendar;
	}
	ts_array(&a->st, t, n, offsetof(struct store_timer, start_at));
	ts_array(&a->due, t, n, offsetof(struct store_timer, due_at));
	ts_array(&a->warn, t, n, offsetof(struct store_timer, warn_at));
	ts_array(&a->met, t, n, offsetof(struct store_timer, met_at));
	ts_array(&a->next, t, n, offsetof(struct store_timer, next_at));
	bool_array(&a->kw, t, n, offsetof(struct store_timer, keep_warned));
	bool_array(&a->kb, t, n, offsetof(struct store_timer, keep_breached));
	(void)!buf_addc(&a->tgt, '{');
	for (size_t i = 0; i < n; i++)
		(void)!buf_printf(&a->tgt, "%s%lld", i ? "," : "",
		    t[i].target_seconds);
	(void)!buf_addc(&a->tgt, '}');
	/* a few timer and calendar names: far below the caps */
	(void)!store_array_literal(&a->k, kinds, n);
	(void)!store_array_literal(&a->c, cals, n);
	free(kinds);
	free(cals);
}

void
store_timer_cols_free(struct store_timer_cols *a)
{
	struct buf *all[] = TIMER_COLS(a);

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		buf_free(all[i]);
}

void
store_timer_cols_new(const struct store_timer_cols *a, const char **p)
{
	const struct buf *cols[] = { &a->k, &a->st, &a->due, &a->warn,
		&a->met, &a->tgt, &a->c, &a->next };

	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		p[i] = buf_str(cols[i]);
}
