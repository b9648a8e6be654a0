/*
 * sha256.h - SHA-256 and HMAC-SHA-256 with the digest fetched once
 *
 * OpenSSL 3 fetches an algorithm from its providers (a locked lookup by
 * name) whenever EVP_sha256() is handed to EVP_Digest*() or HMAC(); per
 * mail that cost more than the hashing of short strings. This module
 * fetches SHA-256 once per process (the only state: immutable once
 * set) and computes HMAC per RFC 2104 with it.
 *
 * Ownership: inputs are borrowed for the call; out is the caller's.
 * sha256_begin() returns a context that sha256_end() frees.
 */
#ifndef GC_SHA256_H
#define GC_SHA256_H

#include <stddef.h>

#include <openssl/evp.h>

#define SHA256_LEN 32

/* The digest of p (n bytes). */
void sha256(unsigned char out[SHA256_LEN], const void *p, size_t n);

/* A context ready for EVP_DigestUpdate(); sha256_end() writes the digest
 * and frees it. */
EVP_MD_CTX *sha256_begin(void);
void sha256_end(EVP_MD_CTX *ctx, unsigned char out[SHA256_LEN]);

/* HMAC-SHA-256 (RFC 2104, RFC 4231) of msg (n bytes) under key (klen
 * bytes, any length). */
void hmac_sha256(unsigned char out[SHA256_LEN], const void *key,
    size_t klen, const void *msg, size_t n);

#endif
