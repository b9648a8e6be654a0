/*
 * address.c - the same mailbox in its different writings (see address.h)
 */
#include "parsers/address.h"

#include <stdint.h>
#include <string.h>

#include "common/utf8.h"
#include "common/util.h"
#include "parsers/utf8.h"

#define LABEL_MAX 63            /* bytes of a DNS label (RFC 1035) */
#define DOMAIN_MAX 255

/* RFC 3492's parameters for IDNA */
enum {
	PC_BASE = 36, PC_TMIN = 1, PC_TMAX = 26, PC_SKEW = 38,
	PC_DAMP = 700, PC_BIAS = 72, PC_N = 128,
};

static uint32_t
pc_adapt(uint32_t delta, uint32_t points, bool first)
{
	uint32_t k = 0;

	delta = first ? delta / PC_DAMP : delta / 2;
	delta += delta / points;
	while (delta > ((PC_BASE - PC_TMIN) * PC_TMAX) / 2) {
		delta /= PC_BASE - PC_TMIN;
		k += PC_BASE;
	}
	return k + (PC_BASE - PC_TMIN + 1) * delta / (delta + PC_SKEW);
}

static uint32_t
pc_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0' + 26u;
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	return PC_BASE;
}

/* The Punycode s (len bytes, after "xn--") decoded into out (at most
 * LABEL_MAX code points): their number, or -1. */
static int
punycode_decode(const char *s, size_t len, uint32_t *out)
{
	uint32_t n = PC_N, i = 0, bias = PC_BIAS, nout = 0;
	size_t b = 0, in;

	for (size_t j = 0; j < len; j++)
		if (s[j] == '-')
			b = j;
	if (b > LABEL_MAX)
		return -1;
	for (size_t j = 0; j < b; j++) {
		unsigned char c = (unsigned char)s[j];

		if (c >= 0x80 || c < 0x20)
			return -1;
		/* DNS names know no case: no mixed-case annotation */
		out[nout++] = c >= 'A' && c <= 'Z' ? c + 32u : c;
	}
	for (in = b > 0 ? b + 1 : 0; in < len; ) {
		uint32_t oldi = i, w = 1;

		for (uint32_t k = PC_BASE; ; k += PC_BASE) {
			uint32_t d, t;

			if (in >= len || (d = pc_digit(
			    (unsigned char)s[in++])) >= PC_BASE)
				return -1;
			if (d > (UINT32_MAX - i) / w)
				return -1;
			i += d * w;
			t = k <= bias ? PC_TMIN : k >= bias + PC_TMAX ?
			    PC_TMAX : k - bias;
			if (d < t)
				break;
			if (w > UINT32_MAX / (PC_BASE - t))
				return -1;
			w *= PC_BASE - t;
		}
		bias = pc_adapt(i - oldi, nout + 1, oldi == 0);
		if (i / (nout + 1) > 0x10ffff - n)
			return -1;
		n += i / (nout + 1);
		i %= nout + 1;
		if (n < 0xa0 || (n >= 0xd800 && n <= 0xdfff) ||
		    nout == LABEL_MAX)
			return -1;
		memmove(out + i + 1, out + i, (nout - i) * sizeof(*out));
		out[i++] = n;
		nout++;
	}
	/* an A-label holds something past ASCII (RFC 5890 2.3.2.1): one
	 * that decodes to ASCII alone would decode again, to another */
	return nout > b ? (int)nout : -1;
}

static char
pc_char(uint32_t d)
{
	return (char)(d < 26 ? 'a' + d : '0' + d - 26);
}

/* The n code points at cps as Punycode (RFC 3492 6.3), appended to b:
 * false on an overflow or when b is full. */
static bool
punycode_encode(struct buf *b, const uint32_t *cps, size_t n)
{
	uint32_t c = PC_N, delta = 0, bias = PC_BIAS, h, basic = 0;

	for (size_t j = 0; j < n; j++)
		if (cps[j] < 0x80) {
			if (buf_addc(b, (char)cps[j]) != 0)
				return false;
			basic++;
		}
	if (basic > 0 && buf_addc(b, '-') != 0)
		return false;
	for (h = basic; h < n; delta++, c++) {
		uint32_t m = UINT32_MAX;

		for (size_t j = 0; j < n; j++)
			if (cps[j] >= c && cps[j] < m)
				m = cps[j];
		if (m - c > (UINT32_MAX - delta) / (h + 1))
			return false;
		delta += (m - c) * (h + 1);
		c = m;
		for (size_t j = 0; j < n; j++) {
			uint32_t q = delta;

			if (cps[j] < c && ++delta == 0)
				return false;
			if (cps[j] != c)
				continue;
			for (uint32_t k = PC_BASE; ; k += PC_BASE) {
				uint32_t t = k <= bias ? PC_TMIN :
				    k >= bias + PC_TMAX ? PC_TMAX : k - bias;

				if (q < t)
					break;
				if (buf_addc(b, pc_char(t + (q - t) %
				    (PC_BASE - t))) != 0)
					return false;
				q = (q - t) / (PC_BASE - t);
			}
			if (buf_addc(b, pc_char(q)) != 0)
				return false;
			bias = pc_adapt(delta, h + 1, h == basic);
			delta = 0;
			h++;
		}
	}
	return true;
}

/* The label (len bytes at p) as an A-label appended to b when it holds
 * a byte past ASCII, as it is otherwise: false when it is no UTF-8, holds
 * a control (which the decoder refuses), or is too long for a label
 * either way. */
static bool
label_encode(struct buf *b, const char *p, size_t len)
{
	uint32_t cps[LABEL_MAX];
	size_t n = 0, start = b->len;
	bool ascii = true;

	for (size_t i = 0; i < len; n++) {
		size_t k = n < LABEL_MAX ? utf8_decode(&cps[n],
		    (const unsigned char *)p + i, len - i) : 0;

		if (k == 0)
			return false;
		if (cps[n] < 0x20 || (cps[n] >= 0x80 && cps[n] < 0xa0))
			return false;
		ascii = ascii && k == 1;
		i += k;
	}
	if (ascii)
		return len <= LABEL_MAX && buf_add(b, p, len) == 0;
	return buf_add(b, "xn--", 4) == 0 && punycode_encode(b, cps, n) &&
	    b->len - start <= LABEL_MAX;
}

/* The label (len bytes at p) appended to b, decoded when it is an
 * A-label: false when it is no valid Punycode or b's cap is reached. */
static bool
label_decode(struct buf *b, const char *p, size_t len)
{
	uint32_t cps[LABEL_MAX];
	int k;

	if (len < 4 || str_ncasecmp(p, "xn--", 4) != 0)
		return buf_add(b, p, len) == 0;
	if ((k = punycode_decode(p + 4, len - 4, cps)) <= 0)
		return false;
	for (int j = 0; j < k; j++)
		if (utf8_put(b, cps[j]) != 0)
			return false;
	return true;
}

typedef bool label_fn(struct buf *b, const char *p, size_t len);

/* The domain (len bytes at domain) appended to b, each label through
 * fn; false when one does not go through, or b's cap is reached. */
static bool
labels_map(struct buf *b, const char *domain, size_t len, label_fn *fn)
{
	const char *end = domain + len;

	for (const char *p = domain, *dot; ; p = dot + 1) {
		dot = memchr(p, '.', (size_t)(end - p));
		if (!fn(b, p, (size_t)((dot != NULL ? dot : end) - p)))
			return false;
		if (dot == NULL)
			return true;
		if (buf_addc(b, '.') != 0)
			return false;
	}
}

static char *
domain_map(struct arena *a, const char *domain, size_t cap, label_fn *fn)
{
	struct buf b = BUF_INIT(cap);
	char *r = NULL;

	if (labels_map(&b, domain, strlen(domain), fn))
		r = arena_strndup(a, buf_str(&b), b.len);
	buf_free(&b);
	return r;
}

char *
addr_idna_decode(struct arena *a, const char *domain)
{
	return domain_map(a, domain, DOMAIN_MAX * 4, label_decode);
}

char *
addr_idna_encode(struct arena *a, const char *domain)
{
	return domain_map(a, domain, DOMAIN_MAX + 1, label_encode);
}

int
addr_writings(struct arena *a, const char *addr, char *out[2])
{
	const char *at = strrchr(addr, '@');
	struct buf u = BUF_INIT(DOMAIN_MAX * 4 + 1);
	struct buf x = BUF_INIT(DOMAIN_MAX + 1);
	size_t dlen = at != NULL ? strlen(at + 1) : 0;
	int local = at != NULL ? (int)(at - addr) : 0, n = 1;

	out[1] = NULL;
	/* as addr_same() reads it: a domain too long, or with a label that
	 * is no Punycode, is no domain, and only ever the one writing */
	if (at == NULL || dlen > DOMAIN_MAX ||
	    !labels_map(&u, at + 1, dlen, label_decode)) {
		out[0] = arena_strdup(a, addr);
		str_tolower(out[0]);
		buf_free(&u);
		return 1;
	}
	out[0] = arena_printf(a, "%.*s@%s", local, addr, buf_str(&u));
	str_tolower(out[0]);
	if (labels_map(&x, out[0] + local + 1, u.len, label_encode) &&
	    x.len <= DOMAIN_MAX) {
		out[1] = arena_printf(a, "%.*s@%s", local, out[0], buf_str(&x));
		str_tolower(out[1]);
		if (strcmp(out[0], out[1]) != 0)
			n = 2;
		else
			out[1] = NULL;
	}
	buf_free(&u);
	buf_free(&x);
	return n;
}

char *
addr_dsn_decode(struct arena *a, const char *s)
{
	struct buf b = BUF_INIT(4096);
	bool any = false, bad = false;
	char *r = NULL;

	for (const char *p = s; !bad && *p != '\0'; ) {
		if (p[0] == '+' && hex_digit(p[1]) >= 0 &&
		    hex_digit(p[2]) >= 0) {
			bad = buf_addc(&b, (char)(hex_digit(p[1]) * 16 +
			    hex_digit(p[2]))) != 0;
			p += 3;
			any = true;
		} else if (p[0] == '\\' && p[1] == 'x' && p[2] == '{') {
			uint32_t cp = 0;
			size_t k = 3;

			for (; hex_digit(p[k]) >= 0 && k < 9; k++)
				cp = cp * 16 + (uint32_t)hex_digit(p[k]);
			if (k == 3 || p[k] != '}' || cp == 0 || cp > 0x10ffff ||
			    (cp >= 0xd800 && cp <= 0xdfff))
				bad = true;     /* p[k] may be the NUL */
			else
				bad = utf8_put(&b, cp) != 0;
			p += k + 1;
			any = true;
		} else {
			bad = buf_addc(&b, *p++) != 0;
		}
	}
	if (any && !bad && memchr(buf_str(&b), '\0', b.len) == NULL)
		r = arena_strndup(a, buf_str(&b), b.len);
	buf_free(&b);
	return r;
}

/* The domain at d for comparison, into b: A-labels decoded, a final dot
 * dropped; as written when it does not decode. False when it does not
 * fit. */
static bool
domain_key(struct buf *b, const char *d)
{
	size_t len = strlen(d);

	if (len > 0 && d[len - 1] == '.')
		len--;
	if (len <= DOMAIN_MAX && labels_map(b, d, len, label_decode))
		return true;
	buf_reset(b);
	return buf_add(b, d, len) == 0;
}

bool
addr_same(const char *x, const char *y)
{
	struct buf bx = BUF_INIT(DOMAIN_MAX * 4 + 1);
	struct buf by = BUF_INIT(DOMAIN_MAX * 4 + 1);
	const char *ax, *ay;
	bool same;

	if (x == NULL || y == NULL)
		return false;
	if (str_casecmp(x, y) == 0)
		return true;
	ax = strrchr(x, '@');
	ay = strrchr(y, '@');
	if (ax == NULL || ay == NULL || ax - x != ay - y ||
	    str_ncasecmp(x, y, (size_t)(ax - x)) != 0)
		return false;
	/* the whole addresses differ and their local parts do not: a
	 * domain too long to decode stays different */
	same = domain_key(&bx, ax + 1) && domain_key(&by, ay + 1) &&
	    bx.len == by.len && str_casecmp(buf_str(&bx), buf_str(&by)) == 0;
	buf_free(&bx);
	buf_free(&by);
	return same;
}
