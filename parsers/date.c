/*
 * date.c - the Date field of real mail (see date.h)
 *
 * A small hand-written parser over a cursor: each step skips blanks and
 * comments, then reads what the grammar allows there (a name, a number,
 * one punctuation character). There is no backtracking beyond one token,
 * so the cost is linear in the value; comments nest at most
 * COMMENT_DEPTH_MAX deep (deeper ones end the value: refused).
 */
#include "parsers/date.h"

#include <stdbool.h>
#include <string.h>

#include "common/arith.h"
#include "common/util.h"

#define WORD_MAX 16             /* longer names are no names we know */
#define COMMENT_DEPTH_MAX 32

struct cur {
	const char *p, *end;
	bool bad;               /* a comment that does not close */
};

static void
skip(struct cur *c)
{
	while (c->p < c->end) {
		if (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' ||
		    *c->p == '\n') {
			c->p++;
		} else if (*c->p == '(') {
			int depth = 0;

			while (c->p < c->end) {
				if (*c->p == '\\' && c->p + 1 < c->end)
					c->p++;
				else if (*c->p == '(')
					depth++;
				else if (*c->p == ')' && --depth == 0)
					break;
				if (depth > COMMENT_DEPTH_MAX)
					break;
				c->p++;
			}
			if (c->p >= c->end || depth != 0) {
				c->bad = true;
				c->p = c->end;
				return;
			}
			c->p++;
		} else {
			return;
		}
	}
}

static bool
is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static bool
is_alpha(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* One punctuation character, after blanks. */
static bool
punct(struct cur *c, char ch)
{
	skip(c);
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

/* A number of 1..maxdig digits right at the cursor (no blanks skipped:
 * the caller does that when they are allowed). */
static bool
num_here(struct cur *c, int *v, int *ndig_r, int maxdig)
{
	int n = 0, val = 0;

	while (c->p + n < c->end && is_digit(c->p[n])) {
		if (n == maxdig)
			return false;
		val = val * 10 + (c->p[n] - '0');
		n++;
	}
	if (n == 0)
		return false;
	c->p += n;
	*v = val;
	if (ndig_r != NULL)
		*ndig_r = n;
	return true;
}

static bool
num(struct cur *c, int *v, int *ndig_r, int maxdig)
{
	skip(c);
	return num_here(c, v, ndig_r, maxdig);
}

/* A name, lowercased into w; the cursor moves only when there is one. */
static bool
peek_word(struct cur *c, char w[WORD_MAX + 1], size_t *len_r)
{
	size_t n = 0;

	skip(c);
	while (c->p + n < c->end && is_alpha(c->p[n])) {
		if (n == WORD_MAX)
			return false;
		w[n] = (char)(c->p[n] | 0x20);
		n++;
	}
	w[n] = '\0';
	*len_r = n;
	return n > 0;
}

/* Is w the name or an abbreviation (3 letters or more) of one of
 * names[]? The index, or -1. */
static int
lookup(const char *w, size_t len, const char *const *names)
{
	int i;

	if (len < 3)
		return -1;
	for (i = 0; names[i] != NULL; i++)
		if (len <= strlen(names[i]) && strncmp(w, names[i], len) == 0)
			return i;
	return -1;
}

static const char *const months[] = { "january", "february", "march",
	"april", "may", "june", "july", "august", "september", "october",
	"november", "december", NULL };
static const char *const weekdays[] = { "monday", "tuesday", "wednesday",
	"thursday", "friday", "saturday", "sunday", NULL };

static const struct {
	const char *name;
	int minutes;
} zones[] = {
	/* RFC 5322 4.3 */
	{ "ut", 0 }, { "utc", 0 }, { "gmt", 0 }, { "z", 0 },
	{ "est", -300 }, { "edt", -240 }, { "cst", -360 }, { "cdt", -300 },
	{ "mst", -420 }, { "mdt", -360 }, { "pst", -480 }, { "pdt", -420 },
	/* others seen in mail that name one zone only */
	{ "wet", 0 }, { "west", 60 }, { "bst", 60 }, { "cet", 60 },
	{ "met", 60 }, { "mez", 60 }, { "cest", 120 }, { "mest", 120 },
	{ "mesz", 120 }, { "eet", 120 }, { "eest", 180 }, { "msk", 180 },
	{ "akst", -540 }, { "akdt", -480 }, { "hst", -600 },
	{ "jst", 540 }, { "kst", 540 }, { "hkt", 480 }, { "sgt", 480 },
	{ "awst", 480 }, { "acst", 570 }, { "aest", 600 }, { "aedt", 660 },
	{ "nzst", 720 }, { "nzdt", 780 },
};

/* A known zone name: its offset; an unknown name of 1 to 5 letters
 * (military letters, local names): 0, as RFC 5322 says. */
static bool
zone_name(const char *w, size_t len, int *minutes)
{
	size_t i;

	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		if (strcmp(w, zones[i].name) == 0) {
			*minutes = zones[i].minutes;
			return true;
		}
	if (len <= 5) {
		*minutes = 0;
		return true;
	}
	return false;
}

/* "+hhmm", "+hh:mm", "+h", "+hh", "+hmm" right at the cursor. */
static bool
zone_offset(struct cur *c, int *minutes)
{
	int sign, v, n, h, m = 0;

	if (c->p >= c->end || (*c->p != '+' && *c->p != '-'))
		return false;
	sign = *c->p == '-' ? -1 : 1;
	c->p++;
	if (!num_here(c, &v, &n, 4))
		return false;
	if (n <= 2) {
		h = v;
		if (c->p < c->end && *c->p == ':') {
			c->p++;
			if (!num_here(c, &m, &n, 2) || n != 2)
				return false;
		}
	} else {
		h = v / 100;
		m = v % 100;
	}
	if (h > 23 || m > 59)
		return false;
	*minutes = sign * (h * 60 + m);
	return true;
}

/* The zone after the time: an offset, a name, a name with an offset
 * ("GMT+1"), or nothing (UTC). *numeric_r: an offset was read. */
static bool
zone(struct cur *c, int *minutes, bool *numeric_r)
{
	char w[WORD_MAX + 1];
	size_t len;

	*minutes = 0;
	*numeric_r = false;
	skip(c);
	if (c->p >= c->end)
		return true;
	if (*c->p == '+' || *c->p == '-') {
		*numeric_r = true;
		return zone_offset(c, minutes);
	}
	if (!peek_word(c, w, &len))
		return true;            /* not a zone: the caller decides */
	if (strcmp(w, "am") == 0 || strcmp(w, "pm") == 0)
		return true;
	if (!zone_name(w, len, minutes))
		return false;
	c->p += len;
	if ((strcmp(w, "gmt") == 0 || strcmp(w, "utc") == 0 ||
	    strcmp(w, "ut") == 0) && c->p < c->end &&
	    (*c->p == '+' || *c->p == '-')) {
		*numeric_r = true;
		return zone_offset(c, minutes);
	}
	return true;
}

/* hh:mm[:ss[.fraction]] [AM|PM] */
static bool
time_of_day(struct cur *c, int *h, int *mi, int *s)
{
	char w[WORD_MAX + 1];
	size_t len;
	int n, frac;

	*s = 0;
	if (!num(c, h, NULL, 2))
		return false;
	if (c->p >= c->end || *c->p != ':')
		return false;
	c->p++;
	if (!num_here(c, mi, &n, 2) || n != 2)
		return false;
	if (c->p < c->end && *c->p == ':') {
		c->p++;
		if (!num_here(c, s, &n, 2) || n != 2)
			return false;
		if (c->p < c->end && *c->p == '.') {
			c->p++;
			if (!num_here(c, &frac, NULL, 9))
				return false;
		}
	}
	if (peek_word(c, w, &len) &&
	    (strcmp(w, "am") == 0 || strcmp(w, "pm") == 0)) {
		c->p += len;
		if (*h < 1 || *h > 12)
			return false;
		if (*h == 12)
			*h = 0;
		if (w[0] == 'p')
			*h += 12;
	}
	return true;
}

static int
fail(struct gc_err *err, const char *why)
{
	return gc_err_set(err, GC_EPARSE, "date: %s", why);
}

static bool
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static long long
days_from_civil(long long y, unsigned mo, unsigned d)
{
	long long era, yoe, doy, doe;

	y -= mo <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
date_make(time_t *out, int year, int month, int day, int hour, int min,
    int sec, int zone_minutes, struct gc_err *err)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	long long secs;

	if (year >= 0 && year < 50)
		year += 2000;
	else if (year >= 50 && year < 1000)
		year += 1900;
	if (year < 1900 || year > 9999)
		return fail(err, "year out of range");
	if (month < 1 || month > 12)
		return fail(err, "no such month");
	if (day < 1 || day > mdays[month - 1] +
	    (month == 2 && leap(year) ? 1 : 0))
		return fail(err, "no such day");
	if (hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 ||
	    sec > 60)
		return fail(err, "no such time");
	if (zone_minutes < -23 * 60 - 59 || zone_minutes > 23 * 60 + 59)
		return fail(err, "zone out of range");
	secs = days_from_civil(year, (unsigned)month, (unsigned)day) * 86400 +
	    hour * 3600 + min * 60 + sec - zone_minutes * 60;
	*out = (time_t)secs;
	return 0;
}

int
date_parse(time_t *out, const char *s, size_t len, struct gc_err *err)
{
	struct cur c = { s, s + len, false };
	char w[WORD_MAX + 1];
	size_t wl;
	int year = -1, month = 0, day = 0, h = 0, mi = 0, sec = 0, zmin = 0;
	int n, v;
	bool numeric = false;

	/* the weekday, skipped; so is a word before a comma that is no
	 * month (a weekday in another language: "Di,", "Mer.,") */
	if (peek_word(&c, w, &wl) && lookup(w, wl, months) < 0) {
		const char *save = c.p;

		c.p += wl;
		(void)punct(&c, '.');
		if (!punct(&c, ',') && lookup(w, wl, weekdays) < 0)
			c.p = save;
	}
	skip(&c);
	if (c.p < c.end && is_digit(*c.p)) {
		if (!num(&c, &v, &n, 4))
			return fail(err, "no day");
		if (n == 4 && c.p < c.end && *c.p == '-') {
			/* ISO 8601: yyyy-mm-dd[T ]hh:mm[:ss] */
			year = v;
			c.p++;
			if (!num_here(&c, &month, &n, 2) || n != 2 ||
			    c.p >= c.end || *c.p != '-')
				return fail(err, "bad ISO date");
			c.p++;
			if (!num_here(&c, &day, &n, 2) || n != 2)
				return fail(err, "bad ISO date");
			if (c.p < c.end && (*c.p == 'T' || *c.p == 't'))
				c.p++;
		} else {
			/* day month year, "26 Nov 2026", "26-Nov-2026" */
			if (n > 2)
				return fail(err, "no day");
			day = v;
			(void)(punct(&c, '-') || punct(&c, '.'));
			if (!peek_word(&c, w, &wl) ||
			    (month = lookup(w, wl, months) + 1) == 0)
				return fail(err, "no month");
			c.p += wl;
			(void)(punct(&c, '-') || punct(&c, '.'));
			if (!num(&c, &year, &n, 4) || n == 1)
				return fail(err, "no year");
		}
	} else if (peek_word(&c, w, &wl) &&
	    (month = lookup(w, wl, months) + 1) != 0) {
		/* month day[,] year, or asctime's month day time zone
		 * year */
		c.p += wl;
		(void)punct(&c, '.');
		if (!num(&c, &day, NULL, 2))
			return fail(err, "no day");
		(void)punct(&c, ',');
		skip(&c);
		{
			const char *q = c.p;

			while (q < c.end && is_digit(*q))
				q++;
			if (q == c.p || q >= c.end || *q != ':') {
				if (!num(&c, &year, &n, 4) || n == 1)
					return fail(err, "no year");
			}
		}
	} else {
		return fail(err, "no date");
	}
	(void)punct(&c, ',');
	if (peek_word(&c, w, &wl) && strcmp(w, "at") == 0)
		c.p += wl;
	if (!time_of_day(&c, &h, &mi, &sec))
		return fail(err, "no time");
	if (!zone(&c, &zmin, &numeric))
		return fail(err, "bad zone");
	if (year < 0 && !num(&c, &year, &n, 4))
		return fail(err, "no year");
	/* "-0500 EST": the name after an offset says nothing more */
	if (numeric && peek_word(&c, w, &wl) && wl <= 5)
		c.p += wl;
	skip(&c);
	if (c.bad)
		return fail(err, "unclosed comment");
	if (c.p != c.end)
		return fail(err, "text after the date");
	return date_make(out, year, month, day, h, mi, sec, zmin, err);
}
