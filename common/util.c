/*
 * util.c - string, file and time helpers (see util.h)
 */
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
lc(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

int
str_casecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int d = lc((unsigned char)*a) - lc((unsigned char)*b);

		if (d != 0 || *a == '\0')
			return d;
	}
}

int
str_ncasecmp(const char *a, const char *b, size_t n)
{
	for (; n > 0; a++, b++, n--) {
		int d = lc((unsigned char)*a) - lc((unsigned char)*b);

		if (d != 0 || *a == '\0')
			return d;
	}
	return 0;
}

bool
str_casestarts(const char *s, const char *prefix)
{
	return str_ncasecmp(s, prefix, strlen(prefix)) == 0;
}

bool
host_is_loopback(const char *host)
{
	unsigned char a[16];
	char h[64];
	size_t n = strlen(host);

	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		host++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(h))
		return false;
	memcpy(h, host, n);
	h[n] = '\0';
	if (h[n - 1] == '.')
		h[n - 1] = '\0';
	if (str_casecmp(h, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, h, a) == 1)
		return a[0] == 127;
	if (inet_pton(AF_INET6, h, a) != 1)
		return false;
	if (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
		return a[12] == 127;     /* ::ffff:127.x.y.z */
	return memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0;
}

const char *
str_casestr(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	char set[3];

	if (n == 0)
		return hay;
	/* jump to each place the first letter (either case) appears; only
	 * there compare the rest */
	set[0] = (char)lc((unsigned char)needle[0]);
	set[1] = (char)(set[0] >= 'a' && set[0] <= 'z' ? set[0] - 32 : set[0]);
	set[2] = '\0';
	while ((hay = strpbrk(hay, set)) != NULL) {
		if (str_ncasecmp(hay + 1, needle + 1, n - 1) == 0)
			return hay;
		hay++;
	}
	return NULL;
}

char *
str_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

void
str_tolower(char *s)
{
	for (; *s; s++)
		*s = (char)lc((unsigned char)*s);
}

void
str_strip_ctl(char *s)
{
	char *w = s;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\r' || c == '\n')
			continue;
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			continue;
		*w++ = *s;
	}
	*w = '\0';
}

int
fd_read_all(char **out, size_t *len_r, int fd, size_t max, struct gc_err *err)
{
	struct buf b = BUF_INIT(max);
	char chunk[65536];

	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			buf_free(&b);
			return gc_err_set(err, GC_EIO, "read: %s",
			    strerror(errno));
		}
		if (n == 0)
			break;
		if (buf_add(&b, chunk, (size_t)n) != 0) {
			buf_free(&b);
			return gc_err_set(err, GC_ELIMIT,
			    "input larger than %zu bytes", max);
		}
	}
	*out = buf_detach(&b, len_r);
	return 0;
}

int
fd_write_all(int fd, const void *p, size_t len)
{
	const char *c = p;

	while (len > 0) {
		ssize_t n = write(fd, c, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

int
file_read(char **out, size_t *len_r, const char *path, size_t max,
    struct gc_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return gc_err_set(err, errno == ENOENT ? GC_ENOTFOUND : GC_EIO,
		    "%s: %s", path, strerror(errno));
	rc = fd_read_all(out, len_r, fd, max, err);
	close(fd);
	if (rc != 0)
		gc_err_prefix(err, "%s", path);
	return rc;
}

char *
path_resolve(const char *dir, const char *path)
{
	if (path[0] == '/' || dir == NULL || dir[0] == '\0')
		return xstrdup(path);
	return xasprintf("%s/%s", dir, path);
}

char *
path_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

#define ISO_LEN 20               /* "YYYY-MM-DDTHH:MM:SSZ" */
#define YEAR_10000 253402300800LL  /* 10000-01-01T00:00:00Z */

static void
two(char *out, unsigned v)
{
	out[0] = (char)('0' + v / 10);
	out[1] = (char)('0' + v % 10);
}

/* Years 1970 to 9999 by arithmetic (the proleptic Gregorian calendar,
 * days counted from 0000-03-01 so that leap days end the year), the
 * bytes strftime("%Y-%m-%dT%H:%M:%SZ") gives; gmtime_r() and strftime()
 * for other instants, or a buffer too short. */
void
time_iso8601(char *buf, size_t len, time_t t)
{
	struct tm tm;
	long long days, doe, yoe, doy, mp, y;
	unsigned secs, m, d;

	if (t < 0 || (long long)t >= YEAR_10000 || len < ISO_LEN + 1) {
		gmtime_r(&t, &tm);
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
		return;
	}
	days = (long long)t / 86400 + 719468;  /* from 0000-03-01 */
	secs = (unsigned)((long long)t % 86400);
	doe = days % 146097;                    /* day of the 400 years */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + days / 146097 * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;               /* March is 0 */
	d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	y += m <= 2;
	two(buf, (unsigned)(y / 100));
	two(buf + 2, (unsigned)(y % 100));
	buf[4] = '-';
	two(buf + 5, m);
	buf[7] = '-';
	two(buf + 8, d);
	buf[10] = 'T';
	two(buf + 11, secs / 3600);
	buf[13] = ':';
	two(buf + 14, secs / 60 % 60);
	buf[16] = ':';
	two(buf + 17, secs % 60);
	buf[19] = 'Z';
	buf[20] = '\0';
}

double
mono_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
time_rfc5322(char *buf, size_t len, time_t t)
{
	static const char *days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
		"Fri", "Sat" };
	static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int
digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

int
time_parse_iso8601(time_t *out, const char *s)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, se = 0, off = 0;
	const char *p = s;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
	    *p++ != '-' || digits(&p, 2, &d))
		return GC_EINVAL;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
			return GC_EINVAL;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &se))
				return GC_EINVAL;
			if (*p == '.') {   /* fractional seconds: ignored */
				p++;
				while (isdigit((unsigned char)*p))
					p++;
			}
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1, oh, om = 0;

		p++;
		if (digits(&p, 2, &oh))
			return GC_EINVAL;
		if (*p == ':')
			p++;
		if (*p != '\0' && digits(&p, 2, &om))
			return GC_EINVAL;
		off = sign * (oh * 3600 + om * 60);
	}
	if (*p != '\0')
		return GC_EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    se > 60)
		return GC_EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return GC_EINVAL;
	*out = t - off;
	return 0;
}

static int
number_with_unit(long long *out, const char *s, const char *const *units,
    const long long *mult, int nunits)
{
	char *end;
	long long v;

	while (*s == ' ')
		s++;
	if (!isdigit((unsigned char)*s))
		return GC_EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || v < 0)
		return GC_EINVAL;
	while (*end == ' ')
		end++;
	if (*end == '\0') {
		*out = v;
		return 0;
	}
	for (int i = 0; i < nunits; i++) {
		if (str_casecmp(end, units[i]) == 0) {
			if (v > LLONG_MAX / mult[i])
				return GC_EINVAL;
			*out = v * mult[i];
			return 0;
		}
	}
	return GC_EINVAL;
}

void
minutes_text(char *buf, size_t len, long long minutes)
{
	const char *sign = minutes < 0 ? "-" : "";
	unsigned long long m = minutes < 0 ? 0ULL - (unsigned long long)
	    minutes : (unsigned long long)minutes;

	if (m < 60)
		snprintf(buf, len, "%s%llu min", sign, m);
	else
		snprintf(buf, len, "%s%llu h %02llu", sign, m / 60, m % 60);
}

const char *
word_in(const char *const *rows, const char *key, bool fr)
{
	for (size_t i = 0; key != NULL && rows[i] != NULL; i += 3)
		if (strcmp(key, rows[i]) == 0)
			return rows[i + (fr ? 2 : 1)];
	return key != NULL ? key : "";
}

void
size_text(char *buf, size_t len, unsigned long long bytes, bool fr)
{
	char *dot;

	if (bytes < 1024ULL * 1024)
		snprintf(buf, len, "%llu %s", (bytes + 1023) / 1024,
		    fr ? "Ko" : "KB");
	else
		snprintf(buf, len, "%.1f %s", (double)bytes / (1024.0 * 1024),
		    fr ? "Mo" : "MB");
	if (fr && (dot = strchr(buf, '.')) != NULL)
		*dot = ',';
}

int
duration_parse(long long *seconds_out, const char *s)
{
	static const char *const units[] = { "s", "m", "min", "h", "d", "w" };
	static const long long mult[] = { 1, 60, 60, 3600, 86400, 604800 };

	return number_with_unit(seconds_out, s, units, mult, 6);
}

int
size_parse(long long *bytes_out, const char *s)
{
	static const char *const units[] = { "B", "K", "KB", "M", "MB", "G",
		"GB" };
	static const long long mult[] = { 1, 1024, 1024, 1048576, 1048576,
		1073741824LL, 1073741824LL };

	return number_with_unit(bytes_out, s, units, mult, 7);
}

void
hex_encode(char *out, const unsigned char *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = '\0';
}

unsigned char *
hex_decode(const char *hex, size_t *len_r)
{
	size_t n = hex ? strlen(hex) / 2 : 0;
	unsigned char *b = xmalloc(n + 1);

	for (size_t i = 0; i < n; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);

		b[i] = hi < 0 || lo < 0 ? 0 : (unsigned char)(hi << 4 | lo);
	}
	b[n] = '\0';
	*len_r = n;
	return b;
}

int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
