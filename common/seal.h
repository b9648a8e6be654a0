/*
 * seal.h - AES-256-GCM sealing of stored bytes, and the sealed blob format
 *
 * What the database keeps of a mail (raw bytes, texts, attachments, our
 * queued mails, the quarantine) is a sealed blob when a key is configured:
 *
 *   magic "\xffGCS" (4) | version 1 (1) | key id, big-endian (4) |
 *   nonce (12) | ciphertext (as long as the clear bytes) | GCM tag (16)
 *
 * The blob says which key sealed it, so that keys can rotate while old
 * rows stay readable. The associated data (never stored in the blob) is
 * what binds it to its row: the caller passes the same bytes to seal and
 * to open, and a blob copied to another row fails to open, as does a blob
 * with any byte changed. The nonce is random (96 bits from the OpenSSL
 * RNG) for each seal.
 *
 * Bytes without the magic are clear bytes of a row written before keys
 * were configured: seal_is_sealed() tells them apart.
 *
 * Ownership: sealed and opened buffers are malloc'd and the caller frees
 * them (opened ones hold a NUL byte past their length, so that a text
 * reads as a C string). A struct seal_keyring owns its keys;
 * seal_keyring_free() wipes them.
 */
#ifndef GC_SEAL_H
#define GC_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define SEAL_KEY_LEN     32
#define SEAL_NONCE_LEN   12
#define SEAL_TAG_LEN     16
#define SEAL_MAGIC_LEN   5          /* the 4 magic bytes and the version */
#define SEAL_HEADER_LEN  (SEAL_MAGIC_LEN + 4 + SEAL_NONCE_LEN)
#define SEAL_OVERHEAD    (SEAL_HEADER_LEN + SEAL_TAG_LEN)
#define SEAL_MAX_CLEAR   ((size_t)1 << 30)   /* bytea stays under 1 GB */

struct seal_key {
	uint32_t id;                    /* 1 or more */
	unsigned char key[SEAL_KEY_LEN];
};

struct seal_keyring {
	struct seal_key *keys;
	size_t n;
	uint32_t current;               /* the id new blobs are sealed with */
};

/* The magic and version that start every sealed blob. */
extern const unsigned char seal_magic[SEAL_MAGIC_LEN];

/* Whether blob starts like a sealed blob (it may still fail to open). */
bool seal_is_sealed(const void *blob, size_t len);
/* The key id of a sealed blob; 0 when blob is not one. */
uint32_t seal_key_id(const void *blob, size_t len);

/* The key of that id in kr, or NULL. */
const struct seal_key *seal_keyring_find(const struct seal_keyring *kr,
    uint32_t id);
void seal_keyring_free(struct seal_keyring *kr);
/* dst a copy of src (its own keys: free both). */
void seal_keyring_copy(struct seal_keyring *dst,
    const struct seal_keyring *src);

/* Seal len bytes of clear with key k and a fresh random nonce, bound to
 * ad (adlen bytes): *out (malloc'd) is the blob, *out_len its length
 * (len + SEAL_OVERHEAD). GC_ELIMIT past SEAL_MAX_CLEAR. */
int seal_seal(unsigned char **out, size_t *out_len, const struct seal_key *k,
    const void *ad, size_t adlen, const void *clear, size_t len,
    struct gc_err *err);

/* Open a sealed blob with the key of its id in kr and the same ad it was
 * sealed with. GC_EPARSE: not a blob (too short, no magic, another
 * version); GC_ENOTFOUND: its key is not in kr; GC_EINVAL: the tag does
 * not match (a byte changed, another row's blob, another key under the
 * same id): nothing of the clear bytes is handed back then. */
int seal_open(unsigned char **out, size_t *out_len,
    const struct seal_keyring *kr, const void *ad, size_t adlen,
    const void *blob, size_t len, struct gc_err *err);

/* The bare AES-256-GCM of the blob, with a given nonce (tests with known
 * vectors): ct gets len bytes, tag SEAL_TAG_LEN. Returns 0 or GC_EINVAL. */
int seal_gcm_encrypt(unsigned char *ct, unsigned char *tag,
    const unsigned char key[SEAL_KEY_LEN],
    const unsigned char nonce[SEAL_NONCE_LEN], const void *ad, size_t adlen,
    const void *clear, size_t len);
/* Returns 0, or GC_EINVAL when the tag does not match (pt is then
 * wiped). */
int seal_gcm_decrypt(unsigned char *pt, const unsigned char key[SEAL_KEY_LEN],
    const unsigned char nonce[SEAL_NONCE_LEN], const void *ad, size_t adlen,
    const void *ct, size_t len, const unsigned char tag[SEAL_TAG_LEN]);

#endif
