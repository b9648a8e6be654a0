/*
 * address.h - whether two mail addresses are the same mailbox, whatever
 * form each is written in
 *
 * A delivery report names the recipient the way the reporting server
 * wrote it, which is not always the way we did:
 * - the domain as an A-label ("xn--exmple-cua.org") where we wrote the
 *   U-label ("exämple.org"), or the other way round (RFC 5890);
 * - in another case ("Claire@CUST.example");
 * - xtext-encoded ("a+2Bb@x": RFC 3461, for ORCPT and what copies it);
 * - RFC 6533's "utf-8" address type, with "\x{HHHH}" for characters.
 *
 * addr_same() compares the local parts byte for byte with ASCII case
 * ignored (every mail system we meet treats them so, though RFC 5321
 * lets a server tell them apart), and the domains label by label, each
 * A-label decoded (RFC 3492), ASCII case ignored, a final dot dropped.
 * It does not apply Unicode case folding or normalisation to the
 * U-labels: IDNA2008 labels are already lower case and NFC, and a
 * domain that is not is no registered domain.
 *
 * Pure code; strings returned are allocated in the arena passed in.
 */
#ifndef GC_PARSERS_ADDRESS_H
#define GC_PARSERS_ADDRESS_H

#include <stdbool.h>

#include "common/mem.h"

/* The domain with each "xn--" label decoded to UTF-8; NULL when a label
 * is not valid Punycode (or decodes to what no domain holds: controls,
 * surrogates, ASCII where Punycode has no business writing it). */
char *addr_idna_decode(struct arena *a, const char *domain);

/* The domain with each label past ASCII encoded as an A-label (RFC
 * 3492); NULL when a label is no UTF-8 or is too long as an A-label.
 * U-labels are taken as they are: no case folding, no normalisation. */
char *addr_idna_encode(struct arena *a, const char *domain);

/* The writings of addr's mailbox a mail may carry, ASCII case lowered:
 * out[0] its domain's A-labels decoded (the one to key a person on),
 * out[1] its labels past ASCII encoded as A-labels, NULL when that is
 * out[0] or cannot be written. Returns 1 or 2, how many there are. A
 * domain that does not decode stays as written, and is the only one. */
int addr_writings(struct arena *a, const char *addr, char *out[2]);

/* An address of a delivery report decoded: "+HH" (xtext) and "\x{H..}"
 * (RFC 6533) escapes to the bytes and characters they stand for. NULL
 * when s holds no escape, or a malformed one. */
char *addr_dsn_decode(struct arena *a, const char *s);

/* Whether x and y are the same mailbox (see above). NULL is no address.
 * Allocates nothing that outlives the call. */
bool addr_same(const char *x, const char *y);

#endif
