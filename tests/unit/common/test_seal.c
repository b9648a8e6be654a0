/*
 * test_seal.c - common/seal.c: AES-256-GCM against the known vectors of
 * the GCM specification, the blob round trip, and every way a stored blob
 * can be wrong (a byte changed anywhere, another row's associated data,
 * another key under the same id, an unknown key, cut short, clear bytes);
 * then the fuzz target's committed inputs (tests/fuzz/fuzz_seal.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/seal.h"
#include "tests/fuzz/replay.h"

#define FUZZ_FAIL fuzz_replay_fail
#include "tests/fuzz/fuzz_seal.c"

static void
unhex(unsigned char *out, const char *hex)
{
	for (size_t i = 0; hex[2 * i] != '\0'; i++) {
		unsigned v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (unsigned char)v;
	}
}

/* The GCM specification's test case 16 (AES-256, 60 bytes, 20 bytes of
 * associated data) and test case 13 (zero key, nothing at all). */
static void
test_known_vectors(void **state)
{
	unsigned char key[32], nonce[12], pt[60], ad[20], want[60], tag[16];
	unsigned char ct[60], got[16], back[60];

	(void)state;
	unhex(key, "feffe9928665731c6d6a8f9467308308"
	    "feffe9928665731c6d6a8f9467308308");
	unhex(nonce, "cafebabefacedbaddecaf888");
	unhex(pt, "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d"
	    "8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
	unhex(ad, "feedfacedeadbeeffeedfacedeadbeefabaddad2");
	unhex(want, "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd"
	    "2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662");
	unhex(tag, "76fc6ece0f4e1768cddf8853bb2d551b");
	assert_int_equal(seal_gcm_encrypt(ct, got, key, nonce, ad, 20, pt,
	    60), 0);
	assert_memory_equal(ct, want, 60);
	assert_memory_equal(got, tag, 16);
	assert_int_equal(seal_gcm_decrypt(back, key, nonce, ad, 20, ct, 60,
	    tag), 0);
	assert_memory_equal(back, pt, 60);
	tag[15] ^= 0x80;
	assert_int_equal(seal_gcm_decrypt(back, key, nonce, ad, 20, ct, 60,
	    tag), GC_EINVAL);
	for (size_t i = 0; i < 60; i++)
		assert_int_equal(back[i], 0);   /* wiped, never served */

	memset(key, 0, 32);
	memset(nonce, 0, 12);
	unhex(tag, "530f8afbc74536b9a963b4f1c4cb738b");
	assert_int_equal(seal_gcm_encrypt(ct, got, key, nonce, NULL, 0, NULL,
	    0), 0);
	assert_memory_equal(got, tag, 16);
}

static struct seal_key keys[2] = { { .id = 7 }, { .id = 300000 } };
static struct seal_keyring ring = { keys, 2, 300000 };

static void
test_round_trip(void **state)
{
	static const char text[] = "marker-AB12 in a mail";
	unsigned char *blob, *pt, *blob2;
	size_t blen, plen, blen2;
	struct gc_err err = { 0 };

	(void)state;
	memset(keys[0].key, 'a', 32);
	memset(keys[1].key, 'b', 32);
	assert_int_equal(seal_seal(&blob, &blen, &keys[1], "t1:m1", 5, text,
	    strlen(text), &err), 0);
	assert_int_equal(blen, strlen(text) + SEAL_OVERHEAD);
	assert_true(seal_is_sealed(blob, blen));
	assert_int_equal(seal_key_id(blob, blen), 300000);
	assert_null(memmem(blob, blen, "marker", 6));
	assert_int_equal(seal_open(&pt, &plen, &ring, "t1:m1", 5, blob, blen,
	    &err), 0);
	assert_int_equal(plen, strlen(text));
	assert_string_equal((char *)pt, text);
	free(pt);
	/* two seals of the same bytes differ (fresh nonce) */
	assert_int_equal(seal_seal(&blob2, &blen2, &keys[1], "t1:m1", 5, text,
	    strlen(text), &err), 0);
	assert_memory_not_equal(blob, blob2, blen);
	free(blob2);
	/* an empty text seals and opens too */
	assert_int_equal(seal_seal(&blob2, &blen2, &keys[0], "", 0, "", 0,
	    &err), 0);
	assert_int_equal(seal_open(&pt, &plen, &ring, "", 0, blob2, blen2,
	    &err), 0);
	assert_int_equal(plen, 0);
	free(pt);
	free(blob2);
	free(blob);
}

static void
test_tampering(void **state)
{
	static const char text[] = "attachment bytes\0with a NUL";
	unsigned char *blob, *pt = (unsigned char *)"x";
	size_t blen, plen = 1;
	struct gc_err err = { 0 };
	struct seal_key other = { .id = 7 };
	struct seal_keyring wrong = { &other, 1, 7 };

	(void)state;
	memset(keys[0].key, 'a', 32);
	memset(other.key, 'z', 32);
	assert_int_equal(seal_seal(&blob, &blen, &keys[0], "row 1", 5, text,
	    sizeof(text), &err), 0);
	/* every single byte flipped, header included, is refused */
	for (size_t i = 0; i < blen; i++) {
		blob[i] ^= 0x04;
		assert_int_not_equal(seal_open(&pt, &plen, &ring, "row 1", 5,
		    blob, blen, &err), 0);
		assert_null(pt);
		assert_int_equal(plen, 0);
		blob[i] ^= 0x04;
	}
	/* the blob of another row */
	assert_int_equal(seal_open(&pt, &plen, &ring, "row 2", 5, blob, blen,
	    &err), GC_EINVAL);
	assert_non_null(strstr(err.msg, "another row"));
	/* another key under the same id */
	assert_int_equal(seal_open(&pt, &plen, &wrong, "row 1", 5, blob, blen,
	    &err), GC_EINVAL);
	/* a key the keyring does not hold */
	other.id = 8;
	assert_int_equal(seal_open(&pt, &plen, &wrong, "row 1", 5, blob, blen,
	    &err), GC_ENOTFOUND);
	assert_non_null(strstr(err.msg, "key 7"));
	/* cut short, down to nothing */
	for (size_t n = 0; n < blen; n++)
		assert_int_not_equal(seal_open(&pt, &plen, &ring, "row 1", 5,
		    blob, n, &err), 0);
	/* clear bytes of an old row */
	assert_false(seal_is_sealed("From: a@b\r\n", 11));
	assert_int_equal(seal_open(&pt, &plen, &ring, "row 1", 5,
	    "From: a@b\r\n", 11, &err), GC_EPARSE);
	/* the one that was right all along */
	assert_int_equal(seal_open(&pt, &plen, &ring, "row 1", 5, blob, blen,
	    &err), 0);
	assert_memory_equal(pt, text, sizeof(text));
	free(pt);
	free(blob);
}

static void
test_fuzz_inputs(void **state)
{
	(void)state;
	assert_true(fuzz_replay("seal", fuzz_seal) >= 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_vectors),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_tampering),
		cmocka_unit_test(test_fuzz_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
