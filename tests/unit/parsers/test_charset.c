/*
 * test_charset.c - charset labels and conversion to UTF-8 (parsers/charset.c)
 *
 * Each input is the same text written in another charset; the expected
 * UTF-8 is written out in this (UTF-8) file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "common/err.h"
#include "common/mem.h"
#include "parsers/charset.h"
#include "parsers/utf8.h"

static struct arena pool;

static int
setup(void **state)
{
	(void)state;
	arena_init(&pool, 4096);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	arena_free(&pool);
	return 0;
}

/* Convert and return the text; *unknown_r tells whether it was flagged. */
static const char *
conv(const char *charset, const char *in, size_t len, bool *unknown_r)
{
	char *out = NULL;
	size_t olen = 0;
	bool unknown = false;

	assert_int_equal(charset_to_utf8(&out, &olen, &unknown, &pool,
	    charset, in, len, 1 << 20), 0);
	assert_non_null(out);
	assert_int_equal(strlen(out), olen);
	assert_true(utf8_valid(out, olen));
	if (unknown_r != NULL)
		*unknown_r = unknown;
	return out;
}

#define CONV(cs, lit, u) conv((cs), (lit), sizeof(lit) - 1, (u))

static void
test_cjk(void **state)
{
	bool u;

	(void)state;
	assert_string_equal(CONV("ISO-2022-JP", "\x1b\x24\x42\x46\x7c\x4b"
	    "\x5c\x38\x6c\x24\x4e\x25\x46\x25\x2d\x25\x39\x25\x48\x1b\x28\x42",
	    &u), "日本語のテキスト");
	assert_false(u);
	assert_string_equal(CONV("Shift_JIS", "\x93\xfa\x96\x7b\x8c\xea\x82"
	    "\xcc\x83\x65\x83\x4c\x83\x58\x83\x67", &u), "日本語のテキスト");
	assert_string_equal(CONV("gb2312", "\xd6\xd0\xce\xc4\xd3\xca\xbc"
	    "\xfe", &u), "中文邮件");
	assert_string_equal(CONV("GBK", "\xd6\xd0\xce\xc4\xd3\xca\xbc\xfe",
	    &u), "中文邮件");
	assert_string_equal(CONV("GB18030", "\xd6\xd0\xce\xc4\xd3\xca\xbc"
	    "\xfe", &u), "中文邮件");
	/* A GBK-only character under the gb2312 label (the usual
	 * mislabel) still converts: gb2312 is read as GB18030. */
	assert_string_equal(CONV("gb2312", "\xe9\x46", &u), "镕");
	assert_string_equal(CONV("big5", "\xa4\xa4\xa4\xe5\xb6\x6c\xa5\xf3",
	    &u), "中文郵件");
	assert_string_equal(CONV("euc-kr", "\xbe\xc8\xb3\xe7\xc7\xcf\xbc\xbc"
	    "\xbf\xe4", &u), "안녕하세요");
	assert_string_equal(CONV("ks_c_5601-1987", "\xbe\xc8\xb3\xe7\xc7"
	    "\xcf\xbc\xbc\xbf\xe4", &u), "안녕하세요");
	assert_false(u);
}

static void
test_cyrillic_and_8859(void **state)
{
	bool u;

	(void)state;
	assert_string_equal(CONV("KOI8-R", "\xf0\xd2\xc9\xd7\xc5\xd4\x2c\x20"
	    "\xcd\xc9\xd2", &u), "Привет, мир");
	assert_string_equal(CONV("iso-8859-2", "\xaf\xf3\xb3\xe6\x20\x67\xea"
	    "\xb6\x6c\xb1", &u), "Żółć gęślą");
	assert_string_equal(CONV("ISO-8859-7", "\xca\xe1\xeb\xe7\xec\xdd\xf1"
	    "\xe1", &u), "Καλημέρα");
	assert_string_equal(CONV("iso-8859-15", "Prix: 5\xa4", &u),
	    "Prix: 5€");
	assert_string_equal(CONV("\"UTF-16\"", "\xff\xfe\x68\x00\xe9\x00",
	    &u), "hé");
	assert_false(u);
}

static void
test_latin1_is_windows1252(void **state)
{
	static const char in[] = "\x93quoted\x94 \x96 dash \x80 caf\xe9";
	const char *want = "“quoted” – dash € café";
	bool u;

	(void)state;
	assert_string_equal(CONV("iso-8859-1", in, &u), want);
	assert_string_equal(CONV("latin1", in, &u), want);
	assert_string_equal(CONV("ISO_8859-1", in, &u), want);
	assert_string_equal(CONV("windows-1252", in, &u), want);
	assert_false(u);
}

static void
test_utf8_and_ascii(void **state)
{
	bool u;

	(void)state;
	assert_string_equal(CONV("utf8", "caf\xc3\xa9", &u), "café");
	assert_string_equal(CONV("UTF-8", "bad \xff\xc3 end", &u),
	    "bad \xef\xbf\xbd\xef\xbf\xbd end");
	/* us-ascii with 8-bit bytes: UTF-8 when it is, else the guess
	 * (chardet.h), cp1252 for Western text */
	assert_string_equal(CONV("us-ascii", "caf\xc3\xa9", &u), "café");
	assert_string_equal(CONV("us-ascii", "caf\xe9", &u), "café");
	assert_string_equal(CONV(NULL, "caf\xe9", &u), "café");
	assert_false(u);
	/* NUL bytes never come out */
	assert_string_equal(CONV("utf-8", "a\0b", &u), "ab");
	assert_string_equal(CONV("UTF-16LE", "a\0\0\0b\0", &u), "ab");
}

/* Labels of the WHATWG Encoding Standard that iconv does not know by
 * that name, each read as the standard reads it. */
static void
test_whatwg_labels(void **state)
{
	static const char *const labels[] = {
		"unicode11utf8", "unicode20utf8", "iso-8859-6-e", "csiso88596i",
		"csiso88598e", "csiso88598i", "sun_eu_greek", "csisolatin9",
		"l9", "koi", "koi8_r", "dos-874", "tis620", "x-cp1250",
		"x-cp1253", "x-mac-cyrillic", "x-mac-ukrainian",
		"csiso58gb231280", "iso-ir-58", "gb_2312", "ms936",
		"windows-936", "iso-ir-149", "iso-2022-jp-1", "iso-2022-jp-3",
		"iso-10646-ucs-2",
	};
	bool u = false;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (charset_is_unknown(labels[i]))
			fail_msg("label %s unknown", labels[i]);
	assert_string_equal(CONV("gb_2312", "\xd6\xd0", &u), "中");
	assert_string_equal(CONV("l9", "\xbd", &u), "œ");
	assert_string_equal(CONV("koi", "\xf0\xd2\xc9\xd7\xc5\xd4", &u),
	    "Привет");
	assert_string_equal(CONV("tis620", "\x80", &u), "€");
	assert_string_equal(CONV("iso-ir-149", "\x8c\x63", &u), "똠");
	assert_false(u);
}

static void
test_unknown(void **state)
{
	bool u;

	(void)state;
	assert_string_equal(CONV("x-unknown", "caf\xe9", &u), "café");
	assert_true(u);
	assert_string_equal(CONV("no-such-charset-42", "caf\xc3\xa9", &u),
	    "café");
	assert_true(u);
	/* A label that tries to name a path is never given to iconv */
	assert_string_equal(CONV("../../tmp/evil", "x\xe9", &u), "xé");
	assert_true(u);
	assert_true(charset_is_unknown("x-unknown"));
	assert_true(charset_is_unknown("UTF-8//TRANSLIT"));
	assert_false(charset_is_unknown("Windows-1251"));
	assert_false(charset_is_unknown("iso-8859-8-i"));
}

static void
test_refused_bytes(void **state)
{
	bool u;

	(void)state;
	/* A truncated Shift_JIS character at the end, and bytes iconv
	 * refuses in the middle, become U+FFFD; the rest is kept. */
	assert_string_equal(CONV("shift_jis", "\x93\xfa\x93", &u),
	    "日\xef\xbf\xbd");
	assert_string_equal(CONV("euc-jp", "a\xff" "b", &u),
	    "a\xef\xbf\xbd" "b");
	/* 8-bit UTF-8 under a 7-bit label: mislabelled, read as UTF-8 */
	assert_string_equal(CONV("ISO-2022-JP", "\xe3\x83\xa1\xe3\x83"
	    "\xbc\xe3\x83\xab", &u), "メール");
	assert_false(u);
}

static void
test_cap(void **state)
{
	char *out = (char *)1;
	struct buf b;

	(void)state;
	assert_int_equal(charset_to_utf8(&out, NULL, NULL, &pool, "latin1",
	    "\xe9\xe9\xe9\xe9", 4, 5), GC_ELIMIT);
	assert_null(out);
	buf_init(&b, 3);
	assert_int_equal(charset_convert(&b, NULL, "utf-8", "abcdef", 6),
	    GC_ELIMIT);
	buf_free(&b);

	/* Mislabelled UTF-8 cut by the cap is still read as UTF-8: the
	 * capped text is a prefix of the full one (a fuzzer finding). */
	buf_init(&b, 6);
	assert_int_equal(charset_convert(&b, NULL, "iso-2022-jp",
	    "ab\xc3\xa9\0aaaaaaaaa", 14), GC_ELIMIT);
	assert_string_equal(buf_str(&b), "ab\xc3\xa9");
	buf_free(&b);
}

/* Our own windows-1252 table reads every byte as glibc's iconv does:
 * the same character, U+FFFD where iconv refuses the byte. */
static void
test_cp1252_like_iconv(void **state)
{
	iconv_t cd = iconv_open("UTF-8", "WINDOWS-1252");
	int b;

	(void)state;
	assert_true(cd != (iconv_t)-1);
	for (b = 1; b < 256; b++) {
		char in[3] = { 'a', (char)b, 'z' }, want[16], *ip = in;
		char *op = want;
		size_t ileft = 3, oleft = sizeof(want) - 1;
		const char *got;

		iconv(cd, NULL, NULL, NULL, NULL);
		if (iconv(cd, &ip, &ileft, &op, &oleft) == (size_t)-1) {
			/* refused: the byte is U+FFFD */
			assert_int_equal(errno, EILSEQ);
			strcpy(want, "a\xef\xbf\xbdz");
		} else {
			*op = '\0';
		}
		got = conv("windows-1252", in, 3, NULL);
		if (strcmp(got, want) != 0)
			fail_msg("byte 0x%02x: \"%s\", iconv \"%s\"", b, got,
			    want);
	}
	iconv_close(cd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cjk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cyrillic_and_8859, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_latin1_is_windows1252,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_utf8_and_ascii, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_whatwg_labels, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_bytes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cp1252_like_iconv, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
