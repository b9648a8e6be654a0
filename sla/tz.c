/*
 * tz.c - TZif and POSIX TZ string time zones: lookups (see tz.h)
 *
 * A zone is a sorted table of transitions (UTC instants, each naming a
 * local time type) and an optional rule, the POSIX TZ footer, which
 * governs the instants at or after the last transition (all of them when
 * the table is empty). A lookup is a binary search in the table, or the
 * rule evaluated for the years around the instant.
 *
 * Evaluating a rule: for a year Y it yields two instants, the start of
 * DST (a local date and time read in standard time) and its end (read in
 * DST). Version 3 times run from -167 to 167 hours, so an event may land
 * in the year before or after Y: the events of Y-1, Y and Y+1 are all
 * computed and the latest one not after the instant decides. When the
 * end of DST and the next start fall on the same instant (permanent DST,
 * "EST5EDT,0/0,J365/25"), the start wins.
 *
 * Instants are clamped to +/-2^52 s (about 140 million years) before any
 * arithmetic so that nothing overflows; nothing real lies out there.
 *
 * This file evaluates zones; tz_parse.c reads them (TZif data, POSIX TZ
 * strings).
 */
#include "sla/tz_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arith.h"
#include "common/mem.h"

static char utc_name[] = "UTC";

static struct tz utc_zone = {
	.name = utc_name,
	.has_rule = true,
	.rule = { .has_dst = false, .std_abbr = "UTC" },
};

/* ----- Calendar arithmetic ---------------------------------------- */

static bool
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int64_t y, int m)
{
	static const int md[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };

	return m == 2 && is_leap(y) ? 29 : md[m - 1];
}

/* Days since 1970-01-01, counting years in 400-year eras of 146097
 * days, with years starting on 1 March so that the leap day is last. */
int64_t
tz_days_from_civil(int64_t year, int month, int day)
{
	int64_t y, era, yoe, doy, doe, m;

	y = year + floor_div(month - 1, 12);
	m = floor_mod(month - 1, 12) + 1;
	if (m <= 2)
		y--;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + day - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
tz_civil_from_days(int64_t *year_r, int *month_r, int *day_r, int64_t days)
{
	int64_t z = days + 719468, era, doe, yoe, doy, mp, y;
	int m;

	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*day_r = (int)(doy - (153 * mp + 2) / 5 + 1);
	m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*month_r = m;
	*year_r = y + (m <= 2);
}

/* 0 = Sunday; 1970-01-01 was a Thursday. */
static int
weekday(int64_t days)
{
	return (int)floor_mod(days + 4, 7);
}

static int64_t
clamp_t(int64_t t)
{
	if (t > TZ_T_LIMIT)
		return TZ_T_LIMIT;
	if (t < -TZ_T_LIMIT)
		return -TZ_T_LIMIT;
	return t;
}

/* ----- Rule evaluation -------------------------------------------- */

/* Days since the epoch of the local date a rule names in year y. */
static int64_t
rule_day(const struct rule_date *r, int64_t y)
{
	int64_t jan1 = tz_days_from_civil(y, 1, 1), first;
	int md, d;

	switch (r->kind) {
	case RULE_JULIAN1:
		return jan1 + r->day - 1 + (is_leap(y) && r->day >= 60);
	case RULE_DAY0:
		return jan1 + r->day;
	case RULE_MWD:
		break;
	}
	first = tz_days_from_civil(y, r->month, 1);
	md = month_days(y, r->month);
	d = (r->day - weekday(first) + 7) % 7 + 7 * (r->week - 1);
	while (d >= md)
		d -= 7;
	return first + d;
}

static void
rule_events(const struct posix_rule *r, int64_t y, int64_t *start_r,
    int64_t *end_r)
{
	*start_r = rule_day(&r->start, y) * DAY + r->start.time - r->std_off;
	*end_r = rule_day(&r->end, y) * DAY + r->end.time - r->dst_off;
}

static int64_t
year_of(int64_t t)
{
	int64_t y;
	int m, d;

	tz_civil_from_days(&y, &m, &d, floor_div(t, DAY));
	return y;
}

static void
rule_lookup(const struct posix_rule *r, int64_t t, struct tinfo *out)
{
	int64_t y, best = INT64_MIN, s, e;
	bool dst = false;

	if (r->has_dst) {
		y = year_of(t);
		for (int64_t yy = y - 1; yy <= y + 1; yy++) {
			rule_events(r, yy, &s, &e);
			/* End first: a start on the same instant wins. */
			if (e <= t && e >= best) {
				best = e;
				dst = false;
			}
			if (s <= t && s >= best) {
				best = s;
				dst = true;
			}
		}
	}
	out->isdst = dst;
	out->off = dst ? r->dst_off : r->std_off;
	out->abbr = dst ? r->dst_abbr : r->std_abbr;
}

static bool
rule_next(const struct posix_rule *r, int64_t t, int64_t *out)
{
	int64_t y, best = INT64_MAX, s, e;

	if (!r->has_dst)
		return false;
	y = year_of(t);
	for (int64_t yy = y - 1; yy <= y + 2; yy++) {
		rule_events(r, yy, &s, &e);
		if (s > t && s < best)
			best = s;
		if (e > t && e < best)
			best = e;
	}
	if (best == INT64_MAX)
		return false;
	*out = best;
	return true;
}

/* ----- Lookups ---------------------------------------------------- */

static void
type_info(const struct tz *tz, size_t i, struct tinfo *out)
{
	out->off = tz->types[i].utoff;
	out->isdst = tz->types[i].isdst;
	out->abbr = tz->chars + tz->types[i].abbr;
}

static void
lookup(const struct tz *tz, int64_t t, struct tinfo *out)
{
	size_t lo, hi;

	t = clamp_t(t);
	if (tz->has_rule &&
	    (tz->ntrans == 0 || t >= tz->trans[tz->ntrans - 1])) {
		rule_lookup(&tz->rule, t, out);
		return;
	}
	if (tz->ntrans == 0 || t < tz->trans[0]) {
		type_info(tz, 0, out);
		return;
	}
	/* The last transition not after t: trans[lo] <= t < trans[hi]. */
	lo = 0;
	hi = tz->ntrans;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (tz->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	type_info(tz, tz->trans_type[lo], out);
}

const struct tz *
tz_utc(void)
{
	return &utc_zone;
}

const char *
tz_name(const struct tz *tz)
{
	return tz->name;
}

long
tz_offset_at(const struct tz *tz, time_t utc)
{
	struct tinfo ti;

	lookup(tz, utc, &ti);
	return ti.off;
}

bool
tz_next_transition(time_t *out, const struct tz *tz, time_t utc)
{
	int64_t t = clamp_t(utc), next;
	size_t lo, hi;

	if (tz->ntrans > 0 && t < tz->trans[tz->ntrans - 1]) {
		/* The first transition after t: trans[hi] > t. */
		lo = 0;
		hi = tz->ntrans - 1;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (tz->trans[mid] > t)
				hi = mid;
			else
				lo = mid + 1;
		}
		*out = (time_t)tz->trans[hi];
		return true;
	}
	if (!tz->has_rule || !rule_next(&tz->rule, t, &next) ||
	    next > TZ_T_LIMIT)
		return false;
	*out = (time_t)next;
	return true;
}

void
tz_text(const struct tz *tz, time_t utc, char *out, size_t len)
{
	struct tm tm;

	tz_to_local(tz, utc, &tm);
	snprintf(out, len, "%04d-%02d-%02d %02d:%02d (%s)", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tz_name(tz));
}

void
tz_to_local(const struct tz *tz, time_t utc, struct tm *out)
{
	struct tinfo ti;
	int64_t t = clamp_t(utc), local, days, sod, y;
	int m, d;

	lookup(tz, t, &ti);
	local = t + ti.off;
	days = floor_div(local, DAY);
	sod = local - days * DAY;
	tz_civil_from_days(&y, &m, &d, days);
	memset(out, 0, sizeof(*out));
	out->tm_year = (int)(y - 1900);
	out->tm_mon = m - 1;
	out->tm_mday = d;
	out->tm_hour = (int)(sod / 3600);
	out->tm_min = (int)(sod / 60 % 60);
	out->tm_sec = (int)(sod % 60);
	out->tm_wday = weekday(days);
	out->tm_yday = (int)(days - tz_days_from_civil(y, 1, 1));
	out->tm_isdst = ti.isdst;
	out->tm_gmtoff = ti.off;
	out->tm_zone = ti.abbr;
}

int
tz_from_local(const struct tz *tz, const struct tm *local, time_t *out)
{
	int64_t days, l, lo, hi, t, best = INT64_MAX;
	int64_t trans[8];
	int32_t offs[8];
	size_t n = 1;
	struct tinfo ti;
	time_t next;

	days = tz_days_from_civil((int64_t)local->tm_year + 1900 +
	    floor_div(local->tm_mon, 12), (int)floor_mod(local->tm_mon, 12) +
	    1, 1) + local->tm_mday - 1;
	l = days * DAY + (int64_t)local->tm_hour * 3600 +
	    (int64_t)local->tm_min * 60 + local->tm_sec;
	if (l > TZ_T_LIMIT / 2 || l < -TZ_T_LIMIT / 2)
		return GC_EINVAL;

	/* Every t with t + offset(t) == l lies in [lo, hi]. List the
	 * offsets in force there, in time order. */
	lo = l - tz->max_off;
	hi = l - tz->min_off;
	lookup(tz, lo, &ti);
	offs[0] = ti.off;
	trans[0] = lo;
	t = lo;
	while (n < 8 && tz_next_transition(&next, tz, (time_t)t) &&
	    next <= hi) {
		lookup(tz, next, &ti);
		trans[n] = next;
		offs[n++] = ti.off;
		t = next;
	}
	/* The earliest instant that reads l is its first occurrence. */
	for (size_t i = 0; i < n; i++) {
		lookup(tz, l - offs[i], &ti);
		if (ti.off == offs[i] && l - offs[i] < best)
			best = l - offs[i];
	}
	if (best == INT64_MAX) {
		/* l falls in a gap: read it with the offset before it. */
		best = l - offs[0];
		for (size_t i = 1; i < n; i++) {
			if (trans[i] + offs[i - 1] <= l &&
			    l < trans[i] + offs[i]) {
				best = l - offs[i - 1];
				break;
			}
		}
	}
	*out = (time_t)best;
	return 0;
}
