/*
 * tz.c - TZif and POSIX TZ string time zones (see tz.h)
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
 */
#include "sla/tz.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arith.h"
#include "common/mem.h"

#define TZ_T_LIMIT ((int64_t)1 << 52)
#define TZ_ABBR_MAX 31
#define DAY 86400

struct ttype {
	int32_t utoff;          /* seconds east of UTC */
	bool isdst;
	uint16_t abbr;          /* index into tz->chars */
};

enum rule_kind { RULE_JULIAN1, RULE_DAY0, RULE_MWD };

struct rule_date {
	enum rule_kind kind;
	int day;                /* Jn: 1-365; n: 0-365; Mm.w.d: d, 0-6 */
	int week;               /* Mm.w.d: w, 1-5 (5 = last) */
	int month;              /* Mm.w.d: m, 1-12 */
	int32_t time;           /* seconds after local midnight */
};

struct posix_rule {
	bool has_dst;
	int32_t std_off;        /* seconds east of UTC */
	int32_t dst_off;
	char std_abbr[TZ_ABBR_MAX + 1];
	char dst_abbr[TZ_ABBR_MAX + 1];
	struct rule_date start; /* DST starts (read in standard time) */
	struct rule_date end;   /* DST ends (read in DST) */
};

struct tz {
	char *name;
	size_t ntrans;
	int64_t *trans;         /* ascending UTC instants */
	uint8_t *trans_type;    /* type index of each transition */
	size_t ntypes;
	struct ttype *types;
	char *chars;            /* NUL-terminated abbreviations */
	size_t nchars;
	bool has_rule;
	struct posix_rule rule;
	int32_t min_off;        /* extremes of every offset, for */
	int32_t max_off;        /* tz_from_local()'s search window */
};

/* What a lookup yields. */
struct tinfo {
	int32_t off;
	bool isdst;
	const char *abbr;
};

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

/* ----- POSIX TZ strings ------------------------------------------- */

static bool
is_alpha(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* std or dst name: three or more letters, or <...> of letters, digits,
 * '+' and '-'. */
static int
parse_abbr(const char **pp, char *buf)
{
	const char *p = *pp;
	size_t n = 0;

	if (*p == '<') {
		p++;
		while (is_alpha(*p) || is_digit(*p) || *p == '+' || *p == '-') {
			if (n >= TZ_ABBR_MAX)
				return -1;
			buf[n++] = *p++;
		}
		if (*p++ != '>')
			return -1;
	} else {
		while (is_alpha(*p)) {
			if (n >= TZ_ABBR_MAX)
				return -1;
			buf[n++] = *p++;
		}
	}
	if (n < 3)
		return -1;
	buf[n] = '\0';
	*pp = p;
	return 0;
}

static int
parse_num(const char **pp, int maxdigits, long *out)
{
	const char *p = *pp;
	long v = 0;
	int n = 0;

	while (is_digit(*p) && n < maxdigits) {
		v = v * 10 + (*p++ - '0');
		n++;
	}
	if (n == 0 || is_digit(*p))
		return -1;
	*pp = p;
	*out = v;
	return 0;
}

/* [+|-]hh[:mm[:ss]] with hh <= maxh; the value in seconds. */
static int
parse_hms(const char **pp, long maxh, int32_t *out)
{
	const char *p = *pp;
	long sign = 1, h, m = 0, s = 0;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	if (parse_num(&p, 3, &h) != 0 || h > maxh)
		return -1;
	if (*p == ':') {
		p++;
		if (parse_num(&p, 2, &m) != 0 || m > 59)
			return -1;
		if (*p == ':') {
			p++;
			if (parse_num(&p, 2, &s) != 0 || s > 59)
				return -1;
		}
	}
	*pp = p;
	*out = (int32_t)(sign * (h * 3600 + m * 60 + s));
	return 0;
}

static int
parse_rule_date(const char **pp, struct rule_date *r)
{
	const char *p = *pp;
	long a, b, c;

	if (*p == 'J') {
		p++;
		if (parse_num(&p, 3, &a) != 0 || a < 1 || a > 365)
			return -1;
		r->kind = RULE_JULIAN1;
		r->day = (int)a;
	} else if (*p == 'M') {
		p++;
		if (parse_num(&p, 2, &a) != 0 || a < 1 || a > 12 ||
		    *p++ != '.' || parse_num(&p, 1, &b) != 0 || b < 1 ||
		    b > 5 || *p++ != '.' || parse_num(&p, 1, &c) != 0 ||
		    c > 6)
			return -1;
		r->kind = RULE_MWD;
		r->month = (int)a;
		r->week = (int)b;
		r->day = (int)c;
	} else {
		if (parse_num(&p, 3, &a) != 0 || a > 365)
			return -1;
		r->kind = RULE_DAY0;
		r->day = (int)a;
	}
	r->time = 2 * 3600;
	if (*p == '/') {
		p++;
		if (parse_hms(&p, 167, &r->time) != 0)
			return -1;
	}
	*pp = p;
	return 0;
}

static int
parse_posix(struct posix_rule *r, const char *s)
{
	const char *p = s;
	int32_t v;

	memset(r, 0, sizeof(*r));
	if (parse_abbr(&p, r->std_abbr) != 0 || parse_hms(&p, 24, &v) != 0)
		return -1;
	r->std_off = -v;
	if (*p == '\0')
		return 0;
	if (parse_abbr(&p, r->dst_abbr) != 0)
		return -1;
	r->has_dst = true;
	r->dst_off = r->std_off + 3600;
	if (*p != ',' && *p != '\0') {
		if (parse_hms(&p, 24, &v) != 0)
			return -1;
		r->dst_off = -v;
	}
	if (*p == '\0') {
		/* No rule: POSIX leaves it to the implementation; tzcode
		 * takes the US rules of 2007. */
		p = ",M3.2.0,M11.1.0";
	}
	if (*p++ != ',' || parse_rule_date(&p, &r->start) != 0 ||
	    *p++ != ',' || parse_rule_date(&p, &r->end) != 0 || *p != '\0')
		return -1;
	return 0;
}

/* ----- Building a zone -------------------------------------------- */

static void
set_extremes(struct tz *tz)
{
	int32_t lo = INT32_MAX, hi = INT32_MIN;

	for (size_t i = 0; i < tz->ntypes; i++) {
		if (tz->types[i].utoff < lo)
			lo = tz->types[i].utoff;
		if (tz->types[i].utoff > hi)
			hi = tz->types[i].utoff;
	}
	if (tz->has_rule) {
		if (tz->rule.std_off < lo)
			lo = tz->rule.std_off;
		if (tz->rule.std_off > hi)
			hi = tz->rule.std_off;
		if (tz->rule.has_dst && tz->rule.dst_off < lo)
			lo = tz->rule.dst_off;
		if (tz->rule.has_dst && tz->rule.dst_off > hi)
			hi = tz->rule.dst_off;
	}
	tz->min_off = lo;
	tz->max_off = hi;
}

static char *
copy_name(const char *name, const char *fallback)
{
	const char *n = name != NULL ? name : fallback;

	return xstrndup(n, strnlen(n, TZ_MAX_NAME));
}

int
tz_from_posix(struct tz **out, const char *name, const char *posix,
    struct gc_err *err)
{
	struct tz *tz;

	if (strnlen(posix, TZ_MAX_FOOTER + 1) > TZ_MAX_FOOTER)
		return gc_err_set(err, GC_EPARSE, "TZ string too long");
	tz = xcalloc(1, sizeof(*tz));
	if (parse_posix(&tz->rule, posix) != 0) {
		free(tz);
		return gc_err_set(err, GC_EPARSE, "%s: bad TZ string \"%s\"",
		    name != NULL ? name : "zone", posix);
	}
	tz->has_rule = true;
	tz->name = copy_name(name, posix);
	set_extremes(tz);
	*out = tz;
	return 0;
}

struct reader {
	const unsigned char *p;
	size_t left;
};

static const unsigned char *
take(struct reader *r, size_t n)
{
	const unsigned char *p = r->p;

	if (n > r->left)
		return NULL;
	r->p += n;
	r->left -= n;
	return p;
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int64_t
be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct header {
	int version;            /* 1, 2, 3 or 4 */
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static const char *
read_header(struct reader *r, struct header *h)
{
	const unsigned char *p = take(r, 44);

	if (p == NULL)
		return "truncated header";
	if (memcmp(p, "TZif", 4) != 0)
		return "not a TZif file";
	switch (p[4]) {
	case 0: h->version = 1; break;
	case '2': h->version = 2; break;
	case '3': h->version = 3; break;
	case '4': h->version = 4; break;
	default: return "unsupported TZif version";
	}
	h->isutcnt = be32(p + 20);
	h->isstdcnt = be32(p + 24);
	h->leapcnt = be32(p + 28);
	h->timecnt = be32(p + 32);
	h->typecnt = be32(p + 36);
	h->charcnt = be32(p + 40);
	if (h->typecnt == 0 || h->charcnt == 0 ||
	    (h->isutcnt != 0 && h->isutcnt != h->typecnt) ||
	    (h->isstdcnt != 0 && h->isstdcnt != h->typecnt))
		return "inconsistent counts in header";
	if (h->timecnt > TZ_MAX_TRANSITIONS || h->typecnt > TZ_MAX_TYPES ||
	    h->charcnt > TZ_MAX_CHARS || h->leapcnt > TZ_MAX_TRANSITIONS)
		return "too many transitions, types or abbreviations";
	return NULL;
}

static size_t
block_size(const struct header *h, size_t tsize)
{
	return h->timecnt * tsize + h->timecnt + h->typecnt * 6 +
	    h->charcnt + h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
}

/* Read the data block of h (times of tsize bytes) into tz. */
static const char *
read_block(struct reader *r, const struct header *h, size_t tsize,
    struct tz *tz)
{
	const unsigned char *times, *idx, *types, *chars;

	if (h->leapcnt != 0)
		return "leap-second records are not supported";
	if ((times = take(r, h->timecnt * tsize)) == NULL ||
	    (idx = take(r, h->timecnt)) == NULL ||
	    (types = take(r, h->typecnt * 6)) == NULL ||
	    (chars = take(r, h->charcnt)) == NULL ||
	    take(r, h->isstdcnt + h->isutcnt) == NULL)
		return "truncated data";
	tz->ntrans = h->timecnt;
	tz->trans = xcalloc(h->timecnt, sizeof(*tz->trans));
	tz->trans_type = xcalloc(h->timecnt, 1);
	for (size_t i = 0; i < h->timecnt; i++) {
		int64_t t = tsize == 8 ? be64(times + 8 * i) :
		    (int64_t)(int32_t)be32(times + 4 * i);

		if (i > 0 && t <= tz->trans[i - 1])
			return "transitions out of order";
		if (idx[i] >= h->typecnt)
			return "transition names an unknown type";
		tz->trans[i] = t;
		tz->trans_type[i] = idx[i];
	}
	tz->ntypes = h->typecnt;
	tz->types = xcalloc(h->typecnt, sizeof(*tz->types));
	for (size_t i = 0; i < h->typecnt; i++) {
		const unsigned char *p = types + 6 * i;
		int32_t off = (int32_t)be32(p);

		if (off == INT32_MIN || off < -26 * 3600 || off > 26 * 3600)
			return "bad UT offset";
		if (p[4] > 1 || p[5] >= h->charcnt)
			return "bad local time type";
		tz->types[i].utoff = off;
		tz->types[i].isdst = p[4] == 1;
		tz->types[i].abbr = p[5];
	}
	tz->nchars = h->charcnt;
	tz->chars = xmalloc(h->charcnt + 1);
	memcpy(tz->chars, chars, h->charcnt);
	tz->chars[h->charcnt] = '\0';
	return NULL;
}

static void
clear_block(struct tz *tz)
{
	free(tz->trans);
	free(tz->trans_type);
	free(tz->types);
	free(tz->chars);
	tz->trans = NULL;
	tz->trans_type = NULL;
	tz->types = NULL;
	tz->chars = NULL;
	tz->ntrans = tz->ntypes = tz->nchars = 0;
}

static const char *
read_footer(struct reader *r, struct tz *tz)
{
	const unsigned char *nl;
	char footer[TZ_MAX_FOOTER + 1];
	size_t n;

	if (r->left == 0)
		return "missing TZ string footer";
	if (*take(r, 1) != '\n')
		return "bad TZ string footer";
	nl = memchr(r->p, '\n', r->left);
	if (nl == NULL)
		return "unterminated TZ string footer";
	n = (size_t)(nl - r->p);
	if (n > TZ_MAX_FOOTER)
		return "TZ string footer too long";
	memcpy(footer, r->p, n);
	footer[n] = '\0';
	take(r, n + 1);
	if (n == 0)
		return NULL;
	if (memchr(footer, '\0', n) != NULL || parse_posix(&tz->rule,
	    footer) != 0)
		return "bad TZ string footer";
	tz->has_rule = true;
	return NULL;
}

int
tz_parse(struct tz **out, const char *name, const unsigned char *data,
    size_t len, struct gc_err *err)
{
	struct reader r = { data, len };
	struct header h;
	struct tz *tz;
	const char *why;

	tz = xcalloc(1, sizeof(*tz));
	tz->name = copy_name(name, "zone");
	if ((why = read_header(&r, &h)) != NULL)
		goto fail;
	if (h.version == 1) {
		why = read_block(&r, &h, 4, tz);
	} else {
		/* Skip the 32-bit block; the 64-bit one follows. */
		if (take(&r, block_size(&h, 4)) == NULL) {
			why = "truncated data";
			goto fail;
		}
		if ((why = read_header(&r, &h)) != NULL)
			goto fail;
		if ((why = read_block(&r, &h, 8, tz)) == NULL)
			why = read_footer(&r, tz);
	}
	if (why != NULL)
		goto fail;
	set_extremes(tz);
	*out = tz;
	return 0;
fail:
	gc_err_set(err, GC_EPARSE, "%s: %s", tz->name, why);
	clear_block(tz);
	free(tz->name);
	free(tz);
	return GC_EPARSE;
}

void
tz_free(struct tz **tzp)
{
	struct tz *tz = *tzp;

	if (tz == NULL)
		return;
	*tzp = NULL;
	if (tz == &utc_zone)
		return;
	clear_block(tz);
	free(tz->name);
	free(tz);
}
