/*
 * codec.h - Content-Transfer-Encoding decoders: base64, quoted-printable,
 * uuencode
 *
 * Decoders for what mail really holds, not for what the RFCs allow: they
 * never fail. Base64 skips every character outside its alphabet and stops
 * at padding; quoted-printable keeps a '=' that starts no valid escape as
 * it is; uuencode skips lines it cannot read. The decoded data is never
 * longer than the input, so the caller's output buffer needs len + 1
 * bytes (the result is NUL-terminated for convenience; it may hold NULs).
 *
 * Ownership: the arena variants return memory in the caller's arena.
 * Pure code, no I/O.
 */
#ifndef GC_PARSERS_CODEC_H
#define GC_PARSERS_CODEC_H

#include <stdbool.h>
#include <stddef.h>

#include "common/mem.h"

/* Decode into out (room for len + 1 bytes); returns the decoded length. */
size_t codec_base64_decode(unsigned char *out, const char *in, size_t len);

/* Quoted-printable body (RFC 2045 6.7): soft line breaks ("=" at the end
 * of a line, with or without trailing blanks, before LF, CRLF or CR) are
 * removed, trailing blanks of encoded lines are dropped. With header set,
 * it is the RFC 2047 "Q" encoding instead: '_' is a space. */
size_t codec_qp_decode(unsigned char *out, const char *in, size_t len,
    bool header);

/* uuencoded data: from the "begin" line (if any) to "end"; *name_r (may
 * be NULL) gets the file name of the begin line, in the arena, or NULL. */
size_t codec_uu_decode(unsigned char *out, const char *in, size_t len,
    struct arena *a, const char **name_r);

/* Arena helpers: decode with the named encoding ("base64",
 * "quoted-printable", "x-uuencode"/"uuencode"/"x-uue", anything else: a
 * copy). Lowercase names expected. */
unsigned char *codec_decode(struct arena *a, const char *encoding,
    const char *in, size_t len, size_t *len_r);

#endif
