/*
 * tracking.c - tracking numbers and subject tags (see tracking.h)
 */
#include "desk/tracking.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int tracking_format(char *out, size_t len, const char *fmt, long long seq,
    time_t when);

/* A format part without %n (the prefix or suffix of tracking_split). */
static int
tracking_format_plain(char *out, size_t len, const char *fmt, time_t when)
{
	for (const char *p = fmt; *p; p++)
		if (p[0] == '%' && p[1] == '%')
			p++;
		else if (p[0] == '%' && strchr(p + 1, 'n') == p + 1 +
		    strspn(p + 1, "0123456789"))
			return -1;
	return tracking_format(out, len, fmt, 0, when);
}

int
tracking_format(char *out, size_t len, const char *fmt, long long seq,
    time_t when)
{
	struct tm tm;
	size_t o = 0;

	gmtime_r(&when, &tm);
	for (const char *p = fmt; *p; p++) {
		char piece[32];
		int width = 0, zero = 0, n;

		if (*p != '%') {
			piece[0] = *p;
			piece[1] = '\0';
		} else {
			p++;
			if (*p == '0') {
				zero = 1;
				p++;
			}
			while (isdigit((unsigned char)*p) && width < 20)
				width = width * 10 + (*p++ - '0');
			switch (*p) {
			case 'Y':
				snprintf(piece, sizeof(piece), "%04d",
				    tm.tm_year + 1900);
				break;
			case 'y':
				snprintf(piece, sizeof(piece), "%02d",
				    tm.tm_year % 100);
				break;
			case 'm':
				snprintf(piece, sizeof(piece), "%02d",
				    tm.tm_mon + 1);
				break;
			case 'n':
				snprintf(piece, sizeof(piece), zero ? "%0*lld" :
				    "%*lld", width, seq);
				break;
			case '%':
				strcpy(piece, "%");
				break;
			default:
				return -1;
			}
		}
		n = (int)strlen(piece);
		if (o + (size_t)n + 1 > len)
			return -1;
		memcpy(out + o, piece, (size_t)n);
		o += (size_t)n;
	}
	if (o + 1 > len)
		return -1;
	out[o] = '\0';
	return 0;
}

int
tracking_split(char *prefix, size_t plen, char *suffix, size_t slen,
    int *width_r, bool *zero_r, const char *fmt, time_t when)
{
	const char *n = NULL;
	char head[128];
	size_t hl;

	/* the %n directive: "%", optional "0", digits, "n" (not "%%n") */
	for (const char *p = fmt; *p; p++) {
		const char *q;

		if (*p != '%')
			continue;
		if (p[1] == '%') {
			p++;
			continue;
		}
		for (q = p + 1; *q == '0' || (*q >= '0' && *q <= '9'); q++)
			;
		if (*q == 'n') {
			n = p;
			break;
		}
	}
	if (n == NULL)
		return -1;
	*zero_r = n[1] == '0';
	*width_r = 0;
	for (const char *q = n + 1; *q >= '0' && *q <= '9' && *width_r < 64;
	    q++)
		*width_r = *width_r * 10 + (*q - '0');
	hl = (size_t)(n - fmt);
	if (hl >= sizeof(head))
		return -1;
	memcpy(head, fmt, hl);
	head[hl] = '\0';
	if (tracking_format_plain(prefix, plen, head, when) != 0)
		return -1;
	return tracking_format_plain(suffix, slen, strchr(n, 'n') + 1, when);
}

int
tracking_find_tags(const char *subject,
    int (*found)(const char *token, void *arg), void *arg)
{
	int seen = 0;

	for (const char *p = subject; (p = strchr(p, '[')) != NULL; p++) {
		const char *s = p + 1, *e;
		char tok[64];
		size_t n;

		while (*s == ' ')
			s++;
		e = s;
		while (*e && *e != ']' && *e != '[' && *e != ' ' &&
		    (size_t)(e - s) < sizeof(tok))
			e++;
		n = (size_t)(e - s);
		while (*e == ' ')
			e++;
		if (*e != ']' || n == 0 || n >= sizeof(tok))
			continue;
		memcpy(tok, s, n);
		tok[n] = '\0';
		seen++;
		if (found(tok, arg) != 0)
			break;
	}
	return seen;
}
