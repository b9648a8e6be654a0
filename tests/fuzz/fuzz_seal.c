/*
 * fuzz_seal.c - fuzz target: common/seal.h, the opener of sealed blobs
 *
 * The input is a stored blob as the database could hand it back, changed
 * by anyone who can write to the database. The keyring holds two fixed
 * keys (ids 1 and 2). seal_open() must refuse it, or open it only when it
 * is a blob sealed with one of them under the associated data "row"; an
 * input that opens must seal again (key of its id) and open to the same
 * bytes. The second half of each run seals the input itself and checks
 * that one changed byte anywhere makes it fail. Seeds: tests/fuzz/corpus/
 * seal/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/seal.h"
#include "tests/fuzz/fuzz.h"

static int
fuzz_seal(const uint8_t *data, size_t len)
{
	struct seal_key keys[2] = { { .id = 1 }, { .id = 2 } };
	struct seal_keyring kr = { keys, 2, 2 };
	unsigned char *pt, *blob, *again;
	size_t ptlen, blen, alen;
	int rc;

	memset(keys[0].key, 0x11, SEAL_KEY_LEN);
	memset(keys[1].key, 0x22, SEAL_KEY_LEN);
	rc = seal_open(&pt, &ptlen, &kr, "row", 3, data, len, NULL);
	if (rc == 0) {
		FUZZ_CHECK(ptlen + SEAL_OVERHEAD == len, "opened length");
		FUZZ_CHECK(pt[ptlen] == '\0', "opened bytes not terminated");
		free(pt);
	} else {
		FUZZ_CHECK(pt == NULL && ptlen == 0, "refused yet served");
	}
	if (len > 4096)
		return 0;
	FUZZ_CHECK(seal_seal(&blob, &blen, &keys[1], data, len, data, len,
	    NULL) == 0, "seal failed");
	FUZZ_CHECK(seal_open(&again, &alen, &kr, data, len, blob, blen,
	    NULL) == 0, "own blob refused");
	FUZZ_CHECK(alen == len && memcmp(again, data, len) == 0,
	    "round trip changed the bytes");
	free(again);
	blob[len % blen] ^= 0x01;
	FUZZ_CHECK(seal_open(&again, &alen, &kr, data, len, blob, blen,
	    NULL) != 0 && again == NULL, "changed blob opened");
	free(blob);
	return 0;
}

FUZZ_TARGET(fuzz_seal)
