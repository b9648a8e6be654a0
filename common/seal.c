/*
 * seal.c - AES-256-GCM sealing of stored bytes (see seal.h)
 *
 * OpenSSL's EVP interface does the cipher; this file owns the blob's
 * layout and refuses, before any decryption, whatever is not a blob of
 * ours. Lengths go to EVP as int: SEAL_MAX_CLEAR keeps them in range.
 */
#include "common/seal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "common/log.h"
#include "common/mem.h"

const unsigned char seal_magic[SEAL_MAGIC_LEN] = { 0xff, 'G', 'C', 'S', 1 };

bool
seal_is_sealed(const void *blob, size_t len)
{
	return blob != NULL && len >= SEAL_MAGIC_LEN &&
	    memcmp(blob, seal_magic, SEAL_MAGIC_LEN) == 0;
}

uint32_t
seal_key_id(const void *blob, size_t len)
{
	const unsigned char *b = blob;

	if (len < SEAL_OVERHEAD || !seal_is_sealed(blob, len))
		return 0;
	b += SEAL_MAGIC_LEN;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
}

const struct seal_key *
seal_keyring_find(const struct seal_keyring *kr, uint32_t id)
{
	for (size_t i = 0; kr != NULL && i < kr->n; i++)
		if (kr->keys[i].id == id)
			return &kr->keys[i];
	return NULL;
}

void
seal_keyring_free(struct seal_keyring *kr)
{
	if (kr->keys != NULL)
		explicit_bzero(kr->keys, kr->n * sizeof(*kr->keys));
	free(kr->keys);
	memset(kr, 0, sizeof(*kr));
}

void
seal_keyring_copy(struct seal_keyring *dst, const struct seal_keyring *src)
{
	memset(dst, 0, sizeof(*dst));
	if (src->n > 0) {
		dst->keys = xcalloc(src->n, sizeof(*dst->keys));
		memcpy(dst->keys, src->keys, src->n * sizeof(*dst->keys));
	}
	dst->n = src->n;
	dst->current = src->current;
}

/* ----- The cipher ------------------------------------------------- */

/* One GCM pass; enc: encrypt (tag out) or decrypt (tag in, checked). */
static int
gcm(int enc, unsigned char *out, unsigned char *tag, const unsigned char *key,
    const unsigned char *nonce, const void *ad, size_t adlen,
    const void *in, size_t len)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n, ok;

	if (ctx == NULL)
		fatal("out of memory (cipher context)");
	ok = EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL,
	    enc) == 1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SEAL_NONCE_LEN,
	    NULL) == 1 &&
	    EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) == 1;
	if (ok && adlen > 0)
		ok = EVP_CipherUpdate(ctx, NULL, &n, ad, (int)adlen) == 1;
	if (ok && len > 0)
		ok = EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1;
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG,
		    SEAL_TAG_LEN, tag) == 1;
	if (ok)
		ok = EVP_CipherFinal_ex(ctx, out + len, &n) == 1;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG,
		    SEAL_TAG_LEN, tag) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok && !enc && len > 0)
		explicit_bzero(out, len);
	return ok ? 0 : GC_EINVAL;
}

int
seal_gcm_encrypt(unsigned char *ct, unsigned char *tag,
    const unsigned char key[SEAL_KEY_LEN],
    const unsigned char nonce[SEAL_NONCE_LEN], const void *ad, size_t adlen,
    const void *clear, size_t len)
{
	if (len > SEAL_MAX_CLEAR || adlen > SEAL_MAX_CLEAR)
		return GC_EINVAL;
	return gcm(1, ct, tag, key, nonce, ad, adlen, clear, len);
}

int
seal_gcm_decrypt(unsigned char *pt, const unsigned char key[SEAL_KEY_LEN],
    const unsigned char nonce[SEAL_NONCE_LEN], const void *ad, size_t adlen,
    const void *ct, size_t len, const unsigned char tag[SEAL_TAG_LEN])
{
	unsigned char t[SEAL_TAG_LEN];

	if (len > SEAL_MAX_CLEAR || adlen > SEAL_MAX_CLEAR)
		return GC_EINVAL;
	memcpy(t, tag, SEAL_TAG_LEN);
	return gcm(0, pt, t, key, nonce, ad, adlen, ct, len);
}

/* ----- Blobs ------------------------------------------------------ */

int
seal_seal(unsigned char **out, size_t *out_len, const struct seal_key *k,
    const void *ad, size_t adlen, const void *clear, size_t len,
    struct gc_err *err)
{
	unsigned char *b, *p;

	*out = NULL;
	*out_len = 0;
	if (len > SEAL_MAX_CLEAR)
		return gc_err_set(err, GC_ELIMIT, "%zu bytes are too many to "
		    "seal (at most %zu)", len, SEAL_MAX_CLEAR);
	/* +1: GCM's final step may write nothing, but never past this */
	b = xmalloc(len + SEAL_OVERHEAD + 1);
	memcpy(b, seal_magic, SEAL_MAGIC_LEN);
	p = b + SEAL_MAGIC_LEN;
	*p++ = (unsigned char)(k->id >> 24);
	*p++ = (unsigned char)(k->id >> 16);
	*p++ = (unsigned char)(k->id >> 8);
	*p++ = (unsigned char)k->id;
	if (RAND_bytes(p, SEAL_NONCE_LEN) != 1) {
		free(b);
		return gc_err_set(err, GC_EIO, "no random bytes for a nonce");
	}
	if (seal_gcm_encrypt(b + SEAL_HEADER_LEN, b + SEAL_HEADER_LEN + len,
	    k->key, p, ad, adlen, clear, len) != 0) {
		free(b);
		return gc_err_set(err, GC_EIO, "AES-256-GCM failed");
	}
	*out = b;
	*out_len = len + SEAL_OVERHEAD;
	return 0;
}

int
seal_open(unsigned char **out, size_t *out_len,
    const struct seal_keyring *kr, const void *ad, size_t adlen,
    const void *blob, size_t len, struct gc_err *err)
{
	const unsigned char *b = blob;
	const struct seal_key *k;
	unsigned char *pt;
	uint32_t id;
	size_t n;

	*out = NULL;
	*out_len = 0;
	if ((id = seal_key_id(blob, len)) == 0)
		return gc_err_set(err, GC_EPARSE, "not a sealed blob of ours "
		    "(%zu bytes)", len);
	if ((k = seal_keyring_find(kr, id)) == NULL)
		return gc_err_set(err, GC_ENOTFOUND, "sealed with key %u, "
		    "which the key file does not hold", id);
	n = len - SEAL_OVERHEAD;
	pt = xmalloc(n + 1);
	if (seal_gcm_decrypt(pt, k->key, b + SEAL_MAGIC_LEN + 4, ad, adlen,
	    b + SEAL_HEADER_LEN, n, b + SEAL_HEADER_LEN + n) != 0) {
		free(pt);
		return gc_err_set(err, GC_EINVAL, "the sealed blob does not "
		    "authenticate with key %u: changed, or moved from another "
		    "row", id);
	}
	pt[n] = '\0';
	*out = pt;
	*out_len = n;
	return 0;
}
