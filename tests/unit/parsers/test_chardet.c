/*
 * test_chardet.c - guessing the charset of undeclared 8-bit text
 * (parsers/chardet.c)
 *
 * Short texts as headers carry them (names, subjects) in each candidate
 * charset, made from UTF-8 with iconv (the frequency tables are searched
 * by bisection: a table out of order would lose these); hostile input
 * (random bytes, long runs) gives a label and stays within the sample.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/chardet.h"

/* in (UTF-8) written in charset cs, into out; its length. */
static size_t
encode(char *out, size_t cap, const char *cs, const char *in)
{
	iconv_t cd = iconv_open(cs, "UTF-8");
	char *ip = (char *)in, *op = out;
	size_t il = strlen(in), ol = cap;

	assert_true(cd != (iconv_t)-1);
	assert_true(iconv(cd, &ip, &il, &op, &ol) != (size_t)-1);
	iconv_close(cd);
	return cap - ol;
}

static void
guess(const char *cs, const char *label, const char *text)
{
	char buf[1024];
	size_t n = encode(buf, sizeof(buf), cs, text);
	const char *g = chardet_guess(buf, n);

	if (g == NULL || strcmp(g, label) != 0)
		fail_msg("%s in %s: guessed %s, not %s", text, cs,
		    g ? g : "NULL", label);
}

static void
test_guesses(void **state)
{
	static const struct {
		const char *cs, *label, *text;
	} cases[] = {
		{ "GBK", "gb18030", "订单问题" },
		{ "GBK", "gb18030", "您好，我的订单没有到。" },
		{ "GBK", "gb18030", "张三" },
		{ "GBK", "gb18030", "系统无法登录" },
		{ "GB2312", "gb18030", "退款申请" },
		{ "BIG5", "big5", "訂單問題" },
		{ "BIG5", "big5", "陳大文" },
		{ "BIG5", "big5", "無法登錄系統" },
		{ "SHIFT_JIS", "shift_jis", "注文について" },
		{ "SHIFT_JIS", "shift_jis", "山田太郎" },
		{ "SHIFT_JIS", "shift_jis", "カスタマーサポート" },
		{ "EUC-JP", "euc-jp", "お問い合わせ" },
		{ "EUC-JP", "euc-jp", "ログインできません" },
		{ "EUC-JP", "euc-jp", "カスタマーサポート" },
		{ "EUC-KR", "euc-kr", "안녕하세요" },
		{ "EUC-KR", "euc-kr", "김철수" },
		{ "EUC-KR", "euc-kr", "로그인이 안 됩니다" },
		{ "KOI8-R", "koi8-r", "Привет" },
		{ "KOI8-R", "koi8-r", "Иванов Иван" },
		{ "WINDOWS-1251", "windows-1251", "Заказ не пришёл" },
		{ "WINDOWS-1251", "windows-1251", "Счёт" },
		{ "WINDOWS-1252", "windows-1252", "Müller" },
		{ "WINDOWS-1252", "windows-1252", "Ça marche pas" },
		{ "WINDOWS-1252", "windows-1252", "Señor Núñez" },
		{ "WINDOWS-1252", "windows-1252", "Grüße aus Köln" },
		{ "WINDOWS-1252", "windows-1252", "Öl" },
		{ "WINDOWS-1252", "windows-1252", "“quoted” – €5" },
		/* a line drawn with Latin-1 symbols, as old signatures do */
		{ "WINDOWS-1252", "windows-1252",
		    "·¸¸·´¯`·¸¸·´¯`·¸¸·´¯`·¸¸·´¯`·¸¸·" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		guess(cases[i].cs, cases[i].label, cases[i].text);
	/* nothing to guess */
	assert_null(chardet_guess("plain", 5));
	assert_null(chardet_guess("caf\xc3\xa9", 5));
	assert_null(chardet_guess("", 0));
}

/* Random bytes and long 8-bit runs: a label always, from the sample. */
static void
test_hostile(void **state)
{
	size_t n = 1 << 20, i, round;
	char *big = malloc(n);
	unsigned seed = 1;

	(void)state;
	for (round = 0; round < 50; round++) {
		size_t len = round == 0 ? n : 1 + round * 7;

		for (i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			big[i] = (char)(round == 1 ? 0xff : (seed >> 16));
		}
		assert_non_null(chardet_guess(big, len));
	}
	memset(big, 0x1b, n);
	assert_null(chardet_guess(big, n));     /* ASCII */
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guesses),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
