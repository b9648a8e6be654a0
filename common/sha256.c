/*
 * sha256.c - SHA-256 and HMAC-SHA-256 with the digest fetched once (see
 * sha256.h)
 *
 * The fetched EVP_MD lives as long as the process (never freed: it is
 * reachable, not leaked). HMAC is the RFC 2104 construction over that
 * digest: the key hashed when longer than a block, padded with zeros,
 * XORed with ipad for the inner hash and opad for the outer one.
 */
#include "common/sha256.h"

#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/log.h"

#define BLOCK 64                /* SHA-256's block size */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static EVP_MD *md;

static void
fetch(void)
{
	md = EVP_MD_fetch(NULL, "SHA2-256", NULL);
	if (md == NULL)
		fatal("EVP_MD_fetch(SHA2-256) failed");
}

EVP_MD_CTX *
sha256_begin(void)
{
	EVP_MD_CTX *ctx;

	pthread_once(&once, fetch);
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || !EVP_DigestInit_ex(ctx, md, NULL))
		fatal("EVP_DigestInit(sha256) failed");
	return ctx;
}

void
sha256_end(EVP_MD_CTX *ctx, unsigned char out[SHA256_LEN])
{
	unsigned int n = SHA256_LEN;

	if (!EVP_DigestFinal_ex(ctx, out, &n))
		fatal("EVP_DigestFinal(sha256) failed");
	EVP_MD_CTX_free(ctx);
}

void
sha256(unsigned char out[SHA256_LEN], const void *p, size_t n)
{
	unsigned int len = SHA256_LEN;

	pthread_once(&once, fetch);
	if (!EVP_Digest(p, n, out, &len, md, NULL))
		fatal("EVP_Digest(sha256) failed");
}

/* sha256((k0 XOR pad) || p), p being n bytes. */
static void
padded_hash(unsigned char out[SHA256_LEN], const unsigned char *k0,
    unsigned char pad, const void *p, size_t n)
{
	unsigned char block[BLOCK];
	EVP_MD_CTX *ctx;

	for (size_t i = 0; i < BLOCK; i++)
		block[i] = k0[i] ^ pad;
	ctx = sha256_begin();
	EVP_DigestUpdate(ctx, block, BLOCK);
	EVP_DigestUpdate(ctx, p, n);
	sha256_end(ctx, out);
	OPENSSL_cleanse(block, sizeof(block));
}

void
hmac_sha256(unsigned char out[SHA256_LEN], const void *key, size_t klen,
    const void *msg, size_t n)
{
	unsigned char k0[BLOCK], inner[SHA256_LEN];

	memset(k0, 0, sizeof(k0));
	if (klen > BLOCK)
		sha256(k0, key, klen);
	else if (klen > 0)
		memcpy(k0, key, klen);
	padded_hash(inner, k0, 0x36, msg, n);           /* ipad */
	padded_hash(out, k0, 0x5c, inner, SHA256_LEN);  /* opad */
	OPENSSL_cleanse(k0, sizeof(k0));
	OPENSSL_cleanse(inner, sizeof(inner));
}
