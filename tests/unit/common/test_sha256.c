/*
 * test_sha256.c - SHA-256 (FIPS 180-2 examples) and HMAC-SHA-256 (RFC
 * 4231 test cases), then both against OpenSSL's one-shot functions on
 * random keys and messages of every length around the block size
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/hmac.h>

#include "common/sha256.h"

static void
hex(char *out, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static void
check_sha(const void *p, size_t n, const char *want)
{
	unsigned char md[SHA256_LEN];
	char h[2 * SHA256_LEN + 1];

	sha256(md, p, n);
	hex(h, md, sizeof(md));
	assert_string_equal(h, want);
}

static void
test_fips_180_2(void **state)
{
	static char million[1000000];
	EVP_MD_CTX *ctx;
	unsigned char md[SHA256_LEN];
	char h[2 * SHA256_LEN + 1];

	(void)state;
	check_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	check_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	check_sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    56, "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1");
	memset(million, 'a', sizeof(million));
	check_sha(million, sizeof(million), "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
	/* the same through a context, fed in pieces */
	ctx = sha256_begin();
	EVP_DigestUpdate(ctx, "ab", 2);
	EVP_DigestUpdate(ctx, "c", 1);
	sha256_end(ctx, md);
	hex(h, md, sizeof(md));
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
}

static void
check_hmac(const void *key, size_t klen, const void *msg, size_t n,
    const char *want)
{
	unsigned char md[SHA256_LEN];
	char h[2 * SHA256_LEN + 1];

	hmac_sha256(md, key, klen, msg, n);
	hex(h, md, sizeof(md));
	assert_memory_equal(h, want, strlen(want));
}

static void
test_rfc_4231(void **state)
{
	unsigned char k[131], d[50];
	static const char big_key[] = "Test Using Larger Than Block-Size Key"
	    " - Hash Key First";
	static const char big_both[] = "This is a test using a larger than "
	    "block-size key and a larger than block-size data. The key needs"
	    " to be hashed before being used by the HMAC algorithm.";

	(void)state;
	memset(k, 0x0b, 20);                            /* 4.2 */
	check_hmac(k, 20, "Hi There", 8, "b0344c61d8db38535ca8afceaf0bf12b"
	    "881dc200c9833da726e9376c2e32cff7");
	check_hmac("Jefe", 4, "what do ya want for nothing?", 28,   /* 4.3 */
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memset(k, 0xaa, 20);                            /* 4.4 */
	memset(d, 0xdd, 50);
	check_hmac(k, 20, d, 50, "773ea91e36800e46854db8ebd09181a7"
	    "2959098b3ef8c122d9635514ced565fe");
	for (int i = 0; i < 25; i++)                    /* 4.5 */
		k[i] = (unsigned char)(i + 1);
	memset(d, 0xcd, 50);
	check_hmac(k, 25, d, 50, "82558a389a443c0ea4cc819899f2083a"
	    "85f0faa3e578f8077a2e3ff46729665b");
	memset(k, 0x0c, 20);                            /* 4.6, truncated */
	check_hmac(k, 20, "Test With Truncation", 20,
	    "a3b6167473100ee06e0c796c2955552b");
	memset(k, 0xaa, 131);                           /* 4.7 */
	check_hmac(k, 131, big_key, strlen(big_key),
	    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	check_hmac(k, 131, big_both, strlen(big_both),  /* 4.8 */
	    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

static void
test_as_openssl(void **state)
{
	unsigned char key[200], msg[300], got[SHA256_LEN], want[SHA256_LEN];
	unsigned int wlen;
	unsigned seed = 2104;

	(void)state;
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (unsigned char)rand_r(&seed);
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (unsigned char)rand_r(&seed);
	for (size_t klen = 0; klen < sizeof(key); klen += klen < 70 ? 1 : 13) {
		for (size_t n = 0; n < sizeof(msg); n += n < 70 ? 1 : 17) {
			wlen = sizeof(want);
			assert_non_null(HMAC(EVP_sha256(), key, (int)klen, msg,
			    n, want, &wlen));
			hmac_sha256(got, key, klen, msg, n);
			assert_memory_equal(got, want, SHA256_LEN);
			wlen = sizeof(want);
			assert_true(EVP_Digest(msg, n, want, &wlen,
			    EVP_sha256(), NULL));
			sha256(got, msg, n);
			assert_memory_equal(got, want, SHA256_LEN);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fips_180_2),
		cmocka_unit_test(test_rfc_4231),
		cmocka_unit_test(test_as_openssl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
