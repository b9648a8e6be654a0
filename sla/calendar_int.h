/*
 * calendar_int.h - a calendar's layout, shared by calendar.c (the
 * arithmetic) and calendar_build.c (making and describing one); not an
 * API: nothing outside sla/ includes this file.
 */
#ifndef GUICHET_SLA_CALENDAR_INT_H
#define GUICHET_SLA_CALENDAR_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "sla/calendar.h"

#define DAY 86400
#define WEEK (7 * DAY)
/* 1970-01-05, the first Monday of the epoch: weeks count from there. */
#define MONDAY0 4

struct interval {
	int32_t open;           /* seconds after local midnight */
	int32_t close;          /* > open, <= 86400 */
};

struct week {
	struct interval iv[7][CALENDAR_MAX_INTERVALS];
	int niv[7];
};

struct holiday {
	int64_t day;            /* local date, days since 1970-01-01 */
	char *name;             /* malloc'd or NULL */
	size_t seq;             /* order of arrival, for merge_holidays() */
};

struct calendar {
	const struct tz *tz;    /* borrowed */
	bool always_open;
	long long day_seconds;  /* override; 0 = default rule */
	struct week week;
	long long day_total[7];
	long long week_total;
	long long week_prefix[8];       /* Monday first: days before */
	struct holiday *hol;
	size_t nhol;
	long long *hol_cum;     /* [i]: business seconds hol[0..i-1] take */
};

static const char *const day_names[7] = { "sun", "mon", "tue", "wed",
	"thu", "fri", "sat" };
static const char *const day_long[7] = { "sunday", "monday", "tuesday",
	"wednesday", "thursday", "friday", "saturday" };

/* Recompute the totals, prefixes and hol_cum after a change. */
void calendar_rebuild(struct calendar *cal);

#endif
