/*
 * calendar.c - business calendars: deadline arithmetic (see calendar.h)
 *
 * The arithmetic works in two layers.
 *
 * Local layer: local times are counted as seconds since 1970-01-01 00:00
 * on the local clock ("L"), as if the zone were UTC. B(L) is the number
 * of business seconds from an origin up to L: whole weeks times the
 * week's total, plus the week's prefix up to L, minus what holidays took
 * (a prefix sum over the sorted holiday list, plus the part of the
 * current day when it is a holiday). B() is O(log holidays), so business
 * time between two local times is a subtraction. The inverse, "the
 * earliest L at which s more seconds have elapsed" (add_local()), jumps
 * whole weeks, gives back the hours of the holidays it jumped over, and
 * walks the last few days.
 *
 * UTC layer: between two transitions of the zone the offset is constant,
 * so UTC and local time differ by a constant and the local layer applies
 * as is. calendar_between() and calendar_add() walk the zone's
 * transitions (about two a year) and use the local layer inside each
 * stretch. This is what makes business time "real time elapsed while the
 * local clock reads open hours" across DST changes.
 *
 * Invariants: intervals of a weekday are sorted, disjoint, non-adjacent,
 * within [0, 86400]; holidays are sorted by day, unique; the totals,
 * prefixes and hol_cum are recomputed by calendar_rebuild() after every change.
 * Weekday indexes are 0 = Sunday as in struct tm.
 *
 * This file is the arithmetic; calendar_build.c makes a calendar (hours,
 * holidays) and describes it.
 */
#include "sla/calendar_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/arith.h"
#include "common/util.h"

/* ----- Helpers ---------------------------------------------------- */

static int
weekday(int64_t days)
{
	int64_t w = (days + 4) % 7;

	return (int)(w < 0 ? w + 7 : w);
}

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static int64_t
max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* Business seconds of weekday wd before second sod of the day. */
static long long
day_prefix(const struct calendar *cal, int wd, int64_t sod)
{
	const struct week *w = &cal->week;
	long long sum = 0;

	for (int i = 0; i < w->niv[wd]; i++) {
		const struct interval *iv = &w->iv[wd][i];

		if (sod <= iv->open)
			break;
		sum += min64(sod, iv->close) - iv->open;
	}
	return sum;
}

/* Number of holidays before local day d. */
static size_t
hol_index(const struct calendar *cal, int64_t d)
{
	size_t lo = 0, hi = cal->nhol;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cal->hol[mid].day < d)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool
is_holiday(const struct calendar *cal, int64_t d)
{
	size_t i = hol_index(cal, d);

	return i < cal->nhol && cal->hol[i].day == d;
}

void
calendar_rebuild(struct calendar *cal)
{
	cal->week_total = 0;
	for (int wd = 0; wd < 7; wd++) {
		cal->day_total[wd] = day_prefix(cal, wd, DAY);
		cal->week_total += cal->day_total[wd];
	}
	cal->week_prefix[0] = 0;
	for (int i = 0; i < 7; i++)
		cal->week_prefix[i + 1] = cal->week_prefix[i] +
		    cal->day_total[(i + 1) % 7];
	free(cal->hol_cum);
	cal->hol_cum = xcalloc(cal->nhol + 1, sizeof(*cal->hol_cum));
	for (size_t i = 0; i < cal->nhol; i++)
		cal->hol_cum[i + 1] = cal->hol_cum[i] +
		    cal->day_total[weekday(cal->hol[i].day)];
}

/* ----- Local layer ------------------------------------------------ */

/* Business seconds from the origin (the first Monday of the epoch) up to
 * local time l; negative before it. */
static long long
local_b(const struct calendar *cal, int64_t l)
{
	int64_t d = floor_div(l, DAY), sod = l - d * DAY;
	int64_t wk = floor_div(d - MONDAY0, 7);
	int dm = (int)(d - MONDAY0 - 7 * wk), wd = weekday(d);
	long long part = day_prefix(cal, wd, sod);
	size_t i = hol_index(cal, d);
	long long loss = cal->hol_cum[i];

	if (i < cal->nhol && cal->hol[i].day == d)
		loss += part;
	return wk * cal->week_total + cal->week_prefix[dm] + part - loss;
}

/* The earliest local time l >= l0 at which s > 0 business seconds have
 * elapsed since l0. Needs week_total > 0. */
static int64_t
add_local(const struct calendar *cal, int64_t l0, long long s)
{
	int64_t d = floor_div(l0, DAY), sod = l0 - d * DAY;
	const struct week *w = &cal->week;
	int wd;

	/* The rest of the first day. */
	if (!is_holiday(cal, d)) {
		wd = weekday(d);
		for (int i = 0; i < w->niv[wd]; i++) {
			const struct interval *iv = &w->iv[wd][i];
			int64_t st = max64(iv->open, sod);

			if (iv->close <= sod)
				continue;
			if (s <= iv->close - st)
				return d * DAY + st + s;
			s -= iv->close - st;
		}
	}
	d++;
	/* Whole weeks, leaving at most one week and the holidays' hours
	 * (s stays > 0: at most s - 1 is taken). */
	while (s > cal->week_total) {
		int64_t n = (s - 1) / cal->week_total;
		long long taken = cal->hol_cum[hol_index(cal, d + 7 * n)] -
		    cal->hol_cum[hol_index(cal, d)];

		s -= n * cal->week_total - taken;
		d += 7 * n;
	}
	/* Day by day: at most a week plus the holidays on the way. */
	for (;; d++) {
		if (is_holiday(cal, d))
			continue;
		wd = weekday(d);
		for (int i = 0; i < w->niv[wd]; i++) {
			const struct interval *iv = &w->iv[wd][i];

			if (s <= iv->close - iv->open)
				return d * DAY + iv->open + s;
			s -= iv->close - iv->open;
		}
	}
}

/* ----- UTC layer -------------------------------------------------- */

static int64_t
clamp_t(int64_t t)
{
	return min64(max64(t, CALENDAR_TIME_MIN), CALENDAR_TIME_MAX + 1);
}

/* Business seconds in [a, b), no pauses. */
static long long
between_plain(const struct calendar *cal, int64_t a, int64_t b)
{
	long long sum = 0;

	a = clamp_t(a);
	b = clamp_t(b);
	if (b <= a)
		return 0;
	if (cal->always_open)
		return b - a;
	if (cal->week_total == 0)
		return 0;
	while (a < b) {
		int64_t off = tz_offset_at(cal->tz, (time_t)a), e = b;
		time_t next;

		if (tz_next_transition(&next, cal->tz, (time_t)a) && next < b)
			e = next;
		sum += local_b(cal, e + off) - local_b(cal, a + off);
		a = e;
	}
	return sum;
}

static int
add_plain(int64_t *out, const struct calendar *cal, int64_t t, long long s)
{
	if (cal->always_open || s == 0) {
		*out = t + s;
		return *out > CALENDAR_TIME_MAX ? GC_EINVAL : 0;
	}
	if (cal->week_total == 0)
		return GC_EINVAL;
	/* A week holds about week_total (an autumn change may add an
	 * hour, hence the week of slack): refuse at once a result that
	 * would lie past the range rather than walk there. */
	if ((s / cal->week_total - 1) * WEEK > CALENDAR_TIME_MAX - t)
		return GC_EINVAL;
	for (;;) {
		int64_t off = tz_offset_at(cal->tz, (time_t)t), l0 = t + off;
		time_t next;

		if (t > CALENDAR_TIME_MAX)
			return GC_EINVAL;
		if (tz_next_transition(&next, cal->tz, (time_t)t)) {
			long long avail = local_b(cal, next + off) -
			    local_b(cal, l0);

			if (s > avail) {
				s -= avail;
				t = next;
				continue;
			}
		}
		*out = add_local(cal, l0, s) - off;
		return *out > CALENDAR_TIME_MAX ? GC_EINVAL : 0;
	}
}

/* ----- Pauses ----------------------------------------------------- */

struct span {
	int64_t start;
	int64_t end;            /* INT64_MAX: open */
};

static int
span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Sorted, merged copy of the pauses; empty ones dropped. Returns the
 * count; *out is malloc'd (NULL when none). */
static size_t
merge_pauses(struct span **out, const struct sla_pause *p, size_t n)
{
	struct span *s;
	size_t k = 0, m = 0;

	*out = NULL;
	if (n == 0)
		return 0;
	s = xcalloc(n, sizeof(*s));
	for (size_t i = 0; i < n; i++) {
		int64_t e = p[i].end == 0 ? INT64_MAX : (int64_t)p[i].end;

		if (e > (int64_t)p[i].start) {
			s[k].start = p[i].start;
			s[k++].end = e;
		}
	}
	qsort(s, k, sizeof(*s), span_cmp);
	for (size_t i = 0; i < k; i++) {
		if (m > 0 && s[i].start <= s[m - 1].end)
			s[m - 1].end = max64(s[m - 1].end, s[i].end);
		else
			s[m++] = s[i];
	}
	if (m == 0) {
		free(s);
		s = NULL;
	}
	*out = s;
	return m;
}

/* ----- Public arithmetic ------------------------------------------ */

static bool
t_in_range(int64_t t)
{
	return t >= CALENDAR_TIME_MIN && t <= CALENDAR_TIME_MAX;
}

int
calendar_add(time_t *out, const struct calendar *cal, time_t start,
    long long seconds)
{
	int64_t r;
	int rc;

	if (seconds < 0 || seconds > CALENDAR_MAX_SECONDS ||
	    !t_in_range(start))
		return GC_EINVAL;
	if ((rc = add_plain(&r, cal, start, seconds)) != 0)
		return rc;
	*out = (time_t)r;
	return 0;
}

long long
calendar_between(const struct calendar *cal, time_t a, time_t b,
    const struct sla_pause *pauses, size_t npauses)
{
	struct span *sp;
	size_t n = merge_pauses(&sp, pauses, npauses);
	int64_t cur = a;
	long long sum = 0;

	for (size_t i = 0; i < n && cur < b; i++) {
		if (sp[i].end <= cur)
			continue;
		if (sp[i].start >= b)
			break;
		if (sp[i].start > cur)
			sum += between_plain(cal, cur, sp[i].start);
		cur = sp[i].end;
	}
	if (cur < b)
		sum += between_plain(cal, cur, b);
	free(sp);
	return sum;
}

int
calendar_add_paused(time_t *out, const struct calendar *cal, time_t start,
    long long seconds, const struct sla_pause *pauses, size_t npauses)
{
	struct span *sp;
	size_t n;
	int64_t t = start, r;
	long long s = seconds;
	int rc = 0;

	if (seconds < 0 || seconds > CALENDAR_MAX_SECONDS ||
	    !t_in_range(start))
		return GC_EINVAL;
	if (seconds == 0) {
		*out = start;
		return 0;
	}
	n = merge_pauses(&sp, pauses, npauses);
	for (size_t i = 0; i < n; i++) {
		if (sp[i].end <= t)
			continue;
		if (sp[i].start > t) {
			long long avail = between_plain(cal, t, sp[i].start);

			if (s <= avail)
				break;
			s -= avail;
		}
		if (sp[i].end == INT64_MAX) {
			rc = GC_ENOTFOUND;
			break;
		}
		t = sp[i].end;
		if (t > CALENDAR_TIME_MAX) {
			rc = GC_EINVAL;
			break;
		}
	}
	free(sp);
	if (rc == 0 && (rc = add_plain(&r, cal, t, s)) == 0)
		*out = (time_t)r;
	return rc;
}

bool
calendar_is_open(const struct calendar *cal, time_t t)
{
	int64_t l, d, sod;
	int wd;

	if (cal->always_open)
		return true;
	t = (time_t)clamp_t(t);
	l = (int64_t)t + tz_offset_at(cal->tz, t);
	d = floor_div(l, DAY);
	sod = l - d * DAY;
	if (is_holiday(cal, d))
		return false;
	wd = weekday(d);
	for (int i = 0; i < cal->week.niv[wd]; i++)
		if (cal->week.iv[wd][i].open <= sod &&
		    sod < cal->week.iv[wd][i].close)
			return true;
	return false;
}

int
calendar_next_open(time_t *out, const struct calendar *cal, time_t t)
{
	time_t r;
	int rc;

	if (!t_in_range(t))
		return GC_EINVAL;
	if (calendar_is_open(cal, t)) {
		*out = t;
		return 0;
	}
	/* The first business second after t ends one second after the
	 * opening (every interval lasts at least a minute). */
	if ((rc = calendar_add(&r, cal, t, 1)) != 0)
		return rc;
	*out = r - 1;
	return 0;
}
