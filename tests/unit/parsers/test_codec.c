/*
 * test_codec.c - base64, quoted-printable and uuencode decoders
 * (parsers/codec.c)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/mem.h"
#include "parsers/codec.h"

static char out[256];

static const char *
b64(const char *in)
{
	size_t n = codec_base64_decode((unsigned char *)out, in, strlen(in));

	assert_true(n <= strlen(in));
	return out;
}

static const char *
qp(const char *in, bool header)
{
	size_t n = codec_qp_decode((unsigned char *)out, in, strlen(in),
	    header);

	assert_true(n <= strlen(in));
	return out;
}

static void
test_base64(void **state)
{
	(void)state;
	assert_string_equal(b64("aGVsbG8gd29ybGQ="), "hello world");
	assert_string_equal(b64("aGVs\r\nbG8g\nd29y bGQ"), "hello world");
	/* garbage characters are skipped, missing padding is fine */
	assert_string_equal(b64("a*G!V\x01sbG8"), "hello");
	assert_string_equal(b64("aGk=aGk="), "hihi");
	assert_string_equal(b64("===="), "");
	assert_string_equal(b64(""), "");
}

static void
test_qp(void **state)
{
	(void)state;
	assert_string_equal(qp("caf=C3=A9", false), "caf\xc3\xa9");
	assert_string_equal(qp("caf=c3=a9", false), "caf\xc3\xa9");
	/* soft breaks with LF, CRLF, CR, trailing blanks after '=' */
	assert_string_equal(qp("a=\nb=\r\nc=  \r\nd=\re", false), "abcde");
	/* malformed escapes stay as they are */
	assert_string_equal(qp("1=2 =ZZ =", false), "1=2 =ZZ ");
	assert_string_equal(qp("50% =3D x=", false), "50% = x");
	/* trailing blanks before a line end are padding */
	assert_string_equal(qp("line  \nnext\t\r\n", false), "line\nnext\r\n");
	assert_string_equal(qp("a_b=5Fc", true), "a b_c");
	assert_string_equal(qp("a_b", false), "a_b");
}

static void
test_uu(void **state)
{
	struct arena a;
	const char *name;
	size_t n;
	static const char in[] =
	    "some text\nbegin 644 hello.txt\n"
	    "+:&5L;&\\@=V]R;&0*\n`\nend\ntrailer\n";

	(void)state;
	arena_init(&a, 1024);
	n = codec_uu_decode((unsigned char *)out, in, strlen(in), &a, &name);
	assert_int_equal(n, 11);
	assert_memory_equal(out, "hello world", 11);
	assert_string_equal(name, "hello.txt");
	arena_free(&a);
}

static void
test_dispatch(void **state)
{
	struct arena a;
	unsigned char *p;
	size_t n;

	(void)state;
	arena_init(&a, 1024);
	p = codec_decode(&a, "base64", "AAEC", 4, &n);
	assert_int_equal(n, 3);
	assert_memory_equal(p, "\0\1\2", 3);
	p = codec_decode(&a, "7bit", "as is=", 6, &n);
	assert_int_equal(n, 6);
	assert_memory_equal(p, "as is=", 6);
	arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_qp),
		cmocka_unit_test(test_uu),
		cmocka_unit_test(test_dispatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
