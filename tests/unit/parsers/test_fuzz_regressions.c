/*
 * test_fuzz_regressions.c - the parser fuzz targets replayed in the
 * normal suite
 *
 * Every committed input of tests/fuzz/corpus/<target>/ and
 * tests/fuzz/regressions/<target>/ goes through the same function that
 * libFuzzer calls (the target files are included here), with the same
 * checks; a crash once found by the fuzzer and saved under regressions/
 * stays a failing test until it is fixed. Under the sanitizer build this
 * is the fuzz build's ASan/UBSan check of each input.
 * Targets: mime, header, rfc2047, mimehdr, charset, codec, csv, history,
 * text (html, quote, commands, authres), lmtp, langguess.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/fuzz/replay.h"

#define FUZZ_FAIL fuzz_replay_fail
#include "tests/fuzz/fuzz_address.c"
#include "tests/fuzz/fuzz_charset.c"
#include "tests/fuzz/fuzz_codec.c"
#include "tests/fuzz/fuzz_csv.c"
#include "tests/fuzz/fuzz_history.c"
#include "tests/fuzz/fuzz_langguess.c"
#include "tests/fuzz/fuzz_lmtp.c"
#include "tests/fuzz/fuzz_header.c"
#include "tests/fuzz/fuzz_mime.c"
#include "tests/fuzz/fuzz_mimehdr.c"
#include "tests/fuzz/fuzz_rfc2047.c"
#include "tests/fuzz/fuzz_text.c"

static void
test_mime(void **state)
{
	(void)state;
	fuzz_replay("mime", fuzz_mime);
}

static void
test_header(void **state)
{
	(void)state;
	fuzz_replay("header", fuzz_header);
}

static void
test_rfc2047(void **state)
{
	(void)state;
	fuzz_replay("rfc2047", fuzz_rfc2047);
}

static void
test_mimehdr(void **state)
{
	(void)state;
	fuzz_replay("mimehdr", fuzz_mimehdr);
}

static void
test_charset(void **state)
{
	(void)state;
	fuzz_replay("charset", fuzz_charset);
}

static void
test_codec(void **state)
{
	(void)state;
	fuzz_replay("codec", fuzz_codec);
}

static void
test_csv(void **state)
{
	(void)state;
	fuzz_replay("csv", fuzz_csv);
}

static void
test_history(void **state)
{
	(void)state;
	fuzz_replay("history", fuzz_history);
}

static void
test_lmtp(void **state)
{
	(void)state;
	fuzz_replay("lmtp", fuzz_lmtp);
}

static void
test_address(void **state)
{
	(void)state;
	fuzz_replay("address", fuzz_address);
}

static void
test_langguess(void **state)
{
	(void)state;
	fuzz_replay("langguess", fuzz_langguess);
}

static void
test_text(void **state)
{
	(void)state;
	fuzz_replay("text", fuzz_text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mime),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_rfc2047),
		cmocka_unit_test(test_mimehdr),
		cmocka_unit_test(test_charset),
		cmocka_unit_test(test_codec),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_lmtp),
		cmocka_unit_test(test_address),
		cmocka_unit_test(test_langguess),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
