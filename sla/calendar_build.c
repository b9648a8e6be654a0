/*
 * calendar_build.c - making a business calendar and describing it
 *
 * A calendar is built from its opening hours ("mon-fri 09:00-18:00")
 * and holiday lists (files of dates and names); every change ends with
 * calendar_rebuild(), which keeps the invariants of calendar.c. The
 * description is what `guichet sla` prints.
 */
#include "sla/calendar_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arith.h"
#include "common/utf8.h"
#include "common/util.h"

/* ----- Building --------------------------------------------------- */

struct calendar *
calendar_new(const struct tz *tz)
{
	struct calendar *cal = xcalloc(1, sizeof(*cal));

	cal->tz = tz != NULL ? tz : tz_utc();
	calendar_rebuild(cal);
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
	calendar_rebuild(cal);
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
	calendar_rebuild(cal);
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
		size_t k = utf8_decode(NULL, s + i, n - i);

		if (k == 0)
			break;
		i += k;
	}
	return i;
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
