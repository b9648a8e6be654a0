/*
 * calendar.c - business calendars and deadline arithmetic (see calendar.h)
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
 * prefixes and hol_cum are recomputed by rebuild() after every change.
 * Weekday indexes are 0 = Sunday as in struct tm.
 */
#include "sla/calendar.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/arith.h"
#include "common/util.h"

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

static void
rebuild(struct calendar *cal)
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

/* ----- Building --------------------------------------------------- */

struct calendar *
calendar_new(const struct tz *tz)
{
	struct calendar *cal = xcalloc(1, sizeof(*cal));

	cal->tz = tz != NULL ? tz : tz_utc();
	rebuild(cal);
	return cal;
}

void
calendar_free(struct calendar **calp)
{
	struct calendar *cal = *calp;

	if (cal == NULL)
		return;
	*calp = NULL;
	for (size_t i = 0; i < cal->nhol; i++)
		free(cal->hol[i].name);
	free(cal->hol);
	free(cal->hol_cum);
	free(cal);
}

void
calendar_set_always_open(struct calendar *cal, bool always_open)
{
	cal->always_open = always_open;
}

void
calendar_set_day_seconds(struct calendar *cal, long long seconds)
{
	cal->day_seconds = seconds > 0 ? seconds : 0;
}

const struct tz *
calendar_tz(const struct calendar *cal)
{
	return cal->tz;
}

bool
calendar_always_open(const struct calendar *cal)
{
	return cal->always_open;
}

long long
calendar_week_seconds(const struct calendar *cal)
{
	return cal->always_open ? WEEK : cal->week_total;
}

size_t
calendar_holiday_count(const struct calendar *cal)
{
	return cal->nhol;
}

long long
calendar_business_day_seconds(const struct calendar *cal)
{
	long long best = 0;
	int best_n = 0;

	if (cal->day_seconds > 0)
		return cal->day_seconds;
	if (cal->always_open)
		return DAY;
	for (int i = 0; i < 7; i++) {
		long long v = cal->day_total[i];
		int n = 0;

		if (v == 0)
			continue;
		for (int j = 0; j < 7; j++)
			n += cal->day_total[j] == v;
		if (n > best_n || (n == best_n && v > best)) {
			best = v;
			best_n = n;
		}
	}
	return best;
}

/* ----- Hours ------------------------------------------------------ */

/* Add [open, close) to day wd of w, merging; -1 when full. */
static int
week_add(struct week *w, int wd, int32_t open, int32_t close)
{
	struct interval *iv = w->iv[wd];
	int n = w->niv[wd], i, j;

	/* Insert in order, then merge overlapping or touching ones. */
	if (n == CALENDAR_MAX_INTERVALS)
		return -1;
	for (i = n; i > 0 && iv[i - 1].open > open; i--)
		iv[i] = iv[i - 1];
	iv[i].open = open;
	iv[i].close = close;
	n++;
	for (i = 0, j = 1; j < n; j++) {
		if (iv[j].open <= iv[i].close) {
			if (iv[j].close > iv[i].close)
				iv[i].close = iv[j].close;
		} else {
			iv[++i] = iv[j];
		}
	}
	w->niv[wd] = i + 1;
	return 0;
}

static int
parse_day(const char *s, size_t n)
{
	for (int i = 0; i < 7; i++) {
		if ((n == 3 && str_ncasecmp(s, day_names[i], 3) == 0) ||
		    (n == strlen(day_long[i]) &&
		    str_ncasecmp(s, day_long[i], n) == 0))
			return i;
	}
	return -1;
}

/* "HH:MM" (H or HH, up to 24:00) into seconds. */
static int
parse_hhmm(const char *s, size_t n, int32_t *out)
{
	int h = 0, m;

	if (n < 4 || n > 5 || s[n - 3] != ':')
		return -1;
	for (size_t i = 0; i < n - 3; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		h = h * 10 + (s[i] - '0');
	}
	if (s[n - 2] < '0' || s[n - 2] > '5' || s[n - 1] < '0' ||
	    s[n - 1] > '9')
		return -1;
	m = (s[n - 2] - '0') * 10 + (s[n - 1] - '0');
	if (h > 24 || (h == 24 && m != 0))
		return -1;
	*out = h * 3600 + m * 60;
	return 0;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Parse the day list (days[wd] set for each day named). */
static int
parse_days(bool days[7], const char *s, size_t n, struct gc_err *err)
{
	size_t i = 0;

	while (i < n) {
		size_t e = i, dash;
		int a, b;

		while (e < n && s[e] != ',')
			e++;
		for (dash = i; dash < e && s[dash] != '-'; dash++)
			;
		a = parse_day(s + i, dash - i);
		b = dash < e ? parse_day(s + dash + 1, e - dash - 1) : a;
		if (a < 0 || b < 0)
			return gc_err_set(err, GC_EPARSE,
			    "hours: \"%.*s\": unknown day", (int)(e - i),
			    s + i);
		for (int d = a;; d = (d + 1) % 7) {
			days[d] = true;
			if (d == b)
				break;
		}
		i = e + 1;
		if (e + 1 == n)
			return gc_err_set(err, GC_EPARSE,
			    "hours: \"%.*s\": empty day in list", (int)n, s);
	}
	return 0;
}

static int
parse_group(struct week *w, const char *s, size_t n, struct gc_err *err)
{
	bool days[7] = { false };
	size_t sp = 0, i;
	int rc;

	while (sp < n && !is_blank(s[sp]))
		sp++;
	if ((rc = parse_days(days, s, sp, err)) != 0)
		return rc;
	while (sp < n && is_blank(s[sp]))
		sp++;
	if (sp == n)
		return gc_err_set(err, GC_EPARSE,
		    "hours: \"%.*s\": no hours after the days", (int)n, s);
	for (i = sp; i < n;) {
		size_t e = i, a, b, dash;
		int32_t open, close;

		while (e < n && s[e] != ',')
			e++;
		a = i;
		b = e;
		while (a < b && is_blank(s[a]))
			a++;
		while (b > a && is_blank(s[b - 1]))
			b--;
		for (dash = a; dash < b && s[dash] != '-'; dash++)
			;
		if (dash == b || parse_hhmm(s + a, dash - a, &open) != 0 ||
		    parse_hhmm(s + dash + 1, b - dash - 1, &close) != 0)
			return gc_err_set(err, GC_EPARSE,
			    "hours: \"%.*s\": bad interval (want HH:MM-HH:MM)",
			    (int)(b - a), s + a);
		if (open == close || (open == DAY && close == 0))
			return gc_err_set(err, GC_EPARSE,
			    "hours: \"%.*s\": empty interval", (int)(b - a),
			    s + a);
		for (int d = 0; d < 7; d++) {
			if (!days[d])
				continue;
			if (open < close) {
				rc = week_add(w, d, open, close);
			} else {
				/* Over midnight: the rest of the day (none
				 * when it opens at 24:00) and the next
				 * morning. */
				rc = open < DAY ? week_add(w, d, open, DAY) : 0;
				if (rc == 0 && close > 0)
					rc = week_add(w, (d + 1) % 7, 0, close);
			}
			if (rc != 0)
				return gc_err_set(err, GC_ELIMIT,
				    "hours: more than %d intervals on %s",
				    CALENDAR_MAX_INTERVALS, day_names[d]);
		}
		i = e + 1;
		if (e + 1 == n)
			return gc_err_set(err, GC_EPARSE,
			    "hours: \"%.*s\": empty interval in list",
			    (int)(n - sp), s + sp);
	}
	return 0;
}

int
calendar_parse_hours(struct calendar *cal, const char *spec,
    struct gc_err *err)
{
	struct week w = cal->week;
	size_t len = strnlen(spec, CALENDAR_MAX_SPEC + 1), i = 0;
	int rc;

	if (len > CALENDAR_MAX_SPEC)
		return gc_err_set(err, GC_ELIMIT,
		    "hours: longer than %d bytes", CALENDAR_MAX_SPEC);
	while (len > 0 && (is_blank(spec[len - 1]) || spec[len - 1] == '\n'))
		len--;
	while (i < len && (is_blank(spec[i]) || spec[i] == '\n'))
		i++;
	if (len - i == 4 && memcmp(spec + i, "24/7", 4) == 0) {
		cal->always_open = true;
		return 0;
	}
	if (i == len)
		return gc_err_set(err, GC_EPARSE, "hours: empty");
	while (i < len) {
		size_t e = i, a, b;

		while (e < len && spec[e] != ';' && spec[e] != '\n')
			e++;
		a = i;
		b = e;
		while (a < b && is_blank(spec[a]))
			a++;
		while (b > a && is_blank(spec[b - 1]))
			b--;
		if (a < b && (rc = parse_group(&w, spec + a, b - a, err)) != 0)
			return rc;
		i = e + 1;
	}
	cal->week = w;
	rebuild(cal);
	return 0;
}

/* ----- Holidays --------------------------------------------------- */

static int
hol_cmp(const void *a, const void *b)
{
	const struct holiday *x = a, *y = b;

	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Merge n new holidays (already owned) into cal; of two on the same
 * date the one listed first keeps its name. */
static void
merge_holidays(struct calendar *cal, struct holiday *add, size_t n)
{
	size_t k = 0, total = cal->nhol + n;
	struct holiday *all = xcalloc(total == 0 ? 1 : total, sizeof(*all));

	if (cal->nhol > 0)
		memcpy(all, cal->hol, cal->nhol * sizeof(*all));
	if (n > 0)
		memcpy(all + cal->nhol, add, n * sizeof(*all));
	for (size_t i = 0; i < total; i++)
		all[i].seq = i;
	qsort(all, total, sizeof(*all), hol_cmp);
	for (size_t i = 0; i < total; i++) {
		if (k > 0 && all[k - 1].day == all[i].day) {
			free(all[i].name);
			continue;
		}
		all[k++] = all[i];
	}
	free(cal->hol);
	cal->hol = all;
	cal->nhol = k;
	rebuild(cal);
}

static bool
valid_date(int64_t y, int m, int d)
{
	static const int md[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
		return false;
	return d <= md[m - 1] && !(m == 2 && d == 29 && !leap);
}

/* Length of the valid UTF-8 prefix of s[0..n); n when all valid. */
static size_t
utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t k;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			cp = c & 0x07;
		} else {
			return i;
		}
		if (i + k >= n)
			return i;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if ((k == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
		    || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return i;
		i += k + 1;
	}
	return n;
}

int
calendar_add_holiday(struct calendar *cal, int year, int month, int day,
    const char *name, struct gc_err *err)
{
	struct holiday h;
	size_t nlen;

	if (!valid_date(year, month, day))
		return gc_err_set(err, GC_EINVAL, "no such date %04d-%02d-%02d",
		    year, month, day);
	if (cal->nhol >= CALENDAR_MAX_HOLIDAYS)
		return gc_err_set(err, GC_ELIMIT, "more than %d holidays",
		    CALENDAR_MAX_HOLIDAYS);
	h.day = tz_days_from_civil(year, month, day);
	h.name = NULL;
	if (name != NULL && name[0] != '\0') {
		nlen = strnlen(name, CALENDAR_MAX_NAME + 1);
		if (nlen > CALENDAR_MAX_NAME)
			return gc_err_set(err, GC_EINVAL,
			    "holiday name longer than %d bytes",
			    CALENDAR_MAX_NAME);
		h.name = xstrndup(name, nlen);
	}
	merge_holidays(cal, &h, 1);
	return 0;
}

/* Parse one trimmed, comment-free line into *h. */
static int
parse_holiday_line(struct holiday *h, const char *s, size_t n,
    const char *file, int lineno, struct gc_err *err)
{
	int y = 0, m = 0, d = 0;
	size_t i;

	for (i = 0; i < 10; i++) {
		bool want_dash = i == 4 || i == 7;

		if (i >= n || (want_dash ? s[i] != '-' :
		    (s[i] < '0' || s[i] > '9')))
			break;
	}
	if (i < 10 || (n > 10 && !is_blank(s[10])))
		return gc_err_set(err, GC_EPARSE,
		    "%s:%d: bad date \"%.*s\" (want YYYY-MM-DD [name])", file,
		    lineno, (int)(n < 40 ? n : 40), s);
	for (i = 0; i < 4; i++)
		y = y * 10 + (s[i] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (!valid_date(y, m, d))
		return gc_err_set(err, GC_EPARSE, "%s:%d: no such date %.10s",
		    file, lineno, s);
	h->day = tz_days_from_civil(y, m, d);
	h->name = NULL;
	for (i = 10; i < n && is_blank(s[i]); i++)
		;
	if (n - i > CALENDAR_MAX_NAME)
		return gc_err_set(err, GC_EPARSE,
		    "%s:%d: holiday name longer than %d bytes", file, lineno,
		    CALENDAR_MAX_NAME);
	for (size_t j = i; j < n; j++)
		if ((unsigned char)s[j] < 0x20 && s[j] != '\t')
			return gc_err_set(err, GC_EPARSE,
			    "%s:%d: control character in name", file, lineno);
	if (utf8_valid((const unsigned char *)s + i, n - i) != n - i)
		return gc_err_set(err, GC_EPARSE,
		    "%s:%d: name is not valid UTF-8", file, lineno);
	if (i < n)
		h->name = xstrndup(s + i, n - i);
	return 0;
}

int
calendar_parse_holidays(struct calendar *cal, const char *text, size_t len,
    const char *file, struct gc_err *err)
{
	struct holiday *add = NULL;
	size_t n = 0, cap = 0, pos = 0;
	int lineno = 0, rc = 0;

	if (file == NULL)
		file = "holidays";
	while (pos < len && rc == 0) {
		const char *s = text + pos, *nl;
		size_t l, a = 0;

		nl = memchr(s, '\n', len - pos);
		l = nl != NULL ? (size_t)(nl - s) : len - pos;
		pos += l + 1;
		lineno++;
		if (l > CALENDAR_MAX_LINE) {
			rc = gc_err_set(err, GC_EPARSE,
			    "%s:%d: line longer than %d bytes", file, lineno,
			    CALENDAR_MAX_LINE);
			break;
		}
		if (memchr(s, '\0', l) != NULL) {
			rc = gc_err_set(err, GC_EPARSE, "%s:%d: NUL byte",
			    file, lineno);
			break;
		}
		/* A comment starts at '#' at line start or after a blank. */
		for (size_t i = 0; i < l; i++) {
			if (s[i] == '#' && (i == 0 || is_blank(s[i - 1]))) {
				l = i;
				break;
			}
		}
		while (a < l && is_blank(s[a]))
			a++;
		while (l > a && is_blank(s[l - 1]))
			l--;
		if (a == l)
			continue;
		if (cal->nhol + n >= CALENDAR_MAX_HOLIDAYS) {
			rc = gc_err_set(err, GC_ELIMIT,
			    "%s:%d: more than %d holidays", file, lineno,
			    CALENDAR_MAX_HOLIDAYS);
			break;
		}
		if (n == cap) {
			cap = cap == 0 ? 32 : cap * 2;
			add = xrealloc(add, cap * sizeof(*add));
		}
		rc = parse_holiday_line(&add[n], s + a, l - a, file, lineno,
		    err);
		if (rc == 0)
			n++;
	}
	if (rc != 0) {
		for (size_t i = 0; i < n; i++)
			free(add[i].name);
		free(add);
		return rc;
	}
	merge_holidays(cal, add, n);
	free(add);
	return 0;
}

/* ----- Describing ------------------------------------------------- */

static int
format_day(struct buf *out, const struct calendar *cal, int wd)
{
	const struct week *w = &cal->week;
	int rc = 0;

	for (int i = 0; i < w->niv[wd] && rc == 0; i++) {
		const struct interval *iv = &w->iv[wd][i];

		rc = buf_printf(out, "%s%02d:%02d-%02d:%02d", i ? "," : "",
		    iv->open / 3600, iv->open / 60 % 60, iv->close / 3600,
		    iv->close / 60 % 60);
	}
	return rc;
}

static bool
same_day(const struct week *w, int a, int b)
{
	return w->niv[a] == w->niv[b] && memcmp(w->iv[a], w->iv[b],
	    (size_t)w->niv[a] * sizeof(w->iv[a][0])) == 0;
}

int
calendar_format_hours(struct buf *out, const struct calendar *cal)
{
	const struct week *w = &cal->week;
	bool first = true;
	int rc = 0;

	if (cal->always_open)
		return buf_addstr(out, "24/7") == 0 ? 0 : GC_ELIMIT;
	/* Monday first: i counts Monday = 0, the weekday is (i + 1) % 7. */
	for (int i = 0; i < 7 && rc == 0;) {
		int wd = (i + 1) % 7, j = i;

		if (w->niv[wd] == 0) {
			i++;
			continue;
		}
		while (j + 1 < 7 && same_day(w, wd, (j + 2) % 7))
			j++;
		rc = buf_printf(out, "%s%s", first ? "" : "; ",
		    day_names[wd]);
		if (rc == 0 && j > i)
			rc = buf_printf(out, "-%s", day_names[(j + 1) % 7]);
		if (rc == 0)
			rc = buf_addc(out, ' ');
		if (rc == 0)
			rc = format_day(out, cal, wd);
		first = false;
		i = j + 1;
	}
	return rc == 0 ? 0 : GC_ELIMIT;
}

static int
json_string(struct buf *out, const char *s)
{
	int rc = buf_addc(out, '"');

	for (; *s != '\0' && rc == 0; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			rc = buf_printf(out, "\\%c", c);
		else if (c < 0x20)
			rc = buf_printf(out, "\\u%04x", c);
		else
			rc = buf_addc(out, (char)c);
	}
	if (rc == 0)
		rc = buf_addc(out, '"');
	return rc;
}

int
calendar_describe_json(struct buf *out, const struct calendar *cal)
{
	struct buf hours = BUF_INIT(CALENDAR_MAX_SPEC * 4);
	int rc;

	rc = buf_addstr(out, "{\"time_zone\":");
	if (rc == 0)
		rc = json_string(out, tz_name(cal->tz));
	if (rc == 0)
		rc = buf_printf(out, ",\"always_open\":%s,\"hours\":",
		    cal->always_open ? "true" : "false");
	if (rc == 0)
		rc = calendar_format_hours(&hours, cal);
	if (rc == 0)
		rc = json_string(out, buf_str(&hours));
	buf_free(&hours);
	if (rc == 0)
		rc = buf_printf(out, ",\"week_seconds\":%lld,"
		    "\"business_day_seconds\":%lld,\"holidays\":[",
		    calendar_week_seconds(cal),
		    calendar_business_day_seconds(cal));
	for (size_t i = 0; i < cal->nhol && rc == 0; i++) {
		int64_t y;
		int m, d;

		tz_civil_from_days(&y, &m, &d, cal->hol[i].day);
		rc = buf_printf(out, "%s{\"date\":\"%04lld-%02d-%02d\"",
		    i ? "," : "", (long long)y, m, d);
		if (rc == 0 && cal->hol[i].name != NULL) {
			rc = buf_addstr(out, ",\"name\":");
			if (rc == 0)
				rc = json_string(out, cal->hol[i].name);
		}
		if (rc == 0)
			rc = buf_addc(out, '}');
	}
	if (rc == 0)
		rc = buf_addstr(out, "]}");
	return rc == 0 ? 0 : GC_ELIMIT;
}
