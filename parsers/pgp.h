/*
 * pgp.h - is a mail encrypted with OpenPGP, and the clear mail made of
 * its outer header and its decrypted content
 *
 * Two forms are recognised: PGP/MIME (RFC 3156: multipart/encrypted,
 * whose application/octet-stream part is the ciphertext) and inline PGP
 * (an ASCII-armored "-----BEGIN PGP MESSAGE-----" block in the text).
 * A signed mail (multipart/signed, "BEGIN PGP SIGNED MESSAGE") is not
 * encrypted and is not recognised. Pure: the decryption itself is the
 * desk's (desk/pgp.h).
 *
 * Ownership: a struct pgp_found points into the mail it was found in
 * and lives as long as it.
 */
#ifndef GC_PARSERS_PGP_H
#define GC_PARSERS_PGP_H

#include <stddef.h>

#include "common/mem.h"
#include "parsers/mime.h"

enum pgp_kind {
	PGP_NONE,       /* not encrypted */
	PGP_MIME,       /* multipart/encrypted */
	PGP_INLINE,     /* an armored block in the text */
};

struct pgp_found {
	enum pgp_kind kind;
	const unsigned char *data;  /* the ciphertext; NULL when the mail
	                             * claims to be encrypted but holds none */
	size_t len;
	const char *why;            /* when data is NULL: what is missing */
	/* PGP_INLINE: the mail (its files go along) and the text around
	 * the armored block */
	const struct mail *mail;
	const char *before;
	size_t before_len;
	const char *after;
};

/* What m is; fills out in every case. */
enum pgp_kind pgp_detect(struct pgp_found *out, const struct mail *m);

/* The clear mail into b: the outer header block of raw (its first
 * header_bytes bytes) without its Content-* and MIME-Version fields,
 * then, for PGP_MIME, the decrypted MIME entity (of its own header, only
 * the Content-* fields are kept: the sender, subject and thread stay the
 * outer mail's); for PGP_INLINE, a text/plain UTF-8 body of the text
 * before the block, the decrypted text and the text after it, in a
 * multipart/mixed with the outer mail's files when it has any. Returns
 * 0, or GC_ELIMIT when b's cap is passed. */
int pgp_clear_mail(struct buf *b, const char *raw, size_t header_bytes,
    const struct pgp_found *f, const char *clear, size_t clear_len);

#endif
