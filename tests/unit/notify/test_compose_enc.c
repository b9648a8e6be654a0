/*
 * test_compose_enc.c - quoted-printable and body normalisation against
 * plain reference versions
 *
 * enc_qp() and enc_normalize_body() copy runs of plain bytes at once
 * (eight at a time) and look bytes up in tables. Here each is compared
 * with a version written the obvious way, one character at a time, on
 * edge cases (lines of 75, 76 and 77 bytes, spaces before line ends,
 * '=' and UTF-8 at the soft-break column, bare CR, invalid UTF-8) and
 * on thousands of random texts drawn from an alphabet of such bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/utf8.h"
#include "notify/compose_int.h"

/* ----- The reference versions ----- */

static bool
ref_literal(const unsigned char *p, size_t k, size_t n)
{
	unsigned char c = p[k];
	bool eol = k + 1 >= n || p[k + 1] == '\r';

	return (c >= 33 && c <= 126 && c != '=') ||
	    ((c == ' ' || c == '\t') && !eol);
}

static void
ref_qp(struct buf *out, const char *s, size_t n)
{
	static const char hx[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	size_t col = 0, i = 0;

	while (i < n) {
		char enc[12];
		size_t elen = 0, clen;
		uint32_t cp;

		if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') {
			assert_int_equal(buf_add(out, "\r\n", 2), 0);
			col = 0;
			i += 2;
			continue;
		}
		clen = utf8_decode(&cp, p + i, n - i);
		if (clen == 0)
			clen = 1;
		for (size_t k = i; k < i + clen; k++) {
			if (ref_literal(p, k, n)) {
				enc[elen++] = (char)p[k];
			} else {
				enc[elen++] = '=';
				enc[elen++] = hx[p[k] >> 4];
				enc[elen++] = hx[p[k] & 15];
			}
		}
		if (col + elen > 75) {
			assert_int_equal(buf_add(out, "=\r\n", 3), 0);
			col = 0;
		}
		assert_int_equal(buf_add(out, enc, elen), 0);
		col += elen;
		i += clen;
	}
}

static void
ref_normalize(struct buf *out, const char *body)
{
	const unsigned char *p = (const unsigned char *)body;
	size_t n = strlen(body), i = 0;

	while (i < n) {
		uint32_t cp;
		size_t len;

		if (p[i] == '\r' || p[i] == '\n') {
			i += (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') ?
			    2 : 1;
			assert_int_equal(buf_add(out, "\r\n", 2), 0);
			continue;
		}
		len = utf8_decode(&cp, p + i, n - i);
		if (len == 0) {
			assert_int_equal(buf_add(out, "\xef\xbf\xbd", 3), 0);
			i++;
			continue;
		}
		assert_int_equal(buf_add(out, p + i, len), 0);
		i += len;
	}
	if (out->len < 2 || out->data[out->len - 1] != '\n')
		assert_int_equal(buf_add(out, "\r\n", 2), 0);
}

/* ----- Comparisons ----- */

static void
same_qp(const char *s, size_t n)
{
	struct buf got, want;

	buf_init(&got, 1 << 24);
	buf_init(&want, 1 << 24);
	assert_int_equal(enc_qp(&got, s, n), 0);
	ref_qp(&want, s, n);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(buf_str(&got), buf_str(&want), got.len);
	buf_free(&got);
	buf_free(&want);
}

static void
same_normalize(const char *s)
{
	struct arena a;
	struct buf want;
	size_t len;
	char *got;

	arena_init(&a, 4096);
	buf_init(&want, 1 << 24);
	got = enc_normalize_body(&a, s, &len);
	ref_normalize(&want, s);
	assert_int_equal(len, want.len);
	assert_memory_equal(got, buf_str(&want), len);
	assert_int_equal(got[len], '\0');
	arena_free(&a);
	buf_free(&want);
}

static void
test_qp_edges(void **state)
{
	char line[400];
	static const char *const ends[] = {
		"", "x", "=", " ", "\t", "é", "€", "\xf0\x9f\x98\x80",
		"\xff", "\xc3", " \r\n", "\t\r\n", "=\r\n", "\r", "\r\nx",
	};

	(void)state;
	same_qp("", 0);
	same_qp("\r\n", 2);
	same_qp(" ", 1);
	same_qp("a \r\nb\t\r\n", 8);
	same_qp("\0x\0", 3);
	/* every end at every column around the soft break */
	for (size_t len = 60; len < 160; len++) {
		for (size_t e = 0; e < sizeof(ends) / sizeof(ends[0]); e++) {
			memset(line, 'a', len);
			strcpy(line + len, ends[e]);
			same_qp(line, strlen(line));
			memset(line, ' ', len);
			strcpy(line + len, ends[e]);
			same_qp(line, strlen(line));
		}
	}
}

static void
test_normalize_edges(void **state)
{
	(void)state;
	same_normalize("");
	same_normalize("a");
	same_normalize("\n");
	same_normalize("\r");
	same_normalize("\r\r\n\n");
	same_normalize("12345678\n12345678\r12345678\r\n");
	same_normalize("abcdefg\xc3\xa9hijklmnop\xff\xfeqrstuvwx\xe2\x82");
	same_normalize("Ligne très longue, accentuée à la française, "
	    "et ainsi de suite jusqu'au bout\n");
}

/* Random texts from bytes chosen to hit every path: plain, '=', space,
 * TAB, CR, LF, UTF-8 of 2, 3 and 4 bytes, a lone continuation byte, a
 * truncated lead byte, 0xff. */
static size_t
random_text(char *out, size_t max, unsigned *seed)
{
	static const char *const atoms[] = {
		"a", "Z", "0", "~", "!", "=", " ", "\t", "\r", "\n", "\r\n",
		"é", "€", "\xf0\x9f\x98\x80", "\x80", "\xc3", "\xff",
		"abcdefghijklmnop", "        ", "= =", "\x7f", "\x01",
	};
	size_t n = 0, want = (size_t)rand_r(seed) % 600;

	while (n < want) {
		const char *a = atoms[(size_t)rand_r(seed) %
		    (sizeof(atoms) / sizeof(atoms[0]))];
		size_t l = strlen(a);
		unsigned reps = (unsigned)rand_r(seed) % 3 == 0 ?
		    (unsigned)rand_r(seed) % 90 + 1 : 1;

		for (unsigned r = 0; r < reps && n + l < max; r++) {
			memcpy(out + n, a, l);
			n += l;
		}
		if (n + 16 >= max)
			break;
	}
	out[n] = '\0';
	return n;
}

static void
test_random(void **state)
{
	static char text[8192];
	unsigned seed = 20261204;

	(void)state;
	for (int round = 0; round < 4000; round++) {
		size_t n = random_text(text, sizeof(text), &seed);

		same_qp(text, n);
		same_normalize(text);
	}
}

/* The output passes the buffer's cap only when the reference's does:
 * GC_ELIMIT then, 0 otherwise. */
static void
test_qp_cap(void **state)
{
	static char text[20000];
	struct buf want, got;

	(void)state;
	for (size_t i = 0; i < sizeof(text) - 1; i++)
		text[i] = i % 97 == 0 ? '\n' : i % 5 == 0 ? '=' : 'x';
	text[sizeof(text) - 1] = '\0';
	buf_init(&want, 1 << 24);
	ref_qp(&want, text, strlen(text));
	buf_init(&got, want.len);
	assert_int_equal(enc_qp(&got, text, strlen(text)), 0);
	buf_free(&got);
	buf_init(&got, want.len - 1);
	assert_int_equal(enc_qp(&got, text, strlen(text)), GC_ELIMIT);
	buf_free(&got);
	buf_free(&want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qp_edges),
		cmocka_unit_test(test_normalize_edges),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_qp_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
