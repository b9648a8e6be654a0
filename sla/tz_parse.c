/*
 * tz_parse.c - reading time zones: TZif data and POSIX TZ strings
 *
 * A TZif file (versions 1 to 3) gives the transition table and, from
 * version 2, the POSIX TZ footer that rules the instants after its last
 * transition; a POSIX TZ string alone makes a zone with an empty table.
 * Every count and offset is checked against the data's length before it
 * is read.
 */
#include "sla/tz_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

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
	if (tz == tz_utc())
		return;
	clear_block(tz);
	free(tz->name);
	free(tz);
}
